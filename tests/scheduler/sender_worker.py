"""One sender in a process of its own, for tests/scheduler/test_sender_processes.py.

Delivers a workspace's outbox until nothing in it is pending or sending, then prints its
totals as JSON on stdout and exits 0:

    python tests/scheduler/sender_worker.py --database-url URL --slack-url URL \
        --workspace 3 --owner worker-a [--lease 60] [--concurrency 4] [--timeout 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


from bot.clock import SystemClock  # noqa: E402
from bot.slack_pooled_client import PooledWebClient  # noqa: E402
from scheduler.sender import Sender  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slack-url", required=True)
    parser.add_argument("--workspace", type=int, required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--backoff", type=float, default=0.2)
    args = parser.parse_args(argv)

    db = Database(args.database_url)
    client = PooledWebClient(token="xoxb-worker", base_url=args.slack_url, timeout=args.timeout)
    client.retry_handlers = []  # the sender owns every retry
    sender = Sender(
        db, lambda _workspace_id: client, SystemClock(), args.owner,
        concurrency=args.concurrency, lease_seconds=args.lease, backoff_seconds=args.backoff,
        workspace_ids=[args.workspace],
    )  # fmt: skip
    totals: dict[str, float] = {}
    idle = threading.Event()
    try:
        while True:
            stats = sender.deliver_due()
            for name, value in dataclasses.asdict(stats).items():
                totals[name] = totals.get(name, 0) + value
            with db.read() as session:
                if outbox.unfinished(session, [args.workspace]) == 0:
                    break
            # What is left is held by another process or waiting for a lease or backoff.
            idle.wait(0.05)
    finally:
        db.dispose()
    print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
