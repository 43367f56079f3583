"""`paceline import crm` and `paceline import activity`: the imperative shell that reads the
files, asks Slack who is who, and runs the two passes (see passes.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient

from bot.clock import Clock
from bot.core.metrics import MetricCatalog
from bot.core.team_grammar import team_key
from bot.importer import activity, crm, slack_users
from bot.importer.csv_reading import FileProblem, read_rows, sniff
from bot.importer.matching import PeopleIndex, name_key
from bot.importer.passes import FileImport, Resolve, Target, check, load
from bot.importer.people import ImportPeople
from bot.importer.progress import ProgressBar
from bot.importer.report import ImportReport, names_text
from bot.importer.rows import PlannedRow, RowError
from bot.importer.seen import SeenRows
from bot.importer.workspace import WorkspaceChoice, choose_workspace
from storage import audit, imports, metrics, teams, workspaces
from storage.db import Database
from storage.rows import persisted_id

BY_NAME: Resolve = PeopleIndex.by_name
BY_USER: Resolve = PeopleIndex.resolve
# A date up to a day past today (UTC) is still today somewhere (Kiribati is UTC+14).
_FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class ImportOptions:
    workspace: str | None = None
    dry_run: bool = False
    progress: bool = False  # draw the bar even when stderr is not a terminal
    encoding: str | None = None  # None: detect (UTF-8, else Windows-1252)
    tz: str = "UTC"  # zone of teams the CRM import creates


def import_crm(
    db: Database, client: WebClient | None, pipeline: Path, teams_file: Path | None,
    options: ImportOptions, clock: Clock, err: TextIO,
) -> ImportReport:  # fmt: skip
    """Import a CRM pipeline export and, with `teams_file`, its team list. Raises UserError
    for a problem outside the files (workspace, Slack); the report holds everything else."""
    report = ImportReport("CRM pipeline", pipeline.name, dry_run=options.dry_run)
    started = time.perf_counter()
    now = clock.now()
    workspace = choose_workspace(db, client, options.workspace)
    report.workspace = workspace.slack_team_id
    try:
        shape = sniff(pipeline, crm.PIPELINE_REQUIRED, crm.PIPELINE_OPTIONAL, options.encoding)
        report.encoding = shape.encoding_label
        plan = _team_plan(teams_file, options.encoding, report) if teams_file is not None else None
        people = _people(db, client, workspace, now)
        if plan is not None and teams_file is not None:
            _check_team_people(plan, people, report, teams_file.name)
        revenue = _catalog(db, workspace).get("revenue")
        cols = crm.PipelineColumns.of(shape)
        latest = now.date() + _FUTURE_SLACK

        def parse(line: int, cells: list[str]) -> PlannedRow:
            return crm.parse_deal(line, cells, cols, revenue, workspace.slack_team_id, latest)

        def conflict(first_line: int) -> str:
            return f"opportunity_id repeats line {first_line} with other values: one row per opportunity."

        job = FileImport(shape, parse, BY_NAME, people, report, conflict)
        teams_step = (
            (lambda target: _apply_teams(db, target, plan, people, options.tz))
            if plan is not None
            else None
        )
        _run(db, workspace, job, now, options, err, "import.crm", teams_step)
        if plan is not None and options.dry_run and not report.rejected:
            report.would_create_teams = _teams_to_create(db, workspace, plan)
    except FileProblem as problem:
        report.problem = problem.message
    return _done(report, started)


def import_activity(
    db: Database,
    client: WebClient | None,
    path: Path,
    options: ImportOptions,
    clock: Clock,
    err: TextIO,
) -> ImportReport:
    """Import a plain activity file (`user,metric,date,amount[,note]`)."""
    report = ImportReport("activity", path.name, dry_run=options.dry_run)
    started = time.perf_counter()
    now = clock.now()
    workspace = choose_workspace(db, client, options.workspace)
    report.workspace = workspace.slack_team_id
    try:
        shape = sniff(path, activity.REQUIRED, activity.OPTIONAL, options.encoding)
        report.encoding = shape.encoding_label
        people = _people(db, client, workspace, now)
        catalog = _catalog(db, workspace)
        cols = activity.ActivityColumns.of(shape)
        parse = activity.ActivityParser(
            cols, catalog, workspace.slack_team_id, now.date() + _FUTURE_SLACK
        )
        job = FileImport(
            shape, parse, BY_USER, people, report, lambda first: f"repeats line {first}."
        )
        _run(db, workspace, job, now, options, err, "import.activity")
    except FileProblem as problem:
        report.problem = problem.message
    return _done(report, started)


def _run(
    db: Database, workspace: WorkspaceChoice, job: FileImport, now: datetime, options: ImportOptions, err: TextIO,
    action: str, before_load: Callable[[Target], list[str]] | None = None,
) -> None:  # fmt: skip
    """Pass 1; then, for a clean file and no --dry-run, `before_load` (the CRM's teams) and
    pass 2. What was stored is described and audited even when pass 2 stops on a file
    problem (the file changed under it)."""
    name = job.shape.path.name
    with SeenRows() as seen:
        check(
            job,
            seen,
            ProgressBar.for_file(err, job.shape.size, f"Checking {name}", options.progress),
        )
        if job.report.rejected:
            return
        if options.dry_run:
            job.report.would_create_people = job.people.to_create()
            job.people.describe(job.report)
            return
        target = _target(db, workspace, job.people, now)
        try:
            if before_load is not None:
                job.report.notes += before_load(target)
            load(
                job,
                target,
                seen,
                ProgressBar.for_file(err, job.shape.size, f"Importing {name}", options.progress),
            )
        except FileProblem as problem:
            job.report.problem = problem.message
        job.people.describe(job.report)
        _record(db, target, action, job.report)


def _done(report: ImportReport, started: float) -> ImportReport:
    report.seconds = time.perf_counter() - started
    return report


def _people(
    db: Database, client: WebClient | None, workspace: WorkspaceChoice, now: datetime
) -> ImportPeople:
    rows, aliases = [], []
    if workspace.id is not None:
        with db.read() as session:
            rows = imports.people_rows(session, workspace.id)
            aliases = imports.link_aliases(session, workspace.id)
    members = (
        list(slack_users.members(client, workspace.slack_team_id)) if client is not None else []
    )
    return ImportPeople.build(rows, members, aliases, workspace.id, now)


def _catalog(db: Database, workspace: WorkspaceChoice) -> MetricCatalog:
    if workspace.id is None:
        return MetricCatalog()
    with db.read() as session:
        return MetricCatalog.with_custom(metrics.custom_metrics(session, workspace.id))


def _target(
    db: Database, workspace: WorkspaceChoice, people: ImportPeople, now: datetime
) -> Target:
    """Where pass 2 writes. The workspace row is created only now, so a refused file leaves
    nothing behind, not even that."""
    with db.write() as session:
        workspace_id = workspace.id or workspaces.ensure_workspace(
            session, workspace.slack_team_id, None, now
        )
        importer_id = imports.importer_person_id(session, workspace_id, now)
    people.bind(workspace_id)
    return Target(db, workspace_id, importer_id, now)


def _team_plan(path: Path, encoding: str | None, report: ImportReport) -> crm.TeamPlan:
    """The team list is small (one row per person), so it is read whole."""
    shape = sniff(path, crm.TEAMS_REQUIRED, crm.TEAMS_OPTIONAL, encoding)
    agent, manager, region = (shape.index(c) for c in ("sales_agent", "manager", "regional_office"))
    assert agent is not None and manager is not None
    rows = [
        (line, cells[agent], cells[manager], cells[region] if region is not None else "")
        for line, cells in read_rows(shape)
    ]
    plan, errors = crm.plan_teams(rows)
    for line, message in errors:
        report.error(line, message, file=path.name)
    return plan


def _teams_to_create(db: Database, workspace: WorkspaceChoice, plan: crm.TeamPlan) -> list[str]:
    """For --dry-run: the plan's teams the workspace does not have yet, parents first, each
    child with its parent (`dustin (in central)`). An existing team is used as it is."""
    names = [*plan.parents, *(t.name for t in plan.teams)]
    existing: set[str] = set()
    if workspace.id is not None:
        with db.read() as session:
            existing = {
                n for n in names if teams.by_key(session, workspace.id, team_key(n)) is not None
            }
    created = [p for p in plan.parents if p not in existing]
    created += [
        f"{t.name} (in {t.parent})" if t.parent else t.name
        for t in plan.teams
        if t.name not in existing
    ]
    return created


def _check_team_people(
    plan: crm.TeamPlan, people: ImportPeople, report: ImportReport, file_name: str
) -> None:
    for name in [t.manager for t in plan.teams] + list(plan.agents):
        try:
            people.check(name, BY_NAME)
        except RowError as error:
            report.error(0, f"{name[:40]}…: {error.message}", file=file_name)


def _apply_teams(
    db: Database, target: Target, plan: crm.TeamPlan, people: ImportPeople, tz: str
) -> list[str]:
    """Create the offices' and managers' teams, make managers managers and agents members.
    One transaction; audited. Only a team this import creates gets its parent from the file:
    a team that exists is used as it is, so a parent set by hand (`/team set dustin parent
    none`, a move to another office) survives a re-import, and so does a rep moved to
    another team; the report names both."""
    ws, now = target.workspace_id, target.now
    created: list[str] = []
    members_added = 0
    elsewhere: list[str] = []
    kept_apart: list[tuple[str, int | None, str]] = []  # (team, its parent id, the file's office)
    left_out: list[str] = []
    with db.write() as session:
        removed_members, removed_managers = imports.removed_by_hand(session, ws)

        def team_named(name: str, parent_id: int | None, office: str | None = None) -> int:
            team = teams.by_key(session, ws, team_key(name))
            if team is None:
                team = imports.add_team(
                    session,
                    workspace_id=ws,
                    name=name,
                    name_key=team_key(name),
                    tz=tz,
                    parent_id=parent_id,
                    now=now,
                )
                created.append(name)
                _audit(
                    session,
                    target,
                    "team.create",
                    team.id,
                    {"name": name, "parent_id": parent_id, "tz": tz},
                )
            elif office is not None and team.parent_id != parent_id:
                kept_apart.append((team.name, team.parent_id, office))
            return persisted_id(team)

        parent_ids = {name: team_named(name, None) for name in plan.parents}
        team_ids: dict[str, int] = {}
        for planned in plan.teams:
            team_id = team_named(
                planned.name,
                parent_ids.get(planned.parent) if planned.parent else None,
                planned.parent,
            )
            team_ids[planned.name] = team_id
            manager_id = people.person_id(session, planned.manager, BY_NAME)
            if (team_id, manager_id) in removed_managers:
                left_out.append(f"{planned.manager} (manager of {planned.name})")
            elif teams.add_manager(session, ws, team_id, manager_id, now):
                _audit(session, target, "team.add_manager", team_id, {"person_id": manager_id})
        for agent in plan.agents:
            person_id = people.person_id(session, agent, BY_NAME)
            team_id = team_ids[plan.team_of_agent[name_key(agent)]]
            current = teams.team_of(session, ws, person_id)
            if current is None and person_id in removed_members:
                left_out.append(f"{agent} (off every team)")
            elif current is None:
                teams.add_member(session, ws, team_id, person_id, now)
                _audit(session, target, "team.add_member", team_id, {"person_id": person_id})
                members_added += 1
            elif current.id != team_id:
                elsewhere.append(f"{agent} (in {current.name})")
        tree = teams.tree(session, ws) if kept_apart else None
    notes = []
    if created:
        notes.append(f"Teams created: {names_text(created)}.")
    else:
        notes.append(f"Teams: all {len(plan.parents) + len(plan.teams)} were there already.")
    if members_added:
        notes.append(f"Team members added: {members_added}.")
    if elsewhere:
        notes.append(
            f"Left in the team they are in (a rep belongs to one team): {names_text(elsewhere)}."
        )
    if left_out:
        notes.append(
            f"Left as a person set them (taken off a team by hand; `/team add` or `/team manager` puts them back): {names_text(left_out)}."
        )
    if tree is not None:
        where = [
            f"{name} ({'in ' + tree.name(parent) if parent in tree else 'top level'}; the file says {office})"
            for name, parent, office in kept_apart
        ]
        notes.append(
            "Teams left where they are (an import moves no team that exists; "
            f"`/team set NAME parent OFFICE` moves one): {names_text(where)}."
        )
    return notes


def _audit(session, target: Target, action: str, team_id: int | None, after: dict) -> None:  # type: ignore[no-untyped-def]
    audit.record(
        session, workspace_id=target.workspace_id, at=target.now, actor_id=target.importer_id,
        action=action, subject_type="team", subject_id=team_id, after=after, reason="paceline import crm",
    )  # fmt: skip


def _record(db: Database, target: Target, action: str, report: ImportReport) -> None:
    """One audit event per import that stored something: which file, how many rows and entries."""
    if not report.rows_imported:
        return
    with db.write() as session:
        audit.record(
            session, workspace_id=target.workspace_id, at=target.now, actor_id=target.importer_id,
            action=action, subject_type="import", subject_id=None,
            after={"file": report.file_name, "batch_id": target.run_id, "rows_read": report.rows_read,
                   "rows_imported": report.rows_imported, "entries": dict(report.entries)},
        )  # fmt: skip
