"""Importing history (issue #5): `paceline import crm` of the shared 8,800-row pipeline, and
`paceline import activity` of generated files of 100,000 and 1,000,000 rows, on SQLite and
PostgreSQL.

Each import runs as an operator runs it: `python -m bot import …` in a child process of its
own, so its peak memory is the child's own: its `VmHWM` as it exits (where Linux has no
/proc, `ru_maxrss` from `os.wait4`, which also counts the process it was spawned from). Reported: wall time, rows per second, peak memory, and a second import of each
file, which must store nothing. Targets: 1,000,000 rows in under 60 s on SQLite, under
200 MB, and peak memory that does not grow with the file (1M within 10 % of 100k).
"""

from __future__ import annotations

import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import seed
from bench.harness import Options, Outcome, Say, backend_name, table_row, write_results

RESULTS_NAME = "imports.md"
REPO = Path(__file__).resolve().parents[1]
CRM_DIR = Path(
    os.environ.get(
        "PACELINE_CRM_DIR", Path(__file__).resolve().parents[1] / "tests" / "data" / "crm"
    )
)
REPS = 200
SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
TARGET_SECONDS = 60.0  # 1,000,000 rows, SQLite
TARGET_MB = 200.0
GROWTH_LIMIT = 1.10  # peak memory at the largest size ÷ at the smallest
TIMEOUT_SECONDS = 1800
# One row in ten names its rep by @handle rather than Slack id; metrics by alias too.
_METRICS = (("calls", 30), ("dials", 4), ("emails", 24), ("meetings", 12), ("demos", 8),
            ("opps", 7), ("proposals", 5), ("deals", 3), ("revenue", 3), ("$", 1))  # fmt: skip
