"""From a CRM object's facts to the entries it stands for: which metric, which day, how much.

Pure: the sync keeps each object's facts (the properties below) and derives its entries
here, so an owner linked by hand or a change of mapping re-derives them without asking the
CRM again. docs/crm.md is the rule in words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.errors import UserError

OBJECT_TYPES: tuple[str, ...] = ("calls", "meetings", "emails", "deals")
# Entry.source of synced entries: as they happen (the live-wins worker may celebrate them),
# and a backfill's history (never celebrated).
LIVE_SOURCE = "hubspot"
QUIET_SOURCE = "hubspot-backfill"
SOURCES = frozenset({LIVE_SOURCE, QUIET_SOURCE})
# The metrics a sync can produce: what `/team set NAME crm-only …` may name.
SYNCED_METRICS: tuple[str, ...] = (
    "calls",
    "meetings",
    "demos",
    "emails",
    "opportunities",
    "deals",
    "revenue",
)

OWNER_PROPERTY = "hubspot_owner_id"
MODIFIED_PROPERTY = "hs_lastmodifieddate"
# Named explicitly: HubSpot returns only a few default properties otherwise.
PROPERTIES: dict[str, tuple[str, ...]] = {
    "calls": ("hs_timestamp", OWNER_PROPERTY, "hs_call_status", MODIFIED_PROPERTY),
    "meetings": ("hs_timestamp", OWNER_PROPERTY, "hs_meeting_outcome", "hs_activity_type", MODIFIED_PROPERTY),
    "emails": ("hs_timestamp", OWNER_PROPERTY, "hs_email_direction", MODIFIED_PROPERTY),
    "deals": (
        "dealname", "amount", "createdate", "closedate", "dealstage", "pipeline", "hs_is_closed_won",
        OWNER_PROPERTY, MODIFIED_PROPERTY,
    ),
}  # fmt: skip

# A call that never reached anyone's phone is not a dial; a busy line or no answer is.
CALL_STATUSES_NOT_COUNTED = frozenset(
    {"CANCELED", "FAILED", "QUEUED", "RINGING", "CONNECTING", "CALLING_CRM_USER"}
)
# A meeting that did not happen is not a meeting.
MEETING_OUTCOMES_NOT_COUNTED = frozenset({"CANCELED", "NO_SHOW", "RESCHEDULED"})
# Emails a rep sent (not the ones they received).
EMAIL_DIRECTIONS_COUNTED = frozenset({"EMAIL", "FORWARDED_EMAIL"})


@dataclass(frozen=True)
class CrmMapping:
    """Which metric each kind of object feeds (None: not synced), and how a demo is told
    apart from another meeting. Stored per workspace as the settings that differ."""

    calls: str | None = "calls"
    meetings: str | None = "meetings"
    demos: str | None = "demos"
    emails: str | None = "emails"
    opportunities: str | None = "opportunities"
    deals: str | None = "deals"
    revenue: str | None = "revenue"
    demo_property: str = "hs_activity_type"
    demo_values: tuple[str, ...] = ("Demo",)

    def properties(self, object_type: str) -> tuple[str, ...]:
        names = PROPERTIES[object_type]
        if object_type == "meetings" and self.demo_property not in names:
            names = (*names, self.demo_property)
        return names

    def to_json(self) -> str:
        default = CrmMapping()
        changed = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }
        return json.dumps(
            {k: list(v) if isinstance(v, tuple) else v for k, v in changed.items()}, sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str | None) -> CrmMapping:
        stored = json.loads(text or "{}")
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if k == "demo_values" else v for k, v in stored.items() if k in known
        }
        return replace(cls(), **values)

    def lines(self) -> list[str]:
        """The mapping as `paceline crm status` shows it."""
        demo = ", ".join(self.demo_values)
        return [
            f"calls → {self.calls or 'not synced'}",
            f"meetings → {self.meetings or 'not synced'}",
            f"meetings whose {self.demo_property} is {demo} → also {self.demos or 'not synced'}",
            f"emails sent → {self.emails or 'not synced'}",
            f"deals created → {self.opportunities or 'not synced'} (on the create date)",
            f"deals won → {self.deals or 'not synced'} and {self.revenue or 'not synced'} (the amount, on the close date)",
        ]


MAPPING_KEYS = (
    "calls",
    "meetings",
    "demos",
    "emails",
    "opportunities",
    "deals",
    "revenue",
    "demo-property",
    "demo-values",
)
MAPPING_EXAMPLE = "paceline crm map demo-values Demo,Product demo"


def change_mapping(mapping: CrmMapping, key: str, value: str, metric_keys: set[str]) -> CrmMapping:
    """`paceline crm map KEY VALUE`: a metric key (or `none`) for a kind of object, the
    meeting property that marks a demo, or the values that mean one."""
    key = key.strip().lower()
    value = value.strip()
    if key not in MAPPING_KEYS:
        raise UserError(
            f'Unknown mapping "{key[:40]}": one of {", ".join(MAPPING_KEYS)}.', MAPPING_EXAMPLE
        )
    if not value:
        raise UserError(f"Give a value for {key}.", MAPPING_EXAMPLE)
    if key == "demo-property":
        if not value.replace("_", "").isalnum():
            raise UserError(
                f'"{value[:40]}" is not a HubSpot property name.',
                "paceline crm map demo-property hs_meeting_outcome",
            )
        return replace(mapping, demo_property=value)
    if key == "demo-values":
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        if not values:
            raise UserError("Give at least one value that marks a demo.", MAPPING_EXAMPLE)
        return replace(mapping, demo_values=values)
    if value.lower() in ("none", "off"):
        not_synced: dict[str, Any] = {key: None}
        return replace(mapping, **not_synced)
    if value.lower() not in metric_keys:
        raise UserError(
            f'Unknown metric "{value[:40]}": one of {", ".join(sorted(metric_keys))}, or none.',
            f"paceline crm map {key} {key}",
        )
    synced: dict[str, Any] = {key: value.lower()}
    return replace(mapping, **synced)


@dataclass(frozen=True)
class Derived:
    """One entry an object stands for."""

    metric: str
    day: date
    quantity: int


def parse_instant(value: str | None) -> datetime | None:
    """HubSpot's datetimes: ISO-8601 ("2026-11-30T14:05:00.123Z") or epoch milliseconds."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def amount_cents(value: str | None) -> int:
    """A deal's amount ("4500", "4500.5", "1,200.00") in cents; 0 when missing or unreadable."""
    if not value:
        return 0
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        return 0
    if not amount.is_finite() or amount <= 0:
        return 0
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _local_day(instant: datetime | None, tz: str) -> date | None:
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(tz)).date()


