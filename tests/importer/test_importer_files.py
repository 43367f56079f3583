"""`paceline import crm` and `paceline import activity` against a real database (SQLite and
PostgreSQL): what is stored, idempotency, duplicates, and that a bad file stores nothing."""

from __future__ import annotations

import codecs
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.clock import FixedClock
from bot.core.errors import UserError
from bot.importer import passes, slack_users
from bot.importer.cli import ImportOptions, import_activity, import_crm
from storage import imports
from storage.db import Database
from storage.models import AuditEvent, Entry, Person, Team, TeamManager, TeamMember, Workspace
from tests.support.slack_api import StandInSlack

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
PIPELINE = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,10/20/2016,3/1/2017,1054
Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,10/25/2016,3/11/2017,4514
HAXMC4IX,Zed Nobody,MG Advanced,,Engaging,10/25/2017,,
EC4QE1BX,Darcel Schlecht,MG Special,Cancity,Lost,10/25/2016,3/7/2017,0
PE84CX4O,Moses Frase,GTX Basic,,Prospecting,,,
"""
TEAMS = """sales_agent,manager,regional_office
Moses Frase,Dustin Brinkmann,Central
Darcel Schlecht,Melvin Marxen,Central
Quiet Agent,Melvin Marxen,Central
"""
HEADER = "user,metric,date,amount,note\n"


@pytest.fixture(scope="module")
def db(database_url):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def slack() -> Iterator[StandInSlack]:
    """A stand-in Slack of the test's own: the session's holds every user the whole suite
    has added, and users.list pages through all of them (two a page in one test here)."""
    with StandInSlack() as standin:
        yield standin


@pytest.fixture
def team_id():
    return "T" + uuid.uuid4().hex[:10].upper()


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def crm(db, team_id, tmp_path, pipeline=PIPELINE, teams=TEAMS, client=None, err=None, **options):
    teams_path = write(tmp_path, "teams.csv", teams) if teams is not None else None
    return import_crm(db, client, write(tmp_path, "pipeline.csv", pipeline), teams_path,
                      ImportOptions(workspace=team_id, **options), FixedClock(NOW), err or io.StringIO())  # fmt: skip


def activity(db, team_id, tmp_path, content, client=None, err=None, **options):
    return import_activity(db, client, write(tmp_path, "activity.csv", content), ImportOptions(workspace=team_id, **options),
                           FixedClock(NOW), err or io.StringIO())  # fmt: skip


def stored(db, team_id) -> dict:
    """Everything an import could have written for this workspace, counted."""
    with db.read() as session:
        ws = session.scalar(sa.select(Workspace.id).where(Workspace.slack_team_id == team_id))
        if ws is None:
            return {"workspace": 0}

        def count(model):
            return session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.workspace_id == ws)
            )

        return {
            "workspace": 1,
            **{
                m.__name__: count(m)
                for m in (Entry, Person, Team, TeamMember, TeamManager, AuditEvent)
            },
        }


def entries(db, team_id) -> list[tuple[str, str, date, int]]:
    """(person name, metric, day, quantity) of every entry, sorted."""
    with db.read() as session:
        rows = session.execute(
            sa.select(Person.name, Entry.metric, Entry.day, Entry.quantity)
            .join(Person, Person.id == Entry.person_id)
            .join(Workspace, Workspace.id == Entry.workspace_id)
            .where(Workspace.slack_team_id == team_id)
        )
        return sorted(tuple(r) for r in rows)


def body(report) -> list[str]:
    """The report's lines without its first (which carries the time taken)."""
    return report.text().splitlines()[1:]


# --- CRM --------------------------------------------------------------------------------------


