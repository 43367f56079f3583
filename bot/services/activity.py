"""Acting on /log: record, undo, fix, list, time off. Shared by the command, the modal and
App Home. Each function authorizes, writes in one transaction and returns the reply text."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.core.amounts import format_amount
from bot.core.crm_only import (
    comes_from_hubspot,
    crm_only_among,
    may_be_crm_only,
    override_note,
    refusal_text,
    source_mark,
)
from bot.core.dates import check_log_day, format_day
from bot.core.errors import PermissionDenied, UserError
from bot.core.log_grammar import LogAmount
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import Standing
from bot.render.block_limits import REPLY_TEXT, fit_reply
from bot.render.quantities import joined, quantity_text
from bot.render.standing_lines import pace_summary, period_phrase
from bot.render.text import escape, who
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, entries, people, teams
from storage.entries import NewEntry
from storage.models import Entry

BACKDATE_WINDOW_DAYS = 31


@dataclass(frozen=True)
class Target:
    """The person a /log is for: the caller, or a member they manage."""

    person_id: int
    name: str
    tz: str | None
    is_caller: bool


def resolve_target(services: Services, client: WebClient, caller: Caller, ref: UserRef | None, example: str) -> Target:
    if ref is None or ref.user_id == caller.slack_user_id:
        return Target(caller.person_id, caller.name, caller.tz, True)
    person = services.directory.resolve(client, caller.workspace_id, ref)
    assert person.id is not None
    if person.id == caller.person_id:
        return Target(caller.person_id, caller.name, caller.tz, True)
    with services.db.read() as session:
        allowed = access.may_act_for(session, caller, person.id)
    if not allowed:
        raise PermissionDenied(
            f"You can only log for yourself{'' if caller.is_admin else ' or members of teams you manage'}"
            f" — {who(person)} is not on a team you manage.",
            example,
        )
    return Target(person.id, reports.display_name(person), person.tz, False)


@dataclass(frozen=True)
class CrmOnly:
    """Metrics of one /log that only HubSpot records for the target's team."""

    team: str
    keys: tuple[str, ...]


class CrmOnlyRefused(UserError):
    """A person's own /log of metrics only HubSpot records for their team: nothing stored."""

    def __init__(self, crm: CrmOnly, *, others: Sequence[str] = (), fix: bool = False, example: str | None = None) -> None:
        self.crm = crm
        super().__init__(refusal_text(crm.keys, crm.team, others=others, fix=fix), example)

    def field_text(self, key: str) -> str:
        """The modal's message under one refused metric's field."""
        return comes_from_hubspot([key], self.crm.team)


def _crm_only(session: Session, workspace_id: int, person_id: int, metric_keys: Sequence[str]) -> CrmOnly | None:
    found = teams.crm_only_of(session, workspace_id, person_id)
    if found is None:
        return None
    keys = crm_only_among(found[1], metric_keys)
    return CrmOnly(found[0], tuple(keys)) if keys else None


CRM_OVERRIDE_ACTION = "entry.crm_override"


def _audit_crm_override(
    session: Session, caller: Caller, target: Target, crm: CrmOnly, now: datetime, *, before: dict | None = None, **after: object
) -> None:
    """A manager's or admin's hand entry of a metric only HubSpot records for the team."""
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        at=now,
        actor_id=caller.person_id,
        action=CRM_OVERRIDE_ACTION,
        subject_type="person",
        subject_id=target.person_id,
        before=before,
        after={"person_id": target.person_id, "team": crm.team, **after},
    )


def _rest_example(amounts: Sequence[LogAmount], refused: Sequence[str], day: date, today: date) -> str:
    """The /log of the metrics that may be typed, for the refusal's example."""
    words = [
        f"{a.metric.key} {format_amount(a.quantity, a.metric) if a.metric.is_money else a.quantity}"
        for a in amounts
        if a.metric.key not in refused
    ]
    if day != today:
        words.append(day.isoformat())
    return "/log " + " ".join(words)


