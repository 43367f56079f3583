"""bot.core.wins: the keys that make a win once, and reconcile's plan."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.core.wins import (
    DealBatch,
    Recorded,
    Scope,
    Trigger,
    Win,
    deal_keys,
    enabled,
    goal_win_key,
    reconcile,
    worth_posting,
)

WEEK = "week:2026-11-16"
SCOPE = Scope(frozenset({7}), frozenset({WEEK}), frozenset({"2026-11-20"}))


def win(key: str = "hit|g1|p7|" + WEEK, kind: str = "hit", trigger: str = Trigger.LIVE) -> Win:
    return Win(key, kind, 7 if kind != "team" else None, WEEK, f"line {key}", trigger)


def rec(
    id: int,
    key: str,
    state: str = "live",
    posted: bool = False,
    kind: str = "hit",
    person: int | None = 7,
    period: str = WEEK,
) -> Recorded:
    return Recorded(id, key, kind, person, period, state, posted)


def test_a_new_live_win_is_posted_and_a_quiet_one_recorded_without_a_post():
    plan = reconcile([win(), win("hit|g2|p7|" + WEEK, trigger=Trigger.QUIET)], [], SCOPE)
    assert [w.key for w in plan.post] == ["hit|g1|p7|" + WEEK]
    assert [w.key for w in plan.absorb] == ["hit|g2|p7|" + WEEK]


def test_a_win_recorded_before_is_not_posted_again_whatever_its_state():
    for state, posted in (("live", True), ("absorbed", False)):
        plan = reconcile([win()], [rec(1, win().key, state, posted)], SCOPE)
        assert plan.post == [] and plan.absorb == [] and not plan.edits


def test_an_undone_win_is_cancelled_while_waiting_and_struck_once_posted():
    assert reconcile([], [rec(1, win().key)], SCOPE).cancel == [1]
    assert reconcile([], [rec(1, win().key, posted=True)], SCOPE).strike == [1]


def test_a_struck_win_true_again_is_restored_not_posted():
    plan = reconcile([win()], [rec(1, win().key, "struck", posted=True)], SCOPE)
    assert plan.restore == [1] and plan.post == []


def test_wins_outside_what_was_looked_at_are_left_alone():
    others = [
        rec(1, "hit|g1|p8|" + WEEK, person=8, posted=True),  # someone not touched
        rec(2, "hit|g1|p7|week:2026-11-09", period="week:2026-11-09", posted=True),  # last week
        rec(
            3, "deal|p7|2026-11-01|d1r0|1", kind="deal", period="2026-11-01", posted=True
        ),  # a day not looked at
        rec(4, "import|abc", kind="import", person=None, period="import", posted=True),
        rec(5, "hit|g9|p7|" + WEEK, state="absorbed"),
    ]
    plan = reconcile([], others, SCOPE)
    assert plan.strike == [] and plan.cancel == []


def test_a_waiting_win_gets_fresh_text():
    plan = reconcile([win()], [rec(1, win().key)], SCOPE)
    assert plan.refresh == [(1, "line " + win().key)]


def test_the_same_deal_logged_undone_and_logged_again_has_the_same_key():
    first = DealBatch(7, date(2026, 11, 20), 100, 1, 1_200_000)
    again = DealBatch(7, date(2026, 11, 20), 140, 1, 1_200_000)
    other = DealBatch(7, date(2026, 11, 20), 120, 1, 500_000)
    assert deal_keys([first])[first] == deal_keys([again])[again]
    both = deal_keys([first, other, again])
    assert both[first].endswith("|1") and both[again].endswith("|2") and both[other].endswith("|1")
    assert len(set(both.values())) == 3


def test_a_deal_post_needs_the_minimum():
    batch = DealBatch(7, date(2026, 11, 20), 1, 1, 400_000)
    assert (
        worth_posting(batch, None)
        and not worth_posting(batch, 500_000)
        and worth_posting(batch, 400_000)
    )
    assert worth_posting(DealBatch(7, date(2026, 11, 20), 1, 1, 0), None)
    assert not worth_posting(DealBatch(7, date(2026, 11, 20), 1, 1, 0), 100)


def test_which_setting_turns_each_win_on():
    kinds = frozenset({"hits"})
    assert enabled("hit", kinds) and enabled("stretch", kinds)
    assert not enabled("deal", kinds) and not enabled("team", kinds) and not enabled("all", kinds)
    assert enabled("import", kinds) and not enabled("import", frozenset())


def test_goal_keys_tell_people_teams_and_periods_apart():
    assert goal_win_key("hit", 3, 7, WEEK) != goal_win_key("hit", 3, 8, WEEK)
    assert goal_win_key("team", 3, None, WEEK) != goal_win_key("team", 3, None, "week:2026-11-23")


keys = st.sampled_from([f"hit|g{g}|p7|{WEEK}" for g in range(6)])


@given(
    now=st.sets(keys, max_size=6),
    before=st.dictionaries(
        keys, st.tuples(st.sampled_from(["live", "struck", "absorbed"]), st.booleans()), max_size=6
    ),
)
def test_bringing_wins_in_line_twice_changes_nothing_the_second_time(now, before):
    """Applying a plan and reconciling again with the same wins asks for nothing more:
    what makes a retried tick, a second instance or a restart post nothing twice."""
    recorded = [
        rec(i, k, s, p and s != "absorbed") for i, (k, (s, p)) in enumerate(sorted(before.items()))
    ]
    wins = [win(k) for k in sorted(now)]
    plan = reconcile(wins, recorded, SCOPE)
    after = {r.key: r for r in recorded if r.id not in plan.cancel}
    for r in recorded:
        if r.id in plan.strike:
            after[r.key] = rec(r.id, r.key, "struck", True)
        if r.id in plan.restore:
            after[r.key] = rec(r.id, r.key, "live", True)
    next_id = 100
    for w in plan.post + plan.absorb:
        after[w.key] = rec(next_id, w.key, "live" if w in plan.post else "absorbed")
        next_id += 1
    again = reconcile(wins, list(after.values()), SCOPE)
    assert (again.post, again.absorb, again.cancel, again.strike, again.restore) == (
        [],
        [],
        [],
        [],
        [],
    )
    # Every win true now is recorded, and every recorded live one is true now.
    assert set(now) <= set(after)
    assert all(r.key in now for r in after.values() if r.state == "live")
