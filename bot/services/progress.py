"""/progress: where a person or a team (everyone below it counted) stands in a period, from
the read model, once the caller may see it: reps their own numbers, managers their teams'
and their people's, admins everyone's (bot.services.access)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from slack_sdk import WebClient

from bot.core.mentions import UserRef
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period
from bot.core.standings import Standing, TeamStandings
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import entries, people, teams
from storage.models import Person
from storage.rows import persisted_id


@dataclass(frozen=True)
class PersonProgress:
    name: str  # the person's display name
    is_caller: bool
    today: date  # in their team's zone (their own without a team)
    standings: list[Standing]
    # Without goals in the period: what they logged of each of the catalog's metrics.
    logged: Mapping[str, int]
    catalog: MetricCatalog


@dataclass(frozen=True)
class TeamProgress:
    scope: reports.Scope
    report: TeamStandings
    today: date  # in the team's zone
    catalog: MetricCatalog


def person_progress(
    services: Services, client: WebClient, caller: Caller, user: UserRef | None, view: Period
) -> PersonProgress:
    """The caller's own progress, or (`user`) someone they act for; a person never seen
    is looked up in Slack first. UserError when they may not see it."""
    now = services.clock.now()
    person: Person | None
    with services.db.read() as session:
        if user is not None:
            person = services.directory.resolve(client, caller.workspace_id, user)
            access.require_person_details(session, caller, person)
        else:
            person = people.by_id(session, caller.workspace_id, caller.person_id)
        assert person is not None
        person_id = persisted_id(person)
        team = teams.team_of(session, caller.workspace_id, person_id)
        catalog = services.catalog(caller.workspace_id)
        today = reports.team_facts(team, person.tz, now).today
        found = reports.person_report(session, caller.workspace_id, person, team, view, now)
        logged = (
            {}
            if found
            else entries.totals(
                session, caller.workspace_id, person_id, catalog.keys, view.start, view.end
            )
        )
    return PersonProgress(
        reports.display_name(person), person_id == caller.person_id, today, found, logged, catalog
    )


def team_progress(services: Services, caller: Caller, name: str, view: Period) -> TeamProgress:
    """Everyone's progress in a team and the teams below it (`all`: the company), for its
    managers and those above it and admins (the company's: admins). UserError otherwise."""
    now = services.clock.now()
    with services.db.read() as session:
        chosen = access.scope_by_name(session, caller, name, "/progress team:east")
        access.require_scope_details(session, caller, chosen)
        catalog = services.catalog(caller.workspace_id)
        report = reports.rollup_report(session, caller.workspace_id, chosen, view, now)
    return TeamProgress(chosen, report, reports.team_facts(chosen.team, None, now).today, catalog)