def check_day(services: Services, caller: Caller, target: Target, day: date) -> None:
    """Future days are refused; reps may not go back further than the window."""
    today = local_today(services.clock, target.tz)
    if (today - day).days > BACKDATE_WINDOW_DAYS:
        with services.db.read() as session:
            may_backdate = access.is_admin_or_any_manager(session, caller)
    else:
        may_backdate = False
    check_log_day(day, today, may_backdate=may_backdate, window_days=BACKDATE_WINDOW_DAYS)


def record(
    services: Services,
    caller: Caller,
    target: Target,
    amounts: Sequence[LogAmount],
    day: date,
    note: str | None,
    idempotency_key: str | None = None,
) -> str:
    now = services.clock.now()
    metrics = [a.metric for a in amounts]
    metric_keys = list(dict.fromkeys(a.metric.key for a in amounts))
    week = Period.containing(PeriodKind.WEEK, day)
    today = local_today(services.clock, target.tz)
    crm = None
    # No read unless a team of the workspace has crm-only metrics (cached) and these could be.
    if may_be_crm_only(metric_keys) and services.crm_only_in_use(caller.workspace_id):
        with services.db.read() as session:
            crm = _crm_only(session, caller.workspace_id, target.person_id, metric_keys)
    if crm is not None and target.is_caller:
        # All or nothing: a /log with a crm-only metric stores none of its metrics.
        others = [key for key in metric_keys if key not in crm.keys]
        raise CrmOnlyRefused(crm, others=others, example=_rest_example(amounts, crm.keys, day, today) if others else None)
    batch_id = uuid.uuid4().hex

    def store(connection: sa.Connection) -> tuple[dict[str, int], bool]:
        return entries.add_batch_with_totals(
            connection,
            workspace_id=caller.workspace_id,
            entries=[NewEntry(target.person_id, a.metric.key, day, a.quantity, note) for a in amounts],
            batch_id=batch_id,
            entered_by_id=caller.person_id,
            source=services.source,
            now=now,
            idempotency_key=idempotency_key,
            metrics=metric_keys,
            start=week.start,
            end=week.end,
            day=day,
        )

    if crm is None:
        # Autocommit: storing the entries is one statement, atomic by itself, and so is reading
        # the reply's totals (on PostgreSQL both are one statement): no BEGIN/COMMIT round trips.
        with services.db.autocommit() as connection:
            week_totals, has_goal = store(connection)
    else:
        # A manager's hand entry of what HubSpot records: stored with its audit, together.
        with services.db.write() as session:
            week_totals, has_goal = store(session.connection())
            for a in amounts:
                if a.metric.key in crm.keys:
                    _audit_crm_override(session, caller, target, crm, now, command="log", metric=a.metric.key,
                                        quantity=a.quantity, day=day, batch_id=batch_id)  # fmt: skip
    services.home_changed(caller.workspace_id, (target.person_id, caller.person_id))
    progress = progress_lines(services, caller.workspace_id, target.person_id, target.tz, metrics, day, week_totals, has_goal)
    logged = joined(quantity_text(a.quantity, a.metric) for a in amounts)
    whom = "" if target.is_caller else f" for {escape(target.name)}"
    reply = f"Logged {logged}{whom} on {format_day(day, today)}.\n{progress}"
    return reply if crm is None else f"{reply}\n{override_note(crm.keys, crm.team)}"


def progress_lines(
    services: Services,
    workspace_id: int,
    person_id: int,
    tz: str | None,
    metrics: Sequence[Metric],
    day: date,
    week_totals: dict[str, int],
    has_goal: bool,
) -> str:
    """Pace for each metric with a live goal (in the goal's own period), and the week's
    total for the others: what a /log reply ends with."""
    keys = list(dict.fromkeys(m.key for m in metrics))
    week = Period.containing(PeriodKind.WEEK, day)
    with_goals: dict[str, Standing] = {}
    if has_goal:
        with services.db.read() as session:
            person = people.by_id(session, workspace_id, person_id)
            assert person is not None
            with_goals = reports.log_reply_standings(session, workspace_id, person, keys, day, services.clock.now())
    today = local_today(services.clock, tz)
    lines = [
        f"{period_phrase(standing.view, today)}: {pace_summary(standing, _by_key(metrics, key))}"
        for key, standing in with_goals.items()
    ]
    rest = [m for m in dict((m.key, m) for m in metrics).values() if m.key not in with_goals]
    if rest:
        lines.append(f"{_week_label(week, today)}: {_totals_text(week_totals, rest)}")
    return "\n".join(lines)


