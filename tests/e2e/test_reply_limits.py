"""Replies fit one Slack message whatever the team's size (issue #11, item 15).

Slack advises at most 4,000 characters a message and refuses 40,000. A team of 500 reps
with 60-character display names makes every list long: `/goal split`, `/goal list`,
`/goal history`, `/progress team:NAME` and `/team show` each answer with the first part and
end with "… and N more — " the command or CSV that shows the rest. Runs on both backends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.render.block_limits import REPLY_TEXT, check_message, fit_reply
from storage.models import Goal
from tests.conftest import (
    DEFAULT_NOW,
    SIGNING_SECRET,
    RunningApp,
    SlackWorkspace,
    answer_problems,
    settled,
)
from tests.support.signed_requests import HttpResponse, SignedSlackClient
from tests.support.slack_api import StandInSlack

REPS = 500
NAME_CHARS = 60


def _long_name(i: int) -> str:
    name = f"Rep {i:03d} Alexandria-Konstantinopoulou-Vanderbilt-Featherstonehaugh"
    return (name + "x" * NAME_CHARS)[:NAME_CHARS]


@pytest.fixture(scope="module")
def big(running_app: RunningApp, slack: StandInSlack) -> Iterator[tuple[SlackWorkspace, str]]:
    """A workspace whose team `big` has 500 reps with 60-character names and an even split
    of 12,000 calls a week among them (built once per backend), and the split's reply."""
    running_app.clock.set(DEFAULT_NOW)
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    client = SignedSlackClient(
        running_app.url,
        SIGNING_SECRET,
        team_id=team_id,
        response_url=slack.response_url(),
        timeout=60,
        on_response=settled(running_app.paceline),
    )
    ws = SlackWorkspace(team_id, running_app, slack, client)
    admin = ws.user("ada", admin=True)
    boss = ws.user("boss")
    reps = [ws.user(_long_name(i)) for i in range(REPS)]
    ws.team(admin, f"create big manager <@{boss}>")
    for start in range(0, REPS, 25):  # a command holds at most 1,000 characters
        ws.team(admin, "add big " + " ".join(f"<@{rep}>" for rep in reps[start : start + 25]))
    split = ws.reply("/goal", boss, "split team:big calls 12000/week evenly")
    assert len(ws.rows(Goal)) == REPS, split
    ws.names["boss"] = boss
    try:
        yield ws, split
    finally:
        client.close()


def _fits_and_points(reply: str, rest: str, counted: str = "") -> int:
    """The reply is within 4,000 characters and ends "… and N more — REST"; returns N."""
    assert len(reply) <= REPLY_TEXT, f"{len(reply):,} characters"
    last = reply.splitlines()[-1]
    assert last.startswith("… and "), last
    assert last.endswith(rest), last
    number = last.removeprefix("… and ").split(" ", 1)[0]
    if counted:
        assert last.startswith(f"… and {number} more {counted} — "), last
    return int(number.replace(",", ""))


def _bullets(reply: str) -> int:
    return sum(1 for line in reply.splitlines() if line.startswith("• "))


def test_goal_split_of_500_reps_shows_the_first_shares_and_points_to_the_csv(big):
    ws, reply = big
    left_off = _fits_and_points(reply, "`/progress export week` has every share in a CSV", "people")
    assert reply.startswith(
        "Split 12,000 calls a week for team big evenly — 500 goals, total 12,000:"
    )
    assert _bullets(reply) + left_off == REPS and _bullets(reply) >= 30
    assert f"{_long_name(0)}: 24/week (even)" in reply


def test_goal_list_of_500_goals_points_to_a_narrower_list_and_the_csv(big):
    ws, _ = big
    boss = ws.names["boss"]
    for text in ("list", "list team:big"):
        reply = ws.reply("/goal", boss, text)
        rest = (
            "narrow it with `/goal list @maria`; `/progress export` has everyone's goals in a CSV"
        )
        left_off = _fits_and_points(reply, rest, "goals")
        assert _bullets(reply) + left_off == REPS and _bullets(reply) >= 25


