"""The replies to `/goal list` (live and coming goals) and `/goal history` (each goal's
versions, then the audit trail's latest changes), drawn from bot/core/goal_results. Both
stay within one Slack message; what does not fit is counted, with where to see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from bot.core.goal_results import GoalListing, GoalTrail, GoalVersion, Names
from bot.core.metrics import Metric, MetricCatalog
from bot.core.standings import GoalSpec
from bot.render import goals as goal_text
from bot.render.block_limits import fit_reply
from bot.render.text import escape

# /goal list describes at most this many goals (a message shows some 30 of them); the
# rest are counted and LIST_REST says where to see them.
MAX_LIST_LINES = 200
LIST_REST = "narrow it with `/goal list @maria`; `/progress export` has everyone's goals in a CSV"
# /goal history stays within one Slack message (4,000 characters), the changes keeping at
# least this much room after the versions.
HISTORY_CHARS = 3900
HISTORY_CHANGES_RESERVE = 1200
MORE_LINE_CHARS = 100
_PERIOD_ORDER = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}
_HOW_SET = {
    "plan": ", from a plan",
    "split": ", from a split",
    "proposal": ", proposed and approved",
}


def list_reply(listing: GoalListing) -> str:
    rows, names, pending, today = listing.goals, listing.names, listing.pending, listing.today
    if not rows and not pending:
        return f"No live or coming goals for {listing.title}. Set one with `/goal set @maria calls 60/week`."
    lines = []
    for row in rows[:MAX_LIST_LINES]:
        how = _HOW_SET.get(row.origin, "")
        shown = goal_text.describe(row.goal.spec, row.goal.metric, names, today)
        lines.append(f"• {shown} — set by {escape(row.set_by)}{how}")
    waiting = (
        [
            f"Waiting for a decision: {', '.join(f'request #{r.request_id} ({r.kind})' for r in pending[:10])}"
        ]
        if pending
        else []
    )
    # One message (4,000 characters); what does not fit is counted, with where to see it.
    return fit_reply(
        [f"*Goals for {listing.title}* (live and coming)"],
        lines,
        LIST_REST,
        tail=waiting,
        total=len(rows),
        counted="goals",
    )


def history_reply(trail: GoalTrail, catalog: MetricCatalog, tz: tzinfo, *, narrowable: bool) -> str:
    """Two views in one reply: each goal's versions in order (which target was in force
    when, who set it and why), then the audit trail's latest changes (what changed, by
    whom, when). Both fit in one Slack message; what does not fit is counted. `tz` is the
    reader's zone; `narrowable` says whether `/goal history @maria` would show less."""
    names, changes, today = trail.names, trail.changes, trail.today
    if not trail.versions and not changes:
        return f"No goals or goal changes for {trail.title} yet."
    head = [f"*Goal history for {trail.title}*"]
    groups = _version_groups(trail.versions, names, today)
    change_lines = [
        goal_text.history_line(
            when=goal_text.when_text(change.at, tz, today),
            actor=change.actor,
            action=change.action,
            subject_id=change.subject_id,
            before=change.before,
            after=change.after,
            reason=change.reason,
            metric_of=lambda key: _metric_of(catalog, key),
            names=names,
            today=today,
        )
        for change in changes
    ]
    versions_title = "_Versions — which target was in force when:_"
    changes_title = "_Changes, newest first:_"
    reserve = (
        min(_size([changes_title, *change_lines]), HISTORY_CHANGES_RESERVE) if change_lines else 0
    )
    lines = list(head)
    if groups:
        room = HISTORY_CHARS - _size(lines) - reserve - _size([versions_title]) - MORE_LINE_CHARS
        kept, left_off = _fit(_without_oldest(groups, today, room), room)
        lines += [versions_title, *kept]
        if left_off:
            lines.append(
                f"… and {left_off} more version{'s' if left_off != 1 else ''} — narrow it with "
                "`/goal history @maria` or `/goal history team:east`."
            )
    if change_lines:
        room = HISTORY_CHARS - _size(lines) - _size([changes_title]) - MORE_LINE_CHARS
        kept, _ = _fit(change_lines, room)
        lines += [changes_title, *kept]
        left_off = trail.total_changes - sum(1 for line in kept if line.startswith("• "))
        if left_off > 0:
            # One person's history cannot be narrowed further; a team's or your own can.
            narrow = " — `/goal history @maria` narrows it" if narrowable else ""
            lines.append(
                f"… and {left_off} more change{'s' if left_off != 1 else ''}{narrow} "
                "(the audit trail keeps them all)."
            )
    return "\n".join(lines)


