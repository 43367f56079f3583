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
"""

from __future__ import annotations

import http.client
import io
import ssl
import threading
import time
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


class _Kept:
    __slots__ = ("connection", "last_used")

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.connection = connection
        self.last_used = time.monotonic()


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
            connection.request(req.get_method(), path or "/", body=req.data, headers=dict(req.header_items()))
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            self._drop(origin)
            raise
        if response.will_close:
            self._drop(origin)
        else:
            self._kept()[origin].last_used = time.monotonic()
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(data))
        # A plain dict, read once: slack-sdk copies the headers with dict(), and each lookup
        # in an HTTPMessage scans every header (a tenth of a post's CPU).
        headers = dict(response.headers.items())
        media_type, charset = _content_type(headers)
        if media_type == "application/gzip":
            return {"status": response.status, "headers": headers, "body": data}
        return {"status": response.status, "headers": headers, "body": data.decode(charset)}

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for origin in list(self._kept()):
            self._drop(origin)

    def _kept(self) -> dict[tuple[str, str, int | None], _Kept]:
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        return kept

    def _connection(self, origin: tuple[str, str, int | None]) -> http.client.HTTPConnection:
        kept = self._kept()
        found = kept.get(origin)
        if found is not None and time.monotonic() - found.last_used <= MAX_IDLE_SECONDS:
            return found.connection
        if found is not None:
            self._drop(origin)
        scheme, host, port = origin
        if scheme == "https":
            context = self.ssl or ssl.create_default_context()
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        kept[origin] = _Kept(connection)
        return connection

    def _drop(self, origin: tuple[str, str, int | None]) -> None:
        found = self._kept().pop(origin, None)
        if found is not None:
            found.connection.close()
