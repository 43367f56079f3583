"""Leaderboard ranking: standard competition ranking (1, 2, 2, 4) in an order that never
flickers between two renders of the same numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Value = int | Fraction | Decimal

TOP_N = 10


@dataclass(frozen=True)
class Entry:
    """One row to rank: who (`id`, `name` as shown) and their number (an amount, or a
    percentage of target when ranking `by pct`)."""

    id: str
    name: str
    value: Value


@dataclass(frozen=True)
class Ranked:
    rank: int
    tied: bool
    entry: Entry

    @property
    def label(self) -> str:
        """'1', or '=2' for each row sharing second place."""
        return f"={self.rank}" if self.tied else str(self.rank)

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def value(self) -> Value:
        return self.entry.value


def rank(entries: Iterable[Entry]) -> list[Ranked]:
    """Highest value first; equal values share the rank of the first of them and the next
    value skips ahead (1, 2, 2, 4). Equal values are ordered by name, case-insensitively,
    then by id, so the order depends only on the data."""
    ordered = sorted(entries, key=lambda e: (-e.value, e.name.casefold(), e.id))
    counts: dict[Value, int] = {}
    for entry in ordered:
        counts[entry.value] = counts.get(entry.value, 0) + 1
    ranked: list[Ranked] = []
    for position, entry in enumerate(ordered, start=1):
        place = ranked[-1].rank if ranked and ranked[-1].value == entry.value else position
        ranked.append(Ranked(rank=place, tied=counts[entry.value] > 1, entry=entry))
    return ranked


def top_with_caller(
    ranked: Sequence[Ranked], caller_id: str | None, n: int = TOP_N
) -> tuple[list[Ranked], Ranked | None]:
    """The first `n` rows, and the caller's own row when it is not among them (None when
    it is, or when the caller is not on the board)."""
    top = list(ranked[:n])
    if caller_id is None or any(r.id == caller_id for r in top):
        return top, None
    own = next((r for r in ranked[n:] if r.id == caller_id), None)
    return top, own


def top_of(
    values: Iterable[tuple[str, str, Value]], caller_id: str | None, n: int = TOP_N
) -> tuple[list[Ranked], Ranked | None]:
    """rank() then top_with_caller() of (id, name, value) rows, building rows only for what
    it returns: a company's board ranks thousands to show a dozen."""
    ordered = sorted(values, key=lambda v: (-v[2], v[1].casefold(), v[0]))
    first: dict[Value, int] = {}
    counts: dict[Value, int] = {}
    for position, (_, _, value) in enumerate(ordered, start=1):
        first.setdefault(value, position)
        counts[value] = counts.get(value, 0) + 1

    def ranked(index: int) -> Ranked:
        row_id, name, value = ordered[index]
        return Ranked(rank=first[value], tied=counts[value] > 1, entry=Entry(row_id, name, value))

    top = [ranked(i) for i in range(min(n, len(ordered)))]
    if caller_id is None or any(r.id == caller_id for r in top):
        return top, None
    own = next((i for i in range(n, len(ordered)) if ordered[i][0] == caller_id), None)
    return top, ranked(own) if own is not None else None
