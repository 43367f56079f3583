"""The progress export: one row per person × metric × goal in the period, plus rows for team
totals, all-or-nothing goals (each member's share) and contests (each member's rank), with a
column naming the goal kind; every figure is the one /progress shows. UTF-8 with a
byte-order mark and CRLF so Excel opens it cleanly."""

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
    "Goal kind",
    "Metric",
    "Unit",
    "Period",
    "Period start",
    "Period end",
    "Actual",
    "Target",
    "Percent of target",
    "Status",
    "Expected by now",
    "Needed per day",
    "Forecast",
    "Working days",
    "Working days left",
    "Rank",
]

# What the "Goal kind" column says for each kind of goal.
KIND_NAMES = {
    "individual": "personal",
    "ramp": "ramp",
    "team": "team total",
    "collective": "all or nothing",
    "contest": "contest",
}
NO_GOAL = "no goal"

# OWASP's CSV injection advice: a text cell that a spreadsheet would read as a formula
# starts with a quote instead. Full-width = + - @ count too: some spreadsheets fold them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True)
class ExportRow:
    person: str
    slack_user_id: str
    team: str
    metric: Metric
    period: Period
    actual: int
    standing: Standing | None
    kind: str = ""  # a KIND_NAMES key; "" for a person's activity without a goal
    rank: str = ""  # a contest's rank label ("=2")


def _number(quantity: int, metric: Metric) -> str:
    # Plain numbers (no separators or currency signs) so spreadsheets compute with them.
    return f"{quantity / 100:.2f}" if metric.is_money else str(quantity)


def safe_text(text: str) -> str:
    """A text cell no spreadsheet runs as a formula. Every text column goes through it —
    names, ids, team, metric and the rank label ("=2" is a tie, not a formula); numbers are
    written by `_number` and stay numbers."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _status(row: ExportRow) -> str:
    if row.kind == "contest":
        return "contest"
    pace = row.standing.pace if row.standing else None
    if pace is None:
        return NO_GOAL
    return "excused" if pace.nothing_to_do else pace.status.value


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
                safe_text(row.person),
                safe_text(row.slack_user_id),
                safe_text(row.team),
                KIND_NAMES.get(row.kind, NO_GOAL),
                safe_text(row.metric.key),
                "USD" if row.metric.is_money else "count",
                row.period.label,
                row.period.start.isoformat(),
                row.period.end.isoformat(),
                n(row.actual),
                n(pace.target) if pace else "",
                pace.pct if pace else "",
                _status(row),
                n(pace.expected) if pace else "",
                n(pace.needed_per_day) if pace else "",
                n(pace.forecast) if pace else "",
                pace.available_days if pace else "",
                pace.remaining_days if pace else "",
                safe_text(row.rank),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
