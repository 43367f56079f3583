"""Live wins: the worker that turns new entries into celebration posts (docs/celebrations.md).

Nothing here runs on the /log path. A tick reads what changed since the last one (entries
added, entries undone), works out the wins of the people and teams it touched, brings the
recorded wins in line (bot.core.wins.reconcile), and hands due posts to the outbox, which
delivers them exactly once like every scheduled post. Later changes to a posted win go out
as edits of its post (chat.update).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.clock import Clock, zone
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import Standing, TeamStandings
from bot.core.wins import (
    IMPORT_SOURCES,
    LIVE_SOURCES,
    DealBatch,
    Plan,
    Recorded,
    Scope,
    Trigger,
    Win,
    deal_keys,
    enabled,
    goal_win_key,
    period_key,
    reconcile,
    worth_posting,
)
from bot.core.work_hours import WorkHours, celebrate_kinds, next_open
from bot.render import wins as render
from bot.render.quantities import quantity_text
from bot.render.standing_lines import metric_of
from bot.services import reports
from scheduler.messages import DeliveryKey, Message, Outgoing
from storage import celebrations, goals, metrics, outbox, teams
from storage.celebrations import Change
from storage.db import Database
from storage.models import Team
from storage.rows import persisted_id

log = logging.getLogger(__name__)

BATCH_SECONDS = 60
TICK_SECONDS = 5
# How long an entry's transaction may still be open after its created_at: entries this
# recent are read again by the next tick (a win is a fact, so reading twice is harmless).
SETTLE = timedelta(minutes=5)
# Between full reads, undos are read from a little before the last look (a short undo
# transaction committing just after it).
UNDO_OVERLAP = timedelta(seconds=30)
# Deals logged for a day this far back still celebrate (a rep catching up on the week).
DEAL_DAYS = 7
# Changes to days older than this cannot move any goal period in force.
OLDEST_DAYS = 400
POST_JOB = "celebration"
DEALS = frozenset(celebrations.DEAL_METRICS)
EDIT_JOB = "celebration-edit"


@dataclass
class TickResult:
    teams: int = 0
    posted: int = 0
    edited: int = 0
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Since:
    position: celebrations.Position  # the saved one
    full: bool  # read from it (else from what this process read last)


@dataclass(frozen=True)
class TeamScene:
    """What a team's wins are judged from, at one instant."""

    team: Team
    today: date
    catalog: MetricCatalog
    reports: dict[PeriodKind, TeamStandings]


