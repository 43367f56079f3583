"""Hostile text end to end: display names, real names and CRM names holding `<!channel>`,
`<@U…>`, `<http…|…>`, `&` and mrkdwn markers, and notes, reasons, rewards and prizes doing
the same, come back in every reply, DM, channel post, modal and App Home view as text only —
escaped once, at bot.render.text — while CSV exports neutralise formula cells and forged
modal submissions are refused field by field, storing nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from slack_sdk import WebClient

from bot.importer.cli import ImportOptions, import_crm
from scheduler.content import BUILDERS
from storage import teams as team_rows
from storage.models import GoalRequest, Team, TimeOff

REPO = Path(__file__).resolve().parents[2]
# Each carries a channel ping, a user mention, a labelled link, a raw & and a mrkdwn pair.
DISPLAY = "Dana <!channel> & Sons <@U0EVIL1> <https://evil.example/d|verify> *bold-d*"
REAL = "Rita <!here> & Co <https://evil.example/r|login> _ital-r_"
NOTE = "ring <!channel> & <@U0EVIL2> <https://evil.example/n|n> ~strk-n~"
REASON = "why <!everyone> & <@U0EVIL3> <https://evil.example/w|w> `code-w`"
REWARD = "pizza <!channel> & beer"
PRIZE = "golf <@U0EVIL4> & cup"
CRM_AGENT = "=Eve <!channel> & Co <https://evil.example/c|c>"
CRM_AGENT_2 = "+Ivo <@U0EVIL5> & Sons"
CRM_MANAGER = "Mallory -Boss <!here> & Partners"

# The escaped forms that must show: text, not markup.
DISPLAY_SHOWN = "Dana &lt;!channel&gt; &amp; Sons &lt;@U0EVIL1&gt;"
REAL_SHOWN = "Rita &lt;!here&gt; &amp; Co"
NOTE_SHOWN = "ring &lt;!channel&gt; &amp; &lt;@U0EVIL2&gt;"
REASON_SHOWN = "why &lt;!everyone&gt; &amp; &lt;@U0EVIL3&gt;"
CRM_SHOWN = "=Eve &lt;!channel&gt; &amp; Co"

# What user text must never bring into mrkdwn: pings, mentions, links, formatting pairs.
FORBIDDEN = (
    "<!channel>", "<!here>", "<!everyone>", "<@U0EVIL", "<https://evil", "|verify>",
    "*bold-d*", "_ital-r_", "~strk-n~", "`code-w`",
)  # fmt: skip
RAW_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
DOUBLE_ESCAPED = re.compile(r"&amp;(?:amp|lt|gt);")


def assert_safe(text: str, where: str) -> None:
    """`text` is mrkdwn Slack will parse: no markup from user text, every & escaped once."""
    for bit in FORBIDDEN:
        assert bit not in text, f"{where}: {bit!r} survived in {text!r}"
    assert not RAW_AMPERSAND.search(text), f"{where}: a raw & in {text!r}"
    assert not DOUBLE_ESCAPED.search(text), f"{where}: escaped twice in {text!r}"


def texts_of(node: object, mrkdwn: bool = True) -> Iterator[tuple[str, str]]:
    """("mrkdwn" | "plain_text", text) for every text object and text field in a message,
    view or block list (as recorded: nested JSON strings are decoded)."""
    if isinstance(node, str) and node[:1] in "[{":
        try:
            node = json.loads(node)
        except ValueError:
            return
    if isinstance(node, list):
        for item in node:
            yield from texts_of(item, mrkdwn)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield kind, node["text"]
            return
        for key, value in node.items():
            if key in (
                "private_metadata",
                "value",
                "action_id",
                "block_id",
                "callback_id",
                "external_id",
            ):
                continue
            if key == "text" and isinstance(value, str):
                yield ("mrkdwn" if mrkdwn else "plain_text"), value
            elif key == "text":
                yield from texts_of(value, mrkdwn)
            elif key in ("blocks", "view", "elements", "fields", "accessory", "element", "options",
                         "option_groups", "initial_option", "title", "label", "hint", "placeholder",
                         "submit", "close", "confirm", "attachments"):  # fmt: skip
                yield from texts_of(value, mrkdwn and key in ("blocks", "view", "elements", "fields", "accessory",
                                                               "attachments"))  # fmt: skip


def recorded_texts(slack) -> list[tuple[str, str, str]]:
    """(method, kind, text) for everything the app sent Slack that people read."""
    found = []
    for call in slack.calls:
        params = call.params
        if call.method == "files.upload_url":
            continue
        for key in ("text", "initial_comment"):
            if isinstance(params.get(key), str):
                found.append((call.method, "mrkdwn", params[key]))
        if isinstance(params.get("title"), str):
            found.append((call.method, "plain_text", params["title"]))
        for key in ("blocks", "view", "attachments"):
            if key in params:
                found.extend((call.method, kind, text) for kind, text in texts_of(params[key]))
    return found


def assert_recorded_safe(slack) -> list[tuple[str, str, str]]:
    found = recorded_texts(slack)
    for method, kind, text in found:
        if kind == "mrkdwn":
            assert_safe(text, method)
        else:  # Slack shows plain_text as it is: escaping it would show "&amp;" to people
            assert not DOUBLE_ESCAPED.search(text) and "&amp;" not in text, (
                f"{method}: escaped plain text {text!r}"
            )
    return found


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def answer(workspace, command: str, user_id: str, text: str = "") -> str:
    """A command's answer; when it answers "⏳ …" first (Slack look-ups after the answer),
    the outcome that follows through the response URL."""
    key = workspace.client.response_url.rsplit("/", 1)[-1]

    def followed(call) -> bool:
        return call.key == key

    before = len([c for c in workspace.slack.calls_to("response_url") if followed(c)])
    said = workspace.reply(command, user_id, text)
    if not said.startswith("⏳"):
        return said
    return workspace.slack.wait_for("response_url", count=before + 1, where=followed)[
        -1
    ].params.get("text", "")


def team(workspace, user_id: str, text: str) -> str:
    return answer(workspace, "/team", user_id, text)


def log(workspace, user_id: str, text: str) -> str:
    return answer(workspace, "/log", user_id, text)


def goal(workspace, user_id: str, text: str) -> str:
    return answer(workspace, "/goal", user_id, text)


@pytest.fixture
def hostile(workspace):
    """Team east: manager "Dana <!channel> & Sons…" (a display name), rep "Rita <!here> &
    Co…" (a real name: no display name), rep bo; an admin ada. Slack's record starts here."""
    workspace.slack.clear()
    admin = workspace.user("ada", admin=True)
    dana = workspace.user(DISPLAY)
    rita = workspace.user("", real_name=REAL)
    bo = workspace.user("bo")
    replies: dict[str, str] = {}
    replies["create"] = team(workspace, admin, f"create east manager {mention(dana)}")
    replies["add"] = team(workspace, dana, f"add east {mention(rita)} {mention(bo)}")
    return SimpleNamespace(admin=admin, dana=dana, rita=rita, bo=bo, replies=replies)


