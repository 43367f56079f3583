"""The HubSpot sync (`bot/crm/sync.py`) at scale, on SQLite and PostgreSQL:
`python -m bench --only crm [--quick] [--backend …] [--profile]`.

A world per size: one workspace, 200 people (each a HubSpot owner, matched by email) in 20
teams of 20 different time zones, and the stand-in HubSpot API (`StandInHubSpot`, over
HTTP, bulk-loaded with `put_many`) holding 100,000 engagements — 60,000 calls, 20,000
meetings (some demos), 20,000 emails, with statuses, outcomes and directions that do and do
not count — and 10,000 deals (30 % closed-won with amounts, some lost, the rest open), over
the past year; plus 1 % more engagements archived before the first sync (listed only as
archived: they count for nothing).

Each sync runs as the scheduler or `paceline crm sync` runs it, built by
`bot.crm.connection.build_sync`, in a child process of its own (`python -m bench.crm_child`),
so its peak memory is the child's own (`ru_maxrss` from `os.wait4`). The stand-in lives in
this process: its memory is not counted, its CPU is (the machine's cores are shared). In
order:

1. **backfill** (the connection's first sync): every object read and its entries made;
2. **re-sync** right after it: must change nothing (0 added, corrected, removed);
3. **1,000 changes** in HubSpot: amounts of won deals edited, deals moved to and from
   closed-won, new calls, meetings archived;
4. **incremental** sync: must add, correct and remove exactly what the changes imply.

After the backfill and after the incremental sync the live synced entries are compared with
what the generated data implies, computed here from the data as generated (docs/crm.md's
rules, by metric, person and local day in the person's team's zone): any difference fails.
The same is done at ¼ size for the memory comparison: peak memory must not grow with the
number of objects. Targets: backfill under 60 s, incremental under 5 s, peak memory at full
size within 10 % of ¼ size. When the backfill misses its target or memory grows (or with
`--profile`) a ¼-size backfill runs once more under cProfile; its top functions go to
`bench/results/crm_profile_<backend>.txt` and into the report's details.
"""

from __future__ import annotations

import io
import json
import os
import pstats
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench import seed
from bench.harness import (
    CHECKS_HEADER,
    RESULTS_DIR,
    Options,
    Outcome,
    Say,
    backend_errors,
    backend_name,
    check_row,
    finished,
    run_bench,
    run_line,
    shown_path,
    table_row,
    tagged,
)

