"""Parsing rows: the CRM pipeline, the team list and the activity file. Pure."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.metrics import MetricCatalog, MetricKind
from bot.importer import activity, crm
from bot.importer.csv_reading import CsvShape
from bot.importer.rows import RowError

CATALOG = MetricCatalog()
LATEST = date(2026, 11, 21)
PIPELINE = (
    "opportunity_id",
    "sales_agent",
    "product",
    "account",
    "deal_stage",
    "engage_date",
    "close_date",
    "close_value",
)
ACTIVITY = ("user", "metric", "date", "amount", "note")


def shape(columns):
    return CsvShape(None, "utf-8", "UTF-8", ",", tuple(columns), 0)  # type: ignore[arg-type]


CRM_COLS = crm.PipelineColumns.of(shape(PIPELINE))
ACT_COLS = activity.ActivityColumns.of(shape(ACTIVITY))


def deal(
    stage="Won", engage="10/20/2016", close="3/1/2017", value="1054", opp="1C1I7A6R", workspace="T1"
):
    cells = [opp, "Moses Frase", "GTX Plus Basic", "Cancity", stage, engage, close, value]
    return crm.parse_deal(7, cells, CRM_COLS, CATALOG.get("revenue"), workspace, LATEST)


def deal_error(**kw) -> str:
    with pytest.raises(RowError) as caught:
        deal(**kw)
    return caught.value.message


def test_a_won_deal_is_an_opportunity_a_deal_and_revenue_in_cents():
    row = deal()
    assert [(e.metric, e.day, e.quantity) for e in row.entries] == [
        ("opportunities", date(2016, 10, 20), 1),
        ("deals", date(2017, 3, 1), 1),
        ("revenue", date(2017, 3, 1), 105_400),
    ]
    assert row.who == "Moses Frase" and row.line == 7
    assert row.entries[0].note == "CRM 1C1I7A6R · Cancity · GTX Plus Basic"


def test_other_stages():
    assert [e.metric for e in deal(stage="Engaging", close="", value="").entries] == [
        "opportunities"
    ]
    assert [e.metric for e in deal(stage="Lost", value="0").entries] == ["opportunities"]
    prospect = deal(stage="Prospecting", engage="", close="", value="")
    assert (
        prospect.entries == () and prospect.skip == "not engaged yet (Prospecting, no engage_date)"
    )
    assert deal(stage="won", value="0").entries[-1].metric == "deals"  # no $0 revenue entry
    assert deal(engage="2016-10-20", close="2017-03-01").entries[1].day == date(2017, 3, 1)


def test_keys_are_stable_per_opportunity_and_metric_and_differ_between_workspaces():
    first, again = deal(), deal(value="2000", close="4/1/2017")
    assert [e.key for e in first.entries] == [e.key for e in again.entries]
    assert len({e.key for e in first.entries}) == 3
    assert all(e.key.startswith("import:") and len(e.key) == 39 for e in first.entries)
    assert {e.key for e in deal(workspace="T2").entries}.isdisjoint({e.key for e in first.entries})
    assert first.identity == again.identity and first.digest != again.digest


def test_bad_crm_values_name_the_column_and_the_fix():
    assert (
        deal_error(engage="13/45/2017")
        == 'engage_date "13/45/2017" is not a date — months run 1 to 12 (dates are M/D/YYYY).'
    )
    assert (
        deal_error(close="2/30/2017")
        == 'close_date "2/30/2017" is not a date — February 2017 has 28 days.'
    )
    assert (
        deal_error(close="March 1")
        == 'close_date "March 1" is not a date — write M/D/YYYY (3/1/2017) or YYYY-MM-DD.'
    )
    assert deal_error(value="-5") == 'close_value: "-5" is negative — revenue must be $0 or more.'
    assert deal_error(value="lots") == 'close_value: "lots" is not an amount of money.'
    assert deal_error(close="") == (
        "opportunity 1C1I7A6R is Won but has no close_date: its deal and revenue need the day it closed."
    )
    assert deal_error(value="") == "opportunity 1C1I7A6R is Won but has no close_value."
    assert (
        deal_error(stage="Maybe")
        == 'deal_stage "Maybe" is not one of Prospecting, Engaging, Won, Lost.'
    )
    assert deal_error(close="1/1/2016") == "close_date 2016-01-01 is before engage_date 2016-10-20."
    assert deal_error(close="1/1/2027") == "close_date 2027-01-01 is in the future."
    assert deal_error(opp=" ") == "opportunity_id is empty."


def test_teams_are_named_after_managers_first_names_with_offices_as_parents():
    plan, errors = crm.plan_teams([
        (2, "Anna Snelling", "Dustin Brinkmann", "Central"),
        (3, "Moses Frase", "Dustin Brinkmann", "Central"),
        (4, "Violet Mclelland", "Cara Losch", "East"),
        (5, "Anna Snelling", "Dustin Brinkmann", "Central"),  # the same row twice is fine
    ])  # fmt: skip
    assert errors == []
    assert plan.parents == ("central", "east")
    assert [(t.name, t.manager, t.parent) for t in plan.teams] == [
        ("dustin", "Dustin Brinkmann", "central"),
        ("cara", "Cara Losch", "east"),
    ]
    assert plan.team_of_agent == {
        "anna snelling": "dustin",
        "moses frase": "dustin",
        "violet mclelland": "cara",
    }


def test_shared_first_names_and_office_names_fall_back_to_the_full_name():
    plan, errors = crm.plan_teams([
        (2, "A One", "Dana Smith", "West"),
        (3, "B Two", "Dana Jones", "West"),
        (4, "C Three", "East Coast", "East"),
        (5, "D Four", "West", "North"),
    ])  # fmt: skip
    assert errors == []
    assert [t.name for t in plan.teams] == ["dana-smith", "dana-jones", "east-coast", "west-team"]
    assert plan.parents == ("west", "east", "north")


def test_team_list_errors():
    _, errors = crm.plan_teams([
        (2, "Ann Lee", "Dana Smith", "West"),
        (3, "ann  lee", "Bo Kim", "West"),
        (4, "Cy Young", "", "West"),
        (5, "Di Ross", "Dana Smith", "East"),
    ])  # fmt: skip
    assert errors == [
        (
            3,
            "sales_agent ann  lee is also on line 2 with another manager: a rep belongs to one team.",
        ),
        (4, "sales_agent and manager must both be filled in."),
        (5, "manager Dana Smith is in two regional offices (west and east)."),
    ]


@given(st.text(max_size=80))
def test_team_slugs_are_one_word_of_name_characters(text):
    slug = crm.team_slug(text)
    assert len(slug) <= 40 and not slug.startswith(("-", ".")) and not slug.endswith(("-", "."))
    assert re.fullmatch(r"[\w.\-]*", slug) and slug == slug.casefold() or not slug
    if any(ch.isalnum() for ch in slug) and slug not in ("none", "off"):
        assert crm._valid_team_name(slug)


# --- activity ---------------------------------------------------------------------------------


def parse(
    user="Ann Lee",
    metric="calls",
    day="2026-11-02",
    amount="12",
    note="",
    catalog=CATALOG,
    workspace="T1",
):
    parser = activity.ActivityParser(ACT_COLS, catalog, workspace, LATEST)
    return parser(4, [user, metric, day, amount, note])


def parse_error(**kw) -> str:
    with pytest.raises(RowError) as caught:
        parse(**kw)
    return caught.value.message


def test_an_activity_row_reads_metrics_and_amounts_as_log_does():
    row = parse(metric="Dials", amount="12", note="follow-up")
    [entry] = row.entries
    assert (entry.metric, entry.day, entry.quantity, entry.note) == (
        "calls",
        date(2026, 11, 2),
        12,
        "follow-up",
    )
    assert parse(metric="$", amount="$4,500.50").entries[0].quantity == 450_050
    assert parse(metric="rev", amount="4.5k").entries[0].quantity == 450_000
    assert parse(metric="opp", day="2026-2-3").entries[0].day == date(2026, 2, 3)


def test_bad_activity_values():
    assert (
        parse_error(metric="cals")
        == 'Unknown metric "cals" — did you mean calls? Metrics: calls, emails, meetings, demos, opportunities, proposals, deals, revenue.'
    )
    assert (
        parse_error(day="13/45/2017")
        == 'date: "13/45/2017" is not a date I can read — write dates as YYYY-MM-DD.'
    )
    assert (
        parse_error(day="2026-02-30")
        == 'date: "2026-02-30" is not a real date — February 2026 has 28 days.'
    )
    assert parse_error(day="soon") == 'date "soon" is not a date — write YYYY-MM-DD.'
    assert parse_error(day="2026-11-22") == "date 2026-11-22 is in the future."
    assert parse_error(amount="-3") == 'amount: "-3" is negative — calls must be 0 or more.'
    assert (
        parse_error(amount="2,000")
        == 'amount: "2,000" is more than the limit of 1,000 calls per entry.'
    )
    assert parse_error(amount="") == "amount is empty (a number of calls)."
    assert (
        parse_error(metric="revenue", amount="$1.005")
        == 'amount: "$1.005" has more than two decimals — money goes to the cent.'
    )
    assert parse_error(user=" ") == "user is empty."
    assert parse_error(note="x" * 501) == "note is 501 characters; at most 500."


def test_a_zero_amount_is_skipped_not_refused():
    row = parse(amount="0")
    assert row.entries == () and row.skip == "amount is 0: nothing to add"


def test_activity_identity_is_the_row_as_written():
    base = parse()
    assert parse(user="ANN LEE").identity == base.identity
    assert parse(day="2026-11-2").identity == base.identity
    assert parse(metric="dials").identity == base.identity
    for other in (parse(amount="13"), parse(note="x"), parse(user="Bo"), parse(workspace="T2")):
        assert other.identity != base.identity
    assert base.entries[0].key == parse(user="ann lee").entries[0].key


def test_custom_metrics_come_from_the_catalog():
    from bot.core.metrics import Metric

    catalog = MetricCatalog.with_custom(
        [Metric("visits", MetricKind.COUNT, ("visit",), 50, builtin=False)]
    )
    assert parse(metric="visit", amount="7", catalog=catalog).entries[0].metric == "visits"
    assert (
        parse_error(metric="visit", amount="51", catalog=catalog)
        == 'amount: "51" is more than the limit of 50 visits per entry.'
    )
