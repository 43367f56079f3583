"""What a goal write did, as plain values: the goal services return these and bot/render
draws the reply from them (parse → service → render)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.allocation import History, Suggestion
from bot.core.cascade import Cascade
from bot.core.funnel import FunnelPlan, FunnelRates
from bot.core.metrics import Metric
from bot.core.periods import Period
from bot.core.standings import GoalSpec

# How a reply names goal owners: ("person", id) or ("team", id) → display name.
Names = Mapping[tuple[str, int], str]


@dataclass(frozen=True)
class ShownGoal:
    """A goal (or a goal about to be) as a reply names it."""

    spec: GoalSpec
    metric: Metric


@dataclass(frozen=True)
class GoalCreated:
    """A goal was written: the new version, the versions in force it ended and the ones it
    removed (coming, or starting the same day)."""

    goal: ShownGoal
    ended: tuple[ShownGoal, ...]
    removed: tuple[ShownGoal, ...]
    names: Names
    today: date  # the reader's today: how days are named


@dataclass(frozen=True)
class LoweringAsked:
    """Lowering a started goal waits for an admin: the goal, what it would become, and who
    was asked to decide request `request_id`."""

    lowered: ShownGoal
    new: ShownGoal
    team_name: str
    asked: tuple[str, ...]
    request_id: int | None
    names: Names
    today: date


@dataclass(frozen=True)
class AlreadySet:
    """The same modal submission again: nothing was written."""


GoalWrite = GoalCreated | LoweringAsked | AlreadySet


@dataclass(frozen=True)
class GoalRemoved:
    """A goal removed from `today` (the owner's) on: a coming one is gone (`ended_on` None),
    a started one ended on `ended_on` and keeps the days it was in force."""

    goal: ShownGoal
    names: Names
    today: date
    ended_on: date | None = None


@dataclass(frozen=True)
class Removal:
    """`/goal remove`: done at once (`done`), or waiting for an admin's approval (request
    `request_id`, sent to `asked`). `today` is the caller's."""

    goal: ShownGoal
    names: Names
    today: date
    team_name: str
    done: GoalRemoved | None = None
    request_id: int | None = None
    asked: tuple[str, ...] = ()


# --- goal requests and their decisions ------------------------------------------------------


@dataclass(frozen=True)
class RequestAsks:
    """What a goal request asks, for its headline: who asks (None when no longer known) and
    why, the goal it lowers or removes (None when it is gone: then `goal_id` names it), and
    the goal it asks for (a proposal or lowering; its start and end say when it applies)."""

    kind: str  # proposal | lower | remove
    requester: str | None
    reason: str | None
    goal: ShownGoal | None
    goal_id: int | None
    new: ShownGoal | None
    names: Names
    today: date


@dataclass(frozen=True)
class Decision:
    """What a click did: `result` is what the approval changed (also in the audit trail),
    `headline` what the request asked; the request's copies (`messages`) and the requester
    are told, and a follow-up request (a proposal that lowers a started goal) is posted."""

    request_id: int
    kind: str
    approved: bool
    decider: str
    result: str
    headline: str
    requester_slack_id: str | None
    messages: list[dict[str, str]]
    follow_up: int | None = None


@dataclass(frozen=True)
class AlreadyDecided:
    """A click on a request someone has decided: `decider` is None when no longer known."""

    request_id: int | None
    status: str
    decider: str | None


@dataclass(frozen=True)
class Proposed:
    """A proposal made: request `request_id`, sent to `asked`; `spec` is the goal proposed
    and `owner_today` the rep's local date."""

    request_id: int
    asked: list[str]
    spec: GoalSpec
    owner_today: date


# --- /goal list and /goal history ---------------------------------------------------------------


@dataclass(frozen=True)
class ListedGoal:
    """A live or coming goal in /goal list: who set it and how (set, plan, split, proposal)."""

    goal: ShownGoal
    set_by: str
    origin: str


@dataclass(frozen=True)
class WaitingRequest:
    request_id: int | None
    kind: str


