"""What the jobs take from a team's week (bot.services.team_weeks reads it): who of its
members a DM can go to, whose numbers count, and each member's goals in the report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bot.core.standings import Standing, TeamStandings
from bot.services.records import Person
from bot.services.team_weeks import StoredRow


def reachable(person: Person | StoredRow) -> bool:
    """Someone a DM can go to: a Slack user who is neither deactivated nor a bot."""
    return bool(person.slack_user_id) and not person.is_bot and not person.deactivated


def active(person: Person | StoredRow) -> bool:
    """Someone whose numbers count in a manager's view (imported people without a Slack
    account included, people who left or bots not)."""
    return not person.is_bot and not person.deactivated


def standings_by_person(report: TeamStandings) -> dict[int, list[Standing]]:
    """Each member's goals in the report: their own (individual and ramp) goals first, then
    their part of each all-or-nothing goal, in goal order."""
    found: dict[int, list[Standing]] = defaultdict(list)
    for standing in _person_standings(report):
        if standing.owner_id is not None:
            found[standing.owner_id].append(standing)
    return dict(found)


def _person_standings(report: TeamStandings) -> Iterable[Standing]:
    yield from report.members
    for collective in report.collectives:
        yield from collective.members
