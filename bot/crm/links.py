"""`/team link "Full Name" @person` for a HubSpot owner: who the name (or email) names, and
linking them by hand, after which their synced objects' entries are derived for the person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.crm.sync import PROVIDER, HubSpotSync, full_name, owner_label
from storage import audit, crm
from storage.db import Database
from storage.models import CrmOwner

LINK_ACTION = "crm.owner_linked"


def owner_named(session: Session, workspace_id: int, name: str) -> CrmOwner | None:
    """The one HubSpot owner whose full name or email is `name` (None: none, or several)."""
    wanted = " ".join(name.lower().split())
    found = [
        o for o in crm.owners(session, workspace_id, PROVIDER)
        if full_name(o.first_name, o.last_name) == wanted or (o.email or "").lower() == wanted
    ]  # fmt: skip
    return found[0] if len(found) == 1 else None


def owner_text(owner: CrmOwner) -> str:
    return owner_label(owner.email, owner.first_name, owner.last_name, owner.owner_id)


def link_owner(db: Database, clock: Clock, workspace_id: int, owner_id: str, person_id: int, actor_id: int, now: datetime) -> int:
    """Link the owner to the person (audited) and re-derive their objects' entries; returns
    how many entries were added, moved or removed."""
    with db.write() as session:
        before = next((o.person_id for o in crm.owners(session, workspace_id, PROVIDER) if o.owner_id == owner_id), None)
        crm.link_owner(session, workspace_id, PROVIDER, owner_id, person_id, "hand", now)
        audit.record(
            session, workspace_id=workspace_id, at=now, actor_id=actor_id, action=LINK_ACTION, subject_type="person",
            subject_id=person_id, before={"owner_id": owner_id, "person_id": before},
            after={"owner_id": owner_id, "person_id": person_id},
        )  # fmt: skip
    # Deriving needs no HubSpot: the facts kept are enough.
    return HubSpotSync(db, clock, _no_reader).rederive_owners(workspace_id, [owner_id])


def _no_reader(_connection: object) -> object:
    raise AssertionError("linking an owner reads nothing from HubSpot")
