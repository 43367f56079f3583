"""Acting on /log: record, undo, fix, list, time off. Shared by the command, the modal and
App Home. Each function authorizes, writes in one transaction and returns what it did as
plain values (bot/core/log_results.py); bot/render/log_replies.py draws the reply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import local_today
from bot.core.amounts import format_amount
from bot.core.crm_only import (
    comes_from_hubspot,
    crm_only_among,
    may_be_crm_only,
    refusal_text,
    source_mark,
)
from bot.core.dates import check_log_day
from bot.core.errors import PermissionDenied, UserError
from bot.core.log_grammar import LogAmount
from bot.core.log_results import (
    AlreadySet,
    CrmOnly,
    EntryFacts,
    EntryList,
    Fixed,
    Logged,
    LogProgress,
    MetricAmount,
    MetricPace,
    TimeOffRecorded,
    Undone,
)
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import Standing
from bot.render.text import who
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, entries, people, teams
from storage.entries import NewEntry
from storage.models import Entry, Person
from storage.rows import persisted_id

BACKDATE_WINDOW_DAYS = 31
# "Which metric?" offers the metrics a person logged most in this many recent weeks.
USUAL_METRIC_WEEKS = 8


@dataclass(frozen=True)
class Target:
    """The person a /log is for: the caller, or a member they manage."""

    person_id: int
    name: str
    tz: str | None
    is_caller: bool


def resolve_target(
    services: Services, client: WebClient, caller: Caller, ref: UserRef | None, example: str
) -> Target:
    if ref is None or ref.user_id == caller.slack_user_id:
        return Target(caller.person_id, caller.name, caller.tz, True)
    person = services.directory.resolve(client, caller.workspace_id, ref)
    person_id = persisted_id(person)
    if person_id == caller.person_id:
        return Target(caller.person_id, caller.name, caller.tz, True)
    with services.db.read() as session:
        allowed = access.may_act_for(session, caller, person_id)
    if not allowed:
        raise PermissionDenied(
            f"You can only log for yourself{'' if caller.is_admin else ' or members of teams you manage'}"
            f" — {who(person)} is not on a team you manage.",
            example,
        )
    return Target(person_id, reports.display_name(person), person.tz, False)


class CrmOnlyRefused(UserError):
    """A person's own /log of metrics only HubSpot records for their team: nothing stored."""

    def __init__(
        self,
        crm: CrmOnly,
        *,
        others: Sequence[str] = (),
        fix: bool = False,
        example: str | None = None,
    ) -> None:
        self.crm = crm
        super().__init__(refusal_text(crm.keys, crm.team, others=others, fix=fix), example)

    def field_text(self, key: str) -> str:
        """The modal's message under one refused metric's field."""
        return comes_from_hubspot([key], self.crm.team)


def _crm_only(
    session: Session, workspace_id: int, person_id: int, metric_keys: Sequence[str]
) -> CrmOnly | None:
    found = teams.crm_only_of(session, workspace_id, person_id)
    if found is None:
        return None
    keys = crm_only_among(found[1], metric_keys)
    return CrmOnly(found[0], tuple(keys)) if keys else None


CRM_OVERRIDE_ACTION = "entry.crm_override"


