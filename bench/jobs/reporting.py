"""The jobs bench's report: the build and delivery tables, the checks and the details."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from bench.harness import (
    CHECKS_HEADER,
    backend_name,
    check_row,
    finished,
    run_line,
    seeding_lines,
    table_row,
)
from bench.jobs.building import BUILD_LIMIT_SECONDS, TARGET_JOBS, shown_range
from bench.jobs.delivering import DELIVERY_RATIO_LIMIT, SLACK_LATENCY_SECONDS, Delivery
from bench.jobs.measuring import BackendResult
from bench.jobs.seeding import ENTRIES_PER_REP_DAY, ZONES, Plan

# What the bench measures, for the code state in the report.
MEASURED_CODE = (
    "scheduler",
    "storage",
    "bot/render",
    "bot/core",
    "bot/services/reports.py",
    "bot/slack_pooled_client.py",
)


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    lines = _header(plan, quick, seconds, loads)
    lines += _build_table(results, plan)
    lines += _delivery_table(results)
    checks, all_pass = _checks(results, plan)
    lines += checks
    lines += _details(results, plan)
    return finished(
        lines,
        any(r.error for r in results),
        all_pass,
        "**WARNING: a backend broke — its numbers are missing or not valid.**",
    )


def code_state() -> str:
    """The commit measured, and the measured code's files changed since (read-only git)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
        return done.stdout.rstrip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--", *MEASURED_CODE).splitlines()
    except (OSError, subprocess.SubprocessError):
        return "code: unknown (no git)"
    edited = sorted(line[3:] for line in changed if not line.startswith("??"))
    new = sum(1 for line in changed if line.startswith("??"))
    text = f"code: commit {commit or '?'}"
    if edited:
        text += f", with uncommitted changes to {', '.join(edited)}"
    if new:
        text += f", and {new} new file(s) under {', '.join(MEASURED_CODE)}"
    return text


def _header(plan: Plan, quick: bool, seconds: float, loads: list[float]) -> list[str]:
    return [
        "# Scheduled jobs: building and delivering at scale",
        "",
        run_line(quick, seconds, loads),
        "",
        code_state(),
        "",
        f"{plan.reps:,} reps in {plan.teams} teams of {plan.team_size} (one manager each, a channel, "
        f"zones {', '.join(ZONES)} in turn) with {plan.weeks} weeks of entries "
        f"({ENTRIES_PER_REP_DAY} a rep and working day) and the report bench's goals per team: "
        "a weekly calls goal per rep (every fourth with a stretch), a team-total revenue goal, "
        "an all-or-nothing demos goal and a meetings contest this week. Each team's jobs are "
        "built as of Friday 16:00 in its own zone, by cohort (the teams of one zone, fired "
        "together by the scheduler), calling `scheduler.content.BATCH_BUILDERS` directly in one "
        "read session per cohort and job (the teams' rows, then the batch builder: what "
        "`JobRunner.run_cohort` does before it enqueues), after one untimed warm-up build. "
        "Statements are counted per build, BEGIN included: each cohort, one "
        f"{plan.team_size}-rep team alone and one extra team of {plan.big_team_size} reps alone "
        "(same goals). Delivery: one nudge per rep, the nudge "
        "builder's own messages, enqueued and delivered by `Sender` (default concurrency, "
        "the app's `PooledWebClient`, no retry handlers) to the stand-in Slack answering in "
        f"{SLACK_LATENCY_SECONDS * 1000:g} ms; ideal = nudges × {SLACK_LATENCY_SECONDS * 1000:g} ms "
        "÷ concurrency.",
    ]


