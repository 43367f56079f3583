"""The console's `import` and `clock`: the CRM sample imported as `paceline import` does it,
its people turned into the console's Slack users, the app's clock moved to the sample's
last week, and a manager's leaderboard checked against the CSV read independently. On
SQLite and on PostgreSQL (a database of its own per test: the console's workspace id is
fixed)."""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.db import Database
from storage.models import Entry, Person, Team, TeamMember
from tests.conftest import fresh_database
from tests.console.transcript import console_transcript

CRM = Path(__file__).resolve().parents[1] / "data" / "crm"
IMPORT = "import crm crm/sales_pipeline.csv --teams crm/sales_teams.csv"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path, prefix="paceline_console") as url:
        yield url


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The console's working directory, holding a copy of the sample under crm/: `import`
    paths are relative to it."""
    shutil.copytree(CRM, tmp_path / "crm")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "America/New_York")
    return tmp_path


def _console(database_url: str, lines: list[str]) -> str:
    return console_transcript(database_url, lines)


def _after(text: str, marker: str) -> str:
    """What the console printed for the line `marker`, up to the next prompt."""
    assert marker in text, f"{marker!r} not in:\n{text}"
    rest = text.split(marker, 1)[1]
    return re.split(r"\n[\w.\-]+> ", rest, maxsplit=1)[0]


def _counts(database_url: str) -> tuple[int, int, int, int]:
    db = Database(database_url)
    try:
        with db.read() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
                for model in (Entry, Person, Team, TeamMember)
            )
    finally:
        db.dispose()


def _q4_revenue_of_team(manager: str) -> dict[str, int]:
    """Each agent of `manager`'s team: dollars won with a close date in Oct–Dec 2017, read
    straight from the CSV files."""
    with (CRM / "sales_teams.csv").open(newline="", encoding="utf-8") as f:
        agents = [row["sales_agent"] for row in csv.DictReader(f) if row["manager"] == manager]
    won: dict[str, int] = defaultdict(int)
    with (CRM / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] != "Won" or row["sales_agent"] not in agents:
                continue
            month, day, year = (int(part) for part in row["close_date"].split("/"))
            if date(2017, 10, 1) <= date(year, month, day) <= date(2017, 12, 31):
                won[row["sales_agent"]] += int(row["close_value"])
    return {agent: won[agent] for agent in agents}


def test_newcomer_imports_the_crm_sample_then_sees_a_managers_leaderboard(
    database_url: str, workdir: Path
) -> None:
    out = _console(
        database_url,
        [
            IMPORT,
            "clock 2017-12-29",
            "clock",
            "as @melvin.marxen",
            "/leaderboard revenue 2017-Q4 team:melvin",
            "as @darcel.schlecht",
            "whoami",
            "/log calls 3",
            "clock now",
            "clock",
        ],
    )
    imported = _after(out, f"console> {IMPORT}")
    assert (
        "Added 41 people named in the files to this console's Slack (real name from the file, handle like "
        "@dustin.brinkmann) so the import links them; act as one with as @dustin.brinkmann."
    ) in imported
    assert "Imported CRM pipeline sales_pipeline.csv (UTF-8) into workspace T_CONSOLE" in imported
    assert "8,800 rows read · 8,300 imported · 0 already imported before · 500 skipped" in imported
    assert (
        "Teams created: central, east, west, dustin, melvin, cara, rocco, celia, summer."
        in imported
    )
    assert "People matched to Slack users: 41 (41 by Slack real name)." in imported
    assert "New people not in Slack yet" not in imported  # everyone is linked

    assert "The app's time is now Fri 29 Dec 2017 12:00 EST" in _after(
        out, "console> clock 2017-12-29"
    )
    assert "The app's time: Fri 29 Dec 2017 12:00 EST (set with clock; it stands still)." in out
    assert "You are @melvin.marxen now (manager of melvin, time zone America/New_York)." in out

    board = _after(out, "melvin.marxen> /leaderboard revenue 2017-Q4 team:melvin")
    assert "Revenue leaderboard — team melvin, this quarter* (2017-Q4)" in board
    expected = _q4_revenue_of_team("Melvin Marxen")
    assert len(expected) == 6 and expected["Darcel Schlecht"] > 100_000
    for agent, dollars in expected.items():
        assert f"{agent.lower().replace(' ', '.')} — ${dollars:,} revenue" in board, (agent, board)
    ranked = re.findall(r"`\s+\d+`\s+(\S+) — ", board)
    assert ranked[0] == "darcel.schlecht" and len(ranked) == 6

    # The handle acts as the linked person: their CRM history is theirs, the clock is 2017's.
    assert "You are @darcel.schlecht now (member of melvin, time zone" in out
    logged = _after(out, "darcel.schlecht> /log calls 3")
    assert "Logged 3 calls on Fri 29 Dec." in logged  # signed with the wall clock: Bolt accepted it
    assert "The app's clock follows real time again: Fri 20 Nov 2026 10:00 EST." in out
    assert "The app's time: Fri 20 Nov 2026 10:00 EST (real time)." in out

    db = Database(database_url)
    try:
        with db.read() as session:
            darcel = session.scalars(
                sa.select(Person).where(Person.real_name == "Darcel Schlecht")
            ).one()
            logged_day = session.scalar(
                sa.select(Entry.day).where(Entry.person_id == darcel.id, Entry.source == "console")
            )
    finally:
        db.dispose()
    assert darcel.slack_user_id is not None and darcel.name == "darcel.schlecht"
    assert logged_day == date(2017, 12, 29)


def _q4_of_agent(agent: str) -> tuple[int, int, int]:
    """(opportunities engaged, deals won, dollars won) of one agent in Oct–Dec 2017, read
    straight from the CSV."""

    def in_q4(text: str) -> bool:
        month, day, year = (int(part) for part in text.split("/"))
        return date(2017, 10, 1) <= date(year, month, day) <= date(2017, 12, 31)

    opportunities = deals = dollars = 0
    with (CRM / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["sales_agent"] != agent:
                continue
            if row["engage_date"] and in_q4(row["engage_date"]):
                opportunities += 1
            if row["deal_stage"] == "Won" and in_q4(row["close_date"]):
                deals += 1
                dollars += int(row["close_value"])
    return opportunities, deals, dollars


def test_newcomer_sees_2017_figures_in_the_home_tab_of_a_manager_and_of_a_rep(
    database_url: str, workdir: Path
) -> None:
    """The issue's walk-through: import the CRM files, open a manager's and a rep's Home,
    pick the quarter as in Slack's select, and see Q4 2017 as the CSV has it."""
    out = _console(
        database_url,
        [
            IMPORT,
            "clock 2017-12-29",
            "as @melvin.marxen",
            "home quarter",
            "as @darcel.schlecht",
            "home quarter",
            "home decade",
        ],
    )
    manager = _after(out, "melvin.marxen> home quarter")
    assert "[Home tab of @melvin.marxen]" in manager
    assert "This quarter (2017-Q4)" in manager and "[ This quarter ▾ ]" in manager
    with (CRM / "sales_teams.csv").open(newline="", encoding="utf-8") as f:
        agents = [
            row["sales_agent"] for row in csv.DictReader(f) if row["manager"] == "Melvin Marxen"
        ]
    shown = 0
    for agent in agents:
        opportunities, deals, dollars = _q4_of_agent(agent)
        if not (opportunities or deals):
            continue
        handle = agent.lower().replace(" ", ".")
        line = (
            f"• *{handle}* — {opportunities} opportunities · {deals} deals · ${dollars:,} revenue"
        )
        assert line in manager, (line, manager)
        shown += 1
    assert shown >= 5

    rep = _after(out, "darcel.schlecht> home quarter")
    opportunities, deals, dollars = _q4_of_agent("Darcel Schlecht")
    assert (
        f"This quarter: {opportunities} opportunities · {deals} deals · ${dollars:,} revenue" in rep
    )
    assert (
        "Choose a period for your Home tab: home week | home month | home quarter | home year"
        in _after(out, "darcel.schlecht> home decade")
    )


