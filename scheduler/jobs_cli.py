"""`paceline jobs list` and `paceline jobs run`, shared by the CLI and the local console."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TextIO

from bot.clock import zone
from bot.core.errors import UserError
from bot.core.schedules import DEFAULT_SCHEDULES, stored_schedule
from bot.core.team_grammar import team_key
from scheduler.messages import JOBS
from scheduler.runner import RunResult
from scheduler.sender import DeliveryStats
from scheduler.service import SchedulerService
from scheduler.timing import LOOKBACK_DAYS, MAX_MOVE_DAYS, next_posting, team_calendar
from storage import job_runs, outbox
from storage.job_runs import ScheduledTeam

STATUSES = ("sent", "pending", "sending", "failed", "parked")


@dataclass(frozen=True)
class JobsRun:
    results: list[RunResult]
    delivery: DeliveryStats | None


def parse_at(text: str | None, default: datetime) -> datetime:
    """`--at` as ISO 8601. Without an offset it is UTC, so the same command means the same
    instant on every machine."""
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"`--at {text}` is not an ISO date-time.", "--at 2026-11-20T16:00-05:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone("UTC"))
    return value.astimezone(zone("UTC"))


def chosen_teams(
    service: SchedulerService, team_name: str | None, workspace: str | None
) -> list[ScheduledTeam]:
    with service.db.read() as session:
        found = job_runs.scheduled_teams(session)
    if workspace:
        found = [t for t in found if t.slack_team_id == workspace]
        if not found:
            raise UserError(f"No workspace {workspace} with teams here.", "--workspace T0123ABCD")
    if team_name:
        key = team_key(team_name)
        found = [t for t in found if t.team.name_key == key]
        if not found:
            raise UserError(f'There is no team "{team_name}".', "paceline jobs list")
        if len({t.slack_team_id for t in found}) > 1:
            raise UserError(
                f'Several workspaces have a team "{team_name}": say which.',
                f"--team {team_name} --workspace T0123ABCD",
            )
    return found


def run_jobs(
    service: SchedulerService,
    job: str,
    *,
    team_name: str | None,
    at_text: str | None,
    workspace: str | None,
    deliver: bool = True,
) -> JobsRun:
    if job not in JOBS:
        raise UserError(
            f'There is no job "{job}". Jobs: {", ".join(JOBS)}.',
            "paceline jobs run weekly-digest --team east",
        )
    at = parse_at(at_text, service.clock.now())
    # Now (no `--at`) follows the teams' holidays as the scheduler does: a team on a holiday
    # gets nothing. An explicit `--at` is the operator's instant and runs as asked.
    chosen = [entry.team for entry in chosen_teams(service, team_name, workspace)]
    results = service.runner.run_teams_as_of(chosen, job, at, skip_holidays=not at_text)
    delivery = service.sender.deliver_due() if deliver and service.sender is not None else None  # type: ignore[attr-defined]
    return JobsRun(results, delivery)


def print_run(run: JobsRun, out: TextIO) -> None:
    if not run.results:
        print("No teams to run it for.", file=out)
    for result in run.results:
        print(result.describe(), file=out)
    if run.delivery is not None:
        d = run.delivery
        print(
            f"Delivered: {d.sent} sent, {d.retried} to retry, {d.parked} parked, {d.failed} failed.",
            file=out,
        )
        if d.parked or d.failed:
            print("`paceline jobs list` shows why.", file=out)


def list_jobs(service: SchedulerService, out: TextIO, *, workspace: str | None = None) -> None:
    """Every team's jobs: schedule, next run in the team's zone, last run, delivery counts,
    and each failed or parked message with its reason."""
    now = service.clock.now()
    teams = chosen_teams(service, None, workspace)
    if not teams:
        print("No teams yet: create one with /team create.", file=out)
        return
    with service.db.read() as session:
        last = job_runs.last_runs(session)
        summaries = {ws: outbox.summary(session, ws) for ws in {t.team.workspace_id for t in teams}}
        done = job_runs.runs_since(session, now - timedelta(days=LOOKBACK_DAYS + MAX_MOVE_DAYS + 8))
    run_dates: dict[tuple[int, str], set[date]] = defaultdict(set)
    for _, team_id, job, key in done:
        run_dates[(team_id, job)].add(date.fromisoformat(key))
    for entry in teams:
        team = entry.team
        summary = summaries[team.workspace_id]
        counts = {c.job: c.counts for c in summary.jobs if c.team_id == team.id}
        channel = (
            f"#{team.channel_name}" if team.channel_name else (team.channel_id or "no channel")
        )
        print(f"Team {team.name} ({entry.slack_team_id}) · {team.tz} · {channel}", file=out)
        local = zone(team.tz)
        for job in DEFAULT_SCHEDULES:
            schedule = stored_schedule(job, entry.rows.get(job))
            calendar = team_calendar(team.workweek, team.holidays_country)
            upcoming, skipped = next_posting(
                schedule, team.tz, now, calendar, run_dates[(team.id or 0, job)]
            )
            when = upcoming.at.astimezone(local).strftime("%a %d %b %H:%M %Z") if upcoming else "—"
            if upcoming is not None and upcoming.moved:
                when += f" (holiday {upcoming.local_date:%a %d %b})"
            if skipped is not None:
                when += f" ({skipped.local_date:%a %d %b} not: that week has posted)"
            ran = last.get((team.id or 0, job))
            ran_text = f"last {ran.occurrence} ({ran.messages} msg)" if ran else "never run"
            job_counts = counts.get(job, {})
            delivered = " · ".join(f"{job_counts[s]} {s}" for s in STATUSES if job_counts.get(s))
            print(
                f"  {schedule.describe():<34} next {when:<22} {ran_text:<26} {delivered}".rstrip(),
                file=out,
            )
        notice_counts = counts.get("notice", {})
        if notice_counts:
            print(
                "  notices to managers: "
                + " · ".join(f"{notice_counts[s]} {s}" for s in STATUSES if notice_counts.get(s)),
                file=out,
            )
        for problem in (p for p in summary.problems if p.team_id == team.id):
            to = problem.recipient or "(no channel)"
            print(
                f"  ⚠ {problem.status} {problem.job} {problem.period} → {to} after {problem.attempts} tries: {problem.error}",
                file=out,
            )