class CelebrationWorker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        batch_seconds: float = BATCH_SECONDS,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.batch = timedelta(seconds=batch_seconds)
        self._on_enqueued = on_enqueued
        # What this process has read: the changes brought in line since the last full read
        # (a team is looked at again only when something new is among them), the newest
        # entry id and when undos were last read.
        self._seen: frozenset[Change] = frozenset()
        self._newest: int | None = None
        self._undos_read_at: datetime | None = None
        self._full_scan_at: datetime | None = None

    def tick(self, now: datetime | None = None) -> TickResult:
        """One look: new wins recorded, undone ones struck, due posts queued. Safe to run
        in several processes at once and again after a crash: each team's wins are brought
        in line under a lock on the team, and a post is queued once."""
        now = now or self.clock.now()
        result = TickResult()
        changed, settled, newest, since = self._read_changes(now)
        seen = set(changed)
        for (workspace_id, team_id), team_changes in self._by_team(changed).items():
            if self._seen.issuperset(team_changes):
                continue
            result.teams += 1
            try:
                result.edited += self._bring_in_line(workspace_id, team_id, team_changes, now)
            except Exception:
                log.exception("live wins of team %s failed; the next tick tries again", team_id)
                result.failed.append(team_id)
                seen.difference_update(team_changes)
        result.posted = self._queue_due_posts(now)
        if result.failed:
            self._full_scan_at = None  # read the whole window again next time
        else:
            self._seen = frozenset(seen) if since.full else self._seen | seen
            self._newest = max(self._newest or 0, newest)
            self._undos_read_at = now
            if since.full:
                self._full_scan_at = now
                if (
                    settled != since.position.entry_id
                    or since.position.deleted_since < now - 2 * SETTLE
                ):
                    with self.db.write() as session:
                        # Undos are read again for SETTLE too: one committed late is not missed.
                        celebrations.advance(session, settled, now - SETTLE, now)
        if (result.posted or result.edited) and self._on_enqueued is not None:
            self._on_enqueued()
        return result

    def _read_changes(self, now: datetime) -> tuple[list[Change], int, int, _Since]:
        """What changed: every SETTLE, everything since the saved position (an entry whose
        transaction committed late is read then); in between, only what is newer than the
        last look, so a busy floor's entries are not read again every few seconds."""
        with self.db.read() as session:
            position = celebrations.saved_position(session)
        if position is None:
            with self.db.write() as session:
                position = celebrations.position(session, now)
        clock_set_back = position.deleted_since > now or (
            self._undos_read_at is not None and self._undos_read_at > now
        )
        if clock_set_back:  # a test or an operator moved the clock back: start again from now
            position = celebrations.Position(position.entry_id, now - SETTLE)
            self._full_scan_at, self._seen, self._newest, self._undos_read_at = (
                None,
                frozenset(),
                None,
                None,
            )
        full = (
            self._full_scan_at is None or now - self._full_scan_at >= SETTLE or self._newest is None
        )
        since = position
        if not full:
            assert self._newest is not None and self._undos_read_at is not None
            since = celebrations.Position(
                max(position.entry_id, self._newest), self._undos_read_at - UNDO_OVERLAP
            )
        with self.db.read() as session:
            changed = celebrations.changes(
                session, since, (now - timedelta(days=OLDEST_DAYS)).date()
            )
            settled, newest = celebrations.settled_entry_id(session, since, now, SETTLE)
        return changed, settled, newest, _Since(position, full)

    # ------------------------------------------------------------------ who changed

    def _by_team(self, changed: Sequence[Change]) -> dict[tuple[int, int], list[Change]]:
        by_workspace: dict[int, list[Change]] = defaultdict(list)
        for change in changed:
            by_workspace[change.workspace_id].append(change)
        found: dict[tuple[int, int], list[Change]] = defaultdict(list)
        with self.db.read() as session:
            active = celebrations.active_workspaces(session, by_workspace)
            for workspace_id, mine in by_workspace.items():
                if workspace_id not in active:
                    continue
                team_of = celebrations.teams_of_people(
                    session, workspace_id, {c.person_id for c in mine}
                )
                for change in mine:
                    team_id = team_of.get(change.person_id)
                    if team_id is not None:
                        found[(workspace_id, team_id)].append(change)
        return found

    # ------------------------------------------------------------------ one team

    def _bring_in_line(
        self, workspace_id: int, team_id: int, changed: list[Change], now: datetime
    ) -> int:
        """The team's wins worked out in a read transaction; written, when there is
        anything to write, in a short one that holds the team's lock (on SQLite, the one
        write lock: /log must not wait while reports are built)."""
        with self.db.read() as session:
            team = teams.by_id(session, workspace_id, team_id)
            if team is None:
                return 0
            found, scope = self._wins_now(session, team, changed, now)
            plan = reconcile(found, self._recorded(session, team, scope, found), scope)
        if plan.empty:
            return 0
        with self.db.write() as session:
            team = celebrations.lock_team(session, workspace_id, team_id)
            if team is None:
                return 0
            # Another instance may have written since: the plan is made again under the lock.
            plan = reconcile(found, self._recorded(session, team, scope, found), scope)
            return self._apply(session, team, plan, now)

    def _wins_now(
        self, session: Session, team: Team, changed: list[Change], now: datetime
    ) -> tuple[list[Win], Scope]:
        # Wins are worked out whatever the settings: one that happens while its kind is off
        # (or the team has no channel) is recorded without a post, so turning the setting
        # on later does not celebrate it late.
        kinds = celebrate_kinds(team.celebrate) if team.channel_id else frozenset()
        changed_metrics = {c.metric for c in changed}
        scene = self._scene(session, team, now, changed_metrics)
        touched = frozenset(c.person_id for c in changed)
        found = self._goal_wins(scene, touched, changed)
        # Deals are looked at only when deals or revenue changed: the days looked at are
        # the ones whose recorded deals reconcile may strike.
        deal_days = (
            [scene.today - timedelta(days=n) for n in range(DEAL_DAYS)]
            if changed_metrics & DEALS
            else []
        )
        if deal_days:
            found += self._deal_wins(session, scene, touched, deal_days, changed)
        found += self._import_summaries(scene, kinds, changed, found)
        found = [w if enabled(w.kind, kinds) else replace(w, trigger=Trigger.QUIET) for w in found]
        periods = {period_key(kind.value, view.view.start) for kind, view in scene.reports.items()}
        return found, Scope(
            touched, frozenset(periods), frozenset(d.isoformat() for d in deal_days)
        )

    @staticmethod
    def _recorded(session: Session, team: Team, scope: Scope, found: list[Win]) -> list[Recorded]:
        team_id = persisted_id(team)
        wanted = scope.periods | scope.deal_days | {w.period for w in found}
        return celebrations.recorded(session, team.workspace_id, team_id, wanted)

    def _scene(
        self, session: Session, team: Team, now: datetime, changed_metrics: set[str]
    ) -> TeamScene:
        """The team's reports in the period kinds of its goals on the metrics that changed
        (a goal on a metric nobody logged has no new win)."""
        team_id = persisted_id(team)
        fiscal, custom = metrics.fiscal_month_and_custom_metrics(session, team.workspace_id)
        today = now.astimezone(zone(team.tz)).date()
        live = goals.rows_for_team(session, team.workspace_id, team_id, today, today)
        kinds = {PeriodKind(g.period_kind) for g in live if g.metric in changed_metrics}
        found = {}
        for kind in sorted(kinds, key=list(PeriodKind).index):
            view = Period.containing(kind, today, fiscal)
            found[kind] = reports.team_report(
                session, team.workspace_id, team, view, now, fiscal_year_start_month=fiscal
            )
        return TeamScene(team, today, MetricCatalog.with_custom(custom), found)

    def _goal_wins(
        self, scene: TeamScene, touched: frozenset[int], changed: list[Change]
    ) -> list[Win]:
        found: list[Win] = []
        week = Period.containing(PeriodKind.WEEK, scene.today)
        for kind, report in scene.reports.items():
            period = period_key(kind.value, report.view.start)

            def trigger(
                metric: str,
                person_id: int | None,
                before_under: int | None = None,
                view: Period = report.view,
            ) -> str:
                return _trigger(changed, metric, person_id, view, week, before_under)

            for s in report.members:
                if s.goal.period_kind is not kind or s.owner_id not in touched:
                    continue
                metric = metric_of(scene.catalog, s.goal.metric)
                goal_id = _first_id(s)
                if s.hit:
                    key = goal_win_key("hit", goal_id, s.owner_id, period)
                    found.append(
                        Win(
                            key,
                            "hit",
                            s.owner_id,
                            period,
                            render.hit_line(s, metric),
                            trigger(s.goal.metric, s.owner_id, _left(s, s.target)),
                        )
                    )
                if s.stretch_hit:
                    key = goal_win_key("stretch", goal_id, s.owner_id, period)
                    found.append(
                        Win(
                            key,
                            "stretch",
                            s.owner_id,
                            period,
                            render.stretch_line(s, metric),
                            trigger(s.goal.metric, s.owner_id, _left(s, s.stretch or 0)),
                        )
                    )
            for s in report.team_totals:
                if s.goal.period_kind is kind and s.hit:
                    metric = metric_of(scene.catalog, s.goal.metric)
                    key = goal_win_key("team", _first_id(s), None, period)
                    line = render.team_goal_line(scene.team.name, s, metric)
                    found.append(
                        Win(
                            key,
                            "team",
                            None,
                            period,
                            line,
                            trigger(s.goal.metric, None, _left(s, s.target)),
                        )
                    )
            for c in report.collectives:
                if c.goal.period_kind is kind and c.achieved:
                    metric = metric_of(scene.catalog, c.goal.metric)
                    key = goal_win_key("all", c.goal.id, None, period)
                    line = render.all_or_nothing_line(scene.team.name, c, metric, report.view)
                    found.append(Win(key, "all", None, period, line, trigger(c.goal.metric, None)))
        return found

    def _deal_wins(
        self,
        session: Session,
        scene: TeamScene,
        touched: frozenset[int],
        days: list[date],
        changed: list[Change],
    ) -> list[Win]:
        team = scene.team
        batches = celebrations.deal_batches(session, team.workspace_id, touched, days[-1], days[0])
        if not batches:
            return []
        people = celebrations.names(session, team.workspace_id, {b.person_id for b in batches})
        deal, money = metric_of(scene.catalog, "deals"), metric_of(scene.catalog, "revenue")
        progress = _team_progress(scene)
        found = []
        for batch, key in deal_keys(batches).items():
            if not worth_posting(batch, team.celebrate_min):
                continue
            person = people.get(batch.person_id)
            name = reports.display_name(person) if person is not None else "someone"
            line = render.deal_line(name, batch.deals, batch.revenue, deal, money, progress)
            found.append(
                Win(
                    key,
                    "deal",
                    batch.person_id,
                    batch.day.isoformat(),
                    line,
                    _deal_trigger(batch, changed),
                )
            )
        return found

    def _import_summaries(
        self, scene: TeamScene, kinds: frozenset[str], changed: list[Change], found: list[Win]
    ) -> list[Win]:
        """One post per import that brought in this week's numbers: its deals and revenue
        and the goals it made hit. The wins it caused are recorded without a post."""
        week = Period.containing(PeriodKind.WEEK, scene.today)
        imported: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for c in changed:
            if c.source in IMPORT_SOURCES and c.day in week:
                imported[c.batch_id][c.metric] += c.quantity
        if not imported:
            return []
        names = {
            pid: name
            for report in scene.reports.values()
            for pid, name in report.member_names.items()
        }
        hit_names = sorted({names.get(w.person_id or 0, "someone") for w in found
                            if w.kind == "hit" and w.trigger == Trigger.IMPORT})  # fmt: skip
        progress = _team_progress(scene)
        summaries = []
        for batch_id, sums in sorted(imported.items()):
            figures = _figures(sums, scene.catalog) if "deals" in kinds else []
            hits = hit_names if enabled("hit", kinds) else []
            if not figures and not hits:
                continue
            line = render.import_line(scene.team.name, figures, hits, progress)
            summaries.append(Win(f"import|{batch_id}", "import", None, "import", line))
            hit_names = []  # one summary names them
        return summaries

    # ------------------------------------------------------------------ writing

    def _apply(self, session: Session, team: Team, plan: Plan, now: datetime) -> int:
        team_id = persisted_id(team)
        workspace_id = team.workspace_id
        if plan.post:
            # Only a team with a channel celebrates (its kinds are empty otherwise); a team
            # without one still records its wins, absorbed, below.
            assert team.channel_id is not None
            waiting = celebrations.waiting_post(session, workspace_id, team_id)
            if waiting is not None and waiting.id is not None:
                post_id = waiting.id
            else:
                due = next_open(now + self.batch, team.tz, WorkHours.from_setting(team.work_hours))
                post_id = celebrations.new_post(
                    session, workspace_id, team_id, team.channel_id, due, now
                )
            celebrations.record(session, workspace_id, team_id, plan.post, post_id, "live", now)
        celebrations.record(session, workspace_id, team_id, plan.absorb, None, "absorbed", now)
        for win_id, line in plan.refresh:
            celebrations.set_line(session, win_id, line, now)
        if plan.cancel:
            celebrations.drop(session, plan.cancel)
            celebrations.drop_empty_waiting(session, workspace_id, team_id)
        celebrations.set_state(session, plan.strike, "struck", now)
        celebrations.set_state(session, plan.restore, "live", now)
        edits = [
            self._edit(session, workspace_id, post_id, now)
            for post_id in sorted(celebrations.posts_of(session, plan.strike + plan.restore))
        ]
        queued = [e for e in edits if e is not None]
        outbox.enqueue(session, queued, now)
        return len(queued)

    def _edit(
        self, session: Session, workspace_id: int, post_id: int, now: datetime
    ) -> Outgoing | None:
        edit = celebrations.next_edit(session, post_id, now)
        if edit is None:
            return None
        team_id, channel, original_key, number = edit
        text = render.post_text(celebrations.lines(session, post_id))
        key = DeliveryKey(EDIT_JOB, team_id, f"post-{post_id}", channel, str(number))
        return Outgoing(
            workspace_id,
            key,
            Message(channel, text, render.post_blocks(text), edit_of=original_key),
        )

    def _queue_due_posts(self, now: datetime) -> int:
        with self.db.read() as session:
            due = celebrations.due_posts(session, now)
        queued = 0
        for post in due:
            with self.db.write() as session:
                team = celebrations.lock_team(session, post.workspace_id, post.team_id)
                if team is None or not team.channel_id or not celebrate_kinds(team.celebrate):
                    celebrations.silence(session, post.id, now)
                    continue
                opens = next_open(now, team.tz, WorkHours.from_setting(team.work_hours))
                if opens > now:  # quiet hours began since it was planned
                    celebrations.postpone(session, post.id, opens, now)
                    continue
                lines = celebrations.lines(session, post.id)
                if not lines:
                    celebrations.silence(session, post.id, now)
                    continue
                key = DeliveryKey(POST_JOB, post.team_id, f"post-{post.id}", team.channel_id)
                if celebrations.mark_posted(session, post.id, team.channel_id, key.text(), now):
                    text = render.post_text(lines)
                    message = Message(team.channel_id, text, render.post_blocks(text))
                    queued += outbox.enqueue(
                        session, [Outgoing(post.workspace_id, key, message)], now
                    )
        return queued


