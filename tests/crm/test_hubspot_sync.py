"""The HubSpot sync against a stand-in HubSpot over loopback HTTP (HubSpot's official client,
urllib3, JSON), on SQLite and PostgreSQL: team east's calls, meetings, emails and deals become
entries, exactly — a re-sync changes nothing, edits correct, stage changes, archives and
deletions remove, owners move entries, faults and interruptions end in the same state."""

from __future__ import annotations

import io
import json
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot import cli
from bot.config import Settings
from bot.crm import cli as crm_cli
from bot.crm import secrets
from bot.crm.connection import build_sync
from bot.crm.sync import EPOCH, LEASE
from scheduler.celebrations import CelebrationWorker
from storage import crm
from storage.db import Database
from tests.conftest import ENV_ADMIN
from tests.crm.conftest import EMAILS, OWNERS, Floor, Live

BASE = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # the data's last-modified dates start here
MARIA, BO, GUS = OWNERS["maria"], OWNERS["bo"], OWNERS["gus"]

# (type, id, properties): what east's HubSpot holds before the first sync.
DATA: list[tuple[str, str, dict[str, str]]] = [
    # 06:30 UTC on the 18th is the 17th in Los Angeles (the team's zone), the 18th in New York.
    ("calls", "1", {"hs_timestamp": "2026-11-18T06:30:00Z", "hubspot_owner_id": MARIA, "hs_call_status": "COMPLETED"}),
    ("calls", "2", {"hs_timestamp": "2026-11-19T15:00:00Z", "hubspot_owner_id": MARIA, "hs_call_status": "NO_ANSWER"}),
    ("calls", "3", {"hs_timestamp": "2026-11-19T16:00:00Z", "hubspot_owner_id": MARIA, "hs_call_status": "CANCELED"}),
    ("calls", "4", {"hs_timestamp": "2026-11-20T14:00:00Z", "hubspot_owner_id": BO, "hs_call_status": "COMPLETED"}),
    ("calls", "5", {"hs_timestamp": "2026-11-19T18:00:00Z", "hubspot_owner_id": GUS, "hs_call_status": "COMPLETED"}),
    ("meetings", "11", {"hs_timestamp": "2026-11-19T17:00:00Z", "hubspot_owner_id": MARIA,
                        "hs_meeting_outcome": "COMPLETED", "hs_activity_type": "Demo"}),
    ("meetings", "12", {"hs_timestamp": "2026-11-18T17:00:00Z", "hubspot_owner_id": BO,
                        "hs_meeting_outcome": "NO_SHOW", "hs_activity_type": "Demo"}),
    ("meetings", "13", {"hs_timestamp": "2026-11-18T18:00:00Z", "hubspot_owner_id": BO,
                        "hs_meeting_outcome": "COMPLETED", "hs_activity_type": "Discovery"}),
    ("emails", "21", {"hs_timestamp": "2026-11-19T19:00:00Z", "hubspot_owner_id": MARIA, "hs_email_direction": "EMAIL"}),
    ("emails", "22", {"hs_timestamp": "2026-11-19T19:30:00Z", "hubspot_owner_id": MARIA,
                      "hs_email_direction": "INCOMING_EMAIL"}),
    # 03:00 UTC on the 20th is 19:00 on the 19th in Los Angeles.
    ("emails", "23", {"hs_timestamp": "2026-11-20T03:00:00Z", "hubspot_owner_id": BO,
                      "hs_email_direction": "FORWARDED_EMAIL"}),
    ("deals", "31", {"dealname": "Acme", "createdate": "2026-10-05T16:00:00Z", "closedate": "2026-11-18T20:00:00Z",
                     "amount": "4500.50", "dealstage": "closedwon", "hs_is_closed_won": "true",
                     "hubspot_owner_id": MARIA}),
    ("deals", "32", {"dealname": "Globex", "createdate": "2026-11-16T16:00:00Z", "amount": "12000",
                     "dealstage": "qualifiedtobuy", "hs_is_closed_won": "false", "hubspot_owner_id": BO}),
    # Created at 07:00 UTC on 2 November: 23:00 on the 1st in Los Angeles.
    ("deals", "33", {"dealname": "Initech", "createdate": "2026-11-02T07:00:00Z", "closedate": "2026-11-19T22:00:00Z",
                     "amount": "1,200", "dealstage": "closedwon", "hs_is_closed_won": "true", "hubspot_owner_id": BO}),
    ("deals", "34", {"dealname": "Hooli", "createdate": "2026-11-03T16:00:00Z", "closedate": "2026-11-17T16:00:00Z",
                     "amount": "9000", "dealstage": "closedwon", "hs_is_closed_won": "true", "hubspot_owner_id": GUS}),
]  # fmt: skip

QUIET = "hubspot-backfill"
LIVE = "hubspot"


def d(text: str) -> date:
    return date.fromisoformat(text)


def expected(source: str = QUIET) -> list[Live]:
    """DATA's entries, worked out by hand: gus is no one here, a canceled call, a no-show and
    an email received count nothing."""
    return sorted([
        Live("hubspot:calls:1", "calls", "maria", d("2026-11-17"), 1, source),
        Live("hubspot:calls:2", "calls", "maria", d("2026-11-19"), 1, source),
        Live("hubspot:calls:4", "calls", "bo", d("2026-11-20"), 1, source),
        Live("hubspot:meetings:11", "meetings", "maria", d("2026-11-19"), 1, source),
        Live("hubspot:meetings:11", "demos", "maria", d("2026-11-19"), 1, source),
        Live("hubspot:meetings:13", "meetings", "bo", d("2026-11-18"), 1, source),
        Live("hubspot:emails:21", "emails", "maria", d("2026-11-19"), 1, source),
        Live("hubspot:emails:23", "emails", "bo", d("2026-11-19"), 1, source),
        Live("hubspot:deals:31", "opportunities", "maria", d("2026-10-05"), 1, source),
        Live("hubspot:deals:31", "deals", "maria", d("2026-11-18"), 1, source),
        Live("hubspot:deals:31", "revenue", "maria", d("2026-11-18"), 450050, source),
        Live("hubspot:deals:32", "opportunities", "bo", d("2026-11-16"), 1, source),
        Live("hubspot:deals:33", "opportunities", "bo", d("2026-11-01"), 1, source),
        Live("hubspot:deals:33", "deals", "bo", d("2026-11-19"), 1, source),
        Live("hubspot:deals:33", "revenue", "bo", d("2026-11-19"), 120000, source),
    ])  # fmt: skip


