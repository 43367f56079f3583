"""App Home's buttons: Undo an entry, Log activity, Propose a goal, Set a goal, Export CSV,
the period picker, and Approve / Reject of the requests a manager sees there. parse → authorize → act → then
the clicker's Home is published again, with a line saying what happened (a click on Home
has no response_url, so the Home itself is where a refusal shows). A click is answered at
once: its database work runs before the answer, its views.open and views.publish after it
(bot/services/later.py); a form's trigger_id lives 3 seconds, and is used first thing after.

Approve / Reject keep their action ids: clicks from a Home run the same handler as those
from the DMs (handlers/actions/approvals.py), so every DM copy is updated as well. These
listeners are registered before that module's and match Home clicks only."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import UserError
from bot.render import goal_modal
from bot.render.app_home import (
    HOME_EXPORT_ACTION,
    HOME_LOG_ACTION,
    HOME_PERIOD_ACTION,
    HOME_PROPOSE_ACTION,
    HOME_SET_GOAL_ACTION,
    HOME_UNDO_ACTION,
    propose_modal,
)
from bot.render.goals import APPROVE_ACTION, REJECT_ACTION
from bot.render.log_modal import log_modal
from bot.services import app_home as home_service
from bot.services import later
from bot.services.context import Services
from bot.services.people import Caller
from handlers import app_home
from handlers.actions import approvals
from handlers.app_home import propose, undo
from handlers.commands.progress import deliver_export

log = logging.getLogger(__name__)


def from_home(body: dict) -> bool:
    """A click on a Home tab (not on a message or in a modal)."""
    return (body.get("view") or {}).get("type") == "home"


def register(app: App, services: Services) -> None:
    propose.register(app, services)

    def on_click(action_id: str, work: Callable[[dict, dict, WebClient], None], **kw: Any) -> None:
        """Answer the click at once; `work` runs before the answer with the database only and
        leaves its Slack calls (views.open, views.publish) to after it (bot/services/later.py)."""

        def clicked(
            ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
        ) -> None:
            ack()
            with later.answering(context):
                work(body, action, client)

        app.action(action_id, **kw)(ack=clicked, lazy=[later.run])

    def undo_clicked(body: dict, action: dict, client: WebClient) -> None:
        caller = _caller(services, client, body)
        if caller is not None:
            _publish(
                services, caller, undo.undo_entry(services, caller, str(action.get("value") or ""))
            )

    def log_clicked(body: dict, _action: dict, client: WebClient) -> None:
        caller = _caller(services, client, body)
        if caller is not None:
            view = log_modal(
                services.catalog(caller.workspace_id),
                caller.today(services.clock),
                json.dumps({"channel_id": None}),
            )
            _open(services, caller, body, view)

    def propose_clicked(body: dict, _action: dict, client: WebClient) -> None:
        caller = _caller(services, client, body)
        if caller is not None:
            _open(services, caller, body, propose_modal(services.catalog(caller.workspace_id)))

    def set_goal_clicked(body: dict, _action: dict, client: WebClient) -> None:
        caller = _caller(services, client, body)
        if caller is None:
            return
        choices = home_service.goal_form_teams(services, caller)
        if choices is None:
            _publish(
                services,
                caller,
                "⛔ Managers set goals — *Propose a goal* and your manager approves it.",
            )
            return
        _open(
            services,
            caller,
            body,
            goal_modal.goal_modal(services.catalog(caller.workspace_id), choices),
        )

    def period_chosen(body: dict, action: dict, client: WebClient) -> None:
        # The clicker's own choice only (their person row); an unknown value changes
        # nothing and the Home is published again as it was.
        caller = _caller(services, client, body)
        if caller is None:
            return
        home_service.choose_period(
            services, caller, (action.get("selected_option") or {}).get("value")
        )
        _publish(services, caller)

    on_click(HOME_UNDO_ACTION, undo_clicked)
    on_click(HOME_LOG_ACTION, log_clicked)
    on_click(HOME_PROPOSE_ACTION, propose_clicked)
    on_click(HOME_SET_GOAL_ACTION, set_goal_clicked)
    on_click(HOME_PERIOD_ACTION, period_chosen)

    def export_ack(ack: Ack) -> None:
        ack()

    recent_exports = _RecentExports()

    def export_send(body: dict, client: WebClient) -> None:
        # Lazy: the upload runs after the ack, outside Slack's 3 seconds. The same rows as
        # `/progress export` (admins every team, managers theirs, reps their own).
        caller = _caller(services, client, body)
        if caller is None:
            return
        if not recent_exports.claim(caller.workspace_id, caller.person_id):
            app_home.publish(
                services, client, caller, "📎 Your export is already on its way to your DM."
            )
            return
        command = {
            "team_id": caller_team(body),
            "user_id": caller.slack_user_id,
            "text": "export",
            "enterprise_id": (body.get("enterprise") or {}).get("id"),
        }
        try:
            deliver_export(services, client, command)
        except Exception:
            log.warning("could not send an export from App Home", exc_info=True)
            app_home.publish(
                services,
                client,
                caller,
                "⚠️ The export could not be sent just now — try `/progress export`.",
            )
            return
        app_home.publish(
            services, client, caller, "📎 This month's CSV is in your DM from Paceline."
        )

    app.action(HOME_EXPORT_ACTION)(ack=export_ack, lazy=[export_send])

    def decide(body: dict, action: dict, client: WebClient, approve: bool) -> None:
        # Decided before the answer; the DM copies, the requester's DM and this Home after it.
        caller = _caller(services, client, body)
        if caller is None:
            return
        click = approvals.decide(services, client, body, action, approve=approve)
        _publish(services, caller, click.text)

    on_click(
        APPROVE_ACTION,
        lambda body, action, client: decide(body, action, client, True),
        matchers=[from_home],
    )
    on_click(
        REJECT_ACTION,
        lambda body, action, client: decide(body, action, client, False),
        matchers=[from_home],
    )


class _RecentExports:
    """A second click on Export within a few seconds sends nothing more (in this process)."""

    SECONDS = 10.0

    def __init__(self) -> None:
        self._at: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    def claim(self, workspace_id: int, person_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            self._at = {k: t for k, t in self._at.items() if now - t < self.SECONDS}
            if (workspace_id, person_id) in self._at:
                return False
            self._at[(workspace_id, person_id)] = now
            return True


def caller_team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""


def _caller(services: Services, client: WebClient, body: dict) -> Caller | None:
    try:
        return app_home.caller_of_interaction(services, client, body)
    except UserError as error:
        log.warning("a Home button click by someone Slack does not know: %s", error.message)
        return None


def _publish(services: Services, caller: Caller, notice: str | None = None) -> None:
    """Publish the clicker's Home (with `notice` at the top) after the answer."""

    def publish(client: WebClient, _respond: Respond | None) -> None:
        app_home.publish(services, client, caller, notice)

    later.after_answer(publish)


def _open(services: Services, caller: Caller, body: dict, view: dict) -> None:
    """Open a form with the click's trigger (usable once, within 3 seconds): first thing
    after the answer."""
    trigger_id = body["trigger_id"]

    def open_form(client: WebClient, _respond: Respond | None) -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            reason = error.response.get("error", "error") if error.response else "error"
            log.warning("could not open a form from App Home: %s", reason)
            app_home.publish(
                services, client, caller, f"⚠️ Slack did not open the form ({reason}) — click again."
            )

    later.after_answer(open_form)
