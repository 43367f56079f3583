"""Standings as text: one line per goal, progress bars with a pace marker. Used by /log
replies, /progress, leaderboards and the scheduled posts, so every surface says the same."""

from __future__ import annotations

from datetime import date

from bot.core.metrics import Metric, MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period, PeriodKind
from bot.core.progress_bar import progress_bar
from bot.core.standings import Standing
from bot.render.quantities import quantity_text

STATUS_EMOJI = {
    PaceStatus.HIT: "🏆",
    PaceStatus.AHEAD: "🚀",
    PaceStatus.ON_PACE: "✅",
    PaceStatus.BEHIND: "⚠️",
    PaceStatus.AT_RISK: "🔴",
    PaceStatus.NOT_STARTED: "⏳",
}


def metric_of(catalog: MetricCatalog, key: str) -> Metric:
    return catalog.lookup(key) or Metric(key)


def period_phrase(view: Period, today: date) -> str:
    """"This week" for the current period, else its label ("Week of Mon 9 Nov", "Oct 2026")."""
    if today in view:
        return {
            PeriodKind.DAY: "Today",
            PeriodKind.WEEK: "This week",
            PeriodKind.MONTH: "This month",
            PeriodKind.QUARTER: "This quarter",
            PeriodKind.YEAR: "This year",
        }[view.kind]
    label = view.label
    return label[0].upper() + label[1:]


def period_in_sentence(view: Period, today: date) -> str:
    """The phrase mid-sentence: "this week", but labels keep their capitals ("Oct 2026")."""
    phrase = period_phrase(view, today)
    return phrase[0].lower() + phrase[1:] if today in view else phrase


def amount_over_target(standing: Standing, metric: Metric) -> str:
    """"48 / 60 calls" (or "$3,200 / $4,000 revenue")."""
    target_text = quantity_text(standing.pace.prorated_target, metric)
    if metric.is_money:
        return f"{quantity_text(standing.pace.actual, metric).split(' ')[0]} / {target_text}"
    return f"{standing.pace.actual} / {target_text}"


def pace_summary(standing: Standing, metric: Metric) -> str:
    """"48 / 60 calls · 80% · on pace (expected 36)": what a /log reply and a nudge say."""
    pace = standing.pace
    parts = [amount_over_target(standing, metric), f"{pace.pct}%", pace.status.value]
    if pace.status not in (PaceStatus.HIT, PaceStatus.NOT_STARTED):
        expected = quantity_text(pace.expected, metric).split(" ")[0] if metric.is_money else str(pace.expected)
        parts[-1] += f" (expected {expected})"
    if standing.stretch_hit:
        parts.append("stretch hit 🌟")
    return " · ".join(parts)


def needed_text(standing: Standing, metric: Metric) -> str:
    pace = standing.pace
    if pace.status is PaceStatus.HIT or pace.remaining_days == 0:
        return ""
    per_day = quantity_text(pace.needed_per_day, metric)
    return f"{per_day}/day to hit it ({pace.remaining_days} day{'s' if pace.remaining_days != 1 else ''} left)"


def standing_block(standing: Standing, metric: Metric, label: str | None = None) -> str:
    """Two lines: the headline with a bar, then needed per day and the forecast."""
    pace = standing.pace
    title = label or metric.key.capitalize()
    kind = {"collective": " (team: everyone)", "ramp": " (ramp)"}.get(standing.goal.kind, "")
    bar = progress_bar(pace.pct, pace.expected_pct if pace.status is not PaceStatus.HIT else None)
    head = f"{STATUS_EMOJI[pace.status]} *{title}*{kind} {bar} — {pace_summary(standing, metric)}"
    details = [d for d in (needed_text(standing, metric), _forecast_text(standing, metric)) if d]
    return head + ("\n      " + " · ".join(details) if details else "")


def _forecast_text(standing: Standing, metric: Metric) -> str:
    pace = standing.pace
    if pace.completed_days == 0 or pace.remaining_days == 0:
        return ""
    return f"forecast {quantity_text(pace.forecast, metric)}"
