"""The CRM pipeline export (sales_pipeline.csv + sales_teams.csv): rows to entries, and the
team list to teams. Pure.

Mapping: one `opportunities` per engaged deal on its engage_date; one `deals` and the
close_value as `revenue` per Won deal on its close_date. Managers lead teams; regional offices
are the parent teams.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.core.amounts import parse_money_cents
from bot.core.dates import parse_iso_date
from bot.core.errors import UserError
from bot.core.metrics import Metric
from bot.core.team_grammar import parse_team_name, team_key
from bot.importer.csv_reading import CsvShape
from bot.importer.matching import name_key
from bot.importer.rows import PlannedEntry, PlannedRow, RowError, entry_key, short_digest

PIPELINE_REQUIRED = (
    "opportunity_id",
    "sales_agent",
    "deal_stage",
    "engage_date",
    "close_date",
    "close_value",
)
PIPELINE_OPTIONAL = ("product", "account")
TEAMS_REQUIRED = ("sales_agent", "manager")
TEAMS_OPTIONAL = ("regional_office",)
STAGES = ("prospecting", "engaging", "won", "lost")
SOURCE = "crm"
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class PipelineColumns:
    """Where each column is in this file (the header may order them any way)."""

    opportunity_id: int
    sales_agent: int
    deal_stage: int
    engage_date: int
    close_date: int
    close_value: int
    product: int | None
    account: int | None

    @classmethod
    def of(cls, shape: CsvShape) -> PipelineColumns:
        found = {name: shape.index(name) for name in PIPELINE_REQUIRED + PIPELINE_OPTIONAL}
        return cls(**found)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def parse_crm_date(text: str, column: str) -> date | None:
    """`3/1/2017` (M/D/YYYY, as the export writes) or `2017-03-01`; None when empty."""
    value = text.strip()
    if not value:
        return None
    if match := _US_DATE.fullmatch(value):
        month, day, year = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            raise RowError(
                f'{column} "{value}" is not a date — months run 1 to 12 (dates are M/D/YYYY).'
            )
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise RowError(
                f'{column} "{value}" is not a date — {_MONTHS[month - 1]} {year} has {last} days.'
            )
        return date(year, month, day)
    try:
        found = parse_iso_date(value, "")
    except UserError:
        found = None
    if found is None:
        raise RowError(
            f'{column} "{value[:40]}" is not a date — write M/D/YYYY (3/1/2017) or YYYY-MM-DD.'
        )
    return found


def parse_deal(
    line: int,
    cells: list[str],
    cols: PipelineColumns,
    revenue: Metric,
    workspace: str,
    latest: date,
) -> PlannedRow:
    """One pipeline row as the entries it adds. Raises RowError."""
    opportunity = cells[cols.opportunity_id].strip()
    agent = cells[cols.sales_agent].strip()
    stage_text = cells[cols.deal_stage].strip()
    if not opportunity:
        raise RowError("opportunity_id is empty.")
    if not agent:
        raise RowError(f"sales_agent is empty for opportunity {opportunity}.")
    stage = stage_text.casefold()
    if stage not in STAGES:
        raise RowError(
            f'deal_stage "{stage_text[:40]}" is not one of Prospecting, Engaging, Won, Lost.'
        )
    engaged = parse_crm_date(cells[cols.engage_date], "engage_date")
    closed = parse_crm_date(cells[cols.close_date], "close_date")
    value = _close_value(cells[cols.close_value], revenue)
    for column, day in (("engage_date", engaged), ("close_date", closed)):
        if day is not None and day > latest:
            raise RowError(f"{column} {day.isoformat()} is in the future.")
    if engaged and closed and closed < engaged:
        raise RowError(
            f"close_date {closed.isoformat()} is before engage_date {engaged.isoformat()}."
        )
    if stage == "won":
        if closed is None:
            raise RowError(
                f"opportunity {opportunity} is Won but has no close_date: its deal and revenue need the day it closed."
            )
        if value is None:
            raise RowError(f"opportunity {opportunity} is Won but has no close_value.")
    note = " · ".join(
        part
        for part in ("CRM " + opportunity, _cell(cells, cols.account), _cell(cells, cols.product))
        if part
    )
    planned: list[tuple[str, date, int]] = []
    if engaged is not None:
        planned.append(("opportunities", engaged, 1))
    if stage == "won" and closed is not None:
        planned.append(("deals", closed, 1))
        if value:
            planned.append(("revenue", closed, value))
    entries = tuple(
        PlannedEntry(
            metric,
            day,
            quantity,
            note[:500],
            entry_key(workspace, SOURCE, f"{opportunity}\x1f{metric}"),
        )
        for metric, day, quantity in planned
    )
    skip = None
    if not entries:
        skip = (
            "not engaged yet (Prospecting, no engage_date)"
            if stage == "prospecting"
            else f"nothing to count ({stage_text}, no engage_date)"
        )
    return PlannedRow(
        line=line,
        identity=short_digest(opportunity),
        digest=short_digest("\x1f".join(c.strip() for c in cells)),
        who=agent,
        entries=entries,
        skip=skip,
    )


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None else ""


def _close_value(text: str, revenue: Metric) -> int | None:
    value = text.strip()
    if not value:
        return None
    try:
        return parse_money_cents(value, revenue, allow_zero=True)
    except UserError as error:
        raise RowError(f"close_value: {error.message}") from None


# --- teams ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedTeam:
    name: str
    manager: str
    parent: str | None  # the regional office's team


@dataclass(frozen=True)
class TeamPlan:
    parents: tuple[str, ...]
    teams: tuple[PlannedTeam, ...]
    # An agent's name key (matching.name_key) → the name of their team.
    team_of_agent: dict[str, str]
    agents: tuple[str, ...]


_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")


def team_slug(text: str) -> str:
    """A team name from a person's or office's name: `Cara Losch` → `cara-losch`."""
    words = unicodedata.normalize("NFKC", text).casefold().split()
    slug = "-".join(re.sub(r"[^\w.\-]+", "-", word) for word in words)
    slug = _LOOSE_UNDERSCORE.sub("-", slug)  # an `_` at a word's edge reads as italics in Slack
    return re.sub(r"-{2,}", "-", slug).strip("-.")[:40].strip("-._")


def plan_teams(rows: Iterable[tuple[int, str, str, str]]) -> tuple[TeamPlan, list[tuple[int, str]]]:
    """From (line, agent, manager, regional office) rows: the teams to create, and any errors
    as (line, message).

    Naming: a team is named after its manager's first name (`dustin`), lower-case, because
    that is how a sales floor says it ("Dustin's team"); when two managers share a first name,
    or a first name is also an office's name, those teams take the full name
    (`dustin-brinkmann`). Parent teams are the offices' names (`central`)."""
    errors: list[tuple[int, str]] = []
    manager_region: dict[str, tuple[str, str | None]] = {}  # manager key → (name, region)
    agent_manager: dict[str, tuple[str, str, int]] = {}  # agent key → (agent, manager key, line)
    regions: dict[str, str] = {}
    for line, agent, manager, region in rows:
        agent, manager, region = agent.strip(), manager.strip(), region.strip()
        if not agent or not manager:
            errors.append((line, "sales_agent and manager must both be filled in."))
            continue
        manager_k, agent_k = name_key(manager), name_key(agent)
        region_name = team_slug(region) if region else None
        if region and not region_name:
            errors.append(
                (
                    line,
                    f'regional_office "{region[:40]}" has no letters or digits to name a team by.',
                )
            )
            continue
        known = manager_region.setdefault(manager_k, (manager, region_name))
        if known[1] != region_name:
            errors.append(
                (
                    line,
                    f"manager {manager} is in two regional offices ({known[1] or 'none'} and {region_name or 'none'}).",
                )
            )
            continue
        previous = agent_manager.setdefault(agent_k, (agent, manager_k, line))
        if previous[1] != manager_k:
            errors.append(
                (
                    line,
                    f"sales_agent {agent} is also on line {previous[2]} with another manager: a rep belongs to one team.",
                )
            )
            continue
        if region_name:
            regions.setdefault(region_name, region)
    first_names = [team_slug(name.split()[0]) for name, _ in manager_region.values()]
    team_names: dict[str, str] = {}
    for manager_k, (manager, _region) in manager_region.items():
        first = team_slug(manager.split()[0])
        clash = first_names.count(first) > 1 or first in regions or not _valid_team_name(first)
        name = team_slug(manager) if clash else first
        if name in regions:  # a one-word manager name that is also an office
            name = f"{name}-team"
        if not _valid_team_name(name):
            errors.append((0, f'manager "{manager}" gives no usable team name.'))
            continue
        team_names[manager_k] = name
    for name in regions:
        if not _valid_team_name(name):
            errors.append((0, f'regional office "{regions[name]}" gives no usable team name.'))
    teams = tuple(
        PlannedTeam(team_names[k], manager, region)
        for k, (manager, region) in manager_region.items()
        if k in team_names
    )
    team_of_agent = {k: team_names[m] for k, (_, m, _) in agent_manager.items() if m in team_names}
    agents = tuple(agent for agent, _, _ in agent_manager.values())
    return TeamPlan(tuple(regions), teams, team_of_agent, agents), errors


def _valid_team_name(name: str) -> bool:
    try:
        return bool(name) and team_key(parse_team_name(name, "")) == name
    except UserError:
        return False
