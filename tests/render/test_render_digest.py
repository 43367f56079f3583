"""The weekly digest, rendered from standings (no database)."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.calendars import WorkCalendar
from bot.core.metrics import MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, TeamFacts, team_standings
from bot.render.block_limits import check
from bot.render.digest import Digest, GoalSum, digest_messages, digest_title, sum_line, week_title

CATALOG = MetricCatalog()
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))
FRIDAY = TeamFacts(WorkCalendar(), today=date(2026, 11, 20))  # expected 48 of 60
AS_OF = datetime(2026, 11, 20, 16, 0)
NAMES = ["al", "bo", "cy", "di", "ed", "flo", "gus", "hal", "ivy", "jo", "kim", "lu"]


def report(meetings=None, demos=None, calls=None):
    members = [PersonFacts(i, n) for i, n in enumerate(NAMES, start=1)]
    goals = [
        GoalSpec(
            10,
            "collective",
            "demos",
            PeriodKind.WEEK,
            3,
            date(2026, 1, 1),
            team_id=7,
            reward="team lunch",
        ),
        GoalSpec(
            11,
            "contest",
            "meetings",
            PeriodKind.WEEK,
            None,
            WEEK.start,
            WEEK.end,
            team_id=7,
            prize="golf",
        ),
        GoalSpec(12, "team", "revenue", PeriodKind.WEEK, 500_000, date(2026, 1, 1), team_id=7),
        *(
            GoalSpec(
                100 + i,
                "individual",
                "calls",
                PeriodKind.WEEK,
                60,
                date(2026, 1, 1),
                person_id=i,
                stretch_pct=125,
            )
            for i in range(1, 4)
        ),
    ]
    totals = {}
    for i in range(1, len(NAMES) + 1):
        totals[(i, "meetings")] = (meetings or {}).get(i, 0)
        totals[(i, "demos")] = (demos or {}).get(i, 3)
        totals[(i, "calls")] = (calls or {}).get(i, 0)
        totals[(i, "revenue")] = 30_000
    return team_standings(
        team_name="East", view=WEEK, team=FRIDAY, goals=goals, members=members, totals=totals
    )


def digest(found, sums=(), contests=None):
    hits = tuple(s for s in found.members if s.hit)
    stretch = tuple(s for s in found.members if s.stretch_hit)
    return Digest(
        "East",
        WEEK,
        AS_OF,
        len(NAMES),
        found.team_totals,
        sums,
        found.collectives,
        found.contests if contests is None else contests,
        hits,
        stretch,
    )


def texts(blocks):
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] in ("section", "header"))


def test_titles():
    assert week_title(WEEK) == "week of 16 Nov"
    assert digest_title("East", WEEK) == "Team East — week of 16 Nov"
    assert digest_title("East", WEEK, with_year=True) == "Team East — week of 16 Nov 2026"


def test_digest_has_totals_collective_contest_and_hits():
    found = report(
        meetings={1: 5, 2: 7, 3: 7, 4: 2}, demos={5: 1, 6: 0}, calls={1: 80, 2: 61, 3: 20}
    )
    [(text, blocks)] = digest_messages(digest(found), CATALOG)
    assert check(blocks) == []
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Team East — week of 16 Nov", "emoji": True},
    }
    assert (
        blocks[1]["elements"][0]["text"]
        == "Mon 16 Nov – Sun 22 Nov · 12 members · as of Fri 20 Nov 16:00"
    )
    body = texts(blocks)
    # $3,600 of $5,000 = 72%, expected $4,000 → 90% of expected: on pace.
    assert (
        "✅ *Revenue (team total)* ▓▓▓▓▓▓▓┃░░ 72% — $3,600 / $5,000 revenue · 72% · on pace (expected $4,000)"
        in body
    )
    assert (
        "👥 *Demos* — everyone 3 demos/week: 10 of 12 there · still missing: ed, flo · reward: team lunch"
        in body
    )
    # Competition ranking with ties, and nobody with 0 meetings on the board.
    assert (
        "🏁 *Meetings contest* · prize: golf\n` =1`  bo — 7 meetings\n` =1`  cy — 7 meetings\n`  3`  al — 5 meetings\n`  4`  di — 2 meetings"
        in body
    )
    assert "ed —" not in body
    assert "🏆 *Goal hits* (2): al (calls 80 / 60 calls), bo (calls 61 / 60 calls)" in body
    assert "🌟 *Stretch hits* (1): al (calls 80 / 60 calls, stretch 75 calls)" in body
    assert (
        text
        == "Team East — week of 16 Nov: $3,600 / $5,000 revenue (72%) · 2 goal hits · 1 stretch hit"
    )


def test_an_achieved_collective_says_so():
    [(_, blocks)] = digest_messages(digest(report()), CATALOG)
    assert (
        "👥 *Demos* — everyone 3 demos/week: 12 of 12 there · 🏆 everyone there · reward: team lunch"
        in texts(blocks)
    )


def test_sum_of_individual_goals_has_a_bar_with_the_pace_marker():
    total = GoalSum(
        "calls",
        actual=300,
        target=480,
        expected=384,
        people=8,
        on_track=5,
        status=PaceStatus.AT_RISK,
    )
    assert (
        sum_line(total, CATALOG)
        == "🔴 *Calls* (8 rep goals) ▓▓▓▓▓▓░┃░░ 62% — 300 / 480 calls · 5 of 8 on pace or better"
    )


def test_long_lists_are_cut_with_a_count():
    names = [f"person-{i:03d}" for i in range(300)]
    members = [PersonFacts(i, n) for i, n in enumerate(names)]
    goals = [GoalSpec(10, "collective", "demos", PeriodKind.WEEK, 3, date(2026, 1, 1), team_id=7)]
    found = team_standings(
        team_name="East", view=WEEK, team=FRIDAY, goals=goals, members=members, totals={}
    )
    [(_, blocks)] = digest_messages(digest(found), CATALOG)
    assert check(blocks) == []
    assert "still missing: person-000, person-001" in texts(
        blocks
    ) and "person-024 …and 275 more" in texts(blocks)


def test_a_digest_too_big_for_one_message_is_split_into_numbered_parts():
    sums = tuple(GoalSum(f"metric{i:02d}", 10, 20, 10, 3, 1, PaceStatus.ON_PACE) for i in range(40))
    found = report(meetings={1: 1})
    many_contests = found.contests * 30  # 30 boards, each its own section
    parts = digest_messages(digest(found, sums=sums, contests=many_contests), CATALOG)
    assert len(parts) == 2
    for number, (text, blocks) in enumerate(parts, start=1):
        assert check(blocks) == []
        assert text.endswith(f"(part {number} of 2)")
    assert parts[0][1][0]["type"] == "header"
    assert (
        parts[1][1][0]["elements"][0]["text"]
        == "Team East — week of 16 Nov (continued, part 2 of 2)"
    )
    every = texts(parts[0][1]) + texts(parts[1][1])
    assert every.count("🏁 *Meetings contest*") == 30 and every.count("✅ *Metric") == 40