def _audit_crm_override(
    session: Session,
    caller: Caller,
    target: Target,
    crm: CrmOnly,
    now: datetime,
    *,
    before: dict | None = None,
    **after: object,
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


def _rest_example(
    amounts: Sequence[LogAmount], refused: Sequence[str], day: date, today: date
) -> str:
    """The /log of the metrics that may be typed, for the refusal's example."""
    words = [
        f"{a.metric.key} {format_amount(a.quantity, a.metric) if a.metric.is_money else a.quantity}"
        for a in amounts
        if a.metric.key not in refused
    ]
    if day != today:
        words.append(day.isoformat())
    return "/log " + " ".join(words)


def usual_metrics(
    services: Services, client: WebClient, caller: Caller, ref: UserRef | None
) -> list[str]:
    """`/log 12`: the metrics the person (or the one logged for) used most lately, for the
    question "which metric?"."""
    target = resolve_target(services, client, caller, ref, "/log @maria calls 12")
    since = caller.today(services.clock) - timedelta(weeks=USUAL_METRIC_WEEKS)
    with services.db.read() as session:
        return entries.usual_metrics(session, caller.workspace_id, target.person_id, since)


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
) -> Logged:
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
        raise CrmOnlyRefused(
            crm,
            others=others,
            example=_rest_example(amounts, crm.keys, day, today) if others else None,
        )
    batch_id = uuid.uuid4().hex

    def store(connection: sa.Connection) -> tuple[dict[str, int], bool]:
        return entries.add_batch_with_totals(
            connection,
            workspace_id=caller.workspace_id,
            entries=[
                NewEntry(target.person_id, a.metric.key, day, a.quantity, note) for a in amounts
            ],
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
    progress = log_progress(
        services,
        caller.workspace_id,
        target.person_id,
        target.tz,
        metrics,
        day,
        week_totals,
        has_goal,
    )
    return Logged(
        amounts=tuple(MetricAmount(a.metric, a.quantity) for a in amounts),
        for_name=None if target.is_caller else target.name,
        day=day,
        today=today,
        progress=progress,
        crm_override=crm,
    )


def record_submission(
    services: Services,
    caller: Caller,
    target: Target,
    amounts: Sequence[LogAmount],
    day: date,
    note: str | None,
    idempotency_key: str,
) -> Logged | None:
    """`record` for a form's submission, keyed by it: None when this submission was
    already logged (Slack may deliver one twice: a double click, a retry)."""
    try:
        return record(services, caller, target, amounts, day, note, idempotency_key=idempotency_key)
    except IntegrityError:
        return None


def log_progress(
    services: Services,
    workspace_id: int,
    person_id: int,
    tz: str | None,
    metrics: Sequence[Metric],
    day: date,
    week_totals: dict[str, int],
    has_goal: bool,
) -> LogProgress:
    """Pace for each metric with a live goal (in the goal's own period), and the week's
    total for the others: what a /log reply ends with."""
    keys = list(dict.fromkeys(m.key for m in metrics))
    week = Period.containing(PeriodKind.WEEK, day)
    with_goals: dict[str, Standing] = {}
    if has_goal:
        with services.db.read() as session:
            person = people.by_id(session, workspace_id, person_id)
            assert person is not None
            with_goals = reports.log_reply_standings(
                session, workspace_id, person, keys, day, services.clock.now()
            )
    today = local_today(services.clock, tz)
    paced = tuple(
        MetricPace(_by_key(metrics, key), standing) for key, standing in with_goals.items()
    )
    rest = [m for m in dict((m.key, m) for m in metrics).values() if m.key not in with_goals]
    return LogProgress(today=today, paced=paced, week=week, week_totals=_totals(week_totals, rest))


def _by_key(metrics: Sequence[Metric], key: str) -> Metric:
    return next(m for m in metrics if m.key == key)


def undo_last(services: Services, caller: Caller, catalog: MetricCatalog) -> Undone | None:
    """The caller's last /log removed (None: nothing left to undo)."""
    now = services.clock.now()
    with services.db.write() as session:
        batch = entries.last_live_batch(session, caller.workspace_id, caller.person_id)
        if not batch:
            return None
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
        owner = (
            None
            if person_id == caller.person_id
            else people.by_id(session, caller.workspace_id, person_id)
        )
    services.home_changed(caller.workspace_id, (caller.person_id, person_id))
    return Undone(
        removed=tuple(_entry_facts(e, m) for e, m in zip(batch, metrics, strict=True)),
        owner=None if owner is None else reports.display_name(owner),
        day=day,
        today=caller.today(services.clock),
        week=week,
        week_totals=_totals(week_totals, metrics),
    )


def fix_day(
    services: Services, caller: Caller, target: Target, metric: Metric, quantity: int, day: date
) -> Fixed | AlreadySet:
    now = services.clock.now()
    week = Period.containing(PeriodKind.WEEK, day)
    today = local_today(services.clock, target.tz)
    checked = may_be_crm_only([metric.key]) and services.crm_only_in_use(caller.workspace_id)
    with services.db.write() as session:
        crm = (
            _crm_only(session, caller.workspace_id, target.person_id, [metric.key])
            if checked
            else None
        )
        if crm is not None and target.is_caller:
            raise CrmOnlyRefused(crm, fix=True)
        current = entries.totals(
            session, caller.workspace_id, target.person_id, [metric.key], day, day
        )[metric.key]
        if current == quantity:
            return AlreadySet(metric=metric, quantity=quantity, day=day, today=today)
        entries.add_batch(
            session,
            workspace_id=caller.workspace_id,
            entries=[
                NewEntry(
                    target.person_id,
                    metric.key,
                    day,
                    quantity - current,
                    f"fix: {current} → {quantity}",
                    "fix",
                )
            ],
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
        week_totals = entries.totals(
            session, caller.workspace_id, target.person_id, [metric.key], week.start, week.end
        )
    services.home_changed(caller.workspace_id, (target.person_id, caller.person_id))
    return Fixed(
        metric=metric,
        was=current,
        quantity=quantity,
        for_name=None if target.is_caller else target.name,
        day=day,
        today=today,
        week=week,
        week_totals=_totals(week_totals, [metric]),
        crm_override=crm,
    )


def list_entries(
    services: Services, caller: Caller, catalog: MetricCatalog, day: date | None, week: bool
) -> EntryList:
    """The caller's first 20 entries for `day`, this week (`week`) or lately, newest first."""
    today = caller.today(services.clock)
    start = end = day
    if week:
        period = Period.containing(PeriodKind.WEEK, today)
        start, end = period.start, period.end
    with services.db.read() as session:
        rows, count = entries.recent(
            session, caller.workspace_id, caller.person_id, start, end, limit=20
        )
        # A synced or imported entry says where it came from instead of its (bot) enterer.
        enterers = {
            e.entered_by_id: people.by_id(session, caller.workspace_id, e.entered_by_id)
            for e in rows
            if e.entered_by_id != caller.person_id and not source_mark(e.source)
        }
    listed = tuple(
        _entry_facts(
            e, _metric(catalog, e.metric), logged_by=_name_of(enterers.get(e.entered_by_id))
        )
        for e in rows
    )
    return EntryList(entries=listed, total=count, day=day, this_week=week, today=today)


def record_time_off(
    services: Services, caller: Caller, target: Target, start: date, end: date, reason: str | None
) -> TimeOffRecorded:
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
    return TimeOffRecorded(
        for_name=None if target.is_caller else target.name, start=start, end=end, today=today
    )


def _totals(totals: dict[str, int], metrics: Sequence[Metric]) -> tuple[MetricAmount, ...]:
    """The week's total of each metric (once each, in first-logged order)."""
    seen: dict[str, Metric] = {m.key: m for m in metrics}
    return tuple(MetricAmount(metric, totals.get(key, 0)) for key, metric in seen.items())


def _metric(catalog: MetricCatalog, key: str) -> Metric:
    found = catalog.lookup(key)
    return found if found is not None else Metric(key)


def _entry_facts(entry: Entry, metric: Metric, logged_by: str | None = None) -> EntryFacts:
    return EntryFacts(
        metric=metric,
        day=entry.day,
        quantity=entry.quantity,
        kind=entry.kind,
        note=entry.note,
        source=entry.source,
        logged_by=logged_by,
    )


def _name_of(person: Person | None) -> str | None:
    return None if person is None else reports.display_name(person)


def _entry_state(entry: Entry) -> dict:
    return {
        "id": entry.id,
        "person_id": entry.person_id,
        "metric": entry.metric,
        "day": entry.day,
        "quantity": entry.quantity,
    }
