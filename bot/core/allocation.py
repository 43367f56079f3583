"""Suggesting and splitting targets: bottom-up from a rep's history, top-down from a
team's target to its members."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Generic, TypeVar

from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind

HISTORY_PERIODS = 12

K = TypeVar("K", bound=Hashable)
Number = int | Fraction | Decimal


def largest_remainder(total: int, weights: Sequence[Number]) -> list[int]:
    """Whole parts of `total` in proportion to `weights` that add up to exactly `total`
    (Hamilton's method): every part starts at the floor of its exact share, and the units
    left over go one each to the largest fractional remainders; equal remainders go to
    the earlier position, so the result never depends on anything but the input order.
    Each part is the floor or the ceiling of its exact share. All-zero weights split
    evenly."""
    if not weights:
        raise ValueError("nothing to split between")
    if total < 0:
        raise ValueError(f"total must be ≥ 0, not {total}")
    exact_weights = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact_weights):
        raise ValueError("weights must be ≥ 0")
    weight_sum = sum(exact_weights)
    if weight_sum == 0:
        exact_weights = [Fraction(1)] * len(weights)
        weight_sum = Fraction(len(weights))
    shares = [total * w / weight_sum for w in exact_weights]
    parts = [math.floor(s) for s in shares]
    left = total - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def percentile(values: Sequence[Number], pct: Number) -> Fraction:
    """The pct-th percentile with linear interpolation between closest ranks, as numpy's
    default (method="linear", Hyndman & Fan type 7): sort, take position
    (n − 1) × pct / 100, and interpolate between the values either side of it."""
    if not values:
        raise ValueError("no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"pct must be 0..100, not {pct}")
    ordered = sorted(Fraction(v) for v in values)
    position = (len(ordered) - 1) * Fraction(pct) / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def median(values: Sequence[Number]) -> Fraction:
    return percentile(values, 50)


@dataclass(frozen=True)
class Suggestion:
    """A bottom-up target suggestion from a rep's history: `median` and `p80` (the 80th
    percentile) of the last `periods` complete periods, each rounded up to whole units."""

    median: int
    p80: int
    periods: int


def suggest(history: Sequence[int], max_periods: int = HISTORY_PERIODS) -> Suggestion:
    """Median and 80th percentile (linear interpolation, see percentile()) of the last
    `max_periods` complete periods, rounded up to whole units. `history` holds one total
    per complete period, oldest first; the caller leaves out periods before the rep
    started (a zero week on holiday is real history and stays in)."""
    recent = list(history)[-max_periods:] if max_periods > 0 else []
    if not recent:
        raise UserError(
            "There is no complete period of history yet to suggest from; set a goal "
            "directly instead.",
            "/goal set @maria calls 60/week",
        )
    return Suggestion(
        median=math.ceil(median(recent)),
        p80=math.ceil(percentile(recent, 80)),
        periods=len(recent),
    )


def last_complete_periods(
    kind: PeriodKind | str,
    today: date,
    count: int = HISTORY_PERIODS,
    fiscal_year_start_month: int = 1,
) -> list[Period]:
    """The `count` periods of `kind` before the one containing `today`, oldest first."""
    periods: list[Period] = []
    period = Period.containing(kind, today, fiscal_year_start_month)
    for _ in range(count):
        period = period.previous()
        periods.append(period)
    return periods[::-1]


class SplitBasis(StrEnum):
    """Why a member got their share (shown in the reply next to each amount)."""

    HISTORY = "history"
    TEAM_MEDIAN = "team median"
    EVEN = "even"


@dataclass(frozen=True)
class MemberShare(Generic[K]):
    member: K
    amount: int
    basis: SplitBasis


def split_evenly(target: int, members: Sequence[K]) -> list[MemberShare[K]]:
    """Equal parts adding up to `target`; the leftover units go to the first members,
    so pass members in a stable order (e.g. by user id)."""
    _check_split(target, members)
    parts = largest_remainder(target, [1] * len(members))
    return [MemberShare(m, p, SplitBasis.EVEN) for m, p in zip(members, parts, strict=True)]


def split_by_history(target: int, history: Sequence[tuple[K, int | None]]) -> list[MemberShare[K]]:
    """Parts of `target` in proportion to each member's history total (e.g. their last
    12 periods). A member with no history (None) counts as the median of the others'
    totals. When nobody has any history, or every total is 0, the split is even.
    Parts add up to exactly `target`; ties go to the earlier member."""
    members = [m for m, _ in history]
    _check_split(target, members)
    known = [total for _, total in history if total is not None]
    if not known or not any(known):
        return split_evenly(target, members)
    stand_in = median(known)
    weights = [stand_in if total is None else Fraction(total) for _, total in history]
    parts = largest_remainder(target, weights)
    return [
        MemberShare(m, p, SplitBasis.TEAM_MEDIAN if total is None else SplitBasis.HISTORY)
        for (m, total), p in zip(history, parts, strict=True)
    ]


def _check_split(target: int, members: Sequence[object]) -> None:
    if not members:
        raise UserError(
            "This team has no members to split the target between; add members first.",
            "/team add east @maria @bo",
        )
    if target < 0:
        raise UserError(
            "A target cannot be negative.", "/goal split team:east revenue 300k/quarter evenly"
        )
    if len(set(members)) != len(members):
        raise ValueError("members must be distinct")
