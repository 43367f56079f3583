"""Reading HubSpot through its official client (hubspot-api-client): owners, and calls,
meetings, emails and deals changed in a window of time or archived.

Every call goes through `_call`, which honours 429's Retry-After, retries a 5xx or a broken
connection a few times with backoff, and turns a refused token into `CrmRefused`. The
client's own retries are off (Retry(total=0)) so waits go through the injected `sleep`,
which tests replace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from hubspot import HubSpot
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from bot.core.crm_mapping import MODIFIED_PROPERTY, OWNER_PROPERTY, parse_instant

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.hubapi.com"
PAGE_SIZE = 200  # the search endpoint's largest page
# The search endpoint will not page past this many results of one query.
SEARCH_CAP = 10_000
LIST_PAGE_SIZE = 100
OWNER_PAGE_SIZE = 500
RATE_LIMIT_TRIES = 6
TRANSIENT_TRIES = 4
RETRY_AFTER_DEFAULT = 10.0
RETRY_AFTER_MAX = 120.0
TIMEOUT = (5.0, 60.0)  # connect, read


class CrmError(Exception):
    """The CRM could not be read; the message is for people (no token in it)."""


class CrmRefused(CrmError):
    """HubSpot refused the token (401/403): nothing is read until someone fixes it."""


class CrmUnavailable(CrmError):
    """HubSpot kept failing (5xx, a broken connection, rate limits past our patience)."""


@dataclass(frozen=True)
class Owner:
    owner_id: str
    email: str | None
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True)
class CrmObject:
    object_id: str
    properties: dict[str, str | None]
    modified_at: datetime
    archived: bool = False


@dataclass(frozen=True)
class SearchPage:
    objects: list[CrmObject]
    total: int
    after: str | None


def _modified(properties: dict[str, Any], fallback: datetime | None) -> datetime:
    return (
        parse_instant(properties.get(MODIFIED_PROPERTY))
        or fallback
        or datetime(1970, 1, 1, tzinfo=UTC)
    )


def _as_object(result: Any, archived: bool = False) -> CrmObject:
    properties = {k: (None if v is None else str(v)) for k, v in (result.properties or {}).items()}
    updated = getattr(result, "updated_at", None)
    return CrmObject(str(result.id), properties, _modified(properties, updated), archived)


def _millis(instant: datetime) -> str:
    return str(int(instant.timestamp() * 1000))


def _status_of(error: BaseException) -> int | None:
    """The HTTP status of an error raised by one of the client's generated packages."""
    status = getattr(error, "status", None)
    return (
        status if isinstance(status, int) and type(error).__module__.startswith("hubspot") else None
    )


def _retry_after(error: BaseException) -> float:
    headers = getattr(error, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        seconds = float(value) if value is not None else RETRY_AFTER_DEFAULT
    except ValueError:
        seconds = RETRY_AFTER_DEFAULT
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


class HubSpotReader:
    """One account's reads. Built once per sync: the client's API objects (each with its own
    connection pool) are made once and reused for every page."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        client = HubSpot(
            access_token=token,
            host=api_url.rstrip("/"),
            retry=Retry(total=0, raise_on_status=False),
        )
        self._sleep = sleep
        self._owners = client.crm.owners.owners_api
        self._search = {
            "calls": client.crm.objects.calls.search_api,
            "meetings": client.crm.objects.meetings.search_api,
            "emails": client.crm.objects.emails.search_api,
            "deals": client.crm.deals.search_api,
        }
        self._basic = {
            "calls": client.crm.objects.calls.basic_api,
            "meetings": client.crm.objects.meetings.basic_api,
            "emails": client.crm.objects.emails.basic_api,
            "deals": client.crm.deals.basic_api,
        }
        self._models = {
            "calls": import_module("hubspot.crm.objects.calls"),
            "meetings": import_module("hubspot.crm.objects.meetings"),
            "emails": import_module("hubspot.crm.objects.emails"),
            "deals": import_module("hubspot.crm.deals"),
        }
        self.requests = 0
        self.waited = 0.0

    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        limited = transient = 0
        while True:
            self.requests += 1
            try:
                return fn(_request_timeout=TIMEOUT, **kwargs)
            except Exception as error:  # the generated packages each have their own classes
                status = _status_of(error)
                if status in (401, 403):
                    raise CrmRefused(
                        f"HubSpot refused the access token ({status}) while reading {what}: "
                        "check the private app's token and its scopes."
                    ) from None
                if status == 429:
                    limited += 1
                    if limited >= RATE_LIMIT_TRIES:
                        raise CrmUnavailable(
                            f"HubSpot kept rate-limiting {what} ({limited} times)."
                        ) from None
                    wait = _retry_after(error)
                    log.info("HubSpot rate limit on %s: waiting %.1f s (Retry-After)", what, wait)
                elif (status is not None and status >= 500) or (
                    status is None and isinstance(error, (Urllib3Error, OSError))
                ):
                    transient += 1
                    if transient >= TRANSIENT_TRIES:
                        problem = f"HTTP {status}" if status else type(error).__name__
                        raise CrmUnavailable(
                            f"HubSpot failed reading {what} ({problem}, {transient} tries)."
                        ) from None
                    wait = float(2 ** (transient - 1))
                    log.info(
                        "HubSpot error on %s (%s): retrying in %.0f s",
                        what,
                        status or type(error).__name__,
                        wait,
                    )
                elif status is not None:
                    raise CrmError(f"HubSpot answered {status} reading {what}.") from None
                else:
                    raise
            self.waited += wait
            self._sleep(wait)

    def owners(self) -> Iterator[Owner]:
        after: str | None = None
        while True:
            page = self._call(
                "owners", self._owners.get_page, limit=OWNER_PAGE_SIZE, after=after, archived=False
            )
            for o in page.results or []:
                yield Owner(str(o.id), o.email, o.first_name, o.last_name)
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return

    def search(
        self,
        object_type: str,
        properties: tuple[str, ...],
        start: datetime,
        end: datetime,
        after: str | None = None,
    ) -> SearchPage:
        """One page of the objects last modified in [start, end), oldest first."""
        models = self._models[object_type]
        request = models.PublicObjectSearchRequest(
            filter_groups=[
                models.FilterGroup(
                    filters=[
                        models.Filter(
                            property_name=MODIFIED_PROPERTY, operator="GTE", value=_millis(start)
                        ),
                        models.Filter(
                            property_name=MODIFIED_PROPERTY, operator="LT", value=_millis(end)
                        ),
                    ]
                )
            ],
            sorts=[{"propertyName": MODIFIED_PROPERTY, "direction": "ASCENDING"}],
            properties=list(dict.fromkeys((*properties, OWNER_PROPERTY, MODIFIED_PROPERTY))),
            limit=PAGE_SIZE,
            after=after,
        )
        page = self._call(
            object_type, self._search[object_type].do_search, public_object_search_request=request
        )
        next_after = page.paging.next.after if page.paging and page.paging.next else None
        return SearchPage(
            [_as_object(r) for r in page.results or []], int(page.total or 0), next_after
        )

    def archived(self, object_type: str, properties: tuple[str, ...]) -> Iterator[list[CrmObject]]:
        """The archived (deleted) objects of a type, a page at a time."""
        after: str | None = None
        while True:
            page = self._call(
                f"archived {object_type}", self._basic[object_type].get_page,
                limit=LIST_PAGE_SIZE, after=after, properties=list(properties), archived=True,
            )  # fmt: skip
            yield [_as_object(r, archived=True) for r in page.results or []]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return
