"""One HubSpot sync in a process of its own, for `bench/crm_sync.py`:

    python -m bench.crm_child [--launch] DATABASE_URL API_URL TOKEN WORKSPACE_ID [--profile FILE]

The sync is built as production builds it (`bot.crm.connection.build_sync` with the
environment's token), runs once, and the last line printed is JSON: the `SyncReport`'s
numbers, the seconds `sync()` took, the HubSpot pages read (non-empty search and archived
pages), the SQL statements sent and the time inside `cursor.execute`, by kind of statement
(listeners that only add to counters, so their memory does not grow with the sync), a
timeline of the pages written (seconds and resident size at each tenth of them, from the
`progress` callback), and this process's peak RSS (VmHWM) just before the sync (the imports
and the built objects) and at the end. With `--profile FILE` the sync runs
under cProfile and the stats are dumped to FILE.

`--launch` runs the same command in a grandchild and prints, last, the grandchild's peak RSS
from `os.wait4`. That is what the bench measures: on Linux a process's `ru_maxrss` starts at
its parent's resident size when it was spawned (exec records the forked image's high-water
mark), so a sync spawned straight from the bench, which holds the stand-in HubSpot's objects,
would report the bench's size. This launcher imports nothing heavy (about 12 MB), so the
grandchild's `ru_maxrss` is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from typing import Any


def _status_kib(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_kib() -> int:
    """This process's own peak resident size (VmHWM), in KiB."""
    return _status_kib("VmHWM:")


def rss_kib() -> int:
    return _status_kib("VmRSS:")


def launch(argv: list[str]) -> int:
    """The sync in a grandchild; its exit code and `os.wait4` peak RSS, printed last."""
    child = subprocess.Popen([sys.executable, "-m", "bench.crm_child", *argv])
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"launched_maxrss_kib": usage.ru_maxrss, "launched_exit": code}), flush=True)
    return code


def _verb(statement: str) -> str:
    """ "INSERT entry", "UPDATE crm_record", "SELECT crm_record", "BEGIN"…: a statement's kind,
    cheaply (SQLAlchemy puts FROM on a line of its own)."""
    words = statement.lstrip()[:80].split(None, 3)
    if not words:
        return "?"
    verb = words[0].upper()
    if verb == "INSERT" and len(words) > 2:
        return f"INSERT {words[2].strip(chr(34))}"
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1].strip(chr(34))}"
    if verb == "SELECT":
        at = statement.find("\nFROM ")
        if at >= 0:
            return f"SELECT {statement[at + 6 : at + 40].split(None, 1)[0].strip(chr(34))}"
    return verb


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--launch"]:
        return launch(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.crm_child")
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("token")
    parser.add_argument("workspace_id", type=int)
    parser.add_argument("--profile", help="run the sync under cProfile and dump the stats here")
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.crm.connection import build_sync
    from bot.crm.hubspot import HubSpotReader
    from storage.db import Database

    db = Database(args.database_url)
    statements: Counter[str] = Counter()
    execute_ns: Counter[str] = Counter()
    began: list[int] = [0]

    def before(conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        statements[_verb(statement)] += 1
        began[0] = time.perf_counter_ns()

    def after(conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        execute_ns[_verb(statement)] += time.perf_counter_ns() - began[0]

    for engine in db.engines:
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)

    # (seconds since the start, pages written so far, RSS KiB) after each search page.
    timeline: list[tuple[float, int, int]] = []

    def progress(object_type: str, done: int, total: int) -> None:
        timeline.append((round(time.perf_counter() - started, 2), len(timeline) + 1, rss_kib()))

    pages = {"search": 0, "search_empty": 0, "archived": 0, "archived_empty": 0}
    settings = Settings(hubspot_access_token=args.token, hubspot_api_url=args.api_url)
    sync = build_sync(settings, db, SystemClock(), sleep=time.sleep)
    production_reader_for = sync.reader_for

    def reader_for(connection: Any) -> HubSpotReader:
        """The production reader, its page reads counted (what a page's statements are per)."""
        reader = production_reader_for(connection)
        search, archived = reader.search, reader.archived

        def counted_search(*a: Any, **k: Any) -> Any:
            page = search(*a, **k)
            pages["search" if page.objects else "search_empty"] += 1
            return page

        def counted_archived(*a: Any, **k: Any) -> Any:
            for objects in archived(*a, **k):
                pages["archived" if objects else "archived_empty"] += 1
                yield objects

        reader.search = counted_search  # type: ignore[method-assign]
        reader.archived = counted_archived  # type: ignore[method-assign]
        return reader

    sync.reader_for = reader_for
    # Warm what the first sync would otherwise import lazily (the client's API packages),
    # so the baseline below is the interpreter's, not the sync's.
    HubSpotReader(args.token, args.api_url)
    baseline_kib = peak_kib()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    report = sync.sync(args.workspace_id, progress=progress)
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    db.dispose()

    print(
        json.dumps(
            {
                "seconds": seconds,
                "skipped": report.skipped,
                "error": report.error,
                "backfill": report.backfill,
                "read": report.read,
                "changed_objects": report.changed_objects,
                "added": report.added,
                "corrected": report.corrected,
                "removed": report.removed,
                "owners": report.owners,
                "unmatched": len(report.unmatched),
                "requests": report.requests,
                "pages": pages,
                "statements": dict(statements),
                "execute_seconds": {k: round(v / 1e9, 3) for k, v in execute_ns.items()},
                "timeline": [timeline[round(i * (len(timeline) - 1) / 10)] for i in range(11)]
                if timeline
                else [],
                "baseline_kib": baseline_kib,
                "peak_kib": peak_kib(),
                "summary": report.summary(),
            }
        ),
        flush=True,
    )
    return 0 if report.error is None and report.skipped is None else 2


if __name__ == "__main__":
    sys.exit(main())
