"""Writing goals: creating one under the overlap rules, removing one, requests that wait for
a decision (a rep's proposal, lowering a started goal) and applying those decisions.

Shared by `/goal`, its modal and the Approve / Reject buttons so that every path follows
the same governance: every change is audited with before, after, actor and reason; a goal
that overlaps another (same owner, metric and period kind) replaces it only with a reason;
lowering (or ending) a started goal in a team with approvals on waits for an admin.

Goals have versions: a version is a Goal row, and a goal is the rows of one owner, metric
and period kind (a person's individual and ramp rows are one goal). A change never touches
a day that has ended: setting over a goal in force, removing it, lowering it and approving
a request all end the version in force on the day before the new one starts, in the
owner's time zone. Only an admin's explicit `from DATE` in the past reaches back, and it is
audited as backdated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.clock import Clock, local_today
from bot.core.dates import format_day
from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_results import (
    AlreadyDecided,
    AlreadySet,
    Decision,
    GoalCreated,
    GoalRemoved,
    GoalWrite,
    LoweringAsked,
    Names,
    RequestAsks,
    ShownGoal,
)
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import periods_between, ramp_length, ramp_target
from bot.core.standings import GoalSpec
from bot.render import goal_replies
from bot.render import goals as goal_text
from bot.render.text import escape
from bot.services import later, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, goals, people, teams
from storage.models import Goal, GoalRequest, Person, Team
from storage.rows import persisted_id

log = logging.getLogger(__name__)


class NeedsReason(UserError):
    """A change refused only for want of a `-- reason` (the modal shows it by that field)."""

    def __init__(self, message: str, example: str | None, goal: str, started: bool) -> None:
        super().__init__(message, example)
        self.goal = goal  # the goal in the way, described
        self.started = started


# --- whose goal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """A goal's owner: a person or a team, with what governance needs of it."""

    person: Person | None
    team: Team | None  # the team itself, or the person's team (managers, approvals)

    @property
    def is_team(self) -> bool:
        return self.person is None

    @property
    def name(self) -> str:
        if self.person is not None:
            return reports.display_name(self.person)
        assert self.team is not None
        return f"team {self.team.name}"

    @property
    def tz(self) -> str | None:
        if self.person is not None:
            return self.person.tz
        assert self.team is not None
        return self.team.tz

    @property
    def command_name(self) -> str:
        """How a command example names the owner: `@maria` or `team:east`."""
        if self.person is not None:
            return f"@{self.person.name}"
        assert self.team is not None
        return f"team:{self.team.name}"

    def today(self, clock: Clock) -> date:
        """ "Today" where the owner is: a goal starts and is "started" in their time."""
        return local_today(clock, self.tz)

    def names(self) -> dict[tuple[str, int], str]:
        found: dict[tuple[str, int], str] = {}
        if self.person is not None and self.person.id is not None:
            found[("person", self.person.id)] = reports.display_name(self.person)
        if self.team is not None and self.team.id is not None:
            found[("team", self.team.id)] = self.team.name
        return found


def person_owner(session: Session, person: Person) -> Owner:
    person_id = persisted_id(person)
    if person.is_bot or person.deactivated:
        what = "a bot" if person.is_bot else "deactivated"
        raise UserError(
            f"{reports.display_name(person)} is {what} and cannot have goals.", "/goal list"
        )
    return Owner(person, teams.team_of(session, person.workspace_id, person_id))


def team_owner(team: Team) -> Owner:
    return Owner(None, team)


def owner_of_goal(session: Session, workspace_id: int, goal: Goal) -> Owner:
    if goal.person_id is not None:
        person = people.by_id(session, workspace_id, goal.person_id)
        assert person is not None
        return Owner(person, teams.team_of(session, workspace_id, goal.person_id))
    assert goal.team_id is not None
    team = teams.by_id(session, workspace_id, goal.team_id)
    assert team is not None
    return Owner(None, team)


