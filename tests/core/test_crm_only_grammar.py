"""`/team set NAME crm-only METRICS`: the grammar, and the pure helpers /log and /team answer
with (bot/core/crm_only.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.crm_only import (
    CRM_METRICS,
    comes_from_hubspot,
    crm_only_among,
    crm_only_keys,
    crm_only_setting,
    names_text,
    refusal_text,
    source_mark,
)
from bot.core.errors import UserError
from bot.core.metrics import BUILTIN_METRICS
from bot.core.team_grammar import TEAM_HELP, TeamSet, parse_team

TAKES = (
    "crm-only takes any of calls, emails, meetings, demos, opportunities, deals, revenue, or none."
)
EXAMPLE = "/team set east crm-only calls,deals"


def error_of(text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_team(text)
    return caught.value


def test_the_metrics_hubspot_syncs_are_in_the_catalogs_order():
    assert CRM_METRICS == (
        "calls",
        "emails",
        "meetings",
        "demos",
        "opportunities",
        "deals",
        "revenue",
    )
    order = [m.key for m in BUILTIN_METRICS]
    assert list(CRM_METRICS) == sorted(CRM_METRICS, key=order.index)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("set east crm-only calls,deals", "calls,deals"),
        ("set east crm-only deals,calls", "calls,deals"),
        ("set east crm-only Deals, Dials", "calls,deals"),
        ("set east crm-only deal call calls", "calls,deals"),
        (
            "set east crm-only mtg opps rev email demo",
            "emails,meetings,demos,opportunities,revenue",
        ),
        ("set east crm-only $", "revenue"),
        ("set team:east crm_only calls", "calls"),
        ("set east crmonly won", "deals"),
        ("set east crm-only none", ""),
        ("set east crm-only OFF", ""),
        ("set east crm-only none,", ""),
    ],
)
def test_crm_only_values(text, stored):
    assert parse_team(text) == TeamSet("east", "crm-only", stored)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("set east crm-only", "Name the metrics that come only from HubSpot — any of calls, emails, meetings, "
                              "demos, opportunities, deals, revenue — or none to clear it."),
        ("set east crm-only ,", "Name the metrics that come only from HubSpot — any of calls, emails, meetings, "
                                "demos, opportunities, deals, revenue — or none to clear it."),
        ("set east crm-only proposals", f"HubSpot does not sync proposals, so they cannot come only from it — {TAKES}"),
        ("set east crm-only calls proposal", f"HubSpot does not sync proposals, so they cannot come only from it — {TAKES}"),
        ("set east crm-only nps", f'"nps" is not a metric HubSpot syncs. {TAKES}'),
        ("set east crm-only Cals", f'"Cals" is not a metric HubSpot syncs. Did you mean calls? {TAKES}'),
        ("set east crm-only calls off", "`off` stands alone — write crm-only off to clear it, or list the metrics."),
        ("set east crm-only none calls", "`none` stands alone — write crm-only none to clear it, or list the metrics."),
    ],
)  # fmt: skip
def test_crm_only_errors_name_the_problem_and_a_working_example(text, message):
    error = error_of(text)
    assert error.message == message
    assert error.example == EXAMPLE
    assert parse_team(EXAMPLE.removeprefix("/team ")) == TeamSet("east", "crm-only", "calls,deals")


def test_help_and_the_settings_list_name_crm_only():
    assert "`/team set east crm-only calls,deals`" in TEAM_HELP
    assert "crm-only" in error_of("set east colour red").message


def test_stored_forms_read_back():
    assert crm_only_keys("") == () and crm_only_keys(None) == ()
    assert crm_only_keys("deals,calls") == ("calls", "deals")
    assert crm_only_setting(["revenue", "calls", "proposals"]) == "calls,revenue"
    assert crm_only_among("calls,deals", ["demos", "deals", "calls", "deals"]) == ["deals", "calls"]
    assert crm_only_among("", ["calls"]) == []


def test_texts():
    assert names_text(["calls"]) == "calls"
    assert names_text(["calls", "demos", "deals"]) == "calls, demos and deals"
    assert comes_from_hubspot(["revenue"], "east") == (
        "Revenue comes from HubSpot for team east: log it in HubSpot and it shows up here within a few minutes."
    )
    assert comes_from_hubspot(["calls", "revenue"], "east").startswith(
        "Calls and revenue come from HubSpot"
    )
    assert refusal_text(["calls"], "east", others=["demos"]).endswith(
        "Nothing was logged, not even demos: a /log is stored whole or not at all."
    )
    assert [source_mark(s) for s in ("slack", "console", "demo", "hubspot", "hubspot-backfill", "import")] == [
        "", "", "", " · from HubSpot", " · from HubSpot", " · imported",
    ]  # fmt: skip


# --- properties -------------------------------------------------------------------------------------

NAMES = [name for m in BUILTIN_METRICS for name in (m.key, *m.aliases)]
WORDS = st.sampled_from(
    [*NAMES, "none", "off", "on", "all", ",", ", ", "proposal", "nps", "cals", "$", "--", '"']
)
VALUES = st.one_of(
    st.text(max_size=60),
    st.lists(WORDS, max_size=8).map(" ".join),
    st.lists(WORDS, max_size=8).map(",".join),
    st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=6).map(" ".join),
)


@given(VALUES)
def test_any_text_after_crm_only_parses_or_says_why_with_an_example_that_parses(value):
    try:
        parsed = parse_team(f"set east crm-only {value}")
    except UserError as error:
        assert error.message
        assert error.example
        parse_team(error.example.removeprefix("/team "))  # raises if the example were wrong
        return
    assert isinstance(parsed, TeamSet) and parsed.key == "crm-only"
    stored = str(parsed.value)
    keys = crm_only_keys(stored)
    assert stored == ",".join(keys)  # only synced metrics, each once, in the catalog's order
    assert stored == crm_only_setting(keys)


@given(
    st.lists(st.sampled_from(CRM_METRICS), min_size=1, unique=True),
    st.sampled_from([",", ", ", " ", " , "]),
)
def test_any_synced_metrics_in_any_order_store_in_catalog_order(keys, sep):
    parsed = parse_team(f"set east crm-only {sep.join(keys)}")
    assert parsed == TeamSet("east", "crm-only", ",".join(k for k in CRM_METRICS if k in keys))