# --- command replies ---------------------------------------------------------------------------


def test_team_replies_show_profile_names_as_text(workspace, hostile):
    h = hostile
    assert DISPLAY_SHOWN in h.replies["create"] and h.replies["create"].startswith(
        "Created team *east* with manager"
    )
    assert REAL_SHOWN in h.replies["add"] and "bo" in h.replies["add"]
    shown = team(workspace, h.dana, "show east")
    assert f"Managers: {DISPLAY_SHOWN}" in shown and REAL_SHOWN in shown
    replies = {
        "show": shown,
        "list": team(workspace, h.admin, "list"),
        "manager again": team(workspace, h.admin, f"manager east {mention(h.dana)}"),
        "start": team(workspace, h.dana, f"start {mention(h.rita)} 2026-11-02"),
        "add again": team(workspace, h.dana, f"add east {mention(h.rita)}"),
        "remove": team(workspace, h.dana, f"remove east {mention(h.bo)}"),
        "in another team": team(workspace, h.admin, f"create west manager {mention(h.rita)}"),
    }
    team(workspace, h.admin, "create north")
    replies["already in a team"] = team(workspace, h.admin, f"add north {mention(h.rita)}")
    assert DISPLAY_SHOWN in replies["manager again"] and REAL_SHOWN in replies["start"]
    assert replies["already in a team"].startswith(f"{REAL_SHOWN}")
    for where, text in {**h.replies, **replies}.items():
        assert_safe(text, f"/team {where}")
    assert_recorded_safe(workspace.slack)


