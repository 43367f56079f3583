"""One /goal being answered: who asks, through which Slack client, when, with the
workspace's metrics and fiscal year; and the person or team a command names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk import WebClient

from bot.core.amounts import format_amount
from bot.core.goal_grammar import Who
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import PeriodKind
from bot.core.team_grammar import team_key
from bot.services import access
from bot.services.context import Services
from bot.services.goals import owners as goal_owners
from bot.services.goals.owners import Owner
from bot.services.goals.setting import WriteContext
from bot.services.people import Caller
from storage import people, teams, workspaces
from storage.models import Person, Team


@dataclass(frozen=True)
class GoalCall:
    """What every /goal use case needs of the command it answers."""

    services: Services
    client: WebClient
    caller: Caller
    catalog: MetricCatalog
    fiscal_year_start_month: int
    now: datetime

    @property
    def ws(self) -> int:
        return self.caller.workspace_id

    @property
    def today(self) -> date:
        return self.caller.today(self.services.clock)

    def write_context(
        self, reason_example: str | None, *, may_request: bool = True
    ) -> WriteContext:
        return WriteContext(
            self.caller, self.now, self.catalog, reason_example, may_request=may_request
        )


def open_call(services: Services, client: WebClient, caller: Caller) -> GoalCall:
    """The call for `caller`: the workspace's metrics and the first month of its fiscal
    year (the grammar needs both)."""
    catalog = services.catalog(caller.workspace_id)
    with services.db.read() as session:
        fiscal_year_start_month = workspaces.fiscal_year_start_month(session, caller.workspace_id)
    return GoalCall(
        services, client, caller, catalog, fiscal_year_start_month, services.clock.now()
    )


@dataclass(frozen=True)
class NameMatches:
    """Who a name typed without @ (or team:) could be: the active people of that name, and
    the team of that key (looked up only when `team:NAME` would parse)."""

    people: list[Person]
    team: Team | None


def name_matches(services: Services, caller: Caller, name: str, look_for_team: bool) -> NameMatches:
    with services.db.read() as session:
        found = [
            p
            for p in people.by_name(session, caller.workspace_id, name)
            if not p.is_bot and not p.deactivated
        ]
        team = teams.by_key(session, caller.workspace_id, team_key(name)) if look_for_team else None
    return NameMatches(found, team)


def owner_named(call: GoalCall, who: Who | None, example: str) -> Owner:
    """The owner a command names: a team, a person, or (no one named) the caller."""
    if who is not None and who.team is not None:
        with call.services.db.read() as session:
            return goal_owners.team_owner(
                access.team_by_name(session, call.caller, who.team, example)
            )
    person = person_named(call, who.user if who else None)
    with call.services.db.read() as session:
        return goal_owners.person_owner(session, person)


def person_named(call: GoalCall, ref: UserRef | None) -> Person:
    """The person a mention names, or the caller when there is none."""
    if ref is None:
        with call.services.db.read() as session:
            me = people.by_id(session, call.ws, call.caller.person_id)
        assert me is not None
        return me
    return call.services.directory.resolve(call.client, call.ws, ref)


def rate_text(metric: Metric, target: int, period: PeriodKind) -> str:
    """`calls 60/week`, as a command example writes a rate."""
    return f"{metric.key} {format_amount(target, metric)}/{period.value}"
