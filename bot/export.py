"""`paceline export`: the `/progress export` CSV for a period, written by an operator rather
than sent to a DM. Same rows and columns, built by the same code
(handlers.commands.progress.export_rows_for_team); every team, or one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.core.errors import UserError
from bot.core.metrics import MetricCatalog
from bot.core.report_grammar import ProgressExport, parse_progress
from bot.core.team_grammar import team_key
from bot.importer.workspace import choose_workspace
from bot.render.export_csv import export_csv
from handlers.commands.progress import export_rows_for_team
from storage import metrics, teams, workspaces
from storage.db import Database


@dataclass(frozen=True)
class Export:
    content: bytes  # UTF-8 with BOM, CRLF: as Excel likes it
    rows: int
    period_label: str
    team_names: tuple[str, ...]
    workspace: str


def build_export(db: Database, clock: Clock, *, period: str | None, team: str | None, workspace: str | None) -> Export:
    """Raises UserError for an unknown workspace, team or period. Periods read as in
    `/progress export` (`2026-11`, `2026-Q4`, `last month`…; default this month), with
    today in UTC."""
    now = clock.now()
    choice = choose_workspace(db, None, workspace, must_exist=True)
    assert choice.id is not None
    with db.read() as session:
        catalog = MetricCatalog.with_custom(metrics.custom_metrics(session, choice.id))
        fiscal_start = workspaces.fiscal_year_start_month(session, choice.id)
        parsed = parse_progress(f"export {period or ''}", catalog, now.date(), fiscal_start)
        assert isinstance(parsed, ProgressExport)
        every = [t for t, _ in teams.all_teams(session, choice.id)]
        chosen = every
        if team is not None:
            chosen = [t for t in every if t.name_key == team_key(team)]
            if not chosen:
                listed = ", ".join(t.name for t in every) or "none yet"
                raise UserError(f'Unknown team "{team}". Teams: {listed}.', "paceline export --team east out.csv")
        rows = [row for t in chosen for row in export_rows_for_team(session, choice.id, t, catalog, parsed.period, now)]
    return Export(export_csv(rows), len(rows), parsed.period.label, tuple(t.name for t in chosen), choice.slack_team_id)
