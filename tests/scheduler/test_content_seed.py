"""Seed data for the scheduled-post builder tests, written through storage's own modules
and models into the running app's database (SQLite and PostgreSQL), one fresh workspace
per test. The `seed` fixture is imported by the other test_content_* modules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

import pytest

from scheduler.content import BUILDERS
from scheduler.messages import Message
from storage import entries, people, teams, workspaces
from storage.db import Database
from storage.entries import NewEntry
from storage.models import Goal, Person, Team, TeamMember

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


class Seed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.slack_team = "T" + uuid.uuid4().hex[:10].upper()
        with db.write() as session:
            self.ws = workspaces.ensure_workspace(session, self.slack_team, None, CREATED)
        self.admin = self.person("ada")

    def person(
        self,
        name: str,
        *,
        slack: bool = True,
        bot: bool = False,
        deactivated: bool = False,
        start_date: date | None = None,
    ) -> int:
        with self.db.write() as session:
            if slack:
                profile = people.SlackProfile(
                    "U" + uuid.uuid4().hex[:10].upper(),
                    name,
                    None,
                    name,
                    None,
                    "America/New_York",
                    False,
                    bot,
                    deactivated,
                )
                person = people.upsert_from_slack(session, self.ws, profile, CREATED)
            else:  # an imported person nobody linked to Slack yet
                person = Person(
                    workspace_id=self.ws, name=name, created_at=CREATED, refreshed_at=CREATED
                )
                session.add(person)
                session.flush()
            people.set_start_date(session, person, start_date)
            assert person.id is not None
            return person.id

    def many(self, prefix: str, count: int) -> list[int]:
        """`count` Slack people at once, for big teams."""
        with self.db.write() as session:
            rows = [
                Person(
                    workspace_id=self.ws,
                    slack_user_id=f"U{i:04d}{uuid.uuid4().hex[:10].upper()}",
                    name=f"{prefix}{i:03d}",
                    created_at=CREATED,
                    refreshed_at=CREATED,
                )
                for i in range(count)
            ]
            session.add_all(rows)
            session.flush()
            return [r.id for r in rows]

    def slack_id(self, person_id: int) -> str:
        with self.db.read() as session:
            person = people.by_id(session, self.ws, person_id)
            assert person is not None and person.slack_user_id
            return person.slack_user_id

    def team(
        self,
        name: str,
        *,
        members: Iterable[int] = (),
        managers: Iterable[int] = (),
        tz: str = "America/New_York",
        channel: str | None = "CEAST",
        holidays: str | None = None,
        workweek: str = "0,1,2,3,4",
    ) -> int:
        with self.db.write() as session:
            team = Team(
                workspace_id=self.ws,
                name=name,
                name_key=name.lower(),
                channel_id=channel,
                tz=tz,
                workweek=workweek,
                holidays_country=holidays,
                created_at=CREATED,
            )
            session.add(team)
            session.flush()
            assert team.id is not None
            session.add_all(
                TeamMember(workspace_id=self.ws, team_id=team.id, person_id=p, added_at=CREATED)
                for p in members
            )
            for manager in managers:
                teams.add_manager(session, self.ws, team.id, manager, CREATED)
            return team.id

    def goal(
        self,
        metric: str = "calls",
        target: int | None = 60,
        *,
        person: int | None = None,
        team: int | None = None,
        kind: str | None = None,
        period: str = "week",
        start: date = date(2026, 1, 1),
        end: date | None = None,
        **kw: object,
    ) -> int:
        kind = kind or ("individual" if person is not None else "team")
        with self.db.write() as session:
            goal = Goal(
                workspace_id=self.ws,
                kind=kind,
                person_id=person,
                team_id=team,
                metric=metric,
                period_kind=period,
                target=target,
                start=start,
                end=end,
                created_by_id=self.admin,
                created_at=CREATED,
                **kw,
            )
            session.add(goal)
            session.flush()
            assert goal.id is not None
            return goal.id

    def goals_for(self, persons: Iterable[int], metric: str, target: int, **kw: object) -> None:
        """The same individual goal for many people at once."""
        with self.db.write() as session:
            session.add_all(
                Goal(
                    workspace_id=self.ws,
                    kind="individual",
                    person_id=p,
                    metric=metric,
                    period_kind="week",
                    target=target,
                    start=date(2026, 1, 1),
                    created_by_id=self.admin,
                    created_at=CREATED,
                    **kw,
                )
                for p in persons
            )

    def log(self, person: int, day: date, **amounts: int) -> None:
        with self.db.write() as session:
            entries.add_batch(
                session,
                workspace_id=self.ws,
                entries=[NewEntry(person, m, day, q) for m, q in amounts.items()],
                batch_id=uuid.uuid4().hex,
                entered_by_id=person,
                source="test",
                now=CREATED,
            )

    def log_many(self, rows: Iterable[tuple[int, date, str, int]]) -> None:
        """Many entries in one transaction: (person, day, metric, quantity)."""
        with self.db.write() as session:
            entries.add_batch(
                session,
                workspace_id=self.ws,
                entries=[NewEntry(p, m, d, q) for p, d, m, q in rows],
                batch_id=uuid.uuid4().hex,
                entered_by_id=self.admin,
                source="test",
                now=CREATED,
            )

    def off(self, person: int, start: date, end: date) -> None:
        with self.db.write() as session:
            entries.add_time_off(
                session,
                workspace_id=self.ws,
                person_id=person,
                start=start,
                end=end,
                reason=None,
                created_by_id=person,
                now=CREATED,
            )

    def build(self, job: str, team_id: int, at: datetime) -> list[Message]:
        with self.db.read() as session:
            team = teams.by_id(session, self.ws, team_id)
            assert team is not None
            return BUILDERS[job](session, self.ws, team, at)


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


def test_each_seed_is_a_workspace_of_its_own(seed, running_app):
    other = Seed(running_app.paceline.db)
    assert other.ws != seed.ws
    maria = seed.person("maria")
    east = seed.team("east", members=[maria])
    # A builder for the other workspace never sees this one's team.
    with running_app.paceline.db.read() as session:
        assert teams.by_id(session, other.ws, east) is None
