"""`paceline console --demo`: a team with six weeks of believable history to explore.

Deterministic (seeded) and idempotent: a second run finds everything in place and adds
nothing. People are seeded the way the app meets them — as Slack profiles — with the same
user ids the console registers in the stand-in, so `as @dana` is the seeded manager.
"""

from __future__ import annotations

import csv
import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot.clock import Clock, local_today, zone
from bot.console.render import stable_id
from bot.core.team_grammar import team_key
from bot.standin.slack_api import StandInSlack
from storage import entries, goals, people, teams, workspaces
from storage.db import Database
from storage.entries import NewEntry
from storage.models import Person
from storage.rows import persisted_id

TEAM_NAME = "east"
CHANNEL_NAME = "sales-east"
MANAGER = ("dana", "Dana Whitfield")
REP_COUNT = 8
WEEKS = 6
SEED = 2026
WORKWEEK = "0,1,2,3,4"

# The CRM sample's team list, shipped in the repository (samples/crm/); the demo falls back
# to FALLBACK_REPS when it is missing.
CRM_TEAMS_CSV = Path(__file__).resolve().parents[2] / "samples" / "crm" / "sales_teams.csv"
FALLBACK_REPS = (
    "Violet Mclelland",
    "Corliss Cosme",
    "Rosie Papadopoulos",
    "Garret Kinder",
    "Wilburn Farren",
    "Elizabeth Anderson",
    "Boris Faz",
    "Natalya Ivanova",
)
# How each rep compares with the team's typical day: a couple of stars, a couple lagging.
SKILLS = (1.35, 1.2, 1.05, 1.0, 0.95, 0.85, 0.65, 0.5)
_NAMESPACE = uuid.UUID("6f0c1d1e-5d1b-4c52-9a53-0d1e2c3b4a59")


@dataclass(frozen=True)
class DemoPerson:
    handle: str
    real_name: str


@dataclass(frozen=True)
class DemoBatch:
    """One rep's /log of one day, as the demo seeds it."""

    day: date
    created_at: datetime
    batch_id: str
    amounts: list[tuple[str, int]]


@dataclass(frozen=True)
class DemoSummary:
    team: str
    manager: str
    reps: tuple[str, ...]
    entries: int  # demo entries in the workspace now
    added: int  # of which this run inserted
    weeks: int = WEEKS

    def line(self) -> str:
        tip = f"Try: as @{self.manager}, /team show {self.team}"
        if self.reps:
            tip += f" — or as @{self.reps[0]}, /log list week"
        if self.added == 0:
            return (
                f"Demo: team {self.team} is already seeded ({len(self.reps)} reps, "
                f"{self.entries:,} entries). {tip}"
            )
        return (
            f"Demo: team {self.team} with {len(self.reps)} reps and {self.entries:,} entries "
            f"over six weeks. {tip}"
        )


def demo_people(csv_path: Path = CRM_TEAMS_CSV) -> tuple[DemoPerson, list[DemoPerson]]:
    """The manager and the reps: East-office agents from the CRM sample when it is there."""
    names = _crm_names(csv_path) or list(FALLBACK_REPS)
    reps: list[DemoPerson] = []
    taken = {MANAGER[0]}
    for real_name in names:
        first, *rest = real_name.split()
        handle = re.sub(r"[^\w.\-]", "", first.lower())
        if handle in taken and rest:
            handle = handle + "." + re.sub(r"[^\w.\-]", "", rest[-1].lower())
        if not handle or handle in taken:
            continue
        taken.add(handle)
        reps.append(DemoPerson(handle, real_name))
        if len(reps) == REP_COUNT:
            break
    return DemoPerson(*MANAGER), reps


