"""The command line's normal output carries no migration chatter."""

from __future__ import annotations

import os
import subprocess
import sys


def test_jobs_list_on_a_new_database_prints_no_migration_lines(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/paceline.db"
    run = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "No teams yet" in run.stdout
    assert "alembic" not in run.stderr and "Context impl" not in run.stderr, run.stderr
