"""The HubSpot CRM stand-in, driven by HubSpot's official client (hubspot-api-client) over
loopback HTTP: every answer below went through the client's own models and validation."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import hubspot.crm.deals as deals_pkg
import hubspot.crm.objects.calls as calls_pkg
import hubspot.crm.objects.emails as emails_pkg
import hubspot.crm.objects.meetings as meetings_pkg
import pytest
import urllib3
from hubspot import HubSpot
from hubspot.crm.objects.calls.exceptions import ServiceException
from hubspot.crm.owners.exceptions import UnauthorizedException

from tests.support.hubspot_api import RecordedRequest, StandInHubSpot

TOKEN = "pat-na1-test-token"
T0 = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
MODIFIED = "hs_lastmodifieddate"

# Each object type's generated package: its request models and its ApiException class (the
# packages share no exception base class but Exception).
PACKAGES: dict[str, ModuleType] = {
    "calls": calls_pkg,
    "meetings": meetings_pkg,
    "emails": emails_pkg,
    "deals": deals_pkg,
}
# A property of each type to request and check.
TITLE = {
    "calls": "hs_call_title",
    "meetings": "hs_meeting_title",
    "emails": "hs_email_subject",
    "deals": "dealname",
}
CREATED = {
    "calls": "hs_createdate",
    "meetings": "hs_createdate",
    "emails": "hs_createdate",
    "deals": "createdate",
}


@pytest.fixture
def standin() -> Iterator[StandInHubSpot]:
    with StandInHubSpot(TOKEN) as s:
        yield s


@pytest.fixture
def client(standin: StandInHubSpot) -> HubSpot:
    # No retry configuration: what the app gets by default.
    return HubSpot(access_token=TOKEN, host=standin.base_url)


def _ms(at: datetime) -> str:
    return str((at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _apis(client: HubSpot, object_type: str) -> Any:
    """client.crm.objects.calls / .meetings / .emails, or client.crm.deals."""
    if object_type == "deals":
        return client.crm.deals
    return getattr(client.crm.objects, object_type)


def _search_request(object_type: str, filters: list[dict[str, Any]], **kwargs: Any) -> Any:
    pkg = PACKAGES[object_type]
    groups = [pkg.FilterGroup(filters=[pkg.Filter(**f) for f in filters])] if filters else None
    return pkg.PublicObjectSearchRequest(filter_groups=groups, **kwargs)


def _range(low: datetime, high: datetime) -> list[dict[str, Any]]:
    # One bound as epoch milliseconds, the other as ISO: HubSpot takes both.
    return [
        {"property_name": MODIFIED, "operator": "GTE", "value": _ms(low)},
        {"property_name": MODIFIED, "operator": "LT", "value": _iso(high)},
    ]


def _raw(
    standin: StandInHubSpot,
    method: str,
    path: str,
    body: bytes | None = None,
    token: str | None = TOKEN,
) -> tuple[int, dict[str, str], Any]:
    port = int(standin.base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), json.loads(resp.read())
    finally:
        conn.close()


# ---------------------------------------------------------------------- owners


def test_owners_page_across_pages(standin: StandInHubSpot, client: HubSpot) -> None:
    for n in range(1, 8):
        standin.add_owner(str(100 + n), f"rep{n}@example.com", f"Rep{n}", "Smith", user_id=n)
    standin.add_owner("200", None, "No", "Email")
    standin.add_owner("300", "gone@example.com", "Gone", "Rep", archived=True)

    api = client.crm.owners.owners_api
    seen, afters = [], []
    after = None
    while True:
        page = api.get_page(limit=3, after=after)
        seen.extend(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
        afters.append(after)
        assert page.paging.next.link.startswith(standin.base_url + "/crm/v3/owners/?")
    assert len(afters) == 2  # three pages
    assert [o.id for o in seen] == ["101", "102", "103", "104", "105", "106", "107", "200"]
    first = seen[0]
    assert (first.email, first.first_name, first.last_name, first.user_id) == (
        "rep1@example.com",
        "Rep1",
        "Smith",
        1,
    )
    assert first.archived is False and first.teams == [] and first.type == "PERSON"
    assert first.created_at.tzinfo is not None
    assert seen[-1].email is None and seen[-1].user_id is None

    assert [o.id for o in api.get_page(email="REP3@example.com").results] == ["103"]
    archived = api.get_page(archived=True).results
    assert [(o.id, o.archived) for o in archived] == [("300", True)]
    assert standin.requests[0].query == {"limit": ["3"]}
    assert standin.requests[1].path == "/crm/v3/owners/"

    standin.remove_owner("101")
    assert "101" not in [o.id for o in api.get_page(limit=500).results]
    # Without the trailing slash too; limit defaults to 100.
    status, _, body = _raw(standin, "GET", "/crm/v3/owners")
    assert status == 200 and len(body["results"]) == 7 and "paging" not in body


# ---------------------------------------------------------------------- search


@pytest.mark.parametrize("object_type", ["calls", "meetings", "emails", "deals"])
def test_search_modified_range_sorted_and_paged(
    standin: StandInHubSpot, client: HubSpot, object_type: str
) -> None:
    title = TITLE[object_type]
    # Ids deliberately out of time order; 5 in the window, one before, one at its (open) end,
    # one archived inside it.
    in_window = {"17": 0, "3": 1, "42": 2, "8": 3, "5": 4}
    for object_id, minute in in_window.items():
        standin.put(
            object_type,
            object_id,
            {title: f"t{object_id}", "other": "x"},
            modified_at=T0 + timedelta(minutes=minute),
        )
    standin.put(object_type, "1", {title: "before"}, modified_at=T0 - timedelta(milliseconds=1))
    standin.put(object_type, "2", {title: "at end"}, modified_at=T0 + timedelta(minutes=10))
    standin.put(object_type, "9", {title: "archived"}, modified_at=T0 + timedelta(minutes=5))
    standin.archive(object_type, "9")

    search_api = _apis(client, object_type).search_api
    ids, pages, after = [], 0, None
    while True:
        request = _search_request(
            object_type,
            _range(T0, T0 + timedelta(minutes=10)),
            sorts=[MODIFIED],
            properties=[title],
            limit=2,
            after=after,
        )
        page = search_api.do_search(public_object_search_request=request)
        pages += 1
        assert page.total == 5
        for result in page.results:
            assert set(result.properties) == {title, "hs_object_id", CREATED[object_type], MODIFIED}
            assert result.properties[title] == f"t{result.id}"
            assert result.properties["hs_object_id"] == result.id
            assert result.archived is False
            assert result.updated_at == T0 + timedelta(minutes=in_window[result.id])
            assert result.properties[MODIFIED] == _iso(result.updated_at)
        ids.extend(r.id for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert ids == ["17", "3", "42", "8", "5"]
    assert pages == 3
    assert standin.indexed_searches == 3

    searches = standin.search_requests(object_type)
    assert len(searches) == 3 and standin.search_requests("nothing") == []
    assert searches[1].json["after"] == "2" and searches[1].json["limit"] == 2
    assert searches[0].json["filterGroups"][0]["filters"][0] == {
        "propertyName": MODIFIED,
        "operator": "GTE",
        "value": _ms(T0),
    }
    assert searches[0].path == f"/crm/v3/objects/{object_type}/search" and searches[0].status == 200


def test_indexed_search_agrees_with_a_scan(standin: StandInHubSpot, client: HubSpot) -> None:
    # Ties on the modified date come out by id; every range operator combination gives what
    # a full scan gives.
    for n in range(1, 41):
        standin.put(
            "calls",
            str(n * 7 % 41),
            {"hs_call_title": str(n)},
            modified_at=T0 + timedelta(seconds=n // 4),
        )
    api = client.crm.objects.calls.search_api
    cases = [
        [
            {"operator": "GT", "value": _ms(T0 + timedelta(seconds=2))},
            {"operator": "LTE", "value": _ms(T0 + timedelta(seconds=6))},
        ],
        [
            {
                "operator": "BETWEEN",
                "value": _iso(T0 + timedelta(seconds=1)),
                "high_value": _iso(T0 + timedelta(seconds=3)),
            }
        ],
        [{"operator": "EQ", "value": _ms(T0 + timedelta(seconds=5))}],
        [
            {"operator": "GTE", "value": "2026-11-30"},
            {"operator": "LT", "value": _ms(T0 + timedelta(seconds=4))},
        ],
        [],
    ]
    for case in cases:
        filters = [{"property_name": MODIFIED, **f} for f in case]
        indexed = api.do_search(
            public_object_search_request=_search_request(
                "calls", filters, sorts=[MODIFIED], limit=200
            )
        )
        before = standin.indexed_searches
        scanned = api.do_search(
            public_object_search_request=_search_request(
                "calls",
                [*filters, {"property_name": "hs_object_id", "operator": "HAS_PROPERTY"}],
                sorts=[{"propertyName": MODIFIED, "direction": "ASCENDING"}],
                limit=200,
            )
        )
        assert standin.indexed_searches == before  # the extra filter forced a scan
        assert indexed.total == scanned.total > 0
        assert [r.id for r in indexed.results] == [r.id for r in scanned.results]
        keys = [(r.updated_at, int(r.id)) for r in indexed.results]
        assert keys == sorted(keys)
    assert standin.indexed_searches == len(cases)


def test_search_operators_sorts_and_defaults(standin: StandInHubSpot, client: HubSpot) -> None:
    rows = {
        "1": {
            "dealname": "Acme renewal",
            "amount": "100",
            "dealstage": "closedwon",
            "pipeline": "default",
        },
        "2": {"dealname": "Globex", "amount": "20", "dealstage": "closedlost"},
        "3": {
            "dealname": "Initech",
            "amount": "100",
            "dealstage": "ClosedWon",
            "closedate": "2026-12-01T00:00:00Z",
        },
        "4": {"dealname": "Umbrella"},
    }
    for object_id, props in rows.items():
        standin.put("deals", object_id, props)
    api = client.crm.deals.search_api

    def ids(
        filters: list[dict[str, Any]] | None = None,
        groups: list[list[dict[str, Any]]] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        request = _search_request("deals", filters or [], **kwargs)
        if groups is not None:
            request.filter_groups = [
                deals_pkg.FilterGroup(filters=[deals_pkg.Filter(**f) for f in g]) for g in groups
            ]
        return [r.id for r in api.do_search(public_object_search_request=request).results]

    assert ids([{"property_name": "dealstage", "operator": "EQ", "value": "CLOSEDWON"}]) == [
        "1",
        "3",
    ]
    assert ids([{"property_name": "dealstage", "operator": "NEQ", "value": "closedwon"}]) == [
        "2",
        "4",
    ]
    assert ids(
        [{"property_name": "dealstage", "operator": "IN", "values": ["closedlost", "closedwon"]}]
    ) == ["1", "2", "3"]
    assert ids([{"property_name": "dealstage", "operator": "NOT_IN", "values": ["closedwon"]}]) == [
        "2",
        "4",
    ]
    assert ids([{"property_name": "amount", "operator": "HAS_PROPERTY"}]) == ["1", "2", "3"]
    assert ids([{"property_name": "amount", "operator": "NOT_HAS_PROPERTY"}]) == ["4"]
    # Numbers compare as numbers ("20" < "100").
    assert ids([{"property_name": "amount", "operator": "LT", "value": "50"}]) == ["2"]
    assert ids(
        [{"property_name": "amount", "operator": "BETWEEN", "value": "20", "high_value": "100"}]
    ) == ["1", "2", "3"]
    assert ids(
        [
            {
                "property_name": "closedate",
                "operator": "GTE",
                "value": _ms(datetime(2026, 12, 1, tzinfo=UTC)),
            }
        ]
    ) == ["3"]
    # Groups OR together, filters in a group AND.
    groups = [
        [
            {"property_name": "dealstage", "operator": "EQ", "value": "closedwon"},
            {"property_name": "pipeline", "operator": "HAS_PROPERTY"},
        ],
        [{"property_name": "dealname", "operator": "EQ", "value": "umbrella"}],
    ]
    assert ids(groups=groups) == ["1", "4"]
    # Sorts: "-name" and {"direction": "DESCENDING"}; ties by id, missing values last.
    assert ids(sorts=["-amount"]) == ["1", "3", "2", "4"]
    assert ids(sorts=[{"propertyName": "amount", "direction": "DESCENDING"}]) == [
        "1",
        "3",
        "2",
        "4",
    ]
    assert ids(sorts=["amount"]) == ["2", "1", "3", "4"]
    assert ids(sorts=["dealname"]) == ["1", "2", "3", "4"]
    assert ids(query="globe") == ["2"]

    # No properties asked for: a deal comes with HubSpot's default ones, null when unset.
    page = api.do_search(public_object_search_request=_search_request("deals", [], limit=1))
    assert page.paging.next.after == "1" and page.total == 4
    assert page.results[0].properties == {
        "amount": "100",
        "closedate": None,
        "createdate": page.results[0].properties["createdate"],
        "dealname": "Acme renewal",
        "dealstage": "closedwon",
        "hs_lastmodifieddate": page.results[0].properties["hs_lastmodifieddate"],
        "hs_object_id": "1",
        "pipeline": "default",
    }


def test_search_refuses_what_hubspot_refuses(standin: StandInHubSpot, client: HubSpot) -> None:
    api = client.crm.objects.calls.search_api
    bad = [
        _search_request("calls", [], limit=201),
        _search_request("calls", [], sorts=["hs_timestamp", "hs_object_id"]),
        _search_request(
            "calls", [{"property_name": MODIFIED, "operator": "GTE", "value": "yesterday"}]
        ),
        _search_request("calls", [{"property_name": "x", "operator": "IN"}]),
    ]
    seven = [{"property_name": "a", "operator": "HAS_PROPERTY"}] * 7
    bad.append(_search_request("calls", seven))
    for request in bad:
        with pytest.raises(calls_pkg.ApiException) as err:
            api.do_search(public_object_search_request=request)
        assert err.value.status == 400
        assert json.loads(err.value.body)["category"] == "VALIDATION_ERROR"


def test_search_cap() -> None:
    with StandInHubSpot(TOKEN, search_cap=50) as standin:
        client = HubSpot(access_token=TOKEN, host=standin.base_url)
        standin.put_many(
            "calls",
            [(str(n), {"hs_call_title": str(n)}, T0 + timedelta(seconds=n)) for n in range(1, 61)],
        )
        api = client.crm.objects.calls.search_api
        seen, after = [], None
        while True:
            page = api.do_search(
                public_object_search_request=_search_request(
                    "calls",
                    _range(T0, T0 + timedelta(days=1)),
                    sorts=[MODIFIED],
                    limit=20,
                    after=after,
                )
            )
            assert page.total == 60  # counts everything, past the cap
            seen.extend(r.id for r in page.results)
            if page.paging is None:
                break
            after = page.paging.next.after
        # The third page stops at the cap and has no next page.
        assert seen == [str(n) for n in range(1, 51)]

        with pytest.raises(calls_pkg.ApiException) as err:
            api.do_search(
                public_object_search_request=_search_request("calls", [], limit=10, after="50")
            )
        assert err.value.status == 400
        body = json.loads(err.value.body)
        assert (
            body["category"] == "VALIDATION_ERROR"
            and "50" in body["message"]
            and body["status"] == "error"
        )
        # Just below the cap is fine.
        page = api.do_search(
            public_object_search_request=_search_request("calls", [], limit=10, after="45")
        )
        assert [r.id for r in page.results] == [
            "46",
            "47",
            "48",
            "49",
            "50",
        ] and page.paging is None


# ---------------------------------------------------------------------- lists and reads


def test_archived_list_read_and_purge(standin: StandInHubSpot, client: HubSpot) -> None:
    for n in range(1, 6):
        standin.put(
            "calls", str(n), {"hs_call_title": f"c{n}"}, modified_at=T0 + timedelta(minutes=n)
        )
    archived_at = T0 + timedelta(hours=1)
    standin.archive("calls", "2", at=archived_at)
    standin.archive("calls", "4")
    basic = client.crm.objects.calls.basic_api

    page = basic.get_page(archived=True, properties=["hs_call_title"], limit=100, after=None)
    assert [r.id for r in page.results] == ["2", "4"] and page.paging is None
    first = page.results[0]
    assert first.archived is True and first.archived_at == archived_at
    assert first.properties == {
        "hs_call_title": "c2",
        "hs_object_id": "2",
        "hs_createdate": _iso(T0 + timedelta(minutes=2)),
        MODIFIED: _iso(T0 + timedelta(minutes=2)),
    }
    assert standin.requests[-1].query == {
        "archived": ["True"],
        "properties": ["hs_call_title"],
        "limit": ["100"],
    }

    live = basic.get_page(properties=["hs_call_title"], limit=100)
    assert [r.id for r in live.results] == ["1", "3", "5"] and all(
        r.archived is False and r.archived_at is None for r in live.results
    )
    found = client.crm.objects.calls.search_api.do_search(
        public_object_search_request=_search_request(
            "calls", _range(T0, T0 + timedelta(days=1)), sorts=[MODIFIED]
        )
    )
    assert [r.id for r in found.results] == ["1", "3", "5"] and found.total == 3

    assert basic.get_by_id("2", archived=True, properties=["hs_call_title"]).archived is True
    assert basic.get_by_id("3").properties["hs_object_id"] == "3"
    with pytest.raises(calls_pkg.ApiException) as err:
        basic.get_by_id("2")
    assert err.value.status == 404 and json.loads(err.value.body)["category"] == "OBJECT_NOT_FOUND"

    standin.purge("calls", "2")
    standin.purge("calls", "3")
    assert [r.id for r in basic.get_page(archived=True).results] == ["4"]
    assert [r.id for r in basic.get_page().results] == ["1", "5"]
    assert standin.get("calls", "2") is None and standin.get("calls", "3") is None
    # put restores an archived object.
    standin.put("calls", "4", {"hs_call_title": "back"})
    assert [r.id for r in basic.get_page().results] == ["1", "4", "5"]


def test_list_pages_by_id(standin: StandInHubSpot, client: HubSpot) -> None:
    for n in (30, 4, 17, 2, 11):
        standin.put("deals", str(n), {"dealname": f"d{n}", "amount": str(n)})
    basic = client.crm.deals.basic_api
    seen, after = [], None
    while True:
        page = basic.get_page(limit=2, after=after, properties=["dealname", "amount"])
        seen.extend((r.id, r.properties["dealname"], r.properties["amount"]) for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
        assert page.paging.next.link.startswith(standin.base_url + "/crm/v3/objects/deals?")
    assert seen == [
        ("2", "d2", "2"),
        ("4", "d4", "4"),
        ("11", "d11", "11"),
        ("17", "d17", "17"),
        ("30", "d30", "30"),
    ]
    # properties comma separated, as other clients send them.
    status, headers, body = _raw(
        standin, "GET", "/crm/v3/objects/deals?properties=dealname,amount&limit=1"
    )
    assert status == 200 and headers["Content-Type"] == "application/json;charset=utf-8"
    assert set(body["results"][0]["properties"]) == {
        "dealname",
        "amount",
        "hs_object_id",
        "createdate",
        MODIFIED,
    }
    assert body["paging"]["next"]["after"] == "4"


def test_put_merges_and_keeps_its_clock_increasing(standin: StandInHubSpot) -> None:
    first = standin.put(
        "meetings", "7", {"hs_meeting_title": "Intro", "hs_timestamp": T0, "note": "a"}
    )
    second = standin.put("meetings", "7", {"note": None, "hs_meeting_outcome": "COMPLETED"})
    assert (
        second["properties"]["hs_meeting_title"] == "Intro" and "note" not in second["properties"]
    )
    assert second["properties"]["hs_timestamp"] == "2026-11-30T14:05:00.000Z"
    assert (
        second["properties"]["hs_createdate"]
        == first["properties"]["hs_createdate"]
        == first["createdAt"]
    )
    assert second["updatedAt"] > first["updatedAt"]  # ISO strings of one format sort in time order

    stamps = [
        standin.put("emails", str(n), {"hs_email_subject": "s"})["properties"][MODIFIED]
        for n in range(1, 30)
    ]
    assert stamps == sorted(set(stamps))  # strictly increasing, a millisecond apart at least
    # An explicit earlier time is taken as given; the clock then carries on past the latest.
    past = standin.put("emails", "1", {}, modified_at=T0 - timedelta(days=400))
    assert past["properties"][MODIFIED] == _iso(T0 - timedelta(days=400))
    future = T0 + timedelta(days=3650)
    standin.put("emails", "2", {}, modified_at=future)
    assert standin.put("emails", "3", {})["properties"][MODIFIED] > _iso(future)

    with pytest.raises(ValueError):
        standin.put("emails", "4", {}, modified_at=datetime(2026, 1, 1))  # naive
    with pytest.raises(ValueError):
        standin.put("contacts", "1", {})
    with pytest.raises(ValueError):
        standin.put("emails", "abc", {})


# ---------------------------------------------------------------------- auth and faults


def test_wrong_token_is_401(standin: StandInHubSpot, client: HubSpot) -> None:
    standin.add_owner("1", "a@example.com")
    with pytest.raises(UnauthorizedException) as err:
        HubSpot(
            access_token="pat-na1-wrong", host=standin.base_url
        ).crm.owners.owners_api.get_page()
    assert err.value.status == 401
    body = json.loads(err.value.body)
    assert (
        body["category"] == "INVALID_AUTHENTICATION"
        and body["status"] == "error"
        and body["correlationId"]
    )
    assert body["message"].startswith("Authentication credentials not found.")

    assert client.crm.owners.owners_api.get_page().results[0].id == "1"
    standin.set_token("pat-na1-rotated")
    with pytest.raises(UnauthorizedException):
        client.crm.owners.owners_api.get_page()
    assert (
        HubSpot(access_token="pat-na1-rotated", host=standin.base_url)
        .crm.owners.owners_api.get_page()
        .results
    )

    assert [r.authorized for r in standin.requests] == [False, True, False, True]
    assert [r.status for r in standin.requests] == [401, 200, 401, 200]
    for request in standin.requests:
        assert "authorization" not in request.headers
        assert "pat-na1" not in repr(request)
    status, _, _ = _raw(standin, "GET", "/crm/v3/owners/", token=None)
    assert status == 401


def test_rate_limit_reaches_the_client(standin: StandInHubSpot, client: HubSpot) -> None:
    api = client.crm.objects.calls.search_api
    standin.fail_next(429, headers={"Retry-After": "1"}, path_contains="/calls/search")
    # Another path is not affected.
    assert client.crm.owners.owners_api.get_page().results == []
    with pytest.raises(calls_pkg.ApiException) as err:
        api.do_search(public_object_search_request=_search_request("calls", []))
    assert err.value.status == 429
    assert err.value.headers["Retry-After"] == "1"
    body = json.loads(err.value.body)
    assert (
        body["errorType"] == "RATE_LIMIT"
        and body["policyName"] == "SECONDLY"
        and body["status"] == "error"
    )
    assert body["message"] == "You have reached your secondly limit."
    # Only once.
    assert api.do_search(public_object_search_request=_search_request("calls", [])).total == 0
    assert [r.status for r in standin.requests] == [200, 429, 200]


def test_get_with_retry_after_is_retried_by_urllib3(
    standin: StandInHubSpot, client: HubSpot
) -> None:
    # Without a retry configuration urllib3's default Retry(3) still applies: GETs (not the
    # search POSTs) answered 429/503 with Retry-After are retried after sleeping that long.
    standin.add_owner("1", "a@example.com")
    standin.fail_next(429, headers={"Retry-After": "0"})
    assert [o.id for o in client.crm.owners.owners_api.get_page().results] == ["1"]
    assert [r.status for r in standin.requests] == [429, 200]


def test_server_error(standin: StandInHubSpot, client: HubSpot) -> None:
    api = client.crm.objects.calls.search_api
    standin.fail_next(500)
    with pytest.raises(ServiceException) as err:
        api.do_search(public_object_search_request=_search_request("calls", []))
    assert err.value.status == 500
    body = json.loads(err.value.body)
    assert (
        body["category"] == "INTERNAL_ERROR"
        and body["message"] == "internal error"
        and body["correlationId"]
    )
    # A scripted body is sent as given; 500s on GETs are not retried.
    standin.fail_next(502, count=2, body={"status": "error", "message": "bad gateway"})
    for _ in range(2):
        with pytest.raises(deals_pkg.ApiException) as deal_err:
            client.crm.deals.basic_api.get_page()
        assert deal_err.value.status == 502 and json.loads(deal_err.value.body) == {
            "status": "error",
            "message": "bad gateway",
        }
    assert client.crm.deals.basic_api.get_page().results == []


def test_dropped_connection(standin: StandInHubSpot, client: HubSpot) -> None:
    api = client.crm.objects.calls.search_api
    standin.drop_next(path_contains="/search")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.do_search(public_object_search_request=_search_request("calls", []))
    assert standin.requests[-1].status == 0 and standin.requests[-1].json == {}

    # GETs are retried by urllib3 (3 times by default): one drop goes unnoticed, four don't.
    standin.clear_requests()
    standin.drop_next()
    assert client.crm.owners.owners_api.get_page().results == []
    assert [r.status for r in standin.requests] == [0, 200]
    standin.drop_next(count=4)
    with pytest.raises(urllib3.exceptions.MaxRetryError) as err:
        client.crm.owners.owners_api.get_page()
    assert isinstance(err.value.reason, urllib3.exceptions.ProtocolError)


def test_on_request_hook(standin: StandInHubSpot, client: HubSpot) -> None:
    seen: list[tuple[str, int, Any]] = []

    def hook(request: RecordedRequest) -> None:
        seen.append((request.path, request.status, request.json))

    standin.on_request = hook
    api = client.crm.objects.calls.search_api
    api.do_search(public_object_search_request=_search_request("calls", [], limit=5))
    assert seen == [("/crm/v3/objects/calls/search", 0, {"limit": 5})]

    def refuse(request: RecordedRequest) -> None:
        raise RuntimeError("no answer for you")

    standin.on_request = refuse
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.do_search(public_object_search_request=_search_request("calls", []))
    standin.on_request = None
    assert api.do_search(public_object_search_request=_search_request("calls", [])).total == 0


def test_malformed_json_and_unknown_paths(standin: StandInHubSpot) -> None:
    status, headers, body = _raw(standin, "POST", "/crm/v3/objects/calls/search", body=b"{not json")
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert headers["Content-Type"] == "application/json;charset=utf-8"
    assert standin.requests[-1].json is None and standin.requests[-1].status == 400
    for path in ("/crm/v3/nothing", "/crm/v3/objects/contacts/search", "/crm/v3/objects/calls/123"):
        status, headers, body = _raw(
            standin, "GET" if "search" not in path else "POST", path, body=b"{}"
        )
        assert status == 404, path
        assert (
            body["status"] == "error"
            and body["category"] == "OBJECT_NOT_FOUND"
            and body["correlationId"]
        )
        assert headers["Content-Type"] == "application/json;charset=utf-8"


def test_stop_ends_keep_alive_connections() -> None:
    before = set(threading.enumerate())
    standin = StandInHubSpot(TOKEN).start()
    client = HubSpot(access_token=TOKEN, host=standin.base_url)
    owners = client.crm.owners.owners_api
    owners.get_page()
    owners.get_page()
    assert standin.connections_opened == 1  # urllib3 kept the connection alive
    standin.stop()
    # stop() joined the handler thread parked on the open connection.
    assert set(threading.enumerate()) <= before


# ---------------------------------------------------------------------- bulk load


def test_bulk_load_pages_through_the_index() -> None:
    total = 110_000
    # A cap above the data, so one query can page through all of it (HubSpot's 10,000 would
    # stop it: a sync has to narrow its window instead).
    with StandInHubSpot(TOKEN, search_cap=1_000_000) as standin:
        client = HubSpot(access_token=TOKEN, host=standin.base_url)
        standin.put_many(
            "calls",
            (
                (
                    str(n),
                    {"hs_call_title": f"call {n}", "hubspot_owner_id": "7"},
                    T0 + timedelta(milliseconds=n // 3),
                )
                for n in range(1, total + 1)
            ),
        )
        assert standin.count("calls") == total
        api = client.crm.objects.calls.search_api
        high = T0 + timedelta(days=1)
        # Pages as raw JSON (through the official client's HTTP path): deserializing 110,000
        # models would take the client ~10 s, which is not what this test is about.
        previous, count, pages, after = ("", 0), 0, 0, None
        while True:
            request = _search_request(
                "calls",
                _range(T0, high),
                sorts=[MODIFIED],
                properties=["hs_call_title"],
                limit=200,
                after=after,
            )
            response = api.do_search(public_object_search_request=request, _preload_content=False)
            page = json.loads(response.data)
            pages += 1
            assert page["total"] == total and len(page["results"]) == 200
            for result in page["results"]:
                key = (result["properties"][MODIFIED], int(result["id"]))
                assert key > previous
                previous = key
            count += len(page["results"])
            if "paging" not in page:
                break
            after = page["paging"]["next"]["after"]
        assert (count, pages, standin.indexed_searches) == (total, 550, 550)
        # A page in the middle, through the client's models.
        middle = api.do_search(
            public_object_search_request=_search_request(
                "calls", _range(T0, high), sorts=[MODIFIED], limit=200, after="54000"
            )
        )
        assert [r.id for r in middle.results] == [str(n) for n in range(54_001, 54_201)]
        assert middle.results[0].updated_at == T0 + timedelta(milliseconds=54_001 // 3)