def seed_demo(
    db: Database,
    clock: Clock,
    workspace_team_id: str = "T_CONSOLE",
    standin: StandInSlack | None = None,
    tz: str = "UTC",
    csv_path: Path = CRM_TEAMS_CSV,
) -> DemoSummary:
    """Seed team east, its manager, reps and their history; safe to run again."""
    now = clock.now()
    manager, reps = demo_people(csv_path)
    today = local_today(clock, tz)
    with db.write() as session:
        ws = workspaces.ensure_workspace(session, workspace_team_id, None, now)
        seeded: dict[str, Person] = {}
        for person in [manager, *reps]:
            seeded[person.handle] = _ensure_person(session, ws, person, tz, now)
        team = teams.by_key(session, ws, team_key(TEAM_NAME))
        if team is None:
            team = teams.create_team(
                session,
                ws,
                name=TEAM_NAME,
                name_key=team_key(TEAM_NAME),
                channel_id=stable_id("C", CHANNEL_NAME),
                channel_name=CHANNEL_NAME,
                tz=tz,
                workweek=WORKWEEK,
                holidays_country=None,
                now=now,
            )
        team_id = persisted_id(team)
        teams.add_manager(session, ws, team_id, _id(seeded[manager.handle]), now)
        for rep in reps:
            person_id = _id(seeded[rep.handle])
            if teams.team_of(session, ws, person_id) is None:
                teams.add_member(session, ws, team_id, person_id, now)

        _seed_goals(
            session,
            ws,
            team_id,
            [_id(seeded[r.handle]) for r in reps],
            _id(seeded[manager.handle]),
            today,
            now,
        )
        already = entries.people_with_source(session, ws, "demo")
        # One generator per rep, drawn in a fixed order from the seed, so a rep's history
        # does not depend on which others were seeded before.
        master = random.Random(SEED)
        added = 0
        for rep, skill in zip(reps, SKILLS, strict=False):
            rng = random.Random(master.getrandbits(64))
            person_id = _id(seeded[rep.handle])
            if person_id not in already:
                for batch in _history(ws, person_id, skill, today, tz, rng):
                    _add_batch(session, ws, person_id, batch)
                    added += len(batch.amounts)
        total = entries.count_from_source(session, ws, "demo")
        team_name = team.name
        channel_id, channel_name = team.channel_id, team.channel_name
        profiles = {p.handle: seeded[p.handle] for p in [manager, *reps]}

    if standin is not None:
        if channel_id and channel_name:
            standin.add_channel(channel_id, channel_name)
        for person in profiles.values():
            assert person.slack_user_id is not None
            standin.add_user(
                person.slack_user_id,
                person.name,
                real_name=person.real_name,
                tz=person.tz or tz,
                is_admin=person.slack_admin,
                email=person.email,
            )
    return DemoSummary(
        team=team_name,
        manager=manager.handle,
        reps=tuple(r.handle for r in reps),
        entries=total,
        added=added,
    )


def _seed_goals(
    session: Session,
    ws: int,
    team_id: int,
    rep_ids: list[int],
    manager_id: int,
    today: date,
    now: datetime,
) -> None:
    """Goals of every kind a digest shows, once: weekly calls per rep (stretch for the
    strongest), a monthly team revenue total, an all-or-nothing demos goal and a meetings
    contest this week."""
    if goals.count_with_origin(session, ws, "demo"):
        return
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=WEEKS)

    def goal(
        kind: str,
        metric: str,
        period_kind: str,
        target: int | None,
        start: date,
        *,
        person_id: int | None = None,
        team_id: int | None = None,
        end: date | None = None,
        stretch_pct: int | None = None,
        reward: str | None = None,
        prize: str | None = None,
    ) -> None:
        goals.add_goal(
            session,
            workspace_id=ws,
            kind=kind,
            person_id=person_id,
            team_id=team_id,
            metric=metric,
            period_kind=period_kind,
            target=target,
            start=start,
            end=end,
            stretch_pct=stretch_pct,
            weights=None,
            reward=reward,
            prize=prize,
            ramp_last=None,
            ramp_step=None,
            origin="demo",
            created_by_id=manager_id,
            created_at=now,
            idempotency_key=None,
        )

    for rep_id, skill in zip(rep_ids, SKILLS, strict=False):
        stretch = 125 if skill >= 1.05 else None
        goal(
            "individual", "calls", "week", 190, first_monday, person_id=rep_id, stretch_pct=stretch
        )
    goal("team", "revenue", "month", 450_000 * 100, first_monday.replace(day=1), team_id=team_id)
    goal(
        "collective", "demos", "week", 4, first_monday, team_id=team_id, reward="team lunch on Dana"
    )
    contest_end = this_monday + timedelta(days=6)
    goal(
        "contest",
        "meetings",
        "week",
        None,
        this_monday,
        team_id=team_id,
        end=contest_end,
        prize="a golf lesson",
    )


