"""One workspace's HubSpot sync: owners matched to people, then each kind of object read
from its cursor, page by page, each page written with its cursor in one transaction.

Exactness: an object's entries are derived from its facts (bot.core.crm_mapping) and
compared with the entries it already has: new ones are inserted, changed ones corrected in
place, gone ones removed — so a re-sync changes nothing and a sync stopped anywhere and run
again ends in the same state. Corrections and removals are audited as made by the CRM.

Windows: the search endpoint pages through at most 10,000 results of one query, so a window
of time holding more is halved until each half fits. The lower edge of the next run is the
end of the last one less an overlap (HubSpot's search index lags a little behind writes);
objects read twice change nothing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.core.crm_mapping import (
    LIVE_SOURCE,
    OBJECT_TYPES,
    OWNER_PROPERTY,
    QUIET_SOURCE,
    CrmMapping,
    Derived,
    derive,
)
from bot.core.errors import UserError
from bot.core.messages import DeliveryKey, Message, Outgoing
from bot.crm import hubspot as hubspot_api
from bot.crm.hubspot import SEARCH_CAP, CrmError, CrmObject, CrmRefused, HubSpotReader, Owner
from bot.render.text import escape
from storage import crm, goals, outbox
from storage.crm import EntryWrite, RecordWrite, StoredRecord
from storage.db import Database
from storage.models import CrmConnection
from storage.people import SlackProfile, upsert_from_slack
from storage.rows import persisted_id

log = logging.getLogger(__name__)

PROVIDER = "hubspot"
OVERLAP = timedelta(minutes=2)
LEASE = timedelta(minutes=15)
EPOCH = datetime(2006, 1, 1, tzinfo=UTC)  # before HubSpot's first object
NOTICE_JOB = "crm"
TAKEN_OVER = "another instance took the sync over (this one wrote nothing for too long)."
# Statistics are refreshed when a run's stored objects pass each of these (a first backfill
# fills crm_record from nothing; see storage.crm.refresh_statistics).
STATISTICS_MARKS = (200, 2_000, 20_000, 200_000)


def _crossed_statistics_mark(before: int, after: int) -> bool:
    return any(before < mark <= after for mark in STATISTICS_MARKS)


def ref_of(object_type: str, object_id: str) -> str:
    return f"{PROVIDER}:{object_type}:{object_id}"


def backfill_key(object_type: str) -> str:
    """Where a backfill under way keeps its place, apart from the type's cursor: a backfill
    stopped part way goes on as a backfill (its entries are history, never celebrated)."""
    return f"{object_type}:backfill"


def batch_of(object_type: str, object_id: str) -> str:
    # One batch per object: a deal's count and amount are one deal to the live-wins worker.
    return f"hs-{object_type}-{object_id}"[:32]


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class SyncReport:
    workspace_id: int
    backfill: bool = False
    skipped: str | None = None
    error: str | None = None
    read: int = 0
    changed_objects: int = 0
    added: int = 0
    corrected: int = 0
    removed: int = 0
    owners: int = 0
    unmatched: list[str] = field(default_factory=list)
    requests: int = 0
    # What this run could not read and the next one reads again (archived lists).
    put_off: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return f"Skipped: {self.skipped}"
        head = "Backfill" if self.backfill else "Sync"
        text = (
            f"{head}: {self.read:,} objects read, {self.changed_objects:,} new or changed; "
            f"entries {self.added:,} added, {self.corrected:,} corrected, {self.removed:,} removed; "
            f"{self.owners} owners, {len(self.unmatched)} unmatched"
        )
        later = f" Put off to the next run: {'; '.join(self.put_off)}." if self.put_off else ""
        return text + (f". Stopped: {self.error}" if self.error else ".") + later


Progress = Callable[[str, int, int], None]


@dataclass
class _Page:
    """What one page's write needs to know beyond the objects."""

    object_type: str
    source: str
    owner_people: dict[str, int]
    zones: dict[int, str]
    # The "hubspot" bot person: who enters synced entries and is audited for the CRM.
    actor: int


