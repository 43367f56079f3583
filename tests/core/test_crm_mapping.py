"""From a HubSpot object's facts to entries: metrics, local days, amounts, and the mapping's
settings (pure; no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.crm_mapping import (
    OBJECT_TYPES,
    CrmMapping,
    Derived,
    amount_cents,
    change_mapping,
    derive,
    parse_instant,
)
from bot.core.errors import UserError

NY = "America/New_York"
METRICS = {"calls", "meetings", "demos", "emails", "opportunities", "proposals", "deals", "revenue"}


def test_a_call_counts_on_its_local_day():
    # 03:30 UTC on 1 Dec is still 30 Nov in New York.
    assert derive("calls", {"hs_timestamp": "2026-12-01T03:30:00.000Z"}, CrmMapping(), NY) == [
        Derived("calls", date(2026, 11, 30), 1)
    ]


def test_a_call_that_never_rang_is_not_a_dial_but_no_answer_is():
    assert (
        derive(
            "calls",
            {"hs_timestamp": "2026-12-01T15:00:00Z", "hs_call_status": "CANCELED"},
            CrmMapping(),
            NY,
        )
        == []
    )
    assert derive(
        "calls",
        {"hs_timestamp": "2026-12-01T15:00:00Z", "hs_call_status": "NO_ANSWER"},
        CrmMapping(),
        NY,
    ) == [Derived("calls", date(2026, 12, 1), 1)]


def test_daylight_saving_morning_keeps_the_local_day():
    # 8 Mar 2026: New York springs forward at 02:00; 06:59 UTC is 01:59 EST, 07:00 UTC 03:00 EDT.
    for instant in ("2026-03-08T06:59:59Z", "2026-03-08T07:00:00Z"):
        assert derive("calls", {"hs_timestamp": instant}, CrmMapping(), NY)[0].day == date(
            2026, 3, 8
        )
    # 1 Nov 2026: the repeated hour; 05:30 UTC is 01:30 EDT, 06:30 UTC 01:30 EST — both 1 Nov.
    for instant in ("2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"):
        assert derive("calls", {"hs_timestamp": instant}, CrmMapping(), NY)[0].day == date(
            2026, 11, 1
        )


def test_a_meeting_is_a_demo_too_when_its_activity_type_says_so():
    facts = {
        "hs_timestamp": "2026-12-02T15:00:00Z",
        "hs_activity_type": "demo",
        "hs_meeting_outcome": "SCHEDULED",
    }
    assert derive("meetings", facts, CrmMapping(), NY) == [
        Derived("meetings", date(2026, 12, 2), 1), Derived("demos", date(2026, 12, 2), 1)
    ]  # fmt: skip
    assert derive("meetings", {**facts, "hs_meeting_outcome": "NO_SHOW"}, CrmMapping(), NY) == []
    assert derive("meetings", {**facts, "hs_activity_type": "Discovery"}, CrmMapping(), NY) == [
        Derived("meetings", date(2026, 12, 2), 1)
    ]


def test_the_demo_marker_is_configurable():
    mapping = change_mapping(CrmMapping(), "demo-property", "hs_meeting_outcome", METRICS)
    mapping = change_mapping(mapping, "demo-values", "Demo given, DEMO", METRICS)
    facts = {"hs_timestamp": "2026-12-02T15:00:00Z", "hs_meeting_outcome": "Demo given"}
    assert [d.metric for d in derive("meetings", facts, mapping, NY)] == ["meetings", "demos"]
    assert "hs_meeting_outcome" in mapping.properties("meetings")
    assert CrmMapping.from_json(mapping.to_json()) == mapping


def test_emails_count_when_sent():
    assert derive(
        "emails",
        {"hs_timestamp": "2026-12-02T15:00:00Z", "hs_email_direction": "EMAIL"},
        CrmMapping(),
        NY,
    )
    assert not derive(
        "emails",
        {"hs_timestamp": "2026-12-02T15:00:00Z", "hs_email_direction": "INCOMING_EMAIL"},
        CrmMapping(),
        NY,
    )


def test_a_won_deal_is_an_opportunity_on_its_create_day_and_a_deal_with_revenue_on_its_close_day():
    facts = {
        "createdate": "2026-10-05T14:00:00Z", "closedate": "2027-01-01T04:30:00Z",
        "hs_is_closed_won": "true", "amount": "4500.505",
    }  # fmt: skip
    # The close is 31 Dec in New York (a year end), though 1 Jan in UTC.
    assert derive("deals", facts, CrmMapping(), NY) == [
        Derived("opportunities", date(2026, 10, 5), 1),
        Derived("deals", date(2026, 12, 31), 1),
        Derived("revenue", date(2026, 12, 31), 450051),
    ]
    assert derive("deals", {**facts, "hs_is_closed_won": "false"}, CrmMapping(), NY) == [
        Derived("opportunities", date(2026, 10, 5), 1)
    ]


def test_a_metric_mapped_to_none_is_not_synced():
    mapping = change_mapping(CrmMapping(), "opportunities", "none", METRICS)
    facts = {
        "createdate": "2026-10-05T14:00:00Z",
        "closedate": "2026-11-02T15:00:00Z",
        "hs_is_closed_won": "true",
        "amount": "10",
    }
    assert [d.metric for d in derive("deals", facts, mapping, NY)] == ["deals", "revenue"]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("colour", "red", 'Unknown mapping "colour"'),
        ("calls", "dials-ish", 'Unknown metric "dials-ish"'),
        ("calls", "", "Give a value for calls"),
        ("demo-property", "hs meeting", "is not a HubSpot property name"),
        ("demo-values", " , ", "at least one value"),
    ],
)
def test_bad_mapping_changes_say_what_is_wrong(key, value, problem):
    with pytest.raises(UserError) as raised:
        change_mapping(CrmMapping(), key, value, METRICS)
    assert problem in raised.value.message
    assert raised.value.example


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("4500", 450000),
        ("4,500.50", 450050),
        ("0.005", 1),
        ("", 0),
        (None, 0),
        ("-20", 0),
        ("abc", 0),
        ("NaN", 0),
        ("Infinity", 0),
    ],
)
def test_amounts_in_cents(text, cents):
    assert amount_cents(text) == cents


def test_instants_as_iso_or_milliseconds():
    assert parse_instant("1764604800000") == datetime(2025, 12, 1, 16, 0, tzinfo=UTC)
    assert parse_instant("2026-12-01T03:30:00.123Z") == datetime(
        2026, 12, 1, 3, 30, 0, 123000, tzinfo=UTC
    )
    assert parse_instant("yesterday") is None
    assert parse_instant(None) is None


_VALUE = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["true", "false", "2026-12-01T03:30:00Z", "1764604800000", "12.5"]),
)


@given(
    object_type=st.sampled_from(OBJECT_TYPES),
    facts=st.dictionaries(
        st.sampled_from(["hs_timestamp", "createdate", "closedate", "amount", "hs_is_closed_won", "hs_call_status",
                         "hs_meeting_outcome", "hs_activity_type", "hs_email_direction"]),
        _VALUE,
    ),
)  # fmt: skip
def test_any_facts_derive_positive_entries_at_most_one_per_metric(object_type, facts):
    found = derive(object_type, facts, CrmMapping(), NY)
    assert all(d.quantity > 0 for d in found)
    assert len({d.metric for d in found}) == len(found)
