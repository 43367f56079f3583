"""The outbox sender's WebClient: slack-sdk's client with its Web API calls sent over
connections that stay open between calls.

slack-sdk's WebClient opens a new connection for every call (urllib's `urlopen`). The
sender makes thousands of calls in a burst from a few threads, and a new TCP (and, against
Slack, TLS) connection per post costs more than the post itself. This client overrides only
the public `api_call`, through which every WebClient method goes; it builds each request as
slack-sdk does (the same body, token and headers) and reads the answer into the same
`SlackResponse`, validated the same way, so a refusal raises the same `SlackApiError`
(a 429 with its Retry-After header).

The HTTP is the standard library's `http.client`, the client slack-sdk's own WebClient sends
through (urllib is built on it): its `HTTPConnection` keeps its socket open between requests
while the server does. Each thread keeps one connection per host (a sender thread makes one
call at a time; a shared pool would only add a lock), replaced when it has been idle long
enough for a server to close it, or when the server already has. urllib3's pools did the
same job at a fifth more CPU a post, which put the jobs bench's delivery over its target
(docs/performance.md, "The sender's HTTP client").

It never re-sends a request on its own (no retry handlers): a call whose connection fails is
the caller's unknown outcome (the sender checks the channel's history before posting again),
and it raises what http.client raised (`TimeoutError`, `ConnectionRefusedError`,
`RemoteDisconnected` …), as slack-sdk's own client does. A connection whose call failed is
closed, so a late answer is never read as the next call's. File uploads (multipart),
Basic-auth calls, proxies and a client given retry handlers take slack-sdk's own path.
"""

from __future__ import annotations

import email.message
import functools
import http.client
import json
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.deprecation import show_deprecation_warning_if_any
from slack_sdk.web.slack_response import SlackResponse
from urllib3.util import wait_for_read

# Servers close idle keep-alive connections (commonly after 5-75 s); a connection idle for
# longer than this is replaced before use rather than risk a post on a closing socket.
MAX_IDLE_SECONDS = 4.0

FORM = "application/x-www-form-urlencoded"
JSON = "application/json;charset=utf-8"
JSON_ON_GET = "Json data can only be submitted as POST requests. GET requests should use the 'params' argument."


@dataclass(frozen=True)
class SlackRequest:
    """One Web API call as slack-sdk's WebClient sends it: always a POST, the arguments as
    a JSON or form body, the token in the Authorization header."""

    url: str
    headers: dict[str, str]
    body: bytes | None
    params: dict[str, Any]  # the form arguments, as SlackResponse keeps them
    json: dict[str, Any] | None


@dataclass
class _Kept:
    connection: http.client.HTTPConnection
    last_used: float


