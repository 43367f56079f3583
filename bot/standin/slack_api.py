"""A stand-in for Slack's Web API, served over HTTP on loopback: what the local console
runs the app against.

The app talks to it with the real slack_sdk ``WebClient`` (``base_url=api_url``), so the whole
HTTP path (form/JSON encoding, headers, retries, error handling) is exercised. The console
sees every call through the ``on_call`` hook to show what the app "posted".

Answers are shaped like Slack's for the fields slack_sdk and slack_bolt read, for one
workspace. Anything not covered by a default can be scripted with ``set_handler``.

The tests extend it (tests/support/slack_api.py: recorded calls and waiting for them, faults,
OAuth installs of several workspaces) through the hooks ``_answer_call``, ``_refused``,
``_recorded``, ``_deliver``, ``_sees`` and ``_bot_of``.
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
from collections.abc import Callable
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
class _Answer:
    """What the stand-in sends back for one request."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


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
        body = self._read_body()  # outside the try: a body cut short is no call at all
        try:
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = standin._answer(self.command, self.path, headers, body)
            payload = json.dumps(answer.body).encode("utf-8")
        except Exception:
            _log.exception("stand-in Slack failed to answer %s %s", self.command, self.path)
            answer = _Answer(500, {"ok": False, "error": "standin_internal_error"})
            payload = json.dumps(answer.body).encode("utf-8")
        standin._deliver(self, answer, payload)


class StandInSlack(LoopbackServer):
    """Slack's Web API on 127.0.0.1, showing every call the app makes to ``on_call``.

    Use as a context manager or call ``start()``/``stop()``. All public methods are
    thread-safe; the server answers each connection on its own daemon thread.
    """

    # Called with every call any stand-in answers, after ``on_call``: the test suite checks
    # each payload the app sends against Slack's limits (tests/conftest.py). Class-wide, so
    # the stand-ins a test builds for itself and the one a console session starts are
    # watched too.
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
        self._clock = clock

        # A condition, not a plain lock: the tests' stand-in waits on it for calls.
        self._cond = threading.Condition(threading.RLock())
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}
        self._uploads: dict[str, _Upload] = {}
        self._handlers: dict[str, HandlerT] = {}
        self._ids = itertools.count(1)
        self._last_ts_micros = 0

        self._init_loopback(self._cond)

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
        }

    # ------------------------------------------------------------------ lifecycle

    def _address(self) -> tuple[str, int]:
        return (self.host, self.port)

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

    def default_answer(self, call: RecordedCall) -> AnswerT:
        """What the stand-in answers ``call`` with when no handler is set: lets a handler
        do the usual work (store a post) and then misbehave (hold the answer back)."""
        return self._default_for(call.method)(call)

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
                params = None  # answered with invalid_json by _answer_call, and still shown
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
        answer = self._answer_call(call, parsed=params is not None, is_api=is_api)
        call.status = answer.status
        self._recorded(call)
        return answer

    def _answer_call(self, call: RecordedCall, *, parsed: bool, is_api: bool) -> _Answer:
        """The answer to ``call``: Slack's refusal, or what its handler or default says.
        ``parsed`` is False when the body did not decode; ``is_api`` for Web API methods."""
        with self._cond:
            handler = self._handlers.get(call.method)
        if not parsed:
            return _Answer(200, {"ok": False, "error": "invalid_json"})
        refused = self._refused(call, is_api=is_api)
        if refused is not None:
            return _Answer(200, {"ok": False, "error": refused})
        return self._run(handler or self._default_for(call.method), call)

    def _refused(self, call: RecordedCall, *, is_api: bool) -> str | None:
        """Slack's error for a Web API call it refuses before running the method (None: runs)."""
        if is_api and call.token is None and call.method not in _NO_TOKEN_METHODS:
            return "not_authed"
        return None

    def _recorded(self, call: RecordedCall) -> None:
        """Show an answered call to ``on_call`` and the watchers."""
        if self.on_call is not None:
            try:
                self.on_call(call)
            except Exception:
                # A broken observer must not turn into a failed Slack call for the app.
                _log.exception("stand-in Slack on_call hook failed for %s", call.method)
        for watcher in list(StandInSlack.watchers):
            try:
                watcher(call)
            except Exception:
                _log.exception("stand-in Slack watcher failed for %s", call.method)

    def _deliver(self, handler: JsonRequestHandler, answer: _Answer, payload: bytes) -> None:
        """Write ``answer`` (its body already encoded as ``payload``) to the connection."""
        handler._send_json(answer.status, payload, answer.headers)

    def _sees(self, call: RecordedCall, user: dict[str, Any]) -> bool:
        """Whether the token of ``call`` sees ``user``: with one workspace, everyone."""
        return True

    def _bot_of(self, call: RecordedCall) -> tuple[str, str, str]:
        """(bot user id, bot id, team id) of the app posting with the token of ``call``:
        with one workspace, the stand-in's own."""
        return self.bot_user_id, self.bot_id, self.team_id

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
        with self._cond:
            user = self._users.get(str(call.params.get("user", "")))
            if user is None or not self._sees(call, user):
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
        with self._cond:
            members = copy.deepcopy([u for u in self._users.values() if self._sees(call, u)])
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
        bot_user_id, bot_id, team_id = self._bot_of(call)
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "user": bot_user_id,
            "bot_id": bot_id,
            "app_id": self.app_id,
            "team": team_id,
            "text": p.get("text") or "",
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if p.get(key) is not None:
                message[key] = p[key]
        with self._cond:
            self._messages.setdefault(channel, []).append(message)
        # A copy of the top level only: edits replace a stored message's keys and never change
        # their values in place, and benchmarks count this stand-in's CPU against the app.
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


# ---------------------------------------------------------------------- helpers


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
