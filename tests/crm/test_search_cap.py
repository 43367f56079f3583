"""More objects modified in one millisecond than the search endpoint pages through (one bulk
edit in HubSpot): the sync passes the rest of that instant instead of failing every run, says
so in the log, and an object passed over comes in with its next edit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

CAP = 50
INSTANT = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def test_one_instant_over_the_cap_is_passed_and_the_run_goes_on(floor, monkeypatch, caplog):
    monkeypatch.setattr("bot.crm.sync.SEARCH_CAP", CAP)
    monkeypatch.setattr("bot.crm.hubspot.SEARCH_CAP", CAP)
    monkeypatch.setattr("bot.crm.hubspot.PAGE_SIZE", 20)
    floor.hubspot.search_cap = CAP
    for n in range(1, 71):
        floor.put(
            "calls",
            str(n),
            {"hs_timestamp": "2026-11-19T17:00:00Z", "hubspot_owner_id": "101"},
            modified_at=INSTANT,
        )
    floor.put("calls", "99", {"hs_timestamp": "2026-11-19T17:00:00Z", "hubspot_owner_id": "101"},
              modified_at=INSTANT + timedelta(seconds=1))  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="bot.crm.sync"):
        report = floor.sync()
    assert report.error is None
    # Two pages of the instant (40 objects), then the next instant's object.
    synced = {e.ref for e in floor.live()}
    assert len(synced) == 41 and "hubspot:calls:99" in synced
    assert all(
        int(r.query.get("after", ["0"])[0]) < CAP for r in floor.hubspot.search_requests("calls")
    )
    assert any("over 50 objects modified at" in r.getMessage() for r in caplog.records)
    passed = next(n for n in range(1, 71) if f"hubspot:calls:{n}" not in synced)
    floor.put("calls", str(passed), {"hs_call_status": "COMPLETED"})  # its next edit
    floor.sync()
    assert f"hubspot:calls:{passed}" in {e.ref for e in floor.live()}


def test_an_archived_list_that_fails_is_put_off_and_the_other_kinds_still_sync(floor):
    """Every run lists archived objects again: one list failing (here calls', with 404s)
    must not keep meetings, emails and deals from syncing."""
    floor.put("calls", "1", {"hs_timestamp": "2026-11-19T17:00:00Z", "hubspot_owner_id": "101"})
    floor.put("deals", "2", {"createdate": "2026-11-18T17:00:00Z", "hubspot_owner_id": "101"})
    floor.hubspot.fail_next(404, count=1, path_contains="/crm/v3/objects/calls?")
    report = floor.sync()
    assert report.error is None
    assert report.put_off == ["archived calls: HubSpot answered 404 reading archived calls."]
    assert "Put off to the next run: archived calls" in report.summary()
    assert {(e.ref, e.metric) for e in floor.live()} == {
        ("hubspot:calls:1", "calls"),
        ("hubspot:deals:2", "opportunities"),
    }
    floor.hubspot.archive("calls", "1")
    assert floor.sync().put_off == []
    assert {e.ref for e in floor.live()} == {"hubspot:deals:2"}