def _by_key(metrics: Sequence[Metric], key: str) -> Metric:
    return next(m for m in metrics if m.key == key)


def undo_last(services: Services, caller: Caller, catalog: MetricCatalog) -> str:
    now = services.clock.now()
    with services.db.write() as session:
        batch = entries.last_live_batch(session, caller.workspace_id, caller.person_id)
        if not batch:
            return "Nothing to undo: you have no /log entries left to remove."
        entries.soft_delete(session, batch, caller.person_id, now)
        audit.record(
            session,
            workspace_id=caller.workspace_id,
            at=now,
            actor_id=caller.person_id,
            action="entries.undo",
            subject_type="entry_batch",
            subject_id=batch[0].id,
            before={"entries": [_entry_state(e) for e in batch]},
            after=None,
        )
        day, person_id = batch[0].day, batch[0].person_id
        week = Period.containing(PeriodKind.WEEK, day)
        metrics = [_metric(catalog, e.metric) for e in batch]
        week_totals = entries.totals(
            session, caller.workspace_id, person_id, [m.key for m in metrics], week.start, week.end
        )
        owner = None if person_id == caller.person_id else people.by_id(session, caller.workspace_id, person_id)
    services.home_changed(caller.workspace_id, (caller.person_id, person_id))
    today = caller.today(services.clock)
    removed = joined(_entry_text(e, m) for e, m in zip(batch, metrics, strict=True))
    whom = "" if owner is None else f" for {who(owner)}"
    return (
        f"Undid your /log{whom} for {format_day(day, today)}: {removed}.\n"
        f"{_week_label(week, today)} now: {_totals_text(week_totals, metrics)}"
    )


def fix_day(services: Services, caller: Caller, target: Target, metric: Metric, quantity: int, day: date) -> str:
    now = services.clock.now()
    week = Period.containing(PeriodKind.WEEK, day)
    today = local_today(services.clock, target.tz)
    checked = may_be_crm_only([metric.key]) and services.crm_only_in_use(caller.workspace_id)
    with services.db.write() as session:
        crm = _crm_only(session, caller.workspace_id, target.person_id, [metric.key]) if checked else None
        if crm is not None and target.is_caller:
            raise CrmOnlyRefused(crm, fix=True)
        current = entries.totals(session, caller.workspace_id, target.person_id, [metric.key], day, day)[metric.key]
        if current == quantity:
            return (
                f"{metric.key.capitalize()} for {format_day(day, today)} "
                f"{'is' if metric.is_money else 'are'} already {quantity_text(quantity, metric)} — nothing changed."
            )
        entries.add_batch(
            session,
            workspace_id=caller.workspace_id,
            entries=[NewEntry(target.person_id, metric.key, day, quantity - current, f"fix: {current} → {quantity}", "fix")],
            batch_id=uuid.uuid4().hex,
            entered_by_id=caller.person_id,
            source=services.source,
            now=now,
        )
        audit.record(
            session,
            workspace_id=caller.workspace_id,
            at=now,
            actor_id=caller.person_id,
            action="entries.fix",
            subject_type="person",
            subject_id=target.person_id,
            before={"metric": metric.key, "day": day, "total": current},
            after={"metric": metric.key, "day": day, "total": quantity},
        )
        if crm is not None:
            _audit_crm_override(session, caller, target, crm, now, before={"total": current}, command="fix",
                                metric=metric.key, quantity=quantity - current, total=quantity, day=day)  # fmt: skip
        week_totals = entries.totals(session, caller.workspace_id, target.person_id, [metric.key], week.start, week.end)
    services.home_changed(caller.workspace_id, (target.person_id, caller.person_id))
    whom = "" if target.is_caller else f"{escape(target.name)}'s "
    reply = (
        f"Set {whom}{metric.key} for {format_day(day, today)} to {quantity_text(quantity, metric)} "
        f"(was {quantity_text(current, metric)}).\n"
        f"{_week_label(week, today)}: {_totals_text(week_totals, [metric])}"
    )
    return reply if crm is None else f"{reply}\n{override_note(crm.keys, crm.team)}"