def test_log_replies_show_names_notes_and_reasons_as_text(workspace, hostile):
    h = hostile
    replies = {
        "for": log(workspace, h.dana, f"{mention(h.rita)} calls 12 -- {NOTE}"),
        "fix": log(workspace, h.dana, f"fix {mention(h.rita)} calls 10"),
        "off": log(workspace, h.dana, f"off {mention(h.rita)} 2026-12-24 -- {REASON}"),
        "list": log(workspace, h.rita, "list"),
        "undo": log(workspace, h.dana, "undo"),
        "not yours": log(workspace, h.bo, f"{mention(h.dana)} calls 1"),
    }
    assert replies["for"].startswith(f"Logged 12 calls for {REAL_SHOWN}")
    assert replies["fix"].startswith(f"Set {REAL_SHOWN}")
    assert f"Time off recorded for {REAL_SHOWN}" in replies["off"]
    assert NOTE_SHOWN in replies["list"] and f"(logged by {DISPLAY_SHOWN}" in replies["list"]
    assert REAL_SHOWN in replies["undo"]
    assert DISPLAY_SHOWN in replies["not yours"]
    for where, text in replies.items():
        assert_safe(text, f"/log {where}")
    assert [e.note for e in workspace.entries() if e.kind == "log"] == [NOTE]  # stored as typed
    assert [t.reason for t in workspace.rows(TimeOff)] == [REASON]  # stored as typed
    assert_recorded_safe(workspace.slack)


def test_goal_progress_and_leaderboard_replies_and_dms_show_user_text_as_text(workspace, hostile):
    h = hostile
    workspace.slack.clear()
    replies = {
        "set": goal(workspace, h.dana, f"set {mention(h.rita)} calls 60/week"),
        "each": goal(workspace, h.dana, f'each team:east demos 5/week reward "{REWARD}"'),
        "contest": goal(workspace, h.dana, f'contest meetings week team:east prize "{PRIZE}"'),
        "propose": goal(workspace, h.rita, f"propose calls 70/week -- {REASON}"),
    }
    log(workspace, h.rita, f"calls 20 meetings 3 demos 5 -- {NOTE}")
    log(workspace, h.bo, "meetings 1")
    replies |= {
        "list": goal(workspace, h.dana, "list team:east"),
        "list person": goal(workspace, h.dana, f"list {mention(h.rita)}"),
        "history": goal(workspace, h.dana, f"history {mention(h.rita)}"),
        "split": goal(workspace, h.dana, "split team:east calls 100/week by evenly"),
        "progress": answer(workspace, "/progress", h.dana, "team:east"),
        "progress person": answer(workspace, "/progress", h.dana, mention(h.rita)),
        "leaderboard": answer(workspace, "/leaderboard", h.rita, "meetings"),
        "refused": goal(workspace, h.bo, f"set {mention(h.rita)} calls 1/week"),
    }
    assert REAL_SHOWN in replies["set"] and REAL_SHOWN in replies["progress"]
    assert DISPLAY_SHOWN in replies["propose"]  # "Sent to Dana … to approve"
    assert "pizza &lt;!channel&gt; &amp; beer" in replies["list"]
    assert REAL_SHOWN in replies["leaderboard"]
    for where, text in replies.items():
        assert_safe(text, f"/goal {where}")
    # The request's DM to the manager shows the requester and the reason as text; approving
    # it updates that DM and tells the requester, with the approver's name as text.
    [request] = workspace.rows(GoalRequest)
    [dm] = workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params.get("channel") == h.dana and "blocks" in c.params,
    )
    assert REASON_SHOWN in json.dumps(dm.params["blocks"], ensure_ascii=False)
    message = [m for m in workspace.slack.messages_in("D" + h.dana) if m.get("blocks")][-1]
    response = workspace.client.block_action(
        "goal_request_approve", value=str(request.id), user_id=h.dana, channel_id="D" + h.dana,
        message_ts=message["ts"], container={"type": "message", "channel_id": "D" + h.dana, "message_ts": message["ts"]},
    )  # fmt: skip
    assert response.status == 200, response.text
    workspace.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == h.rita)
    found = assert_recorded_safe(workspace.slack)
    assert any(DISPLAY_SHOWN in text for method, _, text in found if method == "chat.postMessage")


