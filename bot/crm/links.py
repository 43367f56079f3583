"""`/team link "Full Name" @person`: the name is an imported person waiting to be linked
(merged into the Slack user's person by bot/services/teams.py) or a HubSpot owner, linked here
by hand, after which their synced objects' entries are derived for the person.

The use case lives beside the HubSpot sync, not in bot/services: re-deriving runs the sync,
which queues the admins' notices in the scheduler's outbox, and services know no scheduler.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.core.team_grammar import TeamLink
from bot.crm.sync import PROVIDER, HubSpotSync, full_name, owner_label
from bot.services import teams
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, crm
from storage.db import Database
from storage.models import CrmOwner
from storage.rows import persisted_id

LINK_ACTION = "crm.owner_linked"


def check_link(services: Services, caller: Caller, name: str) -> None:
    """What refuses `/team link NAME` before the person named is looked up in Slack. A
    HubSpot owner's link is checked against the person named, once looked up."""
    with services.db.read() as session:
        if (
            teams.has_unlinked(session, caller.workspace_id, name)
            or owner_named(session, caller.workspace_id, name) is None
        ):
            teams.check_link_person(session, caller, name)


def link(
    services: Services, client: WebClient, caller: Caller, cmd: TeamLink
) -> teams.PersonLinked | teams.OwnerLinked:
    """`/team link NAME @user`: an imported person of that name is merged into the user's
    person; else the HubSpot owner of that name or email is linked to them."""
    ws = caller.workspace_id
    now = services.clock.now()
    with services.db.read() as session:
        owner = (
            owner_named(session, ws, cmd.name)
            if not teams.has_unlinked(session, ws, cmd.name)
            else None
        )
        if owner is None:
            teams.check_link_person(session, caller, cmd.name)
    if owner is None:
        return teams.link_person(services, client, caller, cmd)
    return _link_owner(services, client, caller, cmd, owner, now)


def _link_owner(
    services: Services,
    client: WebClient,
    caller: Caller,
    cmd: TeamLink,
    owner: CrmOwner,
    now: datetime,
) -> teams.OwnerLinked:
    """A HubSpot owner the sync matched to nobody (or to the wrong person) becomes this Slack
    user: their synced objects' entries are derived for them at once. Admins, and managers
    of the person's team."""
    label = owner_text(owner)
    target = teams.linked_user(services, client, caller, cmd)
    target_id = persisted_id(target)
    with services.db.read() as session:
        teams.require_link_right(session, caller, target)
    moved = link_owner(
        services.db,
        services.clock,
        caller.workspace_id,
        owner.owner_id,
        target_id,
        caller.person_id,
        now,
    )
    return teams.OwnerLinked(label, target, moved)


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


def link_owner(
    db: Database,
    clock: Clock,
    workspace_id: int,
    owner_id: str,
    person_id: int,
    actor_id: int,
    now: datetime,
) -> int:
    """Link the owner to the person (audited) and re-derive their objects' entries; returns
    how many entries were added, moved or removed."""
    with db.write() as session:
        before = next(
            (
                o.person_id
                for o in crm.owners(session, workspace_id, PROVIDER)
                if o.owner_id == owner_id
            ),
            None,
        )
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
