from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.allocation import (
    MemberShare,
    SplitBasis,
    Suggestion,
    largest_remainder,
    last_complete_periods,
    median,
    percentile,
    split_by_history,
    split_evenly,
    suggest,
)
from bot.core.errors import UserError
from bot.core.periods import PeriodKind

# --- percentiles (numpy's default "linear" method) ----------------------------------------


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([10, 20, 30, 40, 50], 80, 42),
        ([50, 10, 40, 20, 30], 80, 42),  # order does not matter
        ([1, 2, 3, 4], 50, Fraction(5, 2)),
        ([1, 2, 3, 4], 80, Fraction(17, 5)),
        ([15, 20, 35, 40, 50], 40, 29),
        ([7], 80, 7),
        ([3, 9], 0, 3),
        ([3, 9], 100, 9),
    ],
)
def test_percentile_matches_numpy_linear(values, pct, expected):
    assert percentile(values, pct) == expected


def test_percentile_rejects_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_median():
    assert median([5, 1, 3]) == 3
    assert median([1, 2, 3, 10]) == Fraction(5, 2)


# --- suggest --------------------------------------------------------------------------


def test_suggest_rounds_up_and_reports_periods():
    # Sorted 40, 48, 52, 55, 61: p80 at position 3.2 → 55 + 0.2 × 6 = 56.2 → 57.
    assert suggest([40, 55, 61, 48, 52]) == Suggestion(median=52, p80=57, periods=5)


def test_suggest_uses_the_last_12_periods_only():
    history = [1000, 1000] + list(range(10, 130, 10))  # 14 periods, oldest first
    result = suggest(history)
    assert result.periods == 12
    assert result.median == 65  # of 10..120
    assert result.p80 == 98  # position 8.8 → 90 + 0.8 × 10


def test_suggest_with_fewer_periods_and_zero_weeks():
    assert suggest([0, 30, 31]) == Suggestion(median=30, p80=31, periods=3)  # p80 = 30.6
    assert suggest([12]) == Suggestion(median=12, p80=12, periods=1)


def test_suggest_without_history():
    with pytest.raises(UserError) as err:
        suggest([])
    assert "no complete period of history" in err.value.message


def test_last_complete_periods():
    weeks = last_complete_periods("week", date(2026, 11, 25), count=3)
    assert [w.start for w in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    months = last_complete_periods(PeriodKind.MONTH, date(2027, 1, 15))
    assert len(months) == 12
    assert (months[0].label, months[-1].label) == ("Jan 2026", "Dec 2026")


# --- largest remainder ------------------------------------------------------------------


def test_largest_remainder_examples():
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(10, [1, 1, 1, 1]) == [3, 3, 2, 2]
    assert largest_remainder(10, [5, 3, 2]) == [5, 3, 2]
    assert largest_remainder(7, [Fraction(1, 3), Decimal("0.5"), 1]) == [1, 2, 4]
    # 7 × (1/3, 1/2, 1) / (11/6) = 1.27, 1.91, 3.82 → floors 1, 1, 3; two left over.
    assert largest_remainder(0, [1, 2]) == [0, 0]
    assert largest_remainder(5, [0, 0]) == [3, 2]
    assert largest_remainder(5, [0, 1]) == [0, 5]


def test_largest_remainder_rejects_nonsense():
    with pytest.raises(ValueError):
        largest_remainder(5, [])
    with pytest.raises(ValueError):
        largest_remainder(-1, [1])
    with pytest.raises(ValueError):
        largest_remainder(5, [1, -1])


@given(
    total=st.integers(0, 10**12),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
)
def test_largest_remainder_adds_up_and_stays_within_one(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = (
            Fraction(total * weight, weight_sum) if weight_sum else Fraction(total, len(weights))
        )
        assert abs(part - exact) < 1
        assert part >= 0


@settings(deadline=None)  # fractions with large denominators are slow to sum
@given(
    total=st.integers(0, 10**6),
    weights=st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=12),
)
def test_largest_remainder_with_fractions(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    if sum(weights):
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / sum(weights)) < 1


# --- splits -----------------------------------------------------------------------------


def test_split_evenly():
    assert split_evenly(300_000_00, ["U1", "U2", "U3"]) == [
        MemberShare("U1", 100_000_00, SplitBasis.EVEN),
        MemberShare("U2", 100_000_00, SplitBasis.EVEN),
        MemberShare("U3", 100_000_00, SplitBasis.EVEN),
    ]
    assert [s.amount for s in split_evenly(100, ["a", "b", "c"])] == [34, 33, 33]


def test_split_by_history():
    shares = split_by_history(1000, [("maria", 500), ("bo", 300), ("li", 200)])
    assert [(s.member, s.amount, s.basis) for s in shares] == [
        ("maria", 500, SplitBasis.HISTORY),
        ("bo", 300, SplitBasis.HISTORY),
        ("li", 200, SplitBasis.HISTORY),
    ]


def test_new_rep_gets_team_median():
    shares = split_by_history(300_000_00, [("maria", 600), ("bo", 200), ("new", None), ("li", 400)])
    # The new rep counts as 400 (median of 600, 200, 400): weights 600, 200, 400, 400.
    assert [s.amount for s in shares] == [112_500_00, 37_500_00, 75_000_00, 75_000_00]
    assert [s.basis for s in shares] == [
        SplitBasis.HISTORY,
        SplitBasis.HISTORY,
        SplitBasis.TEAM_MEDIAN,
        SplitBasis.HISTORY,
    ]
    assert str(SplitBasis.TEAM_MEDIAN) == "team median"


def test_new_rep_median_of_an_even_count():
    shares = split_by_history(100, [("a", 10), ("b", 30), ("new", None)])
    # Median of 10 and 30 is 20: weights 10, 30, 20 → 16.67, 50, 33.33.
    assert [s.amount for s in shares] == [17, 50, 33]


def test_split_tie_break_by_member_order():
    assert [s.amount for s in split_by_history(10, [("a", 1), ("b", 1), ("c", 1)])] == [4, 3, 3]
    assert [s.amount for s in split_by_history(10, [("c", 1), ("a", 1), ("b", 1)])] == [4, 3, 3]


def test_split_without_any_history_is_even():
    shares = split_by_history(10, [("a", None), ("b", None), ("c", 0)])
    assert [(s.amount, s.basis) for s in shares] == [
        (4, SplitBasis.EVEN),
        (3, SplitBasis.EVEN),
        (3, SplitBasis.EVEN),
    ]


def test_split_of_an_empty_team():
    with pytest.raises(UserError) as err:
        split_evenly(100, [])
    assert err.value.message == (
        "This team has no members to split the target between; add members first."
    )
    with pytest.raises(UserError):
        split_by_history(100, [])


def test_split_rejects_negative_targets_and_duplicates():
    with pytest.raises(UserError):
        split_evenly(-1, ["a"])
    with pytest.raises(ValueError):
        split_evenly(10, ["a", "a"])


@given(
    target=st.integers(0, 10**10),
    history=st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=1, max_size=25),
)
def test_split_by_history_adds_up_exactly(target, history):
    members = [(f"U{i}", total) for i, total in enumerate(history)]
    shares = split_by_history(target, members)
    assert sum(s.amount for s in shares) == target
    assert [s.member for s in shares] == [m for m, _ in members]
    known = [t for t in history if t is not None]
    if any(known):
        stand_in = median(known)
        weights = [stand_in if t is None else t for t in history]
        for share, weight in zip(shares, weights, strict=True):
            assert abs(share.amount - Fraction(target) * weight / sum(weights)) < 1
