"""The HubSpot sync bench works end to end at a tiny size on SQLite: a backfill, a re-sync
and an incremental sync after changes, each in its own child process, and the bench's own
correctness checks pass (the numbers themselves are `python -m bench --only crm`'s business;
tests never assert speed)."""

from __future__ import annotations

from datetime import date

from bench import crm_sync

TINY = crm_sync.Plan(calls=180, meetings=60, emails=60, deals=40, owners=5, teams=5, changes=30)


def test_the_docs_rules_give_each_object_its_entries() -> None:
    zone = "Pacific/Auckland"  # 13 hours ahead in December: the local day is the next one
    call = {"hs_timestamp": "2026-12-01T15:00:00.000Z", "hs_call_status": "BUSY"}
    assert crm_sync.contributions("calls", call, zone) == {"calls": (date(2026, 12, 2), 1)}
    assert crm_sync.contributions("calls", {**call, "hs_call_status": "FAILED"}, zone) == {}
    demo = {
        "hs_timestamp": "2026-12-01T09:00:00Z",
        "hs_meeting_outcome": "SCHEDULED",
        "hs_activity_type": "Demo",
    }
    assert set(crm_sync.contributions("meetings", demo, "UTC")) == {"meetings", "demos"}
    assert (
        crm_sync.contributions("meetings", {**demo, "hs_meeting_outcome": "NO_SHOW"}, "UTC") == {}
    )
    deal = {"createdate": "2026-10-01T12:00:00Z", "closedate": "2026-11-02T12:00:00Z",
            "hs_is_closed_won": "true", "amount": "4500.25"}  # fmt: skip
    assert crm_sync.contributions("deals", deal, "UTC") == {
        "opportunities": (date(2026, 10, 1), 1),
        "deals": (date(2026, 11, 2), 1),
        "revenue": (date(2026, 11, 2), 450_025),
    }


def test_a_tiny_world_backfills_resyncs_and_syncs_changes_exactly() -> None:
    world = crm_sync.run_world("sqlite", TINY, lambda text: None)
    checks = world.correctness()
    assert world.problem is None, world.problem
    assert [c for c in checks if not c[2]] == []
    assert set(world.runs) == {"backfill", "re-sync", "incremental"}
    backfill = world.runs["backfill"]
    assert (
        backfill.get("read") == TINY.objects
        and backfill.get("added") == world.expected_backfill > 0
    )
    assert backfill.peak_mb > 10 and backfill.pages > 0 and backfill.statements > 0
    assert world.changes is not None and world.changes.objects == TINY.changes
    assert world.after_incremental is not None and world.after_incremental.ok
    # The report renders the world and its checks.
    result = crm_sync.BackendResult("sqlite", [world])
    text, broken, all_pass = crm_sync.report([result], TINY, True, 1.0, [0.0, 0.0])
    assert not broken and all_pass
    assert "| SQLite | 300 engagements + 40 deals | backfill |" in text
    assert (
        "a re-sync right after the backfill changes nothing | added 0, corrected 0, removed 0, objects changed 0 | PASS |"
        in text
    )
