"""Issue #14, "commands that forgive", end to end: what a new user tries gets accepted, or a
reply naming what they most likely meant and the exact command, with nothing stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.models import Goal, GoalRequest, TimeOff


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def state(workspace):
    """What a suggestion or a refusal must leave unchanged."""
    return workspace.snapshot(), len(workspace.rows(Goal)), len(workspace.rows(GoalRequest))


def _entries(workspace):
    return [(e.metric, e.quantity, e.day) for e in workspace.entries()]


# --- /log: counts spelled out ------------------------------------------------------------------


def test_a_count_in_words_is_logged_as_its_number(workspace):
    maria = workspace.user("maria")
    assert (
        workspace.log(maria, "calls twelve")
        == "Logged 12 calls on Fri 20 Nov.\nThis week: 12 calls"
    )
    assert _entries(workspace) == [("calls", 12, date(2026, 11, 20))]


def test_money_in_words_suggests_the_digits_and_stores_nothing(workspace):
    maria = workspace.user("maria")
    before = state(workspace)
    reply = workspace.log(maria, "revenue twelve -- Acme")
    assert reply == 'Write money in digits — "twelve" as 12.\nExample: `/log revenue 12 -- Acme`'
    assert state(workspace) == before


# --- /log: a number without a metric ----------------------------------------------------------------


def test_a_number_alone_offers_the_persons_usual_metrics(workspace, east):
    maria = east.maria
    for text in ("demos 1", "demos 2 yesterday", "calls 5", "emails 3", "emails 4 mon"):
        workspace.log(maria, text)
    workspace.log(maria, "emails 9")
    workspace.log(
        maria, "undo"
    )  # an undone entry is not a habit: emails count twice, not three times
    # Longer ago than 8 weeks: not one of the usual metrics any more.
    workspace.log(east.dana, f"{_m(workspace, maria)} meetings 1 2026-09-01")
    before = state(workspace)
    reply = workspace.log(maria, "12")
    assert reply == (
        'Which metric is "12" for? Your usual ones: `/log demos 12` · `/log emails 12` · `/log calls 12`.\n'
        "Example: `/log demos 12`"
    )
    assert state(workspace) == before


def test_a_number_alone_without_history_offers_the_standard_metrics(workspace):
    maria = workspace.user("maria")
    before = state(workspace)
    reply = workspace.log(maria, "12 yesterday")
    assert reply == (
        'Which metric is "12" for? For example: `/log calls 12 yesterday` · `/log emails 12 yesterday` · '
        "`/log meetings 12 yesterday` · `/log demos 12 yesterday` · `/log opportunities 12 yesterday`.\n"
        "Example: `/log calls 12 yesterday`"
    )
    assert state(workspace) == before


def test_a_number_for_someone_else_offers_their_usual_metrics(workspace, east):
    workspace.log(east.maria, "meetings 2")
    workspace.log(east.dana, "calls 40")  # the manager's own habits are not maria's
    before = state(workspace)
    reply = workspace.log(east.dana, f"{_m(workspace, east.maria)} 3")
    assert (
        reply
        == 'Which metric is "3" for? Your usual ones: `/log @maria meetings 3`.\nExample: `/log @maria meetings 3`'
    )
    assert state(workspace) == before


def test_an_amount_of_money_alone_offers_revenue(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 5")  # calls cannot hold $4,500, so the question falls back
    reply = workspace.log(maria, "$4,500")
    assert (
        reply
        == 'Which metric is "$4,500" for? For example: `/log revenue $4,500`.\nExample: `/log revenue $4,500`'
    )


# --- /log: days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reply", "day"),
    [
        (
            "calls 3 on monday",
            "Logged 3 calls on Mon 16 Nov.\nThis week: 3 calls",
            date(2026, 11, 16),
        ),
        ("calls 3 mon", "Logged 3 calls on Mon 16 Nov.\nThis week: 3 calls", date(2026, 11, 16)),
        # On a Friday, `last friday` is a week ago (`friday` is today).
        (
            "calls 3 last friday",
            "Logged 3 calls on Fri 13 Nov.\nWeek of Mon 9 Nov: 3 calls",
            date(2026, 11, 13),
        ),
    ],
    ids=["on monday", "mon", "last friday"],
)
def test_day_phrases_are_accepted(workspace, text, reply, day):
    maria = workspace.user("maria")
    assert workspace.log(maria, text) == reply
    assert _entries(workspace) == [("calls", 3, day)]


def test_last_friday_on_a_saturday_is_yesterday(workspace):
    workspace.app.clock.set(datetime(2026, 11, 21, 15, 0, tzinfo=UTC))  # Sat 21 Nov in New York
    maria = workspace.user("maria")
    assert workspace.log(maria, "calls 3 last friday").startswith("Logged 3 calls on Fri 20 Nov.")
    assert _entries(workspace) == [("calls", 3, date(2026, 11, 20))]


def test_a_day_word_without_a_day_says_so(workspace):
    maria = workspace.user("maria")
    before = state(workspace)
    reply = workspace.log(maria, "calls 3 last")
    assert reply == (
        '"last" needs a day after it, such as `on monday` or `last friday`.\nExample: `/log calls 12 last friday`'
    )
    assert state(workspace) == before


# --- /log: mistyped subcommands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("helps", '"helps" is not a /log command or a metric. Did you mean help — the usage, with examples?\n'
                  "Example: `/log help`"),
        ("hlep", '"hlep" is not a /log command or a metric. Did you mean help — the usage, with examples?\n'
                 "Example: `/log help`"),
        ("udno", '"udno" is not a /log command or a metric. Did you mean undo — remove your most recent entry?\n'
                 "Example: `/log undo`"),
        ("lsit yesterday", '"lsit" is not a /log command or a metric. Did you mean list — your entries, newest first?\n'
                           "Example: `/log list yesterday`"),
        ("cals 5 yesterday", 'Unknown metric "cals" — did you mean calls? Metrics: calls, emails, meetings, demos, '
                             "opportunities, proposals, deals, revenue.\nExample: `/log calls 5 yesterday`"),
    ],
)  # fmt: skip
def test_a_mistyped_subcommand_or_metric_names_the_command_meant(workspace, text, reply):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 1")
    before = state(workspace)
    assert workspace.log(maria, text) == reply
    assert state(workspace) == before


# --- /log: time off for a member, person first --------------------------------------------------------


def test_a_manager_records_time_off_naming_the_person_first(workspace, east):
    reply = workspace.log(east.dana, f"{_m(workspace, east.maria)} off 2026-12-09")
    assert (
        reply
        == "Time off recorded for maria: Wed 9 Dec (1 day). Targets and pace prorate around it."
    )
    reply = workspace.log(
        east.dana, f"{_m(workspace, east.bo)} off 2026-12-09..2026-12-11 -- dentist"
    )
    assert (
        reply
        == "Time off recorded for bo: Wed 9 Dec – Fri 11 Dec (3 days). Targets and pace prorate around it."
    )
    rows = [(r.start, r.end, r.reason) for r in workspace.rows(TimeOff)]
    assert rows == [
        (date(2026, 12, 9), date(2026, 12, 9), None),
        (date(2026, 12, 9), date(2026, 12, 11), "dentist"),
    ]
    assert len({r.person_id for r in workspace.rows(TimeOff)}) == 2


def test_time_off_for_someone_outside_your_teams_is_refused_either_way(workspace, east):
    stranger = workspace.user("zed")
    workspace.log(stranger, "calls 1")
    before = state(workspace)
    assert "not on a team you manage" in workspace.log(
        east.dana, f"{_m(workspace, stranger)} off 2026-12-09"
    )
    assert state(workspace) == before


# --- /goal: a name without @ ----------------------------------------------------------------------------


def test_a_known_name_without_at_suggests_the_mention(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.dana, "set bo calls 60/week")
    assert reply == (
        "Did you mean the person @bo? Type @ and pick bo so Slack links the person.\n"
        "Example: `/goal set @bo calls 60/week`"
    )
    assert state(workspace) == before
    # The suggested command works as typed (Paceline resolves a plain @name it knows).
    [command] = [line.split("`")[1] for line in reply.splitlines() if line.startswith("Example:")]
    assert goal(workspace, east.dana, command.removeprefix("/goal ")).startswith("Set #")
    [row] = workspace.rows(Goal)
    assert (row.metric, row.target, row.period_kind) == ("calls", 60, "week")


def test_an_unknown_name_without_at_is_a_clear_error(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.dana, "set ben calls 60/week")
    assert reply == (
        '"ben" is not a metric, and nobody Paceline knows is called ben. To set a goal for a person, '
        "type @ and pick them so Slack links the person.\nExample: `/goal set @ben calls 60/week`"
    )
    assert state(workspace) == before


def test_a_name_two_people_share_asks_to_pick_one(workspace, east):
    other = workspace.user("bo.s", real_name="Bo")
    workspace.log(other, "calls 1")  # now Paceline knows them too
    before = state(workspace)
    reply = goal(workspace, east.dana, "set bo calls 60/week")
    assert reply.startswith('"bo" could be any of 2 people — type @ and pick the right one')
    assert reply.endswith("Example: `/goal set @bo calls 60/week`")
    assert state(workspace) == before


def test_a_team_name_without_team_prefix_suggests_it(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.dana, "set East demos 5/week")
    assert reply == (
        "Did you mean team east? Write a team as team:NAME.\nExample: `/goal set team:East demos 5/week`"
    )
    assert state(workspace) == before


# --- /goal: the number before the metric ------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["60 calls/week", "60 calls per week", "60 calls a week"])
def test_a_goal_with_the_number_first_is_set(workspace, east, rate):
    reply = goal(workspace, east.dana, f"set {_m(workspace, east.maria)} {rate}")
    [row] = workspace.rows(Goal)
    assert reply == f"Set #{row.id} calls 60/week for maria from Mon 16 Nov."
    assert (row.kind, row.metric, row.target, row.period_kind, row.start) == (
        "individual",
        "calls",
        60,
        "week",
        date(2026, 11, 16),
    )
