"""What a goal would be before it is stored, and how a stored goal is named in a reply.

Apart from the writing rules (bot/services/goals/setting.py) because much more builds and
shows goals than writes them: `/goal`, its modal, plans, splits, cascades and proposals
build a Draft; a waiting request keeps one (in the shape of a stored goal's state, so one
renderer reads both); lists, replies and requests name goals with shown_goal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.goal_results import Names, ShownGoal
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec
from bot.render import goal_replies
from bot.render import goals as goal_text
from bot.services import reports
from bot.services.goals.owners import Owner
from storage.models import Goal


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


def current_start(kind: PeriodKind, today: date, fiscal_year_start_month: int) -> date:
    """A new goal's default start: the start of the current period of its kind."""
    return Period.containing(kind, today, fiscal_year_start_month).start
