"""Live wins over signed HTTP: a rep's /log makes a win, the worker (scheduler/celebrations.py)
turns it into one post in the team's channel through the outbox, exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from scheduler.sender import Sender
from storage.models import Celebration, CelebrationPost, Outbox, Workspace

BATCH = timedelta(seconds=61)


def mention(workspace, user_id: str) -> str:
    return f"<@{user_id}|{workspace.names[user_id]}>"


@pytest.fixture
def floor(workspace):
    """Team east (New York, channel #sales-…): manager dana, reps maria, bo and darcel; the
    worker has looked once, so what follows is new to it."""
    channel = "C" + uuid.uuid4().hex[:9].upper()
    workspace.slack.add_channel(channel, f"sales-{channel[1:6].lower()}")
    admin, dana = workspace.user("ada", admin=True), workspace.user("dana")
    maria, bo, darcel = workspace.user("maria"), workspace.user("bo"), workspace.user("darcel")
    workspace.team(
        admin,
        f"create east <#{channel}|sales-{channel[1:6].lower()}> manager {mention(workspace, dana)} tz America/New_York",
    )
    workspace.team(
        admin, "add east " + " ".join(mention(workspace, u) for u in (maria, bo, darcel))
    )
    worker = workspace.app.paceline.scheduler.celebrations
    worker.tick()
    return SimpleNamespace(
        channel=channel, admin=admin, dana=dana, maria=maria, bo=bo, darcel=darcel, worker=worker
    )


def workspace_id(workspace) -> int:
    with workspace.app.paceline.db.read() as session:
        return session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )


def deliver(workspace) -> None:
    app = workspace.app
    sender = Sender(
        app.paceline.db,
        app.paceline.client_for,
        app.clock,
        owner="wins-test",
        sleep=lambda _s: None,
        workspace_ids=[workspace_id(workspace)],
    )
    sender.deliver_due()


def settle(workspace, floor, after: timedelta = BATCH) -> list[dict]:
    """Let the batching minute pass: tick, deliver, and return the channel's posts."""
    floor.worker.tick()
    workspace.app.clock.advance(after)
    floor.worker.tick()
    deliver(workspace)
    return workspace.slack.messages_in(floor.channel)


def test_a_rep_crossing_their_goal_is_celebrated_once(workspace, floor):
    workspace.reply("/goal", floor.dana, f"set {mention(workspace, floor.maria)} calls 60/week")
    workspace.log(floor.maria, "calls 50")
    assert settle(workspace, floor) == []
    workspace.log(floor.maria, "calls 15")
    posts = settle(workspace, floor)
    assert [p["text"] for p in posts] == ["🎯 maria hit the weekly calls goal: 65 / 60"]
    workspace.log(floor.maria, "calls 5")
    assert len(settle(workspace, floor)) == 1


def texts(posts: list[dict]) -> list[str]:
    return [p["text"] for p in posts]


def goal(workspace, floor, text: str) -> str:
    return workspace.reply("/goal", floor.dana, text)


def m(workspace, user_id: str) -> str:
    return mention(workspace, user_id)


def test_a_stretch_hit_and_the_hit_in_one_burst_are_one_post(workspace, floor):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 60/week stretch 120%")
    workspace.log(floor.maria, "calls 80")
    assert texts(settle(workspace, floor)) == [
        "🎯 maria hit the weekly calls goal: 80 / 60\n🚀 maria hit the stretch of the weekly calls goal: 80 / 72"
    ]


def test_what_happens_within_a_minute_is_one_post_and_a_later_win_another(workspace, floor):
    for rep in (floor.maria, floor.bo):
        goal(workspace, floor, f"set {m(workspace, rep)} calls 10/week")
    workspace.log(floor.maria, "calls 10")
    floor.worker.tick()
    workspace.app.clock.advance(timedelta(seconds=40))
    workspace.log(floor.bo, "calls 12")
    floor.worker.tick()
    workspace.app.clock.advance(timedelta(seconds=21))  # the minute from maria's win is over
    floor.worker.tick()
    deliver(workspace)
    assert texts(workspace.slack.messages_in(floor.channel)) == [
        "🎯 maria hit the weekly calls goal: 10 / 10\n🎯 bo hit the weekly calls goal: 12 / 10"
    ]
    goal(workspace, floor, f"set {m(workspace, floor.darcel)} calls 5/week")
    workspace.log(floor.darcel, "calls 5")
    assert texts(settle(workspace, floor))[1:] == ["🎯 darcel hit the weekly calls goal: 5 / 5"]


def test_team_goals_and_all_or_nothing_goals_are_celebrated_when_made(workspace, floor):
    goal(workspace, floor, "set team:east demos 5/week")
    goal(workspace, floor, "each team:east meetings 2/week")
    workspace.log(floor.maria, "demos 3 meetings 2")
    workspace.log(floor.bo, "meetings 2")
    assert settle(workspace, floor) == []
    workspace.log(floor.darcel, "demos 2 meetings 2")
    assert texts(settle(workspace, floor)) == [
        "🏆 east hit the team demos goal for the week: 5 / 5\n"
        "🤝 Everyone on east made the all-or-nothing meetings goal for the week (3 of 3)"
    ]


def test_an_undo_within_the_minute_cancels_the_post_and_a_relog_posts_once(workspace, floor):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    workspace.log(floor.maria, "calls 12")
    floor.worker.tick()
    assert workspace.rows(CelebrationPost)[0].status == "waiting"
    workspace.log(floor.maria, "undo")
    floor.worker.tick()
    assert workspace.rows(CelebrationPost) == [] and workspace.rows(Celebration) == []
    workspace.app.clock.advance(BATCH)
    floor.worker.tick()
    deliver(workspace)
    assert workspace.slack.messages_in(floor.channel) == []
    workspace.log(floor.maria, "calls 12")
    assert texts(settle(workspace, floor)) == ["🎯 maria hit the weekly calls goal: 12 / 10"]


def test_an_undo_after_the_post_strikes_it_and_a_relog_restores_it(workspace, floor):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    workspace.log(floor.maria, "calls 12")
    [post] = settle(workspace, floor)
    updates = len(workspace.slack.calls_to("chat.update"))
    workspace.log(floor.maria, "undo")
    [post] = settle(workspace, floor)
    assert post["text"] == "~🎯 maria hit the weekly calls goal: 12 / 10~"
    assert len(workspace.slack.calls_to("chat.update")) == updates + 1
    workspace.log(floor.maria, "calls 12")
    [post] = settle(workspace, floor)
    assert post["text"] == "🎯 maria hit the weekly calls goal: 12 / 10"
    assert [r.job for r in workspace.rows(Outbox)] == [
        "celebration",
        "celebration-edit",
        "celebration-edit",
    ]


def test_a_modal_submitted_twice_ticks_repeated_and_a_restart_post_once(workspace, floor):
    from scheduler.celebrations import CelebrationWorker
    from tests.e2e.test_log import _open_modal, _values

    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    _open_modal(workspace, floor.maria)
    for _ in range(2):
        workspace.client.view_submission(
            "log_modal", _values(calls="12"), user_id=floor.maria, view_id="VWIN" + floor.channel
        )
    for _ in range(3):
        floor.worker.tick()
    restarted = CelebrationWorker(workspace.app.paceline.db, workspace.app.clock)
    workspace.app.clock.advance(BATCH)
    restarted.tick()
    floor.worker.tick()
    deliver(workspace)
    restarted.tick()
    deliver(workspace)
    assert texts(workspace.slack.messages_in(floor.channel)) == [
        "🎯 maria hit the weekly calls goal: 12 / 10"
    ]
    assert len(workspace.rows(Outbox)) == 1


def test_two_instances_ticking_at_once_post_once(workspace, floor, database_url):
    import threading

    from scheduler.celebrations import CelebrationWorker
    from storage.db import Database

    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    goal(workspace, floor, f"set {m(workspace, floor.bo)} calls 10/week")
    workspace.log(floor.maria, "calls 12")
    workspace.log(floor.bo, "calls 11")
    dbs = [Database(database_url) for _ in range(2)]
    try:
        workers = [CelebrationWorker(db, workspace.app.clock) for db in dbs]

        def both_at_once() -> None:
            barrier = threading.Barrier(len(workers))
            errors: list[BaseException] = []

            def run(worker: CelebrationWorker) -> None:
                barrier.wait()
                try:
                    worker.tick()
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            threads = [threading.Thread(target=run, args=(w,)) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert errors == []

        both_at_once()
        workspace.app.clock.advance(BATCH)
        both_at_once()
        both_at_once()
    finally:
        for db in dbs:
            db.dispose()
    deliver(workspace)
    assert texts(workspace.slack.messages_in(floor.channel)) == [
        "🎯 maria hit the weekly calls goal: 12 / 10\n🎯 bo hit the weekly calls goal: 11 / 10"
    ]
    assert len(workspace.rows(Outbox)) == 1 and len(workspace.rows(Celebration)) == 2


def _import(workspace, tmp_path, rows: list[str]):
    import io

    from bot.app import workspace_client
    from bot.importer.cli import ImportOptions, import_activity

    app = workspace.app
    path = tmp_path / f"activity-{uuid.uuid4().hex[:6]}.csv"
    path.write_text("user,metric,date,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    client = workspace_client(app.paceline.settings, app.paceline.db, workspace.team_id)
    report = import_activity(
        app.paceline.db,
        client,
        path,
        ImportOptions(workspace=workspace.team_id),
        app.clock,
        io.StringIO(),
    )
    assert not report.rejected and report.problem is None, report
    return path


def test_an_import_of_history_never_celebrates(workspace, floor, tmp_path):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 100/month")
    _import(workspace, tmp_path, ["maria,calls,2026-11-02,60", "maria,calls,2026-11-10,50"])
    assert settle(workspace, floor) == []
    assert [(c.kind, c.state) for c in workspace.rows(Celebration)] == [("hit", "absorbed")]
    workspace.log(floor.maria, "calls 1")  # already over: logging more is no new win
    assert settle(workspace, floor) == []


def test_an_import_of_this_week_is_one_summary_post_per_team(workspace, floor, tmp_path):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 60/week")
    goal(workspace, floor, f"set {m(workspace, floor.bo)} calls 10/week")
    path = _import(workspace, tmp_path, [
        "maria,calls,2026-11-18,40", "maria,calls,2026-11-19,30", "bo,calls,2026-11-19,12", "darcel,deals,2026-11-19,2",
    ])  # fmt: skip
    assert texts(settle(workspace, floor)) == [
        "📥 An import brought in this week's numbers for east: 2 goals hit (bo, maria)"
    ]
    _import(
        workspace, tmp_path, [path.read_text().splitlines()[1]]
    )  # a row already there: nothing new
    assert len(settle(workspace, floor)) == 1
    assert [c.state for c in workspace.rows(Celebration) if c.kind == "hit"] == [
        "absorbed",
        "absorbed",
    ]


def test_quiet_hours_hold_a_win_until_the_next_morning_across_the_end_of_daylight_saving(
    workspace, floor
):
    from datetime import UTC, datetime

    clock = workspace.app.clock
    clock.set(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))  # Sat 19:30 in New York (EDT)
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    workspace.log(floor.maria, "calls 12")
    floor.worker.tick()
    clock.advance(BATCH)
    floor.worker.tick()
    [post] = workspace.rows(CelebrationPost)
    # Clocks go back overnight: 08:00 on Sunday is 13:00 UTC (EST), not 12:00.
    assert post.due_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 1, 12, 30, tzinfo=UTC))  # 07:30 EST
    floor.worker.tick()
    deliver(workspace)
    assert workspace.slack.messages_in(floor.channel) == []
    clock.set(datetime(2026, 11, 1, 13, 0, tzinfo=UTC))
    floor.worker.tick()
    deliver(workspace)
    assert texts(workspace.slack.messages_in(floor.channel)) == [
        "🎯 maria hit the weekly calls goal: 12 / 10"
    ]


