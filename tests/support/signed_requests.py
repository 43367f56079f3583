"""Send Slack-signed requests to the app over HTTP, the way Slack does.

Slash commands and interactions are form-encoded (interactions as ``payload=<json>``), events
are JSON; each request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` so the
app's real signature verification runs. Connections are kept alive per thread so the client can
also drive latency benchmarks without paying a TCP handshake per request.
"""

from __future__ import annotations

import http.client
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

__all__ = ["HttpResponse", "SignedSlackClient", "slack_signature"]

EVENTS_PATH = "/slack/events"

# Errors that mean a kept-alive connection went stale between requests (the server closed
# it while idle). Only these, and only on a reused connection, are retried.
_STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    http.client.ResponseNotReady,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature (``v0=`` + hex HMAC-SHA256 of ``v0:<ts>:<body>``), made by
    slack_sdk's own SignatureVerifier. It reads the body as UTF-8, as Slack's bodies always
    are; a body that is not (UnicodeDecodeError here) goes out unsigned with ``post_raw``."""
    signature = SignatureVerifier(signing_secret).generate_signature(
        timestamp=str(timestamp), body=body
    )
    if signature is None:  # only without a timestamp
        raise ValueError("a Slack signature needs a timestamp")
    return signature


@dataclass
class HttpResponse:
    """What the app answered. Header names are lower-cased."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _name_for(user_id: str) -> str:
    # "U_MARIA" -> "maria": readable defaults that match the ids the tests use.
    return user_id.lower().removeprefix("u_").removeprefix("w_") or user_id.lower()