def test_importing_twice_changes_nothing_and_a_dry_run_lists_what_it_would_create(
    database_url: str, workdir: Path
) -> None:
    dry = _console(database_url, [IMPORT + " --dry-run"])
    checked = _after(dry, "--dry-run")
    assert (
        "Checked CRM pipeline sales_pipeline.csv (UTF-8): 8,800 rows, no errors. Nothing was stored (--dry-run)."
        in checked
    )
    assert (
        "Would create 9 teams: central, east, west, dustin (in central), melvin (in central)"
        in checked
    )
    assert "Would create no unlinked people" in checked  # the console's Slack has them all
    assert _counts(database_url) == (0, 0, 0, 0)

    first = _console(database_url, [IMPORT])
    assert "Added 41 people" in first
    after_first = _counts(database_url)
    assert after_first[0] == 8_300 + 2 * 4_238 and after_first[2] == 9 and after_first[3] == 35

    # Again in the same session and in a new one (the console reloads its people): nothing new.
    second = _console(database_url, [IMPORT, IMPORT, "as @cara.losch", "/team show cara"])
    for report in second.split(f"console> {IMPORT}")[1:]:
        assert (
            "Nothing new: all 8,300 rows with entries were imported before. Nothing was changed."
            in report
        )
        assert "Added" not in report
        assert "Teams: all 9 were there already." in report
    assert (
        "You are @cara.losch now (manager of cara, time zone" in second and "new here" not in second
    )
    assert "Managers: cara.losch" in _after(second, "cara.losch> /team show cara")
    assert _counts(database_url) == after_first


