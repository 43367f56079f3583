"""Requests to the app, as Slack sends them: signed with a per-run secret and handed to the
real Bolt app, which verifies the signature as it would in production."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.app import Paceline
from bot.console.directory import TEAM_DOMAIN, TEAM_ID, ConsoleUser
from bot.console.printer import Printer
from bot.standin.slack_api import StandInSlack

# Every console log line goes under the session's name, so one logger shows them all.
log = logging.getLogger("bot.console.session")

# How long the console waits for the Slack work the app does after an answer.
AFTER_ANSWER_SECONDS = 30.0
FORM_BODY = "application/x-www-form-urlencoded"


class Transport:
    """The console's side of the app's HTTP edge: request bodies in, Bolt's answers out."""

    def __init__(self, standin: StandInSlack, out: Printer) -> None:
        self.standin = standin
        self.out = out
        self._paceline: Paceline | None = None
        self._secret = secrets.token_hex(16)
        self._triggers = itertools.count(1)

    @property
    def signing_secret(self) -> str:
        return self._secret

    def attach(self, paceline: Paceline) -> None:
        self._paceline = paceline

    @property
    def attached(self) -> Paceline | None:
        return self._paceline

    def app(self) -> Paceline:
        if self._paceline is None:
            raise RuntimeError("the console is not attached to an app yet")
        return self._paceline

    def interaction(self, kind: str, me: ConsoleUser | None) -> dict[str, Any]:
        """The common part of an interaction payload `me` sends (a click, a form…)."""
        assert me is not None
        return {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "user": {
                "id": me.user_id,
                "username": me.name,
                "name": me.name,
                "team_id": TEAM_ID,
            },
            "api_app_id": self.standin.app_id,
            "token": "console-verification-token",
            "trigger_id": self.trigger_id(),
            "is_enterprise_install": False,
        }

    def trigger_id(self) -> str:
        return f"{next(self._triggers)}.{int(time.time())}.{secrets.token_hex(16)}"

    def dispatch(
        self,
        body: str,
        *,
        wait: bool = True,
        content_type: str = FORM_BODY,
        failure: str = "the app failed on a console request",
    ) -> BoltResponse | None:
        """Bolt's answer to `body`; None when the app failed (said, and logged as
        `failure`). With `wait`, what the app sends after its answer prints first."""
        # Signed with the wall clock, not the app clock: Bolt checks the timestamp against
        # real time, exactly as for a request from Slack.
        timestamp = str(int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": SignatureVerifier(self._secret).generate_signature(
                timestamp=timestamp, body=body
            ),
        }
        try:
            return self.app().bolt.dispatch(BoltRequest(body=body, headers=headers))
        except Exception as error:  # a broken listener must not end the session
            log.exception(failure)
            self.out.say(f"The app failed: {error}")
            return None
        finally:
            if wait:
                self.after_answer()

    def after_answer(self) -> None:
        """Let the Slack work the app does after its answer (bot/services/later.py: a /team
        add's outcome, a Home publish, a DM) print before the console reads on, as Slack
        would have shown it by then."""
        if not self.app().background.idle(AFTER_ANSWER_SECONDS):
            self.out.say("(the app is still working; what it sends will show here when it does)")


def json_body(body: str) -> dict[str, Any] | None:
    if not body or body.lstrip()[:1] != "{":
        return None
    try:
        decoded = json.loads(body)
    except json.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


def short_body(body: str) -> str:
    body = (body or "").strip()
    return f": {body[:200]}" if body else "."
