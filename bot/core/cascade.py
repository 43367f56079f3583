"""Top-down cascades: a target split level by level down the team tree.

A team with sub-teams splits its part between them (and, when it has members of its own
who are in none of its sub-teams, one more part for them together); a team without
sub-teams splits its part between its members; the company (`team:all`) splits between the
top-level teams. Every level uses allocation's exact largest remainder, so the parts of a
level always add up to the part above them.

By history a team weighs the total of the metric its people (at any depth below it)
logged in the window, and a team with nothing logged gets the median of its siblings, as
a new rep does; a person weighs what the member split gives them (allocation.split_weight,
None for a new rep). Evenly, siblings get equal parts (at most one unit apart). A team
with nobody at any depth below it gets no part: there is nobody to carry it.

Pure: the caller reads the tree, the people and their history, and stores the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core import allocation
from bot.core.team_tree import TeamTree


class PartKind(StrEnum):
    TEAM = "team"
    OWN = "own members"  # a team's own members next to its sub-teams (id: that team)
    PERSON = "person"


class Basis(StrEnum):
    """Why a part is what it is."""

    HISTORY = "history"
    MEDIAN = "median"  # nothing logged: the median of its siblings' weights
    EVEN = "even"  # evenly, or by history where none of the siblings had any
    EMPTY = "no people"  # nobody below it: no part


_BASES = {
    allocation.SplitBasis.HISTORY: Basis.HISTORY,
    allocation.SplitBasis.TEAM_MEDIAN: Basis.MEDIAN,
    allocation.SplitBasis.EVEN: Basis.EVEN,
}


@dataclass(frozen=True)
class Part:
    kind: PartKind
    id: int  # the team's (TEAM, OWN) or the person's (PERSON)
    amount: int
    basis: Basis
    children: tuple[Part, ...] = ()
    people: int = 0  # how many people are below it (1 for a person)

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind.value, self.id)


@dataclass(frozen=True)
class People:
    """What a cascade knows of the people: `members` — each team's own members (not bots,
    not deactivated), in the order they get leftover units; `totals` — each person's total
    of the metric in the window (a team weighs the sum of its people's); `weights` — each
    person's weight when their team's part is split between them (their average per period
    of history, allocation.split_weight; None for a new rep). Evenly, only `members` counts."""

    members: Mapping[int, Sequence[int]]
    totals: Mapping[int, int] | None = None
    weights: Mapping[int, allocation.Number | None] | None = None


@dataclass(frozen=True)
class Cascade:
    """`target` from `root` (None: the company) down: `parts` are the root's."""

    root: int | None
    target: int
    by_history: bool
    parts: tuple[Part, ...]

    def walk(self) -> Iterator[tuple[int, Part]]:
        """(depth, part) for every part, each before the parts it splits into; the root's
        own parts are at depth 0."""

        def down(parts: Sequence[Part], depth: int) -> Iterator[tuple[int, Part]]:
            for part in parts:
                yield depth, part
                yield from down(part.children, depth + 1)

        return down(self.parts, 0)

    def teams(self) -> list[Part]:
        return [part for _, part in self.walk() if part.kind is PartKind.TEAM]

    def persons(self) -> list[Part]:
        return [part for _, part in self.walk() if part.kind is PartKind.PERSON]

    @property
    def had_history(self) -> bool:
        """Whether any part was weighed by history (False: by history fell back to even)."""
        return any(part.basis in (Basis.HISTORY, Basis.MEDIAN) for _, part in self.walk())


def people_below(tree: TeamTree, team_id: int, members: Mapping[int, Sequence[int]]) -> list[int]:
    """Everyone in the team or any team below it, the team's own members first."""
    return [person for t in tree.subtree(team_id) for person in members.get(t, ())]


def member_split_teams(
    tree: TeamTree,
    root: int | None,
    members: Mapping[int, Sequence[int]],
    levels: int | None = None,
) -> list[int]:
    """The teams whose own members get parts of their own in plan() with the same `root`
    and `levels`: whose per-person weights the caller has to read (in walk order)."""
    found: list[int] = []

    def visit(team_id: int, depth: int) -> None:
        if not people_below(tree, team_id, members):
            return
        if not tree.has_children(team_id):
            found.append(team_id)
            return
        if members.get(team_id):
            found.append(team_id)
        if levels is None or depth + 1 < levels:
            for child in tree.children(team_id):
                visit(child.id, depth + 1)

    if root is None:
        for node in tree.roots():
            if levels is None or levels > 1:
                visit(node.id, 1)
    else:
        visit(root, 0)
    return found


def plan(
    tree: TeamTree,
    root: int | None,
    target: int,
    by_history: bool,
    people: People,
    levels: int | None = None,
) -> Cascade:
    """Split `target` from `root` (a team id, or None for the company) down the tree.

    `levels` is how many levels of teams get parts: 1 splits a team between its sub-teams
    only (their parts are not split further; its own members' part is still shared out
    between them, since it is no team); None goes all the way down to the people. Raises
    ValueError when nobody is below the root (the caller says so first, in its own words)."""
    if target < 0:
        raise ValueError(f"target must be ≥ 0, not {target}")
    if by_history and (people.totals is None or people.weights is None):
        raise ValueError("by history needs totals and weights")
    planner = _Planner(tree, people, by_history, levels)
    if root is None:
        units = [_Unit(PartKind.TEAM, node.id) for node in tree.roots()]
        parts = planner.split(target, units, 1)
    else:
        if root not in tree:
            raise ValueError(f"no team {root}")
        parts = planner.split(target, planner.units_of(root), 1)
    if not any(part.people for part in parts):
        raise ValueError("nobody to split the target between")
    return Cascade(root, target, by_history, tuple(parts))


@dataclass(frozen=True)
class _Unit:
    kind: PartKind
    id: int


class _Planner:
    def __init__(
        self, tree: TeamTree, people: People, by_history: bool, levels: int | None
    ) -> None:
        self.tree = tree
        self.people = people
        self.by_history = by_history
        self.levels = levels

    def units_of(self, team_id: int) -> list[_Unit]:
        """What a team's part splits into: its sub-teams and its own members together, or
        (without sub-teams) each member."""
        own = self.people.members.get(team_id, ())
        if not self.tree.has_children(team_id):
            return [_Unit(PartKind.PERSON, person) for person in own]
        units = [_Unit(PartKind.TEAM, child.id) for child in self.tree.children(team_id)]
        if own:
            units.append(_Unit(PartKind.OWN, team_id))
        return units

    def persons_of(self, unit: _Unit) -> list[int]:
        if unit.kind is PartKind.PERSON:
            return [unit.id]
        if unit.kind is PartKind.OWN:
            return list(self.people.members.get(unit.id, ()))
        return people_below(self.tree, unit.id, self.people.members)

    def weight(self, unit: _Unit) -> allocation.Number | None:
        """A person's own weight; a team's (or own members') total in the window, None for
        nothing logged (the median of its siblings stands in)."""
        if unit.kind is PartKind.PERSON:
            assert self.people.weights is not None
            return self.people.weights.get(unit.id)
        assert self.people.totals is not None
        total = sum(self.people.totals.get(person, 0) for person in self.persons_of(unit))
        return total or None

    def split(self, amount: int, units: Sequence[_Unit], depth: int) -> list[Part]:
        """`amount` between `units` (those with nobody below get no part), each part then
        split further."""
        counts = {unit: len(self.persons_of(unit)) for unit in units}
        live = [unit for unit in units if counts[unit]]
        if not live:
            return [Part(unit.kind, unit.id, 0, Basis.EMPTY) for unit in units]
        if self.by_history:
            found = allocation.split_by_history(
                amount, [(unit, self.weight(unit)) for unit in live]
            )
        else:
            found = allocation.split_evenly(amount, live)
        shares = {share.member: (share.amount, _BASES[share.basis]) for share in found}
        parts = []
        for unit in units:
            if unit not in shares:
                parts.append(Part(unit.kind, unit.id, 0, Basis.EMPTY))
                continue
            share, basis = shares[unit]
            parts.append(
                Part(
                    unit.kind,
                    unit.id,
                    share,
                    basis,
                    self.children(unit, share, depth),
                    counts[unit],
                )
            )
        return parts

    def children(self, unit: _Unit, amount: int, depth: int) -> tuple[Part, ...]:
        if unit.kind is PartKind.PERSON:
            return ()
        if unit.kind is PartKind.OWN:
            units = [
                _Unit(PartKind.PERSON, person) for person in self.people.members.get(unit.id, ())
            ]
        elif self.levels is not None and depth >= self.levels:
            return ()
        else:
            units = self.units_of(unit.id)
        return tuple(self.split(amount, units, depth + 1))
