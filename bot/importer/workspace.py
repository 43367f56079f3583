"""Which workspace an import or export is about: `--workspace`, else the bot token's, else
the only one in the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.importer.slack_users import workspace_of_token
from storage import imports
from storage.db import Database

_TEAM_ID = re.compile(r"[TE][A-Z0-9_]{1,31}")
EXAMPLE = "--workspace T0123ABCD"


@dataclass(frozen=True)
class WorkspaceChoice:
    # None: not in the database yet. An import creates it once its file has passed the check.
    id: int | None
    slack_team_id: str


def check_team_id(given: str | None) -> None:
    """Raises UserError when `--workspace` is not shaped like a Slack team id."""
    if given is not None and not _TEAM_ID.fullmatch(given):
        raise UserError(
            f'"{given[:40]}" is not a Slack team id: they look like T0123ABCD.', EXAMPLE
        )


def choose_workspace(
    db: Database, client: WebClient | None, given: str | None, *, must_exist: bool = False
) -> WorkspaceChoice:
    """Raises UserError when it cannot tell which, or (`must_exist`, for an export) the
    database does not have it."""
    check_team_id(given)
    with db.read() as session:
        known = imports.workspaces(session)
    slack_team = given or (workspace_of_token(client) if client is not None else None)
    if slack_team is None:
        if len(known) == 1:
            return WorkspaceChoice(*known[0])
        if not known:
            raise UserError(
                "The database has no workspace yet: name it with --workspace (its Slack team id).",
                EXAMPLE,
            )
        listed = ", ".join(team for _, team in known[:10])
        raise UserError(
            f"The database has {len(known)} workspaces ({listed}): say which with --workspace.",
            EXAMPLE,
        )
    found = next((i for i, team in known if team == slack_team), None)
    if found is None and must_exist:
        raise UserError(f"The database has no workspace {slack_team}.", EXAMPLE)
    return WorkspaceChoice(found, slack_team)
