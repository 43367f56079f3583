"""What one person's App Home shows, read through the same reports as /progress (one pace
engine, one progress bar), in the period they chose (this week by default): their goals and
figures, team standing and last entries; the requests they may decide and the teams they
manage (all teams for an admin who manages none), with each member's figures. And what its
buttons change: the period shown, undoing one of the caller's entries; and the teams its
"Set a goal" form offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from bot.clock import zone
from bot.core.errors import UserError
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind, short_date
from bot.core.standings import TeamStandings
from bot.core.team_tree import TeamTree
from bot.render import goal_replies
from bot.render.app_home import (
    DEFAULT_HOME_PERIOD,
    HOME_PERIODS,
    MAX_REQUESTS,
    Home,
    ManagerPart,
    PendingRequest,
    RecentEntry,
    RepPart,
    TeamPart,
)
from bot.services import access, reports
from bot.services.context import Services
from bot.services.goals import decisions as goal_decisions
from bot.services.people import Caller
from storage import app_home as home_storage
from storage import audit, goals, people, teams, workspaces
from storage.models import Entry, GoalRequest, Team
from storage.rows import persisted_id

LAST_ENTRIES = 5
# Teams computed in full (pace for everyone); further teams get a one-line summary. An
# admin's overview of many teams stays as fast as a manager's of a few.
MAX_TEAM_REPORTS = 8


def home_period_kind(chosen: str | None) -> PeriodKind:
    """The period a Home shows: the person's choice when it is one the picker offers."""
    return PeriodKind(chosen if chosen in HOME_PERIODS else DEFAULT_HOME_PERIOD)


class _Reports:
    """Team reports for the chosen period, each computed once per Home (a rep's own team
    may also be one they manage). Every report also totals all the catalog's metrics, in
    its one totals statement: the figures of members without goals."""

    def __init__(
        self,
        session: Session,
        workspace_id: int,
        now: datetime,
        fiscal_start: int,
        kind: PeriodKind,
        metrics: list[str],
    ) -> None:
        self._session, self._ws, self._now = session, workspace_id, now
        self._fiscal_start, self.kind, self.metrics = fiscal_start, kind, metrics
        self._found: dict[int, TeamStandings] = {}
        self._tree: TeamTree | None = None

    @property
    def tree(self) -> TeamTree:
        if self._tree is None:
            self._tree = teams.tree(self._session, self._ws)
        return self._tree

    def view(self, team: Team | None, tz: str | None) -> tuple[Period, date]:
        today = reports.team_facts(team, tz, self._now).today
        return Period.containing(self.kind, today, self._fiscal_start), today

    def of(self, team: Team) -> TeamStandings:
        team_id = persisted_id(team)
        if team_id not in self._found:
            view, _ = self.view(team, None)
            # A parent team counts everyone below it, as /progress team:NAME does.
            scope = reports.team_scope(self._session, self._ws, team, self.tree)
            self._found[team_id] = reports.rollup_report(
                self._session,
                self._ws,
                scope,
                view,
                self._now,
                extra_metrics=tuple(self.metrics),
                fiscal_year_start_month=self._fiscal_start,
            )
        return self._found[team_id]

    def figures(self, team: Team) -> dict[int, dict[str, int]]:
        return reports.team_figures(self.of(team), self.metrics)


def load_home(services: Services, caller: Caller, notice: str | None = None) -> Home:
    """The caller's Home, with `notice` (what their last click did) at the top."""
    now = services.clock.now()
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    with services.db.read() as session:
        kind = home_period_kind(home_storage.home_period(session, ws, caller.person_id))
        found = _Reports(
            session, ws, now, workspaces.fiscal_year_start_month(session, ws), kind, catalog.keys
        )
        own_team = teams.team_of(session, ws, caller.person_id)
        managed = teams.governed_team_ids(session, ws, caller.person_id)
        view, today = found.view(own_team, caller.tz)
        is_rep = own_team is not None or not (managed or caller.is_admin)
        rep = _rep_part(session, caller, own_team, found, view, now) if is_rep else None
        entries = _last_entries(session, caller, catalog)
        manager = (
            _manager_part(session, services, caller, managed, found, today)
            if managed or caller.is_admin
            else None
        )
    local = now.astimezone(zone(caller.tz))
    return Home(
        person_id=caller.person_id,
        name=caller.name,
        view=view,
        today=today,
        catalog=catalog,
        updated=f"{short_date(local.date())} {local:%H:%M}",
        rep=rep,
        manager=manager,
        entries=entries,
        may_propose=is_rep,
        notice=notice,
    )


def _rep_part(
    session: Session,
    caller: Caller,
    team: Team | None,
    found: _Reports,
    view: Period,
    now: datetime,
) -> RepPart:
    ws, me = caller.workspace_id, caller.person_id
    report = found.of(team) if team is not None else None
    if team is not None and report is not None:
        mine = [s for s in report.members if s.owner_id == me]
        mine += [m for c in report.collectives for m in c.members if m.owner_id == me]
        figures = found.figures(team).get(me, {})
    else:
        person = people.by_id(session, ws, me)
        assert person is not None
        mine = reports.person_report(session, ws, person, None, view, now)
        figures = reports.logged_figures(session, ws, me, found.metrics, view)
    # A goal with no working day in the period (time off, not started) is shown as excused
    # (standing_block says "no target in this period"), as /progress shows it.
    return RepPart(tuple(mine), team.name if team else None, report, figures)