def test_crm_import_stores_entries_teams_and_unlinked_people(db, team_id, tmp_path):
    report = crm(db, team_id, tmp_path)
    assert not report.rejected, report.text()
    assert re.fullmatch(
        rf"Imported CRM pipeline pipeline.csv \(UTF-8\) into workspace {team_id} in [\d.]+ s:",
        report.text().splitlines()[0],
    )
    assert body(report) == [
        "  5 rows read · 4 imported · 0 already imported before · 1 skipped",
        "  Entries added: 4 opportunities · 2 deals · 2 revenue ($5,568.00)",
        "  Skipped:",
        "    1 not engaged yet (Prospecting, no engage_date): line 6",
        "  Teams created: central, dustin, melvin.",
        "  Team members added: 3.",
        "  New people not in Slack yet (unlinked; their history counts): 6 — Darcel Schlecht, Dustin Brinkmann, "
        'Melvin Marxen, Moses Frase, Quiet Agent, Zed Nobody. Link each with `/team link "NAME" @user`.',
    ]
    assert entries(db, team_id) == [
        ("Darcel Schlecht", "deals", date(2017, 3, 11), 1),
        ("Darcel Schlecht", "opportunities", date(2016, 10, 25), 1),
        ("Darcel Schlecht", "opportunities", date(2016, 10, 25), 1),
        ("Darcel Schlecht", "revenue", date(2017, 3, 11), 451_400),
        ("Moses Frase", "deals", date(2017, 3, 1), 1),
        ("Moses Frase", "opportunities", date(2016, 10, 20), 1),
        ("Moses Frase", "revenue", date(2017, 3, 1), 105_400),
        ("Zed Nobody", "opportunities", date(2017, 10, 25), 1),
    ]
    with db.read() as session:
        ws = session.scalar(sa.select(Workspace.id).where(Workspace.slack_team_id == team_id))
        teams = {t.name: t for t in session.scalars(sa.select(Team).where(Team.workspace_id == ws))}
        assert teams["dustin"].parent_id == teams["melvin"].parent_id == teams["central"].id
        assert teams["central"].parent_id is None and teams["dustin"].tz == "UTC"
        members = set(session.execute(
            sa.select(Team.name, Person.name).join(TeamMember, TeamMember.team_id == Team.id)
            .join(Person, Person.id == TeamMember.person_id).where(Team.workspace_id == ws)
        ))  # fmt: skip
        assert members == {
            ("dustin", "Moses Frase"),
            ("melvin", "Darcel Schlecht"),
            ("melvin", "Quiet Agent"),
        }
        managers = set(session.execute(
            sa.select(Team.name, Person.name).join(TeamManager, TeamManager.team_id == Team.id)
            .join(Person, Person.id == TeamManager.person_id).where(Team.workspace_id == ws)
        ))  # fmt: skip
        assert managers == {("dustin", "Dustin Brinkmann"), ("melvin", "Melvin Marxen")}
        people = session.scalars(sa.select(Person).where(Person.workspace_id == ws)).all()
        assert all(p.slack_user_id is None for p in people)
        [importer] = [p for p in people if p.is_bot]
        assert importer.name == imports.IMPORTER_NAME
        every = session.scalars(sa.select(Entry).where(Entry.workspace_id == ws)).all()
        assert {(e.source, e.kind, e.entered_by_id) for e in every} == {
            ("import", "log", importer.id)
        }
        assert len({e.batch_id for e in every}) == 1 and all(
            e.idempotency_key.startswith("import:") for e in every
        )
        actions = [
            a.action
            for a in session.scalars(
                sa.select(AuditEvent).where(AuditEvent.workspace_id == ws).order_by(AuditEvent.id)
            )
        ]
        assert actions.count("team.create") == 3 and actions.count("team.add_member") == 3
        assert actions[-1] == "import.crm"


def test_a_second_crm_import_changes_nothing_and_says_so(db, team_id, tmp_path):
    crm(db, team_id, tmp_path)
    before = stored(db, team_id)
    again = crm(db, team_id, tmp_path)
    assert body(again) == [
        "  5 rows read · 0 imported · 4 already imported before · 1 skipped",
        "  Nothing new: all 4 rows with entries were imported before. Nothing was changed.",
        "  Skipped:",
        "    1 not engaged yet (Prospecting, no engage_date): line 6",
        "  Teams: all 3 were there already.",
        "  People imported or linked before: 6.",
    ]
    assert stored(db, team_id) == before


