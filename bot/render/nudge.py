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
from bot.render.standing_lines import (
    metric_of,
    needed_amount,
    period_in_sentence,
    period_label_note,
    standing_block,
)
from bot.render.text import escape

# The Log button on a log reminder; handlers/actions/log_reminder.py opens the /log modal.
LOG_OPEN_ACTION = "paceline_log_open"

# Worst first: the encouragement speaks to the goal that needs the most help.
_URGENCY = (
    PaceStatus.AT_RISK,
    PaceStatus.BEHIND,
    PaceStatus.ON_PACE,
    PaceStatus.AHEAD,
    PaceStatus.HIT,
)
# Header, the closing context, and room for the "…and N more" line.
MAX_GOAL_SECTIONS = MAX_BLOCKS - 3


def overall_status(standings: Sequence[Standing]) -> PaceStatus:
    """The status the nudge's tone follows: hit only when every goal is hit; otherwise the
    most urgent of the goals not yet hit. A goal that has not started yet says nothing about
    how the week is going, so it counts only when all the open ones are so."""
    statuses = {s.pace.status for s in standings}
    if statuses <= {PaceStatus.HIT}:
        return PaceStatus.HIT
    started = statuses - {PaceStatus.HIT, PaceStatus.NOT_STARTED}
    if not started:
        return PaceStatus.NOT_STARTED
    return next(status for status in _URGENCY if status in started)


def _most_urgent(standings: Sequence[Standing], status: PaceStatus) -> Standing:
    """Of the goals in `status`, the one furthest behind its expected amount."""
    return min(
        (s for s in standings if s.pace.status is status),
        key=lambda s: (s.pace.pct - s.pace.expected_pct, s.goal.id),
    )


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
    needed = needed_amount(worst, metric_of(catalog, worst.goal.metric))
    if worst.pace.few_to_go:
        # "2 more deals", not "1 deal a day": less than one a day is left to do.
        if status is PaceStatus.BEHIND:
            return f"A little behind — {needed} to hit it. You've got this 💪"
        return f"Still time to turn it around — {needed} to hit it. Need a hand? Ask your manager."
    needed = needed.replace("/day", " a day")
    if status is PaceStatus.BEHIND:
        return f"A little behind — {needed} gets you there. You've got this 💪"
    return f"Still time to turn it around — {needed} closes the gap. Need a hand? Ask your manager."


def _headline(standing: Standing, metric: Metric) -> str:
    """ "calls 20 / 60 (behind)" for the notification text."""
    pace = standing.pace
    amounts = f"{format_amount(pace.actual, metric)} / {format_amount(pace.target, metric)}"
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
    note = period_label_note(view, today, f"team {escape(team_name)}")
    blocks: Blocks = [section(f"*Hi {escape(name)}, here's {when} so far*{note}")]
    shown = standings[:MAX_GOAL_SECTIONS]
    blocks += [section(standing_block(s, metric_of(catalog, s.goal.metric))) for s in shown]
    if len(standings) > len(shown):
        blocks.append(
            section(f"…and {len(standings) - len(shown)} more goals: `/progress` shows them all.")
        )
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
