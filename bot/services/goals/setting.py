"""Writing goals: creating one under the overlap rules and removing one; lowering or
removing a started goal in a team with approvals on becomes a request that waits for a
decision (bot/services/goals/decisions.py decides it, through these same rules).

Shared by `/goal`, its modal, plans, splits, cascades and approvals so that every path
follows the same governance: every change is audited with before, after, actor and reason;
a goal that overlaps another (same owner, metric and period kind) replaces it only with a
reason; lowering (or ending) a started goal in a team with approvals on waits for an admin.

Goals have versions: a version is a Goal row, and a goal is the rows of one owner, metric
and period kind (a person's individual and ramp rows are one goal). A change never touches
a day that has ended: setting over a goal in force, removing it, lowering it and approving
a request all end the version in force on the day before the new one starts, in the
owner's time zone. Only an admin's explicit `from DATE` in the past reaches back, and it is
audited as backdated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.dates import format_day
from bot.core.errors import UserError
from bot.core.goal_results import GoalCreated, GoalRemoved, Names
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import periods_between, ramp_length, ramp_target
from bot.render.text import escape
from bot.services.goals.drafts import Draft, describe_goal, shown_goal
from bot.services.goals.owners import Owner
from bot.services.people import Caller
from storage import audit, goals
from storage.models import Goal, GoalRequest
from storage.rows import persisted_id


class NeedsReason(UserError):
    """A change refused only for want of a `-- reason` (the modal shows it by that field)."""

    def __init__(self, message: str, example: str | None, goal: str, started: bool) -> None:
        super().__init__(message, example)
        self.goal = goal  # the goal in the way, described
        self.started = started


# --- writing ---------------------------------------------------------------------------------


@dataclass
class Created:
    goal: Goal
    ended: list[Goal] = field(default_factory=list)
    removed: list[Goal] = field(default_factory=list)


@dataclass
class Requested:
    """Lowering a started goal that now waits for an admin."""

    request: GoalRequest
    lowered: Goal


@dataclass
class Repeated:
    """The same modal submission again: nothing was written."""


Outcome = Created | Requested | Repeated


@dataclass(frozen=True)
class WriteContext:
    """Who writes, when, in which workspace, and how a refusal should read."""

    caller: Caller
    now: datetime
    catalog: MetricCatalog
    # The command to show with `-- reason` added; None where a reason cannot be given.
    reason_example: str | None
    # Where requests may not be made (a split or plan writes several goals at once).
    may_request: bool = True
    request_id: int | None = None
    idempotency_key: str | None = None


def write_goal(
    session: Session, ctx: WriteContext, owner: Owner, draft: Draft, reason: str | None, today: date
) -> Outcome:
    """Create `draft` for `owner`, replacing overlapping goals when a reason is given.

    `today` is the owner's local date. A version in force ends the day before the new one
    starts; without `from`, a goal that already has a version in force starts today (a
    first goal keeps the start of the current period). Raises NeedsReason when the goal
    overlaps one and no reason is given, UserError when a non-admin gives a `from` in the
    past; returns Requested when the change lowers or ends a started goal in a team with
    approvals on and the writer is not an admin (nothing else changes then)."""
    ws = ctx.caller.workspace_id
    person_id = owner.person.id if owner.person else None
    team_id = owner.team.id if owner.is_team and owner.team else None
    _refuse_backdating(ctx, owner, draft, today)
    goals.lock_owner(session, ws, person_id=person_id, team_id=team_id)
    if ctx.idempotency_key and goals.created_with_key(session, ws, ctx.idempotency_key):
        return Repeated()
    draft = _default_start(session, ctx, owner, draft, today)
    existing = goals.overlapping(
        session,
        ws,
        kind=draft.kind,
        metric=draft.metric,
        period_kind=draft.period_kind.value,
        start=draft.start,
        end=draft.end,
        person_id=person_id,
        team_id=team_id,
    )
    names = owner.names()
    if existing and not reason:
        raise _needs_reason(existing[0], ctx, names, today)
    lowered = next((old for old in existing if _lowers(old, draft, today)), None)
    if lowered is not None and _needs_approval(ctx.caller, owner):
        if not ctx.may_request:
            raise UserError(
                f"Lowering {describe_goal(lowered, ctx.catalog, names, today)} needs an admin's approval "
                f"({escape(owner.team.name if owner.team else '')} has approvals on) — set that goal on its own "
                "with `/goal set`. Nothing was changed.",
                ctx.reason_example,
            )
        return Requested(_request_lowering(session, ctx, owner, draft, reason, lowered), lowered)
    # Only an admin's explicit `from` in the past reaches days that have ended.
    backdated = {"backdated": True} if draft.start_given and draft.start < today else {}
    created = Created(goal=_insert(session, ctx, owner, draft, reason, backdated))
    for old in existing:
        before = goals.state(old)
        if old.start >= draft.start:
            # Ending it the day before the new one starts would end it before it began.
            goals.mark_removed(session, old, ctx.now, ctx.caller.person_id)
            created.removed.append(old)
            action = "goal.remove"
        else:
            goals.end_on(session, old, draft.start - timedelta(days=1))
            created.ended.append(old)
            action = "goal.end"
        after = goals.state(old) | {"replaced_by": created.goal.id} | backdated
        audit_write(session, ctx, action, "goal", old.id, before=before, after=after, reason=reason)
    return created


def _refuse_backdating(ctx: WriteContext, owner: Owner, draft: Draft, today: date) -> None:
    """Days that have ended keep the version that was in force on them: only an admin may
    give a `from` in the past (and it is audited as backdated)."""
    if not draft.start_given or draft.start >= today or ctx.caller.is_admin:
        return
    whose = (
        ""
        if owner.person is not None and owner.person.id == ctx.caller.person_id
        else f" for {escape(owner.name)}"
    )
    example = f"{ctx.reason_example} from {today.isoformat()}" if ctx.reason_example else None
    raise UserError(
        f"`from {draft.start.isoformat()}` is in the past (today is {format_day(today, today)}{whose}). "
        "Days that have ended keep the goal that was in force on them, so only an admin can start a goal "
        "in the past — give today or a later day, or leave `from` out. Nothing was changed.",
        example,
    )


def _default_start(
    session: Session, ctx: WriteContext, owner: Owner, draft: Draft, today: date
) -> Draft:
    """A goal set without `from` starts with the current period — but never on a day that
    has ended under another version of the same goal: over a version in force it starts
    today (which ends that version yesterday); after one that ended this period, the day
    after it ended. Contests keep their period: they are one competition, not a rate."""
    if draft.start_given or draft.kind == "contest" or draft.start >= today:
        return draft
    covering = goals.overlapping(
        session,
        ctx.caller.workspace_id,
        kind=draft.kind,
        metric=draft.metric,
        period_kind=draft.period_kind.value,
        start=draft.start,
        end=today,
        person_id=owner.person.id if owner.person else None,
        team_id=owner.team.id if owner.is_team and owner.team else None,
    )
    if not covering:
        return draft
    start = max(
        draft.start,
        *(
            today if old.end is None else min(old.end + timedelta(days=1), today)
            for old in covering
        ),
    )
    if draft.end is not None and draft.end < start:
        shown = describe_goal(covering[-1], ctx.catalog, owner.names(), today)
        raise UserError(
            f"Without `from`, this goal would start {format_day(start, today)} — days that have ended keep "
            f"{shown} — which is after the end you gave ({format_day(draft.end, today)}). To end a goal, "
            "remove it. Nothing was changed.",
            f"/goal remove {covering[-1].id} -- why it ends",
        )
    return replace(draft, start=start)


def _insert(
    session: Session,
    ctx: WriteContext,
    owner: Owner,
    draft: Draft,
    reason: str | None,
    backdated: dict[str, bool] | None = None,
) -> Goal:
    goal = goals.add_goal(
        session,
        workspace_id=ctx.caller.workspace_id,
        kind=draft.kind,
        person_id=owner.person.id if owner.person else None,
        team_id=owner.team.id if owner.is_team and owner.team else None,
        metric=draft.metric,
        period_kind=draft.period_kind.value,
        target=draft.target,
        start=draft.start,
        end=draft.end,
        stretch_pct=draft.stretch_pct,
        weights=draft.weights,
        reward=draft.reward,
        prize=draft.prize,
        ramp_last=draft.ramp_last,
        ramp_step=draft.ramp_step,
        origin=draft.origin,
        created_by_id=ctx.caller.person_id,
        created_at=ctx.now,
        idempotency_key=ctx.idempotency_key,
    )
    extra: dict[str, Any] = {"origin": draft.origin} | (backdated or {})
    if ctx.idempotency_key:
        extra["idempotency_key"] = ctx.idempotency_key
    if ctx.request_id:
        extra["request_id"] = ctx.request_id
    audit_write(
        session, ctx, "goal.create", "goal", goal.id, after=goals.state(goal) | extra, reason=reason
    )
    return goal


def _needs_reason(old: Goal, ctx: WriteContext, names: Names, today: date) -> NeedsReason:
    shown = describe_goal(old, ctx.catalog, names, today)
    if ctx.reason_example is None:
        return NeedsReason(
            f"That overlaps {shown}. Remove it first (with a reason), then try again. Nothing was changed.",
            f"/goal remove {old.id} -- replacing it",
            shown,
            old.start <= today,
        )
    why = (
        "has started, so changing it"
        if old.start <= today
        else "covers the same period, so replacing it"
    )
    return NeedsReason(
        f"{shown} {why} needs a reason after `--`. Nothing was changed.",
        f"{ctx.reason_example} -- why it changes",
        shown,
        old.start <= today,
    )


@dataclass(frozen=True)
class _Targets:
    """A version's target period by period: a fixed target, or a ramp (its first target,
    then `step` more each period from the period containing `start` until `last`)."""

    target: int | None
    start: date
    last: int | None = None
    step: int | None = None

    @staticmethod
    def of_goal(goal: Goal) -> _Targets:
        return _Targets(goal.target, goal.start, goal.ramp_last, goal.ramp_step)

    @staticmethod
    def of_draft(draft: Draft) -> _Targets:
        return _Targets(draft.target, draft.start, draft.ramp_last, draft.ramp_step)

    @property
    def is_ramp(self) -> bool:
        return self.target is not None and self.last is not None and bool(self.step)

    def offset(self, kind: PeriodKind, period: Period) -> int:
        """How many periods `period` comes after this version's first one."""
        return periods_between(Period.containing(kind, self.start), period)

    def at(self, kind: PeriodKind, first: Period, index: int) -> int | None:
        """The target `index` periods after `first` (a period on or after the start)."""
        if not self.is_ramp:
            return self.target
        assert self.target is not None and self.last is not None and self.step
        return ramp_target(self.target, self.last, self.step, self.offset(kind, first) + index)

    def turns(self, kind: PeriodKind, first: Period) -> list[int]:
        """The indexes after `first` where a ramp's steps stop (its last full step and the
        period it reaches its last target): between them and after, it is linear."""
        if not self.is_ramp:
            return []
        assert self.target is not None and self.last is not None and self.step
        reached = ramp_length(self.target, self.last, self.step) - 1 - self.offset(kind, first)
        return [reached - 1, reached]