def test_goal_history_of_500_goals_fits_and_points_to_a_narrower_history(big):
    ws, _ = big
    boss = ws.names["boss"]
    for text in ("history", "history team:big"):
        reply = ws.reply("/goal", boss, text)
        assert len(reply) <= REPLY_TEXT, f"{len(reply):,} characters"
        lines = reply.splitlines()
        assert (
            "… and " in lines[-1]
            and "more changes — `/goal history @maria` narrows it" in lines[-1]
        ), lines[-1]
        # The versions are cut too, pointing to the narrower command.
        assert any(
            line.startswith("… and ")
            and "more versions — narrow it with `/goal history @maria`" in line
            for line in lines
        )


def test_progress_team_of_500_reps_points_to_the_csv(big):
    ws, _ = big
    boss = ws.names["boss"]
    for text, rest in (
        ("team:big", "`/progress export this week` has everyone in a CSV"),
        ("team:big month", "`/progress export this month` has everyone in a CSV"),
    ):
        reply = ws.reply("/progress", boss, text)
        left_off = _fits_and_points(reply, rest, "people")
        assert _bullets(reply) + left_off == REPS and _bullets(reply) >= 25


def test_team_show_of_500_members_ends_with_the_count_and_the_csv(big):
    ws, _ = big
    boss = ws.names["boss"]
    reply = ws.reply("/team", boss, "show big")
    left_off = _fits_and_points(
        reply, "`/progress export` has everyone with goals or activity in a CSV", "members"
    )
    members = reply.splitlines()[-2]
    assert members.startswith(f"Members (500): {_long_name(0)}, ")
    assert members.count(", ") + 1 + left_off == REPS
    assert "Schedules: " in reply and reply.startswith("*Team big* · ")


def test_the_pointers_commands_work(big):
    ws, _ = big
    boss = ws.names["boss"]
    for text in ("export week", "export this week", "export this month"):
        assert ws.reply("/progress", boss, text).startswith("Preparing your export for ")


# --- the helper and the suite's payload check ----------------------------------------------------


def test_fit_reply_keeps_short_replies_as_they_are():
    assert fit_reply(["*Title*"], ["• a", "• b"], "`/x`", tail=["end"]) == "*Title*\n• a\n• b\nend"
    assert fit_reply(["Members (2): "], ["a", "b"], "`/x`", sep=", ") == "Members (2): a, b"


def test_fit_reply_counts_what_it_leaves_off_and_ends_with_the_pointer():
    items = [f"• item {i:04d} " + "y" * 90 for i in range(2000)]
    reply = fit_reply(
        ["*Title*"],
        items,
        "`/goal list @maria`",
        tail=["Waiting for a decision: request #3"],
        counted="goals",
    )
    lines = reply.splitlines()
    assert len(reply) <= REPLY_TEXT and len(reply) > REPLY_TEXT - 120
    shown = _bullets(reply)
    assert lines[-1] == f"… and {2000 - shown:,} more goals — `/goal list @maria`"
    assert lines[-2] == "Waiting for a decision: request #3" and lines[0] == "*Title*"
    # Only the first items are given, with the total: the rest are counted all the same.
    assert fit_reply(["*T*"], ["• a"], "`/x`", total=7) == "*T*\n• a\n… and 6 more — `/x`"
    # A head longer than a message on its own is clipped, the pointer kept.
    huge = fit_reply(["h" * 9000], ["• a"], "`/x`")
    assert len(huge) <= REPLY_TEXT and huge.endswith("\n… and 1 more — `/x`")


def test_the_suites_check_names_a_reply_over_4000_characters():
    long_text = HttpResponse(
        200, {"content-type": "text/plain;charset=utf-8"}, ("x" * 4001).encode()
    )
    assert answer_problems("application/x-www-form-urlencoded", long_text) == [
        "answer of 4,001 characters, more than 4,000"
    ]
    modal = (
        b'{"response_action": "update", "view": {"type": "modal", "title": {"type": "plain_text", '
        b'"text": "A title far longer than 24"}, "blocks": [{"type": "divider"}]}}'
    )
    problems = answer_problems(
        "application/x-www-form-urlencoded",
        HttpResponse(200, {"content-type": "application/json"}, modal),
    )
    assert problems == ["view: title must be between 1 and 24 characters"]
    assert check_message({"text": "x" * 4001}) == ["text of 4,001 characters, more than 4,000"]
    assert check_message({"channel": "C1"}) == ["neither text nor blocks"]