def derive(
    object_type: str, facts: Mapping[str, str | None], mapping: CrmMapping, tz: str
) -> list[Derived]:
    """The entries one live (not archived) object stands for, on days in `tz`."""
    found: list[Derived] = []

    def add(metric: str | None, day: date | None, quantity: int) -> None:
        if metric and day is not None and quantity > 0:
            found.append(Derived(metric, day, quantity))

    when = _local_day(parse_instant(facts.get("hs_timestamp")), tz)
    if object_type == "calls":
        if (facts.get("hs_call_status") or "").upper() not in CALL_STATUSES_NOT_COUNTED:
            add(mapping.calls, when, 1)
    elif object_type == "meetings":
        if (facts.get("hs_meeting_outcome") or "").upper() not in MEETING_OUTCOMES_NOT_COUNTED:
            add(mapping.meetings, when, 1)
            marker = (facts.get(mapping.demo_property) or "").strip().lower()
            if marker and marker in {v.lower() for v in mapping.demo_values}:
                add(mapping.demos, when, 1)
    elif object_type == "emails":
        if (facts.get("hs_email_direction") or "").upper() in EMAIL_DIRECTIONS_COUNTED:
            add(mapping.emails, when, 1)
    elif object_type == "deals":
        add(mapping.opportunities, _local_day(parse_instant(facts.get("createdate")), tz), 1)
        if (facts.get("hs_is_closed_won") or "").lower() == "true":
            closed = _local_day(parse_instant(facts.get("closedate")), tz)
            add(mapping.deals, closed, 1)
            add(mapping.revenue, closed, amount_cents(facts.get("amount")))
    return found