@dataclass(frozen=True)
class GoalListing:
    """The live and coming goals of `title` (Slack-escaped: "you", "team east", a name),
    the names their owners go by, and the requests waiting for a decision."""

    title: str
    goals: tuple[ListedGoal, ...]
    names: Names
    pending: tuple[WaitingRequest, ...]
    today: date


@dataclass(frozen=True)
class GoalVersion:
    """One version of a goal in /goal history: who set it, how and why."""

    goal: ShownGoal
    set_by: str
    origin: str
    reason: str | None


@dataclass(frozen=True)
class GoalChange:
    """One audit event about goals: `before` and `after` are its JSON."""

    at: datetime
    actor: str
    action: str
    subject_id: int | None
    before: str | None
    after: str | None
    reason: str | None


@dataclass(frozen=True)
class GoalTrail:
    """`/goal history` of `title`: every version of the goals and the latest changes in the
    audit trail (`total_changes` in all), with the names of everyone and every team they
    mention."""

    title: str
    versions: tuple[GoalVersion, ...]
    changes: tuple[GoalChange, ...]
    total_changes: int
    names: Names
    today: date


# --- /goal plan, suggest and split -----------------------------------------------------------------


@dataclass(frozen=True)
class RevenuePlan:
    """A revenue target worked down the funnel for one person (`owner_name`, written as
    `owner_command` in a command; `team_name` their team's, "" without one): the rates it
    used (given, or from history over `window` periods) and the deals, demos and calls it
    takes. Applied, `created` holds the goals set (deals, demos, calls); previewed,
    `may_set` says whether the caller could set them."""

    owner_name: str
    owner_command: str
    team_name: str
    is_self: bool
    window: int
    rates: FunnelRates
    result: FunnelPlan
    revenue: Metric
    names: Names
    today: date
    may_set: bool = False
    created: tuple[ShownGoal, ...] = ()


@dataclass(frozen=True)
class TargetSuggestion:
    """A target suggested from the owner's complete `periods`: the history used (periods with
    under half the working days left out, `note` says which) and its median and 80th
    percentile."""

    owner_name: str
    owner_command: str
    is_self: bool
    periods: tuple[Period, ...]
    history: History
    found: Suggestion
    note: str | None
    today: date


@dataclass(frozen=True)
class SplitShare:
    """A member's part of a split: the amount, why (`evenly`, "history, 11 weeks; …"), and
    the goal set (None for a part of 0: no goal)."""

    person_name: str
    amount: int
    basis: str
    goal_id: int | None


@dataclass(frozen=True)
class TeamSplit:
    """A team's target split between its members, at once; `window` periods of history."""

    team_name: str
    shares: tuple[SplitShare, ...]
    window: int


# --- /goal cascade (and /goal split of a team with sub-teams, or of the company) --------------------


@dataclass(frozen=True)
class CascadeRoot:
    """The named team, whose own team goal is the target."""

    id: int | None
    name: str


@dataclass(frozen=True)
class PlannedCascade:
    """A cascade as its text shows it: the plan, the names of its teams and people, why
    each person got their part, and the history window."""

    verb: str  # split | cascade
    command: str  # the command as it would be typed again (without `apply`)
    plan: Cascade
    root: CascadeRoot | None  # None: the company
    team_names: Mapping[int, str]
    person_names: Mapping[int, str]  # display names
    why: Mapping[int, str]  # "history, 11 weeks; 1 left out: …"
    window: int  # how many complete periods of history


@dataclass(frozen=True)
class WrittenGoal:
    """A goal a cascade stored: its ID and target."""

    id: int | None
    target: int | None


# Each goal applying a cascade stored, by the part's key (("team", id) or ("person", id)).
WrittenGoals = Mapping[tuple[str, int], WrittenGoal]


@dataclass(frozen=True)
class CascadePreview:
    """A cascade planned, nothing set yet (until `apply`)."""

    planned: PlannedCascade


@dataclass(frozen=True)
class CascadeApplied:
    """A cascade applied: the goals stored and the display names of the managers told."""

    planned: PlannedCascade
    written: WrittenGoals
    told: tuple[str, ...]


CascadeAnswer = CascadePreview | CascadeApplied
