"""/leaderboard: who may see which board, and its ranking — a team's or a roll-up's people
by amount or by % of target, or teams against each other — from the read model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.metrics import Metric, MetricCatalog
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import Ranked, rank, top_of, top_with_caller
from bot.core.report_grammar import LeaderboardQuery
from bot.core.standings import Standing
from bot.render.leaderboard import team_entries
from bot.render.standing_lines import metric_of
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import goals, teams

DEFAULT_METRIC = "calls"


@dataclass(frozen=True)
class Leaderboard:
    """A ranked board of people, or of teams (`by team`): its top rows and the caller's own
    row (or their team's) when it is below them, the standing of each row that has one
    (person or team id → standing), and how many were left out of a ranking by % for having
    no target in the period."""

    scope: reports.Scope
    metric: Metric
    today: date
    top: list[Ranked]
    own: Ranked | None
    standings: Mapping[int, Standing]
    # People against each other: the prize of the scope's contest of the metric, if any.
    prize: str | None = None
    unranked: int = 0


def leaderboard(
    services: Services,
    caller: Caller,
    parsed: LeaderboardQuery,
    catalog: MetricCatalog,
    fiscal_start: int,
) -> Leaderboard:
    """The board the caller asked for (UserError: an unknown team, a board they may not see,
    no team of their own, a team without sub-teams to rank)."""
    now = services.clock.now()
    with services.db.read() as session:
        if parsed.team:
            chosen = access.scope_by_name(
                session, caller, parsed.team, "/leaderboard calls week team:east"
            )
        else:
            found = access.home_scope(session, caller)
            if found is None:
                raise UserError(
                    "You are not on a team yet, so there is no board to show. Name one, or ask a manager to add you.",
                    "/leaderboard calls week team:east",
                )
            chosen = found
            if (
                parsed.by_team
                and not chosen.is_company
                and not chosen.tree.has_children(chosen.team.id or 0)
                and (
                    caller.is_admin
                    or teams.team_of(session, caller.workspace_id, caller.person_id) is not None
                )
            ):
                # Your own team has no sub-teams: its teams' board is the company's, which
                # admins and everyone on a team may see (a leaf's manager keeps the error).
                chosen = reports.company_scope(session, caller.workspace_id)
        access.require_scope_board(session, caller, chosen)
        if parsed.by_team:
            return _team_board(session, caller, chosen, parsed, catalog, fiscal_start, now)
        if chosen.is_rollup and not parsed.by_pct:
            metric = parsed.metric or _rollup_metric(session, caller, chosen, parsed, catalog)
            return _rollup_by_total(session, caller, chosen, parsed, metric, fiscal_start, now)
        wanted = parsed.metric.key if parsed.metric else DEFAULT_METRIC
        report = reports.rollup_report(
            session, caller.workspace_id, chosen, parsed.period, now, (wanted,), fiscal_year_start_month=fiscal_start,
            only_metric=parsed.metric.key if parsed.metric and chosen.is_rollup else None,
        )  # fmt: skip
        goal_metrics = [c.goal.metric for c in report.contests] + [
            s.goal.metric for s in report.members + report.team_totals
        ]
        metric = parsed.metric or metric_of(
            catalog, goal_metrics[0] if goal_metrics else DEFAULT_METRIC
        )
    by_person: dict[int, Standing] = {}
    for standing in list(report.members) + [m for c in report.collectives for m in c.members]:
        # Someone who carries no target in the period (time off throughout, not started)
        # has no percent to rank by.
        if (
            standing.goal.metric == metric.key
            and standing.owner_id is not None
            and not standing.pace.nothing_to_do
        ):
            by_person.setdefault(standing.owner_id, standing)
    names = report.member_names
    if parsed.by_pct:
        entries = [
            RankEntry(str(pid), names[pid], by_person[pid].pace.pct)
            for pid in names
            if pid in by_person
        ]
    else:
        entries = [
            RankEntry(str(pid), name, report.totals.get((pid, metric.key), 0))
            for pid, name in names.items()
        ]
    top, own = top_with_caller(rank(entries), str(caller.person_id))
    contest = next((c for c in report.contests if c.goal.metric == metric.key), None)
    return Leaderboard(
        chosen, metric, reports.team_facts(chosen.team, None, now).today, top, own, by_person,
        prize=contest.goal.prize if contest else None,
        unranked=len(names) - len(entries) if parsed.by_pct else 0,
    )  # fmt: skip


def _rollup_metric(
    session: Session,
    caller: Caller,
    chosen: reports.Scope,
    parsed: LeaderboardQuery,
    catalog: MetricCatalog,
) -> Metric:
    """A roll-up's board with no metric named: the metric most goals below it are of (ties:
    the catalog's order), else calls."""
    counts = goals.metric_counts(
        session, caller.workspace_id, chosen.team_ids, parsed.period.start, parsed.period.end
    )
    order = {key: index for index, key in enumerate(catalog.keys)}
    best = min(
        counts, key=lambda m: (-counts[m], order.get(m, len(order)), m), default=DEFAULT_METRIC
    )
    return metric_of(catalog, best)


def _rollup_by_total(
    session: Session,
    caller: Caller,
    chosen: reports.Scope,
    parsed: LeaderboardQuery,
    metric: Metric,
    fiscal_start: int,
    now: datetime,
) -> Leaderboard:
    """A region's or the company's people by total: everyone is ranked from one totals
    statement, and pace is worked out only for the rows shown (thousands of people, a
    dozen rows)."""
    people, totals = reports.people_totals(
        session, caller.workspace_id, chosen, metric.key, parsed.period
    )
    top, own = top_of(
        (
            (str(pid), reports.display_name(row), totals.get(pid, 0))
            for pid, (_, row) in people.items()
        ),
        str(caller.person_id),
    )
    shown = [int(r.id) for r in [*top, *([own] if own else [])]]
    by_person = {
        pid: standing
        for pid, standing in reports.shown_standings(
            session,
            caller.workspace_id,
            people,
            totals,
            shown,
            metric.key,
            parsed.period,
            now,
            fiscal_start,
        ).items()
        if not standing.pace.nothing_to_do
    }
    prize = reports.contest_prize(session, caller.workspace_id, chosen, metric.key, parsed.period)
    return Leaderboard(
        chosen,
        metric,
        reports.team_facts(chosen.team, None, now).today,
        top,
        own,
        by_person,
        prize=prize,
    )


def _team_board(
    session: Session,
    caller: Caller,
    chosen: reports.Scope,
    parsed: LeaderboardQuery,
    catalog: MetricCatalog,
    fiscal_start: int,
    now: datetime,
) -> Leaderboard:
    """Teams against each other: each counts everyone below it; `by team pct` ranks by % of
    each team's own team goal of the metric."""
    tree = chosen.tree
    if not parsed.leaves and not chosen.is_company and not tree.has_children(chosen.team.id or 0):
        raise UserError(
            f"Team {chosen.team.name} has no sub-teams to rank. Rank its people, or its parent's teams.",
            f"/leaderboard {(parsed.metric.key if parsed.metric else DEFAULT_METRIC)} {parsed.period.kind.value} team:{chosen.team.name}",
        )
    metric = parsed.metric or metric_of(catalog, DEFAULT_METRIC)
    rows = reports.team_board(
        session,
        caller.workspace_id,
        chosen,
        metric.key,
        parsed.period,
        now,
        parsed.leaves,
        fiscal_start,
    )
    standings = {row.team_id: row.standing for row in rows if row.standing is not None}
    entries = team_entries(rows, parsed.by_pct)
    mine = teams.team_of(session, caller.workspace_id, caller.person_id)
    own_id = next(
        (str(r.team_id) for r in rows if mine is not None and mine.id in tree.subtree(r.team_id)),
        None,
    )
    top, own = top_with_caller(rank(entries), own_id)
    return Leaderboard(
        chosen, metric, reports.team_facts(chosen.team, None, now).today, top, own, standings,
        unranked=len(rows) - len(entries) if parsed.by_pct else 0,
    )  # fmt: skip
