"""/log's replies, drawn from what bot/services/activity.py did (bot/core/log_results.py):
one function per reply kind. Pure: names and notes are escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.crm_only import override_note, source_mark
from bot.core.dates import format_day
from bot.core.log_results import (
    AlreadySet,
    EntryFacts,
    EntryList,
    Fixed,
    Logged,
    LogProgress,
    MetricAmount,
    TimeOffRecorded,
    Undone,
)
from bot.core.periods import Period
from bot.render.block_limits import REPLY_TEXT, fit_reply
from bot.render.quantities import joined, quantity_text
from bot.render.standing_lines import pace_summary, period_phrase
from bot.render.text import escape

NOTHING_TO_UNDO = "Nothing to undo: you have no /log entries left to remove."
_NARROW = "`/log list 2026-11-20` or `/log list week`"


def logged_reply(logged: Logged) -> str:
    """ "Logged 12 calls on Fri 20 Nov." then the progress lines (and the crm override's note)."""
    what = joined(quantity_text(a.quantity, a.metric) for a in logged.amounts)
    whom = "" if logged.for_name is None else f" for {escape(logged.for_name)}"
    reply = f"Logged {what}{whom} on {format_day(logged.day, logged.today)}.\n{progress_text(logged.progress)}"
    crm = logged.crm_override
    return reply if crm is None else f"{reply}\n{override_note(crm.keys, crm.team)}"


def progress_text(progress: LogProgress) -> str:
    """Pace for each metric with a live goal, and the week's total for the others."""
    lines = [
        f"{period_phrase(p.standing.view, progress.today)}: {pace_summary(p.standing, p.metric)}"
        for p in progress.paced
    ]
    if progress.week_totals:
        lines.append(
            f"{_week_label(progress.week, progress.today)}: {_totals_text(progress.week_totals)}"
        )
    return "\n".join(lines)


def undo_reply(undone: Undone | None) -> str:
    """What the undo removed and the week's totals now (None: there was nothing to undo)."""
    if undone is None:
        return NOTHING_TO_UNDO
    today = undone.today
    removed = joined(_entry_text(e) for e in undone.removed)
    whom = "" if undone.owner is None else f" for {_name(undone.owner)}"
    return (
        f"Undid your /log{whom} for {format_day(undone.day, today)}: {removed}.\n"
        f"{_week_label(undone.week, today)} now: {_totals_text(undone.week_totals)}"
    )


def fix_reply(result: Fixed | AlreadySet) -> str:
    """The day's total set (was → now) and the week's total, or that it already was."""
    if isinstance(result, AlreadySet):
        metric = result.metric
        return (
            f"{metric.key.capitalize()} for {format_day(result.day, result.today)} "
            f"{'is' if metric.is_money else 'are'} already {quantity_text(result.quantity, metric)} — nothing changed."
        )
    metric, today = result.metric, result.today
    whom = "" if result.for_name is None else f"{escape(result.for_name)}'s "
    reply = (
        f"Set {whom}{metric.key} for {format_day(result.day, today)} to {quantity_text(result.quantity, metric)} "
        f"(was {quantity_text(result.was, metric)}).\n"
        f"{_week_label(result.week, today)}: {_totals_text(result.week_totals)}"
    )
    crm = result.crm_override
    return reply if crm is None else f"{reply}\n{override_note(crm.keys, crm.team)}"


def entries_reply(listed: EntryList) -> str:
    """The entries, newest first, within Slack's reply limit ("…and N more" otherwise)."""
    today = listed.today
    if listed.this_week:
        scope = "this week"
    else:
        scope = f"for {format_day(listed.day, today)}" if listed.day else "(most recent)"
    if not listed.entries:
        return f"No entries {scope}. Log one with `/log calls 12`."
    head = f"*Your entries {scope}*, newest first:"
    lines = [_entry_line(e, today) for e in listed.entries]
    count = listed.total
    more = (
        [f"…and {count - len(lines)} more. Narrow it with {_NARROW}."] if count > len(lines) else []
    )
    whole = "\n".join([head, *lines, *more])
    if len(whole) <= REPLY_TEXT:
        return whole
    # Long notes (500 characters each, or synced deal names): as many lines as fit.
    return fit_reply([head], lines, f"narrow it with {_NARROW}", total=count, counted="entries")


def time_off_reply(recorded: TimeOffRecorded) -> str:
    today, start, end = recorded.today, recorded.start, recorded.end
    days = (end - start).days + 1
    whom = "you" if recorded.for_name is None else escape(recorded.for_name)
    span = (
        format_day(start, today)
        if start == end
        else f"{format_day(start, today)} – {format_day(end, today)}"
    )
    return (
        f"Time off recorded for {whom}: {span} ({days} day{'s' if days != 1 else ''}). "
        "Targets and pace prorate around it."
    )


def _entry_line(entry: EntryFacts, today: date) -> str:
    # A synced or imported entry says where it came from instead of its (bot) enterer.
    mark = source_mark(entry.source)
    suffix = (
        f" (logged by {_name(entry.logged_by)})" if entry.logged_by is not None and not mark else ""
    )
    note = f" — {escape(entry.note)}" if entry.note and entry.kind != "fix" else ""
    return f"• {format_day(entry.day, today)} · {_entry_text(entry)}{mark}{note}{suffix}"


def _entry_text(entry: EntryFacts) -> str:
    metric = entry.metric
    if entry.kind == "fix":
        # A fix's note holds "before → after", which reads better than its signed delta.
        return (
            f"{metric.key} fixed ({entry.note.removeprefix('fix: ')})"
            if entry.note
            else f"{metric.key} fixed"
        )
    return quantity_text(entry.quantity, metric)


def _name(name: str) -> str:
    """A person's name escaped, as bot.render.text.who shows it."""
    return escape(name) or "someone"


def _week_label(week: Period, today: date) -> str:
    if today in week:
        return "This week"
    return f"Week of {format_day(week.start, today)}"


def _totals_text(totals: Sequence[MetricAmount]) -> str:
    return joined(quantity_text(t.quantity, t.metric) for t in totals)