def test_a_later_export_adds_only_what_changed(db, team_id, tmp_path):
    crm(db, team_id, tmp_path)
    # The Engaging deal was won since, and one deal is new.
    later = PIPELINE.replace(
        "HAXMC4IX,Zed Nobody,MG Advanced,,Engaging,10/25/2017,,",
        "HAXMC4IX,Zed Nobody,MG Advanced,,Won,10/25/2017,11/2/2017,55",
    )
    later += "NEW00001,Zed Nobody,GTX Basic,,Engaging,11/3/2017,,\n"
    report = crm(db, team_id, tmp_path, pipeline=later)
    assert body(report)[:3] == [
        "  6 rows read · 2 imported · 3 already imported before · 1 skipped",
        "  Entries added: 1 deals · 1 revenue ($55.00) · 1 opportunities",
        "  Already imported (left as they are): lines 2, 3, 5",
    ]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (("10/20/2016,3/1/2017", "13/45/2017,3/1/2017"),
         ['line 2: engage_date "13/45/2017" is not a date — months run 1 to 12 (dates are M/D/YYYY).']),
        (("3/11/2017,4514", "3/11/2017,-4514"), ['line 3: close_value: "-4514" is negative — revenue must be $0 or more.']),
        (("3/1/2017,1054", ",1054"),
         ["line 2: opportunity 1C1I7A6R is Won but has no close_date: its deal and revenue need the day it closed."]),
        (("Lost", "Closed"), ['line 5: deal_stage "Closed" is not one of Prospecting, Engaging, Won, Lost.']),
        (("EC4QE1BX", "Z063OYW0"), ["line 5: opportunity_id repeats line 3 with other values: one row per opportunity."]),
    ],
)  # fmt: skip
def test_a_crm_file_with_a_bad_row_is_refused_whole(db, team_id, tmp_path, change, errors):
    report = crm(db, team_id, tmp_path, pipeline=PIPELINE.replace(*change))
    assert report.rejected
    assert report.text().splitlines() == [
        "Nothing imported from CRM pipeline pipeline.csv (UTF-8): 1 row of 5 has errors. "
        "Fix them and run the import again; no row was stored.",
        *[f"  {e}" for e in errors],
    ]
    assert stored(db, team_id) == {"workspace": 0}


def test_a_crm_row_repeated_exactly_is_skipped_as_a_duplicate(db, team_id, tmp_path):
    repeated = PIPELINE + PIPELINE.splitlines()[2] + "\n"
    report = crm(db, team_id, tmp_path, pipeline=repeated)
    assert (
        "    1 duplicate rows (the same as an earlier line): line 7 (= line 3)"
        in report.text().splitlines()
    )
    assert report.rows_imported == 4 and len(entries(db, team_id)) == 8


def test_crm_whole_file_problems(db, team_id, tmp_path):
    missing = crm(db, team_id, tmp_path, pipeline=PIPELINE.replace("close_date,", ""))
    assert missing.text() == (
        "Nothing imported from CRM pipeline pipeline.csv: Missing column close_date in pipeline.csv. The header has: "
        "opportunity_id, sales_agent, product, account, deal_stage, engage_date, close_value. Expected: "
        "opportunity_id, sales_agent, deal_stage, engage_date, close_date, close_value, [product], [account]."
    )
    empty = crm(db, team_id, tmp_path, pipeline="")
    assert (
        empty.rejected
        and "pipeline.csv is empty: expected a header line with opportunity_id" in empty.text()
    )
    bad_teams = crm(db, team_id, tmp_path, teams=TEAMS + "Moses Frase,Cara Losch,East\n")
    assert bad_teams.text().splitlines()[1:] == [
        "  teams.csv line 5: sales_agent Moses Frase is also on line 2 with another manager: a rep belongs to one team."
    ]
    assert stored(db, team_id) == {"workspace": 0}


def test_crm_files_in_other_encodings(db, team_id, tmp_path):
    latin = PIPELINE.replace("Moses Frase", "José Müller")
    report = crm(
        db,
        team_id,
        tmp_path,
        pipeline=codecs.BOM_UTF8 + latin.encode(),
        teams=TEAMS.replace("Moses Frase", "José Müller").encode("cp1252"),
    )
    assert not report.rejected and "(UTF-8 with BOM)" in report.text().splitlines()[0]
    assert {name for name, *_ in entries(db, team_id)} == {
        "José Müller",
        "Darcel Schlecht",
        "Zed Nobody",
    }
    # The same people in Windows-1252: found again, nothing new.
    again = crm(db, team_id, tmp_path, pipeline=latin.encode("cp1252"))
    assert "(Windows-1252 (Latin-1))" in again.text().splitlines()[0] and again.rows_imported == 0


