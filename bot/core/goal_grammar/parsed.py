"""What a parsed /goal command is: one frozen dataclass per sub-command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from bot.core.mentions import UserRef
from bot.core.metrics import Metric
from bot.core.periods import Period, PeriodKind


@dataclass(frozen=True)
class Who:
    """A person or a team a command is about (exactly one of the two is set)."""

    user: UserRef | None = None
    team: str | None = None


@dataclass(frozen=True)
class GoalSet:
    """A goal of `target` (a count, or cents) per `period`. `who` None is the caller.

    `start`/`end` None: the handler's defaults (the current period; no end).
    `weights` are already checked against `period` (decomposition.weights_kind)."""

    who: Who | None
    metric: Metric
    target: int
    period: PeriodKind
    start: date | None = None
    end: date | None = None
    stretch_pct: int | None = None
    weights: tuple[int, ...] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalEach:
    """A collective goal: every member of `team` must reach `target`; `reward` if all do."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    reward: str | None = None
    start: date | None = None
    end: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalRamp:
    """`first`, then `step` more each period until `last` (a falling ramp has a negative
    step); checked with ramps.check_ramp."""

    user: UserRef
    metric: Metric
    first: int
    last: int
    step: int
    period: PeriodKind
    start: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class GoalContest:
    """Who gets the most of `metric` in `period` (never one that has already ended)."""

    metric: Metric
    period: Period
    team: str | None = None
    prize: str | None = None


@dataclass(frozen=True)
class GoalPlan:
    """The reverse funnel for a revenue target; rates are percentages (1..100)."""

    revenue_cents: int
    period: PeriodKind
    user: UserRef | None = None
    deal_size_cents: int | None = None
    win_rate_pct: Fraction | Decimal | None = None
    demo_rate_pct: Fraction | Decimal | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalSuggest:
    user: UserRef | None
    metric: Metric
    period: PeriodKind = PeriodKind.WEEK


@dataclass(frozen=True)
class GoalSplit:
    """A team's target split one level down: a team without sub-teams to its members at
    once; a team with sub-teams (or `team:all`) between them, previewed until `apply`."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    basis: str = "history"  # one of SPLIT_BASES
    reason: str | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalCascade:
    """A target split all the way down from `team` (`all`: the company): every level between
    its sub-teams, teams without sub-teams to their members; previewed until `apply`."""

    team: str
    metric: Metric
    target: int
    period: PeriodKind
    basis: str = "history"  # one of SPLIT_BASES
    reason: str | None = None
    apply: bool = False


@dataclass(frozen=True)
class GoalPropose:
    metric: Metric
    target: int
    period: PeriodKind
    reason: str | None = None


@dataclass(frozen=True)
class GoalList:
    who: Who | None = None


@dataclass(frozen=True)
class GoalHistory:
    who: Who | None = None


@dataclass(frozen=True)
class GoalRemove:
    """The grammar takes the reason as optional: only the handler knows whether the goal's
    period has started (and so whether a reason is required)."""

    goal_id: int
    reason: str | None = None


@dataclass(frozen=True)
class GoalMetricAdd:
    key: str
    money: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoalHelp:
    pass


@dataclass(frozen=True)
class GoalOpenModal:
    pass


GoalCommand = (
    GoalSet | GoalEach | GoalRamp | GoalContest | GoalPlan | GoalSuggest | GoalSplit
    | GoalCascade | GoalPropose | GoalList | GoalHistory | GoalRemove | GoalMetricAdd | GoalHelp
    | GoalOpenModal
)  # fmt: skip