class SignedSlackClient:
    """Plays Slack's side of the Events/Interactivity/Commands HTTP endpoints.

    Every sending method accepts the signing overrides ``timestamp=`` (seconds, instead of
    ``clock()``), ``secret=`` (sign with another secret), ``signature=`` (send this header
    verbatim) and ``headers=`` (extra request headers, e.g. ``X-Slack-Retry-Num``).
    """

    # Called with (request body, its content type, the app's answer) for every signed request
    # any client sends: the test suite checks each answer (a command's reply, a modal's
    # response_action) against Slack's limits (tests/conftest.py).
    watchers: ClassVar[list[Callable[[bytes, str, HttpResponse], None]]] = []

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        team_id: str = "T_TEST",
        enterprise_id: str | None = None,
        response_url: str = "",
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        *,
        api_app_id: str = "A_STANDIN",
        bot_user_id: str = "UBOT",
        verification_token: str = "standin-verification-token",
        team_domain: str = "standin",
        on_response: Callable[[HttpResponse], None] | None = None,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"app_url must be an http(s) URL, not {app_url!r}")
        self.app_url = app_url.rstrip("/")
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self.response_url = response_url
        self.clock = clock
        self.timeout = timeout
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.verification_token = verification_token
        self.team_domain = team_domain
        # Called with every response before it is returned: tests wait there for the work
        # the app does after its answer (its lazy listeners) to finish.
        self.on_response = on_response

        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._base_path = parts.path.rstrip("/")
        self._local = threading.local()
        self._all_connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ connection handling

    def close(self) -> None:
        """Close every connection this client opened, from any thread."""
        with self._lock:
            connections, self._all_connections = self._all_connections, []
        for conn in connections:
            conn.close()

    def __enter__(self) -> SignedSlackClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._scheme == "https":
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._local.conn = conn
            with self._lock:
                self._all_connections.append(conn)
        return conn

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> HttpResponse:
        conn = self._connection()
        # http.client reconnects on its own once a response said "Connection: close", so a
        # socket that is still set here is a kept-alive one the server may have dropped.
        reused = conn.sock is not None
        try:
            response = self._exchange(conn, method, path, body, headers)
        except _STALE_CONNECTION_ERRORS:
            conn.close()
            if not reused:
                raise
            response = self._exchange(conn, method, path, body, headers)
        if self.on_response is not None:
            self.on_response(response)
        return response

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> HttpResponse:
        try:
            conn.request(method, self._base_path + path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            # A half-finished exchange leaves the connection unusable for the next request.
            conn.close()
            raise
        return HttpResponse(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
        )

    # ------------------------------------------------------------------ raw access

    def get(self, path: str) -> HttpResponse:
        return self._request("GET", path, None, {})

    def post_raw(self, path: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        """POST exactly these bytes and headers (no signing): for malformed-request tests."""
        return self._request("POST", path, body, dict(headers))

    def _post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        ts = str(int(self.clock()) if timestamp is None else int(timestamp))
        if signature is None:
            signature = slack_signature(self.signing_secret if secret is None else secret, ts, body)
        request_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        request_headers.update(headers or {})
        response = self._request("POST", EVENTS_PATH, body, request_headers)
        for watcher in list(SignedSlackClient.watchers):
            watcher(body, content_type, response)
        return response

    # ------------------------------------------------------------------ payload builders

    def _trigger_id(self) -> str:
        return f"{next(self._ids)}.{int(self.clock())}.{secrets.token_hex(16)}"

    def _team(self, team_id: str | None) -> str:
        return team_id or self.team_id

    def _enterprise(self) -> dict[str, str] | None:
        return {"id": self.enterprise_id} if self.enterprise_id else None

    def _user(self, user_id: str, team_id: str | None) -> dict[str, str]:
        name = _name_for(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self._team(team_id)}

    def _interaction_base(self, kind: str, user_id: str, team_id: str | None) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": self._team(team_id), "domain": self.team_domain},
            "enterprise": self._enterprise(),
            "user": self._user(user_id, team_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger_id(),
            "is_enterprise_install": False,
        }

    # ------------------------------------------------------------------ Slack requests

    def command(
        self,
        command: str,
        text: str = "",
        user_id: str = "U_MARIA",
        user_name: str = "maria",
        channel_id: str = "C_GENERAL",
        team_id: str | None = None,
        trigger_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        *,
        channel_name: str | None = None,
        response_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """A slash command, form-encoded with the fields Slack sends."""
        if channel_name is None:
            if channel_id.startswith("D"):
                channel_name = "directmessage"
            else:
                channel_name = channel_id.lower().removeprefix("c_")
        fields = {
            "token": self.verification_token,
            "team_id": self._team(team_id),
            "team_domain": self.team_domain,
        }
        if self.enterprise_id:
            fields["enterprise_id"] = self.enterprise_id
            fields["enterprise_name"] = self.enterprise_id
        fields.update(
            {
                "channel_id": channel_id,
                "channel_name": channel_name,
                "user_id": user_id,
                "user_name": user_name,
                "command": command,
                "text": text,
                "api_app_id": self.api_app_id,
                "is_enterprise_install": "false",
                "response_url": self.response_url if response_url is None else response_url,
                "trigger_id": trigger_id or self._trigger_id(),
            }
        )
        return self._post_signed(
            urlencode(fields).encode("utf-8"),
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            secret=secret,
            signature=signature,
            headers=headers,
        )

    def interaction(self, payload: dict[str, Any], **sign_kw: Any) -> HttpResponse:
        """Any interactivity payload, sent as Slack does: form field ``payload=<json>``."""
        body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
        return self._post_signed(body, "application/x-www-form-urlencoded", **sign_kw)

    def block_action(
        self,
        action_id: str,
        value: str = "",
        user_id: str = "U_MARIA",
        team_id: str | None = None,
        view: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        block_id: str = "b",
        *,
        action: dict[str, Any] | None = None,
        channel_id: str = "C_GENERAL",
        message_ts: str | None = None,
        **sign_kw: Any,
    ) -> HttpResponse:
        """A button click (``action=`` overrides/extends the action, e.g. for selects).

        With ``view`` the action comes from a modal or Home tab; otherwise from a message in
        ``channel_id``, which also carries ``response_url``.
        """
        payload = self._interaction_base("block_actions", user_id, team_id)
        clicked: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "text": {"type": "plain_text", "text": action_id},
            "action_ts": f"{self.clock():.6f}",
        }
        clicked.update(action or {})
        payload["actions"] = [clicked]
        payload["state"] = {"values": {}}
        if view is not None:
            full_view = {"id": "V1", "type": "modal", "state": {"values": {}}, **view}
            payload["view"] = full_view
            payload["container"] = container or {
                "type": "view",
                "view_id": full_view["id"],
            }
        else:
            ts = message_ts or f"{self.clock():.6f}"
            payload["container"] = container or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": channel_id.lower().removeprefix("c_")}
            payload["message"] = {"type": "message", "ts": ts, "text": "", "blocks": []}
            payload["response_url"] = self.response_url
        return self.interaction(payload, **sign_kw)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, Any],
        user_id: str = "U_MARIA",
        private_metadata: str = "",
        view_id: str = "V1",
        view_hash: str = "h1",
        team_id: str | None = None,
        *,
        blocks: list[dict[str, Any]] | None = None,
        **sign_kw: Any,
    ) -> HttpResponse:
        """A modal submit; ``values`` is in Slack's ``view.state.values`` shape."""
        payload = self._interaction_base("view_submission", user_id, team_id)
        payload["view"] = {
            "id": view_id,
            "team_id": self._team(team_id),
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": view_hash,
            "title": {"type": "plain_text", "text": callback_id[:24] or "Modal"},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": self._team(team_id),
            "bot_id": "B_STANDIN",
        }
        payload["response_urls"] = []
        return self.interaction(payload, **sign_kw)

    def event(
        self,
        event: dict[str, Any],
        team_id: str | None = None,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        **sign_kw: Any,
    ) -> HttpResponse:
        """An Events API ``event_callback`` envelope around ``event``, sent as JSON.

        ``event_id`` and ``event_time`` default to a fresh id and now; give the first
        delivery's to send a retry of it (with ``headers={"X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout"}``), as Slack does."""
        team = self._team(team_id)
        now = int(self.clock()) if event_time is None else event_time
        envelope = {
            "token": self.verification_token,
            "team_id": team,
            "enterprise_id": self.enterprise_id,
            "context_team_id": team,
            "context_enterprise_id": self.enterprise_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):010d}",
            "event_time": now,
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        body = json.dumps(envelope).encode("utf-8")
        return self._post_signed(body, "application/json", **sign_kw)

    def url_verification(
        self, challenge: str = "standin-challenge", **sign_kw: Any
    ) -> HttpResponse:
        """The handshake Slack sends when the Request URL is configured."""
        body = json.dumps(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        ).encode("utf-8")
        return self._post_signed(body, "application/json", **sign_kw)
