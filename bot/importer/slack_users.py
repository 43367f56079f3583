"""The workspace's Slack members, from `users.list`, for matching names in imported files."""

from __future__ import annotations

from collections.abc import Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import UserError
from bot.services.people import profile_from_slack
from storage.people import SlackProfile

PAGE_SIZE = 200  # Slack's recommended page size for users.list


def workspace_of_token(client: WebClient) -> str:
    """The Slack team id the bot token belongs to (`auth.test`)."""
    try:
        return str(client.auth_test()["team_id"])
    except SlackApiError as error:
        raise UserError(
            f"Slack refused the bot token ({_reason(error)}).", "SLACK_BOT_TOKEN=xoxb-…"
        ) from None


def members(client: WebClient, slack_team_id: str) -> Iterator[SlackProfile]:
    """Every member of the workspace, page by page. On Enterprise Grid a token may list
    members of other workspaces too; only those of `slack_team_id` are kept."""
    cursor: str | None = None
    while True:
        try:
            page = (
                client.users_list(limit=PAGE_SIZE, cursor=cursor)
                if cursor
                else client.users_list(limit=PAGE_SIZE)
            )
        except SlackApiError as error:
            raise UserError(
                f"Slack's users.list failed ({_reason(error)}): people cannot be matched to Slack users. "
                "Give the app the users:read and users:read.email scopes, or import with --no-slack "
                "(everyone comes in unlinked; link them later with /team link).",
                "paceline import crm sales_pipeline.csv --teams sales_teams.csv --no-slack",
            ) from None
        for member in page.get("members") or []:
            if _in_workspace(member, slack_team_id):
                yield profile_from_slack(member)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _in_workspace(member: dict, slack_team_id: str) -> bool:
    team = member.get("team_id")
    if team is None or team == slack_team_id:
        return True
    return slack_team_id in ((member.get("enterprise_user") or {}).get("teams") or [])


def _reason(error: SlackApiError) -> str:
    return str(error.response.get("error", "error")) if error.response is not None else "error"
