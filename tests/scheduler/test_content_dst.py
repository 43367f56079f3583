"""Week boundaries in the team's zone across daylight-saving changes: the week a job
reports on is the team-local Monday–Sunday containing the run's instant, whatever the
UTC offset was when that week began."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from test_content_seed import Seed


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


CASES = [
    # New York falls back on Sun 1 Nov 2026 (EDT −4 → EST −5). At 04:30 UTC it is still
    # Sunday 23:30 there; an EDT offset would make it Monday.
    (
        "America/New_York",
        datetime(2026, 11, 2, 4, 30, tzinfo=UTC),
        "week of 26 Oct",
        date(2026, 10, 30),
        30,
    ),
    (
        "America/New_York",
        datetime(2026, 11, 2, 5, 30, tzinfo=UTC),
        "week of 2 Nov",
        date(2026, 10, 30),
        0,
    ),
    # …and springs forward on Sun 8 Mar 2026: 04:30 UTC is already Monday 00:30 EDT.
    (
        "America/New_York",
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC),
        "week of 2 Mar",
        date(2026, 3, 6),
        30,
    ),
    (
        "America/New_York",
        datetime(2026, 3, 9, 4, 30, tzinfo=UTC),
        "week of 9 Mar",
        date(2026, 3, 6),
        0,
    ),
    # Sydney springs forward on Sun 4 Oct 2026 (AEST +10 → AEDT +11): 13:30 UTC is Monday.
    (
        "Australia/Sydney",
        datetime(2026, 10, 4, 12, 30, tzinfo=UTC),
        "week of 28 Sep",
        date(2026, 10, 2),
        30,
    ),
    (
        "Australia/Sydney",
        datetime(2026, 10, 4, 13, 30, tzinfo=UTC),
        "week of 5 Oct",
        date(2026, 10, 2),
        0,
    ),
    # …and falls back on Sun 5 Apr 2026: 13:30 UTC is Sunday 23:30 AEST, not Monday.
    (
        "Australia/Sydney",
        datetime(2026, 4, 5, 13, 30, tzinfo=UTC),
        "week of 30 Mar",
        date(2026, 4, 3),
        30,
    ),
    (
        "Australia/Sydney",
        datetime(2026, 4, 5, 14, 30, tzinfo=UTC),
        "week of 6 Apr",
        date(2026, 4, 3),
        0,
    ),
]


@pytest.mark.parametrize(("tz", "at", "week", "friday", "counted"), CASES)
def test_the_digest_covers_the_team_local_week_across_a_daylight_saving_change(
    seed, tz, at, week, friday, counted
):
    maria = seed.person("maria")
    team = seed.team("Crew", members=[maria], tz=tz)
    seed.goal("calls", 60, person=maria)
    seed.log(maria, friday, calls=30)  # the Friday before the change

    post = seed.build("weekly-digest", team, at)[0]

    assert post.blocks[0]["text"]["text"] == f"Team Crew — {week}"
    assert f"— {counted} / 60 calls" in post.blocks[3]["text"]["text"]


def test_a_week_that_spans_the_change_counts_all_its_days(seed):
    """Sunday night after Sydney's clocks went forward: the week began in AEST, all five
    working days are complete, so pace expects the whole target."""
    maria, dana = seed.person("maria"), seed.person("dana")
    team = seed.team("Crew", members=[maria], managers=[dana], tz="Australia/Sydney")
    seed.goal("calls", 60, person=maria)
    seed.log(maria, date(2026, 9, 28), calls=30)

    [alert] = seed.build("lagging-alert", team, datetime(2026, 10, 4, 12, 30, tzinfo=UTC))

    assert "30 / 60 calls · at risk · gap 30 calls (expected 60)" in alert.blocks[1]["text"]["text"]
    assert alert.blocks[0]["text"]["text"].endswith("week of Mon 28 Sep, as of Sun 4 Oct")


def test_a_new_week_has_started_nothing_completed(seed):
    """Monday 00:30 in New York after the autumn change: a new week with no completed day."""
    maria = seed.person("maria")
    team = seed.team("Crew", members=[maria])
    seed.goal("calls", 60, person=maria)
    [nudge] = seed.build("nudge", team, datetime(2026, 11, 2, 5, 30, tzinfo=UTC))
    assert nudge.blocks[1]["text"]["text"].startswith(
        "⏳ *Calls* ░░░░░░░░░░ 0% — 0 / 60 calls · 0% · not started"
    )
    assert nudge.text.endswith("The week is just starting — a strong first day sets the pace.")
