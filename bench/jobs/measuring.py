"""One backend's run: seed, build every job, run the scheduler's path, deliver (stand-in in
its own process, then in this one, then the baseline), and profile what missed its target."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench import seed
from bench.harness import Options, Say, backend_errors, profile_text, tagged, write_results
from bench.jobs.building import (
    BUILD_LIMIT_SECONDS,
    EXTRA_JOBS,
    TARGET_JOBS,
    DeferredCharts,
    JobBuild,
    RunnerJob,
    build_job,
    draw_deferred_charts,
    run_jobs,
    shown_range,
)
from bench.jobs.delivering import (
    DELIVERY_RATIO_LIMIT,
    Delivery,
    deliver,
    nudge_items,
    post_bare,
    sender_cpu_alone,
)
from bench.jobs.profiling import profile_build, profile_delivery, profiling_all_threads
from bench.jobs.seeding import Plan, World, seed_world

if TYPE_CHECKING:
    from scheduler.messages import Message, Outgoing
    from storage.db import Database


@dataclass
class BackendResult:
    backend: str
    world: World | None = None
    builds: list[JobBuild] = field(default_factory=list)
    runner: list[RunnerJob] = field(default_factory=list)
    deferred: DeferredCharts | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    baseline: Delivery | None = None  # the posts without the sender (post_bare)
    sender_cpu: float | None = None  # the sender's own CPU seconds (sender_cpu_alone)
    profiles: list[str] = field(default_factory=list)  # paths written
    load_average: tuple[float, float] | None = None
    error: str | None = None

    def target_builds(self) -> list[JobBuild]:
        return [b for b in self.builds if b.job in TARGET_JOBS]

    @property
    def build_seconds(self) -> float:
        return sum(b.seconds for b in self.target_builds())

    @property
    def build_ok(self) -> bool:
        return (
            len(self.target_builds()) == len(TARGET_JOBS)
            and self.build_seconds < BUILD_LIMIT_SECONDS
        )

    @property
    def honest_delivery(self) -> Delivery | None:
        return next((d for d in self.deliveries if d.where == "own process"), None)

    @property
    def delivery_ok(self) -> bool:
        d = self.honest_delivery
        return d is not None and d.ratio <= DELIVERY_RATIO_LIMIT


def run_backend(backend: str, plan: Plan, options: Options, say: Say) -> BackendResult:
    from storage.db import Database

    result = BackendResult(backend)
    loads = [os.getloadavg()[0]]
    say = tagged(say, backend)
    with (
        backend_errors(result, say),
        seed.bench_database(backend, seed.PG_DATABASE + "_jobs") as database,
    ):
        world = seed_world(database.url, plan, datetime.now(UTC), say)
        result.world = world
        db = Database(database.url)
        # As the app does once it is built (bot.app.build): long-lived objects out of the
        # cyclic collector's full passes.
        gc.collect()
        gc.freeze()
        try:
            _measure(db, world, plan, options, result, say)
        finally:
            db.dispose()
    loads.append(os.getloadavg()[0])
    result.load_average = (loads[0], loads[1])
    return result


def _measure(
    db: Database, world: World, plan: Plan, options: Options, result: BackendResult, say: Say
) -> None:
    built: dict[str, dict[int, list[Message]]] = {}
    for job in TARGET_JOBS + EXTRA_JOBS:
        say(f"building {job} for {len(world.teams)} teams …")
        build, built[job] = build_job(db, world, job, keep=job in ("nudge", "weekly-digest"))
        result.builds.append(build)
        # The messages kept for the delivery below are the bench's, not the builder's (the
        # runner enqueues each team's and drops them): out of the collector's full passes,
        # or they slow every job timed after them.
        gc.collect()
        gc.freeze()
        say(
            f"  {job}: {build.seconds:.2f} s, {build.messages:,} messages in {len(build.counts)} cohorts, "
            f"statements {build.small_count} for a team of {plan.team_size} reps, {build.big_count} of "
            f"{plan.big_team_size}, {shown_range(build.count_range)} per cohort"
        )
    say(f"building everything (digest, nudges, alerts): {result.build_seconds:.2f} s")
    digests = built.pop("weekly-digest")
    result.deferred = draw_deferred_charts(digests)
    sample = dict(list(digests.items())[: plan.profile_teams])  # for the profile, if any
    del digests
    if result.deferred.charts:
        say(
            f"drawing the {result.deferred.charts} digest charts the builder left to the sender: "
            f"{result.deferred.seconds:.2f} s"
        )
    say(f"JobRunner.run for {len(world.teams)} teams × {len(TARGET_JOBS)} jobs (build + enqueue) …")
    result.runner = run_jobs(db, world, TARGET_JOBS)
    say(
        f"  {sum(r.seconds for r in result.runner):.2f} s, {sum(r.new for r in result.runner):,} rows enqueued"
    )
    items = nudge_items(world, built["nudge"])
    for own_process in (True, False):
        where = "its own process" if own_process else "this process"
        say(f"delivering {len(items):,} nudges, stand-in Slack in {where} …")
        delivery = deliver(db, items, own_process)
        result.deliveries.append(delivery)
        say(
            f"  {delivery.seconds:.2f} s vs ideal {delivery.ideal:.2f} s ({delivery.ratio:.2f}×), "
            f"{delivery.posts:,} posts, {delivery.duplicates} duplicates, {delivery.missing} missing"
        )
    concurrency = result.deliveries[0].concurrency
    say(
        f"posting the same {len(items):,} nudges from {concurrency} threads, no sender (baseline) …"
    )
    result.baseline = post_bare(items, concurrency)
    say(f"  {result.baseline.seconds:.2f} s ({result.baseline.ratio:.2f}× the ideal)")
    say(f"delivering the same {len(items):,} nudges to a client that answers at once …")
    result.sender_cpu = sender_cpu_alone(db, items)
    say(f"  the sender's own CPU: {result.sender_cpu / len(items) * 1000:.3f} ms a nudge")
    _profiles(db, world, plan, options, result, items, sample, say)


def _profiles(
    db: Database,
    world: World,
    plan: Plan,
    options: Options,
    result: BackendResult,
    items: Sequence[Outgoing],
    digests: dict[int, list[Message]],
    say: Say,
) -> None:
    """cProfile what missed its target (everything with --profile), after measuring: the
    builds, the charts left to the sender (when build and charts together miss the build
    target) and the delivery."""
    jobs = [b.job for b in result.target_builds()] if options.profile or not result.build_ok else []
    for job in jobs:
        say(f"profiling {job} over {plan.profile_teams} teams …")
        text = profile_build(db, world, job, plan.profile_teams)
        result.profiles.append(str(write_results(f"jobs_profile_{result.backend}_{job}.txt", text)))
    charts = result.deferred.seconds if result.deferred else 0.0
    if charts and (options.profile or result.build_seconds + charts >= BUILD_LIMIT_SECONDS):
        say(f"profiling the drawing of {len(digests)} digest charts …")
        with profiling_all_threads() as profiles:
            drawn = draw_deferred_charts(digests)
        text = profile_text(f"{drawn.charts} digest charts drawn from their data", profiles)
        name = f"jobs_profile_{result.backend}_digest_charts.txt"
        result.profiles.append(str(write_results(name, text)))
    if options.profile or not result.delivery_ok:
        count = min(plan.profile_nudges, len(items))
        for cpu in (False, True):
            say(f"profiling the delivery of {count:,} nudges ({'CPU' if cpu else 'wall'} time) …")
            text = profile_delivery(db, items[:count], cpu)
            name = f"jobs_profile_{result.backend}_delivery{'_cpu' if cpu else ''}.txt"
            result.profiles.append(str(write_results(name, text)))