def require_may_set(session: Session, caller: Caller, owner: Owner, example: str) -> None:
    """Admins set goals for anyone; managers for their teams and their members; reps propose."""
    if caller.is_admin:
        return
    managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
    if owner.team is not None and owner.team.id in managed:
        return
    if owner.person is not None and owner.person.id == caller.person_id:
        raise PermissionDenied(
            "Your goals are set by your manager — propose one and they approve it.",
            "/goal propose calls 60/week -- I have more leads now",
        )
    if owner.person is not None:
        raise PermissionDenied(
            f"Only an admin or a manager of {escape(owner.name)}'s team can set their goals. "
            "Nothing was changed.",
            example,
        )
    raise PermissionDenied(
        f"Only an admin or a manager of {escape(owner.name)} can set its goals. Nothing was changed.",
        example,
    )


def current_start(kind: PeriodKind, today: date, fiscal_year_start_month: int) -> date:
    """A new goal's default start: the start of the current period of its kind."""
    return Period.containing(kind, today, fiscal_year_start_month).start


# --- what a goal would be ----------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A goal before it is stored (or while it waits in a request)."""

    kind: str  # individual | team | collective | ramp | contest
    metric: str
    period_kind: PeriodKind
    target: int | None
    start: date
    end: date | None = None
    stretch_pct: int | None = None
    weights: str | None = None
    reward: str | None = None
    prize: str | None = None
    ramp_last: int | None = None
    ramp_step: int | None = None
    origin: str = "set"
    # Whether `start` was given (`from DATE`, or an approval's decision day) rather than the
    # default, the start of the current period: a default start moves to today when the
    # goal already has a version in force (see write_goal).
    start_given: bool = False

    def state(self, owner: Owner) -> dict[str, Any]:
        """The same shape as storage.goals.state, so one renderer reads both."""
        given = {"start_given": True} if self.start_given else {}
        return given | {
            "kind": self.kind,
            "person_id": owner.person.id if owner.person else None,
            "team_id": owner.team.id if owner.is_team and owner.team else None,
            "metric": self.metric,
            "period": self.period_kind.value,
            "target": self.target,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "stretch_pct": self.stretch_pct,
            "weights": self.weights,
            "reward": self.reward,
            "prize": self.prize,
            "ramp_last": self.ramp_last,
            "ramp_step": self.ramp_step,
            "origin": self.origin,
        }

    @staticmethod
    def from_state(state: Mapping[str, Any]) -> Draft:
        return Draft(
            kind=state["kind"],
            metric=state["metric"],
            period_kind=PeriodKind(state["period"]),
            target=state.get("target"),
            start=date.fromisoformat(state["start"]),
            end=date.fromisoformat(state["end"]) if state.get("end") else None,
            stretch_pct=state.get("stretch_pct"),
            weights=state.get("weights"),
            reward=state.get("reward"),
            prize=state.get("prize"),
            ramp_last=state.get("ramp_last"),
            ramp_step=state.get("ramp_step"),
            origin=state.get("origin") or "set",
            start_given=bool(state.get("start_given")),
        )

    def spec(self, owner: Owner) -> GoalSpec:
        return goal_text.spec_from_state(self.state(owner))


def describe_goal(goal: Goal, catalog: MetricCatalog, names: Names, today: date) -> str:
    return goal_replies.shown(shown_goal(goal, catalog), names, today)


def shown_goal(goal: Goal, catalog: MetricCatalog) -> ShownGoal:
    """A stored goal as a reply names it (bot/render draws it)."""
    return ShownGoal(reports.goal_spec(goal), metric_of(catalog, goal.metric))


