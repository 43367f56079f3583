"""/progress: where you (or your team) stand, and `/progress export` as a CSV in your DM."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period
from bot.core.report_grammar import (
    PROGRESS_HELP,
    ProgressExport,
    ProgressView,
    ReportHelp,
    parse_progress,
)
from bot.core.standings import Standing, TeamStandings
from bot.render.block_limits import fit_reply
from bot.render.export_csv import ExportRow, export_csv
from bot.render.quantities import joined, quantity_text
from bot.render.standing_lines import (
    EXCUSED_EMOJI,
    STATUS_EMOJI,
    collective_line,
    contest_line,
    metric_of,
    period_in_sentence,
    period_label_note,
    standing_block,
)
from bot.render.text import escape
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import entries, people, teams, workspaces
from storage.models import Person, Team

log = logging.getLogger(__name__)
# /progress team:NAME describes at most this many people (a message shows some 40 of them);
# the rest are counted and pointed to the CSV.
MAX_MEMBER_LINES = 200


def register(app: App, services: Services) -> None:
    def ack_progress(ack: Ack, command: dict, client: WebClient) -> None:
        ack(text=handle(services, client, command))

    def send_export(command: dict, client: WebClient) -> None:
        deliver_export(services, client, command)

    app.command("/progress")(ack=ack_progress, lazy=[send_export])


def _parse(services: Services, client: WebClient, command: dict) -> tuple[Caller, object]:
    caller = services.directory.caller(client, command["team_id"], command["user_id"], command.get("enterprise_id"))
    catalog = services.catalog(caller.workspace_id)
    with services.db.read() as session:
        fiscal_start = workspaces.fiscal_year_start_month(session, caller.workspace_id)
    return caller, parse_progress(command.get("text") or "", catalog, caller.today(services.clock), fiscal_start)


def handle(services: Services, client: WebClient, command: dict) -> str:
    try:
        caller, parsed = _parse(services, client, command)
        if isinstance(parsed, ReportHelp):
            return PROGRESS_HELP
        if isinstance(parsed, ProgressExport):
            return f"Preparing your export for {parsed.period.label}: the CSV arrives in your DM from Paceline in a moment."
        assert isinstance(parsed, ProgressView)
        now = services.clock.now()
        who = parsed.who
        with services.db.read() as session:
            if who is not None and who.team is not None:
                chosen = access.scope_by_name(session, caller, who.team, "/progress team:east")
                access.require_scope_details(session, caller, chosen)
                return _team_text(services, session, caller, chosen, parsed.period, now)
            if who is not None and who.user is not None:
                person = services.directory.resolve(client, caller.workspace_id, who.user)
                access.require_person_details(session, caller, person)
            else:
                person = people.by_id(session, caller.workspace_id, caller.person_id)
            assert person is not None and person.id is not None
            team = teams.team_of(session, caller.workspace_id, person.id)
            return _person_text(services, session, caller, person, team, parsed.period, now)
    except UserError as error:
        return error.text


def _person_text(services: Services, session: Session, caller: Caller, person: Person, team: Team | None, view: Period, now: datetime) -> str:
    catalog = services.catalog(caller.workspace_id)
    today = reports.team_facts(team, person.tz, now).today
    whose = "Your" if person.id == caller.person_id else f"{escape(reports.display_name(person))}'s"
    found = reports.person_report(session, caller.workspace_id, person, team, view, now)
    header = f"*{whose} progress — {period_in_sentence(view, today)}*{period_label_note(view, today)}"
    if not found:
        totals = entries.totals(session, caller.workspace_id, person.id, catalog.keys, view.start, view.end)
        logged = joined(quantity_text(v, metric_of(catalog, k)) for k, v in totals.items() if v)
        return (
            f"{header}\nNo goals in this period. Logged: {logged or 'nothing yet'}.\n"
            "Managers set goals with `/goal set @maria calls 60/week`; you can `/goal propose calls 60/week`."
        )
    return "\n".join([header] + [standing_block(s, metric_of(catalog, s.goal.metric)) for s in found])


def _team_text(services: Services, session: Session, caller: Caller, chosen: reports.Scope, view: Period, now: datetime) -> str:
    catalog = services.catalog(caller.workspace_id)
    team = chosen.team
    report = reports.rollup_report(session, caller.workspace_id, chosen, view, now)
    today = reports.team_facts(team, None, now).today
    count = len(report.member_names)
    if chosen.is_rollup:
        below = len(chosen.team_ids) - (0 if chosen.is_company else 1)
        members = f"{count} {'person' if count == 1 else 'people'} in {below} team{'s' if below != 1 else ''}"
    else:
        members = f"{count} member{'s' if count != 1 else ''}"
    title = f"Team {escape(team.name)}"
    if chosen.is_company:
        # "The company (Acme)"; never "The company (the company)" when the workspace has no name.
        title = "The company" if team.name == reports.COMPANY_NAME else f"The company ({escape(team.name)})"
    lines = [f"*{title} — {period_in_sentence(view, today)}*{period_label_note(view, today, members)}"]
    if not (report.team_totals or report.members or report.collectives or report.contests):
        if chosen.is_company:
            lines.append("No goals for anyone in the company in this period. Cascade one with `/goal cascade team:all revenue 12m/year by history`.")
        else:
            lines.append(f"No goals for team {escape(team.name)} in this period. Set one with `/goal set team:{team.name} calls 300/week`.")
        return "\n".join(lines)
    lines += [standing_block(s, metric_of(catalog, s.goal.metric)) for s in report.team_totals]
    lines += [collective_line(c, catalog) for c in report.collectives]
    lines += [contest_line(c, catalog) for c in report.contests]
    people, total = _member_lines(report, catalog)
    # One message whatever the team's size: the people left off are in the period's CSV.
    when = ""
    if view == Period.containing(view.kind, today, view.fiscal_year_start_month):
        when = " today" if view.kind.value == "day" else f" this {view.kind.value}"
    rest = f"`/progress export{when}` has everyone in a CSV"
    return fit_reply(lines + people[:1], people[1:], rest, total=total, counted="people")


def _member_lines(report: TeamStandings, catalog: MetricCatalog) -> tuple[list[str], int]:
    """"*People*" and a line for each of the first MAX_MEMBER_LINES people, most worrying
    first, and how many people there are."""
    by_person: dict[int, list[Standing]] = {}
    for standing in report.members:
        by_person.setdefault(standing.owner_id or 0, []).append(standing)
    if not by_person:
        return [], 0
    # Most worrying first: a manager reads the top of the list.
    order = sorted(by_person.items(), key=lambda item: (min(s.pace.pct for s in item[1]), report.member_names.get(item[0], "").lower()))
    lines = ["*People*"]
    for person_id, found in order[:MAX_MEMBER_LINES]:
        parts = [
            f"{EXCUSED_EMOJI} {s.goal.metric} (no target)" if s.pace.nothing_to_do
            else f"{STATUS_EMOJI[s.pace.status]} {s.goal.metric} {s.pace.pct}% ({s.pace.status.value})"
            for s in found
        ]
        lines.append(f"• {escape(report.member_names.get(person_id, '?'))} — " + " · ".join(parts))
    return lines, len(order)


def deliver_export(services: Services, client: WebClient, command: dict) -> None:
    """The lazy half of `/progress export`: build the CSV and upload it to the caller's DM.
    Bolt runs it after every /progress, so anything but an export returns at once."""
    words = (command.get("text") or "").split()
    if not words or words[0].lower() != "export":
        return
    try:
        caller, parsed = _parse(services, client, command)
    except UserError:
        return
    if not isinstance(parsed, ProgressExport):
        return
    content = export_rows_csv(services, caller, parsed.period)
    dm = client.conversations_open(users=caller.slack_user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        content=content,
        filename=f"paceline-{parsed.period.start.isoformat()}-{parsed.period.kind.value}.csv",
        title=f"Paceline progress, {parsed.period.label}",
        initial_comment=f"Your Paceline export for {parsed.period.label}.",
    )


def export_rows_csv(services: Services, caller: Caller, view: Period) -> bytes:
    """Admins get every team, managers their teams, reps their own rows."""
    now = services.clock.now()
    catalog = services.catalog(caller.workspace_id)
    rows: list[ExportRow] = []
    with services.db.read() as session:
        if caller.is_admin:
            chosen = [t for t, _ in teams.all_teams(session, caller.workspace_id)]
        else:
            managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
            chosen = [t for t in (teams.by_id(session, caller.workspace_id, i) for i in sorted(managed)) if t]
        for team in chosen:
            rows.extend(export_rows_for_team(session, caller.workspace_id, team, catalog, view, now))
        if not chosen:
            me = people.by_id(session, caller.workspace_id, caller.person_id)
            team = teams.team_of(session, caller.workspace_id, caller.person_id)
            own = reports.person_report(session, caller.workspace_id, me, team, view, now)
            totals = {(me.id, k): v for k, v in entries.totals(session, caller.workspace_id, me.id, catalog.keys, view.start, view.end).items()}
            rows.extend(_rows_for(team.name if team else "", [me], own, totals, catalog, view))
    return export_csv(rows)


def export_rows_for_team(session: Session, workspace_id: int, team: Team, catalog: MetricCatalog, view: Period, now: datetime) -> list[ExportRow]:
    """One team's export rows; `paceline export` builds its file from these too. Totals come
    from the team report's one totals statement, so every figure is the one /progress shows."""
    report = reports.team_report(session, workspace_id, team, view, now, extra_metrics=tuple(catalog.keys))
    members = teams.members(session, workspace_id, team.id)
    ranked_people = members
    scope = reports.team_scope(session, workspace_id, team)
    if scope.is_rollup:
        # A parent team's own goals count everyone below it; its sub-teams' people are
        # exported under their own team, once.
        team_wide = reports.rollup_report(session, workspace_id, scope, view, now)
        report = replace(report, team_totals=team_wide.team_totals, collectives=team_wide.collectives, contests=team_wide.contests)
        if report.contests:
            ranked_people = [*members, *(p for t in scope.team_ids[1:] for p in teams.members(session, workspace_id, t))]
    rows = [
        ExportRow("", "", team.name, metric_of(catalog, s.goal.metric), view, s.pace.actual, s, kind="team")
        for s in report.team_totals
    ]
    shared = [m for c in report.collectives for m in c.members]
    in_contests = {c.goal.metric for c in report.contests}
    rows += _rows_for(team.name, members, [*report.members, *shared], report.totals, catalog, view, in_contests)
    by_id = {str(p.id): p for p in ranked_people}
    for contest in report.contests:
        metric = metric_of(catalog, contest.goal.metric)
        for ranked in contest.ranking:
            person = by_id.get(ranked.id)
            if person is not None:
                rows.append(ExportRow(reports.display_name(person), person.slack_user_id or "", team.name, metric,
                                      view, int(ranked.value), None, kind="contest", rank=ranked.label))
    return rows


def _rows_for(team_name: str, members: list[Person], found: tuple[Standing, ...] | list[Standing], totals: Mapping[tuple[int, str], int], catalog: MetricCatalog, view: Period, in_contests: set[str] | frozenset[str] = frozenset()) -> list[ExportRow]:
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
            rows.append(ExportRow(name, slack_id, team_name, metric, view, standing.pace.actual, standing, kind=standing.goal.kind))
        covered = {s.goal.metric for s in mine} | in_contests
        for metric in catalog.metrics:
            actual = totals.get((person.id, metric.key), 0)
            if actual and metric.key not in covered:
                rows.append(ExportRow(name, slack_id, team_name, metric, view, actual, None))
    return rows