RESULTS_NAME = "crm_sync.md"
REPO = Path(__file__).resolve().parents[1]
TARGET_BACKFILL_SECONDS = 60.0
TARGET_INCREMENTAL_SECONDS = 5.0
GROWTH_LIMIT = 1.10  # peak memory of the full world's backfill ÷ the ¼ world's
SMALL_FACTOR = 4
ARCHIVED_BEFORE = 0.01  # engagements archived before the backfill, on top of the live ones
TIMEOUT_SECONDS = 1800
PROVIDER = "hubspot"
ZONES = (
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "America/St_Johns", "America/Anchorage", "Pacific/Honolulu",
    "Europe/London", "Europe/Berlin", "Europe/Helsinki", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Singapore",
    "Asia/Tokyo", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip
PERSON_TZ = "America/New_York"  # each person's own zone: their team's must win
METRICS = ("calls", "meetings", "demos", "emails", "opportunities", "deals", "revenue")

# What HubSpot holds, with weights; docs/crm.md says which count.
CALL_STATUSES = (("COMPLETED", 70), ("NO_ANSWER", 12), ("BUSY", 8), ("FAILED", 5), ("CANCELED", 5))
CALLS_NOT_COUNTED = frozenset(
    {"CANCELED", "FAILED", "QUEUED", "RINGING", "CONNECTING", "CALLING_CRM_USER"}
)
MEETING_OUTCOMES = (
    ("COMPLETED", 60),
    ("SCHEDULED", 25),
    ("CANCELED", 5),
    ("NO_SHOW", 5),
    ("RESCHEDULED", 5),
)
MEETINGS_NOT_COUNTED = frozenset({"CANCELED", "NO_SHOW", "RESCHEDULED"})
MEETING_TYPES = (("Demo", 30), ("Discovery", 40), (None, 30))
EMAIL_DIRECTIONS = (("EMAIL", 60), ("FORWARDED_EMAIL", 5), ("INCOMING_EMAIL", 35))
EMAILS_COUNTED = frozenset({"EMAIL", "FORWARDED_EMAIL"})
OPEN_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
)
WON_SHARE, LOST_SHARE = 0.30, 0.15
# The incremental's changes, as shares of `Plan.changes` (new calls take what is left).
CHANGE_MIX = (
    ("amount edited", 0.25),
    ("moved to won", 0.15),
    ("moved from won", 0.10),
    ("meeting archived", 0.20),
)


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    calls: int
    meetings: int
    emails: int
    deals: int
    owners: int = 200
    teams: int = 20
    changes: int = 1_000

    @classmethod
    def full(cls) -> Plan:
        return cls(60_000, 20_000, 20_000, 10_000)

    @classmethod
    def quick(cls) -> Plan:
        return cls(6_000, 2_000, 2_000, 1_000, changes=500)

    @property
    def engagements(self) -> int:
        return self.calls + self.meetings + self.emails

    @property
    def objects(self) -> int:
        return self.engagements + self.deals

    def scaled(self, factor: int) -> Plan:
        """The same world with 1/factor of the objects (owners, teams and changes kept)."""
        return replace(self, calls=max(1, self.calls // factor), meetings=max(1, self.meetings // factor),
                       emails=max(1, self.emails // factor), deals=max(1, self.deals // factor))  # fmt: skip

    def label(self) -> str:
        return f"{self.engagements:,} engagements + {self.deals:,} deals"


# ---------------------------------------------------------------------------- the world


@dataclass
class World:
    workspace_id: int
    owner_person: dict[str, int]
    owner_zone: dict[str, str]


def owner_id_of(index: int) -> str:
    return str(50_000 + index)


def email_of(index: int) -> str:
    return f"rep{index:04d}@bench.example"


def seed_world(url: str, plan: Plan, now: datetime) -> World:
    """Migrate, then one workspace, its teams (one zone each), its people (an email each,
    their own zone PERSON_TZ) spread over the teams, and the HubSpot connection (the
    environment's token)."""
    from storage import crm
    from storage.db import Database
    from storage.models import Person, Team, TeamMember, Workspace

    db = Database(url)
    try:
        db.upgrade()
        with db.write() as session:
            workspace = Workspace(slack_team_id=seed.TEAM_ID, name="Bench Co", created_at=now)
            session.add(workspace)
            session.flush()
            assert workspace.id is not None
            teams = [
                Team(
                    workspace_id=workspace.id,
                    name=f"crm-{t + 1:02d}",
                    name_key=f"crm-{t + 1:02d}",
                    tz=ZONES[t % len(ZONES)],
                    created_at=now,
                )  # fmt: skip
                for t in range(plan.teams)
            ]
            people = [
                Person(
                    workspace_id=workspace.id,
                    slack_user_id=f"UC{i:04d}",
                    name=f"rep{i:04d}",
                    real_name=f"Rep {i:04d}",
                    display_name=f"rep{i:04d}",
                    email=email_of(i),
                    tz=PERSON_TZ,
                    created_at=now,
                    refreshed_at=now,
                )  # fmt: skip
                for i in range(plan.owners)
            ]
            session.add_all([*teams, *people])
            session.flush()
            session.add_all(
                TeamMember(
                    workspace_id=workspace.id,
                    team_id=teams[i % plan.teams].id,
                    person_id=p.id,
                    added_at=now,
                )
                for i, p in enumerate(people)
            )
            crm.connect(session, workspace.id, PROVIDER, None, now)
            owner_person = {
                owner_id_of(i): int(p.id) for i, p in enumerate(people) if p.id is not None
            }
            owner_zone = {
                owner_id_of(i): ZONES[(i % plan.teams) % len(ZONES)] for i in range(plan.owners)
            }
            return World(workspace.id, owner_person, owner_zone)
    finally:
        db.dispose()


# ---------------------------------------------------------------------------- expectations

Key = tuple[str, int, date]  # metric, person id, local day


@dataclass
class Expected:
    """The live synced entries the data implies: count and quantity by metric, person, day."""

    count: Counter[Key] = field(default_factory=Counter)
    quantity: Counter[Key] = field(default_factory=Counter)

    def add(
        self, person: int, contributions: Mapping[str, tuple[date, int]], sign: int = 1
    ) -> None:
        for metric, (day, quantity) in contributions.items():
            key = (metric, person, day)
            self.count[key] += sign
            self.quantity[key] += sign * quantity
            if not self.count[key]:
                del self.count[key]
                self.quantity.pop(key, None)

    def entries(self) -> int:
        return sum(self.count.values())

    def by_metric(self) -> dict[str, tuple[int, int]]:
        found: dict[str, list[int]] = {}
        for key, n in self.count.items():
            row = found.setdefault(key[0], [0, 0])
            row[0] += n
            row[1] += self.quantity[key]
        return {m: (v[0], v[1]) for m, v in found.items()}


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _cents(value: Any) -> int:
    if not value:
        return 0
    return int(Decimal(str(value)) * 100)


def contributions(
    object_type: str, props: Mapping[str, Any], zone: str
) -> dict[str, tuple[date, int]]:
    """The entries (metric → local day, quantity) docs/crm.md says a live object stands for."""
    tz = ZoneInfo(zone)

    def day(name: str) -> date | None:
        instant = _instant(props.get(name))
        return None if instant is None else instant.astimezone(tz).date()

    found: dict[str, tuple[date, int]] = {}
    when = day("hs_timestamp")
    if object_type == "calls" and when and props.get("hs_call_status") not in CALLS_NOT_COUNTED:
        found["calls"] = (when, 1)
    elif (
        object_type == "meetings"
        and when
        and props.get("hs_meeting_outcome") not in MEETINGS_NOT_COUNTED
    ):
        found["meetings"] = (when, 1)
        if props.get("hs_activity_type") == "Demo":
            found["demos"] = (when, 1)
    elif object_type == "emails" and when and props.get("hs_email_direction") in EMAILS_COUNTED:
        found["emails"] = (when, 1)
    elif object_type == "deals":
        created = day("createdate")
        if created:
            found["opportunities"] = (created, 1)
        closed = day("closedate")
        if props.get("hs_is_closed_won") == "true" and closed:
            found["deals"] = (closed, 1)
            if _cents(props.get("amount")) > 0:
                found["revenue"] = (closed, _cents(props.get("amount")))
    return found


# ---------------------------------------------------------------------------- HubSpot's data


@dataclass
class Loaded:
    """What was put in the stand-in, as far as the changes need it."""

    expected: Expected
    won: list[int]
    open: list[int]
    next_call_id: int
    archived_before: int
    seconds: float = 0.0


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def load_standin(hs: Any, plan: Plan, world: World, now: datetime, rng: random.Random) -> Loaded:
    """Owners, then every object (streamed into `put_many`, the expectations counted as they
    go), then the extra archived engagements."""
    started = time.perf_counter()
    for i in range(plan.owners):
        hs.add_owner(owner_id_of(i), email_of(i), f"Rep{i:04d}", "Bench")
    owners = sorted(world.owner_person)
    expected = Expected()
    end = now - timedelta(hours=2)  # nothing modified in the sync's 2-minute overlap
    year = int(timedelta(days=365).total_seconds())
    base = end - timedelta(days=365)

    def engagements(
        kind: str, first: int, count: int, counted: bool
    ) -> Iterator[tuple[str, dict, datetime]]:
        for object_id in range(first, first + count):
            owner = rng.choice(owners)
            at = base + timedelta(seconds=rng.randrange(year))
            props: dict[str, Any] = {"hs_timestamp": at, "hubspot_owner_id": owner}
            if kind == "calls":
                props["hs_call_status"] = _weighted(rng, CALL_STATUSES)
            elif kind == "meetings":
                props["hs_meeting_outcome"] = _weighted(rng, MEETING_OUTCOMES)
                props["hs_activity_type"] = _weighted(rng, MEETING_TYPES)
            else:
                props["hs_email_direction"] = _weighted(rng, EMAIL_DIRECTIONS)
            if counted:
                expected.add(
                    world.owner_person[owner], contributions(kind, props, world.owner_zone[owner])
                )
            modified = min(end, at + timedelta(seconds=rng.randrange(2 * 86_400)))
            yield str(object_id), props, modified

    archived_before = 0
    for kind, count in (
        ("calls", plan.calls),
        ("meetings", plan.meetings),
        ("emails", plan.emails),
    ):
        extra = int(count * ARCHIVED_BEFORE)
        hs.put_many(kind, engagements(kind, 1, count, True))
        hs.put_many(kind, engagements(kind, count + 1, extra, False))
        for object_id in range(count + 1, count + 1 + extra):
            hs.archive(kind, str(object_id))
        archived_before += extra

    won: list[int] = []
    still_open: list[int] = []

    def deals() -> Iterator[tuple[str, dict, datetime]]:
        for object_id in range(1, plan.deals + 1):
            owner = rng.choice(owners)
            created = base + timedelta(seconds=rng.randrange(year - 2 * 86_400))
            draw = rng.random()
            cents = rng.randint(50_000, 5_000_000)
            props: dict[str, Any] = {
                "dealname": f"Deal {object_id}", "createdate": created, "hubspot_owner_id": owner,
                "amount": f"{cents // 100}.{cents % 100:02d}", "pipeline": "default",
            }  # fmt: skip
            if draw < WON_SHARE + LOST_SHARE:
                closed = min(end, created + timedelta(seconds=rng.randrange(86_400, 90 * 86_400)))
                is_won = draw < WON_SHARE
                props.update(closedate=closed, dealstage="closedwon" if is_won else "closedlost",
                             hs_is_closed_won="true" if is_won else "false")  # fmt: skip
                if is_won:
                    won.append(object_id)
                touched = closed
            else:
                props.update(closedate=created + timedelta(days=rng.randrange(30, 120)),
                             dealstage=rng.choice(OPEN_STAGES), hs_is_closed_won="false")  # fmt: skip
                still_open.append(object_id)
                touched = created
            expected.add(
                world.owner_person[owner], contributions("deals", props, world.owner_zone[owner])
            )
            yield (
                str(object_id),
                props,
                min(end, touched + timedelta(seconds=rng.randrange(86_400))),
            )

    hs.put_many("deals", deals())
    calls_archived = int(plan.calls * ARCHIVED_BEFORE)
    return Loaded(expected, won, still_open, plan.calls + calls_archived + 1, archived_before,
                  time.perf_counter() - started)  # fmt: skip


@dataclass
class Changes:
    """The changes made before the incremental sync, and what they imply."""

    made: Counter[str] = field(default_factory=Counter)
    added: int = 0
    corrected: int = 0
    removed: int = 0
    seconds: float = 0.0
    latest: datetime | None = None  # the newest modification (or archiving) the stand-in stamped
    waited: float = 0.0  # seconds waited for the wall clock to pass it

    @property
    def objects(self) -> int:
        return sum(self.made.values())


def apply_changes(
    hs: Any, plan: Plan, world: World, loaded: Loaded, now: datetime, rng: random.Random
) -> Changes:
    """`plan.changes` objects changed in the stand-in (each modified now, by its clock): the
    expectations move with them, and the entries added, corrected and removed are counted
    from each object's contributions before and after."""
    started = time.perf_counter()
    changes = Changes()
    want = {what: int(plan.changes * share) for what, share in CHANGE_MIX}
    won = rng.sample(
        loaded.won, min(len(loaded.won), want["amount edited"] + want["moved from won"])
    )
    edited, unwon = won[: want["amount edited"]], won[want["amount edited"] :]
    to_won = rng.sample(loaded.open, min(len(loaded.open), want["moved to won"]))
    archived = rng.sample(range(1, plan.meetings + 1), min(plan.meetings, want["meeting archived"]))
    new_calls = plan.changes - len(edited) - len(unwon) - len(to_won) - len(archived)
    owners = sorted(world.owner_person)

    def change(what: str, object_type: str, object_id: int, props: dict[str, Any] | None) -> None:
        before = hs.get(object_type, str(object_id))
        if props is None:
            stamped = _instant(hs.archive(object_type, str(object_id))["archivedAt"])
        else:
            stamped = _instant(
                hs.put(object_type, str(object_id), props)["properties"]["hs_lastmodifieddate"]
            )
        if stamped is not None and (changes.latest is None or stamped > changes.latest):
            changes.latest = stamped
        after = hs.get(object_type, str(object_id))
        old = new = {}
        if before is not None and not before["archived"]:
            owner = before["properties"]["hubspot_owner_id"]
            old = contributions(object_type, before["properties"], world.owner_zone[owner])
            loaded.expected.add(world.owner_person[owner], old, -1)
        if not after["archived"]:
            owner = after["properties"]["hubspot_owner_id"]
            new = contributions(object_type, after["properties"], world.owner_zone[owner])
            loaded.expected.add(world.owner_person[owner], new)
        changes.made[what] += 1
        changes.added += len(new.keys() - old.keys())
        changes.removed += len(old.keys() - new.keys())
        changes.corrected += sum(1 for m in new.keys() & old.keys() if new[m] != old[m])

    for object_id in edited:
        amount = _cents(hs.get("deals", str(object_id))["properties"]["amount"]) + rng.randint(
            1, 100_000
        )
        change(
            "amount edited", "deals", object_id, {"amount": f"{amount // 100}.{amount % 100:02d}"}
        )
    for object_id in to_won:
        closed = now - timedelta(seconds=rng.randrange(5 * 86_400))
        change(
            "moved to won",
            "deals",
            object_id,
            {"hs_is_closed_won": "true", "dealstage": "closedwon", "closedate": closed},
        )
    for object_id in unwon:
        change(
            "moved from won",
            "deals",
            object_id,
            {"hs_is_closed_won": "false", "dealstage": "contractsent"},
        )
    for object_id in archived:
        change("meeting archived", "meetings", object_id, None)
    for n in range(new_calls):
        props = {"hs_timestamp": now - timedelta(seconds=rng.randrange(3 * 86_400)),
                 "hubspot_owner_id": rng.choice(owners), "hs_call_status": _weighted(rng, CALL_STATUSES)}  # fmt: skip
        change("new call", "calls", loaded.next_call_id + n, props)
    changes.seconds = time.perf_counter() - started
    # The stand-in stamps each change at least 1 ms after the one before, so a burst of
    # changes runs its clock ahead of the wall clock; HubSpot's stamps are never in the
    # future. A sync reads up to its own "now" (a change stamped later waits for the next
    # run), so wait until the wall clock has passed the newest stamp.
    if changes.latest is not None:
        ahead = (changes.latest - datetime.now(UTC)).total_seconds() + 0.05
        if ahead > 0:
            time.sleep(ahead)
            changes.waited = ahead
    return changes


# ---------------------------------------------------------------------------- checking


@dataclass
class Verification:
    expected: dict[str, tuple[int, int]]  # metric → (entries, quantity)
    synced: dict[str, tuple[int, int]]
    differing: int  # (metric, person, day) keys whose count or quantity differ
    samples: list[str]

    @property
    def ok(self) -> bool:
        return self.differing == 0 and self.expected == self.synced


def verify(url: str, workspace_id: int, expected: Expected) -> Verification:
    """The live synced entries, by metric, person and day, against the expectations."""
    from storage.db import make_engine
    from storage.models import Entry

    entry = Entry.__table__
    engine = make_engine(url)
    count: Counter[Key] = Counter()
    quantity: Counter[Key] = Counter()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    entry.c.metric,
                    entry.c.person_id,
                    entry.c.day,
                    sa.func.count(),
                    sa.func.sum(entry.c.quantity),
                )
                .where(
                    entry.c.workspace_id == workspace_id,
                    entry.c.external_ref.is_not(None),
                    entry.c.deleted_at.is_(None),
                )
                .group_by(entry.c.metric, entry.c.person_id, entry.c.day)
            )
            for metric, person, day, n, total in rows:
                count[(metric, person, day)] = int(n)
                quantity[(metric, person, day)] = int(total or 0)
    finally:
        engine.dispose()
    synced = Expected(count, quantity)
    keys = expected.count.keys() | count.keys()
    differing = sorted(
        k
        for k in keys
        if (expected.count.get(k, 0), expected.quantity.get(k, 0))
        != (count.get(k, 0), quantity.get(k, 0))
    )
    samples = [
        f"{m} person {p} {d}: expected {expected.count.get((m, p, d), 0)} ({expected.quantity.get((m, p, d), 0)}), "
        f"synced {count.get((m, p, d), 0)} ({quantity.get((m, p, d), 0)})"
        for m, p, d in differing[:5]
    ]
    return Verification(expected.by_metric(), synced.by_metric(), len(differing), samples)


# ---------------------------------------------------------------------------- one sync


@dataclass
class SyncRun:
    label: str
    seconds: float  # sync() inside the child
    wall: float  # the launcher and the sync process, start to exit
    peak_mb: float  # the sync process's ru_maxrss (os.wait4 in the launcher)
    code: int
    output: str
    data: dict[str, Any]
    standin_seconds: float  # the stand-in answering (JSON encoding excluded), in this process
    standin_requests: int

    @property
    def ok(self) -> bool:
        return (
            self.code == 0
            and bool(self.data)
            and not self.data.get("error")
            and not self.data.get("skipped")
        )

    def get(self, name: str) -> int:
        return int(self.data.get(name) or 0)

    @property
    def baseline_mb(self) -> float:
        """The sync process's peak before `sync()` (interpreter, imports, the built objects)."""
        return self.get("baseline_kib") / 1024

    @property
    def own_peak_mb(self) -> float:
        """The peak the sync process read from its own /proc/self/status (VmHWM) at the end."""
        return self.get("peak_kib") / 1024

    @property
    def objects_per_second(self) -> float:
        return self.get("read") / self.seconds if self.seconds else 0.0

    @property
    def pages(self) -> int:
        found = self.data.get("pages") or {}
        return int(found.get("search", 0)) + int(found.get("archived", 0))

    @property
    def statements(self) -> int:
        return sum((self.data.get("statements") or {}).values())

    @property
    def statements_per_page(self) -> float:
        return self.statements / self.pages if self.pages else 0.0


def run_sync(
    url: str, hs: Any, workspace_id: int, label: str, profile: Path | None = None
) -> SyncRun:
    """One sync in `python -m bench.crm_child`, through its small launcher (see there why):
    the sync's own timing and the sync process's peak RSS from `os.wait4`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL", "HUBSPOT_"))
    }
    env.update(PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    args = [
        sys.executable,
        "-m",
        "bench.crm_child",
        "--launch",
        url,
        hs.base_url,
        hs.token,
        str(workspace_id),
    ]
    if profile is not None:
        args += ["--profile", str(profile)]
    hs.clear_requests()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            child.wait(TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # the launcher and the sync under it
            child.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    data: dict[str, Any] = {}
    launched: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("{"):
            found = json.loads(line)
            if "launched_maxrss_kib" in found:
                launched = found
            else:
                data = found
    requests = hs.requests
    code = child.returncode if child.returncode is not None else -1
    return SyncRun(label, float(data.get("seconds") or 0.0), wall, int(launched.get("launched_maxrss_kib") or 0) / 1024,
                   code, output, data, sum(r.elapsed for r in requests), len(requests))  # fmt: skip


# ---------------------------------------------------------------------------- one world


@dataclass
class WorldResult:
    """One world (a size) on one backend: its syncs, the changes and the verifications."""

    plan: Plan
    seeding_seconds: float = 0.0
    loading_seconds: float = 0.0
    archived_before: int = 0
    expected_backfill: int = 0
    runs: dict[str, SyncRun] = field(default_factory=dict)
    changes: Changes | None = None
    after_backfill: Verification | None = None
    after_incremental: Verification | None = None
    problem: str | None = None

    def correctness(self) -> list[tuple[str, str, bool]]:
        """(check, measured, ok): what must hold whatever the timings."""
        checks: list[tuple[str, str, bool]] = []
        size = self.plan.label()
        backfill, resync, incremental = (
            self.runs.get(k) for k in ("backfill", "re-sync", "incremental")
        )
        ran = [r for r in (backfill, resync, incremental) if r is not None]
        failed = [
            f"{r.label}: exit {r.code}, {r.data.get('error') or r.data.get('skipped') or 'no report'}"
            for r in ran
            if not r.ok
        ]
        checks.append((f"{size}: every sync ran, every owner matched",
                       "; ".join(failed) or ("yes" if len(ran) == 3 and all(r.get("unmatched") == 0 for r in ran) else "no"),
                       not failed and len(ran) == 3 and all(r.get("unmatched") == 0 for r in ran)))  # fmt: skip
        if backfill is not None:
            ok = (
                backfill.get("added") == self.expected_backfill
                and backfill.get("read") == self.plan.objects
            )
            checks.append((f"{size}: backfill read every object and added the entries the data implies",
                           f"{backfill.get('read'):,} read of {self.plan.objects:,}; {backfill.get('added'):,} added of "
                           f"{self.expected_backfill:,}", ok))  # fmt: skip
        for label, found in (
            ("after the backfill", self.after_backfill),
            ("after the incremental sync", self.after_incremental),
        ):
            if found is not None:
                measured = (
                    "equal"
                    if found.ok
                    else f"{found.differing:,} (metric, person, day) differ: "
                    + "; ".join(found.samples)
                )
                checks.append(
                    (
                        f"{size}: live synced entries {label} == the generated data's",
                        measured,
                        found.ok,
                    )
                )
        if resync is not None:
            moved = (
                resync.get("added"),
                resync.get("corrected"),
                resync.get("removed"),
                resync.get("changed_objects"),
            )
            checks.append((f"{size}: a re-sync right after the backfill changes nothing",
                           "added {}, corrected {}, removed {}, objects changed {}".format(*moved), moved == (0, 0, 0, 0)))  # fmt: skip
        if incremental is not None and self.changes is not None:
            got = (
                incremental.get("added"),
                incremental.get("corrected"),
                incremental.get("removed"),
            )
            wanted = (self.changes.added, self.changes.corrected, self.changes.removed)
            checks.append((f"{size}: incremental added/corrected/removed == the changes imply",
                           f"{got[0]}/{got[1]}/{got[2]} vs {wanted[0]}/{wanted[1]}/{wanted[2]}", got == wanted))  # fmt: skip
        if self.problem:
            checks.append((f"{size}: world ran to the end", self.problem, False))
        return checks


def run_world(backend: str, plan: Plan, say: Say, *, incremental: bool = True) -> WorldResult:
    """Seed a fresh database and stand-in for `plan`, backfill, re-sync, change, sync again;
    verify after the backfill and after the incremental sync."""
    from tests.support.hubspot_api import StandInHubSpot

    result = WorldResult(plan)
    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(plan.objects)
    with (
        seed.bench_database(backend, seed.PG_DATABASE + "_crm") as database,
        StandInHubSpot() as hs,
    ):
        started = time.perf_counter()
        world = seed_world(database.url, plan, now)
        result.seeding_seconds = time.perf_counter() - started
        loaded = load_standin(hs, plan, world, now, rng)
        result.loading_seconds, result.archived_before = loaded.seconds, loaded.archived_before
        result.expected_backfill = loaded.expected.entries()
        say(f"{plan.label()}: seeded in {result.seeding_seconds:.1f} s, stand-in loaded in {loaded.seconds:.1f} s "
            f"({loaded.archived_before:,} archived before the backfill); {result.expected_backfill:,} entries expected")  # fmt: skip

        def sync(label: str) -> SyncRun:
            run = run_sync(database.url, hs, world.workspace_id, label)
            result.runs[label] = run
            say(f"{plan.label()} {label}: {run.seconds:.2f} s ({run.wall:.1f} s process), {run.objects_per_second:,.0f} objects/s, "
                f"peak {run.peak_mb:.0f} MB ({run.baseline_mb:.0f} MB before the sync), {run.get('requests'):,} requests, "
                f"{run.statements:,} statements; +{run.get('added'):,} ~{run.get('corrected'):,} -{run.get('removed'):,}")  # fmt: skip
            if not run.ok:
                result.problem = f"{label} failed (exit {run.code}): {run.output[-1500:]}"
                say(f"{label} FAILED:\n{run.output[-1500:]}")
            return run

        if not sync("backfill").ok:
            return result
        result.after_backfill = verify(database.url, world.workspace_id, loaded.expected)
        if not incremental:
            return result
        if not sync("re-sync").ok:
            return result
        result.changes = apply_changes(
            hs, plan, world, loaded, datetime.now(UTC).replace(microsecond=0), rng
        )
        say(f"{plan.label()}: {result.changes.objects:,} changes made in {result.changes.seconds:.1f} s "
            f"({', '.join(f'{n} {what}' for what, n in result.changes.made.items())})")  # fmt: skip
        if not sync("incremental").ok:
            return result
        result.after_incremental = verify(database.url, world.workspace_id, loaded.expected)
    return result


def profile_backfill(backend: str, plan: Plan, say: Say) -> tuple[Path, str]:
    """A backfill of a fresh `plan` world under cProfile (in the child): the text file
    written and its top functions by own time, for the details."""
    from tests.support.hubspot_api import StandInHubSpot

    now = datetime.now(UTC).replace(microsecond=0)
    path = RESULTS_DIR / f"crm_profile_{backend}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with seed.bench_database(backend, seed.PG_DATABASE + "_crm") as database, StandInHubSpot() as hs, \
            tempfile.TemporaryDirectory(prefix="paceline_bench_crm_") as tmp:  # fmt: skip
        world = seed_world(database.url, plan, now)
        load_standin(hs, plan, world, now, random.Random(plan.objects))
        stats_file = Path(tmp) / "backfill.prof"
        run = run_sync(
            database.url, hs, world.workspace_id, "profiled backfill", profile=stats_file
        )
        say(
            f"profiled backfill of {plan.label()}: {run.seconds:.1f} s under cProfile (stand-in {run.standin_seconds:.1f} s)"
        )
        if not stats_file.exists():
            path.write_text(f"no profile: the child exited {run.code}\n{run.output[-3000:]}")
            return path, ""
        out = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=out).strip_dirs()
        out.write(
            f"# cProfile of a backfill of {plan.label()} ({backend}), {run.seconds:.1f} s under the profiler\n"
        )
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        path.write_text(out.getvalue())
        top = io.StringIO()
        pstats.Stats(str(stats_file), stream=top).strip_dirs().sort_stats("tottime").print_stats(12)
    return path, top.getvalue()


# ---------------------------------------------------------------------------- a backend


@dataclass
class BackendResult:
    backend: str
    worlds: list[WorldResult] = field(default_factory=list)
    profile: tuple[Path, str] | None = None
    error: str | None = None
    server: str = ""  # PostgreSQL: the server's version and whether autovacuum (autoanalyze) runs

    def growth(self) -> float | None:
        peaks = [w.runs["backfill"].peak_mb for w in self.worlds if "backfill" in w.runs]
        return peaks[-1] / peaks[0] if len(peaks) == 2 and peaks[0] else None


def run_backend(backend: str, plan: Plan, options: Options, say: Say) -> BackendResult:
    say = tagged(say, backend)
    result = BackendResult(backend)
    with backend_errors(result, say):
        if backend == "postgresql":
            result.server = pg_server_settings()
        for size in (plan.scaled(SMALL_FACTOR), plan):
            result.worlds.append(run_world(backend, size, say))
        big = result.worlds[-1].runs.get("backfill")
        growth = result.growth()
        missed = (
            big is None
            or big.seconds >= TARGET_BACKFILL_SECONDS
            or (growth is not None and growth > GROWTH_LIMIT)
        )
        if options.profile or missed:
            result.profile = profile_backfill(backend, plan.scaled(SMALL_FACTOR), say)
    return result


def pg_server_settings() -> str:
    """What the PostgreSQL numbers depend on beyond the code: the bench's tables start empty
    and never analyzed (a first connection's), so whether autovacuum's autoanalyze runs
    during a long backfill changes the plans."""
    import psycopg

    with psycopg.connect(seed.pg_server_url(), autocommit=True) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                 for name in ("server_version", "autovacuum", "autovacuum_naptime", "synchronous_commit")}  # fmt: skip
    return ", ".join(f"{k} {v}" for k, v in shown.items())


# ---------------------------------------------------------------------------- the report

_RUNS = ("backfill", "re-sync", "incremental")


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    lines = [
        "# HubSpot sync",
        "",
        f"`python -m bench --only crm{' --quick' if quick else ''}` — {run_line(quick, seconds, loads)}",
        "",
        f"Worlds: {plan.owners} owners = people (matched by email) in {plan.teams} teams of {min(plan.teams, len(ZONES))} time zones; "
        f"the full world is {plan.label()}, the small one ¼ of it; 1 % more engagements archived before the backfill. "
        f"{plan.changes:,} changes before the incremental sync. Each sync is `bench/crm_child.py` (built by `build_sync`) in a child "
        "process: *Sync s* is `sync()` inside it, *Process s* the child from start to exit (interpreter and imports included), "
        "*Peak MB* its `ru_maxrss` (from `os.wait4` in a small launcher: a process spawned straight from the bench would start at "
        "the bench's size), *Before MB* its peak just before `sync()`. The stand-in HubSpot runs in the bench's process "
        "(not counted in Peak MB); *Stand-in s* is its time answering. PostgreSQL's tables start empty and never analyzed, "
        "as at a first connection (the server's autovacuum setting is in the details). *Pages* are non-empty search and archived-list pages; "
        "*Stmts/page* is the SQL statements (BEGIN included) per page.",
        "",
        "| Backend | World | Run | Objects read | Sync s | Objects/s | Process s | Peak MB | Before MB | Requests | Pages | "
        "Statements | Stmts/page | Added | Corrected | Removed | Stand-in s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks: list[str] = []
    details: list[str] = []
    broken = False
    all_ok = True

    def check(name: str, what: str, measured: str, ok: bool) -> None:
        nonlocal all_ok
        checks.append(check_row(name, what, measured, ok))
        all_ok = all_ok and ok

    for result in results:
        name = backend_name(result.backend)
        for world in result.worlds:
            for key in _RUNS:
                run = world.runs.get(key)
                if run is None:
                    continue
                lines.append(table_row(
                    name, world.plan.label(), key, f"{run.get('read'):,}", f"{run.seconds:.2f}", f"{run.objects_per_second:,.0f}",
                    f"{run.wall:.1f}", f"{run.peak_mb:.0f}", f"{run.baseline_mb:.0f}", f"{run.get('requests'):,}",
                    f"{run.pages:,}", f"{run.statements:,}", f"{run.statements_per_page:.1f}", f"{run.get('added'):,}",
                    f"{run.get('corrected'):,}", f"{run.get('removed'):,}", f"{run.standin_seconds:.1f}",
                ))  # fmt: skip
            for what, measured, ok in world.correctness():
                check(name, what, measured, ok)
            broken = broken or world.problem is not None
            details.append(f"- {name} {world.plan.label()}: seeded in {world.seeding_seconds:.1f} s, stand-in loaded in "
                           f"{world.loading_seconds:.1f} s ({world.archived_before:,} archived before the backfill)")  # fmt: skip
            if world.changes is not None:
                made = ", ".join(f"{n:,} {what}" for what, n in world.changes.made.items())
                details.append(f"  - changes: {made}; they imply {world.changes.added:,} added, "
                               f"{world.changes.corrected:,} corrected, {world.changes.removed:,} removed (made in "
                               f"{world.changes.seconds:.1f} s; then {world.changes.waited:.2f} s waited for the wall clock "
                               "to pass the stand-in's newest stamp)")  # fmt: skip
            for key in _RUNS:
                run = world.runs.get(key)
                if run is not None:
                    kinds = ", ".join(
                        f"{k} {n:,}"
                        for k, n in sorted(
                            (run.data.get("statements") or {}).items(), key=lambda kv: -kv[1]
                        )
                    )
                    pages = run.data.get("pages") or {}
                    details.append(f"  - {key}: {run.data.get('summary', '')} Pages: {pages}. Statements: {kinds}. "
                                   f"Peak by the sync process's own VmHWM: {run.own_peak_mb:.0f} MB.")  # fmt: skip
                    spent = sorted(
                        (run.data.get("execute_seconds") or {}).items(), key=lambda kv: -kv[1]
                    )
                    if spent and sum(v for _, v in spent) >= 0.05:
                        details.append(f"    - inside `cursor.execute`: {sum(v for _, v in spent):.1f} s — "
                                       + ", ".join(f"{k} {v:.1f} s" for k, v in spent[:6]))  # fmt: skip
                    timeline = run.data.get("timeline") or []
                    if len(timeline) == 11 and timeline[-1][1] >= 20:
                        details.append("    - search pages written, by tenths (page: seconds since the start, resident MB): " + ", ".join(
                            f"{pages_done}: {at:.1f} s, {rss / 1024:.0f} MB" for at, pages_done, rss in timeline))  # fmt: skip
        if result.server:
            details.append(f"- {name} server: {result.server}")
        if result.error:
            broken = True
            check(name, "the bench ran", result.error, False)
            continue
        if len(result.worlds) == 2 and all("backfill" in w.runs for w in result.worlds):
            small, big = result.worlds
            b = big.runs["backfill"]
            check(name, f"backfill of {big.plan.objects:,} objects < {TARGET_BACKFILL_SECONDS:.0f} s",
                  f"{b.seconds:.1f} s ({b.objects_per_second:,.0f} objects/s)", b.seconds < TARGET_BACKFILL_SECONDS)  # fmt: skip
            inc = big.runs.get("incremental")
            if inc is not None:
                check(name, f"incremental sync of {plan.changes:,} changes < {TARGET_INCREMENTAL_SECONDS:.0f} s",
                      f"{inc.seconds:.2f} s", inc.seconds < TARGET_INCREMENTAL_SECONDS)  # fmt: skip
            s = small.runs["backfill"]
            growth = b.peak_mb / s.peak_mb
            check(name, f"backfill peak memory, {big.plan.objects:,} objects ≤ {GROWTH_LIMIT:.2f} × {small.plan.objects:,}",
                  f"{b.peak_mb:.0f} MB vs {s.peak_mb:.0f} MB ({growth:.2f}×; above the pre-sync peak: "
                  f"{b.peak_mb - b.baseline_mb:.0f} vs {s.peak_mb - s.baseline_mb:.0f} MB)", growth <= GROWTH_LIMIT)  # fmt: skip
        if result.profile is not None:
            path, top = result.profile
            details.append(f"- {name} profile of a ¼-size backfill: {shown_path(path)}")
            if top:
                details += [
                    "",
                    "```",
                    *[line for line in top.splitlines() if line.strip()][:24],
                    "```",
                    "",
                ]

    lines += ["", "## Synced entries (live), by metric", "",
              "| Backend | World | After | " + " | ".join(METRICS) + " | revenue $ | Equal |",
              "|---|---|---|" + "---:|" * (len(METRICS) + 1) + "---|"]  # fmt: skip
    for result in results:
        for world in result.worlds:
            for label, found in (
                ("backfill", world.after_backfill),
                ("incremental", world.after_incremental),
            ):
                if found is None:
                    continue
                for side, numbers in (("expected", found.expected), ("synced", found.synced)):
                    lines.append(table_row(
                        backend_name(result.backend), world.plan.label(), f"{label}: {side}",
                        *[f"{numbers.get(m, (0, 0))[0]:,}" for m in METRICS],
                        f"{numbers.get('revenue', (0, 0))[1] / 100:,.2f}", ("yes" if found.ok else "**no**") if side == "synced" else "",
                    ))  # fmt: skip
    lines += [*CHECKS_HEADER, *checks, "", "## Details", "", *details]
    return finished(lines, broken, all_ok and not broken)


def run(options: Options, load: object, say: Say) -> Outcome:
    """`python -m bench --only crm`; `load` (the HTTP load process) is not used."""

    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, options, say)

    def detail(plan: Plan) -> str:
        return f"{plan.label()} for {plan.owners} owners, and ¼ of it"

    return run_bench(
        options, say, "crm", "HubSpot sync", RESULTS_NAME, Plan, measure, report, detail
    )
