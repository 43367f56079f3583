"""`paceline` (also `python -m bot`): run, console, jobs list|run, import crm|activity, export,
db upgrade, manifest."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, RunMode, Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from slack_sdk import WebClient

    from storage.db import Database
    from storage.people import SlackProfile

log = logging.getLogger("paceline")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic's INFO lines (its plugins, "Context impl …", each migration) are not news to
    # someone running `paceline export`, `jobs` or `import`; its warnings still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    command = args.command or "run"
    if command == "run":
        return _run(settings, args)
    if command == "console":
        return _console(settings, demo=args.demo, database_url=args.database_url)
    if command == "jobs":
        return _jobs(settings, args)
    if command == "import":
        return _import(settings, args)
    if command == "export":
        return _export(settings, args)
    if command == "crm":
        return _crm(settings, args)
    if command == "db":
        from storage.db import Database

        Database(settings.database_url).upgrade()
        print("Database is up to date.")
        return 0
    if command == "manifest":
        from bot.manifest import ManifestError, manifest

        try:
            data = manifest(args.url, socket_mode=args.socket)
        except ManifestError as error:
            print(error, file=sys.stderr)
            return 2
        print(json.dumps(data, indent=2))
        return 0
    parser.print_help()
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paceline", description="Paceline: sales goals in Slack.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (Socket Mode, HTTP, or the local console)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    run.add_argument("--threads", type=int, default=8, help="HTTP worker threads (default 8)")
    run.add_argument("--demo", action="store_true", help="console only: seed a demo team")
    console = sub.add_parser("console", help="the local console: act as a person, type commands")
    console.add_argument(
        "--demo",
        action="store_true",
        help="seed a team with six weeks of history, in a database of its own (paceline-console.db)",
    )
    console.add_argument(
        "--database-url",
        metavar="URL",
        help="the database to use (default: DATABASE_URL, as paceline run; with --demo "
        "sqlite:///paceline-console.db)",
    )
    jobs = sub.add_parser("jobs", help="scheduled posts: list every team's jobs, or run one now")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_list = jobs_sub.add_parser(
        "list", help="each team's jobs, next runs in its zone, deliveries and failures"
    )
    jobs_list.add_argument("--workspace", help="only this Slack workspace (team id, T…)")
    jobs_run = jobs_sub.add_parser("run", help="run a job now, as if at --at")
    jobs_run.add_argument("job", help="nudge, lagging-alert, weekly-digest or log-reminder")
    jobs_run.add_argument("--team", help="one team (default: every team)")
    jobs_run.add_argument(
        "--at", help="ISO date-time to run as if at (default: now), e.g. 2026-11-20T16:00-05:00"
    )
    jobs_run.add_argument(
        "--workspace", help="the Slack workspace (team id, T…) when several have the team"
    )
    _import_parser(sub)
    export = sub.add_parser("export", help="write the /progress export CSV of a period to a file")
    export.add_argument("file", help="the CSV file to write (- for standard output)")
    export.add_argument(
        "--period", help="2026-11, 2026-Q4, 2026, last month… (default: this month, UTC)"
    )
    export.add_argument("--team", help="one team (default: every team)")
    export.add_argument(
        "--workspace", help="the Slack workspace (team id, T…) when the database has several"
    )
    _crm_parser(sub)
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    manifest = sub.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument(
        "--url",
        help="your public https address, e.g. https://paceline.example.com (fills in the request "
        "and OAuth redirect URLs)",
    )
    manifest.add_argument("--socket", action="store_true", help="for Socket Mode (no request URLs)")
    return parser


def _import_parser(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser(
        "import", help="import history from CSV: a CRM pipeline export, or activity rows"
    )
    kinds = imp.add_subparsers(dest="import_kind", required=True)
    crm = kinds.add_parser(
        "crm", help="a CRM pipeline export (sales_pipeline.csv) and its team list"
    )
    crm.add_argument(
        "pipeline",
        type=Path,
        help="opportunity_id, sales_agent, deal_stage, engage_date, close_date, close_value",
    )
    crm.add_argument(
        "--teams",
        type=Path,
        help="sales_agent, manager, regional_office: teams per manager, parents per office",
    )
    crm.add_argument("--tz", default="UTC", help="time zone of the teams it creates (default UTC)")
    activity = kinds.add_parser("activity", help="plain rows: user,metric,date,amount[,note]")
    activity.add_argument("file", type=Path)
    for kind in (crm, activity):
        kind.add_argument(
            "--workspace", help="the Slack workspace (team id, T…); default: the bot token's"
        )
        kind.add_argument(
            "--dry-run", action="store_true", help="check the file and report; store nothing"
        )
        kind.add_argument(
            "--progress",
            action="store_true",
            help="show a progress bar even when stderr is not a terminal",
        )
        kind.add_argument(
            "--encoding", help="the file's encoding (default: UTF-8, else Windows-1252, detected)"
        )
        kind.add_argument(
            "--no-slack",
            action="store_true",
            help="do not match people to Slack users (all come in unlinked)",
        )


def _import(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when imported (or nothing new), 1 when the file was refused, 2 for usage errors."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.clock import SystemClock
    from bot.core.errors import UserError
    from bot.core.team_grammar import parse_time_zone
    from bot.importer import cli as import_cli
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        tz = (
            parse_time_zone(args.tz, "--tz America/New_York")
            if args.import_kind == "crm"
            else "UTC"
        )
        db.upgrade()
        client, workspace = _import_slack(settings, db, args)
        options = import_cli.ImportOptions(
            workspace, args.dry_run, args.progress, args.encoding, tz
        )
        if args.import_kind == "crm":
            report = import_cli.import_crm(
                db, client, args.pipeline, args.teams, options, SystemClock(), sys.stderr
            )
        else:
            report = import_cli.import_activity(
                db, client, args.file, options, SystemClock(), sys.stderr
            )
    except UserError as error:
        print(error.text, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(
            f"The database failed during the import ({type(error).__name__}: {getattr(error, 'orig', None) or error}). "
            "What was stored stays; run the same command again to finish it (nothing is stored twice).",
            file=sys.stderr,
        )
        return 1
    finally:
        db.dispose()
    print(report.text(), file=sys.stderr if report.rejected else sys.stdout)
    return 1 if report.rejected else 0


def _import_slack(
    settings: Settings, db: Database, args: argparse.Namespace
) -> tuple[WebClient | None, str | None]:
    """The Slack client people are matched with, and the workspace (`--workspace`, or None
    for the import to work out). Single workspace: SLACK_BOT_TOKEN's client. OAuth: the
    named workspace's own installed token; without --workspace, the only installed one
    (several: the operator must say which). Raises UserError."""
    from bot.app import installed_workspaces, slack_client, workspace_client
    from bot.core.errors import UserError
    from bot.importer.workspace import check_team_id

    check_team_id(args.workspace)
    if args.no_slack:
        return None, args.workspace
    if not settings.oauth_enabled:
        return (slack_client(settings) if settings.bot_token else None), args.workspace
    installed = installed_workspaces(settings, db)
    example = f"paceline import {args.import_kind} FILE --workspace {installed[0] if installed else 'T0123ABCD'}"
    no_slack = "import with --no-slack to match nobody (people come in unlinked; link them later with /team link)"
    team = args.workspace
    if team is None:
        if not installed:
            raise UserError(
                f"No workspace has installed Paceline yet (OAuth mode): install it at /slack/install, or {no_slack}.",
                example,
            )
        if len(installed) > 1:
            listed = ", ".join(installed[:10]) + (" …" if len(installed) > 10 else "")
            raise UserError(
                f"{len(installed)} workspaces have installed Paceline ({listed}): say which with --workspace.",
                example,
            )
        team = installed[0]
    elif team not in installed:
        listed = ", ".join(installed[:10]) if installed else "none"
        raise UserError(
            f"Workspace {team} has not installed Paceline, so there is no token to read its people with "
            f"(installed: {listed}). Install it at /slack/install, or {no_slack}.",
            example,
        )
    return workspace_client(settings, db, team), team


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.core.errors import UserError
    from bot.export import build_export
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        db.upgrade()
        export = build_export(
            db, SystemClock(), period=args.period, team=args.team, workspace=args.workspace
        )
    except UserError as error:
        print(error.text, file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if args.file == "-":
        sys.stdout.buffer.write(export.content)
        sys.stdout.flush()
    else:
        Path(args.file).write_bytes(export.content)
    teams = ", ".join(export.team_names) or "no teams"
    print(
        f"Exported {export.rows:,} rows for {export.period_label} ({teams}) to {args.file}.",
        file=sys.stderr if args.file == "-" else sys.stdout,
    )
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.mode is RunMode.CONSOLE:
        print(
            "No Slack credentials (SLACK_BOT_TOKEN, SLACK_APP_TOKEN) are set: "
            "starting the local console instead.",
            flush=True,
        )
        return _console(settings, demo=getattr(args, "demo", False), announce=False)
    from bot.app import build
    from bot.config import redact_url

    log.info("Paceline uses the database %s", redact_url(settings.database_url))
    paceline = build(settings)
    if settings.mode is RunMode.SOCKET:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Paceline is connecting to Slack over Socket Mode")
        paceline.start_scheduler()
        try:
            SocketModeHandler(paceline.bolt, settings.app_token).start()
        finally:
            paceline.stop_scheduler()
        return 0
    from bot.server import HttpServer, wsgi_app

    server = HttpServer(
        wsgi_app(paceline.bolt, paceline.db),
        host=args.host,
        port=settings.port,
        threads=args.threads,
    )
    log.info("Paceline is serving HTTP on port %s: POST /slack/events, GET /healthz", server.port)
    paceline.start_scheduler()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        paceline.stop_scheduler()
    return 0


def _jobs(settings: Settings, args: argparse.Namespace) -> int:
    """Without Slack (no bot token) a run is built and queued; `paceline run` delivers it."""
    from bot.app import scheduler_for
    from bot.clock import SystemClock
    from bot.core.errors import UserError
    from scheduler import jobs_cli
    from storage.db import Database

    db = Database(settings.database_url)
    db.upgrade()
    # Delivered with SLACK_BOT_TOKEN, or with OAuth each workspace's own installed token
    # (the sender's client_for); a workspace without an install gets no token and its
    # messages are parked, never sent with another's.
    delivers = bool(settings.bot_token) or settings.oauth_enabled
    service = scheduler_for(settings, db, SystemClock())
    try:
        if args.jobs_command == "list":
            jobs_cli.list_jobs(service, sys.stdout, workspace=args.workspace)
            return 0
        run = jobs_cli.run_jobs(
            service,
            args.job,
            team_name=args.team,
            at_text=args.at,
            workspace=args.workspace,
            deliver=delivers,
        )
        jobs_cli.print_run(run, sys.stdout)
        if not delivers:
            print("SLACK_BOT_TOKEN is not set: the messages wait in the outbox for `paceline run`.")
        return 0
    except UserError as error:
        print(error.text, file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _console(
    settings: Settings, demo: bool, announce: bool = True, database_url: str | None = None
) -> int:
    from dataclasses import replace

    from bot.console.session import console_database, run_console

    try:
        url, note = console_database(settings.database_url, demo, database_url)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return run_console(
        replace(settings, database_url=url), demo=demo, announce=announce, database_note=note
    )


if __name__ == "__main__":
    raise SystemExit(main())


def _crm_parser(sub: argparse._SubParsersAction) -> None:
    crm = sub.add_parser("crm", help="HubSpot sync: connect, disconnect, status, sync, map")
    actions = crm.add_subparsers(dest="crm_action", required=True)
    where = {"help": "the Slack workspace (team id, T…); default: the only one in the database"}
    connect = actions.add_parser(
        "connect", help="store a HubSpot private app token (read from standard input), encrypted"
    )
    connect.add_argument("provider", help="hubspot")
    connect.add_argument("--workspace", **where)
    disconnect = actions.add_parser(
        "disconnect", help="forget the token and stop syncing (synced entries stay)"
    )
    disconnect.add_argument("provider", help="hubspot")
    disconnect.add_argument("--workspace", **where)
    status = actions.add_parser("status", help="connection, cursors, mapping, unmatched owners")
    status.add_argument("--workspace", **where)
    sync = actions.add_parser(
        "sync", help="sync now: what changed since the last sync, or everything since --since"
    )
    sync.add_argument("--workspace", **where)
    sync.add_argument(
        "--since", help="read everything modified since this date (YYYY-MM-DD): a backfill"
    )
    sync.add_argument(
        "--progress", action="store_true", help="draw the progress bar even when not on a terminal"
    )
    mapping = actions.add_parser(
        "map", help="change the mapping: KEY VALUE (see paceline crm status)"
    )
    mapping.add_argument("--workspace", **where)
    mapping.add_argument(
        "key",
        help="calls, meetings, demos, emails, opportunities, deals, revenue, demo-property or demo-values",
    )
    mapping.add_argument(
        "value", help="a metric, none, a property name, or values separated by commas"
    )
    actions.add_parser("new-key", help="print a new key for PACELINE_SECRET_KEY")


def _crm(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.core.errors import UserError
    from bot.crm import cli as crm_cli
    from bot.crm.connection import build_sync
    from storage.db import Database

    if args.crm_action == "new-key":
        return crm_cli.new_key(sys.stdout)
    db = Database(settings.database_url)
    clock = SystemClock()
    try:
        db.upgrade()
        if args.crm_action == "connect":
            return crm_cli.connect(
                settings, db, clock, args.provider, args.workspace, sys.stdin, sys.stdout
            )
        if args.crm_action == "disconnect":
            return crm_cli.disconnect(
                settings, db, clock, args.provider, args.workspace, sys.stdout
            )
        if args.crm_action == "status":
            return crm_cli.status(settings, db, clock, args.workspace, sys.stdout)
        if args.crm_action == "map":
            syncer = build_sync(settings, db, clock)
            return crm_cli.set_mapping(
                settings, db, clock, args.workspace, args.key, args.value, sys.stdout, syncer
            )
        syncer = build_sync(settings, db, clock, slack_members=_crm_slack_members(settings, db))
        return crm_cli.sync(
            settings, db, clock, args.workspace, args.since, args.progress, sys.stdout, syncer
        )
    except UserError as error:
        print(error.text, file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _crm_slack_members(
    settings: Settings, db: Database
) -> Callable[[int], Iterable[SlackProfile]] | None:
    """Slack's member list for matching owners, when this process has a token to ask with."""
    from bot.app import sender_clients
    from bot.crm.connection import slack_members_via

    if not (settings.bot_token or settings.oauth_enabled):
        return None
    return slack_members_via(db, sender_clients(settings, db))
