"""Teams form a tree through their parent: regions above teams, the company above all.

Pure: storage hands over every team's (id, name, parent) in one read and everything about
the tree (a team's people at any depth, who may manage what, the order `/team list` shows)
is answered here. A loop in stored parents cannot be created through the commands, but the
walks below stop at a team already seen so that one never hangs a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# `team:all` names the whole company (as does the workspace's own name).
COMPANY_WORDS = ("all",)
# A team id no stored team has: the company's pseudo-team in reports.
COMPANY_ID = 0


@dataclass(frozen=True)
class TeamNode:
    id: int
    name: str
    parent_id: int | None
    tz: str = "UTC"


class TeamTree:
    def __init__(self, nodes: Iterable[TeamNode]) -> None:
        self.nodes: dict[int, TeamNode] = {node.id: node for node in nodes}
        self._children: dict[int | None, list[TeamNode]] = {}
        for node in sorted(self.nodes.values(), key=lambda n: (n.name.lower(), n.id)):
            parent = node.parent_id if node.parent_id in self.nodes else None
            self._children.setdefault(parent, []).append(node)

    def __contains__(self, team_id: object) -> bool:
        return team_id in self.nodes

    def name(self, team_id: int) -> str:
        return self.nodes[team_id].name

    def parent(self, team_id: int) -> TeamNode | None:
        node = self.nodes.get(team_id)
        return (
            self.nodes.get(node.parent_id)
            if node is not None and node.parent_id is not None
            else None
        )

    def children(self, team_id: int | None) -> list[TeamNode]:
        """Direct sub-teams by name; None: the top-level teams."""
        return list(self._children.get(team_id, ()))

    def roots(self) -> list[TeamNode]:
        return self.children(None)

    def main_zone(self) -> str:
        """The time zone most teams use (ties: the first by name); UTC with no teams."""
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.tz] = counts.get(node.tz, 0) + 1
        return min(counts.items(), key=lambda item: (-item[1], item[0]))[0] if counts else "UTC"

    def has_children(self, team_id: int) -> bool:
        return bool(self._children.get(team_id))

    def subtree(self, team_id: int) -> list[int]:
        """The team and every team below it, at any depth, the team first."""
        found: list[int] = []
        seen: set[int] = set()
        stack = [team_id]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.nodes:
                continue
            seen.add(current)
            found.append(current)
            stack.extend(reversed([child.id for child in self._children.get(current, ())]))
        return found

    def ancestors(self, team_id: int) -> list[int]:
        """The teams above, nearest first."""
        found: list[int] = []
        current = self.nodes.get(team_id)
        while (
            current is not None and current.parent_id is not None and current.parent_id not in found
        ):
            if current.parent_id == team_id or current.parent_id not in self.nodes:
                break
            found.append(current.parent_id)
            current = self.nodes.get(current.parent_id)
        return found

    def governed(self, managed: Iterable[int]) -> set[int]:
        """Teams a manager of `managed` manages: those and everything below them."""
        found: set[int] = set()
        for team_id in managed:
            found.update(self.subtree(team_id))
        return found

    def topmost(self, team_ids: Iterable[int]) -> list[int]:
        """Of `team_ids`, those with none of the others above them, by name."""
        chosen = set(team_ids)
        tops = [t for t in chosen if t in self.nodes and not chosen.intersection(self.ancestors(t))]
        return sorted(tops, key=lambda t: (self.nodes[t].name.lower(), t))

    def would_loop(self, team_id: int, new_parent_id: int) -> bool:
        return new_parent_id == team_id or team_id in self.ancestors(new_parent_id)

    def leaves(self, team_id: int | None = None) -> list[int]:
        """Teams with no sub-teams: under `team_id`, or in the whole company; by name."""
        ids = self.subtree(team_id) if team_id is not None else list(self.nodes)
        leaves = [t for t in ids if not self.has_children(t)]
        return sorted(leaves, key=lambda t: (self.nodes[t].name.lower(), t))

    def outline(self) -> list[tuple[int, int]]:
        """(depth, team id) for every team, parents before their sub-teams, siblings by name:
        the order `/team list` shows."""
        found: list[tuple[int, int]] = []
        seen: set[int] = set()

        def walk(parent: int | None, depth: int) -> None:
            for child in self._children.get(parent, ()):
                if child.id in seen:
                    continue
                seen.add(child.id)
                found.append((depth, child.id))
                walk(child.id, depth + 1)

        walk(None, 0)
        # A team stuck in a stored loop has no way up to a root: list it at the top level.
        for node in sorted(self.nodes.values(), key=lambda n: (n.name.lower(), n.id)):
            if node.id not in seen:
                seen.add(node.id)
                found.append((0, node.id))
                walk(node.id, 1)
        return found
