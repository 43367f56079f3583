"""The stand-in Slack the deliveries post to, on 127.0.0.1, answering every call `latency`
seconds late: in a spawned process, as Slack runs on other machines (in this one its request
threads would compete with the sender for the GIL), or in this process for comparison."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from bench import seed

if TYPE_CHECKING:
    from tests.support.slack_api import StandInSlack


@dataclass(frozen=True)
class Received:
    """What the stand-in Slack got: the delivery key of every chat.postMessage, and the
    most posts it was answering at once."""

    keys: list[str]
    arrivals: list[float]  # when each post arrived (time.time), in order
    calls: int
    max_in_flight: int
    cpu_seconds: float  # CPU time of the stand-in's process so far (all its threads)


def received_by(standin: StandInSlack) -> Received:
    keys, arrivals = [], []
    for call in standin.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        keys.append(str((metadata.get("event_payload") or {}).get("key", "")))
        arrivals.append(call.at)
    return Received(
        keys,
        arrivals,
        len(standin.calls),
        standin.max_in_flight("chat.postMessage"),
        time.process_time(),
    )


def _serve_standin(conn: Connection, latency: float) -> None:
    """The spawned stand-in's process: serve until told to stop, report on request."""
    from tests.support.slack_api import StandInSlack

    standin = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
    standin.latency = latency
    try:
        conn.send(standin.api_url)
        while conn.recv() == "report":
            conn.send(received_by(standin))
    finally:
        standin.stop()


class StandIn:
    """The stand-in Slack on 127.0.0.1, answering every call `latency` seconds late, in a
    spawned process (`own_process`) or in this one."""

    def __init__(self, latency: float, own_process: bool) -> None:
        self._local: StandInSlack | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        if own_process:
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(
                target=_serve_standin, args=(child, latency), name="bench-standin", daemon=True
            )
            self._process.start()
            child.close()
            self.api_url: str = self._conn.recv()
        else:
            from tests.support.slack_api import StandInSlack

            self._local = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
            self._local.latency = latency
            self.api_url = self._local.api_url

    def received(self) -> Received:
        if self._local is not None:
            return received_by(self._local)
        self._conn.send("report")
        return self._conn.recv()

    def close(self) -> None:
        if self._local is not None:
            self._local.stop()
            return
        assert self._process is not None
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._conn.close()
