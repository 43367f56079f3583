"""`paceline import` and `paceline export` as an operator types them: a separate process on
the team's database (SQLite and PostgreSQL), exit codes, and where each message goes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.render.export_csv import COLUMNS

REPO = Path(__file__).resolve().parents[2]


def paceline(cwd: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL"))
    }
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=database_url, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def team_id():
    return "T" + uuid.uuid4().hex[:10].upper()


def test_import_activity_then_export_from_the_command_line(tmp_path, database_url, team_id):
    path = tmp_path / "activity.csv"
    path.write_text(
        'user,metric,date,amount,note\nAnn Lee,calls,2026-10-02,12,\nAnn Lee,rev,2026-10-05,"$1,200.50",Acme\n'
    )
    done = paceline(
        tmp_path,
        database_url,
        "import",
        "activity",
        str(path),
        "--workspace",
        team_id,
        "--progress",
    )
    assert done.returncode == 0, done.stderr
    assert "2 rows read · 2 imported · 0 already imported before · 0 skipped" in done.stdout
    assert "Importing activity.csv [" in done.stderr  # the bar goes to stderr, the report to stdout

    again = paceline(
        tmp_path, database_url, "import", "activity", str(path), "--workspace", team_id
    )
    assert (
        again.returncode == 0
        and "Nothing new: all 2 rows with entries were imported before." in again.stdout
    )

    # Ann is in no team, so a team export has no rows; a missing team is an error.
    unknown = paceline(
        tmp_path,
        database_url,
        "export",
        "--period",
        "2026-10",
        "--team",
        "east",
        "--workspace",
        team_id,
        "out.csv",
    )
    assert unknown.returncode == 2 and 'Unknown team "east". Teams: none yet.' in unknown.stderr
    exported = paceline(
        tmp_path, database_url, "export", "--period", "2026-10", "--workspace", team_id, "-"
    )
    assert exported.returncode == 0, exported.stderr
    assert list(csv.reader(io.StringIO(exported.stdout.lstrip("\ufeff"))))[0] == COLUMNS
    assert "Exported 0 rows for Oct 2026 (no teams) to -." in exported.stderr


def test_a_refused_file_exits_1_and_usage_errors_exit_2(tmp_path, database_url, team_id):
    path = tmp_path / "activity.csv"
    path.write_text("user,metric,date,amount\nAnn,cals,2026-10-02,3\n")
    refused = paceline(
        tmp_path, database_url, "import", "activity", str(path), "--workspace", team_id
    )
    assert refused.returncode == 1 and refused.stdout == ""
    assert 'line 2: Unknown metric "cals" — did you mean calls?' in refused.stderr
    bad_workspace = paceline(
        tmp_path, database_url, "import", "activity", str(path), "--workspace", "acme"
    )
    assert bad_workspace.returncode == 2 and '"acme" is not a Slack team id' in bad_workspace.stderr
    bad_zone = paceline(
        tmp_path,
        database_url,
        "import",
        "crm",
        str(path),
        "--tz",
        "Mars/Olympus",
        "--workspace",
        team_id,
    )
    assert bad_zone.returncode == 2 and 'Unknown time zone "Mars/Olympus"' in bad_zone.stderr
    missing = paceline(
        tmp_path, database_url, "import", "crm", str(tmp_path / "nope.csv"), "--workspace", team_id
    )
    assert missing.returncode == 1 and "nope.csv does not exist or is not a file." in missing.stderr
    no_export = paceline(tmp_path, database_url, "export", "--workspace", "TNOSUCHONE", "out.csv")
    assert (
        no_export.returncode == 2
        and "The database has no workspace TNOSUCHONE." in no_export.stderr
    )


CRM = REPO / "tests" / "data" / "crm"


def test_a_dry_run_lists_the_teams_and_unlinked_people_it_would_create(
    tmp_path, database_url, team_id
):
    pipeline, teams = str(CRM / "sales_pipeline.csv"), str(CRM / "sales_teams.csv")
    crm = ["import", "crm", pipeline, "--teams", teams, "--workspace", team_id, "--no-slack"]
    dry = paceline(tmp_path, database_url, *crm, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert (
        lines[0]
        == "Checked CRM pipeline sales_pipeline.csv (UTF-8): 8,800 rows, no errors. Nothing was stored (--dry-run)."
    )
    assert (
        "  Would create 9 teams: central, east, west, dustin (in central), melvin (in central), cara (in east), "
        "rocco (in east), celia (in west), summer (in west)."
    ) in lines
    # 35 agents and 6 managers, none a Slack user (--no-slack): the first 20 by name, then a count.
    with (CRM / "sales_teams.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    named = {row["sales_agent"] for row in rows} | {row["manager"] for row in rows}
    first = sorted(named, key=str.casefold)[:20]
    assert (
        f"  Would create {len(named)} unlinked people (no Slack user matches them; link each later with /team link): "
        f"{', '.join(first)} … and {len(named) - 20} more."
    ) in lines
    assert len(named) == 41

    # Nothing was stored: the real import creates them all, and a dry run after it creates nothing.
    done = paceline(tmp_path, database_url, *crm)
    assert done.returncode == 0, done.stderr
    assert (
        "Teams created: central, east, west, dustin, melvin, cara, rocco, celia, summer."
        in done.stdout
    )
    assert "New people not in Slack yet (unlinked; their history counts): 41" in done.stdout
    again = paceline(tmp_path, database_url, *crm, "--dry-run")
    assert again.returncode == 0, again.stderr
    assert "  Would create no team: every team of the team list is there already." in again.stdout
    assert (
        "  Would create no unlinked people: everyone is a Slack user or was imported before."
        in again.stdout
    )
    assert "People imported or linked before: 41." in again.stdout


def test_a_dry_run_of_activity_lists_new_people_and_no_teams(tmp_path, database_url, team_id):
    path = tmp_path / "activity.csv"
    path.write_text(
        "user,metric,date,amount\nAnn Lee,calls,2026-10-02,12\nann  lee,calls,2026-10-03,2\nBo Chen,demos,2026-10-02,1\n"
    )
    dry = paceline(
        tmp_path, database_url, "import", "activity", str(path), "--workspace", team_id, "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert (
        "Would create 2 unlinked people (no Slack user matches them; link each later with /team link): Ann Lee, Bo Chen."
        in dry.stdout
    )
    assert "team" not in dry.stdout.replace("/team link", "")
    # A refused file lists nothing it would create: it would create nothing.
    path.write_text("user,metric,date,amount\nAnn Lee,cals,2026-10-02,12\n")
    refused = paceline(
        tmp_path, database_url, "import", "activity", str(path), "--workspace", team_id, "--dry-run"
    )
    assert refused.returncode == 1 and "Would create" not in refused.stdout + refused.stderr