def _ensure_person(session: Session, ws: int, person: DemoPerson, tz: str, now: datetime) -> Person:
    user_id = stable_id("U", person.handle)
    existing = people.by_slack_id(session, ws, user_id)
    if existing is not None:
        # Someone the console already met (maybe the admin): keep their profile as it is.
        return existing
    email = person.real_name.lower().replace(" ", ".").replace("'", "") + "@example.com"
    profile = people.SlackProfile(
        user_id=user_id,
        name=person.handle,
        real_name=person.real_name,
        display_name=person.handle,
        email=email,
        tz=tz,
        slack_admin=False,
        is_bot=False,
        deactivated=False,
    )
    return people.upsert_from_slack(session, ws, profile, now)


def _history(
    ws: int, person_id: int, skill: float, today: date, tz: str, rng: random.Random
) -> list[DemoBatch]:
    """Six weeks of working days up to yesterday, one /log batch per day."""
    batches: list[DemoBatch] = []
    start = today - timedelta(weeks=WEEKS)
    for offset in range((today - start).days):
        day = start + timedelta(days=offset)
        if day.weekday() >= 5 or rng.random() < 0.04:  # weekends, and the odd sick day
            continue
        # Laggards slip further in the last two weeks; that is what managers should spot.
        form = skill * (0.8 if skill < 0.9 and (today - day).days <= 14 else 1.0)
        amounts = _day_amounts(form, rng)
        if not amounts:
            continue
        batch = uuid.uuid5(_NAMESPACE, f"demo:{ws}:{person_id}:{day.isoformat()}")
        created = datetime.combine(day, time(17, 30), zone(tz)).astimezone(UTC)
        batches.append(DemoBatch(day, created, batch.hex, amounts))
    return batches


def _add_batch(session: Session, ws: int, person_id: int, batch: DemoBatch) -> None:
    entries.add_batch(
        session,
        workspace_id=ws,
        entries=[
            NewEntry(person_id, metric, batch.day, quantity) for metric, quantity in batch.amounts
        ],
        batch_id=batch.batch_id,
        entered_by_id=person_id,
        source="demo",
        now=batch.created_at,
        # The unique index refuses a second copy even if two seeds race.
        idempotency_key=f"demo:{batch.batch_id}",
    )


def _day_amounts(form: float, rng: random.Random) -> list[tuple[str, int]]:
    calls = max(0, round(rng.gauss(38 * form, 7)))
    emails = max(0, round(rng.gauss(24 * form, 6)))
    meetings = max(0, round(rng.gauss(2.2 * form, 1.0)))
    demos = sum(rng.random() < 0.45 * form for _ in range(2))
    opportunities = int(rng.random() < 0.35 * form)
    proposals = int(rng.random() < 0.18 * form)
    deals = int(rng.random() < 0.09 * form)
    amounts = [
        ("calls", calls),
        ("emails", emails),
        ("meetings", meetings),
        ("demos", demos),
        ("opportunities", opportunities),
        ("proposals", proposals),
        ("deals", deals),
    ]
    if deals:
        amounts.append(("revenue", rng.randrange(40, 600) * 100 * 100))  # $4,000–$60,000 in cents
    return [(metric, quantity) for metric, quantity in amounts if quantity > 0]


def _crm_names(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    return [
        row["sales_agent"].strip()
        for row in rows
        if (row.get("regional_office") or "").strip() == "East"
        and (row.get("sales_agent") or "").strip()
    ]


def _id(person: Person) -> int:
    return persisted_id(person)