def load(floor: Floor, data: list[tuple[str, str, dict[str, str]]] = DATA) -> None:
    for n, (object_type, object_id, properties) in enumerate(data):
        floor.put(object_type, object_id, properties, modified_at=BASE + timedelta(seconds=n))


# --- helpers -------------------------------------------------------------------------------------


def crm_audits(floor: Floor) -> list:
    return floor.audits("crm.entry_corrected", "crm.entry_removed")


def live_ids(floor: Floor) -> dict[tuple[str, str], int]:
    """(external_ref, metric) → id of each live synced entry; one each, never two."""
    found: dict[tuple[str, str], int] = {}
    for e in floor.entries(live_only=True):
        if e.external_ref:
            key = (e.external_ref, e.metric)
            assert key not in found, f"two live entries for {key}"
            found[key] = e.id
    return found


def counts(report) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return report.added, report.corrected, report.removed


def settle(floor: Floor, worker: CelebrationWorker) -> list[dict]:
    """The live-wins worker's batching minute passes; what is due is delivered; the team
    channel's posts."""
    worker.tick()
    floor.clock.advance(timedelta(seconds=61))
    worker.tick()
    floor.deliver()
    return floor.workspace.slack.messages_in(floor.channel)


# --- 1. the first sync ----------------------------------------------------------------------------


def test_first_sync_makes_the_entries_and_the_figures_show_them(floor: Floor):
    load(floor)
    report = floor.sync()
    assert (report.error, report.skipped, report.backfill) == (None, None, True)
    assert (
        report.read,
        report.changed_objects,
        report.added,
        report.corrected,
        report.removed,
    ) == (15, 15, 15, 0, 0)
    assert report.owners == 3 and report.unmatched == ["Gus Ghost <gus@east.example> (owner 103)"]
    assert floor.live() == expected()
    # Entered by the hubspot bot person, in a batch per object, nothing deleted.
    bot = floor.person_id("hubspot")
    assert {(e.entered_by_id, e.kind, e.deleted_at) for e in floor.entries()} == {
        (bot, "log", None)
    }
    assert {e.batch_id for e in floor.entries() if e.external_ref == "hubspot:deals:31"} == {
        "hs-deals-31"
    }
    records = {(r.object_type, r.object_id): r for r in floor.records()}
    assert len(records) == 15 and not any(r.archived for r in records.values())
    # What people see reads them like typed entries.
    assert floor.workspace.log(floor.maria, "list") == (
        "*Your entries (most recent)*, newest first:\n"
        "• Thu 19 Nov · 1 email · from HubSpot\n"
        "• Thu 19 Nov · 1 demo · from HubSpot\n"
        "• Thu 19 Nov · 1 meeting · from HubSpot\n"
        "• Thu 19 Nov · 1 call · from HubSpot\n"
        "• Wed 18 Nov · $4,500.50 revenue · from HubSpot\n"
        "• Wed 18 Nov · 1 deal · from HubSpot\n"
        "• Tue 17 Nov · 1 call · from HubSpot\n"
        "• Mon 5 Oct · 1 opportunity · from HubSpot"
    )
    assert (
        "No goals in this period. Logged: 2 calls · 1 email · 1 meeting · 1 demo · 1 deal · $4,500.50 revenue."
        in (floor.workspace.reply("/progress", floor.maria, "week"))
    )
    assert floor.workspace.reply("/leaderboard", floor.dana, "calls week").splitlines()[1:] == [
        "`  1`  maria — 2 calls",
        "`  2`  bo — 1 call",
    ]
    assert floor.workspace.reply("/leaderboard", floor.dana, "revenue week").splitlines()[1:] == [
        "`  1`  maria — $4,500.50 revenue",
        "`  2`  bo — $1,200 revenue",
    ]


# --- 2. a re-sync ---------------------------------------------------------------------------------


def test_a_resync_changes_nothing(floor: Floor):
    load(floor)
    floor.sync()
    before = floor.snapshot()
    incremental = floor.sync()
    assert (
        incremental.error,
        incremental.backfill,
        incremental.read,
        incremental.changed_objects,
    ) == (None, False, 0, 0)
    assert counts(incremental) == (0, 0, 0)
    again = floor.sync(since=datetime(2026, 1, 1, tzinfo=UTC))  # everything read again
    assert (again.backfill, again.read, again.changed_objects, counts(again)) == (
        True,
        15,
        0,
        (0, 0, 0),
    )
    # Every object touched in HubSpot (a new last-modified date, the same facts).
    for object_type, object_id, properties in DATA:
        floor.put(object_type, object_id, properties)
    touched = floor.sync()
    assert (touched.backfill, touched.read, touched.changed_objects, counts(touched)) == (
        False,
        15,
        0,
        (0, 0, 0),
    )
    after = floor.snapshot()
    assert after[:3] == before[:3] and after[4] == before[4]  # entries, audit, records, mapping
    assert floor.live() == expected()
    assert crm_audits(floor) == []


# --- 3. edits, stage changes, archives and deletions ---------------------------------------------


def test_an_amount_edited_in_hubspot_corrects_the_entry_in_place(floor: Floor):
    load(floor)
    floor.sync()
    ids = live_ids(floor)
    floor.put("deals", "31", {"amount": "5,200.00"})
    report = floor.sync()
    assert (report.error, report.read, report.changed_objects, counts(report)) == (
        None,
        1,
        1,
        (0, 1, 0),
    )
    assert live_ids(floor) == ids  # the same rows
    [revenue] = [e for e in floor.entries() if e.id == ids[("hubspot:deals:31", "revenue")]]
    assert (revenue.quantity, revenue.day, revenue.person_id, revenue.deleted_at) == (
        520000,
        d("2026-11-18"),
        floor.person_id("maria"),
        None,
    )
    assert floor.totals()[("maria", "revenue")] == 520000
    [audit] = crm_audits(floor)
    assert (audit.action, audit.subject_type, audit.subject_id, audit.actor_id) == (
        "crm.entry_corrected",
        "entry",
        revenue.id,
        floor.person_id("hubspot"),
    )
    assert audit.reason == "HubSpot deal 31 changed"
    maria = floor.person_id("maria")
    assert json.loads(audit.before) == {
        "person_id": maria,
        "metric": "revenue",
        "day": "2026-11-18",
        "quantity": 450050,
    }
    assert json.loads(audit.after) == {
        "person_id": maria,
        "metric": "revenue",
        "day": "2026-11-18",
        "quantity": 520000,
    }
    # The close date moved: deals and revenue move to the new day.
    floor.put("deals", "31", {"closedate": "2026-11-20T18:00:00Z"})
    assert counts(floor.sync()) == (0, 2, 0)
    assert [(x.metric, x.day, x.quantity) for x in floor.live() if x.ref == "hubspot:deals:31"] == [
        ("deals", d("2026-11-20"), 1), ("opportunities", d("2026-10-05"), 1), ("revenue", d("2026-11-20"), 520000)
    ]  # fmt: skip
    assert live_ids(floor) == ids


