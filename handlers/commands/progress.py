"""/progress: where you (or your team) stand, and `/progress export` as a CSV in your DM."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

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
from bot.render.export_csv import export_csv
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
from bot.services import reports
from bot.services.context import Services
from bot.services.exports import caller_export_rows
from bot.services.people import Caller
from bot.services.progress import PersonProgress, TeamProgress, person_progress, team_progress

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
    caller = services.directory.caller(
        client, command["team_id"], command["user_id"], command.get("enterprise_id")
    )
    catalog = services.catalog(caller.workspace_id)
    fiscal_start = reports.fiscal_year_start(services.db, caller.workspace_id)
    return caller, parse_progress(
        command.get("text") or "", catalog, caller.today(services.clock), fiscal_start
    )


def handle(services: Services, client: WebClient, command: dict) -> str:
    try:
        caller, parsed = _parse(services, client, command)
        if isinstance(parsed, ReportHelp):
            return PROGRESS_HELP
        if isinstance(parsed, ProgressExport):
            return f"Preparing your export for {parsed.period.label}: the CSV arrives in your DM from Paceline in a moment."
        assert isinstance(parsed, ProgressView)
        who = parsed.who
        if who is not None and who.team is not None:
            return _team_text(
                team_progress(services, caller, who.team, parsed.period), parsed.period
            )
        user = who.user if who is not None else None
        return _person_text(
            person_progress(services, client, caller, user, parsed.period), parsed.period
        )
    except UserError as error:
        return error.text


def _person_text(found: PersonProgress, view: Period) -> str:
    catalog, today = found.catalog, found.today
    whose = "Your" if found.is_caller else f"{escape(found.name)}'s"
    header = (
        f"*{whose} progress — {period_in_sentence(view, today)}*{period_label_note(view, today)}"
    )
    if not found.standings:
        logged = joined(
            quantity_text(v, metric_of(catalog, k)) for k, v in found.logged.items() if v
        )
        return (
            f"{header}\nNo goals in this period. Logged: {logged or 'nothing yet'}.\n"
            "Managers set goals with `/goal set @maria calls 60/week`; you can `/goal propose calls 60/week`."
        )
    return "\n".join(
        [header] + [standing_block(s, metric_of(catalog, s.goal.metric)) for s in found.standings]
    )


def _team_text(found: TeamProgress, view: Period) -> str:
    catalog, chosen, report, today = found.catalog, found.scope, found.report, found.today
    team = chosen.team
    count = len(report.member_names)
    if chosen.is_rollup:
        below = len(chosen.team_ids) - (0 if chosen.is_company else 1)
        members = f"{count} {'person' if count == 1 else 'people'} in {below} team{'s' if below != 1 else ''}"
    else:
        members = f"{count} member{'s' if count != 1 else ''}"
    title = f"Team {escape(team.name)}"
    if chosen.is_company:
        # "The company (Acme)"; never "The company (the company)" when the workspace has no name.
        title = (
            "The company"
            if team.name == reports.COMPANY_NAME
            else f"The company ({escape(team.name)})"
        )
    lines = [
        f"*{title} — {period_in_sentence(view, today)}*{period_label_note(view, today, members)}"
    ]
    if not (report.team_totals or report.members or report.collectives or report.contests):
        if chosen.is_company:
            lines.append(
                "No goals for anyone in the company in this period. Cascade one with `/goal cascade team:all revenue 12m/year by history`."
            )
        else:
            lines.append(
                f"No goals for team {escape(team.name)} in this period. Set one with `/goal set team:{team.name} calls 300/week`."
            )
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
    """ "*People*" and a line for each of the first MAX_MEMBER_LINES people, most worrying
    first, and how many people there are."""
    by_person: dict[int, list[Standing]] = {}
    for standing in report.members:
        by_person.setdefault(standing.owner_id or 0, []).append(standing)
    if not by_person:
        return [], 0
    # Most worrying first: a manager reads the top of the list.
    order = sorted(
        by_person.items(),
        key=lambda item: (
            min(s.pace.pct for s in item[1]),
            report.member_names.get(item[0], "").lower(),
        ),
    )
    lines = ["*People*"]
    for person_id, found in order[:MAX_MEMBER_LINES]:
        parts = [
            f"{EXCUSED_EMOJI} {s.goal.metric} (no target)"
            if s.pace.nothing_to_do
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
    content = export_csv(caller_export_rows(services, caller, parsed.period))
    dm = client.conversations_open(users=caller.slack_user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        content=content,
        filename=f"paceline-{parsed.period.start.isoformat()}-{parsed.period.kind.value}.csv",
        title=f"Paceline progress, {parsed.period.label}",
        initial_comment=f"Your Paceline export for {parsed.period.label}.",
    )
