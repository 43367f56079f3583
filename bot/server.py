"""HTTP serving: Bolt behind waitress, plus /healthz, with a hardened edge.

waitress is a production WSGI server (multi-threaded, pure Python, no C build) where Bolt's
own `app.start()` is a development server that handles one request at a time. waitress reads
every request (headers and body) in its event loop and hands only complete ones to the worker
threads, so slow clients hold a connection slot, never a thread.

Routes: `POST /slack/events` (commands, interactivity, events), `GET /healthz`, and with
OAuth (bot/oauth.py) `GET /slack/install` and `GET /slack/oauth_redirect`, which Bolt's
adapter hands to the app's OAuth flow; without OAuth they answer 404.

The edge, before Bolt sees a request to /slack/events:

- a body over `MAX_BODY_BYTES` is refused with 413 before it is read: waitress answers on the
  Content-Length alone, and cuts a chunked body off at the limit;
- the signature is verified before the body is parsed: no signature, a malformed timestamp, a
  stale or wrong signature answer 401; a signed body that does not parse, or lacks what Slack
  always sends (the workspace, the user, a view's id…), answers 400. Each refusal logs one
  line, never the body;
- Slack waits 3 seconds: each request's database waits are bounded (`storage.db.bounded_waits`),
  so an unreachable database fails the request in time (bot/app.py turns that into a message).
"""

from __future__ import annotations

import json
import logging
import resource
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from storage.db import Database, bounded_waits

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a view_submission of a modal with 100 blocks of filled-in
# inputs, an event with a long message) stay well under 1 MiB.
MAX_BODY_BYTES = 1024 * 1024
# No single database wait of a Slack request (a statement, a commit, a lock) may take longer:
# Slack waits 3 s. A slow request of many quick statements is not cut, a hung one is.
# /healthz answers sooner: probes have short timeouts.
DATABASE_WAIT_S = 2.0
HEALTH_WAIT_S = 1.0

# waitress: connection slots are cheap (a socket and its buffers, no thread), so there are
# many; a connection that sends nothing for CHANNEL_TIMEOUT_S is closed. waitress has no
# deadline for a whole request's headers: a client dripping a byte every few seconds keeps
# its slot until it finishes — the reverse proxy's header and body timeouts end those
# (README, "Production serving").
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT_S = 20
CLEANUP_INTERVAL_S = 5
MAX_HEADER_BYTES = 64 * 1024


def wsgi_app(bolt: App, db: Database | None, *, signing_secret: str | None = None) -> WsgiApp:
    """The WSGI application. `signing_secret` defaults to the one `bolt` was built with."""
    slack = SlackRequestHandler(bolt)
    verifier = SignatureVerifier(signing_secret or _signing_secret_of(bolt))
    keep_bodies_out_of_logs()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method == "GET":
            return _health(db, start_response)
        if path == EVENTS_PATH and method == "POST":
            return _events(bolt, verifier, environ, start_response)
        with bounded_waits(DATABASE_WAIT_S):
            return slack(environ, start_response)

    return application


def _signing_secret_of(bolt: App) -> str:
    # Bolt keeps the secret it verifies with but offers no accessor for it.
    secret = getattr(bolt, "_signing_secret", None)
    if not secret:
        raise TypeError("wsgi_app needs signing_secret= (the Bolt app does not expose its own)")
    return str(secret)


