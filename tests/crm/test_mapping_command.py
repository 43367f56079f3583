"""`paceline crm map KEY VALUE`: a change of mapping re-derives every synced object's entries
from the facts kept (audited, nothing asked of HubSpot), a demo property never read makes the
next sync read every meeting again, and bad input changes nothing."""

from __future__ import annotations

import io
import json

import pytest

from bot.core.errors import UserError
from bot.crm import cli as crm_cli
from tests.crm.test_hubspot_sync import counts, crm_audits, load


def _map(floor, key: str, value: str) -> str:
    out = io.StringIO()
    assert (
        crm_cli.set_mapping(
            floor.settings,
            floor.db,
            floor.clock,
            floor.workspace.team_id,
            key,
            value,
            out,
            floor.syncer(),
        )
        == 0
    )
    return out.getvalue()


def _metrics(floor) -> dict[str, int]:
    found: dict[str, int] = {}
    for e in floor.live():
        found[e.metric] = found.get(e.metric, 0) + e.quantity
    return found


def test_turning_a_metric_off_and_on_again_re_derives_its_entries(floor):
    load(floor)
    floor.sync()
    before = _metrics(floor)
    assert before["calls"] == 3
    requests = len(floor.hubspot.requests)

    said = _map(floor, "calls", "none")
    assert said.startswith("Mapping changed; 3 entries re-derived from the objects already synced.")
    assert "calls → not synced" in said
    assert "calls" not in _metrics(floor)
    assert [a.action for a in crm_audits(floor)] == ["crm.entry_removed"] * 3
    assert len(floor.hubspot.requests) == requests  # nothing asked of HubSpot

    _map(floor, "calls", "calls")
    assert _metrics(floor) == before
    # And the next sync agrees: nothing more to change.
    assert counts(floor.sync()) == (0, 0, 0)


def test_deals_created_can_count_as_proposals(floor):
    load(floor)
    floor.sync()
    opportunities = _metrics(floor)["opportunities"]
    _map(floor, "opportunities", "proposals")
    after = _metrics(floor)
    assert "opportunities" not in after and after["proposals"] == opportunities


def test_a_demo_property_never_read_makes_the_next_sync_read_every_meeting_again(floor):
    load(floor)
    floor.put("meetings", "17", {"hs_timestamp": "2026-11-18T17:00:00Z", "hubspot_owner_id": "101",
                                 "hs_meeting_type": "Product demo"})  # fmt: skip
    floor.sync()
    demos_before = _metrics(floor).get("demos", 0)
    said = _map(floor, "demo-property", "hs_meeting_type")
    _map(floor, "demo-values", "Product demo")
    assert "The next sync reads every meeting again for hs_meeting_type" in said
    assert "meetings" not in json.loads(floor.connection().cursors)
    report = floor.sync()
    assert report.backfill
    # Meeting 17 is the one demo by the new rule (the old Demo activity type no longer is).
    assert [(e.ref, e.metric) for e in floor.live() if e.metric == "demos"] == [
        ("hubspot:meetings:17", "demos")
    ]
    assert demos_before == 1


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [("calls", "dialz", 'Unknown metric "dialz"'), ("colour", "red", 'Unknown mapping "colour"')],
)
def test_a_bad_mapping_changes_nothing(floor, key, value, problem):
    load(floor)
    floor.sync()
    before = floor.snapshot()
    with pytest.raises(UserError) as raised:
        crm_cli.set_mapping(
            floor.settings,
            floor.db,
            floor.clock,
            floor.workspace.team_id,
            key,
            value,
            io.StringIO(),
            floor.syncer(),
        )
    assert raised.value.message.startswith(problem)
    assert floor.snapshot() == before
