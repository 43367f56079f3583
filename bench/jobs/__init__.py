"""Scheduled jobs at scale (issue #4, speed): 10,000 reps in 500 teams with 13 weeks of
history, on SQLite and PostgreSQL; `python -m bench --only jobs`.

1. **Build** (`building`). Every team's weekly digest, nudges and lagging alert at Friday
   16:00 in the team's zone, built as the scheduler fires them: by cohort (the teams of one
   zone, which share the default schedules), calling the batch builders
   (`scheduler.content.BATCH_BUILDERS`) directly, each cohort and job in a read session of
   its own, as `JobRunner.run_cohort` does before it enqueues; then the whole
   `JobRunner.run_cohort` path (build, record each team's run, enqueue). The SQL statements
   of each build are counted: a 200-rep team must issue as many as a 20-rep one, and a
   cohort of 167 teams as many as one team. Digest charts the builder leaves to the sender
   are drawn afterwards and timed on their own.
2. **Delivery** (`delivering`). One nudge per rep (the nudge builder's own messages)
   enqueued and delivered by `scheduler.sender.Sender` (its default concurrency) to the
   stand-in Slack answering every call in 5 ms, against the ideal nudges × 5 ms /
   concurrency. The stand-in runs in a spawned process (`standin`), as Slack runs on other
   machines; a second delivery with the stand-in in this process shows what sharing the GIL
   with it costs. Every delivery key must reach the stand-in exactly once and every outbox
   row end `sent`.

The world is seeded by `seeding`, each backend run by `measuring` (with `profiling` of what
missed its target) and the results written by `reporting`.
"""

from __future__ import annotations

from bench.harness import Options, Outcome, Say, run_bench
from bench.jobs.building import EXTRA_JOBS, TARGET_JOBS, build_job, draw_deferred_charts
from bench.jobs.measuring import BackendResult, run_backend
from bench.jobs.reporting import report
from bench.jobs.seeding import (
    ENTRIES_PER_REP_DAY,
    RUN_AT,
    ZONES,
    Plan,
    World,
    last_friday,
    seed_world,
)

__all__ = [
    "ENTRIES_PER_REP_DAY",
    "EXTRA_JOBS",
    "RUN_AT",
    "TARGET_JOBS",
    "ZONES",
    "Plan",
    "World",
    "build_job",
    "draw_deferred_charts",
    "last_friday",
    "run",
    "seed_world",
]

RESULTS_NAME = "jobs.md"


def run(options: Options, load: object, say: Say) -> Outcome:
    """`python -m bench --only jobs`; `load` (the HTTP load process) is not used."""

    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, options, say)

    def detail(plan: Plan) -> str:
        return f"{plan.reps:,} reps in {plan.teams} teams"

    return run_bench(
        options, say, "jobs", "scheduled jobs", RESULTS_NAME, Plan, measure, report, detail
    )