def _metric_of(catalog: MetricCatalog, key: str) -> Metric:
    return catalog.lookup(key) or Metric(key)


@dataclass
class _Group:
    """One goal (owner, metric, period kind — a person's individual and ramp rows are one)
    for /goal history: its heading and its versions in the order they start."""

    heading: str
    versions: list[tuple[GoalSpec, str]]
    earlier: int = 0  # the oldest ended versions left out to fit the message

    def lines(self) -> list[str]:
        more = (
            [f"… and {self.earlier} earlier version{'s' if self.earlier != 1 else ''}"]
            if self.earlier
            else []
        )
        return [self.heading, *more, *(line for _, line in self.versions)]


def _version_groups(rows: tuple[GoalVersion, ...], names: Names, today: date) -> list[_Group]:
    """Each goal's versions under a heading: team goals first, then people by name."""
    found: dict[tuple, list[GoalVersion]] = {}
    for row in rows:
        spec = row.goal.spec
        period = spec.period_kind.value
        if spec.person_id is not None:
            key: tuple = (
                1,
                names.get(("person", spec.person_id), "").casefold(),
                spec.person_id,
                "person",
            )
        else:
            key = (
                0,
                names.get(("team", spec.team_id or 0), "").casefold(),
                spec.team_id,
                spec.kind,
            )
        key += (spec.metric, _PERIOD_ORDER.get(period, 9), period)
        found.setdefault(key, []).append(row)
    groups: list[_Group] = []
    for key in sorted(found):
        versions = sorted(found[key], key=lambda v: (v.goal.spec.start, v.goal.spec.id or 0))
        first = versions[0].goal
        heading = goal_text.goal_heading(first.spec, first.metric, names)
        groups.append(
            _Group(
                heading,
                [
                    (
                        version.goal.spec,
                        goal_text.version_line(
                            version.goal.spec,
                            version.goal.metric,
                            today,
                            set_by=version.set_by,
                            reason=version.reason,
                            origin=version.origin,
                        ),
                    )
                    for version in versions
                ],
            )
        )
    return groups


def _without_oldest(groups: list[_Group], today: date, room: int) -> list[str]:
    """The groups' lines, leaving out the versions that ended longest ago (each goal's
    oldest first, counted under its heading) until they fit in `room`: the version in
    force and the coming ones matter most."""
    size = sum(_size(group.lines()) for group in groups)
    ended = sorted(
        (
            (spec.end, spec.start, spec.id or 0, index)
            for index, group in enumerate(groups)
            for spec, _ in group.versions
            if spec.end is not None and spec.end < today
        ),
        key=lambda item: (item[0], item[1], item[2]),
    )
    for _, _, goal_id, index in ended:
        if size <= room:
            break
        group = groups[index]
        before = _size(group.lines())
        group.versions = [(spec, line) for spec, line in group.versions if spec.id != goal_id]
        group.earlier += 1
        size += _size(group.lines()) - before
    return [line for group in groups for line in group.lines()]


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fit(lines: list[str], room: int) -> tuple[list[str], int]:
    """The leading lines that fit in `room` characters, and how many `• ` lines were left
    off (a heading is never left last without a line under it)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    while kept and not kept[-1].startswith("• "):
        kept.pop()
    shown = sum(1 for line in kept if line.startswith("• "))
    return kept, sum(1 for line in lines if line.startswith("• ")) - shown