def test_a_deal_leaving_closed_won_loses_its_deal_and_revenue_and_coming_back_gets_them_again(
    floor: Floor,
):
    load(floor)
    floor.sync()
    ids = live_ids(floor)
    floor.put("deals", "33", {"dealstage": "closedlost", "hs_is_closed_won": "false"})
    lost = floor.sync()
    assert counts(lost) == (0, 0, 2)
    assert [(x.metric, x.day, x.quantity) for x in floor.live() if x.ref == "hubspot:deals:33"] == [
        ("opportunities", d("2026-11-01"), 1)
    ]
    assert floor.live() == [
        x for x in expected() if not (x.ref == "hubspot:deals:33" and x.metric != "opportunities")
    ]
    removed = crm_audits(floor)
    assert sorted((a.action, a.subject_id, a.actor_id, a.reason) for a in removed) == sorted(
        (
            "crm.entry_removed",
            ids[("hubspot:deals:33", metric)],
            floor.person_id("hubspot"),
            "HubSpot deal 33 no longer counts",
        )
        for metric in ("deals", "revenue")
    )
    gone = {e.id: e for e in floor.entries() if e.deleted_at is not None}
    assert set(gone) == {ids[("hubspot:deals:33", "deals")], ids[("hubspot:deals:33", "revenue")]}
    assert {e.deleted_by_id for e in gone.values()} == {floor.person_id("hubspot")}
    assert (floor.totals().get(("bo", "deals")), floor.totals().get(("bo", "revenue"))) == (
        None,
        None,
    )
    # Won again: the deal and its revenue are back (new entries, synced as they happen).
    floor.put("deals", "33", {"dealstage": "closedwon", "hs_is_closed_won": "true"})
    won = floor.sync()
    assert counts(won) == (2, 0, 0)
    back = [x for x in floor.live() if x.ref == "hubspot:deals:33"]
    assert back == [
        Live("hubspot:deals:33", "deals", "bo", d("2026-11-19"), 1, LIVE),
        Live("hubspot:deals:33", "opportunities", "bo", d("2026-11-01"), 1, QUIET),
        Live("hubspot:deals:33", "revenue", "bo", d("2026-11-19"), 120000, LIVE),
    ]
    assert (floor.totals()[("bo", "deals")], floor.totals()[("bo", "revenue")]) == (1, 120000)
    assert len(crm_audits(floor)) == 2
    assert counts(floor.sync()) == (0, 0, 0)


def test_an_archived_call_and_a_deleted_meeting_lose_their_entries(floor: Floor):
    load(floor)
    floor.sync()
    ids = live_ids(floor)
    floor.hubspot.archive("calls", "1")
    floor.hubspot.archive("meetings", "11")  # deleting in HubSpot archives it
    report = floor.sync()
    assert (report.error, counts(report)) == (None, (0, 0, 3))
    gone = {
        ("hubspot:calls:1", "calls"),
        ("hubspot:meetings:11", "meetings"),
        ("hubspot:meetings:11", "demos"),
    }
    assert floor.live() == [x for x in expected() if (x.ref, x.metric) not in gone]
    assert sorted((a.action, a.subject_id, a.reason) for a in crm_audits(floor)) == sorted([
        ("crm.entry_removed", ids[("hubspot:calls:1", "calls")], "HubSpot call 1 archived"),
        ("crm.entry_removed", ids[("hubspot:meetings:11", "meetings")], "HubSpot meeting 11 archived"),
        ("crm.entry_removed", ids[("hubspot:meetings:11", "demos")], "HubSpot meeting 11 archived"),
    ])  # fmt: skip
    assert {a.actor_id for a in crm_audits(floor)} == {floor.person_id("hubspot")}
    records = {(r.object_type, r.object_id): r.archived for r in floor.records()}
    assert records[("calls", "1")] and records[("meetings", "11")] and sum(records.values()) == 2
    assert (floor.totals()[("maria", "calls")], floor.totals().get(("maria", "demos"))) == (1, None)
    # Archived ones are listed again each run: nothing more happens; gone for good, neither.
    assert counts(floor.sync()) == (0, 0, 0)
    floor.hubspot.purge("meetings", "11")
    assert counts(floor.sync()) == (0, 0, 0)
    # Restored in HubSpot: the call counts again.
    floor.put("calls", "1", {})
    restored = floor.sync()
    assert counts(restored) == (1, 0, 0)
    assert [x for x in floor.live() if x.ref == "hubspot:calls:1"] == [
        Live("hubspot:calls:1", "calls", "maria", d("2026-11-17"), 1, LIVE)
    ]
    assert len(crm_audits(floor)) == 3


def test_an_object_archived_before_its_first_sync_makes_nothing(floor: Floor):
    load(floor)
    floor.hubspot.archive("calls", "2")
    report = floor.sync()
    assert counts(report) == (14, 0, 0)
    assert floor.live() == [x for x in expected() if x.ref != "hubspot:calls:2"]
    assert ("calls", "2") not in {(r.object_type, r.object_id) for r in floor.records()}


# --- 4. owners ------------------------------------------------------------------------------------


