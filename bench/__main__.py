"""`python -m bench [--only log|reports|jobs|wins|imports|slow-slack|edge|regions|crm] [--quick] [--backend sqlite|postgresql|all] [--strict]
[--profile]` (what `make bench` runs): every benchmark unless `--only` picks one."""

from __future__ import annotations

import argparse
import sys
import threading
import time

BENCHES = ("log", "reports", "jobs", "wins", "imports", "slow-slack", "edge", "regions", "crm")


def main(argv: list[str] | None = None) -> int:
    from bench import (
        crm_sync,
        edge,
        imports,
        jobs,
        live_wins,
        log_latency,
        regions,
        report_latency,
        slow_slack,
    )
    from bench.harness import LoadProcess, Options, fail_banner, shown_path

    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="End-to-end latency of /log and of the reports (/progress team, /leaderboard); "
        "building and delivering the scheduled jobs at 10,000 reps.",
    )
    parser.add_argument(
        "--only",
        choices=BENCHES,
        help="run one benchmark: log, reports, jobs, wins (the live-wins worker's tick), imports, slow-slack (every command with a 400 ms Slack), edge (oversized bodies, dripping clients, a black-holed database), regions (team:all and by team for 2,000 reps in 100 teams under 10 regions) or crm (the HubSpot sync: a backfill of 100,000 engagements and 10,000 deals, a re-sync, 1,000 changes; --quick: 10,000 + 1,000) (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 10,000 entries, fewer requests"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target check fails too"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="reports: also cProfile each report command in-process and print the top functions; "
        "jobs: cProfile every job's build and the delivery (they are profiled anyway when they miss a target); "
        "crm: cProfile a ¼-size backfill (done anyway when the backfill misses a target)",
    )
    args = parser.parse_args(argv)

    options = Options(
        quick=args.quick,
        backends=("sqlite", "postgresql") if args.backend == "all" else (args.backend,),
        profile=args.profile,
    )
    chosen = [args.only] if args.only else list(BENCHES)
    runners = {
        "log": log_latency.run,
        "reports": report_latency.run,
        "jobs": jobs.run,
        "wins": live_wins.run,
        "imports": imports.run,
        "slow-slack": slow_slack.run,
        "edge": edge.run,
        "regions": regions.run,
        "crm": crm_sync.run,
    }
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - started:6.1f}s  {text}", flush=True)

    load = LoadProcess()
    outcomes = []
    try:
        for name in chosen:
            outcomes.append(runners[name](options, load, say))
    finally:
        load.close()

    for outcome in outcomes:
        print()
        print(outcome.text)
        print(f"(written to {shown_path(outcome.path)})")
    leftovers = [
        t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()
    ]
    if leftovers:
        print(f"note: threads still alive at exit: {', '.join(leftovers)}", file=sys.stderr)
    code = 0
    for outcome in outcomes:
        if outcome.broken:
            print(fail_banner(f"BENCH {outcome.name}"), file=sys.stderr)
            code = 1
        elif not outcome.all_pass:
            print(f"Some {outcome.name} targets were missed (FAIL rows above).", file=sys.stderr)
            if args.strict:
                code = 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
