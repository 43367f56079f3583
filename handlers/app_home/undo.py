"""An Undo click on App Home: the notice at the top of the clicker's Home saying what it did
(bot.services.app_home.undo_entry decides and writes)."""

from __future__ import annotations

from bot.render.app_home import entry_text
from bot.services import app_home
from bot.services.context import Services
from bot.services.people import Caller

REFUSALS = {
    "not_an_entry": "⛔ That button is not an entry any more — nothing changed.",
    "unknown": "⛔ That entry is unknown here — nothing changed.",
    "not_yours": "⛔ You can only undo entries you logged yourself — nothing changed.",
}


def undo_entry(services: Services, caller: Caller, value: str) -> str:
    """The notice to show at the top of the caller's Home."""
    done = app_home.undo_entry(services, caller, value)
    if done.entry is None:
        return REFUSALS[done.outcome]
    shown = entry_text(done.entry, caller.today(services.clock))
    if done.outcome == "already":
        return f"Already undone: {shown} — nothing changed."
    return f"↩️ Undid {shown}."