def _build_table(results: list[BackendResult], plan: Plan) -> list[str]:
    lines = [
        "",
        f"| Backend | Job | Teams | Messages | Seconds | ms per cohort (mean / max) | in SQL | drawing the chart | "
        f"Statements: one team of {plan.team_size} reps / each cohort | one team of {plan.big_team_size} reps |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = backend_name(r.backend)
        for b in r.builds:
            label = b.job if b.job in TARGET_JOBS else f"{b.job} (not in the target)"
            lines.append(
                table_row(
                    name,
                    label,
                    b.teams,
                    f"{b.messages:,}",
                    f"{b.seconds:.2f}",
                    f"{_mean(b.cohort_ms):.0f} / {max(b.cohort_ms, default=0):.0f}",
                    f"{b.execute_seconds:.2f} s",
                    f"{b.chart_seconds:.2f} s" if b.chart_seconds else "–",
                    f"{b.small_count} / {shown_range(b.count_range)}",
                    b.big_count,
                )
            )
        targets = r.target_builds()
        if targets:
            lines.append(
                table_row(
                    name,
                    "**everything: digest + nudges + alerts**",
                    targets[0].teams,
                    f"{sum(b.messages for b in targets):,}",
                    f"**{r.build_seconds:.2f}**",
                    f"{sum(_mean(b.cohort_ms) for b in targets):.0f} / –",
                    f"{sum(b.execute_seconds for b in targets):.2f} s",
                    f"{sum(b.chart_seconds for b in targets):.2f} s",
                    "",
                    "",
                )
            )
        if r.deferred and r.deferred.charts:
            lines.append(
                table_row(
                    name,
                    "weekly-digest charts, left by the builder to the sender (not in the build): "
                    "drawn one after another",
                    r.deferred.charts,
                    "",
                    f"{r.deferred.seconds:.2f}",
                    f"{r.deferred.seconds / r.deferred.charts * 1000:.1f} / –",
                    "",
                    f"{r.deferred.seconds:.2f} s",
                    "",
                    "",
                )
            )
        if r.runner:
            lines.append(
                table_row(
                    name,
                    "JobRunner.run_cohort, same three jobs (build + record each team's run + enqueue): "
                    + ", ".join(f"{j.job} {j.seconds:.2f} s" for j in r.runner),
                    len(r.world.teams) if r.world else "",
                    f"{sum(j.new for j in r.runner):,} enqueued",
                    f"{sum(j.seconds for j in r.runner):.2f}",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, *[""] * 8))
    return lines


def _delivery_table(results: list[BackendResult]) -> list[str]:
    lines = [
        "",
        "| Backend | Stand-in Slack in | Nudges | Seconds | Ideal s | Ratio | Posts/s | "
        "Duplicates | Missing | Outbox rows sent | Posts in flight (mean / most) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for d in r.deliveries + ([r.baseline] if r.baseline else []):
            lines.append(
                table_row(
                    backend_name(r.backend),
                    d.where + (" (the measured one)" if d.where == "own process" else ""),
                    f"{d.nudges:,}",
                    f"{d.seconds:.2f}",
                    f"{d.ideal:.2f}",
                    f"{d.ratio:.2f}×",
                    f"{d.nudges / d.seconds:,.0f}" if d.seconds else "–",
                    d.duplicates,
                    d.missing,
                    f"{d.statuses.get('sent', 0):,} / {sum(d.statuses.values()):,}"
                    if d.statuses
                    else "–",
                    f"{d.mean_in_flight:.1f} / {d.max_in_flight} of {d.concurrency}",
                )
            )
    return lines


def _checks(results: list[BackendResult], plan: Plan) -> tuple[list[str], bool]:
    lines = list(CHECKS_HEADER)
    all_pass = True

    def check(name: str, what: str, measured: str, ok: bool) -> None:
        nonlocal all_pass
        lines.append(check_row(name, what, measured, ok))
        all_pass &= ok

    for r in results:
        name = backend_name(r.backend)
        check(
            name,
            f"building everything < {BUILD_LIMIT_SECONDS:g} s",
            f"{r.build_seconds:.2f} s",
            r.build_ok,
        )
        for b in r.target_builds():
            check(
                name,
                f"{b.job}: statements for one team @ {plan.big_team_size} reps == @ {plan.team_size} reps == for each cohort",
                f"{b.big_count} vs {b.small_count} vs {shown_range(b.count_range)}",
                b.counts_ok,
            )
        d = r.honest_delivery
        check(
            name,
            f"delivery ≤ {DELIVERY_RATIO_LIMIT:g}× ideal (stand-in in its own process)",
            f"{d.seconds:.2f} s vs {d.ideal:.2f} s ({d.ratio:.2f}×)" if d else "not run",
            r.delivery_ok,
        )
        for d in r.deliveries:
            check(
                name,
                f"exactly once, stand-in in {d.where}: each key once, every row sent",
                f"{d.duplicates} duplicates, {d.missing} missing, {d.unexpected} unexpected, "
                f"{d.statuses.get('sent', 0):,} of {d.nudges:,} rows sent",
                d.exact,
            )
        if r.error or not r.deliveries:
            check(name, "all checks", "incomplete run", False)
    return lines, all_pass


def _details(results: list[BackendResult], plan: Plan) -> list[str]:
    lines = ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        if r.world:
            lines.append(
                f"- {name}: history ends Friday {r.world.friday}; jobs built as of 16:00 there, team-local"
            )
            lines += seeding_lines(name, r.world.seconds)
        if r.target_builds():
            chart = sum(b.chart_seconds for b in r.target_builds())
            lines.append(
                f"- {name}: building everything took {r.build_seconds:.2f} s, {chart:.2f} s of it "
                f"drawing the digests' charts (`render_chart`): {r.build_seconds - chart:.2f} s without them"
            )
        if r.deferred and r.deferred.charts:
            lines.append(
                f"- {name}: the digest builder leaves its chart to the sender (the PNG is drawn "
                f"before each upload): drawing the {r.deferred.charts} charts took "
                f"{r.deferred.seconds:.2f} s more, outside the build; with them everything "
                f"would take {r.build_seconds + r.deferred.seconds:.2f} s"
            )
        for b in r.builds:
            lines.append(
                f"- {name} {b.job}: first build in the process (warm-up, {plan.big_team_size}-rep team) "
                f"{b.warm_seconds * 1000:.0f} ms"
            )
            for shape, small, big in b.grown_shapes()[:8]:
                lines.append(f"  - statements that differ: {small} → {big}× `{shape}`")
            for shape, took, times in b.slowest:
                lines.append(
                    f"  - {took:.2f} s inside cursor.execute in {times:,}× `{shape[:120]}…`"
                )
        for d in r.deliveries:
            lines.append(
                f"- {name} delivery, stand-in in {d.where}: enqueue {d.enqueue_seconds:.2f} s (one "
                f"transaction); {d.statements:,} SQL statements while delivering "
                f"({d.statements / max(d.nudges, 1):.1f} a nudge); sender counted {d.sent:,} sent; "
                f"outbox after: {dict(sorted(d.statuses.items()))}; a post took "
                f"{d.post_seconds / max(d.nudges, 1) * 1000:.1f} ms on average from the sender's side "
                f"(the stand-in waits {SLACK_LATENCY_SECONDS * 1000:g} ms); CPU while delivering: "
                f"{_cpu(d)}"
            )
            if d.tenths:
                lines.append(
                    f"  - seconds per tenth of the posts ({d.nudges // 10:,} each), first to last: "
                    + ", ".join(f"{t:.2f}" for t in d.tenths)
                )
            for shape, took, times in d.slowest:
                lines.append(
                    f"  - {took:.2f} s inside cursor.execute in {times:,}× `{shape[:120]}…`"
                )
        if r.baseline:
            b = r.baseline
            lines.append(
                f"- {name} baseline, the posts alone from {b.concurrency} threads (no sender, no "
                f"database): {b.seconds:.2f} s ({b.ratio:.2f}× the ideal); a post took "
                f"{b.post_seconds / max(b.nudges, 1) * 1000:.1f} ms on average; {b.duplicates} "
                f"duplicates, {b.missing} missing; CPU: {_cpu(b)}"
            )
        if r.sender_cpu is not None and r.baseline:
            lines.append(
                f"- {name} the sender's own CPU, its client answering every call at once (no "
                f"HTTP): {r.sender_cpu:.2f} s, {r.sender_cpu / max(r.baseline.nudges, 1) * 1000:.3f} "
                "ms a nudge (claims, sent-marks, the workers' bookkeeping)"
            )
        for path in r.profiles:
            lines.append(f"- {name} profile written to {path}")
        if r.load_average is not None:
            lines.append(
                f"- {name}: load average {r.load_average[0]:.2f} before, {r.load_average[1]:.2f} after"
            )
    return lines


def _cpu(d: Delivery) -> str:
    per = 1000 / max(d.nudges, 1)
    text = (
        f"this process {d.cpu_seconds:.2f} s ({d.cpu_seconds / max(d.seconds, 1e-9):.0%} of the "
        f"wall time, {d.cpu_seconds * per:.2f} ms a nudge)"
    )
    if d.standin_cpu_seconds is not None:
        text += (
            f", the stand-in's process {d.standin_cpu_seconds:.2f} s "
            f"({d.standin_cpu_seconds * per:.2f} ms a post)"
        )
    return text


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
