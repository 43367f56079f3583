"""The console's `click`: the buttons of the last message (or Home tab) the person can see,
numbered, and pressing one as Slack does (a signed block_actions payload) — an approval end
to end, Reject by number, Undo on the Home tab, the Log button of a log reminder. Also the
console's own demo database, `whoami` for a manager, and the README's sample paths."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.app import Paceline, build
from bot.cli import main
from bot.clock import FixedClock
from bot.config import DEFAULT_DATABASE_URL, ConfigError, Settings
from bot.console import clicks
from bot.console.demo import CRM_TEAMS_CSV, demo_people, seed_demo
from bot.console.render import stable_id
from bot.console.session import (
    DEMO_DATABASE_URL,
    TEAM_ID,
    Console,
    Printer,
    console_database,
    run_console,
)
from bot.render.app_home import HOME_UNDO_ACTION
from bot.render.goals import APPROVE_ACTION
from storage.db import Database
from storage.models import Entry, Goal, GoalRequest, Person
from tests.console.transcript import CLOCK_AT, console_transcript
from tests.support.slack_api import StandInSlack

REPO = Path(__file__).resolve().parents[2]
PROPOSE = "/goal propose calls 70/week -- more leads now"
DANA = stable_id("U", "dana")


def _rep() -> str:
    """The demo's first rep (from the CRM sample's East office, or the built-in list)."""
    return demo_people()[1][0].handle


def _console(tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TZ", "America/New_York")
    return console_transcript(f"sqlite:///{tmp_path}/c.db", lines, demo=True)


def _after(text: str, marker: str) -> str:
    """What the console printed for the line `marker`, up to the next prompt."""
    assert marker in text, f"{marker!r} not in:\n{text}"
    rest = text.split(marker, 1)[1]
    return re.split(r"\n[\w.\-]+> ", rest, maxsplit=1)[0]


def _requests(tmp_path: Path) -> list[tuple[str, str | None]]:
    db = Database(f"sqlite:///{tmp_path}/c.db")
    try:
        with db.read() as session:
            rows = session.execute(
                sa.select(GoalRequest.status, Person.name)
                .outerjoin(Person, Person.id == GoalRequest.decided_by_id)
                .order_by(GoalRequest.id)
            ).all()
        return [(status, name) for status, name in rows]
    finally:
        db.dispose()


def _goals_of(tmp_path: Path, handle: str) -> list[tuple[str, str, int | None, str, date]]:
    db = Database(f"sqlite:///{tmp_path}/c.db")
    try:
        with db.read() as session:
            rows = session.execute(
                sa.select(Goal.metric, Goal.period_kind, Goal.target, Goal.origin, Goal.start)
                .join(Person, Person.id == Goal.person_id)
                .where(Person.name == handle, Goal.removed_at.is_(None))
                .order_by(Goal.id)
            ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        db.dispose()


# ---------------------------------------------------------------------- approvals


def test_a_manager_approves_a_reps_proposal_with_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _rep()
    out = _console(
        tmp_path,
        [
            "click",
            "as @dana",
            "click",
            f"as @{rep}",
            PROPOSE,
            "click",
            "as @dana",
            "whoami",
            "click",
            "click Nope",
            "click Approve",
            "click",
        ],
        monkeypatch,
    )
    assert "Choose who you are first: as @maria — then click" in _after(out, "console> click")
    nothing = _after(out, "dana> click\n")
    assert "Nothing to click: no message you can see has buttons yet." in nothing
    assert "Try home" in nothing and "/goal propose calls 70/week" in nothing  # how to get one

    proposed = _after(out, f"{rep}> {PROPOSE}")
    assert "[DM to @dana]" in proposed and "[ Approve ]  [ Reject ]" in proposed
    # The rep can't press the buttons of dana's DM: the console says whose they are.
    theirs = _after(out, f"{rep}> click")
    assert "Nothing to click" in theirs
    assert (
        "(The newest message with buttons, in the DM to @dana, is @dana's: as @dana to click it.)"
        in theirs
    )

    assert "You are @dana (" in _after(out, "dana> whoami") and "· manager of east ·" in _after(
        out, "dana> whoami"
    )
    listed = out.split("dana> whoami", 1)[1]
    listed = _after(listed, "dana> click\n")
    assert f"Buttons in the DM to @dana — *{rep}* proposes calls 70/week for {rep}" in listed
    assert "   1. [ Approve ]\n" in listed and "   2. [ Reject ]\n" in listed
    assert "Press one: click 1, or click Approve" in listed

    nope = _after(out, "dana> click Nope")
    assert 'No button is called "Nope".' in nope
    assert "1. [ Approve ]" in nope and "2. [ Reject ]" in nope  # the choices
    assert "You click" not in nope  # a wrong name presses nothing

    approved = _after(out, "dana> click Approve")
    assert "You click [ Approve ] in the DM to @dana." in approved
    # Every copy of the request loses its buttons, the rep hears, the clicker gets a note.
    assert "[message updated in DM to @dana]" in approved
    assert "✅ Approved by dana. Set #" in approved and f"calls 70/week for {rep}" in approved
    assert (
        f"[DM to @{rep}]" in approved
        and "Your proposal (request #1) was approved by dana" in approved
    )
    assert "[only you see this]" in approved
    # The updated DM has no buttons left: nothing to click any more.
    assert "Nothing to click" in out.rsplit("dana> click", 1)[1]

    assert _requests(tmp_path) == [("approved", "dana")]
    assert ("calls", "week", 70, "proposal", date(2026, 11, 20)) in _goals_of(tmp_path, rep)


def test_click_by_number_rejects_and_a_wrong_number_says_the_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _rep()
    out = _console(
        tmp_path,
        [f"as @{rep}", PROPOSE, "as @dana", "click 3", "click [ reJ ]", "click 2"],
        monkeypatch,
    )
    assert "There is no button 3: pick 1–2." in _after(out, "dana> click 3")
    assert "You click [ Reject ]" in _after(out, "dana> click [ reJ ]")  # a label's start, any case
    assert "❌ Rejected by dana." in _after(out, "dana> click [ reJ ]")
    # The request's message lost its buttons with the first press: 2 is nothing now.
    assert "Nothing to click" in _after(out, "dana> click 2")
    assert _requests(tmp_path) == [("rejected", "dana")]
    assert not any(origin == "proposal" for *_, origin, _ in _goals_of(tmp_path, rep))


# ---------------------------------------------------------------------- Home and reminders


def test_undo_on_the_home_tab_removes_that_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _rep()
    out = _console(
        tmp_path,
        [f"as @{rep}", "/log calls 3", "home", "click", "click undo", "click"],
        monkeypatch,
    )
    listed = _after(out, f"{rep}> click\n")
    assert "Buttons in your Home tab:" in listed
    assert "   1. [ Log activity ]" in listed
    # Several Undo buttons: each shows the entry beside it.
    undo = re.search(r"(\d+)\. \[ Undo \]\s+— Fri 20 Nov · 3 calls\n", listed)
    assert undo is not None, listed
    assert (
        "(Not listed: 1 menu — the console presses buttons only; home quarter picks the Home tab's period.)"
        in listed
    )
    ambiguous = _after(out, f"{rep}> click undo")
    assert 'Several buttons match "undo"' in ambiguous and "click one by number" in ambiguous

    number = undo.group(1)
    out = _console(tmp_path, [f"as @{rep}", "home", f"click {number}"], monkeypatch)
    pressed = _after(out, f"{rep}> click {number}")
    assert "You click [ Undo ] in your Home tab." in pressed
    assert '(Slack asks first: "Undo this entry? Remove Fri 20 Nov · 3 calls?' in pressed
    assert "[Home tab of @" in pressed and "↩️ Undid Fri 20 Nov · 3 calls." in pressed

    db = Database(f"sqlite:///{tmp_path}/c.db")
    with db.read() as session:
        entry = session.scalar(sa.select(Entry).where(Entry.source == "console"))
    db.dispose()
    assert entry is not None and (entry.metric, entry.quantity) == ("calls", 3)
    assert entry.deleted_at is not None


def test_the_log_button_of_a_log_reminder_opens_the_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _rep()
    out = _console(
        tmp_path,
        [
            f"as @{rep}",
            "jobs run log-reminder --team east --at 2026-11-20T18:00-05:00",
            "click",
            "click log",
            "submit calls=5",
        ],
        monkeypatch,
    )
    listed = _after(out, f"{rep}> click\n")
    assert f"Buttons in the DM to @{rep} — ⏰ Nothing logged today (Fri 20 Nov) yet" in listed
    assert "1. [ Log ]" in listed
    form = _after(out, f"{rep}> click log")
    assert "[form] Log activity" in form and "day=2026-11-20" in form
    assert (
        f"[DM to @{rep}]" in _after(out, "submit calls=5")
        and "Logged 5 calls on Fri 20 Nov." in out
    )


# ---------------------------------------------------------------------- the payload


@dataclass
class _Session:
    console: Console
    standin: StandInSlack
    paceline: Paceline
    out: io.StringIO
    payloads: list[dict[str, Any]]


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Session]:
    """A console attached to the app, with the demo, that keeps every interaction payload
    it sends (after Bolt verified its signature, the app handles it as usual)."""
    clock = FixedClock(CLOCK_AT)
    with StandInSlack(team_id=TEAM_ID) as standin:
        out = io.StringIO()
        console = Console(standin, Printer(out), "America/New_York")
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/c.db",
            bot_token="xoxb-console",
            signing_secret=console.signing_secret,
            slack_api_url=standin.api_url,
        )
        paceline = build(settings, clock=clock, source="console")
        console.attach(paceline)
        seed_demo(paceline.db, clock, TEAM_ID, standin=standin, tz="America/New_York")
        console.load_directory()
        payloads: list[dict[str, Any]] = []
        dispatch = paceline.bolt.dispatch

        def spy(request: Any) -> Any:
            form = parse_qs(request.raw_body)
            if "payload" in form:
                payloads.append(json.loads(form["payload"][0]))
            return dispatch(request)

        monkeypatch.setattr(paceline.bolt, "dispatch", spy)
        try:
            yield _Session(console, standin, paceline, out, payloads)
        finally:
            paceline.db.dispose()


def test_a_click_sends_slacks_block_actions_payload(session: _Session) -> None:
    console, standin = session.console, session.standin
    for line in (f"as @{_rep()}", PROPOSE, "as @dana", "click Approve"):
        console.handle(line)
    [payload] = session.payloads
    [dm] = standin.messages_in("D" + DANA)
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == DANA and payload["user"]["name"] == "dana"
    assert payload["team"]["id"] == TEAM_ID and payload["api_app_id"] == standin.app_id
    assert payload["trigger_id"]
    assert payload["container"] == {
        "type": "message",
        "message_ts": dm["ts"],
        "channel_id": "D" + DANA,
        "is_ephemeral": False,
    }
    assert payload["channel"]["id"] == "D" + DANA
    assert payload["message"]["ts"] == dm["ts"]
    # The message as it was when clicked: what the app posted, buttons and all.
    assert [b["type"] for b in payload["message"]["blocks"]] == ["section", "context", "actions"]
    assert payload["message"]["text"]
    [action] = payload["actions"]
    assert action["type"] == "button" and action["action_id"] == APPROVE_ACTION
    assert action["value"] == "1" and action["block_id"] == "goal_request:1"
    assert action["text"]["text"] == "Approve" and float(action["action_ts"]) > 0
    assert payload["response_url"].startswith(standin.base_url + "/response/")
    # The clicker's note came back through that response URL.
    [note] = standin.calls_to("response_url")
    assert payload["response_url"].endswith(note.key) and "Approved by dana" in note.params["text"]


def test_a_home_click_carries_the_published_view(session: _Session) -> None:
    console, standin = session.console, session.standin
    rep = _rep()
    for line in (f"as @{rep}", "/log calls 3", "home"):
        console.handle(line)
    published = standin.calls_to("views.publish")[-1]
    console.handle("click 3")
    [payload] = session.payloads
    view_id = payload["container"]["view_id"]
    assert payload["container"] == {"type": "view", "view_id": view_id} and view_id.startswith("V")
    assert payload["view"]["id"] == view_id and payload["view"]["type"] == "home"
    assert payload["view"]["blocks"][0]["text"] == published.params["view"]["blocks"][0]["text"]
    assert "response_url" not in payload and "message" not in payload
    [action] = payload["actions"]
    assert action["action_id"] == HOME_UNDO_ACTION and action["value"].isdigit()
    # Home is published again for the same view id: `home week` sends it too.
    console.handle("home week")
    assert session.payloads[-1]["view"]["id"] == view_id


def test_channel_posts_are_everyones_ephemeral_messages_their_persons(session: _Session) -> None:
    console, standin = session.console, session.standin
    client = WebClient(token="xoxb-console", base_url=standin.api_url)
    channel = console.channel_id("sales-east")
    go = {
        "type": "button",
        "action_id": "nobody_handles_this",
        "text": {"type": "plain_text", "text": "Go"},
    }
    row = [{"type": "section", "text": {"type": "mrkdwn", "text": "Ready?"}, "accessory": go}]
    posted = client.chat_postMessage(channel=channel, text="Ready?", blocks=row)
    console.handle("as @dana")
    console.handle("click")
    assert "Buttons in #sales-east — Ready?\n     1. [ Go ]" in session.out.getvalue()
    # Shown to someone else only: dana still gets the channel post.
    client.chat_postEphemeral(channel=channel, user=stable_id("U", _rep()), text="x", blocks=row)
    console.handle("click go")
    printed = session.out.getvalue()
    assert "You click [ Go ] in #sales-east." in printed
    assert "The app does not answer that button (action_id nobody_handles_this)." in printed
    assert session.payloads[-1]["container"]["message_ts"] == posted["ts"]
    assert session.payloads[-1]["channel"] == {"id": channel, "name": "sales-east"}

    console.handle(f"as @{_rep()}")
    console.handle("click 1")
    ephemeral = session.payloads[-1]
    assert ephemeral["container"]["is_ephemeral"] is True and "message" not in ephemeral
    assert (
        f"You click [ Go ] in the message only @{_rep()} sees, in #sales-east."
        in session.out.getvalue()
    )


# ---------------------------------------------------------------------- pure parts


def test_pick_by_number_label_or_unique_start() -> None:
    buttons = [
        clicks.Button("Approve", "a", "b"),
        clicks.Button("Reject", "r", "b"),
        clicks.Button("📎 Export CSV", "e", "b"),
        clicks.Button("Undo", "u1", "b"),
        clicks.Button("Undo", "u2", "b"),
    ]
    assert clicks.pick(buttons, "2") == 1
    assert clicks.pick(buttons, "approve") == 0
    assert clicks.pick(buttons, "REJ") == 1
    assert clicks.pick(buttons, "export") == 2  # emoji aside
    assert clicks.pick(buttons, '"[ Reject ]"') == 1
    assert clicks.pick(buttons, "6") == "There is no button 6: pick 1–5."
    assert clicks.pick(buttons, "Nope") == 'No button is called "Nope".'
    assert (
        clicks.pick(buttons, "undo")
        == 'Several buttons match "undo" (4 [ Undo ], 5 [ Undo ]): click one by number.'
    )


def test_buttons_are_found_in_sections_and_rows_and_get_ids() -> None:
    message = clicks.with_ids(
        {
            "text": "x",
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "Fri · 3 calls"},
                    "accessory": {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Undo"},
                        "value": "7",
                    },
                },
                {
                    "type": "actions",
                    "block_id": "row",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "Go"},
                            "url": "https://x.test",
                        },
                        {"type": "static_select", "action_id": "pick"},
                    ],
                },
            ],
        }
    )
    undo, go = clicks.buttons_in(message["blocks"])
    assert (undo.label, undo.value, undo.context, undo.block_id) == (
        "Undo",
        "7",
        "Fri · 3 calls",
        "console-0",
    )
    assert undo.action_id  # Slack fills in a missing action_id; so does the console
    assert (go.action_id, go.block_id, go.url, go.context) == (
        "go",
        "row",
        "https://x.test",
        "Fri · 3 calls",
    )
    assert clicks.action_of(go, "1.0") == {
        "type": "button",
        "action_id": "go",
        "block_id": "row",
        "text": {"type": "plain_text", "text": "Go", "emoji": True},
        "action_ts": "1.0",
        "url": "https://x.test",
    }


def test_help_lists_click_and_says_buttons_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _console(tmp_path, ["help"], monkeypatch)
    assert (
        "  click              the buttons of the last message (or Home tab) you can see, numbered"
        in out
    )
    assert "buttons only: selects and overflow menus can't be clicked here" in out


# ---------------------------------------------------------------------- whoami


def test_whoami_says_manager_member_and_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _rep()
    out = _console(
        tmp_path, ["as @dana", "whoami", f"as @{rep}", "whoami", "as @zed", "whoami"], monkeypatch
    )
    assert re.search(
        r"You are @dana \(U\w+\) · manager of east · time zone America/New_York",
        _after(out, "dana> whoami"),
    )
    assert "· member of east · time zone" in _after(out, f"{rep}> whoami")
    # The demo seeds no admin: the first new person is the workspace's admin, on no team.
    assert "· Slack admin · time zone" in _after(out, "zed> whoami")
    assert "You are @dana now (manager of east, time zone America/New_York)." in out


# ---------------------------------------------------------------------- databases


def test_the_demo_console_has_its_own_database() -> None:
    run_url = "postgresql+psycopg://paceline:s3cret@db.example.com/paceline"
    url, note = console_database(run_url, demo=True)
    assert url == DEMO_DATABASE_URL == "sqlite:///paceline-console.db" != DEFAULT_DATABASE_URL
    assert note is not None and "s3cret" not in note and "paceline:***@db.example.com" in note
    assert console_database(run_url, demo=False) == (
        run_url,
        None,
    )  # the console without demo: run's
    assert console_database(run_url, demo=True, flag="sqlite:///mine.db") == (
        "sqlite:///mine.db",
        None,
    )
    assert (
        console_database(run_url, demo=True, flag="postgresql://u@h/d")[0]
        == "postgresql+psycopg://u@h/d"
    )
    with pytest.raises(ConfigError, match="--database-url is malformed"):
        console_database(run_url, demo=True, flag="not a url")


def test_make_console_runs_the_demo_console_and_make_run_the_bot() -> None:
    recipes: dict[str, list[str]] = {}
    target = None
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        if re.match(r"^[\w-]+:", line):
            target = line.split(":", 1)[0]
            recipes[target] = []
        elif line.startswith("\t") and target:
            recipes[target].append(line.strip())
    # No --database-url and no DATABASE_URL: the demo's own file (see the test above).
    assert recipes["console"] == ["$(BIN)/paceline console --demo"]
    assert recipes["run"] == ["$(BIN)/paceline run"]


def _paceline(tmp_path: Path, args: list[str], lines: list[str]) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "PYTHONIOENCODING": "utf-8",
        "TZ": "America/New_York",
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/run.db"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        env=env,
        cwd=tmp_path,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_console_demo_and_run_use_different_database_files(tmp_path: Path) -> None:
    demo = _paceline(tmp_path, ["console", "--demo"], ["as @dana", "whoami"])
    assert demo.splitlines()[1].startswith(
        "Database: sqlite:///paceline-console.db (the demo's own; "
    )
    assert "manager of east" in demo
    assert (tmp_path / "paceline-console.db").is_file()
    assert not (tmp_path / "run.db").exists()  # DATABASE_URL is `paceline run`'s

    run = _paceline(tmp_path, ["run"], ["as @dana", "whoami"])
    assert run.splitlines()[2] == f"Database: sqlite:///{tmp_path}/run.db"
    assert "manager of east" not in run and "Demo:" not in run  # no demo team in run's database
    assert (tmp_path / "run.db").is_file()

    mine = _paceline(
        tmp_path, ["console", "--demo", "--database-url", f"sqlite:///{tmp_path}/mine.db"], ["quit"]
    )
    assert mine.splitlines()[1] == f"Database: sqlite:///{tmp_path}/mine.db"
    assert (tmp_path / "mine.db").is_file()


def test_run_says_which_database_it_uses_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://paceline:s3cret@db.example.com/paceline")

    class Stop(Exception):
        pass

    def stop(*_args: Any, **_kwargs: Any) -> None:
        raise Stop

    monkeypatch.setattr("bot.app.build", stop)
    caplog.set_level(logging.INFO, logger="paceline")
    with pytest.raises(Stop):
        main(["run"])
    assert (
        "Paceline uses the database postgresql+psycopg://paceline:***@db.example.com/paceline"
        in caplog.text
    )
    assert "s3cret" not in caplog.text


# ---------------------------------------------------------------------- the sample


def _readme_import_line() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^console> (import crm .+)$", readme, re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_the_readmes_import_paths_are_shipped_in_the_repository() -> None:
    docs = (REPO / "README.md").read_text(encoding="utf-8") + (
        REPO / "docs" / "importing.md"
    ).read_text(encoding="utf-8")
    assert "../shared" not in docs
    paths = [w for w in _readme_import_line().split() if "/" in w]
    assert paths == ["samples/crm/sales_pipeline.csv", "samples/crm/sales_teams.csv"]
    importing = (REPO / "docs" / "importing.md").read_text(encoding="utf-8")
    for path in paths:
        assert path in importing
        assert (REPO / path).is_file() and (REPO / path).stat().st_size < 300_000
    assert CRM_TEAMS_CSV == REPO / "samples" / "crm" / "sales_teams.csv" and CRM_TEAMS_CSV.is_file()
    if shutil.which("git") and (REPO / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", *paths], cwd=REPO, check=False)
        assert ignored.returncode == 1, "the sample must not be git-ignored"


def test_the_readmes_console_import_works_from_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _readme_import_line()
    monkeypatch.chdir(REPO)  # where `make run` / `make console` start the console
    monkeypatch.setenv("TZ", "America/New_York")
    out = io.StringIO()
    run_console(
        Settings(database_url=f"sqlite:///{tmp_path}/c.db"),
        stdin=io.StringIO(
            "\n".join(
                [
                    line,
                    "clock 2017-12-29T17:00",
                    "as @melvin.marxen",
                    "/leaderboard revenue 2017-Q4 team:melvin",
                ]
            )
            + "\n"
        ),
        stdout=out,
        clock=FixedClock(CLOCK_AT),
    )
    printed = out.getvalue()
    imported = _after(printed, f"console> {line}")
    assert "Imported CRM pipeline sales_pipeline.csv (UTF-8) into workspace T_CONSOLE" in imported
    assert (
        "0 skipped" in imported and "Teams created: central, east, west, dustin, melvin" in imported
    )
    board = _after(printed, "melvin.marxen> /leaderboard revenue 2017-Q4 team:melvin")
    ranked = re.findall(r"`\s+\d+`\s+(\S+) — ", board)
    assert ranked[0] == "darcel.schlecht" and len(ranked) == 6
