"""The local console: end to end as a subprocess (piped stdin, like a transcript), the session
in-process with a fixed clock, the demo seed, and the pure rendering it relies on."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.app import build
from bot.clock import FixedClock
from bot.config import Settings
from bot.console.demo import FALLBACK_REPS, seed_demo
from bot.console.render import (
    Names,
    build_state,
    escape_command_text,
    parse_assignments,
    render_blocks,
    render_field_errors,
    render_message,
    render_modal,
    render_mrkdwn,
    stable_id,
)
from bot.console.session import Console, Printer, console_timezone
from bot.core.mentions import parse_channel_ref, parse_user_ref, tokenize
from bot.core.metrics import MetricCatalog
from bot.render.log_modal import log_modal
from storage.db import Database
from storage.models import Entry, Person, Team
from tests.console.transcript import CLOCK_AT, console_transcript
from tests.support.slack_api import StandInSlack

REPO = Path(__file__).resolve().parents[2]
NO_CREDENTIALS = "No Slack credentials (SLACK_BOT_TOKEN, SLACK_APP_TOKEN) are set: starting the local console instead."


# ---------------------------------------------------------------------- as a subprocess


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in ("DATABASE_URL", "PACELINE_ADMINS", "PORT")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/c.db",
        PYTHONPATH=str(REPO),
        PYTHONIOENCODING="utf-8",
        TZ="America/New_York",
    )
    return env


def _paceline(tmp_path: Path, args: list[str], lines: list[str]) -> tuple[int, str, str]:
    # cwd is the temp dir so a developer's .env in the repo cannot leak Slack credentials in.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(tmp_path),
        cwd=tmp_path,
        text=True,
        encoding="utf-8",
    )
    try:
        out, err = proc.communicate("\n".join(lines) + "\n", timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the console did not finish in time.\nstdout:\n{out}\nstderr:\n{err}")
    return proc.returncode, out, err


def _after(text: str, marker: str) -> str:
    assert marker in text, f"{marker!r} not in:\n{text}"
    return text.split(marker, 1)[1]


def test_console_transcript_logs_builds_a_team_and_submits_the_modal(tmp_path: Path) -> None:
    code, out, err = _paceline(
        tmp_path,
        ["console"],
        [
            "/log calls 1",
            "as @maria",
            "whoami",
            "/log calls 12",
            "/log demos 2 yesterday",
            "/team create east #sales-east",
            "/team add east @bo",
            "/team show east",
            "as @bo",
            "/log calls 3",
            "/log undo",
            "/log",
            "submit calls=5",
            "/nope hi",
            "quit",
            "/log calls 99",  # after quit: never read
        ],
    )
    assert code == 0, err
    assert "Traceback" not in err
    assert out.startswith('Paceline local console — type "as @maria" to act as someone')
    assert out.splitlines()[1] == f"Database: sqlite:///{tmp_path}/c.db"
    assert "Choose who you are first: as @maria" in _after(out, "console> /log calls 1")
    assert "Slack admin, time zone America/New_York" in _after(out, "console> as @maria")
    assert "· Slack admin · time zone America/New_York" in _after(out, "maria> whoami")

    reply = _after(out, "maria> /log calls 12")
    assert "Logged 12 calls on" in reply
    assert "This week: 12 calls" in reply
    assert "Logged 2 demos on" in _after(out, "maria> /log demos 2 yesterday")
    assert "Created team *east*" in _after(out, "maria> /team create east #sales-east")
    assert "Added bo to team *east*" in _after(out, "maria> /team add east @bo")
    show = _after(out, "maria> /team show east")
    # The typed #sales-east reached the app as <#C…|sales-east> and comes back by name.
    assert "*Team east* · #sales-east · America/New_York" in show
    assert "Members (1): bo" in show

    assert "You are @bo now (member" in _after(out, "maria> as @bo")
    assert "Logged 3 calls" in _after(out, "bo> /log calls 3")
    assert "Undid your /log for" in _after(out, "bo> /log undo")
    form = _after(out, "bo> /log")
    assert "[form] Log activity" in form
    assert "submit calls=12 demos=2 day=" in form
    submitted = _after(out, "bo> submit calls=5")
    assert submitted.index("[DM to @bo]") < submitted.index("Logged 5 calls")
    assert "This week: 5 calls" in submitted
    assert "Unknown command /nope" in _after(out, "bo> /nope hi")
    assert "/log calls 99" not in out

    with sqlite3.connect(tmp_path / "c.db") as db:
        rows = db.execute("select source, count(*) from entry group by source").fetchall()
    assert rows == [("console", 4)]  # 12 calls, 2 demos, 3 calls (undone) and 5 calls


def test_run_without_credentials_says_so_then_acts_as_the_console(tmp_path: Path) -> None:
    code, out, err = _paceline(tmp_path, ["run"], ["as @maria", "/log calls 12"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == NO_CREDENTIALS
    assert "Paceline local console —" not in out  # the run line already said it
    assert 'Type "as @maria" to act as someone' in lines[1]
    assert "maria> /log calls 12" in out
    assert "Logged 12 calls" in _after(out, "maria> /log calls 12")


def test_demo_twice_seeds_once_and_its_people_are_slack_users(tmp_path: Path) -> None:
    code, first, err = _paceline(
        tmp_path, ["console", "--demo"], ["as @dana", "/team show east", "as @zed", "whoami"]
    )
    assert code == 0, err
    # The demo has a database of its own in the working folder: DATABASE_URL (c.db, what
    # `paceline run` would use) is left alone.
    assert first.splitlines()[1] == (
        f"Database: sqlite:///paceline-console.db (the demo's own; paceline run uses sqlite:///{tmp_path}/c.db; "
        "--database-url URL picks another)"
    )
    assert (tmp_path / "paceline-console.db").is_file() and not (tmp_path / "c.db").exists()
    summary = re.search(r"Demo: team east with 8 reps and ([\d,]+) entries over six weeks", first)
    assert summary is not None, first
    show = _after(first, "dana> /team show east")
    assert "Managers: dana" in show
    assert "Members (8):" in show
    # The demo seeds no admin, so the first person the console creates becomes one.
    assert "You are @zed now (Slack admin" in first

    def counts() -> tuple[int, int, int]:
        with sqlite3.connect(tmp_path / "paceline-console.db") as db:
            entries = db.execute("select count(*) from entry where source = 'demo'").fetchone()[0]
            persons = db.execute("select count(*) from person").fetchone()[0]
            members = db.execute("select count(*) from team_member").fetchone()[0]
        return entries, persons, members

    before = counts()
    assert before[0] == int(summary.group(1).replace(",", "")) > 500
    code, second, err = _paceline(tmp_path, ["console", "--demo"], ["as @zed", "as @maria"])
    assert code == 0, err
    assert "Demo: team east is already seeded (8 reps" in second
    assert counts() == before
    assert "You are @zed now (Slack admin" in second  # remembered from the database
    assert "You are @maria now (member" in second  # not the first person any more


# ---------------------------------------------------------------------- in-process session


def _console(
    tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch, demo: bool = False
) -> str:
    monkeypatch.setenv("TZ", "America/New_York")
    return console_transcript(f"sqlite:///{tmp_path}/c.db", lines, demo=demo)


def test_modal_refuses_what_slack_would_then_shows_app_errors_and_logs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _console(
        tmp_path,
        [
            "submit calls=1",
            "as @maria",
            "/log",
            "submit day=2026-13-01 calls=1",
            "submit bogus=1",
            "submit calls 5",
            "submit calls=abc",
            'submit calls=5 revenue=4.5k day=2026-11-19 note="Acme deal"',
            "submit calls=6",
        ],
        monkeypatch,
    )
    assert "No form is open" in _after(out, "console> submit calls=1")
    form = _after(out, "maria> /log")
    assert 'Log: submit calls=12 demos=2 day=2026-11-20 note="Acme" — or cancel' in form
    assert "Note (optional): text (up to 500 characters)" in form
    bad_day = _after(out, "submit day=2026-13-01 calls=1")
    assert "Pick a date as YYYY-MM-DD" in bad_day
    assert "Nothing was sent" in bad_day
    assert 'The form has no field "bogus"' in _after(out, "submit bogus=1")
    assert "Write each field as name=value" in _after(out, "submit calls 5")
    app_error = _after(out, "submit calls=abc")
    assert "✗ Calls (calls):" in app_error
    assert "The form is still open" in app_error
    done = _after(out, 'note="Acme deal"')
    assert "[DM to @maria]" in done
    assert "Logged 5 calls · $4,500 revenue on Thu 19 Nov." in done
    assert "No form is open" in _after(out, "submit calls=6")

    db = Database(f"sqlite:///{tmp_path}/c.db")
    with db.read() as session:
        entries = list(session.scalars(sa.select(Entry).order_by(Entry.id)))
    db.dispose()
    assert [(e.metric, e.quantity, e.day, e.source, e.note) for e in entries] == [
        ("calls", 5, date(2026, 11, 19), "console", "Acme deal"),
        ("revenue", 450_000, date(2026, 11, 19), "console", "Acme deal"),
    ]
    assert entries[0].idempotency_key and entries[0].idempotency_key.startswith("modal:")


def test_a_later_run_on_the_same_database_gets_fresh_view_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The /log modal logs once per view id; reusing ids across runs would drop submissions.
    _console(tmp_path, ["as @maria", "/log", "submit calls=5"], monkeypatch)
    out = _console(tmp_path, ["as @maria", "/log", "submit calls=7"], monkeypatch)
    assert "This week: 12 calls" in _after(out, "submit calls=7")


def test_mentions_reach_the_app_escaped_with_stable_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _console(
        tmp_path,
        ["as @maria", "/team create east #sales-east", "/team add east @bo", "/log @bo calls 4"],
        monkeypatch,
    )
    assert "Logged 4 calls for bo" in out
    db = Database(f"sqlite:///{tmp_path}/c.db")
    with db.read() as session:
        team = session.scalar(sa.select(Team))
        people = {p.name: p for p in session.scalars(sa.select(Person))}
    db.dispose()
    assert team is not None
    assert (team.channel_id, team.channel_name) == (stable_id("C", "sales-east"), "sales-east")
    assert people["bo"].slack_user_id == stable_id("U", "bo")
    assert people["bo"].tz == "America/New_York"
    assert people["maria"].slack_admin and not people["bo"].slack_admin


def test_requests_are_signed_and_verified_by_bolt(tmp_path: Path) -> None:
    clock = FixedClock(CLOCK_AT)
    with StandInSlack(team_id="T_CONSOLE") as standin:
        out = io.StringIO()
        console = Console(standin, Printer(out), "UTC")
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/c.db",
            bot_token="xoxb-console",
            signing_secret="0" * 32,
            slack_api_url=standin.api_url,
        )
        wrong = build(settings, clock=clock, source="console")
        console.attach(wrong)
        console.handle("as @maria")
        console.handle("/log calls 1")
        assert "The app answered HTTP 401" in out.getvalue()

        right = build(
            replace(settings, signing_secret=console.signing_secret),
            db=wrong.db,
            clock=clock,
            source="console",
            migrate=False,
        )
        console.attach(right)
        console.handle("/log calls 1")
        assert "Logged 1 call on Fri 20 Nov." in out.getvalue()
        wrong.db.dispose()


def test_what_the_app_sends_to_slack_is_printed_with_names() -> None:
    with StandInSlack(team_id="T_CONSOLE") as standin:
        out = io.StringIO()
        console = Console(standin, Printer(out), "UTC")
        console.handle("as @maria")
        channel = console.channel_id("sales-east")
        maria = stable_id("U", "maria")
        client = WebClient(token="xoxb-console", base_url=standin.api_url)
        digest = [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*Digest*: <@{maria}> leads <#{channel}>"},
            }
        ]
        client.chat_postMessage(channel=channel, text="fallback", blocks=digest)
        client.chat_postMessage(channel=maria, text="Your week:\n12 calls")
        client.chat_postEphemeral(channel=channel, user=maria, text="Only you")
        client.users_info(user=maria)  # not a message: not printed
    printed = out.getvalue().split("\n", 1)[1]  # after the "You are @maria now" line
    assert printed == (
        "  [#sales-east]\n"
        "    *Digest*: @maria leads #sales-east\n"
        "  [DM to @maria]\n"
        "    Your week:\n"
        "    12 calls\n"
        "  [only @maria sees this, in #sales-east]\n"
        "    Only you\n"
    )


def test_console_timezone_reads_tz_then_etc_files(tmp_path: Path) -> None:
    assert console_timezone({"TZ": "Europe/Berlin"}, etc=tmp_path) == "Europe/Berlin"
    assert console_timezone({"TZ": ":/usr/share/zoneinfo/Asia/Tokyo"}, etc=tmp_path) == "Asia/Tokyo"
    assert console_timezone({"TZ": "Nowhere/Special"}, etc=tmp_path) == "UTC"
    (tmp_path / "localtime").symlink_to("/usr/share/zoneinfo/America/Chicago")
    assert console_timezone({}, etc=tmp_path) == "America/Chicago"
    (tmp_path / "timezone").write_text("Europe/Lisbon\n", encoding="utf-8")
    assert console_timezone({}, etc=tmp_path) == "Europe/Lisbon"


# ---------------------------------------------------------------------- the demo seed


def _history(db: Database) -> list[tuple[str, str, date, int]]:
    with db.read() as session:
        rows = session.execute(
            sa.select(Person.name, Entry.metric, Entry.day, Entry.quantity)
            .join(Person, Person.id == Entry.person_id)
            .order_by(Person.name, Entry.day, Entry.metric)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_seed_demo_is_deterministic_idempotent_and_works_without_the_csv(tmp_path: Path) -> None:
    clock = FixedClock(CLOCK_AT)
    missing = tmp_path / "absent.csv"
    dbs = [Database(f"sqlite:///{tmp_path}/{name}.db") for name in ("a", "b")]
    for db in dbs:
        db.upgrade()
    with StandInSlack(team_id="T_CONSOLE") as standin:
        first = seed_demo(dbs[0], clock, standin=standin, tz="America/New_York", csv_path=missing)
        dana = WebClient(token="xoxb-test", base_url=standin.api_url).users_info(
            user=stable_id("U", "dana")
        )
    other = seed_demo(dbs[1], clock, tz="America/New_York", csv_path=missing)
    again = seed_demo(dbs[0], clock, tz="America/New_York", csv_path=missing)

    assert dana["user"]["name"] == "dana" and dana["user"]["tz"] == "America/New_York"
    assert first.reps == tuple(name.split()[0].lower() for name in FALLBACK_REPS)
    assert first.added == first.entries > 500
    assert (again.added, again.entries) == (0, first.entries)
    history = _history(dbs[0])
    assert history == _history(dbs[1]) and other.entries == first.entries
    today = date(2026, 11, 20)
    assert all(
        today - timedelta(weeks=6) <= day < today and day.weekday() < 5 for _, _, day, _ in history
    )
    assert {metric for _, metric, _, _ in history} >= {
        "calls",
        "emails",
        "meetings",
        "demos",
        "deals",
        "revenue",
    }
    calls = {}
    for name, metric, _, quantity in history:
        if metric == "calls":
            calls[name] = calls.get(name, 0) + quantity
    assert max(calls.values()) > 2 * min(calls.values())  # stars and laggards
    with dbs[0].read() as session:
        batches = session.execute(
            sa.select(
                Entry.person_id, Entry.day, sa.func.count(sa.distinct(Entry.batch_id))
            ).group_by(Entry.person_id, Entry.day)
        ).all()
        assert {n for *_, n in batches} == {1}  # one /log batch per person-day
        assert (
            set(
                session.scalars(
                    sa.select(Entry.entered_by_id).where(Entry.entered_by_id != Entry.person_id)
                )
            )
            == set()
        )
    for db in dbs:
        db.dispose()


def test_seed_demo_takes_east_office_reps_from_the_crm_sample(tmp_path: Path) -> None:
    csv_path = tmp_path / "sales_teams.csv"
    csv_path.write_text(
        "sales_agent,manager,regional_office\n"
        "Carl Lin,Summer Sewald,West\n"
        "Violet Mclelland,Cara Losch,East\n"
        "Mei-Mei Johns,Melvin Marxen,East\n"
        "Violet Smith,Cara Losch,East\n",
        encoding="utf-8",
    )
    db = Database(f"sqlite:///{tmp_path}/c.db")
    db.upgrade()
    summary = seed_demo(db, FixedClock(CLOCK_AT), csv_path=csv_path)
    db.dispose()
    assert summary.reps == ("violet", "mei-mei", "violet.smith")


# ---------------------------------------------------------------------- render.py


def test_typed_mentions_become_slacks_escaped_forms() -> None:
    ids = {"bo": "UBO", "maria.lopez": "UML", "sales-east": "CSE"}

    def known(name: str) -> str | None:
        return ids.get(name.lower())

    text = escape_command_text(
        "add east @bo @Maria.Lopez #sales-east -- R&D <b> @here, thanks @bo. mail bo@acme.com page#2 #1 @nobody",
        known,
        known,
    )
    assert text == (
        "add east <@UBO|bo> <@UML|Maria.Lopez> <#CSE|sales-east> -- R&amp;D &lt;b&gt; <!here>, "
        "thanks <@UBO|bo>. mail bo@acme.com page#2 #1 @nobody"
    )
    # What the console sends parses the way Slack's own escapes do.
    tokens = tokenize(text)
    assert parse_user_ref(tokens[2]).user_id == "UBO"  # type: ignore[union-attr]
    assert parse_channel_ref(tokens[4]).channel_id == "CSE"  # type: ignore[union-attr]


def test_stable_ids_are_slack_shaped_and_case_insensitive() -> None:
    assert stable_id("U", "Maria") == stable_id("U", "maria") != stable_id("U", "bo")
    assert re.fullmatch(r"C[A-Z0-9]{10}", stable_id("C", "sales-east"))


def test_mrkdwn_resolves_people_channels_and_links() -> None:
    names = Names(users={"U2": "bo", "U1": "maria"}, channels={"C2": "general"})
    text = "*Hi* <@U1|old-name> and <@U2>, <@U9> · <#C1|sales-east> <#C2> <!here> <https://x.io|docs> <https://x.io> &lt;3 &amp; _so_"
    assert render_mrkdwn(text, names) == (
        "*Hi* @maria and @bo, @U9 · #sales-east #general @here docs (https://x.io) https://x.io <3 & _so_"
    )


def test_blocks_render_as_plain_lines() -> None:
    names = Names(users={"U1": "maria"})
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*east* is on pace\n<@U1> leads"},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Details"}},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Calls*\n120"},
                {"type": "mrkdwn", "text": "*Demos*\n9"},
            ],
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Week of Mon 16 Nov"},
                {"type": "plain_text", "text": "87%"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Approve"}},
                {"type": "button", "text": {"type": "plain_text", "text": "Reject"}},
                {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Snooze"}},
            ],
        },
        {"type": "mystery"},
    ]
    assert render_blocks(blocks, names) == [
        "Weekly digest",
        "=============",
        "*east* is on pace   [ Details ]",
        "@maria leads",
        "*Calls* 120",
        "*Demos* 9",
        "─" * 32,
        "Week of Mon 16 Nov  87%",
        "[ Approve ]  [ Reject ]  [ Snooze ▾ ]",
    ]
    # Blocks win over the notification text, as in Slack.
    assert render_message({"text": "fallback", "blocks": blocks[:1]}, names) == [
        "Weekly digest",
        "=============",
    ]
    assert render_message({"text": "Hi <@U1>\nbye"}, names) == ["Hi @maria", "bye"]


def test_log_modal_as_a_form_and_its_state_in_slacks_shape() -> None:
    view = log_modal(MetricCatalog(), date(2026, 11, 20), '{"channel_id": "C1"}')
    lines = render_modal(view, Names())
    assert lines[0] == "[form] Log activity"
    assert any(re.fullmatch(r"  calls +Calls \(optional\): a whole number", line) for line in lines)
    assert lines[-1] == 'Log: submit calls=12 demos=2 day=2026-11-20 note="Acme" — or cancel'

    values, problems = build_state(
        view, parse_assignments('calls=5 Note="Acme deal"'), lambda n: None, lambda n: None
    )
    assert problems == {}
    assert values["day"]["day"] == {"type": "datepicker", "selected_date": "2026-11-20"}
    assert values["metric:calls"]["amount"] == {"type": "plain_text_input", "value": "5"}
    assert values["metric:demos"]["amount"] == {"type": "plain_text_input", "value": None}
    assert values["note"]["note"] == {"type": "plain_text_input", "value": "Acme deal"}

    _, problems = build_state(view, {"day": "", "note": "x" * 501}, lambda n: None, lambda n: None)
    assert problems["day"] == "Please fill out this field."
    assert problems["note"].startswith("Use at most 500 characters")
    assert render_field_errors(view, {"metric:calls": "Too many."}) == [
        "✗ Calls (calls): Too many."
    ]


def test_parse_assignments_keeps_quoted_text_whole() -> None:
    assert parse_assignments('calls=12 note="Acme deal" day=2026-11-20') == {
        "calls": "12",
        "note": "Acme deal",
        "day": "2026-11-20",
    }
    with pytest.raises(ValueError, match="name=value"):
        parse_assignments("calls 12")


# ---------------------------------------------------------------------- scheduled jobs


def test_console_runs_the_weekly_digest_as_a_manager_would_see_it_and_never_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _console(
        tmp_path,
        [
            "as @dana",
            "jobs run weekly-digest --team east --at 2026-11-20T16:00-05:00",
            "jobs run weekly-digest --team east --at 2026-11-20T16:00-05:00",
            "jobs list",
            "jobs run lagging-alert --team east",
            "jobs run fortnightly",
            "jobs run nudge --team west",
            "jobs launch",
        ],
        monkeypatch,
        demo=True,
    )
    digest = _after(out, "dana> jobs run weekly-digest --team east --at 2026-11-20T16:00-05:00")
    first, second = digest.split("dana> jobs run weekly-digest", 1)
    assert "[#sales-east]" in first and "Team east — week of 16 Nov" in first
    assert "*Team totals*" in first and "Revenue (team total)" in first
    assert "👥 *Demos* — everyone 4 demos/week" in first and "reward: team lunch on Dana" in first
    assert (
        "[file in #sales-east] Team east — week of 16 Nov 2026" in first
        and "(image saved to " in first
    )
    assert (
        "weekly-digest for team east (Fri 20 Nov 2026): 2 message(s), 2 new, 0 already in the outbox."
        in first
    )
    assert "Delivered: 2 sent, 0 to retry, 0 parked, 0 failed." in first
    # The same day again: nothing new, nothing posted.
    assert "[#sales-east]" not in second.split("dana> jobs list")[0]
    assert "had already run: nothing new to send" in second
    listing = _after(out, "dana> jobs list").split("dana>")[0]
    assert re.search(
        r"weekly-digest Fri 16:00 +next Fri 20 Nov 16:00 EST +last 2026-11-20 \(2 msg\) +2 sent",
        listing,
    )
    assert re.search(r"log-reminder off +next —", listing)
    alert = _after(out, "dana> jobs run lagging-alert --team east").split("dana>")[0]
    assert "[DM to @dana]" in alert and "behind or at risk" in alert
    assert 'There is no job "fortnightly".' in out
    assert 'There is no team "west".' in out
    assert "Usage: jobs list, or jobs run weekly-digest" in out


def test_the_console_shows_a_live_win_right_after_the_log_that_made_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _console(
        tmp_path,
        [
            "as @dana",
            "/team set east celebrate deals,hits,team",
            "as @violet",
            "/log deals 1 revenue $12,000",
            "/log undo",
        ],
        monkeypatch,
        demo=True,
    )
    logged = _after(out, "violet> /log deals 1 revenue $12,000").split("violet> /log undo")[0]
    assert re.search(
        r"\[#sales-east\]\s+🎉 violet closed \$12,000 — the team is at \d+% of", logged
    ), logged
    undone = _after(out, "violet> /log undo")
    assert re.search(r"~🎉 violet closed \$12,000 — the team is at \d+% of [^~]*~", undone), undone
