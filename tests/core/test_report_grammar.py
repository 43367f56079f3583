from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.goal_grammar import Who
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.report_grammar import (
    LEADERBOARD_HELP,
    PROGRESS_HELP,
    LeaderboardQuery,
    ProgressExport,
    ProgressView,
    ReportHelp,
    parse_leaderboard,
    parse_progress,
)

CATALOG = MetricCatalog()
TODAY = date(2026, 11, 20)  # a Friday
CALLS, MEETINGS = CATALOG.get("calls"), CATALOG.get("meetings")
MARIA = UserRef(None, "maria")
WEEK = Period(PeriodKind.WEEK, date(2026, 11, 16), date(2026, 11, 22))
LAST_WEEK = Period(PeriodKind.WEEK, date(2026, 11, 9), date(2026, 11, 15))
MONTH = Period(PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30))
Q4 = Period(PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31))
YEAR = Period(PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))


def progress(text, fiscal_year_start_month=1):
    return parse_progress(text, CATALOG, TODAY, fiscal_year_start_month)


def board(text, catalog=CATALOG, fiscal_year_start_month=1):
    return parse_leaderboard(text, catalog, TODAY, fiscal_year_start_month)


def progress_error(text) -> str:
    with pytest.raises(UserError) as caught:
        progress(text)
    assert "\nExample: `/progress" in caught.value.text
    return caught.value.message


def board_error(text) -> str:
    with pytest.raises(UserError) as caught:
        board(text)
    assert "\nExample: `/leaderboard" in caught.value.text
    return caught.value.message


# --- /progress ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ProgressView(None, WEEK)),
        ("week", ProgressView(None, WEEK)),
        ("@maria", ProgressView(Who(user=MARIA), WEEK)),
        ("@maria month", ProgressView(Who(user=MARIA), MONTH)),
        ("month @maria", ProgressView(Who(user=MARIA), MONTH)),
        ("<@U1|maria> quarter", ProgressView(Who(user=UserRef("U1", "maria")), Q4)),
        ("team:east 2026-Q4", ProgressView(Who(team="east"), Q4)),
        ("team:east Q4 2026", ProgressView(Who(team="east"), Q4)),
        ("year", ProgressView(None, YEAR)),
        ("2026", ProgressView(None, YEAR)),
        ("2026-11", ProgressView(None, MONTH)),
        ("Nov 2026", ProgressView(None, MONTH)),
        ("last week", ProgressView(None, LAST_WEEK)),
        ("last-week", ProgressView(None, LAST_WEEK)),
        ("today", ProgressView(None, Period(PeriodKind.DAY, TODAY, TODAY))),
        ("2026-11-02", ProgressView(None, Period(PeriodKind.DAY, date(2026, 11, 2), date(2026, 11, 2)))),
    ],
)  # fmt: skip
def test_progress_views(text, expected):
    assert progress(text) == expected


def test_progress_fiscal_quarter():
    view = progress("quarter", fiscal_year_start_month=2)
    assert view.period == Period(PeriodKind.QUARTER, date(2026, 11, 1), date(2027, 1, 31))
    assert view.period.label == "FY2027-Q4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export", ProgressExport(MONTH)),
        ("export 2026-11", ProgressExport(MONTH)),
        ("EXPORT 2026-Q4", ProgressExport(Q4)),
        ("export last week", ProgressExport(LAST_WEEK)),
    ],
)
def test_progress_export(text, expected):
    assert progress(text) == expected


def test_progress_help():
    assert progress("help") == ReportHelp()
    assert progress("?") == ReportHelp()
    assert "/progress export" in PROGRESS_HELP


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@maria @bo", 'Name one person or team — "@bo" is a second one.'),
        ("week month", 'Give one period — "month" is a second one.'),
        ("2026-13", '"2026-13" has no month 13: months are 01 to 12.'),
        ("2026-02-30", '"2026-02-30" is not a real date.'),
        ("fortnight", 'Unknown word "fortnight" — `/progress` takes a person (@maria) or a team '
         "(team:east), and a period: today, week, month, quarter, year, last-week, 2026-Q4, "
         "2026-11, 2026, 2026-11-20."),
        ("east", 'Unknown word "east" — `/progress` takes a person (@maria) or a team (team:east), '
         "and a period: today, week, month, quarter, year, last-week, 2026-Q4, 2026-11, 2026, "
         "2026-11-20."),
        ("next", 'Unknown period "next". Periods: today, week, month, quarter, year, last-week, '
         "2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("calls", "`/progress` shows every goal at once — leave out calls (`/leaderboard calls` "
         "ranks one metric)."),
        ("team:ea$t", '"team:ea$t" is not a team name — use 1 to 40 letters, digits, -, _ or . '
         "(no spaces)."),
        ("week -- why", "`/progress` takes no `--` note."),
    ],
)  # fmt: skip
def test_progress_errors(text, message):
    assert progress_error(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("export @maria", "An export covers everyone you can see — give only a period."),
        ("export soon", '"soon" is not a period — periods: today, week, month, quarter, year, '
         "last-week, 2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("export week month", 'Export one period at a time — "month" is extra.'),
    ],
)  # fmt: skip
def test_progress_export_errors(text, message):
    assert progress_error(text) == message