def test_a_dry_run_checks_and_stores_nothing(db, team_id, tmp_path):
    report = crm(db, team_id, tmp_path, dry_run=True)
    assert (
        report.text().splitlines()[0]
        == "Checked CRM pipeline pipeline.csv (UTF-8): 5 rows, no errors. Nothing was stored (--dry-run)."
    )
    assert stored(db, team_id) == {"workspace": 0}


def test_crm_people_are_matched_to_slack_users(db, team_id, tmp_path, slack):
    slack.add_user("U" + team_id[1:] + "D", "dustin", real_name="Dustin Brinkmann", team_id=team_id)
    slack.add_user("U" + team_id[1:] + "M", "moses.f", real_name="Moses F.", team_id=team_id)
    slack.add_user(
        "U" + team_id[1:] + "Z", "zed", real_name="Zed Nobody", team_id=team_id, deleted=True
    )
    slack.add_user(
        "U" + team_id[1:] + "X", "darcel", real_name="Darcel Schlecht", team_id="TOTHERTEAM"
    )
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    report = crm(db, team_id, tmp_path, client=client)
    assert (
        "  People matched to Slack users: 1 (1 by Slack real name)." in report.text().splitlines()
    )
    with db.read() as session:
        dustin = session.scalar(
            sa.select(Person)
            .join(Workspace)
            .where(Workspace.slack_team_id == team_id, Person.name == "dustin")
        )
        assert (
            dustin.slack_user_id == "U" + team_id[1:] + "D"
            and dustin.real_name == "Dustin Brinkmann"
        )
        managed = session.scalar(
            sa.select(Team.name)
            .join(TeamManager, TeamManager.team_id == Team.id)
            .where(TeamManager.person_id == dustin.id)
        )
        assert managed == "dustin"


def test_a_reimport_names_unlinked_people_who_now_match_a_slack_user(db, team_id, tmp_path, slack):
    crm(db, team_id, tmp_path)
    slack.add_user("U" + team_id[1:] + "D", "darcel", real_name="Darcel Schlecht", team_id=team_id)
    again = crm(db, team_id, tmp_path, client=WebClient(token="xoxb-test", base_url=slack.api_url))
    assert again.rows_imported == 0
    assert (
        '  Unlinked people who match a Slack user now: /team link "Darcel Schlecht" @darcel.'
        in again.text().splitlines()
    )


# --- activity ---------------------------------------------------------------------------------


def test_activity_rows_by_slack_id_handle_email_and_name(db, team_id, tmp_path, slack):
    ann, bo = "U" + team_id[1:] + "A", "U" + team_id[1:] + "B"
    slack.add_user(ann, "ann", real_name="Ann Lee", email="ann@example.com", team_id=team_id)
    slack.add_user(bo, "bo", real_name="Bo Kim", team_id=team_id)
    content = HEADER + (
        f"{ann},calls,2026-11-02,12,\n"
        "@bo,dials,2026-11-02,3,\n"
        'ANN@example.com,revenue,2026-11-03,"$4,500.50",Acme renewal\n'
        "Bo Kim,demo,2026-11-03,1,\n"
        "Cy Young,opps,2026-11-04,2,\n"
        "Ann Lee,calls,2026-11-04,0,\n"
    )
    report = activity(
        db, team_id, tmp_path, content, client=WebClient(token="xoxb-test", base_url=slack.api_url)
    )
    assert body(report) == [
        "  6 rows read · 5 imported · 0 already imported before · 1 skipped",
        "  Entries added: 2 calls · 1 revenue ($4,500.50) · 1 demos · 1 opportunities",
        "  Skipped:",
        "    1 amount is 0: nothing to add: line 7",
        "  People matched to Slack users: 5 (1 by Slack handle, 1 by Slack id, 2 by Slack real name, 1 by email).",
        '  New people not in Slack yet (unlinked; their history counts): 1 — Cy Young. Link each with `/team link "NAME" @user`.',
    ]
    assert entries(db, team_id) == [
        ("Cy Young", "opportunities", date(2026, 11, 4), 2),
        ("ann", "calls", date(2026, 11, 2), 12),
        ("ann", "revenue", date(2026, 11, 3), 450_050),
        ("bo", "calls", date(2026, 11, 2), 3),
        ("bo", "demos", date(2026, 11, 3), 1),
    ]