class PooledWebClient(WebClient):
    """A WebClient whose calls reuse each thread's open connection. It never retries: give
    it no retry handlers (the default here); given some, it answers as the stock client."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("retry_handlers", [])
        super().__init__(*args, **kwargs)
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = self.ssl  # the default one is made on first use

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict | None = None,
        data: dict | None = None,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        auth: dict | None = None,
    ) -> SlackResponse:
        url = api_url(self.base_url, api_method)
        stock = (
            files is not None or auth is not None or self.proxy is not None or self.retry_handlers
        )
        if stock or not url.lower().startswith("http"):
            return super().api_call(
                api_method, http_verb=http_verb, files=files, data=data, params=params, json=json,
                headers=headers, auth=auth,
            )  # fmt: skip
        _warn_if_deprecated(api_method)
        request = self.build_request(url, http_verb, data, params, json, headers)
        status, answer_headers, body = self._send(request)
        return self._response(request, status, answer_headers, body)

    def build_request(
        self,
        url: str,
        http_verb: str,
        data: dict | None,
        params: dict | None,
        json_body: dict | None,
        headers: dict | None,
    ) -> SlackRequest:
        """What slack-sdk's `api_call` sends for these arguments (see `_build_req_args` and
        `_urllib_api_call` in slack_sdk.web): None values dropped, the client's `team_id`
        added, booleans as "1"/"0", a `token` argument moved to the Authorization header."""
        if json_body is not None and http_verb != "POST":
            raise SlackRequestError(JSON_ON_GET)
        body_params: dict[str, Any] = {}
        token = self.token
        for given in (params, data):
            if given is not None:
                kept = {k: v for k, v in given.items() if v is not None}
                for name, value in self.default_params.items():
                    kept.setdefault(name, value)
                if given is params:
                    token = kept.pop("token", token)
                body_params.update(kept)
        if json_body is not None:
            for name, value in self.default_params.items():
                json_body.setdefault(name, value)
            token = json_body.pop("token", token)
        body_params = {
            k: ("1" if v else "0") if isinstance(v, bool) else v for k, v in body_params.items()
        }
        body: bytes | None = None
        kind = ""
        if json_body:
            body, kind = json.dumps(json_body).encode("utf-8"), "json"
        elif body_params:
            body, kind = urlencode(body_params).encode("utf-8"), "form"
        key = (
            tuple((headers or {}).items()),
            tuple(self.headers.items()),
            token,
            self.token,
            json_body is not None,
            kind,
        )
        try:
            wire, shown = _headers_for(*key)
        except TypeError:  # a header value that cannot be a cache key
            wire, shown = _headers_for.__wrapped__(*key)
        if self.logger.isEnabledFor(logging.DEBUG):
            redacted = {k: "(redacted)" if k.lower() == "authorization" else v for k, v in shown}
            listed = {k: "(bytes)" if isinstance(v, bytes) else v for k, v in body_params.items()}
            self.logger.debug(
                f"Sending a request - url: {url}, query_params: {{}}, body_params: {listed}, "
                f"files: {{}}, json_body: {json_body}, headers: {redacted}"
            )
        return SlackRequest(url, dict(wire), body, body_params, json_body)

    def _send(self, request: SlackRequest) -> tuple[int, dict[str, str], bytes]:
        origin, path = origin_and_path(request.url)
        try:
            if any(c in text for text in (path, *request.headers.values()) for c in "\r\n\0"):
                # A token or path with a line break would smuggle headers or a second request.
                raise ValueError("HTTP request line or header contains a line break")
            kept = self._connection(origin)
            try:
                kept.connection.request("POST", path, body=request.body, headers=request.headers)
                answer = kept.connection.getresponse()
                body = answer.read()
            except BaseException:
                self._forget(origin)
                raise
        except Exception as error:
            self.logger.error(f"Failed to send a request to Slack API server: {error}")
            raise
        kept.last_used = time.monotonic()
        # Each header as sent (a repeated one: its last value, as urllib's answer gives it).
        return answer.status, dict(answer.getheaders()), body

    def _response(
        self, request: SlackRequest, status: int, headers: dict[str, str], raw: bytes
    ) -> SlackResponse:
        media_type, charset = content_type(_header(headers, "content-type"))
        body: str | bytes
        if 200 <= status < 300 and media_type == "application/gzip":
            body = raw  # admin.analytics.getFile
        else:
            body = raw.decode(charset)
        if status == 429:
            # slack-sdk offers Retry-After under both spellings (aiohttp's and urllib's).
            if "retry-after" not in headers and "Retry-After" in headers:
                headers["retry-after"] = headers["Retry-After"]
            if "Retry-After" not in headers and "retry-after" in headers:
                headers["Retry-After"] = headers["retry-after"]
        data: dict[str, Any] | bytes
        if isinstance(body, bytes):
            data = body
        else:
            try:
                data = json.loads(body)
            except json.JSONDecodeError:
                message = unexpected_body_message(body)
                self.logger.error(f"Failed to decode Slack API response: {message}")
                data = {"ok": False, "error": message}
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=request.url,
            req_args={
                "headers": request.headers,
                "data": {},
                "params": request.params,
                "files": None,
                "json": request.json,
            },
            data=data,
            headers=headers,
            status_code=status,
        ).validate()

    def _connection(self, origin: str) -> _Kept:
        """This thread's open connection to `origin`, or a new one (connected on first use)."""
        kept_here: dict[str, _Kept] | None = getattr(self._local, "connections", None)
        if kept_here is None:
            kept_here = self._local.connections = {}
        kept = kept_here.get(origin)
        if kept is not None:
            if time.monotonic() - kept.last_used <= MAX_IDLE_SECONDS and not _closed_by_server(
                kept.connection
            ):
                return kept
            kept.connection.close()
        scheme, _, host_port = origin.partition("://")
        host, _, port = host_port.rpartition(":") if ":" in host_port else (host_port, "", "")
        connection: http.client.HTTPConnection
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()  # what urllib's urlopen uses
            connection = _OneWriteHTTPSConnection(
                host, int(port) if port else None, timeout=self.timeout, context=self._tls
            )
        else:
            connection = _OneWriteHTTPConnection(
                host, int(port) if port else None, timeout=self.timeout
            )
        kept = kept_here[origin] = _Kept(connection, time.monotonic())
        return kept

    def _forget(self, origin: str) -> None:
        """Close a connection whose call failed: whatever arrives on it later belongs to no
        call."""
        kept = getattr(self._local, "connections", {}).pop(origin, None)
        if kept is not None:
            kept.connection.close()

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for kept in getattr(self._local, "connections", {}).values():
            kept.connection.close()
        self._local.connections = {}


