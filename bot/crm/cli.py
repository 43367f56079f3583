"""`paceline crm connect|disconnect|status|sync|map|new-key`: what each prints and changes.
Tokens are read from standard input and never printed or logged."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TextIO

from bot.clock import Clock
from bot.config import Settings
from bot.core.crm_mapping import MAPPING_EXAMPLE, CrmMapping, change_mapping
from bot.core.errors import UserError
from bot.crm import secrets
from bot.crm.connection import ensure_env_connection, reader_factory
from bot.crm.hubspot import CrmError, HubSpotReader
from bot.crm.sync import PROVIDER, HubSpotSync, owner_label
from bot.importer.workspace import choose_workspace
from storage import crm, metrics
from storage.db import Database
from storage.rows import persisted_id

CONNECT_EXAMPLE = "paceline crm connect hubspot --workspace T0123ABCD < token.txt"


def _workspace(settings: Settings, db: Database, clock: Clock, given: str | None) -> int:
    ensure_env_connection(settings, db, clock)
    choice = choose_workspace(db, None, given, must_exist=True)
    return persisted_id(choice)


def _provider(name: str) -> None:
    if name.lower() != PROVIDER:
        raise UserError(f'Paceline syncs with HubSpot only, not "{name[:40]}".', CONNECT_EXAMPLE)


def connect(
    settings: Settings,
    db: Database,
    clock: Clock,
    provider: str,
    workspace: str | None,
    stdin: TextIO,
    out: TextIO,
    reader: Callable[[str], HubSpotReader] | None = None,
) -> int:
    """Reads the token from stdin, checks it with HubSpot (one owners read), stores it
    encrypted. An empty stdin in a single-workspace install uses HUBSPOT_ACCESS_TOKEN."""
    _provider(provider)
    workspace_id = _workspace(settings, db, clock, workspace)
    # From a terminal, asked for without echo (a token on screen or in scrollback is a leak).
    token = (
        getpass.getpass("HubSpot access token: ") if stdin.isatty() else stdin.readline().strip()
    )
    token = token.strip()
    if not token and not settings.hubspot_access_token:
        raise UserError(
            "Give the HubSpot private app's access token on standard input.", CONNECT_EXAMPLE
        )
    stored = secrets.encrypt(token, settings.secret_keys) if token else None
    check = reader or (lambda t: HubSpotReader(t, settings.hubspot_api_url))
    try:
        owners = sum(1 for _ in check(token or settings.hubspot_access_token or "").owners())
    except CrmError as error:
        raise UserError(f"Not connected: {error}", CONNECT_EXAMPLE) from None
    with db.write() as session:
        crm.connect(session, workspace_id, PROVIDER, stored, clock.now())
    where = "stored encrypted" if stored else "from HUBSPOT_ACCESS_TOKEN"
    print(f"Connected to HubSpot ({owners} owners; token {where}). The first sync reads the history: "
          "`paceline crm sync` runs it now, with a progress bar.", file=out)  # fmt: skip
    return 0


def disconnect(
    settings: Settings,
    db: Database,
    clock: Clock,
    provider: str,
    workspace: str | None,
    out: TextIO,
) -> int:
    _provider(provider)
    workspace_id = _workspace(settings, db, clock, workspace)
    with db.write() as session:
        done = crm.disconnect(session, workspace_id, PROVIDER, clock.now())
    print("Disconnected from HubSpot: the token is forgotten and syncing stopped; synced entries stay."
          if done else "HubSpot was not connected.", file=out)  # fmt: skip
    return 0


def status(
    settings: Settings, db: Database, clock: Clock, workspace: str | None, out: TextIO
) -> int:
    workspace_id = _workspace(settings, db, clock, workspace)
    with db.read() as session:
        found = crm.connection(session, workspace_id, PROVIDER)
        if found is None:
            print("HubSpot is not connected. Connect it with HUBSPOT_ACCESS_TOKEN (one workspace) or:\n  "
                  + CONNECT_EXAMPLE, file=out)  # fmt: skip
            return 0
        owners = crm.owners(session, workspace_id, PROVIDER)
        counts = crm.record_counts(session, workspace_id, PROVIDER)
        entries = crm.synced_entry_counts(session, workspace_id)
    mapping = CrmMapping.from_json(found.mapping)
    cursors = json.loads(found.cursors or "{}")
    state = "connected" if found.active else "disconnected"
    token = (
        "stored encrypted"
        if found.token_encrypted
        else ("HUBSPOT_ACCESS_TOKEN" if settings.hubspot_access_token else "none")
    )
    lines = [f"HubSpot: {state} (token: {token})"]
    lines.append(
        f"Last sync: {_when(found.last_sync_at)}"
        + (
            f" · problem {_when(found.last_error_at)}: {found.last_error}"
            if found.last_error
            else ""
        )
    )
    lines.append(
        "Read up to: "
        + (
            ", ".join(_cursor_text(kind, cursors[kind]) for kind in sorted(cursors))
            or "nothing yet (the first sync reads the history)"
        )
    )
    lines.append(
        "Objects: "
        + (", ".join(f"{n:,} {kind}" for kind, n in sorted(counts.items())) or "none yet")
    )
    lines.append(
        "Entries from HubSpot: "
        + (", ".join(f"{n:,} {metric}" for metric, n in sorted(entries.items())) or "none yet")
    )
    lines.append("Mapping (paceline crm map KEY VALUE changes it):")
    lines.extend(f"  {line}" for line in mapping.lines())
    matched = [o for o in owners if o.person_id is not None]
    unmatched = [o for o in owners if o.person_id is None]
    lines.append(f"Owners: {len(matched)} matched, {len(unmatched)} unmatched")
    for owner in unmatched:
        lines.append(
            f"  unmatched: {owner_label(owner.email, owner.first_name, owner.last_name, owner.owner_id)}"
        )
    if unmatched:
        lines.append('  Link one with /team link "Full Name" @person in Slack.')
    print("\n".join(lines), file=out)
    return 0


def _cursor_text(kind: str, at: str) -> str:
    """ "calls 2026-11-20 15:00:00 UTC"; a backfill stopped part way says so."""
    name, _, backfill = kind.partition(":")
    return f"{name} {at[:19].replace('T', ' ')} UTC" + (" (backfill under way)" if backfill else "")


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "never"


def set_mapping(
    settings: Settings,
    db: Database,
    clock: Clock,
    workspace: str | None,
    key: str,
    value: str,
    out: TextIO,
    syncer: HubSpotSync,
) -> int:
    workspace_id = _workspace(settings, db, clock, workspace)
    with db.write() as session:
        found = crm.connection(session, workspace_id, PROVIDER)
        if found is None or found.id is None:
            raise UserError("HubSpot is not connected: connect it first.", CONNECT_EXAMPLE)
        known = {m.key for m in metrics.custom_metrics(session, workspace_id)} | {
            "calls", "meetings", "demos", "emails", "opportunities", "proposals", "deals", "revenue"
        }  # fmt: skip
        before = CrmMapping.from_json(found.mapping)
        changed = change_mapping(before, key, value, known)
        crm.set_mapping(session, found.id, changed.to_json(), clock.now())
        reread = changed.properties("meetings") != before.properties("meetings")
        if reread:
            # The facts kept lack a property never read: the next sync reads every meeting
            # again (as history, never celebrated).
            cursors = {
                k: v
                for k, v in json.loads(found.cursors or "{}").items()
                if not k.startswith("meetings")
            }
            crm.save_cursors(session, found.id, cursors, clock.now())
    entries = syncer.rederive_all(workspace_id)
    print(
        f"Mapping changed; {entries:,} entries re-derived from the objects already synced.",
        file=out,
    )
    if reread:
        print(
            f"The next sync reads every meeting again for {changed.demo_property} (`paceline crm sync` runs it now).",
            file=out,
        )
    print("\n".join(f"  {line}" for line in changed.lines()), file=out)
    return 0


def parse_since(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserError(
            f'"{value[:40]}" is not a date: write it as YYYY-MM-DD.',
            "paceline crm sync --since 2026-01-01",
        ) from None
    return datetime.combine(day, time(0), tzinfo=UTC)


def sync(
    settings: Settings,
    db: Database,
    clock: Clock,
    workspace: str | None,
    since: str | None,
    progress: bool,
    out: TextIO,
    syncer: HubSpotSync | None = None,
) -> int:
    workspace_id = _workspace(settings, db, clock, workspace)
    start = parse_since(since) if since else None
    runner = syncer or HubSpotSync(db, clock, reader_factory(settings), admins=settings.admins)
    bar = _Bar(sys.stderr, progress or sys.stderr.isatty())
    report = runner.sync(workspace_id, since=start, progress=bar.update)
    bar.done()
    print(report.summary(), file=out)
    if report.unmatched:
        print(f"Unmatched owners ({len(report.unmatched)}): " + "; ".join(report.unmatched[:10])
              + (" …" if len(report.unmatched) > 10 else ""), file=out)  # fmt: skip
    return 1 if report.error or report.skipped else 0


class _Bar:
    """A one-line progress bar per kind of object on stderr, for a backfill."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream, self.enabled, self.drawn = stream, enabled, False
        self.kind: str | None = None

    def update(self, kind: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.drawn and kind != self.kind:
            self.stream.write("\n")  # each kind keeps its finished bar on its own line
        self.kind = kind
        share = min(done / total, 1.0) if total else 1.0
        filled = int(share * 30)
        self.stream.write(
            f"\r{kind:<9} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{max(total, done):,}   "
        )
        self.stream.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def new_key(out: TextIO) -> int:
    print(secrets.new_key(), file=out)
    return 0


__all__ = ["MAPPING_EXAMPLE", "connect", "disconnect", "new_key", "set_mapping", "status", "sync"]