def test_an_owner_change_moves_the_entries(floor: Floor):
    load(floor)
    floor.sync()
    ids = live_ids(floor)
    before = floor.totals()
    floor.put("deals", "31", {"hubspot_owner_id": BO})
    floor.put("calls", "2", {"hubspot_owner_id": BO})
    report = floor.sync()
    assert (report.error, counts(report)) == (None, (0, 4, 0))
    assert live_ids(floor) == ids  # the same entries, now bo's
    after = floor.totals()
    assert after[("maria", "calls")] == before[("maria", "calls")] - 1 == 1
    assert after[("bo", "calls")] == before[("bo", "calls")] + 1 == 2
    assert (
        ("maria", "revenue") not in after
        and ("maria", "deals") not in after
        and ("maria", "opportunities") not in after
    )
    assert (after[("bo", "revenue")], after[("bo", "deals")], after[("bo", "opportunities")]) == (
        570050,
        2,
        3,
    )
    maria, bo = floor.person_id("maria"), floor.person_id("bo")
    moved = crm_audits(floor)
    assert {
        (json.loads(a.before)["person_id"], json.loads(a.after)["person_id"]) for a in moved
    } == {(maria, bo)}
    assert sorted(a.subject_id for a in moved) == sorted(
        [ids[("hubspot:calls:2", "calls")]]
        + [ids[("hubspot:deals:31", m)] for m in ("opportunities", "deals", "revenue")]
    )
    # To an owner who is nobody here: the entries go.
    floor.put("calls", "2", {"hubspot_owner_id": GUS})
    gone = floor.sync()
    assert counts(gone) == (0, 0, 1)
    assert crm_audits(floor)[-1].reason == "HubSpot call 2 has no matched owner"
    assert floor.totals()[("bo", "calls")] == 1


# --- 5. unmatched owners --------------------------------------------------------------------------


def status_text(floor: Floor) -> str:
    out = io.StringIO()
    assert crm_cli.status(floor.settings, floor.db, floor.clock, floor.workspace.team_id, out) == 0
    return out.getvalue()


def test_unmatched_owners_are_listed_told_to_admins_once_and_matched_later(floor: Floor):
    floor.hubspot.add_owner("105", None, "Maria", "Lopez")  # no email: matched by her name
    load(floor)
    floor.put("calls", "6", {"hs_timestamp": "2026-11-19T20:00:00Z", "hubspot_owner_id": "105"},
              modified_at=BASE + timedelta(minutes=5))  # fmt: skip
    report = floor.sync()
    gus = "Gus Ghost <gus@east.example> (owner 103)"
    assert (report.owners, report.unmatched) == (4, [gus])
    with floor.db.read() as session:
        matched = {
            o.owner_id: o.matched_by for o in crm.owners(session, floor.workspace_id, "hubspot")
        }
    assert matched == {"101": "email", "102": "email", "103": None, "105": "name"}
    assert floor.live() == sorted(
        [*expected(), Live("hubspot:calls:6", "calls", "maria", d("2026-11-19"), 1, QUIET)]
    )
    text = status_text(floor)
    assert "Owners: 3 matched, 1 unmatched\n  unmatched: " + gus + "\n" in text
    assert "Link one with /team link" in text
    # One DM to each admin: the Slack admin and the installation's.
    notices = floor.notices()
    assert sorted(n.recipient for n in notices) == sorted([floor.admin, ENV_ADMIN])
    assert {n.team_id for n in notices} == {None}
    for notice in notices:
        assert (
            "1 HubSpot owner matched nobody in Slack" in notice.payload
            and "Gus Ghost &lt;gus@east.example&gt;" in notice.payload
        )
    floor.sync()
    assert len(floor.notices()) == 2  # told once
    assert not [x for x in floor.live() if x.ref in ("hubspot:calls:5", "hubspot:deals:34")]
    assert {("calls", "5"), ("deals", "34")} <= {
        (r.object_type, r.object_id) for r in floor.records()
    }
    # Gus joins Slack and uses Paceline: the next sync matches him and his entries appear.
    gus_id = floor.workspace.user("gus", real_name="Gus Ghost", email=EMAILS["gus"])
    floor.workspace.log(gus_id, "list")
    matched_now = floor.sync()
    assert (matched_now.error, matched_now.unmatched) == (None, [])
    assert [x for x in floor.live() if x.person == "gus"] == [
        Live("hubspot:calls:5", "calls", "gus", d("2026-11-19"), 1, QUIET),
        Live("hubspot:deals:34", "deals", "gus", d("2026-11-17"), 1, QUIET),
        Live("hubspot:deals:34", "opportunities", "gus", d("2026-11-03"), 1, QUIET),
        Live("hubspot:deals:34", "revenue", "gus", d("2026-11-17"), 900000, QUIET),
    ]
    assert "Owners: 4 matched, 0 unmatched\n" in status_text(floor)
    assert len(floor.notices()) == 2
    assert counts(floor.sync()) == (0, 0, 0)


# --- 6, 7. rate limits and HubSpot's failures ---------------------------------------------------


def test_a_429_waits_for_retry_after_and_the_sync_ends_as_without_it(floor: Floor):
    load(floor)
    floor.hubspot.fail_next(429, path_contains="/calls/search", headers={"Retry-After": "7"})
    report = floor.sync()
    assert report.error is None and floor.sleeps == [7.0]
    assert floor.live() == expected()
    assert [r.status for r in floor.hubspot.search_requests("calls")] == [429, 200]


def test_one_500_is_retried_after_a_second(floor: Floor):
    load(floor)
    floor.hubspot.fail_next(500, path_contains="/deals/search")
    report = floor.sync()
    assert report.error is None and floor.sleeps == [1.0]
    assert floor.live() == expected()


