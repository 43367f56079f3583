"""`paceline jobs list` and `paceline jobs run` as an operator types them: a separate
process on the team's database, delivering to a stand-in Slack when it has a token."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FixedClock
from bot.console.demo import seed_demo
from bot.console.render import stable_id
from storage.db import Database

REPO = Path(__file__).resolve().parents[2]
AT = "2026-11-20T16:00-05:00"  # Friday's digest time in New York


def _paceline(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL"))
    }
    base.update(
        PYTHONPATH=str(REPO),
        DATABASE_URL=f"sqlite:///{tmp_path}/jobs.db",
        PYTHONIOENCODING="utf-8",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "jobs", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_jobs_list_and_run_from_the_command_line(tmp_path, slack):
    db = Database(f"sqlite:///{tmp_path}/jobs.db")
    db.upgrade()
    seed_demo(
        db, FixedClock(datetime(2026, 11, 20, 15, tzinfo=UTC)), "TJOBSCLI", tz="America/New_York"
    )
    db.dispose()

    listing = _paceline(tmp_path, "list")
    assert listing.returncode == 0, listing.stderr
    assert "Team east (TJOBSCLI) · America/New_York · #sales-east" in listing.stdout
    assert "nudge Wed 10:00" in listing.stdout and "never run" in listing.stdout

    # Without a bot token the run is built and waits in the outbox.
    queued = _paceline(tmp_path, "run", "weekly-digest", "--team", "east", "--at", AT)
    assert queued.returncode == 0, queued.stderr
    assert (
        "weekly-digest for team east (Fri 20 Nov 2026): 2 message(s), 2 new, 0 already in the outbox."
        in queued.stdout
    )
    assert "SLACK_BOT_TOKEN is not set: the messages wait in the outbox" in queued.stdout

    # With a token the same command sends what waits, and builds nothing twice.
    channel = stable_id("C", "sales-east")
    before = len(slack.calls_to("chat.postMessage"))
    sent = _paceline(
        tmp_path,
        "run",
        "weekly-digest",
        "--team",
        "east",
        "--at",
        AT,
        SLACK_BOT_TOKEN="xoxb-cli",
        SLACK_SIGNING_SECRET="0123456789abcdef0123456789abcdef",
        SLACK_API_URL=slack.api_url,
    )
    assert sent.returncode == 0, sent.stderr
    assert "had already run: nothing new to send" in sent.stdout
    assert "Delivered: 2 sent, 0 to retry, 0 parked, 0 failed." in sent.stdout
    posts = [
        c for c in slack.calls_to("chat.postMessage")[before:] if c.params.get("channel") == channel
    ]
    assert len(posts) == 1 and posts[0].params["text"].startswith("Team east")
    assert any(
        c.params.get("channel_id") == channel
        for c in slack.calls_to("files.completeUploadExternal")
    )

    listing = _paceline(tmp_path, "list")
    assert "last 2026-11-20 (2 msg)    2 sent" in listing.stdout

    unknown = _paceline(tmp_path, "run", "fortnightly")
    assert unknown.returncode == 2 and 'There is no job "fortnightly"' in unknown.stderr
    bad_at = _paceline(tmp_path, "run", "nudge", "--at", "friday")
    assert bad_at.returncode == 2 and "`--at friday` is not an ISO date-time." in bad_at.stderr
    no_team = _paceline(tmp_path, "run", "nudge", "--team", "west")
    assert no_team.returncode == 2 and 'There is no team "west".' in no_team.stderr
