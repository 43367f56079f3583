"""`home`: the App Home tab, opened as Slack opens it (the app_home_opened event), and its
period picked as a click in the tab's select does (`home quarter`)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from urllib.parse import urlencode

from bot.console import clicks
from bot.console.directory import TEAM_ID, ConsoleUser
from bot.console.printer import Printer
from bot.console.transport import Transport, short_body
from bot.standin.slack_api import StandInSlack


class HomeTab:
    def __init__(
        self,
        standin: StandInSlack,
        out: Printer,
        transport: Transport,
        board: clicks.ClickBoard,
    ) -> None:
        self.standin = standin
        self.out = out
        self.transport = transport
        self.board = board

    def open(self, rest: str, me: ConsoleUser | None) -> None:
        """Open the App Home tab: the app_home_opened event Slack sends, signed like every
        request; the app's views.publish is printed by on_call as [Home tab of @name].
        `home quarter` picks the period in the tab's select, as a click in Slack does."""
        if me is None:
            self.out.say("Choose who you are first: as @maria — then home")
            return
        if rest:
            self._pick_period(rest, me)
            return
        envelope = {
            "token": "console-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": self.standin.app_id,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(6).upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": me.user_id,
                "channel": "D" + me.user_id,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": self.standin.bot_user_id, "is_bot": True}
            ],
        }
        printed = self.out.blocks
        # The Home is published after the event's answer: dispatch waits for it.
        response = self.transport.dispatch(
            json.dumps(envelope),
            content_type="application/json",
            failure="the app failed on the Home tab",
        )
        if response is None:
            return
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app published no Home tab.")

    def _pick_period(self, chosen: str, me: ConsoleUser) -> None:
        """The block_actions payload Slack sends when the person picks a period in the Home
        tab's select."""
        from bot.render.app_home import HOME_PERIOD_ACTION, HOME_PERIODS

        if chosen.lower() not in HOME_PERIODS:
            self.out.say(
                f"Choose a period for your Home tab: home {' | home '.join(HOME_PERIODS)} (e.g. home quarter)"
            )
            return
        value = chosen.lower()
        payload = self.transport.interaction("block_actions", me)
        # The Home tab the app last published for this person, as Slack sends it; a
        # minimal one when the console has not shown it yet.
        shown = self.board.home_of(me.user_id)
        view = (
            copy.deepcopy(shown.content)
            if shown is not None
            else {"id": "V_HOME", "type": "home", "callback_id": "paceline_home"}
        )
        view["state"] = {"values": {}}
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        payload["actions"] = [
            {
                "type": "static_select",
                "action_id": HOME_PERIOD_ACTION,
                "block_id": HOME_PERIOD_ACTION,
                "selected_option": {
                    "text": {"type": "plain_text", "text": HOME_PERIODS[value]},
                    "value": value,
                },
                "action_ts": f"{time.time():.6f}",
            }
        ]
        printed = self.out.blocks
        response = self.transport.dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app published no Home tab.")
