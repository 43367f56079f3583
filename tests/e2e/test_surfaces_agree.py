"""Every surface shows the same target, actual and status for the same goal and span:
`/progress @rep`, `/progress team:`, `/leaderboard … by pct`, App Home and the CSV export,
over signed HTTP, for random goals (versions, weekly or monthly, with time off and entries on
random days) and views (week, month, quarter). Property-tested with hypothesis."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console.render import Names, render_blocks
from storage.models import Person, Workspace
from tests.conftest import SlackWorkspace, new_workspace
from tests.e2e.test_progress import add_goal

NOVEMBER = [date(2026, 11, 2) + timedelta(days=i) for i in range(29)]
STATUS_WORDS = "hit|ahead|on pace|behind|at risk|not started"


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _progress_row(text: str) -> tuple[str, str, str] | None:
    """(actual, target, status) of the Calls row of /progress, or None when excused."""
    [row] = [line for line in text.splitlines() if "*Calls*" in line]
    if "no target in this period" in row:
        return None
    match = re.search(rf"— ([\d,]+) / ([\d,]+) calls? · \d+% · ({STATUS_WORDS})", row)
    assert match, row
    return match[1].replace(",", ""), match[2].replace(",", ""), match[3]


def _team_line(text: str) -> tuple[str, str] | None:
    """(pct, status) of maria's line in /progress team:, or None when excused."""
    [line] = [ln for ln in text.splitlines() if ln.startswith("• maria —")]
    if "(no target)" in line:
        return None
    match = re.search(rf"calls (\d+)% \(({STATUS_WORDS})\)", line)
    assert match, line
    return match[1], match[2]


scenarios = st.fixed_dictionaries(
    {
        "period": st.sampled_from(["week", "month"]),
        "first": st.integers(20, 400),
        "second": st.none() | st.integers(20, 400),
        "change": st.sampled_from(NOVEMBER),
        "off": st.none() | st.tuples(st.sampled_from(NOVEMBER), st.integers(0, 6)),
        "entries": st.lists(
            st.tuples(st.sampled_from(NOVEMBER[:19]), st.integers(1, 60)), max_size=5
        ),
        "view": st.sampled_from(["week", "month", "quarter"]),
    }
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
def test_every_surface_shows_the_same_target_actual_and_status(running_app, slack, scenario):
    with new_workspace(running_app, slack) as workspace:
        _check(workspace, scenario)


def _check(workspace: SlackWorkspace, scenario: dict) -> None:
    admin = workspace.user("ada", admin=True)
    dana, maria, bo = workspace.user("dana"), workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, f"create east manager {_m(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}")
    workspace.team(admin, "set east holidays US")
    period = scenario["period"]
    if scenario["second"] is None:
        add_goal(workspace, person=maria, period=period, target=scenario["first"])
    else:
        change = scenario["change"]
        add_goal(
            workspace,
            person=maria,
            period=period,
            target=scenario["first"],
            end=change - timedelta(days=1),
        )
        add_goal(workspace, person=maria, period=period, target=scenario["second"], start=change)
    add_goal(workspace, person=bo, period=period, target=50)
    if scenario["off"] is not None:
        first, length = scenario["off"]
        workspace.log(
            maria, f"off {first.isoformat()}..{(first + timedelta(days=length)).isoformat()}"
        )
    for day, amount in scenario["entries"]:
        workspace.log(maria, f"calls {amount} {day.isoformat()}")
    view = scenario["view"]

    mine = _progress_row(workspace.reply("/progress", maria, view))
    team = _team_line(workspace.reply("/progress", dana, f"team:east {view}"))

    workspace.slack.clear()
    workspace.reply("/progress", dana, f"export {view}")
    workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    [upload] = workspace.slack.calls_to("files.upload_url")
    rows = list(csv.DictReader(io.StringIO(upload.body.decode("utf-8").lstrip("\ufeff"))))
    [exported] = [
        r
        for r in rows
        if r["Person"] == "maria" and r["Metric"] == "calls" and r["Goal kind"] == "personal"
    ]

    board = workspace.reply("/leaderboard", dana, f"calls {view} team:east by pct")
    board_row = next((ln for ln in board.splitlines() if "maria —" in ln), None)

    # App Home, on the same period.
    with workspace.app.paceline.db.write() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        session.execute(
            sa.update(Person)
            .where(Person.workspace_id == ws, Person.slack_user_id == maria)
            .values(home_period=view)
        )
    workspace.slack.clear()
    workspace.client.event(
        {
            "type": "app_home_opened",
            "user": maria,
            "channel": "D" + maria,
            "tab": "home",
            "event_ts": "1.0",
        }
    )
    [publish] = workspace.slack.wait_for(
        "views.publish", where=lambda c: c.params.get("user_id") == maria
    )
    home = "\n".join(render_blocks(publish.params["view"]["blocks"], Names()))

    if mine is None:
        assert team is None
        assert exported["Status"] == "excused"
        assert board_row is None
        assert "no target in this period" in home
        return
    actual, target, status = mine
    pct = str(int(actual) * 100 // int(target)) if int(target) else "100"
    assert team == (pct, status)
    assert (
        exported["Actual"],
        exported["Target"],
        exported["Status"],
        exported["Percent of target"],
    ) == (
        actual,
        target,
        status,
        pct,
    )
    assert board_row is not None and board_row.endswith(f"{pct}%"), board_row
    unit = "call" if int(target) == 1 else "calls"
    assert f"— {int(actual):,} / {int(target):,} {unit} · {pct}% · {status}" in home
