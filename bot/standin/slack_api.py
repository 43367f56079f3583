"""A stand-in for Slack's Web API, served over HTTP on loopback.

The app under test talks to it with the real slack_sdk ``WebClient`` (``base_url=api_url``), so
the whole HTTP path (form/JSON encoding, headers, retries, error handling) is exercised. The
local console uses the same server and its ``on_call`` hook to show what the app "posted".

Answers are shaped like Slack's for the fields slack_sdk and slack_bolt read. Anything not
covered by a default can be scripted with ``set_handler``; faults with ``fail_next``.

Several workspaces: ``add_install`` scripts an OAuth approval (``oauth.v2.access`` with its
code answers with a bot token of that workspace); from then on ``auth.test`` answers per
token, ``users.info`` only sees that workspace's people, and ``revoke`` makes a workspace's
tokens answer ``token_revoked``. Tokens the stand-in never issued keep answering as its own
single workspace, as before.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import logging
import threading
import time
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.standin.loopback import JsonRequestHandler, LoopbackServer

__all__ = ["RecordedCall", "StandInSlack"]

_log = logging.getLogger(__name__)

# Form-encoded requests carry structured arguments as JSON strings; decoding them here means a
# test can assert on ``call.params["blocks"]`` the same way whichever encoding the SDK chose.
_JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "files",
        "inputs",
        "metadata",
        "outputs",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)

# Methods Slack answers without a bearer token (the app authenticates with client id/secret).
_NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange"})

_JSON_CONTENT_TYPE = "application/json; charset=utf-8"

AnswerT = dict[str, Any] | tuple[int, dict[str, Any], dict[str, str]]
HandlerT = Callable[["RecordedCall"], AnswerT]


@dataclass
class RecordedCall:
    """One request the app made to the stand-in.

    ``headers`` keys are lower-cased (urllib re-capitalises names, so the original case is
    meaningless). ``params`` has the query string, form fields or JSON body merged, with the
    ``token`` argument moved to ``token``.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None
    at: float
    http_method: str = "POST"
    path: str = ""
    body: bytes = b""
    status: int = 200  # what the stand-in answered; 0 when the connection was dropped

    @property
    def key(self) -> str:
        """The last path segment: the key of a response_url, or the file id of an upload."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class _Fault:
    error: str | None
    status: int
    retry_after: int | None
    drop_connection: bool
    delay: float
    remaining: int
    # Run the method as usual first (Slack did the work), then answer with the fault.
    handled: bool = False


@dataclass
class _Answer:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False
    delay: float = 0.0
    # The (method, channel) counters this request holds until it is answered.
    in_flight: tuple[tuple[str, str | None], ...] = ()


@dataclass
class _Upload:
    file_id: str
    filename: str
    length: int | None
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class _Install:
    """One scripted OAuth approval and the bot token it issues."""

    code: str
    team_id: str
    team_name: str
    enterprise_id: str | None
    token: str
    bot_user_id: str
    bot_id: str
    installer: str
    scope: str
    used: bool = False


def _truthy(value: Any) -> bool:
    # slack_sdk sends booleans as "1"/"0" in forms and as real booleans in JSON bodies.
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _int_param(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, UnicodeDecodeError):
        return None
    return offset if kind == "offset" and offset >= 0 else None


def _ts_value(ts: Any) -> float | None:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return None


class _RequestHandler(JsonRequestHandler):
    content_type = _JSON_CONTENT_TYPE

    def _dispatch(self) -> None:
        standin = cast(StandInSlack, self.server.standin)
        try:
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = standin._answer(self.command, self.path, headers, body)
            payload = json.dumps(answer.body).encode("utf-8")
        except Exception:
            _log.exception("stand-in Slack failed to answer %s %s", self.command, self.path)
            answer = _Answer(500, {"ok": False, "error": "standin_internal_error"})
            payload = json.dumps(answer.body).encode("utf-8")

        delay = answer.delay + standin.latency
        try:
            if delay > 0:
                standin._stopping.wait(delay)
        finally:
            # Before the answer is written: once the client has it, it may send its next
            # request, which must not count as overlapping this one.
            standin._leave(answer.in_flight)
        self._respond(answer, payload)

    def _respond(self, answer: _Answer, payload: bytes) -> None:
        if answer.drop_connection:
            # Close without a status line: the client sees RemoteDisconnected / reset.
            self.close_connection = True
            return
        self._send_json(answer.status, payload, answer.headers)


class StandInSlack(LoopbackServer):
    """Slack's Web API on 127.0.0.1, recording every call the app makes.

    Use as a context manager or call ``start()``/``stop()``. All public methods are
    thread-safe; the server answers each connection on its own daemon thread.
    """

    # Called with every call any stand-in records, after ``on_call``: the test suite checks
    # each payload the app sends against Slack's limits (tests/conftest.py). Class-wide, so
    # the stand-ins a test builds for itself are watched too.
    watchers: ClassVar[list[Callable[[RecordedCall], None]]] = []

    # Served by LoopbackServer (bot/standin/loopback.py).
    _label = "Slack"
    _logger = _log
    _handler = _RequestHandler

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_user_id: str = "UBOT",
        team_id: str = "T_TEST",
        on_call: Callable[[RecordedCall], None] | None = None,
        *,
        team_name: str = "Paceline Test",
        bot_id: str = "B_STANDIN",
        bot_name: str = "paceline",
        app_id: str = "A_STANDIN",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if host not in {"127.0.0.1", "localhost"}:
            raise ValueError(f"the stand-in only binds to loopback, not {host!r}")
        self.host = host
        self.port = port
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.team_name = team_name
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.on_call = on_call
        # Seconds added to every answer (Web API, response URLs, uploads); see `slowed`.
        self.latency: float = 0.0
        self._clock = clock

        self._cond = threading.Condition(threading.RLock())
        self._calls: list[RecordedCall] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}
        self._uploads: dict[str, _Upload] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._handlers: dict[str, HandlerT] = {}
        # Multi-workspace OAuth: scripted approvals by code, the tokens they issued, revoked
        # tokens, and the client credentials oauth.v2.access checks (None: any).
        self._installs: dict[str, _Install] = {}
        self._tokens: dict[str, _Install] = {}
        self._revoked: set[str] = set()
        self._oauth_client: tuple[str, str] | None = None
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        # Requests being answered now (latency and delays included), by (method, channel)
        # and by (method, None), and the most seen at once since the last clear().
        self._in_flight: dict[tuple[str, str | None], int] = {}
        self._max_in_flight: dict[tuple[str, str | None], int] = {}

        self._init_loopback(self._cond)
        # Set by stop(); see _on_stop.
        self._stopping = threading.Event()

        self._defaults: dict[str, Callable[[RecordedCall], AnswerT]] = {
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }

    # ------------------------------------------------------------------ lifecycle

    def _address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def _on_start(self) -> None:
        self._stopping.clear()

    def _on_stop(self) -> None:
        # Wake handlers sleeping on a fault delay or latency so shutdown is prompt.
        self._stopping.set()

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self._bound_port()}"

    @property
    def api_url(self) -> str:
        """What the app gets as ``WebClient(base_url=...)``; ends with ``/``."""
        return self.base_url + "/api/"

    def response_url(self, key: str = "") -> str:
        """A URL that records POSTs as method ``response_url``; a fresh key when none is given."""
        if not key:
            key = f"R{next(self._ids):06d}"
        return f"{self.base_url}/response/{key}"

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

    def default_answer(self, call: RecordedCall) -> AnswerT:
        """What the stand-in answers ``call`` with when no handler is set: lets a handler
        do the usual work (store a post) and then misbehave (hold the answer back)."""
        return self._default_for(call.method)(call)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """What chat.postMessage put in ``channel``, oldest first (copies)."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded for ``file_id`` through files_upload_v2, if any."""
        with self._cond:
            upload = self._uploads.get(file_id)
            return None if upload is None else upload.content

    # ------------------------------------------------------------------ scripting

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str | None = "America/New_York",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a workspace member; returns the object users.info will give."""
        real = real_name if real_name is not None else name
        profile: dict[str, Any] = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "team": team_id or self.team_id,
        }
        if email is not None:
            profile["email"] = email
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self._clock()),
            "profile": profile,
        }
        if tz is not None:
            # Apps schedule by tz_offset, so derive it (DST included) instead of hard-coding.
            zone = zoneinfo.ZoneInfo(tz)
            offset = zone.utcoffset(datetime.fromtimestamp(self._clock(), zone))
            user["tz"] = tz
            user["tz_label"] = tz
            user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        with self._cond:
            self._users[user_id] = user
            return copy.deepcopy(user)

    def add_channel(
        self, channel_id: str, name: str, is_private: bool = False, is_member: bool = True
    ) -> dict[str, Any]:
        """Name a channel so conversations.info answers with it."""
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": False,
            "is_im": False,
            "is_private": is_private,
            "is_archived": False,
            "is_member": is_member,
            "created": int(self._clock()),
        }
        with self._cond:
            self._channels[channel_id] = channel
            return copy.deepcopy(channel)

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
                _Fault(error, status, retry_after, drop_connection, delay, times, handled)
            )

    def add_install(
        self,
        code: str,
        team_id: str,
        team_name: str | None = None,
        *,
        enterprise_id: str | None = None,
        installer: str = "U_INSTALLER",
        scope: str = "commands,chat:write,users:read,im:write,files:write",
    ) -> str:
        """Script an admin approving the app in ``team_id``: ``oauth.v2.access`` with ``code``
        answers (once; again it is ``code_already_used``) with a new bot token for that
        workspace, which this returns. Each install issues a new token, as Slack does."""
        with self._cond:
            suffix = f"{next(self._ids):06d}"
            install = _Install(
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

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def set_handler(self, method: str, fn: HandlerT | None) -> None:
        """Answer ``method`` with ``fn(call)`` instead of the default; ``None`` restores it.

        ``fn`` returns the JSON body, or ``(status, body, headers)``. It runs on a server
        thread without the stand-in's lock held, so it may call other public methods.
        """
        with self._cond:
            if fn is None:
                self._handlers.pop(method, None)
            else:
                self._handlers[method] = fn

    # ------------------------------------------------------------------ request handling

    def _answer(self, verb: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Answer:
        parts = urlsplit(raw_path)
        path = parts.path
        is_api = path.startswith("/api/")
        if is_api:
            method = unquote(path[len("/api/") :]).strip("/")
        elif path.startswith("/response/"):
            method = "response_url"
        elif path.startswith("/upload/"):
            method = "files.upload_url"
        else:
            return _Answer(404, {"ok": False, "error": "not_found"})

        params: dict[str, Any] | None
        if method == "files.upload_url":
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            params["file_id"] = unquote(path[len("/upload/") :]).strip("/")
            params["size"] = len(body)
            params["content"] = body
        else:
            try:
                params = _parse_params(parts.query, headers.get("content-type", ""), body)
            except ValueError:
                params = None  # answered with invalid_json below, after recording
        token = _bearer(headers.get("authorization"))
        if params is not None and "token" in params:
            # The header wins, as in Slack; the argument is still not a method parameter.
            param_token = params.pop("token")
            token = token or (str(param_token) if param_token else None)

        call = RecordedCall(
            method=method,
            params=params if params is not None else {},
            headers=headers,
            token=token,
            at=self._clock(),
            http_method=verb,
            path=path,
            body=body,
        )

        with self._cond:
            fault = self._take_fault(method)
            handler = self._handlers.get(method)

        in_flight = self._enter(method, call.params)
        try:
            if fault is not None and not fault.handled:
                answer = _fault_answer(fault)
            elif params is None:
                answer = _Answer(200, {"ok": False, "error": "invalid_json"})
            elif is_api and token is None and method not in _NO_TOKEN_METHODS:
                answer = _Answer(200, {"ok": False, "error": "not_authed"})
            elif is_api and token is not None and self._is_revoked(token):
                answer = _Answer(200, {"ok": False, "error": "token_revoked"})
            else:
                answer = self._run(handler or self._default_for(method), call)
            if fault is not None and fault.handled:
                answer = _handled_fault_answer(fault, answer)
        except BaseException:
            self._leave(in_flight)
            raise
        answer.in_flight = in_flight

        call.status = 0 if answer.drop_connection else answer.status
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        if self.on_call is not None:
            try:
                self.on_call(call)
            except Exception:
                # A broken observer must not turn into a failed Slack call for the app.
                _log.exception("stand-in Slack on_call hook failed for %s", method)
        for watcher in list(StandInSlack.watchers):
            try:
                watcher(call)
            except Exception:
                _log.exception("stand-in Slack watcher failed for %s", method)
        return answer

    def _enter(self, method: str, params: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
        channel = params.get("channel") or params.get("channel_id")
        keys: tuple[tuple[str, str | None], ...] = ((method, None),)
        if isinstance(channel, str) and channel:
            keys += ((method, self._resolve_channel(channel)),)
        with self._cond:
            for key in keys:
                now = self._in_flight.get(key, 0) + 1
                self._in_flight[key] = now
                self._max_in_flight[key] = max(self._max_in_flight.get(key, 0), now)
        return keys

    def _leave(self, keys: tuple[tuple[str, str | None], ...]) -> None:
        with self._cond:
            for key in keys:
                self._in_flight[key] = self._in_flight.get(key, 1) - 1

    def _is_revoked(self, token: str) -> bool:
        with self._cond:
            return token in self._revoked

    def _install_of(self, call: RecordedCall) -> _Install | None:
        """The scripted install whose token made ``call`` (None: the stand-in's own team)."""
        with self._cond:
            return self._tokens.get(call.token or "")

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    def _default_for(self, method: str) -> Callable[[RecordedCall], AnswerT]:
        if method == "response_url":
            return lambda call: {"ok": True}
        if method == "files.upload_url":
            return self._files_upload_bytes
        return self._defaults.get(method, lambda call: {"ok": False, "error": "unknown_method"})

    @staticmethod
    def _run(fn: Callable[[RecordedCall], AnswerT], call: RecordedCall) -> _Answer:
        try:
            result = fn(call)
        except Exception:
            _log.exception("stand-in Slack handler for %s raised", call.method)
            return _Answer(500, {"ok": False, "error": "standin_handler_error"})
        if isinstance(result, tuple):
            status, body, headers = result
            return _Answer(status, body, dict(headers))
        return _Answer(200, result)

    def _next_ts(self) -> str:
        # Wall-clock based so apps filtering history with `oldest=now - N days` see the
        # messages; strictly increasing so every ts is unique, as in Slack.
        with self._cond:
            micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    # ------------------------------------------------------------------ default answers

    def _auth_test(self, call: RecordedCall) -> AnswerT:
        install = self._install_of(call)
        if install is not None:
            return {
                "ok": True,
                "url": f"https://{install.team_id.lower()}.slack.com/",
                "team": install.team_name,
                "user": self.bot_name,
                "team_id": install.team_id,
                "user_id": install.bot_user_id,
                "bot_id": install.bot_id,
                "enterprise_id": install.enterprise_id,
                "is_enterprise_install": False,
            }
        return {
            "ok": True,
            "url": "https://standin.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, call: RecordedCall) -> AnswerT:
        team_id = call.params.get("team") or self.team_id
        return {
            "ok": True,
            "team": {"id": team_id, "name": self.team_name, "domain": "standin", "icon": {}},
        }

    def _users_info(self, call: RecordedCall) -> AnswerT:
        install = self._install_of(call)
        with self._cond:
            user = self._users.get(str(call.params.get("user", "")))
            # A workspace's token does not see another workspace's people.
            if user is None or (install is not None and user.get("team_id") != install.team_id):
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": copy.deepcopy(user)}

    def _users_lookup_by_email(self, call: RecordedCall) -> AnswerT:
        wanted = str(call.params.get("email", "")).lower()
        with self._cond:
            for user in self._users.values():
                if str(user["profile"].get("email", "")).lower() == wanted and wanted:
                    return {"ok": True, "user": copy.deepcopy(user)}
        return {"ok": False, "error": "users_not_found"}

    def _users_list(self, call: RecordedCall) -> AnswerT:
        install = self._install_of(call)
        with self._cond:
            members = copy.deepcopy(
                [u for u in self._users.values() if install is None or u.get("team_id") == install.team_id]
            )
        return _paginate(call, members, "members", extra={"cache_ts": int(self._clock())})

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id lands in the app's DM with that user.
        if channel[:1] in {"U", "W"}:
            return "D" + channel
        return channel

    def _chat_post_message(self, call: RecordedCall) -> AnswerT:
        p = call.params
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (p.get("text") or p.get("blocks") or p.get("attachments")):
            return {"ok": False, "error": "no_text"}
        channel = self._resolve_channel(channel)
        install = self._install_of(call)
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "user": install.bot_user_id if install else self.bot_user_id,
            "bot_id": install.bot_id if install else self.bot_id,
            "app_id": self.app_id,
            "team": install.team_id if install else self.team_id,
            "text": p.get("text") or "",
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if p.get(key) is not None:
                message[key] = p[key]
        with self._cond:
            self._messages.setdefault(channel, []).append(message)
        # A copy of the top level only: edits replace a stored message's keys and never change
        # their values in place, and a deep copy of every post was most of this stand-in's CPU.
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def _chat_post_ephemeral(self, call: RecordedCall) -> AnswerT:
        p = call.params
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("user"):
            return {"ok": False, "error": "user_not_found"}
        if not (p.get("text") or p.get("blocks") or p.get("attachments")):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _chat_update(self, call: RecordedCall) -> AnswerT:
        p = call.params
        channel = self._resolve_channel(str(p.get("channel") or ""))
        ts = str(p.get("ts") or "")
        # Lenient on unknown messages: tests often update messages that reached the app
        # through a payload rather than through this stand-in.
        with self._cond:
            message = self._find_message(channel, ts)
            if message is not None:
                for key in ("text", "blocks", "attachments", "metadata"):
                    if p.get(key) is not None:
                        message[key] = p[key]
                message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
                reply = copy.deepcopy(message)
            else:
                reply = {k: p[k] for k in ("text", "blocks", "metadata") if p.get(k) is not None}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": p.get("text") or "",
            "message": reply,
        }

    def _chat_delete(self, call: RecordedCall) -> AnswerT:
        channel = self._resolve_channel(str(call.params.get("channel") or ""))
        ts = str(call.params.get("ts") or "")
        with self._cond:
            messages = self._messages.get(channel, [])
            self._messages[channel] = [m for m in messages if m["ts"] != ts]
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_open(self, call: RecordedCall) -> AnswerT:
        p = call.params
        if p.get("channel"):
            channel_id = str(p["channel"])
        else:
            users = [u for u in str(p.get("users") or "").split(",") if u.strip()]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            if len(users) == 1:
                channel_id = "D" + users[0].strip()
            else:
                channel_id = "G" + "_".join(sorted(u.strip() for u in users))
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _conversations_info(self, call: RecordedCall) -> AnswerT:
        channel_id = str(call.params.get("channel") or "")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        with self._cond:
            known = self._channels.get(channel_id)
            if known is not None:
                return {"ok": True, "channel": copy.deepcopy(known)}
        is_im = channel_id.startswith("D")
        channel: dict[str, Any] = {
            "id": channel_id,
            "is_channel": channel_id.startswith("C"),
            "is_group": channel_id.startswith("G"),
            "is_im": is_im,
            "is_private": not channel_id.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "created": int(self._clock()),
        }
        if is_im:
            channel["user"] = channel_id[1:]
        else:
            channel["name"] = channel_id.lower().removeprefix("c_")
        return {"ok": True, "channel": channel}

    def _conversations_history(self, call: RecordedCall) -> AnswerT:
        p = call.params
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        oldest = _ts_value(p.get("oldest"))
        latest = _ts_value(p.get("latest"))
        inclusive = _truthy(p.get("inclusive", False))

        def in_window(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                return False
            return not (latest is not None and (ts > latest or (ts == latest and not inclusive)))

        with self._cond:
            stored = [m for m in self._messages.get(channel, []) if in_window(m)]
            messages = copy.deepcopy(list(reversed(stored)))
        if not _truthy(p.get("include_all_metadata", False)):
            # As in Slack: a message's metadata comes back only when asked for.
            for message in messages:
                message.pop("metadata", None)
        return _paginate(call, messages, "messages", default_limit=100, history=True)

    def _view_object(
        self, view: Any, view_id: str, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(self._clock())}.{next(self._ids):08x}",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if previous is not None:
            result["root_view_id"] = previous.get("root_view_id", view_id)
        if isinstance(view, dict):
            result.update(copy.deepcopy(view))
        # These are Slack's to assign, whatever the app sent.
        result["id"] = view_id
        return result

    def _views_open(self, call: RecordedCall) -> AnswerT:
        p = call.params
        if not isinstance(p.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        if not (p.get("trigger_id") or p.get("interactivity_pointer")):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._view_object(p["view"], self._next_id("V"), None)
        with self._cond:
            self._views[view["id"]] = view
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_update(self, call: RecordedCall) -> AnswerT:
        p = call.params
        if not isinstance(p.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        with self._cond:
            view_id = str(p.get("view_id") or "")
            if not view_id and p.get("external_id"):
                view_id = next(
                    (
                        v["id"]
                        for v in self._views.values()
                        if v.get("external_id") == p["external_id"]
                    ),
                    "",
                )
            if not view_id:
                return {"ok": False, "error": "not_found"}
            view = self._view_object(p["view"], view_id, self._views.get(view_id))
            self._views[view_id] = view
            return {"ok": True, "view": copy.deepcopy(view)}

    def _views_publish(self, call: RecordedCall) -> AnswerT:
        p = call.params
        user_id = str(p.get("user_id") or "")
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(p.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        with self._cond:
            # A user's Home tab keeps its view id across publishes.
            view_id = self._home_view_ids.setdefault(user_id, self._next_id("V"))
            view = self._view_object({"type": "home", **p["view"]}, view_id, None)
            self._views[view_id] = view
            return {"ok": True, "view": copy.deepcopy(view)}

    def _files_get_upload_url(self, call: RecordedCall) -> AnswerT:
        p = call.params
        filename = str(p.get("filename") or "")
        if not filename or p.get("length") in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        with self._cond:
            self._uploads[file_id] = _Upload(file_id, filename, _int_param(p.get("length"), 0))
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_upload_bytes(self, call: RecordedCall) -> AnswerT:
        with self._cond:
            upload = self._uploads.get(call.params["file_id"])
            if upload is None:
                return 404, {"ok": False, "error": "file_not_found"}, {}
            upload.content = call.body
        return {"ok": True, "size": len(call.body)}

    def _files_complete_upload(self, call: RecordedCall) -> AnswerT:
        p = call.params
        entries = p.get("files")
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        result = []
        with self._cond:
            for entry in entries:
                upload = self._uploads.get(str(entry.get("id", "")))
                if upload is None or upload.content is None:
                    return {"ok": False, "error": "file_not_found"}
                upload.title = entry.get("title") or upload.filename
                upload.channel_id = p.get("channel_id") or p.get("channels")
                upload.initial_comment = p.get("initial_comment")
                upload.completed = True
                result.append(
                    {
                        "id": upload.file_id,
                        "name": upload.filename,
                        "title": upload.title,
                        "size": len(upload.content),
                        "user": self.bot_user_id,
                    }
                )
            channel = p.get("channel_id")
            if isinstance(channel, str) and channel:
                # Sharing files in a conversation posts a message carrying them, with the
                # initial comment as its text; conversations.history shows it.
                self._messages.setdefault(self._resolve_channel(channel), []).append(
                    {
                        "type": "message",
                        "ts": self._next_ts(),
                        "user": self.bot_user_id,
                        "bot_id": self.bot_id,
                        "app_id": self.app_id,
                        "team": self.team_id,
                        "text": str(p.get("initial_comment") or ""),
                        "upload": True,
                        "files": copy.deepcopy(result),
                    }
                )
        return {"ok": True, "files": result}

    def _oauth_v2_access(self, call: RecordedCall) -> AnswerT:
        refused = self._check_oauth_client(call)
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
            return {
                "ok": True,
                "app_id": self.app_id,
                "authed_user": {"id": install.installer},
                "scope": install.scope,
                "token_type": "bot",
                "access_token": install.token,
                "bot_user_id": install.bot_user_id,
                "team": {"id": install.team_id, "name": install.team_name},
                "enterprise": (
                    {"id": install.enterprise_id, "name": install.enterprise_id} if install.enterprise_id else None
                ),
                "is_enterprise_install": False,
            }
        if scripted or not code:
            # Once installs are scripted, any other code is one Slack never issued.
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "U_INSTALLER"},
            "scope": "commands,chat:write,users:read,im:write,files:write",
            "token_type": "bot",
            "access_token": f"xoxb-standin-{self.team_id}",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }


    def _check_oauth_client(self, call: RecordedCall) -> str | None:
        """Slack's error when the app's client id or secret is wrong (None: accepted)."""
        with self._cond:
            expected = self._oauth_client
        if expected is None:
            return None
        client_id, client_secret = _basic_auth(call.headers.get("authorization"))
        client_id = client_id or str(call.params.get("client_id") or "")
        client_secret = client_secret or str(call.params.get("client_secret") or "")
        if client_id != expected[0]:
            return "invalid_client_id"
        if client_secret != expected[1]:
            return "bad_client_secret"
        return None


# ---------------------------------------------------------------------- helpers


def _basic_auth(authorization: str | None) -> tuple[str, str]:
    """(client id, secret) from an ``Authorization: Basic …`` header, or empty strings."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in {"[", "{"}:
            # Undecodable text is left as sent, so a test can see what the app got wrong.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Merge query string and body arguments; raises ValueError on an undecodable JSON body."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return _decode_json_fields(params)
    if mime == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        params.update(decoded)
    elif mime == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    else:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return _decode_json_fields(params)


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    # The legacy files.upload sends multipart; file parts stay bytes, the rest become str.
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            fields[str(name)] = payload
        else:
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return fields


def _paginate(
    call: RecordedCall,
    items: list[dict[str, Any]],
    key: str,
    *,
    default_limit: int = 0,
    history: bool = False,
    extra: dict[str, Any] | None = None,
) -> AnswerT:
    cursor = str(call.params.get("cursor") or "")
    start = 0
    if cursor:
        decoded = _decode_cursor(cursor)
        if decoded is None:
            return {"ok": False, "error": "invalid_cursor"}
        start = decoded
    limit = _int_param(call.params.get("limit"), default_limit)
    end = len(items) if limit <= 0 else start + limit
    page = items[start:end]
    next_cursor = _encode_cursor(end) if end < len(items) else ""
    answer: dict[str, Any] = {"ok": True, key: page}
    if history:
        answer["has_more"] = bool(next_cursor)
        answer["pin_count"] = 0
    answer.update(extra or {})
    answer["response_metadata"] = {"next_cursor": next_cursor}
    return answer


def _fault_answer(fault: _Fault) -> _Answer:
    if fault.drop_connection:
        return _Answer(drop_connection=True, delay=fault.delay)
    default_error = "ratelimited" if fault.status == 429 else "internal_error"
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    return _Answer(
        fault.status,
        {"ok": False, "error": fault.error or default_error},
        headers,
        delay=fault.delay,
    )


def _handled_fault_answer(fault: _Fault, handled: _Answer) -> _Answer:
    # The work is done; what the client gets is the fault's answer, or the real one late.
    if fault.drop_connection or fault.error is not None or fault.status != 200:
        return _fault_answer(fault)
    handled.delay += fault.delay
    return handled


def _abbreviate(params: dict[str, Any], limit: int = 200) -> str:
    text = repr({k: ("<bytes>" if isinstance(v, bytes) else v) for k, v in params.items()})
    return text if len(text) <= limit else text[: limit - 3] + "..."
