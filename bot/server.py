"""HTTP serving: Bolt's WSGI adapter behind waitress, plus /healthz.

waitress is a production WSGI server (multi-threaded, pure Python, no C build) where Bolt's
own `app.start()` is a development server that handles one request at a time.

Routes: `POST /slack/events` (commands, interactivity, events), `GET /healthz`, and with
OAuth (bot/oauth.py) `GET /slack/install` and `GET /slack/oauth_redirect`, which Bolt's
adapter hands to the app's OAuth flow; without OAuth they answer 404.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from storage.db import Database

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(bolt: App, db: Database | None) -> WsgiApp:
    slack = SlackRequestHandler(bolt)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            healthy = db is None or db.ping()
            body = json.dumps({"ok": healthy, "database": "ok" if healthy else "unreachable"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


class HttpServer:
    """A waitress server that can also run in a background thread (tests, benchmarks)."""

    def __init__(self, app: WsgiApp, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> None:
        self._server = create_server(app, host=host, port=port, threads=threads, ident="paceline")
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
        self._thread = threading.Thread(target=self.serve_forever, name="paceline-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        # Task threads first: one finishing after close() would pull the closed trigger.
        self._server.task_dispatcher.shutdown(timeout=5)
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
