"""`paceline export`: the `/progress export` CSV for a period, written by an operator rather
than sent to a DM. Same rows and columns, built by the same service
(bot.services.exports); every team, or one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.importer.workspace import choose_workspace
from bot.render.export_csv import export_csv
from bot.services.exports import workspace_export_rows
from storage.db import Database
from storage.rows import persisted_id


@dataclass(frozen=True)
class Export:
    content: bytes  # UTF-8 with BOM, CRLF: as Excel likes it
    rows: int
    period_label: str
    team_names: tuple[str, ...]
    workspace: str


def build_export(
    db: Database, clock: Clock, *, period: str | None, team: str | None, workspace: str | None
) -> Export:
    """Raises UserError for an unknown workspace, team or period. Periods read as in
    `/progress export` (`2026-11`, `2026-Q4`, `last month`…; default this month), with
    today in UTC."""
    now = clock.now()
    choice = choose_workspace(db, None, workspace, must_exist=True)
    found = workspace_export_rows(db, persisted_id(choice), period, team, now)
    return Export(
        export_csv(found.rows),
        len(found.rows),
        found.period_label,
        found.team_names,
        choice.slack_team_id,
    )
