"""Slash commands typed as in Slack: escaped as Slack escapes them, posted as the form body
Slack sends, and the app's answer printed as Slack shows it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from slack_bolt.response import BoltResponse

from bot.console.directory import TEAM_DOMAIN, TEAM_ID, ConsoleUser, Directory
from bot.console.printer import Printer
from bot.console.render import escape_command_text, render_message, slack_escape
from bot.console.slack_screen import SlackScreen
from bot.console.transport import Transport, json_body, short_body
from bot.manifest import manifest
from bot.standin.slack_api import StandInSlack

# The channel every command is typed in.
COMMAND_CHANNEL = "general"


class SlashCommands:
    def __init__(
        self,
        standin: StandInSlack,
        out: Printer,
        directory: Directory,
        transport: Transport,
        screen: SlackScreen,
    ) -> None:
        self.standin = standin
        self.out = out
        self.directory = directory
        self.transport = transport
        self.screen = screen
        # The app's slash commands by name, as its manifest declares them.
        self.known: dict[str, dict[str, Any]] = {
            c["command"]: c for c in manifest()["features"]["slash_commands"]
        }

    def run(self, command: str, text: str, me: ConsoleUser | None) -> None:
        if me is None:
            self.out.say(f"Choose who you are first: as @maria — then {command} {text}".rstrip())
            return
        spec = self.known.get(command, {})
        if spec.get("should_escape", True):
            text = escape_command_text(
                text, self.directory.mention_user_id, self.directory.mention_channel_id
            )
        else:
            text = slack_escape(text)
        channel_id = self.directory.channel_id(COMMAND_CHANNEL)
        response_url = self.standin.response_url()
        response_key = response_url.rsplit("/", 1)[-1]
        self.screen.route_response(response_key, channel_id, me.user_id)
        fields = {
            "token": "console-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": COMMAND_CHANNEL,
            "user_id": me.user_id,
            "user_name": me.name,
            "command": command,
            "text": text,
            "api_app_id": self.standin.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.transport.trigger_id(),
        }
        # The answer is printed first, then what the app sends after it (a "⏳ Adding 25
        # people…" answer's outcome): in that order Slack shows them.
        response = self.transport.dispatch(urlencode(fields), wait=False)
        try:
            self._print_answer(command, response, response_key)
        finally:
            self.transport.after_answer()

    def _print_answer(self, command: str, response: BoltResponse | None, response_key: str) -> None:
        if response is None:
            return
        if response.status == 404:
            known = ", ".join(self.known)
            self.out.say(
                f"Unknown command {command}. Paceline answers {known}; type help for more."
            )
            return
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{short_body(response.body)}")
            return
        # Bolt answers a text-only ack as a plain-text body, which Slack shows as mrkdwn.
        reply = json_body(response.body) or {"text": response.body or ""}
        lines = render_message(reply, self.directory.names())
        if lines:
            in_channel = reply.get("response_type") == "in_channel"
            if in_channel:
                lines = [f"[#{COMMAND_CHANNEL}]", *("  " + line for line in lines)]
            self.out.lines(lines)
            # Slack shows the answer as a message (only to the person, unless in_channel);
            # its buttons can be clicked, and the command's response URL may replace it.
            self.screen.show_reply(reply, response_key, in_channel=in_channel)