def _lowers(old: Goal, draft: Draft, today: date) -> bool:
    """Whether replacing a started `old` with `draft` asks less of its owner: an end sooner
    than the old one's (nothing is asked after it), or in any period from today (or the
    draft's later start) to where both end, a lower target than the old version would
    have asked then — a lower target now, a descending ramp, a ramp that stops below the
    old ramp's top, a flat target below where an old ramp was heading."""
    if old.start > today:
        return False
    if draft.end is not None and (old.end is None or old.end > draft.end):
        return True
    if old.target is None or draft.target is None:
        return False
    kind = PeriodKind(old.period_kind)
    first = Period.containing(kind, max(today, draft.start, old.start))
    ends = [day for day in (old.end, draft.end) if day is not None]
    span = periods_between(first, Period.containing(kind, min(ends))) if ends else None
    before, after = _Targets.of_goal(old), _Targets.of_draft(draft)
    # Both are linear between the periods where a ramp stops stepping, so the new version
    # asks less somewhere exactly when it does at one of those periods or at either end.
    candidates = {0, *before.turns(kind, first), *after.turns(kind, first)}
    if span is not None:
        candidates.add(span)
    for index in sorted(candidates):
        if index < 0 or (span is not None and index > span):
            continue
        new, was = after.at(kind, first, index), before.at(kind, first, index)
        if new is not None and was is not None and new < was:
            return True
    return False


