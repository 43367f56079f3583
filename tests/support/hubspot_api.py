"""A stand-in for HubSpot's CRM API (v3), served over HTTP on loopback.

The app talks to it with HubSpot's official client, ``hubspot.HubSpot(access_token=...,
host=standin.base_url)``, so the whole HTTP path (urllib3, JSON bodies, the client's models
and their validation) is exercised. Answers follow HubSpot's documented JSON shapes closely
enough that the client's models deserialize every one of them.

What is covered: owners (``/crm/v3/owners/``), and four object types -- the engagements
``calls``, ``meetings``, ``emails`` and ``deals`` -- with their list, read and search
endpoints. Tests load data with ``put``/``put_many``, archive or purge it, and script faults
with ``fail_next``/``drop_next`` or the ``on_request`` hook.

Search follows HubSpot's rules as documented: filter groups OR together and the filters in a
group AND; at most 5 groups, 6 filters a group and 18 in all; one sort; ``limit`` up to 200;
``after`` is an offset, and paging stops at ``search_cap`` (10,000 at HubSpot): an ``after`` at
or past it is refused with a 400, while ``total`` still counts every match. Archived objects
never show in search.

A search whose only filters are a range on ``hs_lastmodifieddate`` (in one group), sorted by
``hs_lastmodifieddate`` ascending -- how an incremental sync pages -- is answered from a
per-type index kept sorted by (hs_lastmodifieddate, id), in O(log n + page); other searches
scan the objects of that type.

Choices where HubSpot's documentation is silent (kept deliberately simple):

* objects without a value for a property match ``NEQ``, ``NOT_IN`` and
  ``NOT_CONTAINS_TOKEN`` on it, and sort after every object that has one, whichever way;
* string comparisons ignore case; a property whose values all parse as numbers compares as
  numbers; datetime properties (see ``DATETIME_PROPERTIES``) compare as instants, and filter
  values for them may be epoch milliseconds or ISO-8601 strings;
* ``query`` (full-text search) matches objects with any property value containing it;
* list ``limit`` above the maximum (100 objects, 500 owners) is capped, not refused;
* ``put`` on an archived object restores it.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from bot.standin.loopback import JsonRequestHandler, LoopbackServer

__all__ = [
    "DATETIME_PROPERTIES",
    "OBJECT_TYPES",
    "RecordedRequest",
    "StandInHubSpot",
]

_log = logging.getLogger(__name__)

OBJECT_TYPES = ("calls", "meetings", "emails", "deals")
_ENGAGEMENTS = frozenset({"calls", "meetings", "emails"})
# The object type ids HubSpot accepts in place of the names in /crm/v3/objects/{objectType}.
_TYPE_ALIASES = {"0-3": "deals", "0-47": "meetings", "0-48": "calls", "0-49": "emails"}
_TYPE_ALIASES.update({t: t for t in OBJECT_TYPES})

# Properties HubSpot types as datetime: stored and answered as ISO-8601 UTC with
# milliseconds, compared as instants in search.
DATETIME_PROPERTIES = frozenset(
    {
        "hs_lastmodifieddate",
        "hs_timestamp",
        "createdate",
        "closedate",
        "hs_createdate",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
    }
)
_MODIFIED = "hs_lastmodifieddate"
# What HubSpot answers when a request names no properties.
_DEFAULT_PROPERTIES = {
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "calls": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "emails": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}

_JSON_CONTENT_TYPE = "application/json;charset=utf-8"

_SEARCH_LIMIT_DEFAULT = 10
_SEARCH_LIMIT_MAX = 200
_MAX_FILTER_GROUPS = 5
_MAX_FILTERS_PER_GROUP = 6
_MAX_FILTERS = 18
_LIST_LIMIT_DEFAULT = 10
_LIST_LIMIT_MAX = 100
_OWNERS_LIMIT_DEFAULT = 100
_OWNERS_LIMIT_MAX = 500

_RANGE_OPERATORS = frozenset({"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"})
_OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)

_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_EPOCH_MS_RE = re.compile(r"-?\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")

_SEARCH_PATH_RE = re.compile(r"/crm/v3/objects/([^/]+)/search/?")
_OBJECTS_PATH_RE = re.compile(r"/crm/v3/objects/([^/]+)(?:/([^/]+))?/?")
_OWNER_PATH_RE = re.compile(r"/crm/v3/owners/([^/]+)/?")


@dataclass
class RecordedRequest:
    """One request the app made to the stand-in.

    ``query`` maps each name to every value sent (``properties`` may repeat), as
    ``urllib.parse.parse_qs`` gives it. ``json`` is the decoded body (None without one, or
    when it did not decode). ``headers`` are lower-cased and never include Authorization:
    only whether it carried the right bearer token is kept, in ``authorized``. ``status`` is
    what the stand-in answered, 0 while it is being answered and when the connection was
    closed without an answer. ``elapsed`` is the seconds the stand-in spent on the answer,
    JSON encoding excluded.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    authorized: bool
    headers: dict[str, str] = field(default_factory=dict)
    at: float = 0.0
    status: int = 0
    elapsed: float = 0.0

    @property
    def object_type(self) -> str | None:
        """The object type a /crm/v3/objects/... request was about, if any."""
        match = _OBJECTS_PATH_RE.fullmatch(self.path)
        return _TYPE_ALIASES.get(unquote(match.group(1))) if match else None

    @property
    def is_search(self) -> bool:
        return self.method == "POST" and _SEARCH_PATH_RE.fullmatch(self.path) is not None


