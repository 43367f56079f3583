import random
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.core.ranking import Entry, rank, top_of, top_with_caller


def board(ranked):
    return [(r.label, r.name) for r in ranked]


def test_standard_competition_ranking():
    ranked = rank(
        [
            Entry("U1", "Ann", 50),
            Entry("U2", "Bo", 40),
            Entry("U3", "Cy", 40),
            Entry("U4", "Di", 30),
        ]
    )
    assert [r.rank for r in ranked] == [1, 2, 2, 4]
    assert board(ranked) == [("1", "Ann"), ("=2", "Bo"), ("=2", "Cy"), ("4", "Di")]
    assert [r.tied for r in ranked] == [False, True, True, False]


def test_tie_for_first_and_last():
    ranked = rank([Entry("a", "A", 5), Entry("b", "B", 5), Entry("c", "C", 1), Entry("d", "D", 1)])
    assert board(ranked) == [("=1", "A"), ("=1", "B"), ("=3", "C"), ("=3", "D")]


def test_everyone_tied_and_everyone_zero():
    ranked = rank([Entry(str(i), f"P{i}", 0) for i in range(3)])
    assert [r.label for r in ranked] == ["=1", "=1", "=1"]


def test_ties_ordered_by_name_case_insensitively_then_id():
    ranked = rank(
        [
            Entry("U9", "bob", 10),
            Entry("U2", "Alice", 10),
            Entry("U1", "Bob", 10),
            Entry("U5", "zed", 12),
            Entry("U3", "alice", 10),
        ]
    )
    assert [(r.label, r.id) for r in ranked] == [
        ("1", "U5"),
        ("=2", "U2"),  # "Alice" and "alice" fold equal: the id decides
        ("=2", "U3"),
        ("=2", "U1"),
        ("=2", "U9"),
    ]


def test_order_never_depends_on_input_order():
    entries = [Entry(f"U{i}", name, value) for i, (name, value) in enumerate(
        [("maria", 12), ("Bo", 12), ("li", 7), ("Ana", 12), ("ana", 12), ("Zoe", 3), ("bo", 7)]
    )]  # fmt: skip
    expected = rank(entries)
    shuffler = random.Random(4)
    for _ in range(20):
        shuffled = entries[:]
        shuffler.shuffle(shuffled)
        assert rank(shuffled) == expected
    assert [r.name for r in expected] == ["Ana", "ana", "Bo", "maria", "bo", "li", "Zoe"]
    assert [r.label for r in expected] == ["=1", "=1", "=1", "=1", "=5", "=5", "7"]


def test_rank_by_percentage():
    ranked = rank(
        [Entry("a", "A", Fraction(2, 3)), Entry("b", "B", Fraction(4, 6)), Entry("c", "C", 1)]
    )
    assert board(ranked) == [("1", "C"), ("=2", "A"), ("=2", "B")]


def test_empty_board():
    assert rank([]) == []
    assert top_with_caller([], "U1") == ([], None)


def test_top_n_plus_caller():
    ranked = rank([Entry(f"U{i:02}", f"P{i:02}", 100 - i) for i in range(15)])
    top, own = top_with_caller(ranked, "U12", n=10)
    assert [r.id for r in top] == [f"U{i:02}" for i in range(10)]
    assert (own.rank, own.label, own.id) == (13, "13", "U12")


def test_caller_inside_top_or_absent():
    ranked = rank([Entry(f"U{i:02}", f"P{i:02}", 100 - i) for i in range(15)])
    assert top_with_caller(ranked, "U03")[1] is None
    assert top_with_caller(ranked, "nobody")[1] is None
    assert top_with_caller(ranked, None)[1] is None
    assert len(top_with_caller(ranked, None)[0]) == 10


def test_caller_tied_at_the_cut():
    ranked = rank([Entry(f"U{i:02}", f"P{i:02}", 10 if i >= 9 else 100 - i) for i in range(12)])
    top, own = top_with_caller(ranked, "U11", n=10)
    assert top[-1].label == "=10"
    assert (own.label, own.id) == ("=10", "U11")


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30))
def test_rank_is_position_of_first_equal(values):
    ranked = rank([Entry(f"U{i}", f"N{i % 4}", v) for i, v in enumerate(values)])
    assert [r.value for r in ranked] == sorted(values, reverse=True)
    for r in ranked:
        assert r.rank == 1 + sum(1 for v in values if v > r.value)
        assert r.tied == (values.count(r.value) > 1)


@given(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 4)), max_size=40),
    st.integers(0, 45),
    st.integers(1, 12),
)
def test_top_of_is_rank_then_top_with_caller(rows, caller, n):
    """The board of thousands (top_of) shows exactly what rank() and top_with_caller() show."""
    entries = [Entry(f"U{i}", name, value) for i, (name, value) in enumerate(rows)]
    caller_id = f"U{caller}"
    expected = top_with_caller(rank(entries), caller_id, n)
    assert top_of([(e.id, e.name, e.value) for e in entries], caller_id, n) == expected