_IMPORTED = re.compile(r"([\d,]+) rows read · ([\d,]+) imported · ([\d,]+) already imported")
# A child's ru_maxrss keeps the high-water mark of the address space it was spawned from
# (Linux carries it across exec): a 200 MB bench process made every import report 278 MB.
# So the child runs `bot` through this launcher, which reports its own address space's peak
# (VmHWM, which exec starts afresh) as it exits.
_LAUNCHER = """\
import atexit, runpy, sys

def _peak():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    sys.stderr.write(f"bench-peak-kib {line.split()[1]}\\n")
    except OSError:
        pass

atexit.register(_peak)
sys.argv[0] = "bot"
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""
_PEAK = re.compile(r"^bench-peak-kib (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    label: str
    rows: int
    seconds: float
    peak_mb: float
    imported: int
    already: int
    code: int
    output: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class BackendResult:
    backend: str
    runs: list[Run]
    broken: str | None = None


def generate_activity(path: Path, rows: int, reps: int, today: date, rng_seed: int = 5) -> None:
    """`rows` activity rows over the past year, streamed to disk (never held in memory)."""
    rng = random.Random(rng_seed)
    metrics = [m for m, weight in _METRICS for _ in range(weight)]
    first = today - timedelta(days=365)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("user,metric,date,amount,note\n")
        for i in range(rows):
            rep = rng.randrange(reps)
            user = f"@rep{rep:04d}" if i % 10 == 0 else seed.user_id_of(rep)
            metric = rng.choice(metrics)
            if metric in ("revenue", "$"):
                amount = f"{rng.randint(500, 50_000)}.{rng.randint(0, 99):02d}"
            else:
                amount = str(rng.randint(1, 40))
            day = first + timedelta(days=rng.randrange(365))
            # A row number in the note: real files have few exact repeats, and this bench
            # measures imports, not duplicate skipping.
            out.write(f"{user},{metric},{day.isoformat()},{amount},row {i}\n")


def run_import(args: Sequence[str], database_url: str, label: str, rows: int, cwd: Path) -> Run:
    """`python -m bot import …` in a child process: its wall time and its own peak RSS."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL"))
    }
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen([sys.executable, "-c", _LAUNCHER, "import", *args], cwd=cwd, env=env,
                                 stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            _, status, usage = _wait4(child, TIMEOUT_SECONDS)
        finally:
            if child.poll() is None:
                child.kill()
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    found = _IMPORTED.search(output)
    imported, already = (
        (int(found[2].replace(",", "")), int(found[3].replace(",", ""))) if found else (-1, -1)
    )
    peak = _PEAK.search(output)
    # Both in KiB on Linux.
    peak_kib = int(peak[1]) if peak else usage.ru_maxrss
    return Run(label, rows, seconds, peak_kib / 1024, imported, already, code, output)


def _wait4(child: subprocess.Popen, timeout: float) -> tuple[int, int, object]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        time.sleep(0.05)


def run_backend(backend: str, files: dict[int, Path], work: Path, say: Say) -> BackendResult:
    result = BackendResult(backend, [])
    with seed.bench_database(backend, "paceline_bench_imports") as database:
        from storage.db import Database

        db = Database(database.url)
        db.upgrade()
        db.dispose()
        seed.seed_directory(database.url, REPS, datetime.now(UTC))
        workspace = ["--workspace", seed.TEAM_ID]
        crm_args = [
            "crm",
            str(CRM_DIR / "sales_pipeline.csv"),
            "--teams",
            str(CRM_DIR / "sales_teams.csv"),
            *workspace,
        ]
        plan = [("CRM pipeline", 8_800, crm_args)]
        plan += [
            (f"activity {rows:,}", rows, ["activity", str(path), *workspace])
            for rows, path in files.items()
        ]
        for label, rows, args in plan:
            for attempt in ("first", "again"):
                run = run_import(args, database.url, f"{label} ({attempt})", rows, work)
                result.runs.append(run)
                say(f"{backend_name(backend)} {run.label}: {run.seconds:.1f} s, {run.rows_per_second:,.0f} rows/s, "
                    f"peak {run.peak_mb:.0f} MB, {run.imported:,} imported, {run.already:,} already there")  # fmt: skip
                if run.code != 0:
                    result.broken = f"{run.label} exited {run.code}:\n{run.output[-2000:]}"
                    return result
    return result


def report(
    results: list[BackendResult], sizes: Sequence[int], quick: bool, seconds: float
) -> tuple[str, bool, bool]:
    lines = [
        "# Importing history",
        "",
        f"`python -m bench --only imports{' --quick' if quick else ''}` — {platform.node()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, {seconds:.0f} s in all.",
        "Each import is `python -m bot import …` in a child process; peak memory is that child's "
        '`ru_maxrss`. "again" imports the same file a second time: it must store nothing.',
        "",
        "| Backend | Import | Rows | Seconds | Rows/s | Peak MB | Imported | Already there |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    broken = False
    checks: list[tuple[str, str, str, bool]] = []
    for result in results:
        name = backend_name(result.backend)
        for run in result.runs:
            lines.append(table_row(name, run.label, f"{run.rows:,}", f"{run.seconds:.1f}", f"{run.rows_per_second:,.0f}",
                                   f"{run.peak_mb:.0f}", f"{run.imported:,}", f"{run.already:,}"))  # fmt: skip
        if result.broken:
            broken = True
            lines += ["", f"**{name} broke:**", "```", result.broken, "```"]
            continue
        firsts = {
            r.rows: r
            for r in result.runs
            if r.label.startswith("activity") and r.label.endswith("(first)")
        }
        agains = [r for r in result.runs if r.label.endswith("(again)")]
        small, large = firsts.get(min(sizes)), firsts.get(max(sizes))
        if small and large:
            growth = large.peak_mb / small.peak_mb
            checks.append((name, f"peak memory {max(sizes):,} rows ≤ {GROWTH_LIMIT:.2f} × {min(sizes):,} rows",
                           f"{large.peak_mb:.0f} MB vs {small.peak_mb:.0f} MB ({growth:.2f}×)", growth <= GROWTH_LIMIT))  # fmt: skip
            checks.append((name, f"peak memory {max(sizes):,} rows < {TARGET_MB:.0f} MB", f"{large.peak_mb:.0f} MB",
                           large.peak_mb < TARGET_MB))  # fmt: skip
            if result.backend == "sqlite" and max(sizes) == 1_000_000:
                checks.append((name, f"1,000,000 rows < {TARGET_SECONDS:.0f} s", f"{large.seconds:.1f} s",
                               large.seconds < TARGET_SECONDS))  # fmt: skip
        every = all(r.imported + r.already == r.rows for r in firsts.values())
        checks.append((name, "every activity row imported", "yes" if every else "no", every))
        nothing = all(r.imported == 0 for r in agains)
        checks.append((name, "a second import stores nothing", "yes" if nothing else "no", nothing))
    lines += ["", "| Backend | Check | Measured | Result |", "|---|---|---|---|"]
    lines += [table_row(b, c, m, "PASS" if ok else "FAIL") for b, c, m, ok in checks]
    return "\n".join(lines) + "\n", broken, all(ok for *_, ok in checks) and not broken


def run(options: Options, load: object, say: Say) -> Outcome:
    """`load` (the reports' client process) is not needed: imports run in their own children."""
    sizes = QUICK_SIZES if options.quick else SIZES
    started = time.perf_counter()
    say(f"bench: imports of {', '.join(f'{s:,}' for s in sizes)} activity rows and the CRM pipeline, "
        f"backends: {', '.join(options.backends)}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="paceline_bench_imports_") as tmp:
        work = Path(tmp)
        files = {}
        for rows in sizes:
            path = work / f"activity_{rows}.csv"
            generate_activity(path, rows, REPS, datetime.now(UTC).date(), rng_seed=rows)
            files[rows] = path
            say(f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB")
        results = []
        for backend in options.backends:
            try:
                results.append(run_backend(backend, files, work, say))
            except (
                Exception
            ) as error:  # a backend that cannot start must not hide the other's numbers
                results.append(
                    BackendResult(backend, [], broken=f"{type(error).__name__}: {error}")
                )
    text, broken, all_pass = report(results, sizes, options.quick, time.perf_counter() - started)
    return Outcome("imports", text, write_results(RESULTS_NAME, text), broken, all_pass)