@dataclass
class _Fault:
    status: int
    remaining: int
    path_contains: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    drop: bool


@dataclass
class _Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class _ApiError(Exception):
    """Ends a request with HubSpot's error shape."""

    def __init__(self, status: int, message: str, category: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category or _CATEGORIES.get(status, "INTERNAL_ERROR")


class _Object:
    """One CRM object. ``properties`` never holds None values (None removes a property)."""

    __slots__ = ("archived_at", "created_prop", "id", "modified_ms", "properties")

    def __init__(
        self, object_id: int, properties: dict[str, str], modified_ms: int, created_prop: str
    ) -> None:
        self.id = object_id
        self.properties = properties
        self.modified_ms = modified_ms
        self.created_prop = created_prop
        self.archived_at: str | None = None


@dataclass
class _Owner:
    id: str
    email: str | None
    first_name: str
    last_name: str
    user_id: int | None
    archived: bool
    created_at: str
    updated_at: str
    teams: list[dict[str, Any]]

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "archived": self.archived,
            "teams": [dict(t) for t in self.teams],
        }


class _TypeStore:
    """The objects of one type and the indexes that keep reads cheap."""

    __slots__ = ("archived_ids", "by_id", "live_ids", "modified_index")

    def __init__(self) -> None:
        self.by_id: dict[int, _Object] = {}
        # Sorted ids of live and of archived objects (lists page by id).
        self.live_ids: list[int] = []
        self.archived_ids: list[int] = []
        # (hs_lastmodifieddate in ms, id) of every live object, sorted.
        self.modified_index: list[tuple[int, int]] = []

    def index(self, obj: _Object) -> None:
        bisect.insort(self.live_ids, obj.id)
        bisect.insort(self.modified_index, (obj.modified_ms, obj.id))

    def unindex(self, obj: _Object) -> None:
        _remove_sorted(self.live_ids, obj.id)
        _remove_sorted(self.modified_index, (obj.modified_ms, obj.id))

    def rebuild(self) -> None:
        live = [o for o in self.by_id.values() if o.archived_at is None]
        self.live_ids = sorted(o.id for o in live)
        self.archived_ids = sorted(o.id for o in self.by_id.values() if o.archived_at is not None)
        self.modified_index = sorted((o.modified_ms, o.id) for o in live)


# ---------------------------------------------------------------------- HTTP server


class _RequestHandler(JsonRequestHandler):
    content_type = _JSON_CONTENT_TYPE

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        standin = cast(StandInHubSpot, self.server.standin)
        body = self._read_body()
        headers = dict(self.headers.items())
        try:
            answer = standin._answer(str(self.command), self.path, headers, body)
        except Exception:
            _log.exception("stand-in HubSpot failed to answer %s %s", self.command, self.path)
            answer = _Answer(500, _error_body("stand-in internal error", "INTERNAL_ERROR"))
        if answer.drop:
            # No status line: the client sees the connection closed without a response.
            self.close_connection = True
            return
        payload = json.dumps(answer.body, separators=(",", ":")).encode("utf-8")
        self._send_json(answer.status, payload, answer.headers)


# ---------------------------------------------------------------------- the stand-in


