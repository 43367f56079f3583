"""cProfile of the builds and the delivery, every thread included (the sender's workers)."""

from __future__ import annotations

import contextlib
import cProfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bench.harness import profile_text
from bench.jobs.building import build_cohort, cohorts_of
from bench.jobs.delivering import SLACK_LATENCY_SECONDS, refill_outbox, sender_for, timed_client
from bench.jobs.seeding import World
from bench.jobs.standin import StandIn

if TYPE_CHECKING:
    from scheduler.messages import Outgoing
    from storage.db import Database


@contextlib.contextmanager
def profiling_all_threads(
    timer: Callable[[], float] | None = None,
) -> Iterator[list[cProfile.Profile]]:
    """cProfile in this thread and in every thread started inside the block (the sender's
    workers): `threading.setprofile` hands each new thread a profiler of its own."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def new() -> cProfile.Profile:
        return cProfile.Profile(timer) if timer else cProfile.Profile()

    def start(_frame: Any, _event: str, _arg: Any) -> None:
        profile = new()
        with lock:
            profiles.append(profile)
        profile.enable()  # replaces this hook, for this thread only

    main = new()
    profiles.append(main)
    threading.setprofile(start)
    main.enable()
    try:
        yield profiles
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]


def profile_build(db: Database, world: World, job: str, teams: int) -> str:
    sample = world.teams[:teams]
    with profiling_all_threads() as profiles:
        for cohort in cohorts_of(sample):
            build_cohort(db, world.workspace_id, cohort, job)
    return profile_text(
        f"{job}: built for {len(sample)} teams (by cohort) under cProfile", profiles
    )


def profile_delivery(db: Database, items: Sequence[Outgoing], cpu: bool) -> str:
    """The sender's threads under cProfile: wall time (waits included), or with `cpu` each
    thread's own CPU time (`time.thread_time`), which leaves the waits out."""
    standin = StandIn(SLACK_LATENCY_SECONDS, own_process=True)
    try:
        sender = sender_for(db, timed_client(standin.api_url))
        refill_outbox(db, items)
        with profiling_all_threads(time.thread_time if cpu else None) as profiles:
            sender.deliver_due()
    finally:
        standin.close()
    clock = "CPU time of each thread (time.thread_time)" if cpu else "wall time"
    return profile_text(
        f"delivery of {len(items):,} nudges, sender threads included, stand-in in its own "
        f"process; {clock}",
        profiles,
    )
