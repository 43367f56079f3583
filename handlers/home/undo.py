"""Undo one entry from App Home: only an entry the caller entered (as `/log undo` removes
only what you entered), soft-deleted and audited like every undo, and a second click (or
another instance's click at the same moment) changes nothing."""

from __future__ import annotations

from bot.core.metrics import Metric
from bot.render.app_home import RecentEntry, entry_text
from bot.services.context import Services
from bot.services.people import Caller
from storage import app_home as home_storage
from storage import audit, people
from storage.models import Entry


def undo_entry(services: Services, caller: Caller, value: str) -> str:
    """The notice to show at the top of the caller's Home."""
    if not value.isdigit():
        return "⛔ That button is not an entry any more — nothing changed."
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    now = services.clock.now()
    with services.db.write() as session:
        entry = home_storage.entry_by_id(session, ws, int(value))
        if entry is None:
            return "⛔ That entry is unknown here — nothing changed."
        if entry.entered_by_id != caller.person_id:
            return "⛔ You can only undo entries you logged yourself — nothing changed."
        owner = None if entry.person_id == caller.person_id else people.by_id(session, ws, entry.person_id)
        shown = entry_text(
            RecentEntry(
                entry.id or 0,
                entry.day,
                catalog.lookup(entry.metric) or Metric(entry.metric),
                entry.quantity,
                entry.kind,
                entry.note,
                (owner.display_name or owner.name) if owner else None,
            ),
            caller.today(services.clock),
        )
        if not home_storage.undo_entry(session, ws, int(value), caller.person_id, now):
            return f"Already undone: {shown} — nothing changed."
        audit.record(
            session,
            workspace_id=ws,
            at=now,
            actor_id=caller.person_id,
            action="entries.undo",
            subject_type="entry",
            subject_id=entry.id,
            before={"entries": [_state(entry)], "via": "app_home"},
            after=None,
        )
    if owner is not None:
        services.home_changed(ws, [owner.id])
    return f"↩️ Undid {shown}."


def _state(entry: Entry) -> dict:
    return {"id": entry.id, "person_id": entry.person_id, "metric": entry.metric, "day": entry.day, "quantity": entry.quantity}
