"""The HTTP plumbing the stand-ins share: a threaded server on loopback and a request handler
that answers JSON.

A stand-in mixes in ``LoopbackServer`` (server thread, connection tracking, ``start``/``stop``,
context manager) and gives it a ``JsonRequestHandler`` subclass whose ``_dispatch`` reads the
request (``_read_body``, ``self.headers`` keyed by lower-cased name) and answers with
``_send_json``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

__all__ = ["JsonRequestHandler", "LoopbackServer"]


class _BodyCut(Exception):
    """The connection closed before the request's body was all there."""


class _Headers(dict[str, str]):
    """Request headers by name, looked up without regard to case (what the handler uses of
    http.client's HTTPMessage: get and items). Keys are stored lower-cased."""

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: the sender's eight workers connecting at
    # once overflowed it, and a dropped connect waited a second for its retry (Slack's own
    # servers drop nothing so small).
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        standin: LoopbackServer,
        handler: type[JsonRequestHandler],
    ) -> None:
        self.standin = standin
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or drop the connection are expected in fault tests; the base
        # class would print a traceback to stderr for each.
        self.standin._logger.debug(
            "stand-in %s connection from %s ended abruptly",
            self.standin._label,
            client_address,
            exc_info=True,
        )


class JsonRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection of a ``LoopbackServer``: GET, POST and PUT go to ``_dispatch``,
    which a stand-in implements; ``self.server.standin`` is the stand-in."""

    # HTTP/1.1 so keep-alive clients (benchmarks, the signed client, urllib3) are served
    # realistically.
    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write and the body in another: with Nagle's
    # algorithm on, a keep-alive client's delayed ACK would hold every body back 40 ms.
    disable_nagle_algorithm = True
    # The Content-Type of every answer.
    content_type: ClassVar[str] = "application/json"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.standin._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin._track_connection(self.connection, add=False)

    def parse_request(self) -> bool:
        """The request line and headers, read without the standard parse_request's (slow)
        email parser: benchmarks count a stand-in's CPU against the app, as both share the
        machine's cores. Only what the app's clients send: HTTP/1.0 or 1.1, no
        `Expect: 100-continue`."""
        self.command = None
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(400, f"Bad request line {self.requestline!r}")
            return False
        self.command, self.path, self.request_version = words
        headers = _Headers()
        for _ in range(100):
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon:
                self.send_error(400, "Bad header line")
                return False
            headers[name.strip()] = value.strip()
        else:
            self.send_error(431, "Too many headers")
            return False
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("Connection", "").lower()
        keep_alive = self.request_version == "HTTP/1.1" or connection == "keep-alive"
        self.close_connection = connection == "close" or not keep_alive
        return True

    def do_GET(self) -> None:
        self._dispatch_whole()

    def do_POST(self) -> None:
        self._dispatch_whole()

    def do_PUT(self) -> None:
        self._dispatch_whole()

    def _dispatch_whole(self) -> None:
        # A client that went away between a request's head and the end of its body sent no
        # request: as a real server, drop the connection instead of answering a call.
        try:
            self._dispatch()
        except _BodyCut:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes every request to stderr, which drowns test and console output.
        self.server.standin._logger.debug("%s - " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        """Read the request and answer it (or close the connection without an answer)."""
        raise NotImplementedError

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers end with an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            raise _BodyCut
        return body

    def _send_json(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        """Answer with ``payload`` (JSON already encoded) and ``headers``."""
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            # The body is always JSON we framed ourselves; a handler can't redefine that.
            if name.lower() not in {"content-type", "content-length"}:
                self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


class LoopbackServer:
    """Serving a stand-in over HTTP on loopback, each connection on its own daemon thread.

    A stand-in sets ``_label`` (in errors, logs and thread names), ``_logger`` and
    ``_handler``, calls ``_init_loopback`` with the lock that guards its state, and may
    override ``_address`` (where to bind), ``_on_start`` and ``_on_stop`` (called first in
    ``start`` and, when running, first in ``stop``).
    """

    _label: ClassVar[str]
    _logger: ClassVar[logging.Logger]
    _handler: ClassVar[type[JsonRequestHandler]]

    def _init_loopback(self, lock: AbstractContextManager[Any]) -> None:
        self._loopback_lock = lock
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connection_threads: set[threading.Thread] = set()
        # Every connection ever accepted: how a test sees that a client keeps (reuses) its
        # connections.
        self.connections_opened = 0

    def _address(self) -> tuple[str, int]:
        return ("127.0.0.1", 0)

    def _on_start(self) -> None:
        pass

    def _on_stop(self) -> None:
        pass

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"stand-in {self._label} is already running")
        self._on_start()
        server = _Server(self._address(), self, self._handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"standin-{self._label.lower()}:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._on_stop()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        # Keep-alive clients leave handler threads blocked reading the next request; closing
        # their sockets ends those threads so nothing outlives stop().
        with self._loopback_lock:
            connections = list(self._connections)
            workers = list(self._connection_threads)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)
        for worker in workers:
            if worker is not threading.current_thread():
                worker.join(timeout=5.0)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bound_port(self) -> int:
        """The port the server listens on; RuntimeError when it is not started."""
        if self._server is None:
            raise RuntimeError(f"stand-in {self._label} is not started")
        return int(self._server.server_address[1])

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._loopback_lock:
            if add:
                self.connections_opened += 1
                self._connections.add(conn)
                self._connection_threads.add(threading.current_thread())
            else:
                self._connections.discard(conn)
                self._connection_threads.discard(threading.current_thread())