def test_custom_metric_and_team_names_cannot_carry_formatting(workspace, hostile):
    h = hostile
    for name in ("_bold_", "visits_", "__x"):
        reply = goal(workspace, h.admin, f"metric add {name}")
        assert "put _ only between letters or digits" in reply, reply
    for name in ("_east_", "west_", "a-_b"):
        assert "put _ only between letters or digits" in team(workspace, h.admin, f"create {name}")
    assert goal(workspace, h.admin, "metric add site_visits").startswith("Added")
    reply = log(workspace, h.rita, f"site_visits 3 -- {NOTE}")
    assert reply.startswith("Logged 3 site_visits") and "<!channel>" not in reply
    assert [t.name for t in workspace.rows(Team)] == ["east"]


# --- modals, App Home and scheduled posts ------------------------------------------------------


def _open_home(workspace, user_id):
    response = workspace.client.event(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": "home",
            "event_ts": "1.0",
        }
    )
    assert response.status == 200, response.text
    return workspace.slack.wait_for(
        "views.publish", where=lambda c: c.params.get("user_id") == user_id
    )[-1]


def test_app_home_modals_and_their_dms_show_user_text_as_text(workspace, hostile):
    h = hostile
    goal(workspace, h.dana, f"set {mention(h.rita)} calls 60/week")
    goal(workspace, h.dana, f'each team:east demos 5/week reward "{REWARD}"')
    goal(workspace, h.dana, f'contest meetings week team:east prize "{PRIZE}"')
    log(workspace, h.dana, f"{mention(h.rita)} calls 12 meetings 2 -- {NOTE}")
    log(workspace, h.bo, "meetings 1")
    log(workspace, h.rita, f"demos 1 -- {NOTE}")
    goal(workspace, h.rita, f"propose demos 7/week -- {REASON}")
    workspace.slack.clear()
    homes = {
        who: _open_home(workspace, user)
        for who, user in (("manager", h.dana), ("rep", h.rita), ("admin", h.admin))
    }
    manager_home = json.dumps(homes["manager"].params["view"], ensure_ascii=False)
    assert (
        f"for {REAL_SHOWN}" in manager_home
        and NOTE_SHOWN in manager_home
        and REASON_SHOWN in manager_home
    )
    rep_home = json.dumps(homes["rep"].params["view"], ensure_ascii=False)
    assert NOTE_SHOWN in rep_home and "golf &lt;@U0EVIL4&gt; &amp; cup" in rep_home
    # An entry's Undo confirmation is plain_text: the note shows there as typed.
    confirms = [b["accessory"]["confirm"]["text"] for b in homes["rep"].params["view"]["blocks"]
                if b.get("accessory", {}).get("confirm")]  # fmt: skip
    assert confirms and all(c["type"] == "plain_text" for c in confirms)
    assert any("ring <!channel> & <@U0EVIL2>" in c["text"] for c in confirms)
    # The header is plain_text: Slack does not parse it, so the name shows as it is.
    header = homes["rep"].params["view"]["blocks"][0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    # The /log and /goal modals, and what their submissions send to the DM.
    assert log(workspace, h.rita, "") == ""
    assert goal(workspace, h.dana, "") == ""
    workspace.slack.wait_for("views.open", count=2)
    response = workspace.client.view_submission(
        "log_modal",
        {"metric:calls": {"amount": {"type": "plain_text_input", "value": "4"}},
         "note": {"note": {"type": "plain_text_input", "value": NOTE}}},
        user_id=h.rita, view_id="VHOSTILE1",
    )  # fmt: skip
    assert response.status == 200 and not response.body
    goal_values = {
        "person": {"person": {"type": "users_select", "selected_user": h.rita}},
        "metric": {"metric": {"type": "static_select", "selected_option": {"value": "calls"}}},
        "target": {"target": {"type": "plain_text_input", "value": "65"}},
        "period": {"period": {"type": "static_select", "selected_option": {"value": "week"}}},
        "reason": {"reason": {"type": "plain_text_input", "value": REASON}},
    }
    response = workspace.client.view_submission(
        "goal_modal", goal_values, user_id=h.dana, view_id="VHOSTILE2"
    )
    assert response.status == 200 and not response.body, response.text
    workspace.slack.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.params.get("channel") in (h.rita, h.dana)
    )
    assert [e.note for e in workspace.entries() if e.source == "slack" and e.quantity == 4] == [
        NOTE
    ]
    found = assert_recorded_safe(workspace.slack)
    assert {m for m, _, _ in found} >= {"views.publish", "views.open", "chat.postMessage"}


