"""Who a workspace already knows, as the local console needs it: the people linked to Slack
and the teams that post to a channel (told to its stand-in Slack when it starts, so earlier
runs' people keep their ids), and the teams a person leads or is in (its prompt's roles)."""

from __future__ import annotations

from dataclasses import dataclass

from storage import people, teams, workspaces
from storage.db import Database
from storage.models import Person, Team
from storage.rows import persisted_id


@dataclass(frozen=True)
class Roster:
    people: list[Person]  # linked to Slack, oldest first
    channel_teams: list[Team]  # the teams that have a channel


def of_workspace(db: Database, slack_team_id: str) -> Roster | None:
    """The workspace's people and channels; None before it has any data."""
    with db.read() as session:
        ws = workspaces.id_of_slack_team(session, slack_team_id)
        if ws is None:
            return None
        return Roster(people.linked_to_slack(session, ws), teams.with_channels(session, ws))


def team_roles(db: Database, slack_team_id: str, slack_user_id: str) -> tuple[list[str], list[str]]:
    """The names of the teams the Slack user manages, and of those they are a member of
    (both empty for someone the workspace does not know)."""
    with db.read() as session:
        ws = workspaces.id_of_slack_team(session, slack_team_id)
        person = people.by_slack_id(session, ws, slack_user_id) if ws is not None else None
        if ws is None or person is None:
            return [], []
        return teams.names_by_role(session, ws, persisted_id(person))