class HubSpotSync:
    """Syncs one workspace at a time; `reader_for` builds the reader for a connection (its
    token decrypted, or the environment's)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        reader_for: Callable[[CrmConnection], HubSpotReader],
        *,
        instance: str | None = None,
        admins: frozenset[str] = frozenset(),
        slack_members: Callable[[int], Iterable[SlackProfile]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.reader_for = reader_for
        self.instance = instance or default_instance()
        self.admins = admins
        self.slack_members = slack_members

    # ------------------------------------------------------------------ a run

    def sync(
        self, workspace_id: int, *, since: datetime | None = None, progress: Progress | None = None
    ) -> SyncReport:
        report = SyncReport(workspace_id)
        now = self.clock.now()
        with self.db.write() as session:
            found = crm.connection(session, workspace_id, PROVIDER)
            if found is None or not found.active or found.id is None:
                report.skipped = "HubSpot is not connected for this workspace."
                return report
            if not crm.take_lock(session, found.id, self.instance, now, LEASE):
                report.skipped = "another instance is syncing this workspace."
                return report
            connection_id = found.id
            connection = found
        try:
            reader = self.reader_for(connection)
            self._run(reader, connection, report, since, progress)
            report.requests = reader.requests
        except CrmRefused as refused:
            report.error = str(refused)
            self._tell_admins(
                workspace_id,
                f"refused:{self.clock.now().date().isoformat()}",
                _refused_text(str(refused)),
            )
        except CrmError as failed:
            report.error = str(failed)
        except UserError as unusable:  # no token, or one the key cannot decrypt: nothing was read
            report.error = unusable.message
            self._tell_admins(
                workspace_id,
                f"refused:{self.clock.now().date().isoformat()}",
                _refused_text(unusable.message),
            )
        except BaseException as unexpected:
            # Recorded as a stop, not as a finished sync; the caller logs the exception.
            report.error = (
                f"the sync stopped unexpectedly ({type(unexpected).__name__}); see the logs."
            )
            raise
        finally:
            with self.db.write() as session:
                crm.finish(session, connection_id, self.clock.now(), report.error)
                crm.release_lock(session, connection_id, self.instance)
        if report.error:
            log.warning("HubSpot sync of workspace %s stopped: %s", workspace_id, report.error)
        else:
            log.info("HubSpot sync of workspace %s: %s", workspace_id, report.summary())
        return report

    def _run(
        self,
        reader: HubSpotReader,
        connection: CrmConnection,
        report: SyncReport,
        since: datetime | None,
        progress: Progress | None,
    ) -> None:
        workspace_id = connection.workspace_id
        mapping = CrmMapping.from_json(connection.mapping)
        cursors: dict[str, str] = json.loads(connection.cursors or "{}")
        self._sync_owners(reader, workspace_id, report)
        with self.db.write() as session:
            actor = crm.crm_person_id(session, workspace_id, self.clock.now())
            owner_people = crm.owner_people(session, workspace_id, PROVIDER)
            zones = crm.person_zones(session, workspace_id, set(owner_people.values()))
        end = self.clock.now()
        for object_type in OBJECT_TYPES:
            stored = cursors.get(object_type)
            unfinished = cursors.get(backfill_key(object_type))
            backfill = since is not None or stored is None or unfinished is not None
            report.backfill = report.backfill or backfill
            if since is not None:
                start = since
            elif unfinished is not None:
                start = datetime.fromisoformat(unfinished) - OVERLAP
            elif stored is not None:
                start = datetime.fromisoformat(stored) - OVERLAP
            else:
                start = EPOCH
            page = _Page(
                object_type, QUIET_SOURCE if backfill else LIVE_SOURCE, owner_people, zones, actor
            )
            self._window(reader, connection, mapping, cursors, page, start, end, report, progress)
            cursors[object_type] = end.isoformat()
            cursors.pop(backfill_key(object_type), None)
            with self.db.write() as session:
                crm.save_cursors(session, persisted_id(connection), cursors, self.clock.now())
            self._archived(reader, connection, mapping, page, report)

    def _window(
        self,
        reader: HubSpotReader,
        connection: CrmConnection,
        mapping: CrmMapping,
        cursors: dict[str, str],
        page: _Page,
        start: datetime,
        end: datetime,
        report: SyncReport,
        progress: Progress | None,
    ) -> None:
        """Every object of the type modified in [start, end), oldest first; a window with more
        than the search endpoint will page through is split in two."""
        properties = mapping.properties(page.object_type)
        first = reader.search(page.object_type, properties, start, end)
        if first.total > SEARCH_CAP and end - start > timedelta(milliseconds=1):
            middle = start + (end - start) / 2
            middle = middle.replace(microsecond=middle.microsecond // 1000 * 1000)
            if start < middle < end:
                self._window(
                    reader, connection, mapping, cursors, page, start, middle, report, progress
                )
                self._window(
                    reader, connection, mapping, cursors, page, middle, end, report, progress
                )
                return
        done = 0
        current = first
        lower, skip = start, 0
        while True:
            self._write_page(connection, mapping, cursors, page, current.objects, report)
            done += len(current.objects)
            if progress is not None:
                progress(page.object_type, done, min(first.total, SEARCH_CAP))
            if not current.after or not current.objects:
                return
            # The next page starts at the last date read, not at an offset into the window: an
            # object edited meanwhile leaves the window (its new date is after `end`) and moves
            # every later one up a place, so an offset would pass one over for good. Those of
            # that very instant already read are passed over by count.
            last = max(o.modified_at for o in current.objects)
            at_last = sum(1 for o in current.objects if o.modified_at == last)
            skip = skip + at_last if last == lower else at_last
            lower = last
            if skip + hubspot_api.PAGE_SIZE > SEARCH_CAP:
                # More objects of one millisecond than the search will page through: the rest
                # of that instant is passed over (they come back with their next edit) rather
                # than stopping every run here.
                log.warning("HubSpot %s: over %s objects modified at %s; passing the rest of that instant",
                            page.object_type, f"{SEARCH_CAP:,}", lower.isoformat())  # fmt: skip
                lower, skip = lower + timedelta(milliseconds=1), 0
            current = reader.search(
                page.object_type, properties, lower, end, str(skip) if skip else None
            )

    def _write_page(
        self,
        connection: CrmConnection,
        mapping: CrmMapping,
        cursors: dict[str, str],
        page: _Page,
        objects: list[CrmObject],
        report: SyncReport,
    ) -> None:
        report.read += len(objects)
        if not objects:
            return
        connection_id = persisted_id(connection)
        # The cursor moves with the page: a run stopped after this commit starts from here
        # (objects modified at the same instant are read again, and change nothing).
        cursors_now = dict(cursors)
        key = page.object_type if page.source == LIVE_SOURCE else backfill_key(page.object_type)
        cursors_now[key] = max(o.modified_at for o in objects).isoformat()
        before = report.changed_objects
        with self.db.write() as session:
            self._apply(session, connection.workspace_id, mapping, page, objects, report)
            # The cursor and the renewed lease in one statement; a page of a run whose lease
            # ran out and was taken over is rolled back.
            if not crm.save_page(
                session, connection_id, self.instance, cursors_now, self.clock.now(), LEASE
            ):
                raise CrmError(TAKEN_OVER)
            if _crossed_statistics_mark(before, report.changed_objects):
                crm.refresh_statistics(session)
        cursors.update(cursors_now)

    def _keep_lease(self, session: Session, connection_id: int) -> None:
        """Each page renews the lease, so a long backfill keeps it; one whose lease ran out
        (no page for LEASE) and was taken over stops before writing anything more."""
        if not crm.take_lock(session, connection_id, self.instance, self.clock.now(), LEASE):
            raise CrmError(TAKEN_OVER)

    def _archived(
        self,
        reader: HubSpotReader,
        connection: CrmConnection,
        mapping: CrmMapping,
        page: _Page,
        report: SyncReport,
    ) -> None:
        """Archived (deleted) objects: those still live here lose their entries. The list is
        read again by every run, so one that fails (not a refused token) is put off to the next
        run instead of stopping this one before the other kinds."""
        try:
            for objects in reader.archived(page.object_type, mapping.properties(page.object_type)):
                if not objects:
                    continue
                with self.db.write() as session:
                    self._keep_lease(session, persisted_id(connection))
                    self._apply(session, connection.workspace_id, mapping, page, objects, report)
        except CrmRefused:
            raise
        except CrmError as failed:
            if str(failed) == TAKEN_OVER:
                raise
            report.put_off.append(f"archived {page.object_type}: {failed}")
            log.warning("HubSpot archived %s not read this run: %s", page.object_type, failed)

    # ------------------------------------------------------------------ writing

    def _apply(
        self,
        session: Session,
        workspace_id: int,
        mapping: CrmMapping,
        page: _Page,
        objects: list[CrmObject],
        report: SyncReport,
    ) -> None:
        object_type = page.object_type
        now = self.clock.now()
        # The same object twice in a page (it changed while we paged): its last state wins.
        latest = {o.object_id: o for o in objects}
        stored = crm.records(session, workspace_id, PROVIDER, object_type, latest)
        inserts: list[RecordWrite] = []
        updates: list[tuple[int, RecordWrite]] = []
        changed: list[RecordWrite] = []
        for object_id, obj in latest.items():
            facts = _facts(obj, mapping.properties(object_type))
            write = RecordWrite(
                object_type,
                object_id,
                obj.properties.get(OWNER_PROPERTY) or None,
                facts,
                obj.archived,
                obj.modified_at,
            )
            before = stored.get(object_id)
            if before is None:
                if obj.archived:
                    continue  # deleted before we ever saw it
                inserts.append(write)
            elif (
                before.facts == facts
                and before.archived == obj.archived
                and before.owner_id == write.owner_id
            ):
                continue
            else:
                updates.append((before.id, write))
            changed.append(write)
        if not changed:
            return
        crm.insert_records(session, workspace_id, PROVIDER, inserts, now)
        crm.update_records(session, updates, now)
        report.changed_objects += len(changed)
        known = {w.object_id for _, w in updates}
        self._derive(session, workspace_id, mapping, page, changed, known, report, now)

    def _derive(
        self,
        session: Session,
        workspace_id: int,
        mapping: CrmMapping,
        page: _Page,
        records: list[RecordWrite],
        known: set[str],
        report: SyncReport,
        now: datetime,
    ) -> None:
        """Make the entries of these records what their facts say."""
        refs = {ref_of(r.object_type, r.object_id): r for r in records}
        existing: dict[str, dict[str, crm.SyncedEntry]] = {}
        if known:
            for entry in crm.live_entries(
                session,
                workspace_id,
                [ref_of(r.object_type, r.object_id) for r in records if r.object_id in known],
            ):
                existing.setdefault(entry.external_ref, {})[entry.metric] = entry
        adds: list[EntryWrite] = []
        corrections: list[tuple[int, int, date, int]] = []
        removals: list[int] = []
        events: list[dict] = []
        for ref, record in refs.items():
            person = page.owner_people.get(record.owner_id or "")
            wanted: dict[str, tuple[int, Derived]] = {}
            if person is not None and not record.archived:
                zone = page.zones.get(person, "UTC")
                for d in derive(record.object_type, json.loads(record.facts), mapping, zone):
                    wanted[d.metric] = (person, d)
            have = existing.get(ref, {})
            for metric, (person_id, d) in wanted.items():
                old = have.get(metric)
                if old is None:
                    adds.append(
                        EntryWrite(
                            ref,
                            batch_of(record.object_type, record.object_id),
                            person_id,
                            metric,
                            d.day,
                            d.quantity,
                            page.source,
                        )
                    )
                elif (old.person_id, old.day, old.quantity) != (person_id, d.day, d.quantity):
                    corrections.append((old.id, person_id, d.day, d.quantity))
                    events.append({
                        "action": "crm.entry_corrected", "subject_id": old.id,
                        "before": {"person_id": old.person_id, "metric": metric, "day": old.day, "quantity": old.quantity},
                        "after": {"person_id": person_id, "metric": metric, "day": d.day, "quantity": d.quantity},
                        "reason": f"HubSpot {record.object_type[:-1]} {record.object_id} changed",
                    })  # fmt: skip
            for metric, old in have.items():
                if metric not in wanted:
                    removals.append(old.id)
                    why = (
                        "archived"
                        if record.archived
                        else "no longer counts"
                        if person is not None
                        else "has no matched owner"
                    )
                    events.append({
                        "action": "crm.entry_removed", "subject_id": old.id,
                        "before": {"person_id": old.person_id, "metric": metric, "day": old.day, "quantity": old.quantity},
                        "reason": f"HubSpot {record.object_type[:-1]} {record.object_id} {why}",
                    })  # fmt: skip
        if not (adds or corrections or removals):
            return
        actor = page.actor
        crm.insert_entries(session, workspace_id, adds, actor, now)
        crm.correct_entries(session, corrections)
        crm.remove_entries(session, removals, actor, now)
        crm.audit_many(session, workspace_id, actor, now, events)
        report.added += len(adds)
        report.corrected += len(corrections)
        report.removed += len(removals)

    # ------------------------------------------------------------------ owners

    def _sync_owners(self, reader: HubSpotReader, workspace_id: int, report: SyncReport) -> None:
        found = list(reader.owners())
        report.owners = len(found)
        now = self.clock.now()
        with self.db.write() as session:
            stored = crm.save_owners(
                session,
                workspace_id,
                PROVIDER,
                [(o.owner_id, o.email, o.first_name, o.last_name) for o in found],
                now,
            )
            rows = {o.owner_id: stored[o.owner_id] for o in found}
            unmatched = [o for o in found if rows[o.owner_id].person_id is None]
        if unmatched and self.slack_members is not None:
            self._people_from_slack(workspace_id, unmatched)
        newly: list[str] = []
        with self.db.write() as session:
            candidates = crm.match_candidates(session, workspace_id)
            for owner in unmatched:
                person, how = match_owner(owner, candidates)
                if person is not None:
                    crm.link_owner(
                        session, workspace_id, PROVIDER, owner.owner_id, person, how, now
                    )
                    newly.append(owner.owner_id)
        if newly:
            self.rederive_owners(workspace_id, newly)
        with self.db.write() as session:
            still = [
                row
                for row in crm.owners(session, workspace_id, PROVIDER)
                if row.person_id is None and row.owner_id in rows
            ]
            report.unmatched = [
                owner_label(row.email, row.first_name, row.last_name, row.owner_id) for row in still
            ]
            fresh = [row for row in still if row.reported_at is None]
            if fresh:
                crm.mark_reported(session, [row.id for row in fresh if row.id is not None], now)
                self._queue_admin_notice(
                    session,
                    workspace_id,
                    "unmatched:" + ",".join(r.owner_id for r in fresh)[:50],
                    _unmatched_text(
                        [owner_label(r.email, r.first_name, r.last_name, r.owner_id) for r in fresh]
                    ),
                    now,
                )

    def _people_from_slack(self, workspace_id: int, unmatched: list[Owner]) -> None:
        """Slack members who are unmatched owners (by email or name) become people, so the
        owner matches a Slack user who never used Paceline yet."""
        assert self.slack_members is not None
        emails = {o.email.lower() for o in unmatched if o.email}
        names = {full_name(o.first_name, o.last_name) for o in unmatched} - {""}
        try:
            profiles = [
                p for p in self.slack_members(workspace_id)
                if not p.is_bot and not p.deactivated
                and ((p.email or "").lower() in emails or _norm(p.real_name) in names or _norm(p.display_name) in names)
            ]  # fmt: skip
        except Exception as error:  # Slack's directory is a help, not a must
            log.warning(
                "Slack's users.list failed while matching HubSpot owners: %s", type(error).__name__
            )
            return
        if profiles:
            now = self.clock.now()
            with self.db.write() as session:
                for profile in profiles:
                    upsert_from_slack(session, workspace_id, profile, now)

    def rederive_owners(self, workspace_id: int, owner_ids: list[str]) -> int:
        """After an owner is matched or linked by hand: their objects' entries, from the facts
        kept, on the person's days. Returns the number of entries changed."""
        with self.db.write() as session:
            records = crm.records_of_owners(session, workspace_id, PROVIDER, owner_ids)
            return self._rederive(session, workspace_id, records)

    def rederive_all(self, workspace_id: int, slice_size: int = 2000) -> int:
        """After the mapping changed: every live object's entries again, a slice at a time."""
        changed, after = 0, 0
        while True:
            with self.db.write() as session:
                records = crm.all_live_records(session, workspace_id, PROVIDER, after, slice_size)
                if not records:
                    return changed
                changed += self._rederive(session, workspace_id, records)
            after = records[-1].id

    def _rederive(self, session: Session, workspace_id: int, records: list[StoredRecord]) -> int:
        report = SyncReport(workspace_id)
        found = crm.connection(session, workspace_id, PROVIDER)
        mapping = CrmMapping.from_json(found.mapping if found else None)
        owner_people = crm.owner_people(session, workspace_id, PROVIDER)
        zones = crm.person_zones(session, workspace_id, set(owner_people.values()))
        by_type: dict[str, list[StoredRecord]] = {}
        for record in records:
            by_type.setdefault(record.object_type, []).append(record)
        now = self.clock.now()
        actor = crm.crm_person_id(session, workspace_id, now)
        for object_type, stored in by_type.items():
            page = _Page(object_type, QUIET_SOURCE, owner_people, zones, actor)
            writes = [
                RecordWrite(r.object_type, r.object_id, r.owner_id, r.facts, r.archived, now)
                for r in stored
            ]
            self._derive(
                session,
                workspace_id,
                mapping,
                page,
                writes,
                {r.object_id for r in stored},
                report,
                now,
            )
        return report.added + report.corrected + report.removed

    # ------------------------------------------------------------------ notices

    def _tell_admins(self, workspace_id: int, period: str, text: str) -> None:
        with self.db.write() as session:
            self._queue_admin_notice(session, workspace_id, period, text, self.clock.now())

    def _queue_admin_notice(
        self, session: Session, workspace_id: int, period: str, text: str, now: datetime
    ) -> None:
        """A DM to each admin, once per key (an outbox key repeats nothing)."""
        items = [
            Outgoing(
                workspace_id, DeliveryKey(NOTICE_JOB, 0, period, user_id), Message(user_id, text)
            )
            for user_id in admin_ids(session, workspace_id, self.admins)
        ]
        outbox.enqueue(session, items, now)