def _closed_by_server(connection: http.client.HTTPConnection) -> bool:
    """The server has closed an idle kept connection (or sent something unasked): its socket
    reads as ready. Checked before each reuse with urllib3's own check, as its pools do, so a
    post is never written into a connection that is already gone."""
    sock = connection.sock
    if sock is None:
        return False  # not connected yet, or closed by us: http.client connects on send
    try:
        return wait_for_read(sock, timeout=0.0)
    except (OSError, ValueError):
        return True


class _OneWrite:
    """A request's head and body in one write. http.client sends them in two, and the
    second wakes the server a second time for a few bytes: on a busy machine that was a
    third of a post's CPU. Only public methods are extended (`request`, and http.client's
    `send`, which `request` writes through)."""

    _held: bytes | None = None  # b"": waiting for the head; bytes: the head, for the body

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any
    ) -> None:
        self._held = b"" if isinstance(body, bytes) and body else None
        try:
            super().request(method, url, body=body, headers=headers, **kwargs)  # type: ignore[misc]
        except BaseException:
            self._held = None
            raise
        held, self._held = self._held, None
        if held:  # no body came after all
            super().send(held)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        held = self._held
        if held is None:
            super().send(data)  # type: ignore[misc]
        elif not held:
            self._held = bytes(data)
        else:
            self._held = None
            super().send(held + bytes(data))  # type: ignore[misc]


class _OneWriteHTTPConnection(_OneWrite, http.client.HTTPConnection):
    pass


class _OneWriteHTTPSConnection(_OneWrite, http.client.HTTPSConnection):
    pass


@functools.lru_cache(maxsize=64)
def _headers_for(
    call_headers: tuple[tuple[str, Any], ...],
    client_headers: tuple[tuple[str, Any], ...],
    token: str | None,
    client_token: str | None,
    json_given: bool,
    body_kind: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]]:
    """(the headers sent, the headers slack-sdk logs) for a call, as slack-sdk builds them;
    the same few combinations come back on every call, so they are remembered."""
    # slack-sdk merges the headers twice over (the call's, then the client's again).
    given = {**dict(call_headers), **dict(client_headers)}
    shown: dict[str, Any] = {"Content-Type": FORM}
    if token:
        shown["Authorization"] = f"Bearer {token}"
    shown.update(given)
    if json_given:
        shown["Content-Type"] = JSON
    named: dict[str, Any] = {"Content-Type": FORM, **dict(client_headers)}
    if client_token:
        named["Authorization"] = f"Bearer {client_token}"
    named.update(shown)
    if body_kind == "json":
        named["Content-Type"] = JSON
    elif body_kind == "form":
        named["Content-Type"] = FORM
    # Header names as urllib's opener writes them: one spelling per name, Title-Case.
    spelled = {k.capitalize(): str(v) for k, v in named.items()}
    return tuple((k.title(), v) for k, v in spelled.items()), tuple(shown.items())


@functools.lru_cache(maxsize=256)
def _warn_if_deprecated(api_method: str) -> None:
    """slack-sdk's warning for a deprecated method, checked once per method rather than on
    every post (Python shows a warning once per place anyway)."""
    show_deprecation_warning_if_any(api_method)


@functools.lru_cache(maxsize=256)
def api_url(base_url: str, api_method: str) -> str:
    """The method's URL, as slack-sdk joins it (a handful of methods: remembered)."""
    return urljoin(base_url, api_method.lstrip("/"))


@functools.lru_cache(maxsize=256)
def origin_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", (parts.path or "/") + (
        f"?{parts.query}" if parts.query else ""
    )


@functools.lru_cache(maxsize=64)
def content_type(value: str | None) -> tuple[str, str]:
    """(media type, charset) of a Content-Type header as slack-sdk reads them (the email
    package's rules; UTF-8 when no charset is given)."""
    message = email.message.Message()
    if value is not None:
        message["Content-Type"] = value
    return message.get_content_type(), message.get_content_charset() or "utf-8"


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def unexpected_body_message(body: str) -> str:
    """slack-sdk's error for an answer that is not JSON (its first 100 characters)."""
    shown = "".join(line.strip() for line in body.replace("\r", "\n").split("\n"))
    if len(shown) > 100:
        shown = shown[:100] + "..."
    return f"Received a response in a non-JSON format: {shown}"