class StandInHubSpot(LoopbackServer):
    """HubSpot's CRM API on 127.0.0.1, recording every request.

    Use as a context manager or call ``start()``/``stop()``. All public methods are
    thread-safe; each connection is served on its own daemon thread.
    """

    # Served by LoopbackServer (bot/standin/loopback.py) on 127.0.0.1, a free port.
    _label = "HubSpot"
    _logger = _log
    _handler = _RequestHandler

    def __init__(
        self,
        token: str = "pat-na1-standin",
        *,
        search_cap: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if search_cap < 1:
            raise ValueError("search_cap must be at least 1")
        self.token = token
        self.search_cap = search_cap
        # Called with each request, recorded but not yet answered. If it raises, the
        # connection is closed without an answer. It may block: stop() waits up to 5 s for it.
        self.on_request: Callable[[RecordedRequest], None] | None = None
        # Searches answered from the (hs_lastmodifieddate, id) index, for tests and benches.
        self.indexed_searches = 0
        self._clock = clock

        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._owners: dict[str, _Owner] = {}
        self._types: dict[str, _TypeStore] = {t: _TypeStore() for t in OBJECT_TYPES}
        self._last_ms = 0

        self._init_loopback(self._lock)

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash): the client's ``host``."""
        return f"http://127.0.0.1:{self._bound_port()}"

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def search_requests(self, object_type: str | None = None) -> list[RecordedRequest]:
        """The search requests so far (of ``object_type`` only, when given)."""
        with self._lock:
            return [
                r
                for r in self._requests
                if r.is_search and (object_type is None or r.object_type == object_type)
            ]

    def get(self, object_type: str, object_id: str) -> dict[str, Any] | None:
        """The stored object (every property), archived or not; None when there is none."""
        store = self._store(object_type)
        with self._lock:
            obj = store.by_id.get(_object_id(object_id))
            return None if obj is None else _render(obj, None)

    def count(self, object_type: str, *, archived: bool = False) -> int:
        store = self._store(object_type)
        with self._lock:
            return len(store.archived_ids if archived else store.live_ids)

    # ------------------------------------------------------------------ scripting: auth

    def set_token(self, new: str) -> None:
        """Accept ``new`` from now on; the old token is refused with a 401."""
        with self._lock:
            self.token = new

    # ------------------------------------------------------------------ scripting: owners

    def add_owner(
        self,
        owner_id: str,
        email: str | None,
        first_name: str = "",
        last_name: str = "",
        *,
        archived: bool = False,
        user_id: int | None = None,
        teams: Iterable[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Add (or replace) an owner; returns what the owners API answers for it."""
        with self._lock:
            now = _iso(self._tick())
            previous = self._owners.get(str(owner_id))
            owner = _Owner(
                id=str(owner_id),
                email=email,
                first_name=first_name,
                last_name=last_name,
                user_id=user_id,
                archived=archived,
                created_at=previous.created_at if previous else now,
                updated_at=now,
                teams=[dict(t) for t in teams],
            )
            self._owners[owner.id] = owner
            return owner.to_api()

    def remove_owner(self, owner_id: str) -> None:
        with self._lock:
            self._owners.pop(str(owner_id), None)

    # ------------------------------------------------------------------ scripting: objects

    def put(
        self,
        object_type: str,
        object_id: str,
        properties: dict[str, Any],
        *,
        modified_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Create or update an object, merging ``properties`` (None removes one).

        ``hs_lastmodifieddate`` becomes ``modified_at`` (or the ``hs_lastmodifieddate``
        given in ``properties``), else the stand-in's clock: the wall clock, but always at
        least 1 ms after the latest modification so far. A new object's create date
        (``hs_createdate``, ``createdate`` for deals) is its first modification unless given.
        Values are stored as strings; datetimes (and datetime properties) as ISO-8601 UTC
        with milliseconds. Putting an archived object restores it. Returns the stored object.
        """
        store = self._store(object_type)
        oid = _object_id(object_id)
        created_prop = _created_property(object_type)
        values = {name: _property_value(name, value) for name, value in properties.items()}
        explicit: int | None = None
        if modified_at is not None:
            explicit = _datetime_ms(modified_at)
        elif values.get(_MODIFIED) is not None:
            explicit = _parse_instant_ms(str(values[_MODIFIED]))
        with self._lock:
            modified_ms = self._tick() if explicit is None else self._explicit(explicit)
            obj = store.by_id.get(oid)
            if obj is None:
                obj = _Object(oid, {}, modified_ms, created_prop)
                store.by_id[oid] = obj
                obj.properties[created_prop] = _iso(modified_ms)
            elif obj.archived_at is None:
                store.unindex(obj)
            else:
                _remove_sorted(store.archived_ids, oid)
                obj.archived_at = None
            _merge(obj.properties, values)
            obj.properties["hs_object_id"] = str(oid)
            obj.properties[_MODIFIED] = _iso(modified_ms)
            obj.modified_ms = modified_ms
            store.index(obj)
            return _render(obj, None)

    def put_many(
        self, object_type: str, rows: Iterable[tuple[str, dict[str, Any], datetime]]
    ) -> int:
        """Bulk ``put`` of (id, properties, modified_at) rows, for benchmarks: the indexes are
        rebuilt once at the end. Returns the number of rows."""
        store = self._store(object_type)
        created_prop = _created_property(object_type)
        by_id = store.by_id
        count = 0
        latest = None
        with self._lock:
            for object_id, properties, modified_at in rows:
                oid = _object_id(object_id)
                modified_ms = _datetime_ms(modified_at)
                modified_iso = _iso(modified_ms)
                values = {}
                for name, value in properties.items():
                    if value is None or (type(value) is str and name not in DATETIME_PROPERTIES):
                        values[name] = value
                    else:
                        values[name] = _property_value(name, value)
                obj = by_id.get(oid)
                if obj is None:
                    obj = _Object(oid, {created_prop: modified_iso}, modified_ms, created_prop)
                    by_id[oid] = obj
                else:
                    obj.archived_at = None
                    obj.modified_ms = modified_ms
                _merge(obj.properties, values)
                obj.properties["hs_object_id"] = str(oid)
                obj.properties[_MODIFIED] = modified_iso
                if latest is None or modified_ms > latest:
                    latest = modified_ms
                count += 1
            store.rebuild()
            if latest is not None:
                self._last_ms = max(self._last_ms, latest)
        return count

    def archive(
        self, object_type: str, object_id: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """Archive (soft-delete) an object: it leaves search and default lists and shows in
        ``?archived=true`` lists with ``archivedAt``. Returns the stored object."""
        store = self._store(object_type)
        oid = _object_id(object_id)
        with self._lock:
            obj = store.by_id.get(oid)
            if obj is None:
                raise KeyError(f"no {object_type} object {object_id}")
            if obj.archived_at is None:
                archived_ms = self._tick() if at is None else self._explicit(_datetime_ms(at))
                store.unindex(obj)
                bisect.insort(store.archived_ids, oid)
                obj.archived_at = _iso(archived_ms)
            return _render(obj, None)

    def purge(self, object_type: str, object_id: str) -> None:
        """Delete an object for good (a GDPR delete): it is gone from every answer."""
        store = self._store(object_type)
        oid = _object_id(object_id)
        with self._lock:
            obj = store.by_id.pop(oid, None)
            if obj is None:
                return
            if obj.archived_at is None:
                store.unindex(obj)
            else:
                _remove_sorted(store.archived_ids, oid)

    # ------------------------------------------------------------------ scripting: faults

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        path_contains: str = "",
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``count`` requests whose path (query included) contains
        ``path_contains`` with ``status``, ``headers`` and ``body`` (HubSpot's error shape for
        that status by default). Faults apply in the order they were added, before the
        token is checked."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(
                _Fault(status, count, path_contains, dict(headers or {}), body, drop=False)
            )

    def drop_next(self, *, count: int = 1, path_contains: str = "") -> None:
        """Read the next ``count`` matching requests, then close their connections with no
        answer (as a proxy or HubSpot's edge killed them)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(_Fault(0, count, path_contains, {}, None, drop=True))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ clock

    def _tick(self) -> int:
        """The stand-in's clock in epoch ms: strictly after every modification so far."""
        with self._lock:
            now = int(self._clock() * 1000)
            self._last_ms = max(now, self._last_ms + 1)
            return self._last_ms

    def _explicit(self, ms: int) -> int:
        with self._lock:
            self._last_ms = max(self._last_ms, ms)
        return ms

    def _store(self, object_type: str) -> _TypeStore:
        try:
            return self._types[object_type]
        except KeyError:
            raise ValueError(
                f"unknown object type {object_type!r}; one of {OBJECT_TYPES}"
            ) from None

    # ------------------------------------------------------------------ answering

    def _answer(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Answer:
        started = time.perf_counter()
        split = urlsplit(raw_path)
        decoded: Any = None
        malformed = False
        if body:
            try:
                decoded = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                malformed = True
        token = _bearer(headers.get("authorization"))
        with self._lock:
            authorized = token is not None and token == self.token
        record = RecordedRequest(
            method=method,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            json=decoded,
            authorized=authorized,
            headers={k: v for k, v in headers.items() if k != "authorization"},
            at=time.time(),
        )
        with self._lock:
            self._requests.append(record)

        hook = self.on_request
        if hook is not None:
            try:
                hook(record)
            except Exception:
                _log.debug("on_request raised; dropping %s %s", method, raw_path, exc_info=True)
                return _Answer(drop=True)

        fault = self._take_fault(raw_path)
        if fault is not None:
            answer = _fault_answer(fault)
        elif not authorized:
            answer = _error(401, _AUTH_MESSAGE)
        elif malformed:
            answer = _error(400, "Invalid input JSON: the request body could not be parsed")
        else:
            try:
                answer = _Answer(200, self._route(method, split.path, record.query, decoded))
            except _ApiError as exc:
                answer = _error(exc.status, exc.message, exc.category)
        record.status = 0 if answer.drop else answer.status
        record.elapsed = time.perf_counter() - started
        return answer

    def _take_fault(self, raw_path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in raw_path:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if path in ("/crm/v3/owners", "/crm/v3/owners/"):
            _require_method(method, "GET", path)
            return self._owners_page(query)
        match = _OWNER_PATH_RE.fullmatch(path)
        if match:
            _require_method(method, "GET", path)
            return self._owner(unquote(match.group(1)), query)
        match = _SEARCH_PATH_RE.fullmatch(path)
        if match and method == "POST":
            return self._search(_object_type(match.group(1)), body)
        match = _OBJECTS_PATH_RE.fullmatch(path)
        if match:
            object_type = _object_type(match.group(1))
            _require_method(method, "GET", path)
            if match.group(2) is None:
                return self._list(object_type, query)
            return self._read(object_type, unquote(match.group(2)), query)
        raise _ApiError(404, f"No route for {method} {path}", "OBJECT_NOT_FOUND")

    # --- owners

    def _owners_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        limit = min(_int_arg(query, "limit", _OWNERS_LIMIT_DEFAULT), _OWNERS_LIMIT_MAX)
        start = _int_arg(query, "after", 0)
        archived = _bool_arg(query, "archived")
        email = _last(query, "email")
        with self._lock:
            owners = [
                o
                for o in sorted(self._owners.values(), key=lambda o: _id_sort_key(o.id))
                if o.archived == archived
                and (not email or (o.email or "").casefold() == email.casefold())
            ]
            page = [o.to_api() for o in owners[start : start + limit]]
        answer: dict[str, Any] = {"results": page}
        end = start + limit
        if end < len(owners):
            params = {"limit": limit, "after": end}
            if archived:
                params["archived"] = "true"
            if email:
                params["email"] = email
            answer["paging"] = {
                "next": {
                    "after": str(end),
                    "link": f"{self.base_url}/crm/v3/owners/?{urlencode(params)}",
                }
            }
        return answer

    def _owner(self, owner_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        by = _last(query, "idProperty") or "id"
        archived = _bool_arg(query, "archived")
        with self._lock:
            for owner in self._owners.values():
                key = owner.id if by == "id" else str(owner.user_id)
                if key == owner_id and owner.archived == archived:
                    return owner.to_api()
        raise _ApiError(404, "resource not found")

    # --- objects

    def _list(self, object_type: str, query: dict[str, list[str]]) -> dict[str, Any]:
        limit = min(_int_arg(query, "limit", _LIST_LIMIT_DEFAULT), _LIST_LIMIT_MAX)
        after = _int_arg(query, "after", 0)
        archived = _bool_arg(query, "archived")
        wanted = _wanted_properties(object_type, _list_arg(query, "properties"))
        store = self._types[object_type]
        with self._lock:
            ids = store.archived_ids if archived else store.live_ids
            start = bisect.bisect_left(ids, after)
            page_ids = ids[start : start + limit + 1]
            results = [_render(store.by_id[i], wanted) for i in page_ids[:limit]]
        answer: dict[str, Any] = {"results": results}
        if len(page_ids) > limit:
            next_after = str(page_ids[limit])
            params: dict[str, Any] = {"limit": limit, "after": next_after}
            if archived:
                params["archived"] = "true"
            link = f"{self.base_url}/crm/v3/objects/{object_type}?{urlencode(params)}"
            answer["paging"] = {"next": {"after": next_after, "link": link}}
        return answer

    def _read(
        self, object_type: str, object_id: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        if _last(query, "idProperty") not in (None, "", "hs_object_id"):
            raise _ApiError(400, "Only hs_object_id is supported as idProperty by the stand-in")
        archived = _bool_arg(query, "archived")
        wanted = _wanted_properties(object_type, _list_arg(query, "properties"))
        store = self._types[object_type]
        try:
            oid = int(object_id)
        except ValueError:
            raise _ApiError(404, "resource not found") from None
        with self._lock:
            obj = store.by_id.get(oid)
            if obj is None or (obj.archived_at is not None) != archived:
                raise _ApiError(404, "resource not found")
            return _render(obj, wanted)

    # --- search

    def _search(self, object_type: str, body: Any) -> dict[str, Any]:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise _ApiError(400, "Invalid input JSON: expected an object")
        groups = _parse_filter_groups(body.get("filterGroups"))
        sorts = _parse_sorts(body.get("sorts"))
        limit = _search_int(body.get("limit"), "limit", _SEARCH_LIMIT_DEFAULT)
        if limit > _SEARCH_LIMIT_MAX:
            raise _ApiError(400, f"limit must be at most {_SEARCH_LIMIT_MAX}, was {limit}")
        after = _search_int(body.get("after"), "after", 0)
        cap = self.search_cap
        if after >= cap:
            raise _ApiError(
                400,
                f"The search API returns at most {cap} results for a query: "
                f"'after' ({after}) must be below {cap}. Narrow the query instead.",
            )
        query_text = body.get("query")
        if query_text is not None and not isinstance(query_text, str):
            raise _ApiError(400, "query must be a string")
        requested = body.get("properties")
        if requested is not None and (
            not isinstance(requested, list) or not all(isinstance(p, str) for p in requested)
        ):
            raise _ApiError(400, "properties must be a list of property names")
        wanted = _wanted_properties(object_type, requested)
        store = self._types[object_type]
        stop = min(after + limit, cap)

        with self._lock:
            bounds = None if query_text else _indexed_bounds(groups, sorts)
            if bounds is not None:
                self.indexed_searches += 1
                keys = store.modified_index
                lo = bisect.bisect_left(keys, (bounds[0],))
                hi = max(lo, bisect.bisect_left(keys, (bounds[1],)))
                total = hi - lo
                page = [store.by_id[k[1]] for k in keys[lo + after : min(lo + stop, hi)]]
            else:
                matched = [
                    store.by_id[i]
                    for i in store.live_ids
                    if _matches(store.by_id[i], groups, query_text)
                ]
                _sort(matched, sorts)
                total = len(matched)
                page = matched[after:stop]
            results = [_render(obj, wanted) for obj in page]
        answer: dict[str, Any] = {"total": total, "results": results}
        next_offset = after + limit
        if limit > 0 and next_offset < total and next_offset < cap:
            answer["paging"] = {"next": {"after": str(next_offset)}}
        return answer


# ---------------------------------------------------------------------- search helpers


@dataclass(frozen=True)
class _Filter:
    name: str
    operator: str
    value: str | None
    high_value: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class _SortSpec:
    name: str
    descending: bool


def _parse_filter_groups(raw: Any) -> list[list[_Filter]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _ApiError(400, "filterGroups must be a list")
    if len(raw) > _MAX_FILTER_GROUPS:
        raise _ApiError(400, f"Too many filter groups: at most {_MAX_FILTER_GROUPS} are allowed")
    groups = []
    total = 0
    for group in raw:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise _ApiError(400, "each filter group needs a list of filters")
        if len(filters) > _MAX_FILTERS_PER_GROUP:
            raise _ApiError(
                400, f"Too many filters in a group: at most {_MAX_FILTERS_PER_GROUP} are allowed"
            )
        total += len(filters)
        groups.append([_parse_filter(f) for f in filters])
    if total > _MAX_FILTERS:
        raise _ApiError(400, f"Too many filters: at most {_MAX_FILTERS} are allowed in all")
    return groups


def _parse_filter(raw: Any) -> _Filter:
    if not isinstance(raw, dict):
        raise _ApiError(400, "a filter must be an object")
    name = raw.get("propertyName")
    operator = raw.get("operator")
    if not isinstance(name, str) or not name:
        raise _ApiError(400, "a filter needs a propertyName")
    if operator not in _OPERATORS:
        raise _ApiError(400, f"Unknown filter operator {operator!r}")
    value = raw.get("value")
    high_value = raw.get("highValue")
    values = raw.get("values")
    if operator in {"IN", "NOT_IN"}:
        if not isinstance(values, list) or not values:
            raise _ApiError(400, f"{operator} needs a non-empty list of values")
    elif operator not in {"HAS_PROPERTY", "NOT_HAS_PROPERTY"} and value is None:
        raise _ApiError(400, f"{operator} on {name} needs a value")
    if operator == "BETWEEN" and high_value is None:
        raise _ApiError(400, f"BETWEEN on {name} needs a highValue")
    as_text = [_filter_text(v) for v in (value, high_value)]
    parsed = _Filter(
        name, operator, as_text[0], as_text[1], tuple(_filter_text(v) or "" for v in values or ())
    )
    if name in DATETIME_PROPERTIES:
        for text in (parsed.value, parsed.high_value, *parsed.values):
            if text is not None and _parse_instant_ms(text) is None:
                raise _ApiError(400, f"{text!r} is not a valid datetime for {name}")
    return parsed


def _filter_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_sorts(raw: Any) -> list[_SortSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _ApiError(400, "sorts must be a list")
    if len(raw) > 1:
        raise _ApiError(400, "Only one sort is allowed in a search")
    sorts = []
    for item in raw:
        if isinstance(item, str) and item.strip("-"):
            sorts.append(_SortSpec(item.lstrip("-"), item.startswith("-")))
        elif isinstance(item, dict) and isinstance(item.get("propertyName"), str):
            direction = item.get("direction", "ASCENDING")
            if direction not in ("ASCENDING", "DESCENDING"):
                raise _ApiError(400, f"Unknown sort direction {direction!r}")
            sorts.append(_SortSpec(item["propertyName"], direction == "DESCENDING"))
        else:
            raise _ApiError(400, f"Invalid sort {item!r}")
    return sorts


def _search_int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _ApiError(400, f"{name} must be a non-negative integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _ApiError(400, f"{name} must be a non-negative integer, was {value!r}") from None
    if number < 0:
        raise _ApiError(400, f"{name} must be a non-negative integer, was {value!r}")
    return number


def _indexed_bounds(groups: list[list[_Filter]], sorts: list[_SortSpec]) -> tuple[int, int] | None:
    """[low, high) in epoch ms when the search is a modified-date range sorted by it
    ascending (answered from the index); None otherwise."""
    if sorts != [_SortSpec(_MODIFIED, False)] or len(groups) > 1:
        return None
    low, high = -(2**63), 2**63
    for f in groups[0] if groups else ():
        if f.name != _MODIFIED or f.operator not in _RANGE_OPERATORS:
            return None
        value = _parse_instant_ms(f.value or "")
        assert value is not None  # validated in _parse_filter
        if f.operator in ("GTE", "EQ", "BETWEEN"):
            low = max(low, value)
        if f.operator == "GT":
            low = max(low, value + 1)
        if f.operator in ("LTE", "EQ"):
            high = min(high, value + 1)
        if f.operator == "LT":
            high = min(high, value)
        if f.operator == "BETWEEN":
            high_value = _parse_instant_ms(f.high_value or "")
            assert high_value is not None
            high = min(high, high_value + 1)
    return low, high


def _matches(obj: _Object, groups: list[list[_Filter]], query_text: str | None) -> bool:
    if query_text:
        needle = query_text.casefold()
        if not any(needle in v.casefold() for v in obj.properties.values()):
            return False
    if not groups:
        return True
    return any(all(_filter_matches(obj.properties, f) for f in group) for group in groups)


def _comparable(name: str, text: str) -> Any:
    """A value to compare: ms for datetime properties, a float for numbers, else casefolded."""
    if name in DATETIME_PROPERTIES:
        return _parse_instant_ms(text)
    if _NUMBER_RE.fullmatch(text.strip()):
        return float(text)
    return text.casefold()


def _compare(name: str, stored: str, wanted: str) -> int | None:
    """-1/0/1 comparing a stored value with a filter value; None when they don't compare."""
    a = _comparable(name, stored)
    b = _comparable(name, wanted)
    if a is None or b is None:
        return None
    if isinstance(a, float) != isinstance(b, float):
        a, b = stored.casefold(), wanted.casefold()
    return (a > b) - (a < b)


def _filter_matches(properties: dict[str, str], f: _Filter) -> bool:
    stored = properties.get(f.name)
    present = stored is not None and stored != ""
    op = f.operator
    if op == "HAS_PROPERTY":
        return present
    if op == "NOT_HAS_PROPERTY":
        return not present
    if not present:
        return op in {"NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN"}
    assert stored is not None
    if op in {"IN", "NOT_IN"}:
        found = any(_compare(f.name, stored, v) == 0 for v in f.values)
        return found if op == "IN" else not found
    if op in {"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}:
        token = (f.value or "").strip("*").casefold()
        found = token in stored.casefold()
        return found if op == "CONTAINS_TOKEN" else not found
    order = _compare(f.name, stored, f.value or "")
    if order is None:
        return op == "NEQ"
    if op == "EQ":
        return order == 0
    if op == "NEQ":
        return order != 0
    if op == "LT":
        return order < 0
    if op == "LTE":
        return order <= 0
    if op == "GT":
        return order > 0
    if op == "GTE":
        return order >= 0
    # BETWEEN: inclusive at both ends.
    high = _compare(f.name, stored, f.high_value or "")
    return order >= 0 and high is not None and high <= 0


def _sort(objects: list[_Object], sorts: list[_SortSpec]) -> None:
    """Sort in place: by each sort (objects without the property last), ties by id."""
    objects.sort(key=lambda o: o.id)
    for spec in reversed(sorts):
        name = spec.name
        values = [o.properties.get(name) for o in objects]
        present = [v for v in values if v not in (None, "")]
        if name in DATETIME_PROPERTIES:
            convert: Callable[[str], Any] = lambda v: _parse_instant_ms(v) or 0  # noqa: E731
        elif present and all(_NUMBER_RE.fullmatch(v.strip()) for v in present if v is not None):
            convert = float
        else:
            convert = str.casefold
        with_value = [o for o in objects if o.properties.get(name) not in (None, "")]
        without = [o for o in objects if o.properties.get(name) in (None, "")]
        # Stable either way (reverse=True keeps equal keys in order): ties stay by id.
        with_value.sort(key=lambda o: convert(o.properties[name]), reverse=spec.descending)
        objects[:] = with_value + without


# ---------------------------------------------------------------------- rendering


def _render(obj: _Object, wanted: tuple[str, ...] | None) -> dict[str, Any]:
    """The object as HubSpot answers it; ``wanted`` None gives every stored property."""
    props = obj.properties
    properties = dict(props) if wanted is None else {name: props.get(name) for name in wanted}
    created = props.get(obj.created_prop) or props[_MODIFIED]
    result: dict[str, Any] = {
        "id": str(obj.id),
        "properties": properties,
        "createdAt": created,
        "updatedAt": props[_MODIFIED],
        "archived": obj.archived_at is not None,
    }
    if obj.archived_at is not None:
        result["archivedAt"] = obj.archived_at
    return result


def _wanted_properties(object_type: str, requested: list[str] | None) -> tuple[str, ...]:
    """Requested properties plus those HubSpot always returns, in a stable order; the type's
    defaults when none were requested."""
    if not requested:
        return _DEFAULT_PROPERTIES[object_type]
    always = ("hs_object_id", _created_property(object_type), _MODIFIED)
    return tuple(dict.fromkeys([*requested, *always]))


def _created_property(object_type: str) -> str:
    return "hs_createdate" if object_type in _ENGAGEMENTS else "createdate"


def _error_body(message: str, category: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }


def _error(status: int, message: str, category: str | None = None) -> _Answer:
    return _Answer(
        status, _error_body(message, category or _CATEGORIES.get(status, "INTERNAL_ERROR"))
    )


def _fault_answer(fault: _Fault) -> _Answer:
    if fault.drop:
        return _Answer(drop=True)
    if fault.body is not None:
        body: Any = json.loads(json.dumps(fault.body))
    elif fault.status == 429:
        body = {
            "status": "error",
            "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": "SECONDLY",
        }
    elif fault.status >= 500:
        body = _error_body("internal error", "INTERNAL_ERROR")
    else:
        body = _error_body(
            f"scripted HTTP {fault.status}", _CATEGORIES.get(fault.status, "VALIDATION_ERROR")
        )
    return _Answer(fault.status, body, dict(fault.headers))


# ---------------------------------------------------------------------- small helpers


def _require_method(method: str, expected: str, path: str) -> None:
    if method != expected:
        raise _ApiError(405, f"{method} is not supported on {path}", "VALIDATION_ERROR")


def _object_type(segment: str) -> str:
    name = _TYPE_ALIASES.get(unquote(segment))
    if name is None:
        raise _ApiError(
            404, f"Unable to infer object type from: {unquote(segment)}", "OBJECT_NOT_FOUND"
        )
    return name


def _object_id(object_id: Any) -> int:
    try:
        number = int(str(object_id))
    except ValueError:
        raise ValueError(
            f"object ids are strings of positive integers, not {object_id!r}"
        ) from None
    if number <= 0:
        raise ValueError(f"object ids are strings of positive integers, not {object_id!r}")
    return number


def _id_sort_key(owner_id: str) -> tuple[int, int, str]:
    return (0, int(owner_id), "") if owner_id.isdigit() else (1, 0, owner_id)


def _last(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _int_arg(query: dict[str, list[str]], name: str, default: int) -> int:
    text = _last(query, name)
    if text is None or text == "":
        return default
    try:
        number = int(text)
    except ValueError:
        raise _ApiError(400, f"{name} must be a non-negative integer, was {text!r}") from None
    if number < 0:
        raise _ApiError(400, f"{name} must be a non-negative integer, was {text!r}")
    return number


def _bool_arg(query: dict[str, list[str]], name: str) -> bool:
    # The official client sends Python's str(True): "True".
    return (_last(query, name) or "").strip().lower() == "true"


def _list_arg(query: dict[str, list[str]], name: str) -> list[str] | None:
    values = query.get(name)
    if not values:
        return None
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _merge(properties: dict[str, str], values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if name in ("hs_object_id", _MODIFIED):
            continue
        if value is None:
            if name not in ("hs_createdate", "createdate"):
                properties.pop(name, None)
        else:
            properties[name] = value


def _property_value(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _iso(_datetime_ms(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if name in DATETIME_PROPERTIES and text != "":
        ms = _parse_instant_ms(text)
        if ms is None:
            raise ValueError(f"{text!r} is not a datetime (for {name})")
        return _iso(ms)
    return text


def _datetime_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: give a timezone (HubSpot stores UTC instants)")
    return (value - _EPOCH) // _MS


def _iso(ms: int) -> str:
    """``2026-11-30T14:05:00.123Z``."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _parse_instant_ms(text: str) -> int | None:
    """Epoch ms from epoch milliseconds as text, an ISO-8601 datetime (naive means UTC) or
    a date (midnight UTC); None when it is none of these."""
    text = text.strip()
    if _EPOCH_MS_RE.fullmatch(text):
        return int(text)
    try:
        if _DATE_RE.fullmatch(text):
            parsed = datetime.fromisoformat(text + "T00:00:00+00:00")
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return (parsed - _EPOCH) // _MS


def _remove_sorted(items: list[Any], item: Any) -> None:
    index = bisect.bisect_left(items, item)
    if index < len(items) and items[index] == item:
        del items[index]
