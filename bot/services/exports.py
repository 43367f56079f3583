"""The rows of a progress export (`/progress export`, App Home's Export, `paceline
export`): per person each goal's standing and each metric logged that no goal covers, a
team's own goals, contest ranks. Every figure is the one /progress shows (the read model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period
from bot.core.report_grammar import ProgressExport, parse_progress
from bot.core.standings import Standing
from bot.core.team_grammar import team_key
from bot.render.export_csv import ExportRow
from bot.render.standing_lines import metric_of
from bot.services import reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import entries, metrics, people, teams, workspaces
from storage.db import Database
from storage.models import Person, Team
from storage.rows import persisted_id


def caller_export_rows(services: Services, caller: Caller, view: Period) -> list[ExportRow]:
    """Admins get every team, managers their teams, reps their own rows."""
    now = services.clock.now()
    catalog = services.catalog(caller.workspace_id)
    rows: list[ExportRow] = []
    with services.db.read() as session:
        if caller.is_admin:
            chosen = [t for t, _ in teams.all_teams(session, caller.workspace_id)]
        else:
            managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
            chosen = [
                t
                for t in (teams.by_id(session, caller.workspace_id, i) for i in sorted(managed))
                if t
            ]
        for team in chosen:
            rows.extend(team_export_rows(session, caller.workspace_id, team, catalog, view, now))
        if not chosen:
            me = people.by_id(session, caller.workspace_id, caller.person_id)
            assert me is not None  # the caller's own person, resolved by this request
            my_id = persisted_id(me)
            my_team = teams.team_of(session, caller.workspace_id, caller.person_id)
            own = reports.person_report(session, caller.workspace_id, me, my_team, view, now)
            totals = {
                (my_id, k): v
                for k, v in entries.totals(
                    session, caller.workspace_id, my_id, catalog.keys, view.start, view.end
                ).items()
            }
            rows.extend(
                _rows_for(my_team.name if my_team else "", [me], own, totals, catalog, view)
            )
    return rows


@dataclass(frozen=True)
class WorkspaceExport:
    rows: list[ExportRow]
    period_label: str
    team_names: tuple[str, ...]


def workspace_export_rows(
    db: Database, workspace_id: int, period: str | None, team: str | None, now: datetime
) -> WorkspaceExport:
    """`paceline export`: every team's rows, or one team's. Periods read as in `/progress
    export` (`2026-11`, `2026-Q4`, `last month`…; default this month), with today in UTC.
    UserError for an unknown team or period."""
    with db.read() as session:
        catalog = MetricCatalog.with_custom(metrics.custom_metrics(session, workspace_id))
        fiscal_start = workspaces.fiscal_year_start_month(session, workspace_id)
        parsed = parse_progress(f"export {period or ''}", catalog, now.date(), fiscal_start)
        assert isinstance(parsed, ProgressExport)
        every = [t for t, _ in teams.all_teams(session, workspace_id)]
        chosen = every
        if team is not None:
            chosen = [t for t in every if t.name_key == team_key(team)]
            if not chosen:
                listed = ", ".join(t.name for t in every) or "none yet"
                raise UserError(
                    f'Unknown team "{team}". Teams: {listed}.',
                    "paceline export --team east out.csv",
                )
        rows = [
            row
            for t in chosen
            for row in team_export_rows(session, workspace_id, t, catalog, parsed.period, now)
        ]
    return WorkspaceExport(rows, parsed.period.label, tuple(t.name for t in chosen))


def team_export_rows(
    session: Session,
    workspace_id: int,
    team: Team,
    catalog: MetricCatalog,
    view: Period,
    now: datetime,
) -> list[ExportRow]:
    """One team's export rows. Totals come from the team report's one totals statement, so
    every figure is the one /progress shows."""
    report = reports.team_report(
        session, workspace_id, team, view, now, extra_metrics=tuple(catalog.keys)
    )
    members = teams.members(session, workspace_id, persisted_id(team))
    ranked_people = members
    scope = reports.team_scope(session, workspace_id, team)
    if scope.is_rollup:
        # A parent team's own goals count everyone below it; its sub-teams' people are
        # exported under their own team, once.
        team_wide = reports.rollup_report(session, workspace_id, scope, view, now)
        report = replace(
            report,
            team_totals=team_wide.team_totals,
            collectives=team_wide.collectives,
            contests=team_wide.contests,
        )
        if report.contests:
            ranked_people = [
                *members,
                *(p for t in scope.team_ids[1:] for p in teams.members(session, workspace_id, t)),
            ]
    rows = [
        ExportRow(
            "",
            "",
            team.name,
            metric_of(catalog, s.goal.metric),
            view,
            s.pace.actual,
            s,
            kind="team",
        )
        for s in report.team_totals
    ]
    shared = [m for c in report.collectives for m in c.members]
    in_contests = {c.goal.metric for c in report.contests}
    rows += _rows_for(
        team.name, members, [*report.members, *shared], report.totals, catalog, view, in_contests
    )
    by_id = {str(p.id): p for p in ranked_people}
    for contest in report.contests:
        metric = metric_of(catalog, contest.goal.metric)
        for ranked in contest.ranking:
            person = by_id.get(ranked.id)
            if person is not None:
                rows.append(
                    ExportRow(
                        reports.display_name(person),
                        person.slack_user_id or "",
                        team.name,
                        metric,
                        view,
                        int(ranked.value),
                        None,
                        kind="contest",
                        rank=ranked.label,
                    )
                )
    return rows


def _rows_for(
    team_name: str,
    members: list[Person],
    found: tuple[Standing, ...] | list[Standing],
    totals: Mapping[tuple[int, str], int],
    catalog: MetricCatalog,
    view: Period,
    in_contests: set[str] | frozenset[str] = frozenset(),
) -> list[ExportRow]:
    """Per person: a row for each of their goals (their own and their share of each
    all-or-nothing goal), then one for each metric they logged that no goal covers."""
    by_person: dict[int | None, list[Standing]] = {}
    for standing in found:
        by_person.setdefault(standing.owner_id, []).append(standing)
    rows = []
    for person in members:
        name, slack_id = reports.display_name(person), person.slack_user_id or ""
        mine = by_person.get(person.id, [])
        for standing in mine:
            metric = metric_of(catalog, standing.goal.metric)
            rows.append(
                ExportRow(
                    name,
                    slack_id,
                    team_name,
                    metric,
                    view,
                    standing.pace.actual,
                    standing,
                    kind=standing.goal.kind,
                )
            )
        covered = {s.goal.metric for s in mine} | in_contests
        for metric in catalog.metrics:
            actual = totals.get((persisted_id(person), metric.key), 0)
            if actual and metric.key not in covered:
                rows.append(ExportRow(name, slack_id, team_name, metric, view, actual, None))
    return rows
