"""The HTTP edge under abuse (issue #11): what a refused oversized body costs the server, how
/healthz and /log answer while 150 clients drip header bytes, and how fast /log answers
with PostgreSQL black-holed.

    .venv/bin/python -m bench.edge [--backend sqlite|postgresql|all] [--quick]

Every byte goes to 127.0.0.1. The app is `paceline run` in a child process, exactly as an
operator starts it, so its RSS and its log are the server's alone and the clients here never
share its GIL. Results go to bench/results/edge.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import (
    SIGNING_SECRET,
    Options,
    Outcome,
    Say,
    backend_name,
    percentile,
    shown_path,
    start_standin,
    table_row,
    write_results,
)

RESULTS_NAME = "edge.md"
REPO = Path(__file__).resolve().parents[1]
BIG_BODY = 10 * 1024 * 1024
DRIPPERS = 150
REPLY_DEADLINE_S = 3.0  # Slack's


# ---------------------------------------------------------------------------- black hole


class BlackHoleProxy:
    """A TCP proxy on 127.0.0.1 to `upstream` (host, port) that can be switched into a black
    hole: it keeps accepting connections, but nothing passes either way — a hung or
    partitioned database server, with every connection still open. `restore()` lets the
    bytes flow again. Without an upstream it is a black hole from the start: a listener that
    accepts and never answers."""

    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._passing = threading.Event()
        if upstream is not None:
            self._passing.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self.accepted = 0

    def url_for(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by this proxy's."""
        from sqlalchemy.engine import make_url

        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def start(self) -> BlackHoleProxy:
        self._spawn(self._accept_loop, "blackhole-accept")
        return self

    def black_hole(self) -> None:
        self._passing.clear()

    def restore(self) -> None:
        if self.upstream is None:
            raise ValueError("a proxy without an upstream has nothing to restore")
        self._passing.set()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> BlackHoleProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self, target, name: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._track(client)
            self._spawn(self._serve, "blackhole-conn", client)

    def _serve(self, client: socket.socket) -> None:
        # A new connection waits (accepted, unanswered) while the hole is open.
        while not self._passing.wait(0.05):
            if self._closed.is_set():
                return
        assert self.upstream is not None
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        self._track(server)
        peer = {client: server, server: client}
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            selector.register(server, selectors.EVENT_READ)
            try:
                while not self._closed.is_set():
                    if not self._passing.is_set():
                        # Black hole: read nothing, so the bytes wait in the kernel's buffers
                        # and flow on once restored, as after a healed partition.
                        time.sleep(0.05)
                        continue
                    for key, _events in selector.select(timeout=0.05):
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        peer[key.fileobj].sendall(data)  # type: ignore[index]
            except OSError:
                return
            finally:
                for sock in (client, server):
                    with contextlib.suppress(OSError):
                        sock.close()


# ---------------------------------------------------------------------------- the app


class ChildApp:
    """`paceline run` in a child process, as an operator starts it (waitress, 8 threads), on
    a loopback port; its stderr goes to a file so the bench can see how much it logs."""

    def __init__(self, database_url: str, api_url: str, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "paceline.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL", "PORT"))
        }
        env.update(
            PYTHONPATH=str(REPO),
            SLACK_BOT_TOKEN="xoxb-bench-edge",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=api_url,
            DATABASE_URL=database_url,
            PORT=str(self.port),
        )
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )

    def wait_healthy(self, within: float = 60.0) -> None:
        import http.client

        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"paceline exited early:\n{self.log_path.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)  # the port is not open yet: poll under a deadline
        raise RuntimeError("paceline did not become healthy in time")

    def status_kib(self, field_name: str) -> int:
        """A field of /proc/<pid>/status in KiB (VmRSS: resident now)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise KeyError(field_name)

    def log_bytes(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RssSampler:
    """The child's peak resident memory while the block runs, sampled every 2 ms."""

    def __init__(self, app: ChildApp) -> None:
        self.app = app
        self.before_kib = app.status_kib("VmRSS")
        self.peak_kib = self.before_kib
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            with contextlib.suppress(OSError, KeyError, ValueError):
                self.peak_kib = max(self.peak_kib, self.app.status_kib("VmRSS"))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        time.sleep(0.05)  # the tail of whatever the last request allocated
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak_kib - self.before_kib) / 1024


# ---------------------------------------------------------------------------- raw HTTP


