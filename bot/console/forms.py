"""Modal forms: the stack of views the app opened (views.open and views.push are answered
here), filled in and sent as Slack's view_submission with `submit name=value …`, closed
with `cancel`."""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from bot.console.directory import TEAM_ID, ConsoleUser, Directory
from bot.console.printer import Printer
from bot.console.render import (
    Names,
    build_state,
    parse_assignments,
    render_field_errors,
    render_modal,
    with_state,
)
from bot.console.transport import Transport, json_body, short_body
from bot.standin.slack_api import RecordedCall, StandInSlack


class Forms:
    """The open forms, top last: the person the console acts as sees the top one."""

    def __init__(
        self, standin: StandInSlack, out: Printer, directory: Directory, transport: Transport
    ) -> None:
        self.standin = standin
        self.out = out
        self.directory = directory
        self.transport = transport
        self._lock = threading.RLock()
        self._views: list[dict[str, Any]] = []  # the modal stack, top last

    def top(self) -> dict[str, Any] | None:
        """A copy of the form on top, if any."""
        with self._lock:
            return copy.deepcopy(self._views[-1]) if self._views else None

    def close_all(self) -> bool:
        """Close every open form (they belong to the person who opened them); False when
        none was open."""
        with self._lock:
            if not self._views:
                return False
            self._views.clear()
            return True

    def submit(self, rest: str, me: ConsoleUser | None) -> None:
        view = self.top()
        if view is None or me is None:
            self.out.say("No form is open. /log opens one.")
            return
        try:
            assignments = parse_assignments(rest)
        except ValueError as error:
            self.out.say(str(error))
            return
        values, problems = build_state(
            view, assignments, self.directory.mention_user_id, self.directory.mention_channel_id
        )
        if problems:
            self.out.lines([f"✗ {key}: {problem}" for key, problem in problems.items()])
            self.out.say("Nothing was sent. Fix it and submit again, or cancel.")
            return
        payload = self.transport.interaction("view_submission", me)
        payload["view"] = with_state(view, values)
        payload["response_urls"] = []
        printed = self.out.blocks
        response = self.transport.dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status != 200:
            self.out.say(
                f"The app answered HTTP {response.status}{short_body(response.body)}; the form is still open."
            )
            return
        answer = json_body(response.body) or {}
        action = answer.get("response_action")
        if action == "errors":
            self.out.lines(render_field_errors(view, answer.get("errors") or {}))
            self.out.say("The form is still open: fix it and submit again, or cancel.")
            return
        with self._lock:
            if action == "clear":
                self._views.clear()
            elif action in ("update", "push") and isinstance(answer.get("view"), dict):
                if action == "update":
                    self._views[-1] = self._view_object(answer["view"], view_id=view["id"])
                else:
                    self._views.append(self._view_object(answer["view"]))
            elif self._views:
                self._views.pop()
            top = copy.deepcopy(self._views[-1]) if self._views else None
        if top is not None:
            self.out.lines(render_modal(top, self.directory.names()))
        elif self.out.blocks == printed:
            self.out.say("Submitted; the form closed.")

    def cancel(self, me: ConsoleUser | None) -> None:
        with self._lock:
            view = self._views.pop() if self._views else None
            top = copy.deepcopy(self._views[-1]) if self._views else None
        if view is None:
            self.out.say("No form is open.")
            return
        if view.get("notify_on_close"):
            payload = self.transport.interaction("view_closed", me)
            payload["view"] = view
            payload["is_cleared"] = False
            self.transport.dispatch(urlencode({"payload": json.dumps(payload)}))
        self.out.say("Closed the form.")
        if top is not None:
            self.out.lines(render_modal(top, self.directory.names()))

    # ------------------------------------------------------------------ the stand-in's side

    def answer_views_open(self, call: RecordedCall) -> dict[str, Any]:
        return self._open_view(call, push=False)

    def answer_views_push(self, call: RecordedCall) -> dict[str, Any]:
        return self._open_view(call, push=True)

    def _open_view(self, call: RecordedCall, push: bool) -> dict[str, Any]:
        # Answered here rather than by the stand-in's default so the console holds the exact
        # view object (with its id) that a later view_submission must carry.
        view = call.params.get("view")
        if not isinstance(view, dict) or not call.params.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        opened = self._view_object(view)
        with self._lock:
            if not push:
                self._views.clear()
            self._views.append(opened)
        return {"ok": True, "view": copy.deepcopy(opened)}

    def print_opened(self, p: Mapping[str, Any], names: Names) -> None:
        """A views.open or views.push the app sent: the form on top now."""
        # Only a view the stand-in accepted (see _open_view) is the one on top now.
        if isinstance(p.get("view"), dict) and p.get("trigger_id"):
            top = self.top()
            if top is not None:
                self.out.lines(render_modal(top, names))

    def print_update(self, p: Mapping[str, Any], names: Names) -> None:
        """A views.update the app sent: the open form it names, as it reads now."""
        view = p.get("view")
        if not isinstance(view, dict):
            return
        with self._lock:
            for i, open_view in enumerate(self._views):
                if open_view["id"] == p.get("view_id") or (
                    p.get("external_id") and open_view.get("external_id") == p.get("external_id")
                ):
                    self._views[i] = self._view_object(view, view_id=open_view["id"])
                    updated = copy.deepcopy(self._views[i])
                    break
            else:
                return
        self.out.lines(render_modal(updated, names))

    def _view_object(self, view: Mapping[str, Any], view_id: str | None = None) -> dict[str, Any]:
        # Random, not counted: the /log modal keys its idempotency on the view id, so an id
        # reused by a later console run on the same database would swallow that submission.
        view_id = view_id or "V" + secrets.token_hex(5).upper()
        result: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.standin.app_id,
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": self.standin.bot_id,
        }
        result.update(copy.deepcopy(dict(view)))
        result["id"] = view_id
        return result