def _needs_approval(caller: Caller, owner: Owner) -> bool:
    return not caller.is_admin and owner.team is not None and owner.team.approvals


def _request_lowering(
    session: Session,
    ctx: WriteContext,
    owner: Owner,
    draft: Draft,
    reason: str | None,
    lowered: Goal,
) -> GoalRequest:
    assert owner.team is not None
    team_id = persisted_id(owner.team)
    request = goals.add_request(
        session,
        workspace_id=ctx.caller.workspace_id,
        kind="lower",
        team_id=team_id,
        person_id=owner.person.id if owner.person else None,
        goal_id=lowered.id,
        payload=json.dumps({"goal": draft.state(owner), "lowers": lowered.id}),
        reason=reason,
        requested_by_id=ctx.caller.person_id,
        created_at=ctx.now,
        idempotency_key=ctx.idempotency_key,
    )
    audit_write(
        session,
        ctx,
        "goal_request.lower",
        "goal_request",
        request.id,
        before={"goal": goals.state(lowered)},
        after={"goal": draft.state(owner), "lowers": lowered.id, "status": "pending"}
        | ({"idempotency_key": ctx.idempotency_key} if ctx.idempotency_key else {}),
        reason=reason,
    )
    return request


def request_removal(
    session: Session,
    ctx: WriteContext,
    owner: Owner,
    goal: Goal,
    reason: str | None,
    today: date,
    names: Names,
) -> GoalRequest | None:
    """Removing a started goal lowers it to nothing: in a team with approvals on, a
    non-admin's removal waits for an admin like any lowering. None when no approval is
    needed (the caller removes it at once)."""
    _refuse_ended(goal, ctx, today, names)
    if goal.start > today or not _needs_approval(ctx.caller, owner):
        return None
    _require_reason_to_remove(goal, ctx, reason, today, names)
    goal_id = persisted_id(goal)
    request = goals.add_request(
        session,
        workspace_id=ctx.caller.workspace_id,
        kind="remove",
        team_id=owner.team.id if owner.team else None,
        person_id=goal.person_id,
        goal_id=goal_id,
        payload=json.dumps(
            {"goal": {"person_id": goal.person_id, "team_id": goal.team_id}, "removes": goal_id}
        ),
        reason=reason,
        requested_by_id=ctx.caller.person_id,
        created_at=ctx.now,
    )
    audit_write(
        session,
        ctx,
        "goal_request.remove",
        "goal_request",
        request.id,
        before={"goal": goals.state(goal)},
        after={"removes": goal_id, "status": "pending"},
        reason=reason,
    )
    return request