def _last_entries(
    session: Session, caller: Caller, catalog: MetricCatalog
) -> tuple[RecentEntry, ...]:
    ws, me = caller.workspace_id, caller.person_id
    rows = home_storage.last_entries(session, ws, me, LAST_ENTRIES)
    names = goals.people_by_ids(session, ws, {e.person_id for e in rows if e.person_id != me})
    return tuple(
        _recent(
            e, catalog, reports.display_name(names[e.person_id]) if e.person_id in names else None
        )
        for e in rows
    )


def _recent(entry: Entry, catalog: MetricCatalog, for_name: str | None) -> RecentEntry:
    metric = catalog.lookup(entry.metric) or Metric(entry.metric)
    return RecentEntry(
        persisted_id(entry), entry.day, metric, entry.quantity, entry.kind, entry.note, for_name
    )


def _manager_part(
    session: Session,
    services: Services,
    caller: Caller,
    managed: set[int],
    found: _Reports,
    today: date,
) -> ManagerPart:
    ws = caller.workspace_id
    listed = teams.all_teams(session, ws)
    counts = {t.id: n for t, n in listed}
    # Parents before their sub-teams; a parent's size is everyone below it.
    order = {team_id: index for index, (_, team_id) in enumerate(found.tree.outline())}
    if managed:
        chosen = sorted(
            goals.teams_by_ids(session, ws, managed).values(),
            key=lambda t: order.get(persisted_id(t), len(order)),
        )
    else:
        chosen = sorted(
            (t for t, _ in listed), key=lambda t: order.get(persisted_id(t), len(order))
        )
    sizes = {t.id: sum(counts.get(i, 0) for i in found.tree.subtree(t.id or 0)) for t in chosen}
    below = {t.id: len(found.tree.subtree(t.id or 0)) - 1 for t in chosen}
    parts = tuple(
        TeamPart(t.name, sizes.get(t.id, 0), found.of(t), found.figures(t), sub_teams=below[t.id])
        if index < MAX_TEAM_REPORTS
        else TeamPart(t.name, sizes.get(t.id, 0), None, sub_teams=below[t.id])
        for index, t in enumerate(chosen)
    )
    requests, total = home_storage.pending_for_decider(
        session, ws, caller.person_id, managed, caller.is_admin, MAX_REQUESTS
    )
    pending = tuple(_pending(session, services, r, today) for r in requests)
    return ManagerPart(parts, pending, total, all_teams=not managed)


def _pending(
    session: Session, services: Services, request: GoalRequest, today: date
) -> PendingRequest:
    request_id = persisted_id(request)
    try:
        headline = goal_replies.request_headline(
            goal_decisions.request_asks(session, services, request, today)
        )
    except UserError as error:  # the person or team it was about is gone
        headline = f"Request #{request_id}: {error.message}"
    label = (
        f"{goal_decisions.REQUEST_KIND_LABELS.get(request.kind, 'Request')} · request #{request_id}"
    )
    return PendingRequest(request_id, headline, label)


# --- what the Home's buttons change ---------------------------------------------------------------


def choose_period(services: Services, caller: Caller, chosen: object) -> None:
    """Remember the period the caller picked (their own person row only); a value the picker
    does not offer changes nothing."""
    if isinstance(chosen, str) and chosen in HOME_PERIODS:
        with services.db.write() as session:
            home_storage.set_home_period(session, caller.workspace_id, caller.person_id, chosen)


def goal_form_teams(services: Services, caller: Caller) -> list[tuple[int, str]] | None:
    """(id, name) of the teams the caller may set goals for, for the "Set a goal" form; None
    when they manage no team and are no admin (reps propose instead)."""
    with services.db.read() as session:
        managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
        choices = [
            (t.id or 0, t.name)
            for t, _ in teams.all_teams(session, caller.workspace_id)
            if caller.is_admin or t.id in managed
        ]
        allowed = access.is_admin_or_any_manager(session, caller)
    return choices if allowed else None


@dataclass(frozen=True)
class UndoResult:
    """What an Undo click did. `entry` (as the Home listed it) for "undone" and "already"."""

    outcome: Literal["not_an_entry", "unknown", "not_yours", "already", "undone"]
    entry: RecentEntry | None = None


def undo_entry(services: Services, caller: Caller, value: str) -> UndoResult:
    """Undo one entry from App Home: only an entry the caller entered (as `/log undo` removes
    only what you entered), soft-deleted and audited like every undo, and a second click (or
    another instance's click at the same moment) changes nothing. A rep whose entry their
    manager undid sees it on their own Home too."""
    if not value.isdigit():
        return UndoResult("not_an_entry")
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    now = services.clock.now()
    with services.db.write() as session:
        entry = home_storage.entry_by_id(session, ws, int(value))
        if entry is None:
            return UndoResult("unknown")
        if entry.entered_by_id != caller.person_id:
            return UndoResult("not_yours")
        owner = (
            None
            if entry.person_id == caller.person_id
            else people.by_id(session, ws, entry.person_id)
        )
        shown = RecentEntry(
            entry.id or 0,
            entry.day,
            catalog.lookup(entry.metric) or Metric(entry.metric),
            entry.quantity,
            entry.kind,
            entry.note,
            (owner.display_name or owner.name) if owner else None,
        )
        if not home_storage.undo_entry(session, ws, int(value), caller.person_id, now):
            return UndoResult("already", shown)
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
    return UndoResult("undone", shown)


def _state(entry: Entry) -> dict:
    return {
        "id": entry.id,
        "person_id": entry.person_id,
        "metric": entry.metric,
        "day": entry.day,
        "quantity": entry.quantity,
    }