# ---------------------------------------------------------------------- helpers


def _first_id(standing: Standing) -> int:
    """A goal's versions are one goal: its key names the first version."""
    return min(v.id for v in standing.versions) if standing.versions else standing.goal.id


def _left(standing: Standing, target: int) -> tuple[int, int]:
    return standing.pace.actual, target


def _trigger(
    changed: Iterable[Change],
    metric: str,
    person_id: int | None,
    view: Period,
    week: Period,
    crossing: tuple[int, int] | None = None,
) -> str:
    """A win counts as logged live when a person's own entry moved it over the line (with
    `crossing` = (actual, target): the total without the entries just logged was under
    it); an import of this week's numbers is summed up once; anything else (history, a
    goal changed, logging more when already over) is quiet."""
    mine = [
        c
        for c in changed
        if c.metric == metric and c.day in view and (person_id is None or c.person_id == person_id)
    ]
    live = [c for c in mine if c.source in LIVE_SOURCES and not c.undone]
    if live:
        if crossing is None:
            return Trigger.LIVE
        actual, target = crossing
        if actual - sum(c.quantity for c in live) < target:
            return Trigger.LIVE
    sources = {(c.source, c.day in week) for c in mine}
    if any(source in IMPORT_SOURCES and this_week for source, this_week in sources):
        return Trigger.IMPORT
    return Trigger.QUIET


def _deal_trigger(batch: DealBatch, changed: Iterable[Change]) -> str:
    """Live when the /log that recorded it is among the entries just added; a deal logged
    while deal posts were off, or before the worker first looked, stays quiet."""
    new = any(c.batch_id == batch.batch_id and not c.undone for c in changed)
    return Trigger.LIVE if new else Trigger.QUIET


def _team_progress(scene: TeamScene) -> Standing | None:
    """The team's standing that a deal moves: its team goal on revenue (else deals), in the
    goal's own period."""
    for metric in ("revenue", "deals"):
        for kind, report in scene.reports.items():
            for s in report.team_totals:
                if s.goal.metric == metric and s.goal.period_kind is kind:
                    return s
    return None


def _figures(sums: dict[str, int], catalog: MetricCatalog) -> list[str]:
    found = []
    for key in ("deals", "revenue"):
        if sums.get(key, 0) > 0:
            metric: Metric = metric_of(catalog, key)
            found.append(quantity_text(sums[key], metric))
    return found