def test_scheduled_posts_show_names_rewards_and_prizes_as_text(workspace, hostile):
    h = hostile
    goal(workspace, h.dana, f"set {mention(h.rita)} calls 60/week")
    goal(workspace, h.dana, f"set {mention(h.bo)} calls 60/week")
    goal(workspace, h.dana, f'each team:east demos 5/week reward "{REWARD}"')
    goal(workspace, h.dana, f'contest meetings week team:east prize "{PRIZE}"')
    log(workspace, h.rita, "calls 70 meetings 3 demos 5 mon")
    log(workspace, h.bo, "calls 2 meetings 1 tue")
    db = workspace.app.paceline.db
    with db.read() as session:
        [row] = [t for t in workspace.rows(Team) if t.name == "east"]
        east = team_rows.by_id(session, row.workspace_id, row.id)
        friday_evening = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
        messages = [
            m
            for build in BUILDERS.values()
            for m in build(session, row.workspace_id, east, friday_evening)
        ]
    assert messages
    everything = []
    for message in messages:
        assert_safe(message.text, f"{message.recipient} text")
        for kind, text in texts_of(list(message.blocks)):
            if kind == "mrkdwn":
                assert_safe(text, f"{message.recipient} blocks")
            everything.append(text)
    joined = "\n".join([m.text for m in messages] + everything)
    assert REAL_SHOWN in joined and "golf &lt;@U0EVIL4&gt; &amp; cup" in joined


# --- CRM-imported names -------------------------------------------------------------------------

PIPELINE = f"""opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
H1,"{CRM_AGENT}",GTX Pro,Acme,Won,10/20/2026,11/16/2026,1200
H2,"{CRM_AGENT_2}",GTX Pro,Acme,Won,10/20/2026,11/17/2026,800
H3,"{CRM_AGENT}",GTX Pro,Acme,Engaging,11/18/2026,,
"""
CRM_TEAMS = f"""sales_agent,manager,regional_office
"{CRM_AGENT}","{CRM_MANAGER}",Central
"{CRM_AGENT_2}","{CRM_MANAGER}",Central
"""


@pytest.fixture
def imported(workspace, hostile, tmp_path):
    (tmp_path / "pipeline.csv").write_text(PIPELINE, encoding="utf-8")
    (tmp_path / "teams.csv").write_text(CRM_TEAMS, encoding="utf-8")
    report = import_crm(
        workspace.app.paceline.db, WebClient(token="xoxb-test-token", base_url=workspace.slack.api_url),
        tmp_path / "pipeline.csv", tmp_path / "teams.csv",
        ImportOptions(workspace=workspace.team_id, tz="America/New_York"), workspace.app.clock, io.StringIO(),
    )  # fmt: skip
    assert not report.rejected, report.text()
    assert {t.name for t in workspace.rows(Team)} == {
        "east",
        "mallory",
        "central",
    }  # manager's team, office
    return "mallory"


def test_crm_imported_names_show_as_text_in_replies_and_posts(workspace, hostile, imported):
    h = hostile
    workspace.slack.clear()
    replies = {
        "goal split": goal(workspace, h.admin, f"split team:{imported} revenue 10k/week by evenly"),
        "team show": team(workspace, h.admin, f"show {imported}"),
        "progress": answer(workspace, "/progress", h.admin, f"team:{imported}"),
        "leaderboard": answer(workspace, "/leaderboard", h.admin, f"revenue team:{imported}"),
        "link unknown": team(workspace, h.admin, f'link "nobody here" {mention(h.bo)}'),
    }
    assert (
        CRM_SHOWN in replies["team show"]
        and "+Ivo &lt;@U0EVIL5&gt; &amp; Sons" in replies["team show"]
    )
    for where in ("progress", "leaderboard", "goal split", "link unknown"):
        assert CRM_SHOWN in replies[where], (where, replies[where])
    for where, text in replies.items():
        assert_safe(text, where)
    with workspace.app.paceline.db.read() as session:
        [row] = [t for t in workspace.rows(Team) if t.name == imported]
        crm_team = team_rows.by_id(session, row.workspace_id, row.id)
        digest = BUILDERS["weekly-digest"](
            session, row.workspace_id, crm_team, datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
        )
    for message in digest:
        assert_safe(message.text, "digest text")
        for kind, text in texts_of(list(message.blocks)):
            if kind == "mrkdwn":
                assert_safe(text, "digest")
    assert_recorded_safe(workspace.slack)


