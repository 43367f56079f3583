"""How a live win reads in the team channel: one line per win, one post per batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.amounts import format_amount
from bot.core.metrics import Metric
from bot.core.periods import Period, PeriodKind
from bot.core.standings import CollectiveStanding, Standing
from bot.render.quantities import joined, quantity_text
from bot.render.text import clip, escape

_ADJECTIVE = {
    PeriodKind.DAY: "daily",
    PeriodKind.WEEK: "weekly",
    PeriodKind.MONTH: "monthly",
    PeriodKind.QUARTER: "quarterly",
    PeriodKind.YEAR: "yearly",
}
# A section's text may hold 3,000 characters; a post of many wins says "… and N more".
MAX_SECTION = 3000
MAX_LINES = 25


def period_name(view: Period) -> str:
    """ "November", "Q4 2026", "2026", "the week": how a sentence names a goal's period."""
    if view.kind is PeriodKind.MONTH:
        return view.start.strftime("%B")
    if view.kind is PeriodKind.WEEK:
        return "the week"
    if view.kind is PeriodKind.DAY:
        return "the day"
    return view.label


def team_progress(standing: Standing | None) -> str:
    """ " — the team is at 82% of November", from the team's own goal on the metric."""
    if standing is None or not standing.target:
        return ""
    return f" — the team is at {standing.pace.pct}% of {period_name(standing.view)}"


def deal_line(
    name: str, deals: int, revenue: int, deal_metric: Metric, money: Metric, team: Standing | None
) -> str:
    if revenue:
        what = format_amount(revenue, money)
    elif deals == 1:
        what = "a deal"
    else:
        what = quantity_text(deals, deal_metric)
    return f"🎉 {escape(name)} closed {what}{team_progress(team)}"


def _figures(standing: Standing, metric: Metric, target: int) -> str:
    return f"{format_amount(standing.pace.actual, metric)} / {format_amount(target, metric)}"


def hit_line(standing: Standing, metric: Metric) -> str:
    adjective = _ADJECTIVE[standing.view.kind]
    return (
        f"🎯 {escape(standing.owner_name)} hit the {adjective} {metric.key} goal: "
        f"{_figures(standing, metric, standing.target)}"
    )


def stretch_line(standing: Standing, metric: Metric) -> str:
    adjective = _ADJECTIVE[standing.view.kind]
    return (
        f"🚀 {escape(standing.owner_name)} hit the stretch of the {adjective} {metric.key} goal: "
        f"{_figures(standing, metric, standing.stretch or 0)}"
    )


def team_goal_line(team_name: str, standing: Standing, metric: Metric) -> str:
    return (
        f"🏆 {escape(team_name)} hit the team {metric.key} goal for {period_name(standing.view)}: "
        f"{_figures(standing, metric, standing.target)}"
    )


def all_or_nothing_line(
    team_name: str, collective: CollectiveStanding, metric: Metric, view: Period
) -> str:
    counted = len(collective.counted)
    return (
        f"🤝 Everyone on {escape(team_name)} made the all-or-nothing {metric.key} goal for "
        f"{period_name(view)} ({counted} of {counted})"
    )


def import_line(
    team_name: str, figures: Sequence[str], hits: Sequence[str], team: Standing | None
) -> str:
    parts = list(figures)
    if hits:
        parts.append(
            f"{len(hits)} goal{'s' if len(hits) != 1 else ''} hit ({', '.join(escape(h) for h in hits)})"
        )
    return f"📥 An import brought in this week's numbers for {escape(team_name)}: {joined(parts)}{team_progress(team)}"


def post_text(lines: Sequence[tuple[str, bool]]) -> str:
    """The post: each win on its line, struck through (~…~) once undone."""
    shown = [f"~{line}~" if struck else line for line, struck in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"… and {len(lines) - MAX_LINES} more")
    return clip("\n".join(shown), MAX_SECTION)


def post_blocks(text: str) -> tuple[dict[str, Any], ...]:
    """One section of `post_text`'s text, which already fits a section."""
    return ({"type": "section", "text": {"type": "mrkdwn", "text": text}},)