def _require_reason_to_remove(
    goal: Goal, ctx: WriteContext, reason: str | None, today: date, names: Names
) -> None:
    if goal.start <= today and not reason:
        shown = describe_goal(goal, ctx.catalog, names, today)
        raise NeedsReason(
            f"{shown} has started, so removing it needs a reason after `--`. Nothing was changed.",
            f"/goal remove {goal.id} -- why it goes",
            shown,
            True,
        )


def _refuse_ended(goal: Goal, ctx: WriteContext, today: date, names: Names) -> None:
    if goal.end is not None and goal.end < today:
        raise UserError(
            f"{describe_goal(goal, ctx.catalog, names, today)} has ended. Days that have ended keep the goal "
            "that was in force on them, so there is nothing to remove. Nothing was changed.",
            "/goal list",
        )


def remove_goal(
    session: Session, ctx: WriteContext, goal: Goal, reason: str | None, today: date, names: Names
) -> GoalRemoved:
    """Remove a goal from `today` (the owner's date) on; one whose period has started needs a
    reason. A goal that has days behind it ends yesterday and keeps them (a version that
    was in force); one that starts today or later is removed. Returns what happened."""
    _refuse_ended(goal, ctx, today, names)
    _require_reason_to_remove(goal, ctx, reason, today, names)
    goals.lock_owner(
        session, ctx.caller.workspace_id, person_id=goal.person_id, team_id=goal.team_id
    )
    before = goals.state(goal)
    shown = shown_goal(goal, ctx.catalog)
    if goal.start >= today:
        goals.mark_removed(session, goal, ctx.now, ctx.caller.person_id)
        audit_write(
            session,
            ctx,
            "goal.remove",
            "goal",
            goal.id,
            before=before,
            after=goals.state(goal),
            reason=reason,
        )
        return GoalRemoved(shown, names, today)
    end = today - timedelta(days=1)
    goals.end_on(session, goal, end)
    audit_write(
        session,
        ctx,
        "goal.end",
        "goal",
        goal.id,
        before=before,
        after=goals.state(goal) | {"removal": True},
        reason=reason,
    )
    return GoalRemoved(shown, names, today, ended_on=end)


def audit_write(
    session: Session,
    ctx: WriteContext,
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """One audit entry of a goal change, by the caller in `ctx` at its time: direct writes
    and applied decisions are recorded alike."""
    audit.record(
        session,
        workspace_id=ctx.caller.workspace_id,
        at=ctx.now,
        actor_id=ctx.caller.person_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
        reason=reason,
    )


# --- what a write did ---------------------------------------------------------------------------


def created_result(
    created: Created, catalog: MetricCatalog, names: Names, today: date
) -> GoalCreated:
    return GoalCreated(
        goal=shown_goal(created.goal, catalog),
        ended=tuple(shown_goal(old, catalog) for old in created.ended),
        removed=tuple(shown_goal(old, catalog) for old in created.removed),
        names=names,
        today=today,
    )
