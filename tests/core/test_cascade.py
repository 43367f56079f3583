"""Top-down cascades (bot/core/cascade.py): every level adds up exactly to the level above."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import cascade
from bot.core.cascade import Basis, Part, PartKind, People
from bot.core.errors import UserError
from bot.core.goal_grammar import GOAL_HELP, GoalCascade, GoalSplit, parse_goal
from bot.core.metrics import MetricCatalog
from bot.core.periods import PeriodKind
from bot.core.team_tree import TeamNode, TeamTree

# company → central (dustin, eastside), west; central has one member of its own.
CENTRAL, DUSTIN, EASTSIDE, WEST = 1, 2, 3, 4
TREE = TeamTree([
    TeamNode(CENTRAL, "central", None),
    TeamNode(DUSTIN, "dustin", CENTRAL),
    TeamNode(EASTSIDE, "eastside", CENTRAL),
    TeamNode(WEST, "west", None),
])  # fmt: skip
MEMBERS = {CENTRAL: [10], DUSTIN: [20, 21], EASTSIDE: [30], WEST: [40, 41, 42]}


def amounts(parts):
    return [(p.kind.value, p.id, p.amount, p.basis.value) for p in parts]


def test_evenly_down_from_the_company():
    plan = cascade.plan(TREE, None, 12_000, False, People(MEMBERS))
    # central and west get 6,000 each; central: dustin, eastside and its own member 2,000 each.
    assert amounts(plan.parts) == [("team", CENTRAL, 6000, "even"), ("team", WEST, 6000, "even")]
    central, west = plan.parts
    assert amounts(central.children) == [
        ("team", DUSTIN, 2000, "even"), ("team", EASTSIDE, 2000, "even"), ("own members", CENTRAL, 2000, "even"),
    ]  # fmt: skip
    assert amounts(central.children[0].children) == [
        ("person", 20, 1000, "even"),
        ("person", 21, 1000, "even"),
    ]
    assert amounts(central.children[2].children) == [("person", 10, 2000, "even")]
    # 6,000 / 3: 2,000 each.
    assert [p.amount for p in west.children] == [2000, 2000, 2000]
    assert sum(p.amount for p in plan.persons()) == 12_000
    assert [p.people for p in plan.parts] == [4, 3]


def test_evenly_leftover_units_go_to_the_first_siblings():
    plan = cascade.plan(TREE, None, 10, False, People(MEMBERS))
    central, west = plan.parts
    assert (central.amount, west.amount) == (5, 5)
    assert [p.amount for p in central.children] == [2, 2, 1]
    assert [p.amount for p in west.children] == [2, 2, 1]


def test_by_history_teams_weigh_their_peoples_totals_and_an_empty_history_gets_the_median():
    totals = {10: 100, 20: 300, 21: 100, 30: 0, 40: 200, 41: 200, 42: 0}
    weights = {
        10: Fraction(100),
        20: Fraction(300),
        21: Fraction(100),
        30: None,
        40: Fraction(200),
        41: None,
        42: None,
    }
    plan = cascade.plan(TREE, None, 1000, True, People(MEMBERS, totals, weights))
    central, west = plan.parts
    # central 500 (10+20+21) v west 400: 1000 × 5/9 = 555.5… → 556, 444.4… → 444.
    assert (central.amount, central.basis, west.amount, west.basis) == (
        556,
        Basis.HISTORY,
        444,
        Basis.HISTORY,
    )
    # dustin 400, eastside nothing logged → the median of 400 and 100 = 250, own 100:
    # 556 × 400/750 = 296.53 → 296 (remainder .53), 556 × 250/750 = 185.33 → 185, 556 × 100/750 = 74.13 → 74;
    # one unit left goes to the largest remainder, dustin: 297, 185, 74.
    assert amounts(central.children) == [
        ("team", DUSTIN, 297, "history"), ("team", EASTSIDE, 185, "median"), ("own members", CENTRAL, 74, "history"),
    ]  # fmt: skip
    # Inside dustin: 297 × 3/4 = 222.75 → 223, 297 × 1/4 = 74.25 → 74.
    assert amounts(central.children[0].children) == [
        ("person", 20, 223, "history"),
        ("person", 21, 74, "history"),
    ]
    # west's 444: 40 has 200, 41 and 42 are new (the median of the known, 200): 148 each.
    assert amounts(west.children) == [
        ("person", 40, 148, "history"),
        ("person", 41, 148, "median"),
        ("person", 42, 148, "median"),
    ]
    assert plan.had_history


def test_by_history_with_nothing_logged_anywhere_is_even():
    people = People(MEMBERS, {}, {p: None for ps in MEMBERS.values() for p in ps})
    plan = cascade.plan(TREE, None, 100, True, people)
    assert [(p.amount, p.basis) for p in plan.parts] == [(50, Basis.EVEN), (50, Basis.EVEN)]
    assert not plan.had_history


def test_one_level_splits_between_the_sub_teams_only_but_shares_out_the_own_members_part():
    plan = cascade.plan(TREE, CENTRAL, 900, False, People(MEMBERS), levels=1)
    assert amounts(plan.parts) == [
        ("team", DUSTIN, 300, "even"), ("team", EASTSIDE, 300, "even"), ("own members", CENTRAL, 300, "even"),
    ]  # fmt: skip
    assert plan.parts[0].children == () and plan.parts[1].children == ()
    assert amounts(plan.parts[2].children) == [("person", 10, 300, "even")]
    assert cascade.member_split_teams(TREE, CENTRAL, MEMBERS, levels=1) == [CENTRAL]
    assert cascade.member_split_teams(TREE, None, MEMBERS) == [CENTRAL, DUSTIN, EASTSIDE, WEST]


def test_a_team_with_nobody_below_gets_no_part():
    members = {DUSTIN: [20], WEST: [40]}
    plan = cascade.plan(TREE, None, 100, False, People(members))
    central, west = plan.parts
    assert (central.amount, west.amount) == (50, 50)
    assert amounts(central.children) == [
        ("team", DUSTIN, 50, "even"),
        ("team", EASTSIDE, 0, "no people"),
    ]
    assert central.children[1].children == () and central.children[1].people == 0


def test_a_leaf_root_splits_to_its_members():
    plan = cascade.plan(TREE, WEST, 10, False, People(MEMBERS))
    assert amounts(plan.parts) == [
        ("person", 40, 4, "even"),
        ("person", 41, 3, "even"),
        ("person", 42, 3, "even"),
    ]


def test_nobody_below_the_root_is_refused():
    with pytest.raises(ValueError, match="nobody"):
        cascade.plan(TREE, CENTRAL, 10, False, People({WEST: [40]}))
    with pytest.raises(ValueError, match="nobody"):
        cascade.plan(TeamTree([]), None, 10, False, People({}))


# --- the grammar -------------------------------------------------------------------------------

CATALOG = MetricCatalog()
REVENUE = CATALOG.get("revenue")


def parsed(text):
    return parse_goal(text, CATALOG, date(2026, 11, 20))


def error_of(text):
    with pytest.raises(UserError) as caught:
        parsed(text)
    return caught.value.message


def test_cascade_and_split_read_apply_and_a_reason_in_any_order():
    assert parsed("cascade team:all revenue 12m/year by history apply -- plan 2027") == GoalCascade(
        "all", REVENUE, 1_200_000_000, PeriodKind.YEAR, "history", "plan 2027", True
    )
    assert parsed("cascade apply evenly 12m/year revenue team:central") == GoalCascade(
        "central", REVENUE, 1_200_000_000, PeriodKind.YEAR, "evenly", None, True
    )
    assert parsed("cascade team:all revenue 12m/year") == GoalCascade(
        "all", REVENUE, 1_200_000_000, PeriodKind.YEAR, "history", None, False
    )
    assert parsed("split team:central revenue 4m/year by history apply") == GoalSplit(
        "central", REVENUE, 400_000_000, PeriodKind.YEAR, "history", None, True
    )
    assert parsed("split team:east revenue 300k/quarter").apply is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cascade revenue 12m/year", "Name the team whose target to cascade, as team:NAME (team:all for the company)."),
        ("cascade team:all revenue 12m/year apply apply", "`apply` is given twice."),
        ("cascade team:all team:east revenue 12m/year", 'Name one person or team — "team:east" is a second one.'),
        ("cascade team:all revenue 12m/year by magic", 'Split by history or evenly, not "magic".'),
        ("cascade team:all revenue", "Give the revenue target with its period, such as 4000/month."),
        ("cascade team:all revenue 12m/year please", 'Unknown word "please" in `/goal cascade`. It takes: '
         "team:NAME, by history or by evenly, apply."),
        ("cascade @bo revenue 12m/year", "`/goal cascade` divides a team's target down its sub-teams to their "
         "members — name the team (team:east, or team:all for the company); for one person use `/goal set`."),
        ("split team:east revenue 300k/quarter apply apply", "`apply` is given twice."),
    ],
)  # fmt: skip
def test_cascade_errors_are_specific(text, message):
    assert error_of(text) == message


def test_help_names_cascade_and_a_typo_finds_it():
    assert "`/goal cascade team:all revenue 12m/year by history`" in GOAL_HELP
    assert "Did you mean `cascade`?" in error_of("cascde team:all revenue 12m/year")


# --- properties --------------------------------------------------------------------------------


@st.composite
def setups(draw):
    count = draw(st.integers(min_value=0, max_value=9))
    nodes = []
    for team_id in range(1, count + 1):
        parent = (
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=team_id - 1)))
            if team_id > 1
            else None
        )
        nodes.append(
            TeamNode(team_id, draw(st.sampled_from(["a", "b", "c", "d"])) + str(team_id), parent)
        )
    tree = TeamTree(nodes)
    people = draw(st.integers(min_value=0, max_value=20))
    members: dict[int, list[int]] = {}
    for person in range(100, 100 + people):
        team = (
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=count))) if count else None
        )
        if team is not None:
            members.setdefault(team, []).append(person)
    everyone = [p for ps in members.values() for p in ps]
    totals = {p: draw(st.integers(min_value=0, max_value=10_000)) for p in everyone}
    weights = {
        p: draw(st.one_of(st.none(), st.fractions(min_value=0, max_value=500, max_denominator=12)))
        for p in everyone
    }
    root = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=count))) if count else None
    target = draw(st.integers(min_value=0, max_value=10**9))
    by_history = draw(st.booleans())
    levels = draw(st.sampled_from([None, None, 1, 2]))
    return tree, members, People(members, totals, weights), root, target, by_history, levels


def _below(tree, root, members):
    ids = tree.subtree(root) if root is not None else list(tree.nodes)
    return {p for t in ids for p in members.get(t, ())}


def _check_level(parts: tuple[Part, ...] | list[Part], amount: int, by_history: bool) -> None:
    assert sum(p.amount for p in parts) == amount
    for part in parts:
        assert part.amount >= 0
        assert (part.basis is Basis.EMPTY) == (part.people == 0)
        if part.basis is Basis.EMPTY:
            assert part.amount == 0 and part.children == ()
    live = [p for p in parts if p.people]
    if not by_history and live:
        assert max(p.amount for p in live) - min(p.amount for p in live) <= 1
    for part in parts:
        if part.children:
            _check_level(part.children, part.amount, by_history)


@given(setups())
def test_every_level_adds_up_exactly_to_the_one_above(setup):
    tree, members, people, root, target, by_history, levels = setup
    below = _below(tree, root, members)
    if not below:
        with pytest.raises(ValueError):
            cascade.plan(tree, root, target, by_history, people, levels)
        return
    plan = cascade.plan(tree, root, target, by_history, people, levels)
    _check_level(plan.parts, target, by_history)
    persons = plan.persons()
    assert len({p.id for p in persons}) == len(persons)
    assert {p.id for p in persons} <= below
    # The teams whose members got parts of their own are those member_split_teams names.
    team_of = {p: t for t, ps in members.items() for p in ps}
    assert {team_of[p.id] for p in persons} == set(
        cascade.member_split_teams(tree, root, members, levels)
    )
    if levels is None:
        # All the way down: everyone below gets a part, and the parts are the target.
        assert {p.id for p in persons} == below
        assert sum(p.amount for p in persons) == target
    for _, part in plan.walk():
        if part.kind is PartKind.TEAM and part.people and part.children:
            assert part.people == sum(child.people for child in part.children)


@given(setups())
def test_by_history_a_larger_weight_never_gets_less(setup):
    tree, members, people, root, target, _, levels = setup
    if not _below(tree, root, members):
        return
    plan = cascade.plan(tree, root, target, True, people, levels)

    def siblings(parts):
        yield list(parts)
        for part in parts:
            yield from siblings(part.children)

    for group in siblings(plan.parts):
        weighed = [p for p in group if p.basis is Basis.HISTORY and p.kind is PartKind.PERSON]
        weight = {p.id: people.weights[p.id] for p in weighed}
        for a in weighed:
            for b in weighed:
                if weight[a.id] > weight[b.id]:
                    assert a.amount >= b.amount
