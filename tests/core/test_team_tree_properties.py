"""bot/core/team_tree.py on random forests (pure, no database): subtrees are closed under
sub-teams, every team is under exactly one top-level team, the outline lists every team once
with parents first, and a move loops exactly when the new parent is in the team's subtree.
Stored loops (which the commands never make) must not hang a walk."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.team_tree import TeamNode, TeamTree

NAMES = st.sampled_from(["central", "east", "West", "dustin", "Dustin", "melvin", "cara", "a", "b"])


@st.composite
def forests(draw: st.DrawFn) -> list[TeamNode]:
    """Up to 25 teams; each team's parent is an earlier one or none, so there is no loop;
    ids are shuffled so a parent's id need not be the lower, names may repeat."""
    n = draw(st.integers(min_value=0, max_value=25))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n)]
    ids = draw(st.permutations(list(range(1, n + 1))))
    names = [draw(NAMES) for _ in range(n)]
    return [
        TeamNode(ids[i], names[i], None if p is None else ids[p]) for i, p in enumerate(parents)
    ]


@st.composite
def any_parents(draw: st.DrawFn) -> list[TeamNode]:
    """Any parent at all, loops and dangling parents included (a damaged database)."""
    n = draw(st.integers(min_value=0, max_value=12))
    parent = st.one_of(st.none(), st.integers(1, n + 2))
    return [TeamNode(i, draw(NAMES), draw(parent)) for i in range(1, n + 1)]


def parent_map(nodes: list[TeamNode]) -> dict[int, int | None]:
    return {node.id: node.parent_id for node in nodes}


def below(nodes: list[TeamNode], team_id: int) -> set[int]:
    """The team and everything below it, by following each team's parents up (the
    reference: independent of the tree's own walks)."""
    parents = parent_map(nodes)
    found = set()
    for node in nodes:
        current: int | None = node.id
        while current is not None:
            if current == team_id:
                found.add(node.id)
                break
            current = parents[current]
    return found


@given(forests())
def test_a_subtree_is_the_team_and_exactly_everything_below_it(nodes):
    tree = TeamTree(nodes)
    parents = parent_map(nodes)
    for node in nodes:
        subtree = tree.subtree(node.id)
        assert subtree[0] == node.id
        assert len(subtree) == len(set(subtree))
        assert set(subtree) == below(nodes, node.id)
        # Closed under sub-teams: every child of a team in it is in it.
        for team_id in subtree:
            assert {c.id for c in tree.children(team_id)} <= set(subtree)
            assert {t for t, p in parents.items() if p == team_id} <= set(subtree)
        # Each team comes after its parent.
        for team_id in subtree[1:]:
            assert subtree.index(parents[team_id]) < subtree.index(team_id)


@given(forests())
def test_every_team_is_under_exactly_one_top_level_team(nodes):
    tree = TeamTree(nodes)
    roots = [r.id for r in tree.roots()]
    assert set(roots) == {n.id for n in nodes if n.parent_id is None}
    for node in nodes:
        under = [r for r in roots if node.id in tree.subtree(r)]
        assert len(under) == 1
        ancestors = tree.ancestors(node.id)
        assert (ancestors[-1] if ancestors else node.id) == under[0]
    assert sorted(t for r in roots for t in tree.subtree(r)) == sorted(n.id for n in nodes)


@given(forests())
def test_the_outline_lists_every_team_once_parents_first_siblings_by_name(nodes):
    tree = TeamTree(nodes)
    outline = tree.outline()
    order = [t for _, t in outline]
    assert sorted(order) == sorted(n.id for n in nodes)
    position = {t: i for i, t in enumerate(order)}
    parents = parent_map(nodes)
    for depth, team_id in outline:
        assert depth == len(tree.ancestors(team_id))
        if parents[team_id] is not None:
            assert position[parents[team_id]] < position[team_id]
            # A team's whole subtree follows it without a gap.
            size = len(tree.subtree(parents[team_id]))
            assert position[team_id] < position[parents[team_id]] + size
    for parent in [None, *(n.id for n in nodes)]:
        children = [c.id for c in tree.children(parent)]
        names = [(tree.name(c).lower(), c) for c in children]
        assert names == sorted(names)
        assert [c for c in order if c in children] == children


@given(forests(), st.data())
def test_a_move_loops_exactly_when_the_new_parent_is_in_the_subtree(nodes, data):
    if not nodes:
        return
    tree = TeamTree(nodes)
    ids = [n.id for n in nodes]
    for team_id in ids:
        for new_parent in ids:
            assert tree.would_loop(team_id, new_parent) == (new_parent in tree.subtree(team_id))
    # Any move that does not loop leaves a forest: every team still reaches a top-level team.
    team_id, new_parent = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
    if not tree.would_loop(team_id, new_parent):
        moved = [
            TeamNode(n.id, n.name, new_parent if n.id == team_id else n.parent_id) for n in nodes
        ]
        after = TeamTree(moved)
        assert sorted(t for r in after.roots() for t in after.subtree(r.id)) == sorted(ids)
        assert team_id in after.subtree(new_parent)


@given(forests())
def test_leaves_governed_and_topmost_agree_with_the_subtrees(nodes):
    tree = TeamTree(nodes)
    ids = {n.id for n in nodes}
    assert set(tree.leaves()) == {t for t in ids if not tree.children(t)}
    for node in nodes:
        assert set(tree.leaves(node.id)) == {
            t for t in tree.subtree(node.id) if not tree.children(t)
        }
        assert tree.governed([node.id]) == set(tree.subtree(node.id))
    some = sorted(ids)[::2]
    tops = tree.topmost(some)
    assert tree.governed(tops) == tree.governed(some)
    assert all(not set(tree.ancestors(t)) & set(some) for t in tops)


@given(any_parents())
def test_a_stored_loop_never_hangs_a_walk_and_the_outline_still_lists_everyone_once(nodes):
    tree = TeamTree(nodes)
    ids = sorted(n.id for n in nodes)
    assert sorted(t for _, t in tree.outline()) == ids
    for node in nodes:
        subtree = tree.subtree(node.id)
        assert subtree[0] == node.id and len(subtree) == len(set(subtree))
        ancestors = tree.ancestors(node.id)
        assert node.id not in ancestors and len(ancestors) == len(set(ancestors))
        assert set(ancestors) <= set(ids)