def metric_of(catalog: MetricCatalog, key: str) -> Metric:
    return catalog.lookup(key) or Metric(key)


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
        _audit(session, ctx, action, "goal", old.id, before=before, after=after, reason=reason)
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
    _audit(
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
    _audit(
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
    _audit(
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
        _audit(
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
    _audit(
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


def _audit(
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


def settle_write(
    services: Services,
    client: WebClient,
    caller: Caller,
    owner: Owner,
    draft: Draft,
    outcome: Outcome,
) -> GoalWrite:
    """After a write: refresh the App Homes it changes and send a lowering request to whoever
    decides it; returns what bot/render.goal_replies draws the reply (or the modal's DM) from."""
    today = caller.today(services.clock)
    catalog = services.catalog(caller.workspace_id)
    names = owner.names()
    services.home_changed(
        caller.workspace_id, (caller.person_id, owner.person.id if owner.person else None)
    )
    if isinstance(outcome, Repeated):
        return AlreadySet()
    if isinstance(outcome, Requested):
        asked = post_request(services, client, caller.workspace_id, outcome.request.id or 0, today)
        return LoweringAsked(
            lowered=shown_goal(outcome.lowered, catalog),
            new=ShownGoal(draft.spec(owner), metric_of(catalog, draft.metric)),
            team_name=owner.team.name if owner.team else "",
            asked=tuple(asked),
            request_id=outcome.request.id,
            names=names,
            today=today,
        )
    assert isinstance(outcome, Created)
    return created_result(outcome, catalog, names, today)


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


# --- proposals and who decides -------------------------------------------------------------


def env_admin_ids(services: Services) -> frozenset[str]:
    """The Slack user ids PACELINE_ADMINS makes admins (the Directory holds them)."""
    return services.directory.admin_ids


class Asking(Protocol):
    """What choosing a request's deciders reads of it: a stored GoalRequest, or one about
    to be made."""

    @property
    def workspace_id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def team_id(self) -> int | None: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def requested_by_id(self) -> int: ...


@dataclass(frozen=True)
class _NewRequest:
    """A request before it is stored (its deciders are found first)."""

    workspace_id: int
    kind: str
    team_id: int | None
    person_id: int | None
    requested_by_id: int


def deciding_team(session: Session, request: Asking) -> Team | None:
    """The team whose managers decide a proposal: the rep's team *now* — a rep who moved
    since proposing is decided by their new team's managers, and one in no team by the
    admins (GoalRequest.team_id is the team at the time of the request, and stays so for
    the record). A team's own goal: that team."""
    ws = request.workspace_id
    if request.person_id is not None:
        return teams.team_of(session, ws, request.person_id)
    return teams.by_id(session, ws, request.team_id) if request.team_id is not None else None


def deciders(session: Session, services: Services, request: Asking) -> list[Person]:
    """Who is asked: a proposal goes to the managers of the rep's team now (or, without
    any, to the admins); lowering or removing a started goal goes to the admins. Never
    the requester."""
    ws = request.workspace_id
    found: list[Person] = []
    if request.kind == "proposal":
        team = deciding_team(session, request)
        if team is not None and team.id is not None:
            found = teams.managers(session, ws, team.id)
    if not found:
        found = goals.admins(session, ws, env_admin_ids(services))
    return [
        p
        for p in found
        if p.id != request.requested_by_id
        and p.slack_user_id
        and not p.is_bot
        and not p.deactivated
    ]


def may_decide(session: Session, caller: Caller, request: GoalRequest) -> bool:
    """Admins decide every request but their own; a manager decides the proposals of the
    reps in their team now (not of a rep who has moved to another team since proposing)."""
    if caller.person_id == request.requested_by_id:
        return False
    if caller.is_admin:
        return True
    if request.kind != "proposal":
        return False
    team = deciding_team(session, request)
    return team is not None and team.id in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    )


def create_proposal(
    session: Session,
    services: Services,
    ctx: WriteContext,
    owner: Owner,
    draft: Draft,
    reason: str | None,
) -> tuple[GoalRequest, list[Person]]:
    """A rep's own goal, waiting for a manager. Refused when nobody could approve it. A
    second proposal under the WriteContext's idempotency key fails on the unique index."""
    assert owner.person is not None
    person_id = persisted_id(owner.person)
    proposal = _NewRequest(
        workspace_id=ctx.caller.workspace_id,
        kind="proposal",
        team_id=owner.team.id if owner.team else None,
        person_id=person_id,
        requested_by_id=ctx.caller.person_id,
    )
    asked = deciders(session, services, proposal)
    if not asked:
        where = (
            f"Team {escape(owner.team.name)} has no manager"
            if owner.team
            else "You are not in a team"
        )
        raise UserError(
            f"{where} and no admin has used Paceline yet, so nobody could approve a proposal. "
            "Ask an admin to add a manager.",
            "/team manager east @dana",
        )
    request = goals.add_request(
        session,
        workspace_id=proposal.workspace_id,
        kind=proposal.kind,
        team_id=proposal.team_id,
        person_id=proposal.person_id,
        payload=json.dumps({"goal": draft.state(owner)}),
        reason=reason,
        requested_by_id=proposal.requested_by_id,
        created_at=ctx.now,
        idempotency_key=ctx.idempotency_key,
    )
    _audit(
        session,
        ctx,
        "goal_request.propose",
        "goal_request",
        request.id,
        after={"goal": draft.state(owner), "status": "pending"},
        reason=reason,
    )
    return request, asked


# --- the messages with buttons ----------------------------------------------------------------


def request_asks(
    session: Session, services: Services, request: GoalRequest, today: date
) -> RequestAsks:
    """What a request asks, for its headline (goal_replies.request_headline draws it)."""
    ws = request.workspace_id
    catalog = services.catalog(ws)
    payload = json.loads(request.payload)
    owner = _owner_from_state(session, ws, payload["goal"])
    requester = people.by_id(session, ws, request.requested_by_id)
    new: ShownGoal | None = None
    old: Goal | None = None
    if request.kind == "remove":
        old = goals.by_id(session, ws, payload.get("removes") or request.goal_id or 0)
    else:
        draft = Draft.from_state(payload["goal"])
        new = ShownGoal(draft.spec(owner), metric_of(catalog, draft.metric))
        if request.kind == "lower":
            old = goals.by_id(session, ws, payload.get("lowers") or request.goal_id or 0)
    return RequestAsks(
        kind=request.kind,
        requester=reports.display_name(requester) if requester else None,
        reason=request.reason,
        goal=shown_goal(old, catalog) if old else None,
        goal_id=request.goal_id,
        new=new,
        names=owner.names(),
        today=today,
    )


def _owner_from_state(session: Session, workspace_id: int, state: Mapping[str, Any]) -> Owner:
    if state.get("person_id") is not None:
        person = people.by_id(session, workspace_id, int(state["person_id"]))
        if person is None:
            raise UserError("The person this request is about is no longer known.", "/goal list")
        return Owner(person, teams.team_of(session, workspace_id, int(state["person_id"])))
    team = teams.by_id(session, workspace_id, int(state["team_id"]))
    if team is None:
        raise UserError("The team this request is about no longer exists.", "/goal list")
    return Owner(None, team)


def post_request(
    services: Services, client: WebClient, workspace_id: int, request_id: int, today: date
) -> list[str]:
    """DM the request, with Approve / Reject, to everyone who may decide it, and remember
    every copy so all of them can be updated once someone decides. Returns who is asked.

    In a listener's answer (bot/services/later.py) the DMs go out after the answer, one Slack
    call each: the reply names everyone asked, and a follow-up through the response URL
    names anyone Slack could not reach (the request waits for them on their App Home).
    Elsewhere they go out at once and only those reached are returned."""
    with services.db.read() as session:
        request = goals.request_by_id(session, workspace_id, request_id)
        assert request is not None
        asked = deciders(session, services, request)
        headline = goal_replies.request_headline(request_asks(session, services, request, today))
    details = goal_replies.request_details(request.kind, request_id)
    text, blocks = goal_text.request_message(headline, [details], request_id)

    def deliver(client: WebClient) -> list[str]:
        posted: list[dict[str, str]] = []
        names: list[str] = []
        for person in asked:
            channel = person.slack_user_id
            if not channel:  # deciders() keeps only people Slack can reach
                continue
            try:
                answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as error:
                log.warning(
                    "could not send goal request %s to %s: %s",
                    request_id,
                    channel,
                    error.response.get("error"),
                )
                continue
            posted.append({"channel": answer["channel"], "ts": answer["ts"]})
            names.append(reports.display_name(person))
        if posted:
            with services.db.write() as session:
                stored = goals.request_by_id(session, workspace_id, request_id)
                assert stored is not None
                goals.set_request_messages(session, stored, posted)
        services.home_changed(workspace_id, (p.id for p in asked))
        return names

    if not later.deferring():
        return deliver(client)
    everyone = [reports.display_name(p) for p in asked]

    def deliver_after_answer(client: WebClient, respond: Respond | None) -> None:
        reached = deliver(client)
        missed = [name for name in everyone if name not in reached]
        if missed:
            later.tell(respond, goal_replies.unreached_deciders_text(request_id, missed))

    later.after_answer(deliver_after_answer)
    return everyone


REQUEST_KIND_LABELS = goal_replies.REQUEST_KIND_LABELS


# --- deciding ----------------------------------------------------------------------------------


def decide(
    services: Services, caller: Caller, request_id: int, approve: bool
) -> Decision | AlreadyDecided:
    """Approve or reject a request in one transaction: claim it (a second click finds it
    decided), apply the change, audit both. PermissionDenied/UserError change nothing."""
    now = services.clock.now()
    today = caller.today(services.clock)
    catalog = services.catalog(caller.workspace_id)
    ws = caller.workspace_id
    with services.db.write() as session:
        request = goals.request_by_id(session, ws, request_id)
        if request is None:
            raise UserError(f"Request #{request_id} is unknown here.", "/goal list")
        if request.status != "pending":
            return _already_decided(session, request)
        if not may_decide(session, caller, request):
            raise PermissionDenied(_not_yours(session, request, caller), None)
        headline = goal_replies.request_headline(request_asks(session, services, request, today))
        status = "approved" if approve else "rejected"
        if not goals.claim_decision(session, ws, request_id, status, caller.person_id, now):
            session.expire(request)
            return _already_decided(session, request)
        ctx = WriteContext(caller, now, catalog, reason_example=None, request_id=request_id)
        payload = json.loads(request.payload)
        follow_up: int | None = None
        if approve:
            result, follow_up = _apply(session, services, ctx, request, payload, today)
        else:
            result = goal_replies.REJECTED_RESULT
        _audit(
            session,
            ctx,
            f"goal_request.{'approve' if approve else 'reject'}",
            "goal_request",
            request_id,
            before={"goal": payload["goal"], "status": "pending"},
            after={"goal": payload["goal"], "status": status, "result": result},
            reason=request.reason,
        )
        requester = people.by_id(session, ws, request.requested_by_id)
        messages = json.loads(request.messages or "[]")
    services.home_changed(ws, (caller.person_id, request.requested_by_id, request.person_id))
    return Decision(
        request_id=request_id,
        kind=request.kind,
        approved=approve,
        decider=caller.name,
        result=result,
        headline=headline,
        requester_slack_id=requester.slack_user_id if requester else None,
        messages=messages,
        follow_up=follow_up,
    )


def _apply(
    session: Session,
    services: Services,
    ctx: WriteContext,
    request: GoalRequest,
    payload: dict,
    today_caller: date,
) -> tuple[str, int | None]:
    """Make the approved change; the text says what happened."""
    ws = ctx.caller.workspace_id
    owner = _owner_from_state(session, ws, payload["goal"])
    today = owner.today(services.clock)
    names = owner.names()
    if request.kind == "remove":
        return _apply_removal(session, ctx, request, payload, today, today_caller, names), None
    draft = Draft.from_state(payload["goal"])
    if request.kind == "lower":
        lowered = goals.by_id(session, ws, int(payload.get("lowers") or request.goal_id or 0))
        if lowered is None or lowered.removed_at is not None:
            raise UserError(
                f"Goal #{request.goal_id} was removed since this request was made — reject it instead.",
                None,
            )
    # An approval takes effect when it is decided (the owner's today), or from the later
    # start the request named — never earlier: days that have ended, and whatever version
    # was set for them since the request was made, stay as they were.
    draft = replace(draft, start=max(draft.start, today), start_given=True)
    if draft.end is not None and draft.end < draft.start:
        raise UserError(
            f"This request asked for a goal until {format_day(draft.end, today_caller)}, which has passed — "
            "reject it instead.",
            None,
        )
    # The decider's approval stands in for the reason a replacement needs.
    reason = request.reason or f"request #{request.id} approved by {ctx.caller.name}"
    if request.kind == "proposal":
        draft = replace(draft, origin="proposal")
    outcome = write_goal(session, ctx, owner, draft, reason, today)
    if isinstance(outcome, Requested):
        waiting = shown_goal(outcome.lowered, ctx.catalog)
        return goal_replies.lowering_waits_text(
            waiting, names, today_caller, outcome.request.id
        ), outcome.request.id
    assert isinstance(outcome, Created)
    return goal_replies.created_result_text(
        created_result(outcome, ctx.catalog, names, today_caller)
    ), None


def _apply_removal(
    session: Session,
    ctx: WriteContext,
    request: GoalRequest,
    payload: dict,
    today: date,
    today_caller: date,
    names: Names,
) -> str:
    goal = goals.by_id(
        session, ctx.caller.workspace_id, int(payload.get("removes") or request.goal_id or 0)
    )
    if goal is None or goal.removed_at is not None:
        return goal_replies.already_removed_text(request.goal_id)
    if goal.end is not None and goal.end < today:
        return goal_replies.already_ended_text(goal.id, goal.end, today_caller)
    reason = request.reason or f"request #{request.id} approved by {ctx.caller.name}"
    return goal_replies.removed_text(remove_goal(session, ctx, goal, reason, today, names))


def _already_decided(session: Session, request: GoalRequest) -> AlreadyDecided:
    decider = (
        people.by_id(session, request.workspace_id, request.decided_by_id)
        if request.decided_by_id
        else None
    )
    return AlreadyDecided(
        request.id, request.status, reports.display_name(decider) if decider else None
    )


def _not_yours(session: Session, request: GoalRequest, caller: Caller) -> str:
    if caller.person_id == request.requested_by_id:
        return "You can't decide your own request — someone else approves it. Nothing was changed."
    if request.kind == "lower":
        return "Only a workspace admin can approve lowering a started goal. Nothing was changed."
    if request.kind == "remove":
        return "Only a workspace admin can approve removing a started goal. Nothing was changed."
    now = deciding_team(session, request)
    if (
        request.person_id is not None
        and request.team_id is not None
        and (now is None or now.id != request.team_id)
    ):
        # The rep moved since proposing: their team then no longer decides.
        rep = people.by_id(session, request.workspace_id, request.person_id)
        then = teams.by_id(session, request.workspace_id, request.team_id)
        who = escape(reports.display_name(rep)) if rep else "The rep"
        was = f"team {escape(then.name)}" if then else "the team they proposed from"
        if now is None:
            return (
                f"{who} is no longer in {was}, so only a workspace admin can decide this proposal now. "
                "Nothing was changed."
            )
        return (
            f"{who} has moved from {was} to team {escape(now.name)} since proposing this, so only a manager "
            f"of {escape(now.name)} or an admin can decide it now. Nothing was changed."
        )
    return "Only a manager of the rep's team or an admin can decide this proposal. Nothing was changed."


def announce_decision(
    services: Services, client: WebClient, decider: Caller, decision: Decision
) -> None:
    """After the answer: the outcome on every copy of the request, the requester's DM, and a
    follow-up request (a proposal that lowers a started goal) to whoever decides it."""
    today = decider.today(services.clock)

    def show(client: WebClient, _respond: Respond | None) -> None:
        finish_decision(client, decision)
        if decision.follow_up is not None:
            post_request(services, client, decider.workspace_id, decision.follow_up, today)

    later.after_answer(show, client)


def finish_decision(client: WebClient, decision: Decision) -> None:
    """Show the outcome on every copy of the request (no more buttons) and tell the requester."""
    text, blocks = goal_text.decided_message(
        decision.headline, goal_replies.decision_outcome(decision)
    )
    for message in decision.messages:
        try:
            client.chat_update(
                channel=message["channel"], ts=message["ts"], text=text, blocks=blocks
            )
        except SlackApiError as error:
            log.warning(
                "could not update request %s message: %s",
                decision.request_id,
                error.response.get("error"),
            )
    if decision.requester_slack_id:
        try:
            client.chat_postMessage(
                channel=decision.requester_slack_id,
                text=goal_replies.decision_requester_text(decision),
            )
        except SlackApiError as error:
            log.warning(
                "could not tell the requester of %s: %s",
                decision.request_id,
                error.response.get("error"),
            )
