"""The console's Slack stand-in (bot/standin/slack_api.py) with what the tests need on top.

* Every call is recorded (``calls``, ``calls_to``, ``clear``) and can be waited for
  (``wait_for``); ``max_in_flight`` tells how many were answered at once.
* A slow Slack: ``latency`` (or ``slowed``) holds every answer back.
* Faults: ``fail_next`` (tests/support/slack_faults.py).
* Several workspaces: ``add_install`` scripts an OAuth approval (``oauth.v2.access`` with its
  code answers with a bot token of that workspace; tests/support/slack_oauth.py); from then
  on ``auth.test`` answers per token, ``users.info`` and ``users.list`` only see that
  workspace's people, its posts come from that workspace's bot, and ``revoke`` makes a
  workspace's tokens answer ``token_revoked``. Tokens the stand-in never issued keep
  answering as its own single workspace, as the console's does.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from bot.standin import slack_api as console
from bot.standin.loopback import JsonRequestHandler
from bot.standin.slack_api import AnswerT, HandlerT, RecordedCall, _Answer
from tests.support.slack_faults import (
    Delivery,
    Fault,
    InFlightKey,
    fault_answer,
    handled_fault_answer,
)
from tests.support.slack_oauth import (
    DEFAULT_SCOPE,
    Install,
    auth_test_answer,
    client_refusal,
    issued_answer,
)

__all__ = ["AnswerT", "HandlerT", "RecordedCall", "StandInSlack"]


class StandInSlack(console.StandInSlack):
    """Slack's Web API on 127.0.0.1, recording every call the app makes.

    Takes the console stand-in's arguments. Use as a context manager or call
    ``start()``/``stop()``. All public methods are thread-safe.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Seconds added to every answer (Web API, response URLs, uploads); see `slowed`.
        self.latency: float = 0.0
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[Fault]] = {}
        # Requests being answered now (latency and delays included), by (method, channel)
        # and by (method, None), and the most seen at once since the last clear().
        self._in_flight: dict[InFlightKey, int] = {}
        self._max_in_flight: dict[InFlightKey, int] = {}
        # Multi-workspace OAuth: scripted approvals by code, the tokens they issued, revoked
        # tokens, and the client credentials oauth.v2.access checks (None: any).
        self._installs: dict[str, Install] = {}
        self._tokens: dict[str, Install] = {}
        self._revoked: set[str] = set()
        self._oauth_client: tuple[str, str] | None = None
        # Set by stop(); see _on_stop.
        self._stopping = threading.Event()
        self._defaults["oauth.v2.access"] = self._oauth_v2_access

    # ------------------------------------------------------------------ lifecycle

    def _on_start(self) -> None:
        self._stopping.clear()

    def _on_stop(self) -> None:
        # Wake handlers sleeping on a fault delay or latency so shutdown is prompt.
        self._stopping.set()

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot of every call so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until at least ``count`` calls to ``method`` (matching ``where``) exist.

        Returns every matching call at that moment. Raises ``AssertionError`` describing
        what was seen when the deadline passes.
        """

        def matching() -> list[RecordedCall]:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        deadline = time.monotonic() + timeout
        with self._cond:
            found = matching()
            while len(found) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._describe_timeout(method, count, timeout, where, found)
                    )
                self._cond.wait(remaining)
                found = matching()
            return found

    def _describe_timeout(
        self,
        method: str,
        count: int,
        timeout: float,
        where: Callable[[RecordedCall], bool] | None,
        found: list[RecordedCall],
    ) -> str:
        same_method = [c for c in self._calls if c.method == method]
        lines = [
            f"timed out after {timeout:g}s waiting for {count} call(s) to {method}"
            + (" matching `where`" if where is not None else "")
            + f"; got {len(found)}"
            + (f" ({len(same_method)} to {method} in all)" if where is not None else "")
            + "."
        ]
        if not self._calls:
            lines.append("No calls were made to the stand-in at all.")
        else:
            tally: dict[str, int] = {}
            for c in self._calls:
                tally[c.method] = tally.get(c.method, 0) + 1
            lines.append("Calls seen: " + ", ".join(f"{m} x{n}" for m, n in tally.items()))
            for c in same_method[-5:]:
                lines.append(f"  {c.method} (status {c.status}) params={_abbreviate(c.params)}")
        return "\n".join(lines)

    @contextlib.contextmanager
    def slowed(self, seconds: float) -> Iterator[StandInSlack]:
        """Within: every call (Web API, response URL, upload) is answered `seconds` late, as a
        slow Slack would; the previous latency comes back afterwards."""
        before = self.latency
        self.latency = seconds
        try:
            yield self
        finally:
            self.latency = before

    def clear(self) -> None:
        """Forget recorded calls and in-flight maxima. Users, messages, views, faults and
        handlers are kept."""
        with self._cond:
            self._calls.clear()
            self._max_in_flight.clear()

    def max_in_flight(self, method: str, channel: str | None = None) -> int:
        """The most requests to ``method`` (for ``channel``, when given) that were being
        answered at the same time, latency included. A user id counts as its DM channel."""
        key = (method, None if channel is None else self._resolve_channel(channel))
        with self._cond:
            return self._max_in_flight.get(key, 0)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """What chat.postMessage put in ``channel``, oldest first (copies)."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        drop_connection: bool = False,
        delay: float = 0.0,
        handled: bool = False,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        ``retry_after`` implies status 429 and sends a ``Retry-After`` header.
        ``drop_connection`` closes the socket without answering. ``delay`` holds the answer
        back (for client timeouts). Faults queue up in the order they were added.
        ``handled=True`` first does what the method does (a post is stored, as when Slack
        got the request) and then applies the fault to the answer: with only ``delay`` or
        ``drop_connection`` the app cannot tell that it worked.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if retry_after is not None and status == 200:
            status = 429
        with self._cond:
            self._faults.setdefault(method, deque()).append(
                Fault(error, status, retry_after, drop_connection, delay, times, handled)
            )

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    # ------------------------------------------------------------------ OAuth installs

    def add_install(
        self,
        code: str,
        team_id: str,
        team_name: str | None = None,
        *,
        enterprise_id: str | None = None,
        installer: str = "U_INSTALLER",
        scope: str = DEFAULT_SCOPE,
    ) -> str:
        """Script an admin approving the app in ``team_id``: ``oauth.v2.access`` with ``code``
        answers (once; again it is ``code_already_used``) with a new bot token for that
        workspace, which this returns. Each install issues a new token, as Slack does."""
        with self._cond:
            suffix = f"{next(self._ids):06d}"
            install = Install(
                code=code,
                team_id=team_id,
                team_name=team_name or f"Workspace {team_id}",
                enterprise_id=enterprise_id,
                token=f"xoxb-{team_id}-{suffix}",
                bot_user_id=f"UB{team_id[-8:]}",
                bot_id=f"BB{team_id[-8:]}",
                installer=installer,
                scope=scope,
            )
            self._installs[code] = install
        return install.token

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        """Make ``oauth.v2.access`` check the app's credentials, as Slack does."""
        with self._cond:
            self._oauth_client = (client_id, client_secret)

    def revoke(self, team_id: str) -> list[str]:
        """Revoke every token issued for ``team_id`` (the workspace uninstalled the app);
        calls with them answer ``token_revoked``. Returns the tokens."""
        with self._cond:
            tokens = [t for t, i in self._tokens.items() if i.team_id == team_id]
            self._revoked.update(tokens)
        return tokens

    def team_of(self, token: str | None) -> str | None:
        """The workspace an issued token belongs to (None for tokens not issued by an install)."""
        with self._cond:
            install = self._tokens.get(token or "")
        return install.team_id if install is not None else None

    def _install_of(self, call: RecordedCall) -> Install | None:
        """The scripted install whose token made ``call`` (None: the stand-in's own team)."""
        with self._cond:
            return self._tokens.get(call.token or "")

    def _is_revoked(self, token: str) -> bool:
        with self._cond:
            return token in self._revoked

    def _oauth_v2_access(self, call: RecordedCall) -> AnswerT:
        with self._cond:
            expected = self._oauth_client
        refused = client_refusal(expected, call)
        if refused is not None:
            return {"ok": False, "error": refused}
        code = str(call.params.get("code") or "")
        with self._cond:
            scripted = bool(self._installs)
            install = self._installs.get(code)
            if install is not None:
                if install.used:
                    return {"ok": False, "error": "code_already_used"}
                install.used = True
                self._tokens[install.token] = install
        if install is not None:
            return issued_answer(install, self.app_id)
        if scripted or not code:
            # Once installs are scripted, any other code is one Slack never issued.
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "U_INSTALLER"},
            "scope": DEFAULT_SCOPE,
            "token_type": "bot",
            "access_token": f"xoxb-standin-{self.team_id}",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # ------------------------------------------------------------------ the console's hooks

    def _answer_call(self, call: RecordedCall, *, parsed: bool, is_api: bool) -> _Answer:
        with self._cond:
            fault = self._take_fault(call.method)
        in_flight = self._enter(call.method, call.params)
        try:
            if fault is not None and not fault.handled:
                answer = fault_answer(fault)
            else:
                answer = Delivery.of(super()._answer_call(call, parsed=parsed, is_api=is_api))
            if fault is not None and fault.handled:
                answer = handled_fault_answer(fault, answer)
        except BaseException:
            self._leave(in_flight)
            raise
        answer.in_flight = in_flight
        return answer

    def _refused(self, call: RecordedCall, *, is_api: bool) -> str | None:
        refused = super()._refused(call, is_api=is_api)
        if refused is None and is_api and call.token is not None and self._is_revoked(call.token):
            return "token_revoked"
        return refused

    def _recorded(self, call: RecordedCall) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        super()._recorded(call)

    def _deliver(self, handler: JsonRequestHandler, answer: _Answer, payload: bytes) -> None:
        delivery = Delivery.of(answer)
        delay = delivery.delay + self.latency
        try:
            if delay > 0:
                self._stopping.wait(delay)
        finally:
            # Before the answer is written: once the client has it, it may send its next
            # request, which must not count as overlapping this one.
            self._leave(delivery.in_flight)
        if delivery.drop_connection:
            # Close without a status line: the client sees RemoteDisconnected / reset.
            handler.close_connection = True
            return
        super()._deliver(handler, answer, payload)

    def _sees(self, call: RecordedCall, user: dict[str, Any]) -> bool:
        # A workspace's token does not see another workspace's people.
        install = self._install_of(call)
        return install is None or user.get("team_id") == install.team_id

    def _bot_of(self, call: RecordedCall) -> tuple[str, str, str]:
        install = self._install_of(call)
        if install is None:
            return super()._bot_of(call)
        return install.bot_user_id, install.bot_id, install.team_id

    def _auth_test(self, call: RecordedCall) -> AnswerT:
        install = self._install_of(call)
        if install is not None:
            return auth_test_answer(install, self.bot_name)
        return super()._auth_test(call)

    # ------------------------------------------------------------------ in flight

    def _enter(self, method: str, params: dict[str, Any]) -> tuple[InFlightKey, ...]:
        channel = params.get("channel") or params.get("channel_id")
        keys: tuple[InFlightKey, ...] = ((method, None),)
        if isinstance(channel, str) and channel:
            keys += ((method, self._resolve_channel(channel)),)
        with self._cond:
            for key in keys:
                now = self._in_flight.get(key, 0) + 1
                self._in_flight[key] = now
                self._max_in_flight[key] = max(self._max_in_flight.get(key, 0), now)
        return keys

    def _leave(self, keys: tuple[InFlightKey, ...]) -> None:
        with self._cond:
            for key in keys:
                self._in_flight[key] = self._in_flight.get(key, 1) - 1


def _abbreviate(params: dict[str, Any], limit: int = 200) -> str:
    text = repr({k: ("<bytes>" if isinstance(v, bytes) else v) for k, v in params.items()})
    return text if len(text) <= limit else text[: limit - 3] + "..."