def test_duplicate_activity_rows_are_stored_once_and_reported(db, team_id, tmp_path):
    content = (
        HEADER
        + "Ann Lee,calls,2026-11-02,12,\nBo Kim,calls,2026-11-02,5,\nann lee,dials,2026-11-2,12,\n"
    )
    report = activity(db, team_id, tmp_path, content)
    assert body(report)[:4] == [
        "  3 rows read · 2 imported · 0 already imported before · 1 skipped",
        "  Entries added: 2 calls",
        "  Skipped:",
        "    1 duplicate rows (the same as an earlier line): line 4 (= line 2)",
    ]
    assert len(entries(db, team_id)) == 2
    again = activity(db, team_id, tmp_path, content)
    assert body(again)[:2] == [
        "  3 rows read · 0 imported · 2 already imported before · 1 skipped",
        "  Nothing new: all 2 rows with entries were imported before. Nothing was changed.",
    ]
    assert len(entries(db, team_id)) == 2


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("Ann Lee,calls,13/45/2017,3,", 'line 3: date: "13/45/2017" is not a date I can read — write dates as YYYY-MM-DD.'),
        ("Ann Lee,calls,2026-11-02,-3,", 'line 3: amount: "-3" is negative — calls must be 0 or more.'),
        ("Ann Lee,cals,2026-11-02,3,", 'line 3: Unknown metric "cals" — did you mean calls? Metrics: calls, emails, '
                                        "meetings, demos, opportunities, proposals, deals, revenue."),
        ("U0NOBODY1,calls,2026-11-02,3,", 'line 3: user: no Slack user has the id "U0NOBODY1" in this workspace.'),
        ("Ann Lee,calls,2026-12-25,3,", "line 3: date 2026-12-25 is in the future."),
    ],
)  # fmt: skip
def test_an_activity_file_with_a_bad_row_is_refused_whole(db, team_id, tmp_path, row, error):
    report = activity(db, team_id, tmp_path, HEADER + "Bo Kim,calls,2026-11-02,5,\n" + row + "\n")
    assert report.rejected
    assert report.text().splitlines()[1:] == [f"  {error}"]
    assert stored(db, team_id) == {"workspace": 0}


def test_many_errors_are_counted_and_the_first_ones_shown(db, team_id, tmp_path):
    report = activity(
        db,
        team_id,
        tmp_path,
        HEADER + "".join(f"Ann,calls,2026-11-{i % 28 + 1},-{i},\n" for i in range(1, 31)),
    )
    lines = report.text().splitlines()
    assert lines[0].startswith(
        "Nothing imported from activity activity.csv (UTF-8): 30 rows of 30 have errors."
    )
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  … and 10 more"


def test_activity_whole_file_problems(db, team_id, tmp_path):
    assert (
        activity(db, team_id, tmp_path, "user,metric,date\nAnn,calls,2026-11-02\n")
        .text()
        .startswith(
            "Nothing imported from activity activity.csv: Missing column amount in activity.csv."
        )
    )
    assert "activity.csv is empty" in activity(db, team_id, tmp_path, b"").text()
    wide = activity(
        db, team_id, tmp_path, HEADER + "Ann,calls,2026-11-02,4,\nBo,revenue,2026-11-02,4,500,x\n"
    )
    assert wide.text() == (
        "Nothing imported from activity activity.csv (UTF-8): line 3 has 6 fields but the header has 5: "
        "is a value with a comma missing its quotes?"
    )
    assert stored(db, team_id) == {"workspace": 0}
    header_only = activity(db, team_id, tmp_path, HEADER)
    assert (
        not header_only.rejected
        and body(header_only)[0]
        == "  0 rows read · 0 imported · 0 already imported before · 0 skipped"
    )
    assert stored(db, team_id)["workspace"] == 1 and stored(db, team_id)["Entry"] == 0


def test_latin1_activity_file(db, team_id, tmp_path):
    report = activity(
        db, team_id, tmp_path, (HEADER + "José Müller,calls,2026-11-02,4,café\n").encode("latin-1")
    )
    assert not report.rejected and "(Windows-1252 (Latin-1))" in report.text().splitlines()[0]
    assert entries(db, team_id) == [("José Müller", "calls", date(2026, 11, 2), 4)]


