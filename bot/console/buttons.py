"""`click`: list the buttons of the newest message (or Home tab) the person can see, or
press one: the block_actions payload Slack sends (clicks.py builds it)."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from bot.console import clicks
from bot.console.directory import ConsoleUser, Directory
from bot.console.printer import Printer
from bot.console.render import Names
from bot.console.slack_screen import SlackScreen
from bot.console.transport import Transport, short_body
from bot.standin.slack_api import StandInSlack


class Buttons:
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

    def click(self, rest: str, me: ConsoleUser | None) -> None:
        """`click` lists the buttons of the newest message (or Home tab) the person can see;
        `click 2` / `click Approve` presses one: the block_actions Slack would send."""
        if me is None:
            self.out.say(f"Choose who you are first: as @maria — then click {rest}".rstrip())
            return
        target, newer = self.screen.board.last_for(me.user_id)
        names = self.directory.names()
        others = None
        if newer is not None and newer.viewer is not None:
            who = self.directory.user_name(newer.viewer)
            place = clicks.where(newer, me.user_id)
            others = f"(The newest message with buttons, in {place}, is @{who}'s: as @{who} to click it.)"
        if target is None:
            self.out.lines([clicks.NOTHING_TO_CLICK] + ([others] if others else []))
            return
        buttons = target.buttons
        if not rest:
            self.out.lines(
                clicks.button_lines(target, names, me.user_id) + ([others] if others else [])
            )
            return
        chosen = clicks.pick(buttons, rest)
        if isinstance(chosen, str):
            self.out.lines([chosen, *clicks.button_lines(target, names, me.user_id)])
            return
        self._press(target, buttons[chosen], names, me)

    def _press(
        self, target: clicks.Clickable, button: clicks.Button, names: Names, me: ConsoleUser
    ) -> None:
        lines = [f"You click [ {button.label} ] in {clicks.where(target, me.user_id)}."]
        confirm = clicks.confirm_line(button, names)
        if confirm:
            lines.append(confirm)
        if button.url:
            lines.append(f"(Slack opens {button.url} in the browser and tells the app.)")
        self.out.lines(lines)
        response_url = None
        channel_name = None
        if target.kind == "message":
            response_url = self.standin.response_url()
            key = response_url.rsplit("/", 1)[-1]
            self.screen.route_response(key, target.channel_id, me.user_id)
            channel_name = self.directory.channel_name(target.channel_id)
            self.screen.board.link_response(target, key)
        payload = clicks.block_actions(
            self.transport.interaction("block_actions", me),
            target,
            button,
            action_ts=f"{time.time():.6f}",
            channel_name=channel_name,
            response_url=response_url,
        )
        printed = self.out.blocks
        response = self.transport.dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status == 404:
            self.out.say(f"The app does not answer that button (action_id {button.action_id}).")
        elif response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app showed nothing back.")