def test_bad_import_lines_and_refused_files_change_nothing(
    database_url: str, workdir: Path
) -> None:
    bad = workdir / "bad.csv"
    pipeline = (CRM / "sales_pipeline.csv").read_text(encoding="utf-8").splitlines()
    pipeline[5] = pipeline[5].replace("/2017", "/2O17", 1)
    bad.write_text("\n".join(pipeline[:50]) + "\n", encoding="utf-8")
    activity = workdir / "activity.csv"
    activity.write_text(
        "user,metric,date,amount\n@maria,calls,2026-11-02,12\nJo Park,demos,2026-11-03,2\n",
        encoding="utf-8",
    )
    out = _console(
        database_url,
        [
            "import",
            "import sales crm/sales_pipeline.csv",
            "import crm nope.csv",
            "import crm",
            "import crm crm/sales_pipeline.csv crm/sales_teams.csv",
            "import crm crm/sales_pipeline.csv --teams",
            "import crm crm/sales_pipeline.csv --teams nope.csv",
            "import crm crm/sales_pipeline.csv --bogus",
            "import activity activity.csv --teams crm/sales_teams.csv",
            "import crm crm/sales_pipeline.csv --tz Mars/Olympus",
            "import crm bad.csv --teams crm/sales_teams.csv",
            "as @moses.frase",
            "import activity activity.csv",
            "whoami",
        ],
    )
    usage = "Usage: import crm FILE [--teams FILE] [--tz ZONE] [--dry-run], or import activity FILE [--dry-run]."
    for line, problem in [
        ("import", "Say what to import: crm or activity."),
        ("import sales crm/sales_pipeline.csv", "Say what to import: crm or activity."),
        ("import crm nope.csv", f"There is no file nope.csv (paths are relative to {workdir})."),
        ("import crm", "Name one file to import."),
        ("import crm crm/sales_pipeline.csv crm/sales_teams.csv", "One file at a time"),
        ("import crm crm/sales_pipeline.csv --teams", "--teams needs a value."),
        ("import crm crm/sales_pipeline.csv --teams nope.csv", "There is no file nope.csv"),
        ("import crm crm/sales_pipeline.csv --bogus", "import crm has no option --bogus."),
        (
            "import activity activity.csv --teams crm/sales_teams.csv",
            "import activity has no option --teams.",
        ),
        ("import crm crm/sales_pipeline.csv --tz Mars/Olympus", 'Unknown time zone "Mars/Olympus"'),
    ]:
        printed = _after(out, f"console> {line}\n")
        assert problem in printed and usage in printed and "Example: import crm " in printed, (
            line,
            printed,
        )
        assert "Imported" not in printed and "Added" not in printed

    refused = _after(out, "console> import crm bad.csv --teams crm/sales_teams.csv")
    assert "Nothing imported from CRM pipeline bad.csv (UTF-8): 1 row of 49 has errors." in refused
    assert "line 6: " in refused and "Added" not in refused
    # The refused file's people were not kept as the console's users: moses.frase is new.
    assert "You are @moses.frase now (Slack admin, time zone America/New_York) — new here." in out
    # Activity: @maria is a handle the console makes a user for, Jo Park a name.
    imported = _after(out, "moses.frase> import activity activity.csv")
    assert "Added 2 people named in the files" in imported and "handle like @maria" in imported
    assert "2 rows read · 2 imported" in imported
    assert "People matched to Slack users: 2 (1 by Slack handle, 1 by Slack real name)." in imported
    assert _counts(database_url)[0] == 2


def test_clock_sets_shows_and_refuses_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    out = _console(
        f"sqlite:///{tmp_path}/c.db",
        [
            "clock",
            "clock friday",
            "clock 2017-13-01",
            "clock 2017-12-29 17:00",
            "clock",
            "clock 2017-12-29T17:00",
            "clock 2017-12-29T17:00+00:00",
            "clock 2017-07-04T09:30",
            "as @maria",
            "/log calls 2",
            "/log list week",
            "clock now",
            "/log calls 1",
        ],
    )
    assert "The app's time: Fri 20 Nov 2026 10:00 EST (real time)." in _after(
        out, "console> clock\n"
    )
    for line in ("clock friday", "clock 2017-13-01"):
        printed = _after(out, f"console> {line}\n")
        assert f"`{line}` is not an ISO date or date-time." in printed
        assert "Usage: clock 2017-12-29T17:00" in printed
    assert "Give one date or date-time." in _after(out, "console> clock 2017-12-29 17:00\n")
    # Nothing changed after the bad lines.
    assert out.count("The app's time: Fri 20 Nov 2026 10:00 EST (real time).") == 2
    assert "The app's time is now Fri 29 Dec 2017 17:00 EST;" in _after(
        out, "console> clock 2017-12-29T17:00\n"
    )
    assert "The app's time is now Fri 29 Dec 2017 12:00 EST;" in _after(
        out, "console> clock 2017-12-29T17:00+00:00"
    )
    assert "The app's time is now Tue 04 Jul 2017 09:30 EDT;" in _after(
        out, "console> clock 2017-07-04T09:30"
    )
    assert "Logged 2 calls on Tue 4 Jul." in _after(out, "maria> /log calls 2")
    assert "Logged 1 call on Fri 20 Nov." in _after(out, "maria> /log calls 1")


def test_help_lists_import_and_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    out = _console(f"sqlite:///{tmp_path}/c.db", ["help"])
    assert "  import crm FILE [--teams FILE] [--tz ZONE] [--dry-run]" in out
    assert "  import activity FILE [--dry-run]" in out
    assert "  clock 2017-12-29T17:00" in out and "clock now: real time again" in out
