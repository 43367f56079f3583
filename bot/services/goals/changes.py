"""Setting one goal (`/goal set`, `each`, `ramp`, `contest` and the goal form) and removing
one (`/goal remove`): who owns it, whether the caller may set it, when it starts, then
goal_setting's rules write it. Each returns what it did (bot/core/goal_results) and
bot/render/goal_replies draws the reply."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from slack_sdk import WebClient

from bot.core.amounts import format_amount
from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_grammar import GoalContest, GoalEach, GoalRamp, GoalRemove, GoalSet, Who
from bot.core.goal_results import (
    AlreadySet,
    GoalCreated,
    GoalWrite,
    LoweringAsked,
    Removal,
    ShownGoal,
)
from bot.core.mentions import UserRef
from bot.core.metrics import Metric
from bot.core.periods import PeriodKind
from bot.services import access
from bot.services.context import Services
from bot.services.goals.calls import GoalCall, owner_named, rate_text
from bot.services.goals.decisions import post_request
from bot.services.goals.drafts import Draft, current_start, metric_of, shown_goal
from bot.services.goals.owners import (
    Owner,
    owner_of_goal,
    person_owner,
    require_may_set,
    team_owner,
)
from bot.services.goals.setting import (
    Created,
    Outcome,
    Repeated,
    Requested,
    WriteContext,
    created_result,
    remove_goal,
    request_removal,
    write_goal,
)
from bot.services.people import Caller
from storage import goals, teams, workspaces

# --- /goal set, each, ramp, contest --------------------------------------------------------


def set_goal(call: GoalCall, cmd: GoalSet) -> GoalWrite:
    example = f"/goal set {{who}} {rate_text(cmd.metric, cmd.target, cmd.period)}"
    owner = owner_named(call, cmd.who, example.format(who="@maria"))
    example = example.format(who=owner.command_name)
    kind = "team" if owner.is_team else "individual"
    draft = replace(
        _draft(call, owner, kind, cmd.metric, cmd.target, cmd.period, cmd.start, cmd.end, example),
        stretch_pct=cmd.stretch_pct,
        weights=",".join(map(str, cmd.weights)) if cmd.weights else None,
    )
    return _write_one(call, owner, draft, cmd.reason, example)


def set_each(call: GoalCall, cmd: GoalEach) -> GoalWrite:
    example = f"/goal each team:{cmd.team} {rate_text(cmd.metric, cmd.target, cmd.period)}"
    owner = owner_named(call, Who(team=cmd.team), example)
    draft = replace(
        _draft(
            call,
            owner,
            "collective",
            cmd.metric,
            cmd.target,
            cmd.period,
            cmd.start,
            cmd.end,
            example,
        ),
        reward=cmd.reward,
    )
    return _write_one(call, owner, draft, cmd.reason, example)


def set_ramp(call: GoalCall, cmd: GoalRamp) -> GoalWrite:
    metric = cmd.metric
    shape = (
        f"{metric.key} {format_amount(cmd.first, metric)} to {format_amount(cmd.last, metric)} "
        f"step {format_amount(cmd.step, metric)} per {cmd.period.value}"
    )
    owner = owner_named(call, Who(user=cmd.user), f"/goal ramp @bo {shape}")
    example = f"/goal ramp {owner.command_name} {shape}"
    draft = replace(
        _draft(call, owner, "ramp", metric, cmd.first, cmd.period, cmd.start, None, example),
        ramp_last=cmd.last,
        ramp_step=cmd.step,
    )
    return _write_one(call, owner, draft, cmd.reason, example)


def set_contest(call: GoalCall, cmd: GoalContest) -> GoalWrite:
    example = f"/goal contest {cmd.metric.key} {cmd.period.kind.value} team:east"
    if cmd.team is not None:
        owner = owner_named(call, Who(team=cmd.team), example)
    else:
        with call.services.db.read() as session:
            home = access.home_team(session, call.caller)
        if home is None:
            raise UserError("Name the team whose people compete, as team:NAME.", example)
        owner = team_owner(home)
    with call.services.db.read() as session:
        require_may_set(session, call.caller, owner, example)
    draft = Draft(
        kind="contest",
        metric=cmd.metric.key,
        period_kind=cmd.period.kind,
        target=None,
        start=cmd.period.start,
        end=cmd.period.end,
        prize=cmd.prize,
    )
    # A contest takes no `--` note, so an overlap names the contest to remove instead.
    return _write_one(call, owner, draft, None, None)


def _draft(
    call: GoalCall,
    owner: Owner,
    kind: str,
    metric: Metric,
    target: int,
    period: PeriodKind,
    start: date | None,
    end: date | None,
    example: str,
) -> Draft:
    """The goal as it would be stored: authorized, and starting with the current period
    in the owner's time unless a start was given (goal_setting.write_goal moves a default
    start to today when the goal has a version in force, and refuses a non-admin's start
    in the past)."""
    with call.services.db.read() as session:
        require_may_set(session, call.caller, owner, example)
    first = start or current_start(
        period, owner.today(call.services.clock), call.fiscal_year_start_month
    )
    if end is not None and end < first:
        raise UserError(
            f"The goal would end ({end.isoformat()}) before it starts ({first.isoformat()}).",
            f"{example} from {end.isoformat()}",
        )
    return Draft(
        kind=kind,
        metric=metric.key,
        period_kind=period,
        target=target,
        start=first,
        end=end,
        start_given=start is not None,
    )


def _write_one(
    call: GoalCall, owner: Owner, draft: Draft, reason: str | None, example: str | None
) -> GoalWrite:
    with call.services.db.write() as session:
        outcome = write_goal(
            session,
            call.write_context(example),
            owner,
            draft,
            reason,
            owner.today(call.services.clock),
        )
    return settle_write(call.services, call.client, call.caller, owner, draft, outcome)


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


# --- the goal form ---------------------------------------------------------------------------


def form_teams(services: Services, caller: Caller) -> list[tuple[int, str]]:
    """The teams the goal form offers (id, name): every team to an admin, a manager's own;
    refused to a rep, who proposes instead."""
    with services.db.read() as session:
        managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
        if not caller.is_admin and not managed:
            raise PermissionDenied(
                "Managers set goals; you can propose your own and your manager approves it.",
                "/goal propose calls 60/week -- I have more leads now",
            )
        return [
            (t.id or 0, t.name)
            for t, _ in teams.all_teams(session, caller.workspace_id)
            if caller.is_admin or t.id in managed
        ]


@dataclass(frozen=True)
class GoalForm:
    """The goal form's fields, checked: a person (Slack user id) or a team (id), the rate,
    an optional start and reason, and the form's view id (Slack may deliver one
    submission twice: the view id sets once)."""

    user_id: str | None
    team_id: int | None
    metric: Metric
    period: PeriodKind
    target: int
    start: date | None
    reason: str | None
    view_id: str


def set_from_form(
    services: Services, client: WebClient, caller: Caller, form: GoalForm
) -> GoalCreated | LoweringAsked | None:
    """Set the form's goal under the same rules as `/goal set`: what the app DM confirms, or
    None when this submission was already set. PermissionDenied is about the
    owner, NeedsReason about the reason, any other UserError about the rate."""
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    owner = _form_owner(services, client, ws, form)
    now = services.clock.now()
    with services.db.read() as session:
        require_may_set(session, caller, owner, "/goal")
        fsm = workspaces.fiscal_year_start_month(session, ws)
    today = owner.today(services.clock)
    draft = Draft(
        kind="team" if owner.is_team else "individual",
        metric=form.metric.key,
        period_kind=form.period,
        target=form.target,
        start=form.start or current_start(form.period, today, fsm),
        start_given=form.start is not None,
        origin="modal",
    )
    ctx = WriteContext(
        caller, now, catalog, "/goal set", idempotency_key=f"modal:{ws}:{form.view_id}"
    )
    with services.db.write() as session:
        outcome = write_goal(session, ctx, owner, draft, form.reason, today)
    if isinstance(outcome, Repeated):
        return None
    written = settle_write(services, client, caller, owner, draft, outcome)
    assert not isinstance(written, AlreadySet)
    return written


def _form_owner(services: Services, client: WebClient, ws: int, form: GoalForm) -> Owner:
    if form.user_id:
        person = services.directory.resolve(client, ws, UserRef(form.user_id, None))
        with services.db.read() as session:
            return person_owner(session, person)
    with services.db.read() as session:
        team = teams.by_id(session, ws, form.team_id) if form.team_id is not None else None
    if team is None:
        raise PermissionDenied("That team no longer exists — pick another.", "/goal")
    return team_owner(team)


# --- /goal remove -------------------------------------------------------------------------------


def remove(call: GoalCall, cmd: GoalRemove) -> Removal:
    """Remove a goal, or (a started one in a team with approvals on, by a non-admin) ask an
    admin to."""
    example = f"/goal remove {cmd.goal_id} -- why it goes"
    with call.services.db.write() as session:
        goal = goals.by_id(session, call.ws, cmd.goal_id)
        if goal is None or goal.removed_at is not None:
            raise UserError(
                f"There is no goal #{cmd.goal_id} here — `/goal list` shows the IDs.", "/goal list"
            )
        owner = owner_of_goal(session, call.ws, goal)
        require_may_set(session, call.caller, owner, example)
        names = owner.names()
        shown = shown_goal(goal, call.catalog)
        write_ctx = call.write_context(example)
        owner_today = owner.today(call.services.clock)
        request = request_removal(session, write_ctx, owner, goal, cmd.reason, owner_today, names)
        if request is None:
            done = remove_goal(session, write_ctx, goal, cmd.reason, owner_today, names)
    team_name = owner.team.name if owner.team else ""
    if request is None:  # a removal waiting for approval changes nobody's goals yet
        person_id = owner.person.id if owner.person else None
        call.services.home_changed(call.ws, (call.caller.person_id, person_id))
        return Removal(shown, names, call.today, team_name, done=done)
    asked = post_request(call.services, call.client, call.ws, request.id or 0, call.today)
    return Removal(shown, names, call.today, team_name, request_id=request.id, asked=tuple(asked))
