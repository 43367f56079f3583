"""`/team link "Full Name" @person` for a HubSpot owner the sync matched to nobody: over
signed HTTP, the owner's synced objects become the person's entries at once, audited, and
later syncs keep them; a rep cannot link; an owner's email works as the name too."""

from __future__ import annotations

import json
from datetime import date

from tests.crm.conftest import EMAILS, mention

CALL = {"hs_timestamp": "2026-11-30T18:00:00Z", "hubspot_owner_id": "103"}
DEAL = {"createdate": "2026-11-02T18:00:00Z", "closedate": "2026-11-30T18:00:00Z", "hs_is_closed_won": "true",
        "amount": "1200.50", "hubspot_owner_id": "103"}  # fmt: skip


def test_linking_an_unmatched_owner_by_hand_counts_their_hubspot_activity(floor):
    floor.put("calls", "31", CALL)
    floor.put("calls", "32", CALL)
    floor.put("deals", "33", DEAL)
    first = floor.sync()
    assert first.unmatched == [f"Gus Ghost <{EMAILS['gus']}> (owner 103)"]
    assert floor.live() == []
    workspace = floor.workspace
    # A Slack user whose profile email differs from HubSpot's: no match by email or name.
    augustus = workspace.user("augustus", real_name="Augustus G", email="aug@elsewhere.example")
    workspace.team(floor.admin, f"add east {mention(workspace, augustus)}")

    refused = workspace.team(floor.maria, f'link "Gus Ghost" {mention(workspace, augustus)}')
    assert refused.startswith("Only workspace admins and team managers can use /team."), refused
    assert floor.live() == []

    reply = workspace.team(floor.dana, f'link "gus ghost" {mention(workspace, augustus)}')
    assert reply == (
        f"Linked HubSpot owner Gus Ghost &lt;{EMAILS['gus']}&gt; (owner 103) to augustus: 5 entries from HubSpot "
        "now count for them, and their HubSpot activity will from now on."
    ), reply
    assert [(e.metric, e.person, e.day, e.quantity) for e in floor.live()] == [
        ("calls", "augustus", date(2026, 11, 30), 1),
        ("calls", "augustus", date(2026, 11, 30), 1),
        ("deals", "augustus", date(2026, 11, 30), 1),
        ("opportunities", "augustus", date(2026, 11, 2), 1),
        ("revenue", "augustus", date(2026, 11, 30), 120050),
    ]
    [linked] = floor.audits("crm.owner_linked")
    assert linked.subject_id == floor.person_id("augustus") and '"owner_id": "103"' in (
        linked.after or ""
    )
    # The next sync keeps the hand link (it only matches owners nobody is linked to).
    again = floor.sync()
    assert (again.added, again.corrected, again.removed, again.unmatched) == (0, 0, 0, [])
    assert len(floor.live()) == 5


def test_an_owner_is_named_by_email_too(floor):
    floor.put("calls", "41", CALL)
    floor.sync()
    workspace = floor.workspace
    gus = workspace.user("gus2", real_name="Gus Two")
    reply = workspace.team(floor.admin, f"link {EMAILS['gus']} {mention(workspace, gus)}")
    assert reply.startswith("Linked HubSpot owner Gus Ghost"), reply
    assert [(e.metric, e.person) for e in floor.live()] == [("calls", "gus2")]


def test_an_owner_named_like_a_mention_pings_nobody_in_the_admins_notice(floor):
    floor.hubspot.add_owner("104", "x@east.example", "<!channel>", "<@U0ADMIN>")
    floor.sync()
    texts = [json.loads(n.payload)["text"] for n in floor.notices()]
    assert texts and all(
        "&lt;!channel&gt; &lt;@U0ADMIN&gt;" in t and "<!channel>" not in t for t in texts
    )
