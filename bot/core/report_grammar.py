"""The `/progress` and `/leaderboard` command grammars: text in, a query dataclass out.

Pure, like the other grammars: the caller passes the workspace's metrics, the caller's
local `today` and the fiscal year's first month. Which people a team has, and whether the
caller may see them, is the handler's business.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from bot.core.errors import UserError
from bot.core.goal_grammar import (
    Who,
    check_one_who,
    parse_who,
    split_command,
    take_period,
    words_of,
)
from bot.core.mentions import shorten
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import PERIOD_EXAMPLES, Period, PeriodKind

PROGRESS_EXAMPLE = "/progress @maria month"
EXPORT_EXAMPLE = "/progress export 2026-11"
LEADERBOARD_EXAMPLE = "/leaderboard meetings week team:east"
_BY_PCT_WORDS = ("pct", "percent", "%")

PROGRESS_HELP = """\
*See progress against goals with `/progress`*
`/progress` — your goals this week: actual, target, pace and what is needed per day
`/progress @maria month` — someone else's (a manager's team, or your own)
`/progress team:east quarter` — a team's totals against its goals
Periods: week (the default), month, quarter, year, today, last week, next month, 2026-Q4, \
2026-11, Nov 2026, 2026, or a date (2026-11-20)
`/progress export 2026-11` — a CSV file of the period in your DM (the default is this month)
"""

LEADERBOARD_HELP = """\
*Rank a team with `/leaderboard`*
`/leaderboard` — this week's board of your team's main metric
`/leaderboard meetings month team:east` — a metric, a period and a team, in any order
`/leaderboard calls week by pct` — ranked by % of each person's goal instead of the total
`/leaderboard revenue quarter team:all` — the whole company; `team:central` counts every team under central
`/leaderboard revenue quarter by team team:central` — central's sub-teams against each other (`by team pct`: by % of their team goals; `by team leaves`: every team without sub-teams)
Periods: week (the default), month, quarter, year, today, last week, 2026-Q4, 2026-11, 2026
Ties share a rank (1, =2, =2, 4); the top 10 are shown, and your own row when you are lower.
"""


@dataclass(frozen=True)
class ProgressView:
    """`who` None: the caller."""

    who: Who | None
    period: Period


@dataclass(frozen=True)
class ProgressExport:
    period: Period


@dataclass(frozen=True)
class LeaderboardQuery:
    """`metric` None: the handler picks (the team's main goal metric); `team` None: the
    caller's team; `by_pct` ranks by % of each person's own goal rather than the total."""

    metric: Metric | None
    period: Period
    team: str | None = None
    by_pct: bool = False
    # Rank teams instead of people: the sub-teams of `team` (the top-level teams for
    # team:all; with no team named, of the caller's default scope, or the top-level teams
    # when that has none), or with `leaves` every team without sub-teams below.
    by_team: bool = False
    leaves: bool = False


@dataclass(frozen=True)
class ReportHelp:
    pass


ProgressCommand = ProgressView | ProgressExport | ReportHelp
LeaderboardCommand = LeaderboardQuery | ReportHelp


def parse_progress(
    text: str, catalog: MetricCatalog, today: date, fiscal_year_start_month: int = 1
) -> ProgressCommand:
    """Parse the text after `/progress`. Raises UserError, naming the problem and an example."""
    head, note = split_command(text, "/progress", PROGRESS_EXAMPLE)
    if head is None:
        return ProgressView(
            None, Period.containing(PeriodKind.WEEK, today, fiscal_year_start_month)
        )
    _no_note("/progress", note, PROGRESS_EXAMPLE)
    tokens = words_of(head)
    if tokens and tokens[0].lower() in ("help", "?"):
        return ReportHelp()
    if tokens and tokens[0].lower() == "export":
        return _parse_export(tokens[1:], catalog, today, fiscal_year_start_month)
    example = PROGRESS_EXAMPLE
    who: Who | None = None
    period: Period | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        found = parse_who(token, example)
        if found is not None:
            check_one_who(who, token, example)
            who = found
            index += 1
            continue
        taken = take_period(tokens, index, today, fiscal_year_start_month, example)
        if taken is not None:
            _check_one_period(period, token, example)
            period, used = taken
            index += used
            continue
        metric = catalog.lookup(token)
        if metric is not None:
            raise UserError(
                f"`/progress` shows every goal at once — leave out {metric.key} "
                f"(`/leaderboard {metric.key}` ranks one metric).",
                example,
            )
        raise UserError(
            f'Unknown word "{shorten(token)}" — `/progress` takes a person (@maria) or a team '
            f"(team:east), and a period: {PERIOD_EXAMPLES}.",
            example,
        )
    if period is None:
        period = Period.containing(PeriodKind.WEEK, today, fiscal_year_start_month)
    return ProgressView(who, period)


def _parse_export(
    tokens: list[str], catalog: MetricCatalog, today: date, fiscal_year_start_month: int
) -> ProgressExport:
    example = EXPORT_EXAMPLE
    if not tokens:
        # A month is what people export for payroll and commission spreadsheets.
        return ProgressExport(Period.containing(PeriodKind.MONTH, today, fiscal_year_start_month))
    taken = take_period(tokens, 0, today, fiscal_year_start_month, example)
    if taken is None:
        if parse_who(tokens[0], example) is not None:
            raise UserError("An export covers everyone you can see — give only a period.", example)
        raise UserError(
            f'"{shorten(tokens[0])}" is not a period — periods: {PERIOD_EXAMPLES}.', example
        )
    period, used = taken
    if used < len(tokens):
        raise UserError(
            f'Export one period at a time — "{shorten(tokens[used])}" is extra.', example
        )
    return ProgressExport(period)


def parse_leaderboard(
    text: str, catalog: MetricCatalog, today: date, fiscal_year_start_month: int = 1
) -> LeaderboardCommand:
    """Parse the text after `/leaderboard`: a metric, a period, a team and `by pct`, each
    at most once and in any order. Raises UserError, naming the problem and an example."""
    example = LEADERBOARD_EXAMPLE
    head, note = split_command(text, "/leaderboard", example)
    week = Period.containing(PeriodKind.WEEK, today, fiscal_year_start_month)
    if head is None:
        return LeaderboardQuery(None, week)
    _no_note("/leaderboard", note, example)
    tokens = words_of(head)
    if tokens and tokens[0].lower() in ("help", "?"):
        return ReportHelp()
    metric: Metric | None = None
    period: Period | None = None
    team: str | None = None
    by_pct = False
    by_team = False
    leaves = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.lower()
        if word == "by" and _next_word(tokens, index) in ("team", "teams"):
            if by_team:
                raise UserError("`by team` is given twice.", "/leaderboard revenue quarter by team")
            by_team = True
            index += 2
            if _next_word(tokens, index - 1) in _BY_PCT_WORDS:
                if by_pct:
                    raise UserError(
                        "`by pct` is given twice.", "/leaderboard revenue quarter by team pct"
                    )
                by_pct = True
                index += 1
            continue
        if word in ("leaves", "leaf"):
            if leaves:
                raise UserError(
                    "`leaves` is given twice.", "/leaderboard revenue quarter by team leaves"
                )
            leaves = True
            index += 1
            continue
        found = parse_who(token, example)
        if found is not None:
            if found.team is None:
                raise UserError(
                    "A leaderboard ranks a team — name it as team:NAME "
                    "(`/progress @maria` shows one person).",
                    example,
                )
            if team is not None:
                raise UserError(f'Name one team — "{shorten(token)}" is a second one.', example)
            team = found.team
            index += 1
            continue
        if word == "by" or (word in _BY_PCT_WORDS and word != "%"):
            value = word if word != "by" else _next_word(tokens, index)
            if value not in _BY_PCT_WORDS:
                raise UserError(
                    f'Rank `by pct` (percent of goal) — "{shorten(value or "")}" is not a ranking.',
                    example,
                )
            if by_pct:
                raise UserError("`by pct` is given twice.", example)
            by_pct = True
            index += 2 if word == "by" else 1
            continue
        # Metrics first: a workspace's own metric may look like a period or a number.
        found_metric = catalog.lookup(token)
        if found_metric is not None:
            if metric is not None:
                raise UserError(
                    f"One metric per leaderboard — {metric.key} and {found_metric.key} given.",
                    example,
                )
            metric = found_metric
            index += 1
            continue
        taken = take_period(tokens, index, today, fiscal_year_start_month, example)
        if taken is not None:
            _check_one_period(period, token, example)
            period, used = taken
            index += used
            continue
        raise _unknown_leaderboard_word(token, catalog)
    if leaves and not by_team:
        raise UserError(
            "`leaves` ranks every team without sub-teams — it goes with `by team`.",
            "/leaderboard revenue quarter by team leaves",
        )
    return LeaderboardQuery(metric, period or week, team, by_pct, by_team, leaves)


def _unknown_leaderboard_word(token: str, catalog: MetricCatalog) -> UserError:
    word = token.lower()
    names = [*catalog.keys, "week", "month", "quarter", "year", "today"]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    hint = f" — did you mean {close[0]}?" if close else ""
    return UserError(
        f'Unknown metric or period "{shorten(token)}"{hint} Metrics: {", ".join(catalog.keys)}. '
        f"Periods: {PERIOD_EXAMPLES}.",
        LEADERBOARD_EXAMPLE,
    )


def _next_word(tokens: list[str], index: int) -> str | None:
    return tokens[index + 1].lower() if index + 1 < len(tokens) else None


def _check_one_period(current: Period | None, token: str, example: str) -> None:
    if current is not None:
        raise UserError(f'Give one period — "{shorten(token)}" is a second one.', example)


def _no_note(command: str, note: str | None, example: str) -> None:
    if note is not None:
        raise UserError(f"`{command}` takes no `--` note.", example)