def test_hubspot_failing_stops_the_sync_at_the_last_page_written_and_the_next_run_ends_as_one_clean_sync(
    floor: Floor, monkeypatch
):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    load(floor)
    deals_searches: list[int] = []

    def fail_from_the_second_page_of_deals(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search and request.object_type == "deals":
            deals_searches.append(1)
            if len(deals_searches) == 2:
                floor.hubspot.fail_next(500, count=1000, path_contains="/deals/search")

    floor.hubspot.on_request = fail_from_the_second_page_of_deals
    report = floor.sync()
    assert report.error == "HubSpot failed reading deals (HTTP 500, 4 tries)."
    assert floor.sleeps == [1.0, 2.0, 4.0]
    # Calls, meetings, emails and the first page of deals (31 and 32) are in; 33 is not.
    assert floor.live() == [x for x in expected() if x.ref != "hubspot:deals:33"]
    connection = floor.connection()
    cursors = json.loads(connection.cursors)
    deal_31_32 = (BASE + timedelta(seconds=12)).isoformat()
    assert deal_31_32 in cursors.values()
    assert all(v == deal_31_32 for k, v in cursors.items() if k.startswith("deals"))
    assert connection.last_error == report.error and connection.last_sync_at is None
    text = status_text(floor)
    assert "problem 2026-11-20 15:01 UTC: HubSpot failed reading deals (HTTP 500, 4 tries)." in text
    assert (
        ", deals 2026-11-20 10:00:12 UTC (backfill under way), emails 2026-11-20 15:01:00 UTC,"
        in text
    )
    floor.hubspot.on_request = None
    floor.hubspot.clear_faults()
    again = floor.sync()
    assert again.error is None and again.backfill
    assert floor.live() == expected()
    assert len(floor.entries()) == 15 and crm_audits(floor) == []
    connection = floor.connection()
    assert connection.last_error is None and connection.last_sync_at == floor.clock.now()
    assert json.loads(connection.cursors) == {
        t: floor.clock.now().isoformat() for t in ("calls", "meetings", "emails", "deals")
    }


# --- 8. the search endpoint's cap -----------------------------------------------------------------


def test_windows_holding_more_than_the_search_cap_are_split(floor: Floor, monkeypatch):
    cap = 50
    monkeypatch.setattr("bot.crm.sync.SEARCH_CAP", cap)
    monkeypatch.setattr("bot.crm.hubspot.SEARCH_CAP", cap)
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 20)
    floor.hubspot.search_cap = cap
    rows = [
        (str(n), {"hs_timestamp": f"2026-11-{16 + n % 5}T17:00:00Z", "hubspot_owner_id": MARIA if n % 3 else BO,
                  "hs_call_status": "COMPLETED"}, BASE - timedelta(hours=3) + timedelta(seconds=37 * n))
        for n in range(1, 181)
    ]  # fmt: skip
    assert floor.hubspot.put_many("calls", rows) == 180
    report = floor.sync()
    assert (report.error, report.read, report.added) == (None, 180, 180)
    searches = floor.hubspot.search_requests("calls")
    assert {r.status for r in searches} == {200}
    assert all(int((r.json or {}).get("after") or 0) < cap for r in searches)
    windows = {tuple(f["value"] for f in r.json["filterGroups"][0]["filters"]) for r in searches}
    assert (
        len(windows) > 4 and len(searches) > 180 // 20
    )  # windows were split; pages followed within them
    entries = [e for e in floor.entries() if e.metric == "calls"]
    assert sorted(e.external_ref for e in entries) == sorted(
        f"hubspot:calls:{n}" for n in range(1, 181)
    )
    assert floor.totals()[("maria", "calls")] == sum(1 for n in range(1, 181) if n % 3)
    assert floor.totals()[("bo", "calls")] == sum(1 for n in range(1, 181) if not n % 3)
    per_day = {}
    for e in entries:
        per_day[e.day] = per_day.get(e.day, 0) + 1
    # 17:00 UTC is 09:00 in Los Angeles: the day HubSpot says.
    assert per_day == {date(2026, 11, 16 + k): 36 for k in range(5)}
    assert counts(floor.sync(since=datetime(2026, 1, 1, tzinfo=UTC))) == (0, 0, 0)


# --- 9. killed and run again ------------------------------------------------------------------


class Killed(BaseException):
    """The process dying: nothing after it runs (the page's transaction rolls back)."""


# Pages of two: calls 1-2, 3-4, 5, the calls cursor; meetings 11-12, 13, cursor; emails 21-23
# (22 is archived), cursor; deals 31-32, 33-34, cursor. Killed at the Nth cursor write, with the
# entries of the pages before it.
@pytest.mark.parametrize(
    ("kill_at", "entries_before"), [(1, 0), (2, 2), (4, 3), (6, 5), (9, 8), (11, 12), (12, 15)]
)
def test_a_sync_killed_mid_page_and_run_again_ends_as_one_clean_sync(
    floor: Floor, monkeypatch, kill_at: int, entries_before: int
):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    load(floor)
    floor.hubspot.archive("emails", "22")  # the archived list is read too
    saves: list[int] = []

    def dying(real):  # type: ignore[no-untyped-def]
        def save(*args, **kwargs):  # type: ignore[no-untyped-def]
            saves.append(1)
            if len(saves) == kill_at:
                raise Killed  # mid-page: its entries and records are written, its cursor not yet
            return real(*args, **kwargs)

        return save

    # A killed process neither records the end of its run nor gives its lock back. A page's
    # cursor is saved with its lease (save_page), a finished type's with save_cursors.
    monkeypatch.setattr(crm, "save_cursors", dying(crm.save_cursors))
    monkeypatch.setattr(crm, "save_page", dying(crm.save_page))
    monkeypatch.setattr(crm, "finish", lambda *a, **k: None)
    monkeypatch.setattr(crm, "release_lock", lambda *a, **k: None)
    with pytest.raises(Killed):
        floor.sync(instance="killed")
    monkeypatch.undo()
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    assert len(floor.live()) == len(floor.entries()) == entries_before
    # The restarted process is another instance: it waits for the dead one's lease.
    assert floor.sync(instance="restarted").skipped == "another instance is syncing this workspace."
    floor.clock.advance(LEASE)
    report = floor.sync(instance="restarted")
    assert (report.error, report.skipped, report.backfill) == (None, None, True)
    assert floor.live() == expected()
    assert len(floor.entries()) == 15 and crm_audits(floor) == []  # nothing twice, nothing removed
    connection = floor.connection()
    assert (connection.lock_owner, connection.last_error, connection.last_sync_at) == (
        None,
        None,
        floor.clock.now(),
    )
    assert json.loads(connection.cursors) == {
        t: floor.clock.now().isoformat() for t in ("calls", "meetings", "emails", "deals")
    }
    assert counts(floor.sync()) == (0, 0, 0)