def _health(db: Database | None, start_response: Callable[..., Any]) -> Iterable[bytes]:
    if db is None:
        healthy = True
    else:
        with bounded_waits(HEALTH_WAIT_S):
            healthy = db.ping()
    body = json.dumps({"ok": healthy, "database": "ok" if healthy else "unreachable"}).encode()
    start_response(
        "200 OK" if healthy else "503 Service Unavailable",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_REFUSAL_BODIES = {
    400: ("400 Bad Request", b"Bad Request"),
    401: ("401 Unauthorized", b'{"error": "invalid request"}'),
    413: ("413 Request Entity Too Large", b"Request Entity Too Large"),
}


def _events(
    bolt: App,
    verifier: SignatureVerifier,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> Iterable[bytes]:
    try:
        text = _signed_body(verifier, environ)
        try:
            request = BoltRequest(
                body=text,
                query=environ.get("QUERY_STRING", ""),
                headers=WsgiHttpRequest(environ).get_headers(),
            )
        except (ValueError, TypeError, AttributeError) as error:
            # JSON that does not parse, or parses to something other than an object.
            raise Refusal(400, f"signed body does not parse ({type(error).__name__})") from None
        problem = payload_problem(request.body)
        if problem is not None:
            raise Refusal(400, f"signed payload {problem}")
    except Refusal as refusal:
        if refusal.status == 401 and _is_ssl_check(environ):
            # Slack's certificate check of a slash command's URL; Bolt answers it unsigned too.
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        level = logging.WARNING if refusal.status == 400 else logging.INFO
        log.log(
            level,
            "Refused %s %s with %d: %s (%s bytes from %s)",
            environ.get("REQUEST_METHOD"),
            EVENTS_PATH,
            refusal.status,
            refusal.reason,
            environ.get("CONTENT_LENGTH") or "0",
            environ.get("REMOTE_ADDR", "?"),
        )
        status, body = _REFUSAL_BODIES[refusal.status]
        content_type = "application/json" if body.startswith(b"{") else "text/plain; charset=utf-8"
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
    with bounded_waits(DATABASE_WAIT_S):
        response = bolt.dispatch(request)
    answer = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(answer.status, answer.get_headers())
    return answer.get_body()


def _signed_body(verifier: SignatureVerifier, environ: dict[str, Any]) -> str:
    """The body, once its size and Slack signature check out; else raises Refusal."""
    length_header = environ.get("CONTENT_LENGTH") or "0"
    if not length_header.isdigit():
        raise Refusal(400, "malformed Content-Length")
    length = int(length_header)
    if length > MAX_BODY_BYTES:  # waitress has already said so; other servers may not
        raise Refusal(413, f"body over {MAX_BODY_BYTES} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "body is not UTF-8") from None
    environ["paceline.body"] = text
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refusal(401, "missing or malformed X-Slack-Request-Timestamp")
    if not signature or not signature.isascii():
        raise Refusal(401, "missing or malformed X-Slack-Signature")
    if not verifier.is_valid(text, timestamp, signature):
        raise Refusal(401, "wrong or expired signature")
    return text


def _is_ssl_check(environ: dict[str, Any]) -> bool:
    text = environ.get("paceline.body", "")
    return (
        len(text) < 1024 and "payload" not in text and dict(parse_qsl(text)).get("ssl_check") == "1"
    )


_INTERACTIONS = {
    "block_actions",
    "block_suggestion",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "interactive_message",
    "dialog_submission",
    "dialog_suggestion",
    "dialog_cancellation",
}


def payload_problem(body: Any) -> str | None:
    """What a signed payload lacks of what Slack always sends (None: nothing). Listeners may
    then rely on it: a command's team and user, an interaction's team, user and view id, an
    event's team and event."""
    if not isinstance(body, dict):
        return "is not an object"
    if "command" in body:  # a slash command (form fields)
        for name in ("command", "team_id", "user_id"):
            if not _text(body.get(name)):
                return f"lacks {name}"
        return None
    kind = body.get("type")
    if kind == "url_verification":
        return None if _text(body.get("challenge")) else "lacks challenge"
    if kind == "event_callback":
        if not _text(body.get("team_id")):
            return "lacks team_id"
        event = body.get("event")
        if not isinstance(event, dict) or not _text(event.get("type")):
            return "lacks event.type"
        return None
    if kind in _INTERACTIONS:
        if "team" not in body:
            return "lacks team"
        team = body["team"]
        if team is None:  # an organisation-wide install: the enterprise names it
            if not body.get("enterprise"):
                return "lacks team"
        elif not isinstance(team, dict) or not _text(team.get("id")):
            return "lacks team.id"
        user = body.get("user")
        if not isinstance(user, dict) or not _text(user.get("id")):
            return "lacks user.id"
        if kind in ("view_submission", "view_closed"):
            view = body.get("view")
            if not isinstance(view, dict) or not _text(view.get("id")):
                return "lacks view.id"
        if kind == "block_actions":
            actions = body.get("actions")
            if (
                not isinstance(actions, list)
                or not actions
                or not all(isinstance(a, dict) for a in actions)
            ):
                return "lacks actions"
        return None
    return None  # anything else (ssl_check, app_rate_limited …) is Bolt's to answer


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


class _NoBodies(logging.Filter):
    """Bolt logs the whole body of a request whose signature fails, at INFO
    (slack_bolt.middleware.request_verification, `_debug_log_error`): an unsigned 512 MiB POST
    became a 512 MiB log line. Keep the line, drop the body."""

    PREFIX = "Invalid request signature detected"

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(self.PREFIX):
            record.msg = f"{self.PREFIX} (request body not logged)"
            record.args = ()
        return True


_no_bodies = _NoBodies()


def keep_bodies_out_of_logs() -> None:
    """Install the filter on Bolt's request-verification logger (idempotent)."""
    logger = logging.getLogger("slack_bolt.RequestVerification")
    if _no_bodies not in logger.filters:
        logger.addFilter(_no_bodies)


def _fit_connection_limit(limit: int) -> int:
    """Each connection is a file descriptor (up to three while it buffers a large body):
    raise the soft limit on open files towards the hard one if needed, else serve fewer."""
    needed = limit * 3 + 256
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < needed:
            target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    except (ValueError, OSError) as error:
        log.warning("could not raise the open-files limit: %s", error)
        return limit
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitted = max(100, (soft - 256) // 3)
        log.warning(
            "open-files limit %d: serving at most %d connections instead of %d", soft, fitted, limit
        )
        return fitted
    return limit


class HttpServer:
    """A waitress server that can also run in a background thread (tests, benchmarks)."""

    def __init__(
        self,
        app: WsgiApp,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = 8,
        *,
        connection_limit: int = CONNECTION_LIMIT,
        channel_timeout: int = CHANNEL_TIMEOUT_S,
    ) -> None:
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="paceline",
            # 413 from the Content-Length alone, before any of the body is read; a chunked
            # body is cut off there (waitress refuses at >= the setting, hence the + 1).
            max_request_body_size=MAX_BODY_BYTES + 1,
            max_request_header_size=MAX_HEADER_BYTES,
            connection_limit=_fit_connection_limit(connection_limit),
            channel_timeout=channel_timeout,
            cleanup_interval=CLEANUP_INTERVAL_S,
            # select() cannot watch descriptors above 1023; poll() can.
            asyncore_use_poll=True,
        )
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = self._server.effective_host
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            # stop() closes the sockets under the loop's poll, which then fails on a closed
            # descriptor: expected while stopping, a real error otherwise.
            if not self._stopping.is_set():
                raise

    def start(self) -> HttpServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="paceline-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        # Task threads first: one finishing after close() would pull the closed trigger.
        self._server.task_dispatcher.shutdown(timeout=5)
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
