"""Live wins: which wins a team has now, and how the recorded ones are brought in line.

A win is a fact with a stable key ("hit|g14|p7|2026-11-30"): it is either true now or not.
The worker computes the wins true now for the people and periods that changed, and
`reconcile` compares them with what was recorded before. Because a win is keyed by what it
is, not by the request that caused it, a retried request, an undo followed by a relog, a
second instance or a restart finds the same key and posts nothing twice. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.core import crm_mapping

# Which team setting (`/team set NAME celebrate …`) turns each kind of win on.
SETTING_OF_KIND = {
    "deal": "deals",
    "hit": "hits",
    "stretch": "hits",
    "team": "team",
    "all": "team",
    "import": "",
}
# Entries typed by people, and CRM entries synced as they happen ("hubspot"): they
# celebrate. Imports never do, except as one summary; a CRM backfill ("hubspot-backfill") never.
LIVE_SOURCES = frozenset({"slack", "console", crm_mapping.LIVE_SOURCE})
IMPORT_SOURCES = frozenset({"import"})


class Trigger:
    LIVE = "live"  # a person logged it: post it
    IMPORT = "import"  # an import of the current week: covered by the import's summary
    QUIET = "quiet"  # history, or no entry caused it: record it, never post it


@dataclass(frozen=True)
class Win:
    key: str
    kind: str  # deal | hit | stretch | team | all | import
    person_id: int | None
    # The goal period of a hit ("week:2026-11-30"), the day of a deal, the import's batch.
    period: str
    line: str
    trigger: str = Trigger.LIVE


@dataclass(frozen=True)
class Recorded:
    id: int
    key: str
    kind: str
    person_id: int | None
    period: str
    state: str  # live | struck | absorbed
    # Its post went to the outbox (a later change is an edit, not a cancel).
    posted: bool


@dataclass(frozen=True)
class Scope:
    """What the worker looked at: the wins it can vouch for being true or false now."""

    person_ids: frozenset[int]
    # Goal periods evaluated ("week:2026-11-30") and the deal days looked at.
    periods: frozenset[str]
    deal_days: frozenset[str]
    team_kinds: frozenset[str] = frozenset({"team", "all"})

    def covers(self, recorded: Recorded) -> bool:
        if recorded.kind == "import":
            return False  # a summary stands for what was imported then
        if recorded.kind in self.team_kinds:
            return recorded.period in self.periods
        if recorded.person_id not in self.person_ids:
            return False
        if recorded.kind == "deal":
            return recorded.period in self.deal_days
        return recorded.period in self.periods


@dataclass
class Plan:
    """What to write: new wins to post (they join the team's waiting post) or to record
    silently, waiting ones to drop (an undo inside the batching minute), posted ones to
    strike or restore (each an edit of their post), fresh text for waiting ones."""

    post: list[Win] = field(default_factory=list)
    absorb: list[Win] = field(default_factory=list)
    cancel: list[int] = field(default_factory=list)
    strike: list[int] = field(default_factory=list)
    restore: list[int] = field(default_factory=list)
    refresh: list[tuple[int, str]] = field(default_factory=list)

    @property
    def edits(self) -> bool:
        return bool(self.strike or self.restore)

    @property
    def empty(self) -> bool:
        return not (
            self.post or self.absorb or self.cancel or self.strike or self.restore or self.refresh
        )


def reconcile(true_now: Iterable[Win], recorded: Sequence[Recorded], scope: Scope) -> Plan:
    plan = Plan()
    now_by_key = {win.key: win for win in true_now}
    known = {r.key: r for r in recorded}
    for key, win in now_by_key.items():
        found = known.get(key)
        if found is None:
            (plan.post if win.trigger == Trigger.LIVE else plan.absorb).append(win)
        elif found.state == "struck":
            plan.restore.append(found.id)
        elif found.state == "live" and not found.posted:
            plan.refresh.append((found.id, win.line))
    for found in recorded:
        if found.key in now_by_key or not scope.covers(found) or found.state != "live":
            continue
        (plan.strike if found.posted else plan.cancel).append(found.id)
    return plan


# --- keys -------------------------------------------------------------------------------


def period_key(kind: str, start: date) -> str:
    return f"{kind}:{start.isoformat()}"


def goal_win_key(kind: str, goal_id: int, owner: int | None, period: str) -> str:
    return f"{kind}|g{goal_id}|{'t' if owner is None else f'p{owner}'}|{period}"


@dataclass(frozen=True)
class DealBatch:
    """One /log that recorded a deal or revenue."""

    person_id: int
    day: date
    entry_id: int  # its first entry: batches of one day are numbered in this order
    deals: int
    revenue: int  # cents
    batch_id: str = ""


def deal_keys(batches: Iterable[DealBatch]) -> dict[DealBatch, str]:
    """A deal's key is its person, day and amounts, numbered among that day's identical
    ones: logged, undone and logged again, it is the same deal (restored, not re-posted)."""
    seen: dict[tuple[int, date, int, int], int] = {}
    keys = {}
    for batch in sorted(batches, key=lambda b: b.entry_id):
        what = (batch.person_id, batch.day, batch.deals, batch.revenue)
        seen[what] = seen.get(what, 0) + 1
        keys[batch] = (
            f"deal|p{batch.person_id}|{batch.day.isoformat()}|d{batch.deals}r{batch.revenue}|{seen[what]}"
        )
    return keys


def worth_posting(batch: DealBatch, minimum: int | None) -> bool:
    """A deal post needs revenue at or over the team's minimum; without one, any deal."""
    if minimum:
        return batch.revenue >= minimum
    return batch.deals > 0 or batch.revenue > 0


def enabled(kind: str, kinds: frozenset[str]) -> bool:
    setting = SETTING_OF_KIND[kind]
    return setting in kinds if setting else bool(kinds)