def test_logging_makes_no_slack_call_of_its_own_for_a_win(workspace, floor):
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    before = len(workspace.slack.calls)
    workspace.log(floor.maria, "calls 12")
    # The reply goes back in the HTTP answer; the win waits for the worker.
    assert [c.method for c in workspace.slack.calls[before:] if c.method != "users.info"] == []
    assert workspace.rows(Celebration) == []


def test_deals_are_off_by_default_and_once_on_post_from_the_minimum_with_the_team_progress(
    workspace, floor
):
    goal(workspace, floor, "set team:east revenue 100k/month")
    workspace.log(floor.darcel, "deals 1 revenue $12,000")
    assert settle(workspace, floor) == []  # deals are off by default
    workspace.team(floor.admin, "set east celebrate deals,hits,team")
    workspace.team(floor.admin, "set east celebrate-min $5,000")
    workspace.log(floor.darcel, "deals 1 revenue $4,000")  # under the minimum
    workspace.log(floor.bo, "deals 1 revenue $20,000")
    assert texts(settle(workspace, floor)) == [
        "🎉 bo closed $20,000 — the team is at 36% of November"
    ]
    workspace.team(floor.admin, "set east celebrate off")
    workspace.log(floor.maria, "deals 1 revenue $50,000")
    assert len(settle(workspace, floor)) == 1