def list_entries(services: Services, caller: Caller, catalog: MetricCatalog, day: date | None, week: bool) -> str:
    today = caller.today(services.clock)
    start = end = day
    scope = f"for {format_day(day, today)}" if day else "(most recent)"
    if week:
        period = Period.containing(PeriodKind.WEEK, today)
        start, end, scope = period.start, period.end, "this week"
    with services.db.read() as session:
        rows, count = entries.recent(session, caller.workspace_id, caller.person_id, start, end, limit=20)
        # A synced or imported entry says where it came from instead of its (bot) enterer.
        enterers = {
            e.entered_by_id: people.by_id(session, caller.workspace_id, e.entered_by_id)
            for e in rows
            if e.entered_by_id != caller.person_id and not source_mark(e.source)
        }
    if not rows:
        return f"No entries {scope}. Log one with `/log calls 12`."
    head = f"*Your entries {scope}*, newest first:"
    lines = []
    for e in rows:
        text = _entry_text(e, _metric(catalog, e.metric))
        mark = source_mark(e.source)
        by = None if mark else enterers.get(e.entered_by_id)
        suffix = f" (logged by {who(by)})" if by else ""
        note = f" — {escape(e.note)}" if e.note and e.kind != "fix" else ""
        lines.append(f"• {format_day(e.day, today)} · {text}{mark}{note}{suffix}")
    narrow = "`/log list 2026-11-20` or `/log list week`"
    more = [f"…and {count - len(rows)} more. Narrow it with {narrow}."] if count > len(rows) else []
    whole = "\n".join([head, *lines, *more])
    if len(whole) <= REPLY_TEXT:
        return whole
    # Long notes (500 characters each, or synced deal names): as many lines as fit.
    return fit_reply([head], lines, f"narrow it with {narrow}", total=count, counted="entries")


def record_time_off(
    services: Services, caller: Caller, target: Target, start: date, end: date, reason: str | None
) -> str:
    now = services.clock.now()
    with services.db.write() as session:
        row = entries.add_time_off(
            session,
            workspace_id=caller.workspace_id,
            person_id=target.person_id,
            start=start,
            end=end,
            reason=reason,
            created_by_id=caller.person_id,
            now=now,
        )
        audit.record(
            session,
            workspace_id=caller.workspace_id,
            at=now,
            actor_id=caller.person_id,
            action="time_off.add",
            subject_type="person",
            subject_id=target.person_id,
            after={"time_off_id": row.id, "start": start, "end": end},
            reason=reason,
        )
    today = local_today(services.clock, target.tz)
    days = (end - start).days + 1
    whom = "you" if target.is_caller else escape(target.name)
    span = format_day(start, today) if start == end else f"{format_day(start, today)} – {format_day(end, today)}"
    return (
        f"Time off recorded for {whom}: {span} ({days} day{'s' if days != 1 else ''}). "
        "Targets and pace prorate around it."
    )


def _week_label(week: Period, today: date) -> str:
    if today in week:
        return "This week"
    return f"Week of {format_day(week.start, today)}"


def _totals_text(totals: dict[str, int], metrics: Sequence[Metric]) -> str:
    seen: dict[str, Metric] = {m.key: m for m in metrics}
    return joined(quantity_text(totals.get(key, 0), metric) for key, metric in seen.items())


def _metric(catalog: MetricCatalog, key: str) -> Metric:
    found = catalog.lookup(key)
    return found if found is not None else Metric(key)


def _entry_text(entry: Entry, metric: Metric) -> str:
    if entry.kind == "fix":
        # A fix's note holds "before → after", which reads better than its signed delta.
        return f"{metric.key} fixed ({entry.note.removeprefix('fix: ')})" if entry.note else f"{metric.key} fixed"
    return quantity_text(entry.quantity, metric)


def _entry_state(entry: Entry) -> dict:
    return {"id": entry.id, "person_id": entry.person_id, "metric": entry.metric, "day": entry.day, "quantity": entry.quantity}