# --- CSV exports -----------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = (
    "Person",
    "Slack user ID",
    "Team",
    "Goal kind",
    "Metric",
    "Unit",
    "Period",
    "Status",
    "Rank",
)


def assert_no_formula_cells(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column in TEXT_COLUMNS:
            assert not row[column].startswith(FORMULA_STARTS), (column, row[column])
        for column in ("Actual", "Target", "Expected by now", "Needed per day", "Forecast"):
            assert row[column] == "" or re.fullmatch(r"-?[0-9]+(?:\.[0-9]{2})?", row[column]), (
                column,
                row[column],
            )


def test_both_csv_exports_neutralise_formula_cells_and_keep_numbers(
    workspace, hostile, imported, tmp_path
):
    h = hostile
    formula = workspace.user("=cmd|' /C calc'!A0")
    minus = workspace.user("-2+3")
    team(workspace, h.admin, "create -sales")
    team(workspace, h.admin, f"add -sales {mention(formula)} {mention(minus)}")
    log(workspace, formula, "calls 5")
    log(workspace, minus, "calls 5")  # a tie: both rank "=1", a cell a spreadsheet would compute
    goal(workspace, h.admin, "contest calls week team:-sales")
    workspace.slack.clear()
    answer(workspace, "/progress", h.admin, "export")
    workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    [upload] = workspace.slack.calls_to("files.upload_url")
    dm_rows = list(csv.DictReader(io.StringIO(upload.body.decode("utf-8-sig"))))
    # `paceline export` as an operator runs it: another process, the same database and writer.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL"))
    }
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=workspace.app.paceline.settings.database_url)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--period", "2026-11", "--workspace", workspace.team_id, "out.csv"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    cli_rows = list(
        csv.DictReader(io.StringIO((tmp_path / "out.csv").read_bytes().decode("utf-8-sig")))
    )
    for rows in (dm_rows, cli_rows):
        assert_no_formula_cells(rows)
        people = {r["Person"] for r in rows}
        assert {"'=cmd|' /C calc'!A0", "'-2+3", "'" + CRM_AGENT, "'" + CRM_AGENT_2} <= people
        assert {r["Team"] for r in rows if r["Person"] == "'-2+3"} == {"'-sales"}
        assert {r["Rank"] for r in rows if r["Goal kind"] == "contest"} == {"'=1"}
        revenue = next(
            r for r in rows if r["Person"] == "'" + CRM_AGENT and r["Metric"] == "revenue"
        )
        assert revenue["Actual"] == "1200.00"  # a number stays a number
    assert sorted(map(sorted, (r.items() for r in dm_rows))) == sorted(
        map(sorted, (r.items() for r in cli_rows))
    )


# --- forged modal submissions ------------------------------------------------------------------------


def _log_values(**fields):
    values = {
        "metric:calls": {"amount": {"type": "plain_text_input", "value": fields.get("calls", "3")}}
    }
    if "note" in fields:
        values["note"] = {"note": {"type": "plain_text_input", "value": fields["note"]}}
    if "day" in fields:
        values["day"] = {"day": {"type": "datepicker", "selected_date": fields["day"]}}
    return values


def _goal_values(**fields):
    values = {
        "person": {"person": {"type": "users_select", "selected_user": fields.get("person")}},
        "metric": {
            "metric": {
                "type": "static_select",
                "selected_option": {"value": fields.get("metric", "calls")},
            }
        },
        "target": {"target": {"type": "plain_text_input", "value": fields.get("target", "60")}},
        "period": {
            "period": {
                "type": "static_select",
                "selected_option": {"value": fields.get("period", "week")},
            }
        },
    }
    if "team" in fields:
        values["team"] = {
            "team": {"type": "static_select", "selected_option": {"value": fields["team"]}}
        }
    if "start" in fields:
        values["from"] = {"from": {"type": "datepicker", "selected_date": fields["start"]}}
    if "reason" in fields:
        values["reason"] = {"reason": {"type": "plain_text_input", "value": fields["reason"]}}
    return values


