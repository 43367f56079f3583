"""Standings as text: one function per kind of line — a personal goal or team total
(standing_block), an all-or-nothing goal (collective_line), a contest (contest_line) — used
by /log replies, /progress, App Home, exports' neighbours and the scheduled posts, so every
surface says the same thing about the same figures."""

from __future__ import annotations

from datetime import date

from bot.core.metrics import Metric, MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period, PeriodKind
from bot.core.progress_bar import progress_bar
from bot.core.standings import CollectiveStanding, ContestStanding, Standing
from bot.render.quantities import quantity_text
from bot.render.text import escape

MAX_NAMES = 25  # names in one list (still missing, excused) before "…and N more"

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
    """ "This week" for the current period, else its label ("Week of Mon 9 Nov", "Oct 2026")."""
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


def period_label_note(view: Period, today: date, *more: str) -> str:
    """ " (week of Mon 16 Nov)" after "this week"; nothing after a label that already names
    the period ("Nov 2026"), so a header never says it twice. `more` joins inside."""
    parts = ([view.label] if today in view else []) + [m for m in more if m]
    return f" ({', '.join(parts)})" if parts else ""


def amount_over_target(standing: Standing, metric: Metric) -> str:
    """ "48 / 60 calls" (or "$3,200 / $4,000 revenue")."""
    target_text = quantity_text(standing.pace.prorated_target, metric)
    if metric.is_money:
        return f"{quantity_text(standing.pace.actual, metric).split(' ')[0]} / {target_text}"
    return f"{standing.pace.actual} / {target_text}"


def pace_summary(standing: Standing, metric: Metric) -> str:
    """ "48 / 60 calls · 80% · on pace (expected 36)": what a /log reply and a nudge say."""
    pace = standing.pace
    parts = [amount_over_target(standing, metric), f"{pace.pct}%", pace.status.value]
    if pace.status not in (PaceStatus.HIT, PaceStatus.NOT_STARTED):
        expected = (
            quantity_text(pace.expected, metric).split(" ")[0]
            if metric.is_money
            else str(pace.expected)
        )
        parts[-1] += f" (expected {expected})"
    if standing.stretch_hit:
        parts.append("stretch hit 🌟")
    return " · ".join(parts)


def days_left(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''} left"


def needed_amount(standing: Standing, metric: Metric) -> str:
    """What it takes: "25 calls/day", or "1 more deal" when less than one a day is left to
    do (a one-deal week does not need a deal a day)."""
    pace = standing.pace
    if pace.few_to_go:
        amount, _, unit = quantity_text(pace.to_go, metric).partition(" ")
        return f"{amount} more {unit}".rstrip()
    return f"{quantity_text(pace.needed_per_day, metric)}/day"


def needed_text(standing: Standing, metric: Metric) -> str:
    pace = standing.pace
    if pace.status is PaceStatus.HIT or pace.remaining_days == 0:
        return ""
    return f"{needed_amount(standing, metric)} to hit it ({days_left(pace.remaining_days)})"


EXCUSED_EMOJI = "🌴"


def standing_block(standing: Standing, metric: Metric, label: str | None = None) -> str:
    """A personal goal or a team total: the headline with a bar, then needed per day and
    the forecast. A goal that carries no target in the view (time off throughout, not
    started, ended) says so instead of claiming a hit."""
    pace = standing.pace
    title = label or metric.key.capitalize()
    if standing.goal.kind == "team" and label is None:
        title += " (team total)"
    kind = {"collective": " (team: everyone)", "ramp": " (ramp)"}.get(standing.goal.kind, "")
    if pace.nothing_to_do:
        return f"{EXCUSED_EMOJI} *{title}*{kind} — no target in this period ({pace.actual} logged): time off, not started or ended"
    bar = progress_bar(pace.pct, pace.expected_pct if pace.status is not PaceStatus.HIT else None)
    head = f"{STATUS_EMOJI[pace.status]} *{title}*{kind} {bar} — {pace_summary(standing, metric)}"
    details = [d for d in (needed_text(standing, metric), _forecast_text(standing, metric)) if d]
    return head + ("\n      " + " · ".join(details) if details else "")


def names_list(names: list[str] | tuple[str, ...], limit: int = MAX_NAMES) -> str:
    shown = ", ".join(escape(n) for n in names[:limit])
    return shown + (f" …and {len(names) - limit} more" if len(names) > limit else "")


def collective_line(collective: CollectiveStanding, catalog: MetricCatalog) -> str:
    """An all-or-nothing goal, the same on every surface: "👥 *Demos* — everyone 5 demos/week:
    2 of 3 there · still missing: bo · excused: al · reward: lunch". A member counts only
    if they carry a target in the view; "there" means they hit their own share."""
    goal = collective.goal
    metric = metric_of(catalog, goal.metric)
    counted, there = collective.counted, collective.there
    each = f"{quantity_text(goal.target or 0, metric)}/{PeriodKind(goal.period_kind).value}"
    if not counted:
        state = "nobody carries a target in this period"
    elif collective.achieved:
        state = "🏆 everyone there"
    else:
        state = f"still missing: {names_list([m.owner_name for m in collective.missing])}"
    excused = collective.excused
    parts = [f"{len(there)} of {len(counted)} there", state]
    if excused:
        parts.append(f"excused: {names_list([m.owner_name for m in excused])}")
    if goal.reward:
        parts.append(f"reward: {escape(goal.reward)}")
    return f"👥 *{metric.key.capitalize()}* — everyone {each}: " + " · ".join(parts)


def contest_line(
    contest: ContestStanding, catalog: MetricCatalog, person_id: int | None = None
) -> str:
    """A contest in one line, the same on every surface: "🏁 *Meetings contest* (prize:
    golf): 1 bo 9 · =2 maria 5 · =2 li 5", and for a person, where they rank."""
    metric = metric_of(catalog, contest.goal.metric)
    prize = f" (prize: {escape(contest.goal.prize)})" if contest.goal.prize else ""
    on_board = [r for r in contest.ranking if r.value > 0]
    podium = " · ".join(
        f"{r.label} {escape(r.name)} {quantity_text(int(r.value), metric)}" for r in on_board[:3]
    )
    line = f"🏁 *{metric.key.capitalize()} contest*{prize}: {podium or 'no entries yet'}"
    if person_id is not None:
        mine = next((r for r in contest.ranking if r.id == str(person_id)), None)
        if mine is None:
            line += " · you are not in it"
        else:
            line += f" · you rank {mine.label} of {len(contest.ranking)} with {quantity_text(int(mine.value), metric)}"
    return line


def _forecast_text(standing: Standing, metric: Metric) -> str:
    pace = standing.pace
    if pace.completed_days == 0 or pace.remaining_days == 0:
        return ""
    return f"forecast {quantity_text(pace.forecast, metric)}"