def test_a_deal_undone_after_its_post_is_struck_and_logged_again_restored(workspace, floor):
    workspace.team(floor.admin, "set east celebrate deals")
    workspace.log(floor.darcel, "revenue $12,000")
    assert texts(settle(workspace, floor)) == ["🎉 darcel closed $12,000"]
    workspace.log(floor.darcel, "undo")
    assert texts(settle(workspace, floor)) == ["~🎉 darcel closed $12,000~"]
    workspace.log(floor.darcel, "revenue $12,000")
    assert texts(settle(workspace, floor)) == ["🎉 darcel closed $12,000"]
    assert [r.job for r in workspace.rows(Outbox)] == [
        "celebration",
        "celebration-edit",
        "celebration-edit",
    ]


def test_quiet_hours_follow_the_team_setting_and_zone(workspace, floor):
    from datetime import UTC, datetime

    workspace.team(floor.admin, "set east hours 09:30-17:00")
    workspace.team(floor.admin, "set east tz Europe/Berlin")
    goal(workspace, floor, f"set {m(workspace, floor.maria)} calls 10/week")
    clock = workspace.app.clock
    clock.set(datetime(2026, 11, 20, 16, 30, tzinfo=UTC))  # 17:30 in Berlin: after hours
    workspace.log(floor.maria, "calls 12")
    floor.worker.tick()
    clock.advance(BATCH)
    floor.worker.tick()
    [post] = workspace.rows(CelebrationPost)
    assert post.due_at == datetime(2026, 11, 21, 8, 30, tzinfo=UTC)  # Sat 09:30 in Berlin
    workspace.team(floor.admin, "set east hours any")
    floor.worker.tick()  # the post was planned for the morning; the team now allows any hour
    deliver(workspace)
    assert workspace.slack.messages_in(floor.channel) == []
    clock.set(datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
    floor.worker.tick()
    deliver(workspace)
    assert len(workspace.slack.messages_in(floor.channel)) == 1


def _import_crm(workspace, tmp_path, rows: list[str]) -> None:
    import io

    from bot.app import workspace_client
    from bot.importer.cli import ImportOptions, import_crm

    app = workspace.app
    path = tmp_path / f"pipeline-{uuid.uuid4().hex[:6]}.csv"
    header = "opportunity_id,sales_agent,deal_stage,engage_date,close_date,close_value"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    client = workspace_client(app.paceline.settings, app.paceline.db, workspace.team_id)
    report = import_crm(
        app.paceline.db,
        client,
        path,
        None,
        ImportOptions(workspace=workspace.team_id),
        app.clock,
        io.StringIO(),
    )
    assert not report.rejected and report.problem is None, report


def test_a_crm_import_of_this_week_is_one_summary_and_of_history_none(workspace, floor, tmp_path):
    workspace.team(floor.admin, "set east celebrate deals,hits,team")
    goal(workspace, floor, "set team:east revenue 100k/month")
    _import_crm(workspace, tmp_path, ["OLD00001,maria,Won,9/1/2017,10/2/2017,5000"])
    assert settle(workspace, floor) == []
    _import_crm(workspace, tmp_path, [
        "WEEK0001,maria,Won,11/2/2026,11/18/2026,30000",
        "WEEK0002,bo,Won,11/3/2026,11/19/2026,12000",
        "WEEK0003,darcel,Engaging,11/16/2026,,",
    ])  # fmt: skip
    expected = [
        "📥 An import brought in this week's numbers for east: 2 deals · $42,000 revenue — the team is at 42% of November"
    ]
    assert texts(settle(workspace, floor)) == expected
    _import_crm(
        workspace, tmp_path, ["WEEK0001,maria,Won,11/2/2026,11/18/2026,30000"]
    )  # already there
    assert texts(settle(workspace, floor)) == expected


def test_a_team_without_a_channel_records_its_wins_quietly_and_the_tick_goes_on(workspace):
    """A hit in a team with no channel is recorded (absorbed, never posted); the worker's
    tick does not fail on it, so other teams' wins and undos are not held up."""
    admin, dana, kim = (
        workspace.user("ada", admin=True),
        workspace.user("dana"),
        workspace.user("kim"),
    )
    workspace.team(admin, f"create quiet manager {mention(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add quiet {mention(workspace, kim)}")
    worker = workspace.app.paceline.scheduler.celebrations
    worker.tick()
    workspace.reply("/goal", dana, f"set {mention(workspace, kim)} calls 10/week")
    workspace.log(kim, "calls 12")
    result = worker.tick()
    assert result.failed == []
    with workspace.app.paceline.db.read() as session:
        found = session.scalars(
            sa.select(Celebration).where(Celebration.workspace_id == workspace_id(workspace))
        ).all()
    assert [(c.kind, c.state, c.post_id) for c in found] == [("hit", "absorbed", None)]