def _errors(response) -> dict[str, str]:
    assert response.status == 200, response.text
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"note": "n" * 5000}, "note", "at most 500"),
        ({"note": "x" * 501}, "note", "at most 500"),
        ({"calls": "9" * 5000}, "metric:calls", ""),
        ({"day": "2026-13-45"}, "day", ""),
        ({"day": "x" * 5000}, "day", ""),
    ],
)
def test_a_forged_log_modal_is_refused_by_field_and_stores_nothing(workspace, fields, field, says):
    maria = workspace.user("maria")
    before = workspace.snapshot()
    errors = _errors(
        workspace.client.view_submission(
            "log_modal", _log_values(**fields), user_id=maria, view_id="VFORGE1"
        )
    )
    assert field in errors and says in errors[field], errors
    assert all(len(text) <= 150 for text in errors.values())
    assert workspace.snapshot() == before and workspace.entries() == []


def test_a_forged_view_id_is_refused_and_stores_nothing(workspace):
    maria = workspace.user("maria")
    response = workspace.client.view_submission(
        "log_modal", _log_values(), user_id=maria, view_id="V" * 5000
    )
    assert _errors(response)
    assert workspace.entries() == []


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"reason": "r" * 5000}, "reason", "at most 500"),
        ({"target": "6" * 5000}, "target", ""),
        ({"metric": "m" * 5000}, "metric", "Pick a metric"),
        ({"period": "fortnight"}, "period", "Pick a period"),
        ({"start": "not-a-date"}, "from", "date"),
        ({"start": "9" * 5000}, "from", "date"),
        ({"person": "U" * 5000}, "person", ""),
        ({"person": "U1> <!channel"}, "person", ""),
        ({"person": None, "team": "9" * 5000}, "team", ""),
        ({"person": None, "team": "east"}, "team", ""),
    ],
)
def test_a_forged_goal_modal_is_refused_by_field_and_stores_nothing(
    workspace, hostile, fields, field, says
):
    h = hostile
    fields = {"person": h.rita, **fields}
    before = workspace.snapshot(), len(workspace.rows(GoalRequest))
    response = workspace.client.view_submission(
        "goal_modal", _goal_values(**fields), user_id=h.dana, view_id="VFORGE2"
    )
    errors = _errors(response)
    assert field in errors and says in errors[field], errors
    assert all(len(text) <= 150 and "<!channel>" not in text for text in errors.values())
    assert (workspace.snapshot(), len(workspace.rows(GoalRequest))) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "r" * 5000}, "reason"),
        ({"target": "6" * 5000}, "target"),
        ({"metric": "m" * 5000}, "metric"),
        ({"period": "x" * 5000}, "period"),
    ],
)
def test_a_forged_home_proposal_is_refused_by_field_and_stores_nothing(
    workspace, hostile, fields, field
):
    h = hostile
    values = _goal_values(**fields)
    del values["person"]
    before = workspace.snapshot(), len(workspace.rows(GoalRequest))
    errors = _errors(
        workspace.client.view_submission(
            "home_propose_modal", values, user_id=h.rita, view_id="VFORGE3"
        )
    )
    assert field in errors, errors
    assert (workspace.snapshot(), len(workspace.rows(GoalRequest))) == before


def test_a_note_and_reason_of_exactly_the_limit_are_stored_on_both_backends(workspace, hostile):
    h = hostile
    response = workspace.client.view_submission(
        "log_modal", _log_values(note="n" * 500), user_id=h.rita, view_id="VLIMIT1"
    )
    assert response.status == 200 and not response.body, response.text
    assert [e.note for e in workspace.entries()] == ["n" * 500]
    values = _goal_values(reason="r" * 500, target="70")
    del values["person"]
    response = workspace.client.view_submission(
        "home_propose_modal", values, user_id=h.rita, view_id="VLIMIT2"
    )
    assert response.status == 200 and not response.body, response.text
    assert [r.reason for r in workspace.rows(GoalRequest)] == ["r" * 500]