def test_a_connection_dropped_mid_backfill_and_run_again_ends_as_one_clean_sync(
    floor: Floor, monkeypatch
):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    load(floor)
    searches: list[int] = []

    def drop_from_the_fifth_search(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search:
            searches.append(1)
            if len(searches) >= 5:
                raise ConnectionAbortedError("killed")  # the stand-in closes it with no answer

    floor.hubspot.on_request = drop_from_the_fifth_search
    report = floor.sync()
    assert report.error is not None and report.error.startswith("HubSpot failed reading meetings (")
    assert report.error.endswith(", 4 tries).") and floor.sleeps == [1.0, 2.0, 4.0]
    # Three pages of calls and one of meetings (11, 12) made it.
    assert floor.live() == [
        x for x in expected() if x.ref.startswith(("hubspot:calls:", "hubspot:meetings:11"))
    ]
    floor.hubspot.on_request = None
    again = floor.sync()
    assert (again.error, again.backfill) == (None, True)
    assert floor.live() == expected()
    assert len(floor.entries()) == 15 and crm_audits(floor) == []


# --- 10. two instances ----------------------------------------------------------------------------

DEADLINE = 30.0  # seconds a test waits for another thread at most


def test_two_instances_at_once_one_syncs_and_nothing_is_doubled(floor: Floor):
    load(floor)
    inside, release = threading.Event(), threading.Event()

    def hold_the_first_search(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search and not inside.is_set():
            inside.set()
            release.wait(DEADLINE)

    floor.hubspot.on_request = hold_the_first_search
    reports: dict[str, object] = {}
    first = threading.Thread(
        target=lambda: reports.setdefault("a", floor.sync(instance="instance-a"))
    )
    first.start()
    try:
        assert inside.wait(DEADLINE), "the first sync never reached HubSpot's search"
        other = floor.syncer("instance-b").sync(floor.workspace_id)
        assert (other.skipped, other.read, other.added) == (
            "another instance is syncing this workspace.",
            0,
            0,
        )
        assert floor.connection().lock_owner == "instance-a"
    finally:
        release.set()
        first.join(DEADLINE)
    assert not first.is_alive()
    report = reports["a"]
    assert (report.error, report.added) == (None, 15)  # type: ignore[attr-defined]
    assert floor.live() == expected() and len(floor.entries()) == 15
    assert floor.connection().lock_owner is None
    after = floor.sync(instance="instance-b")
    assert (after.skipped, counts(after)) == (None, (0, 0, 0))


def test_two_instances_starting_together_with_their_own_connections_one_syncs(
    floor: Floor, database_url: str
):
    """Two processes (each its own engine) start the same workspace's sync at once: the lock's
    conditional UPDATE picks one; the winner's searches wait until the other has given up."""
    load(floor)
    gave_up = threading.Event()
    floor.hubspot.on_request = lambda request: gave_up.wait(DEADLINE) if request.is_search else None
    barrier = threading.Barrier(2)
    reports: list = []
    databases = [Database(database_url) for _ in range(2)]

    def run(db: Database, name: str) -> None:
        syncer = build_sync(
            floor.settings, db, floor.clock, sleep=floor.sleeps.append, instance=name
        )
        barrier.wait(DEADLINE)
        report = syncer.sync(floor.workspace_id)
        reports.append(report)
        if report.skipped:
            gave_up.set()

    floor.clock.advance(timedelta(minutes=1))
    threads = [
        threading.Thread(target=run, args=(db, f"process-{n}")) for n, db in enumerate(databases)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE)
    finally:
        gave_up.set()
        for thread in threads:
            thread.join(DEADLINE)
        for db in databases:
            db.dispose()
    assert not any(t.is_alive() for t in threads)
    assert sorted((r.skipped or "", r.error, r.added) for r in reports) == [
        ("", None, 15), ("another instance is syncing this workspace.", None, 0)
    ]  # fmt: skip
    assert floor.live() == expected() and len(floor.entries()) == 15


def test_a_dead_instances_lock_expires_after_its_lease(floor: Floor):
    load(floor)
    with floor.db.write() as session:
        assert crm.take_lock(
            session, floor.connection_id, "dead-host:4242", floor.clock.now(), LEASE
        )
    assert floor.sync().skipped == "another instance is syncing this workspace."  # a minute later
    floor.clock.advance(LEASE - timedelta(minutes=1, seconds=1))
    assert floor.sync(advance=False).skipped == "another instance is syncing this workspace."
    assert floor.live() == []
    floor.clock.advance(timedelta(seconds=2))
    report = floor.sync(advance=False)
    assert (report.skipped, report.error, report.added) == (None, None, 15)
    assert floor.live() == expected()
    connection = floor.connection()
    assert (connection.lock_owner, connection.lock_until) == (None, None)


# --- 11. a refused token --------------------------------------------------------------------------


def test_a_token_hubspot_refuses_changes_nothing_and_admins_are_told(floor: Floor):
    load(floor)
    floor.sync()
    notices = len(floor.notices())
    floor.put(
        "deals",
        "32",
        {"dealstage": "closedwon", "hs_is_closed_won": "true", "closedate": "2026-11-20T14:00:00Z"},
    )
    before = floor.snapshot()
    floor.hubspot.set_token("pat-na1-rotated")
    report = floor.sync()
    refused = "HubSpot refused the access token (401) while reading owners: check the private app's token and its scopes."
    assert report.error == refused and counts(report) == (0, 0, 0)
    assert floor.snapshot() == before  # entries, audit, records, cursors, mapping
    connection = floor.connection()
    assert (connection.last_error, connection.last_error_at) == (refused, floor.clock.now())
    assert connection.lock_owner is None
    told = floor.notices()[notices:]
    assert sorted(n.recipient for n in told) == sorted([floor.admin, ENV_ADMIN])
    for notice in told:
        text = json.loads(notice.payload)["text"]
        assert text.startswith(
            ":warning: HubSpot sync stopped: " + refused + " Nothing was changed."
        )
        assert "pat-na1" not in notice.payload
    assert f"problem 2026-11-20 {floor.clock.now():%H:%M} UTC: {refused}" in status_text(floor)
    assert floor.sync().error == refused and len(floor.notices()) == notices + 2  # once a day
    # A good token again: the sync goes on from where it stopped.
    floor.hubspot.set_token(floor.settings.hubspot_access_token or "")
    fixed = floor.sync()
    assert (fixed.error, counts(fixed)) == (None, (2, 0, 0))
    assert [x for x in floor.live() if x.ref == "hubspot:deals:32"] == [
        Live("hubspot:deals:32", "deals", "bo", d("2026-11-20"), 1, LIVE),
        Live("hubspot:deals:32", "opportunities", "bo", d("2026-11-16"), 1, QUIET),
        Live("hubspot:deals:32", "revenue", "bo", d("2026-11-20"), 1200000, LIVE),
    ]
    assert floor.connection().last_error is None and "problem" not in status_text(floor)


# --- 12. live wins --------------------------------------------------------------------------------


def texts(posts: list[dict]) -> list[str]:
    return [p["text"] for p in posts]


def any_hour(floor: Floor) -> None:
    """It is 07:00 in Los Angeles: before the team's hours, a post would wait for 08:00."""
    assert floor.workspace.team(floor.admin, "set east hours any").startswith("Team *east*")


def test_a_backfill_never_celebrates_and_a_deal_won_later_is_celebrated_once(
    floor: Floor, wins: CelebrationWorker
):
    any_hour(floor)
    wins.tick()  # the worker has looked once: what follows is new to it
    load(floor)  # deals 31 and 33 closed this week
    assert floor.sync().backfill
    assert settle(floor, wins) == []
    floor.put(
        "deals",
        "32",
        {"dealstage": "closedwon", "hs_is_closed_won": "true", "closedate": "2026-11-20T15:30:00Z"},
    )
    report = floor.sync()
    assert (report.backfill, counts(report)) == (False, (2, 0, 0))
    wins.tick()
    wins.tick()
    assert counts(floor.sync()) == (0, 0, 0)
    assert texts(settle(floor, wins)) == ["🎉 bo closed $12,000"]
    wins.tick()
    assert counts(floor.sync()) == (0, 0, 0)
    assert texts(settle(floor, wins)) == ["🎉 bo closed $12,000"]


def test_a_backfill_killed_part_way_and_run_again_still_never_celebrates(
    floor: Floor, wins: CelebrationWorker, monkeypatch
):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    any_hour(floor)
    wins.tick()
    load(floor)
    deals: list[int] = []

    def stop_at_the_second_page_of_deals(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search and request.object_type == "deals":
            deals.append(1)
            if len(deals) == 2:
                floor.hubspot.fail_next(503, count=4, path_contains="/deals/search")

    floor.hubspot.on_request = stop_at_the_second_page_of_deals
    assert floor.sync().error == "HubSpot failed reading deals (HTTP 503, 4 tries)."
    assert settle(floor, wins) == []
    report = floor.sync()  # deal 33, closed this week, comes in now: history still
    assert (report.error, report.backfill, report.added) == (None, True, 3)
    assert floor.live() == expected()
    assert settle(floor, wins) == []


# --- 13. the command line -------------------------------------------------------------------------


@pytest.fixture
def cli_env(floor: Floor, database_url: str, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """`paceline crm …` run in-process: the running app's database, the stand-in HubSpot, a
    secret key, no .env (an empty directory) and no other Paceline settings."""
    for name in ("HUBSPOT_ACCESS_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                 "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PACELINE_ADMINS", "SLACK_API_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    key = secrets.new_key()
    monkeypatch.setenv("PACELINE_SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HUBSPOT_API_URL", floor.hubspot.base_url)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return cli.main(["crm", *argv])

    return SimpleNamespace(key=key, run=run)


def test_the_command_line_connects_syncs_shows_and_disconnects_without_ever_showing_the_token(
    floor: Floor, cli_env, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    token = floor.hubspot.token
    team = floor.workspace.team_id
    load(floor)
    # A token HubSpot refuses: nothing is stored.
    assert cli_env.run("connect", "hubspot", "--workspace", team, stdin="pat-na1-wrong\n") == 2
    err = capsys.readouterr().err
    assert "Not connected: HubSpot refused the access token (401) while reading owners" in err
    assert "Example: `paceline crm connect hubspot --workspace T0123ABCD < token.txt`" in err
    assert floor.connection().token_encrypted is None
    # The right one: stored encrypted.
    assert cli_env.run("connect", "hubspot", "--workspace", team, stdin=token + "\n") == 0
    out = capsys.readouterr().out
    assert out.startswith("Connected to HubSpot (3 owners; token stored encrypted).")
    stored = floor.connection().token_encrypted
    assert stored and token not in stored and secrets.decrypt(stored, (cli_env.key,)) == token
    # A sync from the command line uses it (the stand-in takes no other).
    assert cli_env.run("sync", "--workspace", team, "--since", "2026-01-01", "--progress") == 0
    captured = capsys.readouterr()
    assert captured.out == (
        "Backfill: 15 objects read, 15 new or changed; entries 15 added, 0 corrected, 0 removed; 3 owners, 1 unmatched.\n"
        "Unmatched owners (1): Gus Ghost <gus@east.example> (owner 103)\n"
    )
    assert f"deals     [{'#' * 30}] 4/4" in captured.err
    assert floor.live() == expected()
    assert cli_env.run("status", "--workspace", team) == 0
    status = capsys.readouterr().out
    assert status.startswith("HubSpot: connected (token: stored encrypted)\nLast sync: ")
    lines = status.splitlines()
    assert "Objects: 5 calls, 4 deals, 3 emails, 3 meetings" in lines
    assert (
        "Entries from HubSpot: 3 calls, 2 deals, 1 demos, 2 emails, 2 meetings, 3 opportunities, 2 revenue"
        in lines
    )
    assert lines[-3:] == [
        "Owners: 2 matched, 1 unmatched",
        "  unmatched: Gus Ghost <gus@east.example> (owner 103)",
        '  Link one with /team link "Full Name" @person in Slack.',
    ]
    assert "  unmatched: Gus Ghost <gus@east.example> (owner 103)" in status
    # A date that is no date.
    assert cli_env.run("sync", "--workspace", team, "--since", "2026-13-01") == 2
    err = capsys.readouterr().err
    assert (
        err
        == '"2026-13-01" is not a date: write it as YYYY-MM-DD.\nExample: `paceline crm sync --since 2026-01-01`\n'
    )
    # Disconnected: the token is forgotten, syncing stops, the entries stay.
    assert cli_env.run("disconnect", "hubspot", "--workspace", team) == 0
    assert capsys.readouterr().out.startswith("Disconnected from HubSpot: the token is forgotten")
    connection = floor.connection()
    assert (connection.active, connection.token_encrypted) == (False, None)
    assert cli_env.run("sync", "--workspace", team) == 1
    assert capsys.readouterr().out == "Skipped: HubSpot is not connected for this workspace.\n"
    assert floor.live() == expected()
    everything = capsys.readouterr()
    assert token not in caplog.text and token not in everything.out + everything.err
    assert all(token not in str(record.args) for record in caplog.records)


# --- what HubSpot does while a sync pages -------------------------------------------------------


def test_an_object_edited_while_the_sync_pages_shifts_no_other_out_of_reach(
    floor: Floor, monkeypatch
):
    """The search pages by offset over objects sorted by last-modified date: one edited
    between two pages leaves the window (its new date is after the run began), and every later
    one moves up a place. A next page by offset would skip one for good."""
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    calls = [
        ("calls", str(n), {"hs_timestamp": f"2026-11-{10 + n}T17:00:00Z", "hubspot_owner_id": MARIA, "hs_call_status": "COMPLETED"})
        for n in range(1, 7)
    ]  # fmt: skip
    for n, (object_type, object_id, properties) in enumerate(calls):
        floor.put(object_type, object_id, properties, modified_at=BASE + timedelta(minutes=10 * n))
    searches: list[int] = []

    def edit_call_1_after_the_first_page(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search:
            searches.append(1)
            if len(searches) == 2:
                floor.put(
                    "calls", "1", {"hs_call_status": "NO_ANSWER"}
                )  # modified now: after the run's start

    floor.hubspot.on_request = edit_call_1_after_the_first_page
    first = floor.sync()
    floor.hubspot.on_request = None
    second = floor.sync()
    assert (first.error, second.error) == (None, None)
    assert [(x.ref, x.day) for x in floor.live()] == [
        (f"hubspot:calls:{n}", date(2026, 11, 10 + n)) for n in sorted(range(1, 7), key=str)
    ]
    assert counts(floor.sync(since=datetime(2026, 1, 1, tzinfo=UTC))) == (0, 0, 0)


def test_a_long_sync_keeps_its_lease_page_by_page(floor: Floor, monkeypatch):
    """Ten minutes a page: past the fifteen-minute lease, the sync still holds the workspace,
    and another instance trying then is turned away."""
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    load(floor)
    pages: list[int] = []
    others: list = []

    def ten_minutes_a_page(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search and request.object_type == "calls" and not others:
            pages.append(1)
            floor.clock.advance(timedelta(minutes=10))
            if len(pages) == 3:
                others.append(floor.syncer("instance-b").sync(floor.workspace_id))

    floor.hubspot.on_request = ten_minutes_a_page
    report = floor.sync(instance="instance-a")
    assert [o.skipped for o in others] == ["another instance is syncing this workspace."]
    assert (report.error, report.added) == (None, 15)
    assert floor.live() == expected() and len(floor.entries()) == 15


def test_a_sync_whose_lease_was_taken_over_stops_before_writing_more(floor: Floor, monkeypatch):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    load(floor)
    searches: list[int] = []

    def stuck_then_taken_over(request) -> None:  # type: ignore[no-untyped-def]
        if request.is_search:
            searches.append(1)
            if len(searches) == 2:  # stuck for sixteen minutes; another instance takes over
                floor.clock.advance(LEASE + timedelta(minutes=1))
                with floor.db.write() as session:
                    assert crm.take_lock(
                        session, floor.connection_id, "instance-b", floor.clock.now(), LEASE
                    )

    floor.hubspot.on_request = stuck_then_taken_over
    report = floor.sync(instance="instance-a")
    assert (
        report.error == "another instance took the sync over (this one wrote nothing for too long)."
    )
    assert [x.ref for x in floor.live()] == [
        "hubspot:calls:1",
        "hubspot:calls:2",
    ]  # the first page only
    assert floor.connection().lock_owner == "instance-b"  # not given back by the one that lost it


def test_objects_modified_at_one_instant_across_pages_are_each_read_once(floor: Floor, monkeypatch):
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 2)
    at = {**{n: BASE for n in range(1, 6)}, 6: BASE + timedelta(milliseconds=1), 7: BASE + timedelta(milliseconds=1),
          8: BASE + timedelta(seconds=1)}  # fmt: skip
    for n, modified in at.items():
        floor.put(
            "calls",
            str(n),
            {"hs_timestamp": "2026-11-19T17:00:00Z", "hubspot_owner_id": BO},
            modified_at=modified,
        )
    report = floor.sync()
    assert (report.error, report.read, report.added) == (None, 8, 8)
    assert sorted(x.ref for x in floor.live()) == sorted(f"hubspot:calls:{n}" for n in range(1, 9))
    # Each page from the last instant read, passing over those of that instant already read.
    pages = [
        (r.json["filterGroups"][0]["filters"][0]["value"], r.json.get("after"))
        for r in floor.hubspot.search_requests("calls")
    ]
    ms = int(BASE.timestamp() * 1000)
    assert pages == [
        (str(int(EPOCH.timestamp() * 1000)), None),
        (str(ms), "2"),
        (str(ms), "4"),
        (str(ms + 1), "1"),
    ]


# --- a token that cannot be used, and an unexpected failure ---------------------------------------


def test_a_stored_token_the_key_cannot_decrypt_stops_the_sync_and_admins_are_told(floor: Floor):
    load(floor)
    old_key, new_key = secrets.new_key(), secrets.new_key()
    with floor.db.write() as session:
        crm.connect(
            session,
            floor.workspace_id,
            "hubspot",
            secrets.encrypt(floor.hubspot.token, (old_key,)),
            floor.clock.now(),
        )
    floor.settings = Settings(hubspot_api_url=floor.hubspot.base_url, secret_keys=(new_key,))
    before = floor.snapshot()
    report = floor.sync()
    assert report.error is not None and report.error.startswith(
        "The stored HubSpot token cannot be decrypted with PACELINE_SECRET_KEY (was the key changed?)."
    )
    assert floor.snapshot() == before and floor.hubspot.requests == []
    connection = floor.connection()
    assert (connection.last_error, connection.last_sync_at, connection.lock_owner) == (
        report.error,
        None,
        None,
    )
    told = floor.notices()
    assert [n.recipient for n in told] == [floor.admin]
    assert json.loads(told[0].payload)["text"].startswith(
        ":warning: HubSpot sync stopped: The stored HubSpot token cannot"
    )
    # The old key after the new one: it decrypts again.
    floor.settings = Settings(
        hubspot_api_url=floor.hubspot.base_url, secret_keys=(new_key, old_key)
    )
    assert (floor.sync().error, floor.live()) == (None, expected())


def test_an_unexpected_failure_is_not_recorded_as_a_finished_sync(floor: Floor, monkeypatch):
    load(floor)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(crm, "insert_entries", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        floor.sync()
    connection = floor.connection()
    assert connection.last_sync_at is None and connection.lock_owner is None
    assert connection.last_error == "the sync stopped unexpectedly (RuntimeError); see the logs."
    assert floor.live() == [] and floor.records() == []
    monkeypatch.undo()
    assert (floor.sync().error, floor.live()) == (None, expected())
