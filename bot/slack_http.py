"""A WebClient that keeps its HTTP connections open between calls.

slack-sdk's WebClient opens a new connection for every call (urllib's `urlopen`). The
outbox sender makes thousands of calls in a burst from a few threads, and a new TCP (and,
against Slack, TLS) connection per post costs more than the post itself. This client keeps
one connection per thread and host, and otherwise answers exactly as slack-sdk does:
non-2xx answers raise `HTTPError`, which the base class turns into its usual responses,
retries and `SlackApiError`s.

It never re-sends a request on its own. A call whose connection fails is the caller's
unknown outcome (the sender checks the channel's history before posting again); the
connection is dropped so a late answer can never be read as the next call's.

The HTTP/1.1 exchange itself is a few lines over a socket rather than `http.client`: a
request goes out in one write, an answer is read by its Content-Length or its chunks.
`http.client` parsed every answer's headers with the `email` package and wrote each
request in two sends, and that was about half the sender's CPU per post, on a machine
where the sender shares its cores with the database.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

# Servers close idle keep-alive connections (commonly after 5-75 s); a connection idle for
# longer than this is replaced before use rather than risk a post on a closing socket.
MAX_IDLE_SECONDS = 4.0


def _content_type(headers: dict[str, str]) -> tuple[str, str]:
    """(media type, charset) of a Content-Type header; UTF-8 when no charset is given."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media_type, *params = (part.strip() for part in value.split(";"))
    charset = "utf-8"
    for param in params:
        name, _, given = param.partition("=")
        if name.strip().lower() == "charset" and given.strip():
            charset = given.strip().strip('"')
    return media_type.lower(), charset


MAX_LINE = 65536  # the longest status or header line accepted, as http.client's
MAX_HEADERS = 100


@dataclass
class _Answer:
    status: int
    reason: str
    header_lines: list[str]
    headers: dict[str, str]
    body: bytes
    will_close: bool

    @property
    def header_block(self) -> bytes:
        """The header lines as sent, for an HTTPError's headers (errors only: not built for
        every answer)."""
        return "".join(f"{line}\r\n" for line in self.header_lines if line).encode("latin-1") + b"\r\n"


class _Connection:
    """One HTTP/1.1 connection kept open between calls (plain or TLS)."""

    def __init__(self, scheme: str, host: str, port: int | None, timeout: float, context: ssl.SSLContext | None) -> None:
        default = 443 if scheme == "https" else 80
        sock = socket.create_connection((host, port or default), timeout=timeout)
        try:
            # Without it, the request's one write waits for the previous answer's ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = (context or ssl.create_default_context()).wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.host_header = host if port in (None, default) else f"{host}:{port}"
        self.last_used = time.monotonic()

    def exchange(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> _Answer:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}", "Accept-Encoding: identity"]
        given = {name.lower() for name in headers}
        lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in ("host", "content-length")]
        if any(c in line for line in lines for c in "\r\n\0"):
            # A token or path with a line break would smuggle headers or a second request.
            raise ValueError("HTTP request line or header contains a line break")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        if "connection" not in given:
            lines.append("Connection: keep-alive")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        return self._answer(method)

    def _answer(self, method: str) -> _Answer:
        status_line, *lines = self._head().decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/") or not code.isdigit():
            raise http.client.BadStatusLine(status_line)
        status = int(code)
        if len(lines) > MAX_HEADERS + 2:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        headers: dict[str, str] = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
        if status < 200:  # an interim answer (100 Continue): the real one follows
            return self._answer(method)
        lowered = {name.lower(): value for name, value in headers.items()}
        connection = lowered.get("connection", "").lower()
        will_close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in lowered.get("transfer-encoding", "").lower():
            body = self._chunks()
        elif "content-length" in lowered:
            length = int(lowered["content-length"])
            body = self.reader.read(length)
            if len(body) != length:
                raise http.client.IncompleteRead(body, length - len(body))
        else:  # the body ends where the connection does
            body, will_close = self.reader.read(), True
        return _Answer(status, reason.strip(), lines, headers, body, will_close)

    def _head(self) -> bytes:
        """The status line and headers, CRLF-separated, without the blank line that ends
        them: in one read of what is buffered when they arrived together (the usual case),
        else line by line."""
        buffered = self.reader.peek(MAX_LINE)
        if not buffered:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        end = buffered.find(b"\r\n\r\n")
        if end >= 0:
            return self.reader.read(end + 4)[:end]
        lines = []
        while line := self._line():
            if len(lines) > MAX_HEADERS:
                raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
            lines.append(line)
        return "\r\n".join(lines).encode("latin-1")

    def _line(self) -> str:
        line = self.reader.readline(MAX_LINE + 1)
        if not line:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        return line.decode("latin-1").rstrip("\r\n")

    def _chunks(self) -> bytes:
        parts = []
        while True:
            size = int(self._line().split(";", 1)[0].strip() or "0", 16)
            if size == 0:
                while self._line():  # trailers, up to the blank line
                    pass
                return b"".join(parts)
            chunk = self.reader.read(size)
            if len(chunk) != size:
                raise http.client.IncompleteRead(chunk, size - len(chunk))
            parts.append(chunk)
            self._line()  # the CRLF after each chunk

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()


class KeepAliveWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        origin = (parts.scheme, parts.hostname or "", parts.port)
        connection = self._connection(origin)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            answer = connection.exchange(req.get_method(), path or "/", dict(req.header_items()), req.data)  # type: ignore[arg-type]
        except BaseException:
            self._drop(origin)
            raise
        if answer.will_close:
            self._drop(origin)
        else:
            connection.last_used = time.monotonic()
        if not 200 <= answer.status < 300:
            # slack-sdk reads an error's headers as an HTTPMessage (Retry-After, any case).
            message = http.client.parse_headers(io.BytesIO(answer.header_block))
            raise HTTPError(url, answer.status, answer.reason, message, io.BytesIO(answer.body))
        media_type, charset = _content_type(answer.headers)
        if media_type == "application/gzip":
            return {"status": answer.status, "headers": answer.headers, "body": answer.body}
        return {"status": answer.status, "headers": answer.headers, "body": answer.body.decode(charset)}

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for origin in list(self._kept()):
            self._drop(origin)

    def _kept(self) -> dict[tuple[str, str, int | None], _Connection]:
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        return kept

    def _connection(self, origin: tuple[str, str, int | None]) -> _Connection:
        kept = self._kept()
        found = kept.get(origin)
        if found is not None and time.monotonic() - found.last_used <= MAX_IDLE_SECONDS:
            return found
        if found is not None:
            self._drop(origin)
        scheme, host, port = origin
        connection = kept[origin] = _Connection(scheme, host, port, self.timeout, self.ssl)
        return connection

    def _drop(self, origin: tuple[str, str, int | None]) -> None:
        found = self._kept().pop(origin, None)
        if found is not None:
            found.close()