def test_progress_text_over_1000_characters_is_refused():
    assert progress_error("week " + "x" * 1000).startswith("That command is too long")


# --- /leaderboard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", LeaderboardQuery(None, WEEK, None, False)),
        ("meetings", LeaderboardQuery(MEETINGS, WEEK, None, False)),
        ("meetings month team:east by pct", LeaderboardQuery(MEETINGS, MONTH, "east", True)),
        ("by pct team:east month mtgs", LeaderboardQuery(MEETINGS, MONTH, "east", True)),
        ("team:east", LeaderboardQuery(None, WEEK, "east", False)),
        ("last week calls", LeaderboardQuery(CALLS, LAST_WEEK, None, False)),
        ("calls 2026-Q4", LeaderboardQuery(CALLS, Q4, None, False)),
        ("calls by percent", LeaderboardQuery(CALLS, WEEK, None, True)),
        ("calls by %", LeaderboardQuery(CALLS, WEEK, None, True)),
        ("pct", LeaderboardQuery(None, WEEK, None, True)),
        ("CALLS WEEK TEAM:East BY PCT", LeaderboardQuery(CALLS, WEEK, "East", True)),
    ],
)
def test_leaderboard_queries(text, expected):
    assert board(text) == expected


def test_leaderboard_help():
    assert board("help") == ReportHelp()
    assert "by pct" in LEADERBOARD_HELP


def test_a_custom_metric_that_looks_like_a_period_word_is_a_metric():
    q4_leads = Metric("q4leads", builtin=False)
    catalog = MetricCatalog.with_custom([q4_leads])
    assert board("q4leads month", catalog=catalog) == LeaderboardQuery(q4_leads, MONTH)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("calls demos", "One metric per leaderboard — calls and demos given."),
        ("week month", 'Give one period — "month" is a second one.'),
        ("team:east team:west", 'Name one team — "team:west" is a second one.'),
        ("by pct by pct", "`by pct` is given twice."),
        ("by total", 'Rank `by pct` (percent of goal) — "total" is not a ranking.'),
        ("by", 'Rank `by pct` (percent of goal) — "" is not a ranking.'),
        ("@maria", "A leaderboard ranks a team — name it as team:NAME (`/progress @maria` shows "
         "one person)."),
        ("wek", 'Unknown metric or period "wek" — did you mean week? Metrics: calls, emails, '
         "meetings, demos, opportunities, proposals, deals, revenue. Periods: today, week, month, "
         "quarter, year, last-week, 2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("cals", 'Unknown metric or period "cals" — did you mean calls? Metrics: calls, emails, '
         "meetings, demos, opportunities, proposals, deals, revenue. Periods: today, week, month, "
         "quarter, year, last-week, 2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("2026-Q5", 'Unknown period "2026-Q5". Periods: today, week, month, quarter, year, '
         "last-week, 2026-Q4, 2026-11, 2026, 2026-11-20."),
        ("calls -- note", "`/leaderboard` takes no `--` note."),
    ],
)  # fmt: skip
def test_leaderboard_errors(text, message):
    assert board_error(text) == message


# --- properties -----------------------------------------------------------------------------

WORDS = st.one_of(
    st.sampled_from(
        [
            "export", "help", "?", "@maria", "<@U1|maria>", "team:east", "team:", "calls", "cals",
            "week", "month", "quarter", "year", "last", "next", "this", "last-week", "2026-Q4",
            "Q4", "2026", "2026-11", "2026-13", "Nov", "fy2027", "2026-11-20", "2026-02-30",
            "0000-01-01", "9999", "9998", "by", "pct", "%", "total", "--", "📞", "\u202e",
        ]
    ),
    st.text(max_size=12),
)  # fmt: skip
COMMANDISH = st.lists(WORDS, max_size=8).map(" ".join)
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
FISCAL = st.integers(min_value=1, max_value=12)


@given(st.one_of(st.text(), COMMANDISH), TODAYS, FISCAL)
def test_any_progress_text_gives_a_view_or_a_user_error_with_an_example(text, today, fiscal):
    try:
        command = parse_progress(text, CATALOG, today, fiscal)
    except UserError as error:
        assert error.message.strip()
        assert "\nExample: `/progress" in error.text
    else:
        assert isinstance(command, ProgressView | ProgressExport | ReportHelp)


@given(st.one_of(st.text(), COMMANDISH), TODAYS, FISCAL)
def test_any_leaderboard_text_gives_a_query_or_a_user_error_with_an_example(text, today, fiscal):
    try:
        command = parse_leaderboard(text, CATALOG, today, fiscal)
    except UserError as error:
        assert error.message.strip()
        assert "\nExample: `/leaderboard" in error.text
    else:
        assert isinstance(command, LeaderboardQuery | ReportHelp)


@given(
    st.permutations(["calls", "month", "team:east", "by pct"]),
)
def test_leaderboard_words_in_any_order(words):
    assert board(" ".join(words)) == LeaderboardQuery(CALLS, MONTH, "east", True)