def post_raw(
    port: int, head: bytes, body_parts: Iterator[bytes], timeout: float = 10.0
) -> tuple[int, float, int]:
    """Send `head` then the body parts until the server answers or closes, reading in another
    thread (a server that refuses mid-body may reset the connection). Returns the status
    (0: none), seconds until the answer and bytes sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    received = bytearray()
    answered = threading.Event()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                received.extend(chunk)
                if b"\r\n\r\n" in received:
                    break
        except OSError:
            pass
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = time.perf_counter()
    sent = 0
    try:
        sock.sendall(head)
        sent += len(head)
        for part in body_parts:
            if answered.is_set():
                break
            sock.sendall(part)
            sent += len(part)
    except OSError:
        pass
    answered.wait(timeout)
    took = time.perf_counter() - started
    sock.close()
    reader.join(timeout=2)
    status = 0
    if received.startswith(b"HTTP/1."):
        status = int(received.split(b" ", 2)[1])
    return status, took, sent


def _head(length: int | None, *, chunked: bool = False) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/x-www-form-urlencoded",
    ]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _plain_body(size: int, part: int = 65536) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        n = min(part, size - sent)
        yield b"x" * n
        sent += n


def _chunked_body(size: int, part: int = 65536) -> Iterator[bytes]:
    for data in _plain_body(size, part):
        yield f"{len(data):x}\r\n".encode() + data + b"\r\n"
    yield b"0\r\n\r\n"


# ---------------------------------------------------------------------------- scenarios


@dataclass
class Row:
    scenario: str
    measured: str
    check: str = ""
    ok: bool | None = None


@dataclass
class BackendResult:
    backend: str
    rows: list[Row] = field(default_factory=list)
    error: str | None = None


def _refused_bodies(app: ChildApp, result: BackendResult, say: Say, posts: int) -> None:
    label = backend_name(result.backend)
    cases = [
        (
            f"unsigned {BIG_BODY // 2**20} MiB, Content-Length",
            lambda: post_raw(app.port, _head(BIG_BODY), _plain_body(BIG_BODY)),
            413,
        ),
        (
            f"unsigned {BIG_BODY // 2**20} MiB, chunked",
            lambda: post_raw(app.port, _head(None, chunked=True), _chunked_body(BIG_BODY)),
            413,
        ),
        (
            "unsigned 1 MiB (at the limit)",
            lambda: post_raw(app.port, _head(2**20), _plain_body(2**20)),
            401,
        ),
    ]
    for name, send, expected in cases:
        log_before = app.log_bytes()
        times: list[float] = []
        statuses: set[int] = set()
        with RssSampler(app) as rss:
            for _ in range(posts):
                status, took, _sent = send()
                statuses.add(status)
                times.append(took)
        logged = app.log_bytes() - log_before
        ok = (
            statuses == {expected}
            and rss.growth_mib < 32
            and max(times) < 1.0
            and logged < 400 * posts
        )
        result.rows.append(
            Row(
                f"{name} × {posts}",
                f"HTTP {', '.join(map(str, sorted(statuses)))}; answer in {_ms(times)}; peak RSS +{rss.growth_mib:.1f} MiB "
                f"(from {rss.before_kib / 1024:.0f} MiB); log +{logged:,} bytes",
                f"{expected}, < 1 s, RSS +< 32 MiB, log < 400 B a post",
                ok,
            )
        )
        say(f"[{label}] {name} × {posts}: {result.rows[-1].measured}")


def _ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return f"median {ordered[len(ordered) // 2] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"


def _latencies(app: ChildApp, user: str, requests: int) -> tuple[list[int], list[int], int]:
    """Sequential /healthz GETs and signed /log commands: latencies (ns) and failures. A
    server that stops answering (each failure waits out the 5 s timeout) ends it after five."""
    from tests.support.signed_requests import SignedSlackClient

    health: list[int] = []
    logs: list[int] = []
    failures = 0
    with SignedSlackClient(app.url, SIGNING_SECRET, team_id=TEAM_ID, timeout=5) as client:
        for i in range(requests):
            started = time.perf_counter_ns()
            try:
                ok = client.get("/healthz").status == 200
            except OSError:
                ok = False
            health.append(time.perf_counter_ns() - started)
            failures += not ok
            started = time.perf_counter_ns()
            try:
                reply = client.command("/log", f"calls {i % 20 + 1}", user_id=user, user_name="rep")
                ok = reply.status == 200 and reply.text.startswith("Logged")
            except OSError:
                ok = False
            logs.append(time.perf_counter_ns() - started)
            failures += not ok
            if failures >= 5:
                break
    return health, logs, failures


class Drippers:
    """`count` connections that each sent the start of a request and then drip one header
    byte every `interval` seconds, never finishing."""

    def __init__(self, port: int, count: int, interval: float = 0.5) -> None:
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(sock)
        self._thread = threading.Thread(
            target=self._drip, args=(interval,), name="drippers", daemon=True
        )
        self._thread.start()

    def _drip(self, interval: float) -> None:
        while not self._stop.wait(interval):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def _slow_clients(app: ChildApp, result: BackendResult, say: Say, requests: int) -> None:
    label = backend_name(result.backend)
    _latencies(app, REP, 20)  # warm-up: the rep's profile, the pools
    for name, drippers in (
        ("no slow clients", 0),
        (f"{DRIPPERS} clients dripping headers", DRIPPERS),
    ):
        dripping = Drippers(app.port, drippers) if drippers else None
        try:
            if dripping:
                time.sleep(0.5)
            health, logs, failures = _latencies(app, REP, requests)
        finally:
            if dripping:
                dripping.close()
        measured = (
            f"/healthz p50 {percentile(health, 50):.2f} / p99 {percentile(health, 99):.2f} / max {max(health) / 1e6:.1f} ms; "
            f"/log p50 {percentile(logs, 50):.2f} / p99 {percentile(logs, 99):.2f} ms; {failures} failed of {len(health) + len(logs)}"
        )
        ok = failures == 0 and max(health) / 1e6 < 1000 and percentile(logs, 99) < 1000
        result.rows.append(
            Row(f"{name}, {requests} × (/healthz + /log)", measured, "0 failed, /healthz < 1 s", ok)
        )
        say(f"[{label}] {name}: {measured}")


def _database_away(
    app: ChildApp,
    result: BackendResult,
    say: Say,
    requests: int,
    take_away,
    give_back,
    what: str,  # type: ignore[no-untyped-def]
) -> None:
    from bot.app import DATABASE_DOWN, WRITE_IN_DOUBT
    from tests.support.signed_requests import SignedSlackClient

    label = backend_name(result.backend)
    logs: list[float] = []
    health: list[float] = []
    texts: dict[str, int] = {}
    with SignedSlackClient(app.url, SIGNING_SECRET, team_id=TEAM_ID, timeout=30) as client:
        take_away()
        try:
            for i in range(requests):
                started = time.perf_counter()
                reply = client.command("/log", f"calls {100 + i}", user_id=REP, user_name="rep")
                logs.append(time.perf_counter() - started)
                key = (
                    "nothing saved"
                    if reply.text == DATABASE_DOWN
                    else "may have been saved"
                    if reply.text == WRITE_IN_DOUBT
                    else f"HTTP {reply.status} {reply.text[:40]!r}"
                )
                texts[key] = texts.get(key, 0) + 1
                started = time.perf_counter()
                client.get("/healthz")
                health.append(time.perf_counter() - started)
        finally:
            give_back()
        started = time.perf_counter()
        recovered = None
        while time.perf_counter() - started < 30:
            reply = client.command("/log", "calls 1", user_id=REP, user_name="rep")
            if reply.status == 200 and reply.text.startswith("Logged"):
                recovered = time.perf_counter() - started
                break
            time.sleep(0.2)  # the app probes the database again on its own; poll until it has
    answers = ", ".join(f"{n} {k}" for k, n in texts.items())
    measured = (
        f"/log {_ms(logs)} ({answers}); /healthz {_ms(health)}; "
        f"back: first /log logged {recovered:.1f} s after"
        if recovered is not None
        else "never recovered"
    )
    ok = (
        max(logs) < REPLY_DEADLINE_S
        and max(health) < REPLY_DEADLINE_S
        and recovered is not None
        and recovered < 10
        and set(texts) <= {"nothing saved", "may have been saved"}
    )
    result.rows.append(
        Row(
            f"{what}, {requests} × /log",
            measured,
            "every answer < 3 s, the message; back < 10 s",
            ok,
        )
    )
    say(f"[{label}] {what}: {measured}")


TEAM_ID = "T0BENCHEDGE"
REP = "U0EDGEREP1"


def run_backend(backend: str, options: Options, say: Say) -> BackendResult:
    from bench import seed

    result = BackendResult(backend)
    quick = options.quick
    try:
        with contextlib.ExitStack() as stack:
            standin = start_standin(stack, [(REP, "rep", "Edge Rep")])
            # The stand-in registers users in its default workspace; this one is ours.
            standin.add_user(REP, "rep", real_name="Edge Rep", team_id=TEAM_ID)
            database = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE + "_edge"))
            proxy = None
            url = database.url
            if backend == "postgresql":
                from sqlalchemy.engine import make_url

                real = make_url(database.url)
                proxy = stack.enter_context(
                    BlackHoleProxy((real.host or "127.0.0.1", real.port or 5432))
                )
                url = proxy.url_for(database.url)
            workdir = Path(stack.enter_context(_tempdir()))
            app = ChildApp(url, standin.api_url, workdir)
            stack.callback(app.stop)
            app.wait_healthy()
            say(
                f"[{backend_name(backend)}] paceline run is up (pid {app.process.pid}, port {app.port})"
            )
            _refused_bodies(app, result, say, posts=3 if quick else 10)
            _slow_clients(app, result, say, requests=50 if quick else 300)
            if proxy is not None:
                _database_away(
                    app,
                    result,
                    say,
                    5 if quick else 10,
                    proxy.black_hole,
                    proxy.restore,
                    "PostgreSQL black-holed",
                )
            else:
                _database_away(
                    app,
                    result,
                    say,
                    3 if quick else 5,
                    *_sqlite_write_lock(url),
                    "SQLite write-locked by another process",
                )
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"[{backend}] ERROR: {result.error}")
        traceback.print_exc()
    return result


@contextlib.contextmanager
def _tempdir() -> Iterator[str]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="paceline_edge_") as path:
        yield path


def _sqlite_write_lock(url: str):  # type: ignore[no-untyped-def]
    """Take and give back SQLite's write lock from another connection (another process, as
    far as the app can tell): its writes wait out their busy timeout."""
    import sqlite3

    from sqlalchemy.engine import make_url

    path = make_url(url).database
    held: list[sqlite3.Connection] = []

    def take() -> None:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=5)
        conn.execute("BEGIN IMMEDIATE")
        held.append(conn)

    def give_back() -> None:
        while held:
            conn = held.pop()
            conn.execute("ROLLBACK")
            conn.close()

    return take, give_back


# ---------------------------------------------------------------------------- report


def report(results: list[BackendResult], quick: bool, seconds: float) -> tuple[str, bool, bool]:
    lines = [
        "# The HTTP edge under abuse",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {'quick run' if quick else 'full run'} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · {seconds:.0f} s in all",
        "",
        "`paceline run` in a child process (waitress, 8 threads) on loopback, against a stand-in Slack. "
        "Peak RSS is the child's, sampled every 2 ms while the posts run; log growth is its stderr. "
        "Latencies are sequential requests from one keep-alive client in this process. "
        "PostgreSQL is reached through a proxy that is switched into a black hole (connections stay open, "
        "nothing answers) and back; SQLite's write lock is held by another connection.",
        "",
        table_row("Backend", "Scenario", "Measured", "Target", "Result"),
        table_row("---", "---", "---", "---", "---"),
    ]
    broken = False
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        for row in r.rows:
            verdict = "" if row.ok is None else ("PASS" if row.ok else "**FAIL**")
            lines.append(table_row(name, row.scenario, row.measured, row.check, verdict))
            all_pass &= row.ok is not False
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, "", "**FAIL**"))
            broken = True
            all_pass = False
    return "\n".join(lines) + "\n", broken, all_pass


# ---------------------------------------------------------------------------- entry points


def run(options: Options, load: object, say: Say) -> Outcome:
    """The edge scenarios on every backend in `options` (`load` is unused: the server runs in
    a child process, so this process's clients never share its GIL)."""
    started = time.perf_counter()
    say(
        f"bench: the HTTP edge, {'quick' if options.quick else 'full'} run, backends: {', '.join(options.backends)}"
    )
    results = [run_backend(backend, options, say) for backend in options.backends]
    text, broken, all_pass = report(results, options.quick, time.perf_counter() - started)
    return Outcome("edge", text, write_results(RESULTS_NAME, text), broken, all_pass)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.edge", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="fewer requests and posts")
    args = parser.parse_args(argv)
    options = Options(
        quick=args.quick,
        backends=("sqlite", "postgresql") if args.backend == "all" else (args.backend,),
    )
    began = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - began:6.1f}s  {text}", flush=True)

    outcome = run(options, None, say)
    print()
    print(outcome.text)
    print(f"(written to {shown_path(outcome.path)})")
    return 1 if outcome.broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
