"""The log reminder against a real database, and its Log button over HTTP: the button
opens the /log modal through the running app."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from test_content_seed import Seed

from bot.render.block_limits import check
from bot.render.nudge import LOG_OPEN_ACTION
from handlers.actions.log_reminder import modal_day
from scheduler.content import BUILDERS
from storage import entries
from storage.models import Entry, Person, Team, Workspace


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


# Friday 20 November 2026, 17:00 in New York.
FRIDAY_EVENING = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
FRI = date(2026, 11, 20)


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def test_the_log_button_opens_the_log_modal_over_http(workspace):
    admin, dana, maria = (
        workspace.user("ada", admin=True),
        workspace.user("dana"),
        workspace.user("maria"),
    )
    workspace.team(admin, f"create east manager {_m(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add east {_m(workspace, maria)}")
    db = workspace.app.paceline.db
    with db.read() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        team = session.scalar(
            sa.select(Team).where(Team.workspace_id == ws, Team.name_key == "east")
        )
        # Thursday's reminder, clicked on Friday morning: the modal opens on Thursday.
        [reminder] = BUILDERS["log-reminder"](
            session, ws, team, datetime(2026, 11, 19, 22, 0, tzinfo=UTC)
        )
    assert reminder.recipient == maria
    button = reminder.blocks[0]["accessory"]
    assert button["action_id"] == LOG_OPEN_ACTION

    opened_before = len(workspace.slack.calls_to("views.open"))
    response = workspace.client.block_action(
        button["action_id"], value=button["value"], user_id=maria, channel_id="D" + maria
    )

    assert response.status == 200, response.text
    # The stand-in Slack lives for the whole session: this click's call is the newest one.
    call = workspace.slack.wait_for("views.open", count=opened_before + 1)[-1]
    view = call.params["view"]
    assert view["callback_id"] == "log_modal"
    assert view["blocks"][0]["element"]["initial_date"] == "2026-11-19"
    assert call.params["trigger_id"]
    # Submitting that modal logs for Thursday, as a /log would.
    submitted = workspace.client.view_submission(
        "log_modal",
        {
            "day": {"day": {"type": "datepicker", "selected_date": "2026-11-19"}},
            "metric:calls": {"amount": {"type": "plain_text_input", "value": "7"}},
        },
        user_id=maria,
        view_id="VREMIND1",
    )
    assert submitted.status == 200, submitted.text
    with db.read() as session:
        person = session.scalar(
            sa.select(Person.id).where(Person.workspace_id == ws, Person.slack_user_id == maria)
        )
        rows = list(
            session.scalars(
                sa.select(Entry).where(Entry.workspace_id == ws, Entry.person_id == person)
            )
        )
    assert [(e.metric, e.day, e.quantity) for e in rows] == [("calls", date(2026, 11, 19), 7)]


def test_members_who_logged_nothing_today_get_a_reminder_with_a_log_button(seed):
    names = ("maria", "bo", "al", "cy", "dee", "newbie")
    p = {n: seed.person(n) for n in names}
    p["newbie"] = seed.person("newbie2", start_date=date(2026, 11, 23))
    p["robo"] = seed.person("robo", bot=True)
    p["gone"] = seed.person("gone", deactivated=True)
    p["imported"] = seed.person("imported", slack=False)
    dana = seed.person("dana")  # a manager, not a member: managers are not reminded
    team = seed.team("East", members=list(p.values()), managers=[dana])
    seed.log(p["maria"], FRI, calls=12)  # logged today
    seed.log(p["bo"], date(2026, 11, 19), calls=12)  # only yesterday
    seed.off(p["al"], FRI, FRI)  # off today
    seed.log(p["dee"], FRI, calls=5)
    with seed.db.write() as session:  # …and undid it
        batch = entries.last_live_batch(session, seed.ws, p["dee"])
        entries.soft_delete(session, batch, p["dee"], FRIDAY_EVENING)

    messages = seed.build("log-reminder", team, FRIDAY_EVENING)

    assert sorted(m.recipient for m in messages) == sorted(
        seed.slack_id(p[n]) for n in ("bo", "cy", "dee")
    )
    for message in messages:
        assert (
            message.text
            == "Nothing logged today (Fri 20 Nov) yet — add your numbers before you sign off."
        )
        assert check(list(message.blocks)) == []
        button = message.blocks[0]["accessory"]
        assert (button["action_id"], button["value"]) == ("paceline_log_open", "2026-11-20")


def test_no_reminders_on_a_day_the_team_does_not_work(seed):
    maria = seed.person("maria")
    team = seed.team("East", members=[maria], holidays="US")
    assert (
        seed.build("log-reminder", team, datetime(2026, 11, 21, 22, 0, tzinfo=UTC)) == []
    )  # Saturday
    assert (
        seed.build("log-reminder", team, datetime(2026, 11, 26, 22, 0, tzinfo=UTC)) == []
    )  # Thanksgiving
    assert len(seed.build("log-reminder", team, datetime(2026, 11, 27, 22, 0, tzinfo=UTC))) == 1


def test_today_is_the_teams_local_day(seed):
    """23:30 in Sydney on Friday is still Friday morning in UTC and Thursday in New York."""
    maria = seed.person("maria")
    team = seed.team("Sydney", members=[maria], tz="Australia/Sydney")
    seed.log(maria, date(2026, 11, 19), calls=3)  # Thursday
    at = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)  # Fri 20 Nov 23:30 in Sydney
    [message] = seed.build("log-reminder", team, at)
    assert "(Fri 20 Nov)" in message.text


def test_the_modal_opens_on_the_reminders_day_while_it_may_still_be_logged():
    today = date(2026, 11, 20)
    assert modal_day("2026-11-19", today) == date(2026, 11, 19)
    assert modal_day("2026-10-01", today) == today  # older than the 31 days reps may backdate
    assert modal_day("2026-11-21", today) == today  # the future
    assert modal_day("not a day", today) == today
