"""Which source records a team's metrics: `/team set NAME crm-only calls,deals` makes those
metrics come only from HubSpot. Pure: the stored setting, where an entry came from, and the
words /log and /team answer with."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.crm_mapping import SOURCES as HUBSPOT_SOURCES
from bot.core.crm_mapping import SYNCED_METRICS
from bot.core.metrics import BUILTIN_METRICS, Metric
from bot.core.wins import IMPORT_SOURCES

# The metrics the HubSpot sync can produce, in the catalog's order (how they are stored).
_SYNCED = frozenset(SYNCED_METRICS)
CRM_METRICS: tuple[str, ...] = tuple(m.key for m in BUILTIN_METRICS if m.key in _SYNCED)
CRM_METRICS_TEXT = ", ".join(CRM_METRICS)


def crm_only_keys(setting: str | None) -> tuple[str, ...]:
    """The stored `calls,deals` as metric keys, in the catalog's order ("" → none)."""
    found = {part.strip() for part in (setting or "").split(",")}
    return tuple(key for key in CRM_METRICS if key in found)


def crm_only_setting(keys: Iterable[str]) -> str:
    """Metric keys as stored: the CRM metrics among them in the catalog's order, comma separated."""
    wanted = set(keys)
    return ",".join(key for key in CRM_METRICS if key in wanted)


def crm_only_among(setting: str | None, metric_keys: Iterable[str]) -> list[str]:
    """The keys of `metric_keys` that only the CRM may record under `setting`, first seen first."""
    only = set(crm_only_keys(setting))
    return [key for key in dict.fromkeys(metric_keys) if key in only]


def may_be_crm_only(metric_keys: Iterable[str]) -> bool:
    """Whether any of these metrics could be crm-only at all (else no team needs reading)."""
    return any(key in _SYNCED for key in metric_keys)


def names_text(keys: Sequence[str]) -> str:
    """`calls`, `calls and deals`, `calls, demos and deals`."""
    if len(keys) <= 1:
        return "".join(keys)
    return f"{', '.join(keys[:-1])} and {keys[-1]}"


def _is_mass(keys: Sequence[str]) -> bool:
    """Revenue alone reads as one thing ("revenue comes … log it")."""
    by_key = {m.key: m for m in BUILTIN_METRICS}
    return len(keys) == 1 and by_key.get(keys[0], Metric(keys[0])).is_money


def comes_from_hubspot(keys: Sequence[str], team: str) -> str:
    """`Calls come from HubSpot for team east: log them in HubSpot and they show up here
    within a few minutes.`"""
    mass = _is_mass(keys)
    what = names_text(keys)
    verb, it, shows = ("comes", "it", "it shows") if mass else ("come", "them", "they show")
    return (
        f"{what[:1].upper()}{what[1:]} {verb} from HubSpot for team {team}: "
        f"log {it} in HubSpot and {shows} up here within a few minutes."
    )


def refusal_text(
    keys: Sequence[str], team: str, *, others: Sequence[str] = (), fix: bool = False
) -> str:
    """A rep's own /log of crm-only metrics, refused. `others`: the metrics of the same /log
    that are not crm-only (none of them was logged either)."""
    text = comes_from_hubspot(keys, team)
    if fix:
        text += f" If HubSpot's number is wrong, a manager of {team} can correct it by hand."
    if others:
        text += f" Nothing was logged, not even {names_text(list(others))}: a /log is stored whole or not at all."
    return text


def override_note(keys: Sequence[str], team: str) -> str:
    """The line a manager's /log for a rep ends with when it records crm-only metrics."""
    what = names_text(keys)
    verb = "comes" if _is_mass(keys) else "come"
    return (
        f"{what[:1].upper()}{what[1:]} {verb} from HubSpot for team {team}: this entry by hand "
        "adds to HubSpot's and is kept in the audit trail."
    )


def source_mark(source: str) -> str:
    """How /log list marks an entry that was not typed: ` · from HubSpot`, ` · imported`;
    "" for typed ones (their line stays as it always was)."""
    if source in HUBSPOT_SOURCES:  # every other source but imports is typed (slack, console, demo)
        return " · from HubSpot"
    if source in IMPORT_SOURCES:
        return " · imported"
    return ""
