"""The DMs that nudge a rep: the mid-week nudge (each goal's status, what it takes per day,
one line of encouragement) and the log reminder with its Log button."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.amounts import format_amount
from bot.core.metrics import Metric, MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period, short_date
from bot.core.standings import Standing
from bot.render.block_limits import MAX_BLOCKS, MESSAGE_TEXT, Blocks, clip, context, section
from bot.render.quantities import quantity_text
from bot.render.standings import metric_of, period_in_sentence, standing_block
from bot.render.text import escape

# The Log button on a log reminder; handlers/actions/log_reminder.py opens the /log modal.
LOG_OPEN_ACTION = "paceline_log_open"

# Worst first: the encouragement speaks to the goal that needs the most help.
_URGENCY = (PaceStatus.AT_RISK, PaceStatus.BEHIND, PaceStatus.ON_PACE, PaceStatus.AHEAD, PaceStatus.HIT)
# Header, the closing context, and room for the "…and N more" line.
MAX_GOAL_SECTIONS = MAX_BLOCKS - 3


def overall_status(standings: Sequence[Standing]) -> PaceStatus:
    """The status the nudge's tone follows: the most urgent one. A goal that has not started
    yet says nothing about how the week is going, so it counts only when all are so."""
    started = {s.pace.status for s in standings if s.pace.status is not PaceStatus.NOT_STARTED}
    if not started:
        return PaceStatus.NOT_STARTED
    return next(status for status in _URGENCY if status in started)


def _most_urgent(standings: Sequence[Standing], status: PaceStatus) -> Standing:
    """Of the goals in `status`, the one furthest behind its expected amount."""
    return min((s for s in standings if s.pace.status is status), key=lambda s: (s.pace.pct - s.pace.expected_pct, s.goal.id))


def encouragement(standings: Sequence[Standing], catalog: MetricCatalog) -> str:
    """One line matching how the rep stands, with the number that matters when behind."""
    status = overall_status(standings)
    if status is PaceStatus.HIT:
        return "Every goal hit already 🎉 — anything more this week is a bonus."
    if status is PaceStatus.AHEAD:
        return "You're ahead of pace 🚀 — keep it rolling."
    if status is PaceStatus.ON_PACE:
        return "Right on pace ✅ — keep the rhythm going."
    if status is PaceStatus.NOT_STARTED:
        return "The week is just starting — a strong first day sets the pace."
    worst = _most_urgent(standings, status)
    per_day = quantity_text(worst.pace.needed_per_day, metric_of(catalog, worst.goal.metric))
    if status is PaceStatus.BEHIND:
        return f"A little behind — {per_day} a day gets you there. You've got this 💪"
    return f"Still time to turn it around — {per_day} a day closes the gap. Need a hand? Ask your manager."


def _headline(standing: Standing, metric: Metric) -> str:
    """"calls 20 / 60 (behind)" for the notification text."""
    pace = standing.pace
    amounts = f"{format_amount(pace.actual, metric)} / {format_amount(pace.prorated_target, metric)}"
    return f"{metric.key} {amounts} ({pace.status.value})"


def nudge_message(
    name: str,
    team_name: str,
    standings: Sequence[Standing],
    catalog: MetricCatalog,
    view: Period,
    today: date,
) -> tuple[str, Blocks]:
    """(notification text, blocks) of one rep's nudge; `standings` are their goals."""
    cheer = encouragement(standings, catalog)
    when = period_in_sentence(view, today)
    blocks: Blocks = [section(f"*Hi {escape(name)}, here's {when} so far* ({view.label}, team {escape(team_name)})")]
    shown = standings[:MAX_GOAL_SECTIONS]
    blocks += [section(standing_block(s, metric_of(catalog, s.goal.metric))) for s in shown]
    if len(standings) > len(shown):
        blocks.append(section(f"…and {len(standings) - len(shown)} more goals: `/progress` shows them all."))
    blocks.append(context(f"{cheer}  ·  `/log calls 12` to log · `/progress` for details"))
    summary = "; ".join(_headline(s, metric_of(catalog, s.goal.metric)) for s in standings)
    return clip(f"Your week so far: {summary}. {cheer}", MESSAGE_TEXT), blocks


def log_reminder_message(day: date) -> tuple[str, Blocks]:
    """A one-line reminder with a Log button; the button's value is the day, so the modal
    opens on the day the reminder was about."""
    text = f"Nothing logged today ({short_date(day)}) yet — add your numbers before you sign off."
    blocks: Blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"⏰ {text}"},
            "accessory": {
                "type": "button",
                "action_id": LOG_OPEN_ACTION,
                "text": {"type": "plain_text", "text": "Log", "emoji": True},
                "value": day.isoformat(),
                "style": "primary",
            },
        }
    ]
    return text, blocks