def _facts(obj: CrmObject, properties: tuple[str, ...]) -> str:
    return json.dumps(
        {name: obj.properties.get(name) for name in properties if name != "hs_lastmodifieddate"},
        sort_keys=True,
    )


def _norm(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def full_name(first: str | None, last: str | None) -> str:
    return _norm(f"{first or ''} {last or ''}")


def owner_label(email: str | None, first: str | None, last: str | None, owner_id: str) -> str:
    name = " ".join(p for p in (first, last) if p)
    if name and email:
        return f"{name} <{email}> (owner {owner_id})"
    return f"{name or email or 'no name'} (owner {owner_id})"


def match_owner(owner: Owner, candidates: list[crm.Candidate]) -> tuple[int | None, str | None]:
    """The person an owner is: the one with their email, else the only one with their full
    name. Two people with the name: nobody (a person links them with /team link)."""
    if owner.email:
        by_email = [
            c.person_id for c in candidates if c.email and c.email.lower() == owner.email.lower()
        ]
        if len(by_email) == 1:
            return by_email[0], "email"
    name = full_name(owner.first_name, owner.last_name)
    if name:
        by_name = {c.person_id for c in candidates if any(_norm(n) == name for n in c.names)}
        if len(by_name) == 1:
            return next(iter(by_name)), "name"
    return None, None


def admin_ids(session: Session, workspace_id: int, extra: frozenset[str]) -> list[str]:
    """The Slack ids the sync's notices go to: the admins Paceline knows, and PACELINE_ADMINS."""
    known = {p.slack_user_id for p in goals.admins(session, workspace_id, extra) if p.slack_user_id}
    return sorted(known | set(extra))


def _refused_text(problem: str) -> str:
    return (
        f":warning: HubSpot sync stopped: {problem} Nothing was changed. Fix the token "
        "(`paceline crm connect hubspot`, or HUBSPOT_ACCESS_TOKEN) and the next sync goes on from where it stopped."
    )


def _unmatched_text(labels: list[str]) -> str:
    shown = labels[:20]
    more = f"\n… and {len(labels) - 20} more" if len(labels) > 20 else ""
    # Owners' names and emails are HubSpot's text: escaped, so a name holding <!channel> pings nobody.
    lines = "\n".join(f"• {escape(label)}" for label in shown)
    return (
        f"HubSpot sync: {len(labels)} HubSpot owner{'s' if len(labels) != 1 else ''} matched nobody in Slack "
        f"(by email, then by name), so their activity is not counted yet:\n{lines}{more}\n"
        'Link each with `/team link "Full Name" @person` (the name as HubSpot has it).'
    )
