"""The progress export: one row per person × metric × period, as a spreadsheet user
expects (UTF-8 with a byte-order mark and CRLF so Excel opens it cleanly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.metrics import Metric
from bot.core.periods import Period
from bot.core.standings import Standing

COLUMNS = [
    "Person",
    "Slack user ID",
    "Team",
    "Metric",
    "Unit",
    "Period",
    "Period start",
    "Period end",
    "Actual",
    "Target",
    "Target (prorated)",
    "Percent of target",
    "Status",
    "Expected by now",
    "Needed per day",
    "Forecast",
    "Working days",
    "Working days left",
]


@dataclass(frozen=True)
class ExportRow:
    person: str
    slack_user_id: str
    team: str
    metric: Metric
    period: Period
    actual: int
    standing: Standing | None


def _number(quantity: int, metric: Metric) -> str:
    # Plain numbers (no separators or currency signs) so spreadsheets compute with them.
    return f"{quantity / 100:.2f}" if metric.is_money else str(quantity)


def export_csv(rows: Iterable[ExportRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        pace = row.standing.pace if row.standing else None
        def n(quantity: int, metric: Metric = row.metric) -> str:
            return _number(quantity, metric)

        writer.writerow(
            [
                row.person,
                row.slack_user_id,
                row.team,
                row.metric.key,
                "USD" if row.metric.is_money else "count",
                row.period.label,
                row.period.start.isoformat(),
                row.period.end.isoformat(),
                n(row.actual),
                n(row.standing.target) if row.standing else "",
                n(pace.prorated_target) if pace else "",
                pace.pct if pace else "",
                pace.status.value if pace else "no goal",
                n(pace.expected) if pace else "",
                n(pace.needed_per_day) if pace else "",
                n(pace.forecast) if pace else "",
                pace.available_days if pace else "",
                pace.remaining_days if pace else "",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