def test_a_progress_bar_when_asked(db, team_id, tmp_path):
    err = io.StringIO()
    activity(db, team_id, tmp_path, HEADER + "Ann,calls,2026-11-02,4,\n", err=err, progress=True)
    text = err.getvalue()
    assert (
        "\rChecking activity.csv [" in text
        and "\rImporting activity.csv [" in text
        and "100%" in text
    )
    quiet = io.StringIO()
    activity(db, team_id, tmp_path, HEADER + "Ann,calls,2026-11-03,4,\n", err=quiet)
    assert quiet.getvalue() == ""


def test_an_import_that_stopped_half_way_finishes_when_run_again(
    db, team_id, tmp_path, monkeypatch
):
    content = HEADER + "".join(
        f"Rep {i % 7},calls,2026-10-{i % 28 + 1:02d},{i % 50 + 1},row {i}\n" for i in range(100)
    )
    monkeypatch.setattr(passes, "BATCH_ENTRIES", 30)
    real = imports.insert_entries
    calls = []

    def flaky(executor, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(executor, rows)

    monkeypatch.setattr(imports, "insert_entries", flaky)
    with pytest.raises(RuntimeError):
        activity(db, team_id, tmp_path, content)
    assert len(entries(db, team_id)) == 60
    report = activity(db, team_id, tmp_path, content)
    assert (
        body(report)[0] == "  100 rows read · 40 imported · 60 already imported before · 0 skipped"
    )
    assert len(entries(db, team_id)) == 100


def test_a_file_changed_between_the_passes_stops_the_import(db, team_id, tmp_path, monkeypatch):
    path = write(tmp_path, "activity.csv", HEADER + "Ann,calls,2026-11-02,4,\n")
    real_load = passes.load

    def edit_then_load(job, target, seen, bar):
        path.write_text(HEADER + "Ann,calls,2026-11-02,4,\nAnn,calls,2026-11-03,5,\n")
        real_load(job, target, seen, bar)

    monkeypatch.setattr("bot.importer.cli.load", edit_then_load)
    report = import_activity(
        db, None, path, ImportOptions(workspace=team_id), FixedClock(NOW), io.StringIO()
    )
    assert (
        report.rejected
        and "STOPPED: activity.csv changed while it was imported (1 rows when checked, 2 now)"
        in report.text()
    )


def test_slack_members_are_read_page_by_page_and_failures_are_clear(
    db, team_id, tmp_path, slack, monkeypatch
):
    for i in range(5):
        slack.add_user(f"U{team_id[1:]}{i}", f"rep{i}", real_name=f"Rep Number{i}", team_id=team_id)
    monkeypatch.setattr(slack_users, "PAGE_SIZE", 2)
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    before = len(slack.calls_to("users.list"))
    found = [p.user_id for p in slack_users.members(client, team_id)]
    assert found == [f"U{team_id[1:]}{i}" for i in range(5)]
    assert len(slack.calls_to("users.list")) - before >= 3
    slack.fail_next("users.list", "missing_scope")
    with pytest.raises(UserError, match=r"Slack's users.list failed \(missing_scope\)"):
        activity(db, team_id, tmp_path, HEADER + "Rep Number1,calls,2026-11-02,4,\n", client=client)


def test_imported_rows_read_back_like_logged_ones(db, team_id, tmp_path):
    """The fast insert path writes dates and instants in the same form the ORM does."""
    activity(db, team_id, tmp_path, HEADER + "Ann,calls,2026-11-02,4,\n")
    with db.read() as session:
        entry = session.scalar(
            sa.select(Entry).join(Workspace).where(Workspace.slack_team_id == team_id)
        )
        assert entry.day == date(2026, 11, 2) and entry.created_at == NOW
        logged = Entry(workspace_id=entry.workspace_id, person_id=entry.person_id, metric="calls", day=date(2026, 11, 2),
                       quantity=1, batch_id="x", entered_by_id=entry.person_id, created_at=NOW)  # fmt: skip
        session.add(logged)
        session.flush()
        raw = session.execute(sa.text("SELECT day, created_at FROM entry WHERE id IN (:a, :b) ORDER BY id"),
                              {"a": entry.id, "b": logged.id}).all()  # fmt: skip
        assert raw[0] == raw[1]
        session.rollback()
