"""What `/goal list` and `/goal history` show: whose goals the caller may see, those goals,
their versions and the audit trail's changes to them, with the names they mention
(bot/render/goal_lists draws the replies)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied
from bot.core.goal_grammar import Who
from bot.core.goal_results import (
    GoalChange,
    GoalListing,
    GoalTrail,
    GoalVersion,
    ListedGoal,
    WaitingRequest,
)
from bot.render.text import escape
from bot.services import access, reports
from bot.services.goals.calls import GoalCall
from bot.services.goals.drafts import shown_goal
from storage import goals, teams
from storage.rows import persisted_id

# /goal history reads at most this many changes (one Slack message shows fewer).
MAX_HISTORY_EVENTS = 30

Names = dict[tuple[str, int], str]


def goal_list(call: GoalCall, who: Who | None) -> GoalListing:
    with call.services.db.read() as session:
        title, person_ids, team_ids = _scope_ids(call, session, who, "/goal list")
        rows = goals.listed(
            session, call.ws, person_ids=person_ids, team_ids=team_ids, on_or_after=call.today
        )
        if who is not None and who.team is not None and not person_ids:
            rows = [g for g in rows if g.team_id is not None]
        names = _names(
            session,
            call.ws,
            {g.person_id for g in rows if g.person_id} | {g.created_by_id for g in rows},
            {g.team_id for g in rows if g.team_id},
        )
        pending = goals.pending_requests(session, call.ws, team_ids) if team_ids else []
        pending = [
            r
            for r in pending
            if r.person_id in person_ids or (r.person_id is None and r.team_id in team_ids)
        ]
    listed = tuple(
        ListedGoal(
            shown_goal(goal, call.catalog),
            names.get(("person", goal.created_by_id), "someone"),
            goal.origin,
        )
        for goal in rows
    )
    waiting = tuple(WaitingRequest(r.id, r.kind) for r in pending)
    return GoalListing(title, listed, names, waiting, call.today)


def goal_history(call: GoalCall, who: Who | None) -> GoalTrail:
    with call.services.db.read() as session:
        title, person_ids, team_ids = _scope_ids(call, session, who, "/goal history")
        rows = goals.versions(session, call.ws, person_ids=person_ids, team_ids=team_ids)
        reasons = goals.set_reasons(session, call.ws, [g.id for g in rows if g.id is not None])
        events = goals.history_events(
            session, call.ws, person_ids=person_ids, team_ids=team_ids, limit=MAX_HISTORY_EVENTS
        )
        total_events = goals.history_event_count(
            session, call.ws, person_ids=person_ids, team_ids=team_ids
        )
        subjects: set[int] = {g.person_id for g in rows if g.person_id} | {
            g.created_by_id for g in rows
        }
        teams_seen: set[int] = {g.team_id for g in rows if g.team_id}
        for event in events:
            for text in (event.before, event.after):
                state = json.loads(text) if text else {}
                state = state.get("goal", state) if isinstance(state, dict) else {}
                if state.get("person_id"):
                    subjects.add(int(state["person_id"]))
                if state.get("team_id"):
                    teams_seen.add(int(state["team_id"]))
        names = _names(
            session, call.ws, subjects | {e.actor_id for e in events if e.actor_id}, teams_seen
        )
    versions = tuple(
        GoalVersion(
            shown_goal(goal, call.catalog),
            names.get(("person", goal.created_by_id), "someone"),
            goal.origin,
            reasons.get(goal.id or 0),
        )
        for goal in rows
    )
    changes = tuple(
        GoalChange(
            event.at,
            names.get(("person", event.actor_id or 0), "someone"),
            event.action,
            event.subject_id,
            event.before,
            event.after,
            event.reason,
        )
        for event in events
    )
    return GoalTrail(title, versions, changes, total_events, names, call.today)


def _scope_ids(
    call: GoalCall, session: Session, who: Who | None, example: str
) -> tuple[str, list[int], list[int]]:
    """Whose goals a list or history covers (title, person ids, team ids), authorized."""
    caller = call.caller
    if who is not None and who.team is not None:
        team = access.team_by_name(session, caller, who.team, example)
        team_id = persisted_id(team)
        if not access.is_manager_of(session, caller, team_id):
            mine = teams.team_of(session, call.ws, caller.person_id)
            if mine is None or mine.id != team_id:
                raise PermissionDenied(
                    f"Team {escape(team.name)}'s goals are for its members, managers and admins.",
                    "/goal list",
                )
            # A member sees the team's shared goals; the members' own goals stay theirs.
            return f"team {escape(team.name)}", [], [team_id]
        member_ids = [p.id for p in teams.members(session, call.ws, team_id) if p.id is not None]
        return f"team {escape(team.name)}", member_ids, [team_id]
    if who is not None and who.user is not None:
        person = call.services.directory.resolve(call.client, call.ws, who.user)
        person_id = persisted_id(person)
        if not access.may_act_for(session, caller, person_id):
            raise PermissionDenied(
                f"You can see your own goals and, as a manager, your team's — not "
                f"{escape(reports.display_name(person))}'s.",
                "/goal list",
            )
        return escape(reports.display_name(person)), [person_id], []
    # Yourself: your goals, your team's shared goals, and the teams you manage.
    mine = teams.team_of(session, call.ws, caller.person_id)
    managed = sorted(teams.governed_team_ids(session, call.ws, caller.person_id))
    person_ids = [caller.person_id]
    for team_id in managed:
        person_ids += [p.id for p in teams.members(session, call.ws, team_id) if p.id is not None]
    team_ids = ([mine.id] if mine and mine.id else []) + managed
    title = "you" if not managed else "you and the teams you manage"
    return title, list(dict.fromkeys(person_ids)), list(dict.fromkeys(team_ids))


def _names(session: Session, ws: int, person_ids: Iterable[int], team_ids: Iterable[int]) -> Names:
    found: Names = {}
    for pid, person in goals.people_by_ids(session, ws, person_ids).items():
        found[("person", pid)] = reports.display_name(person)
    for tid, team in goals.teams_by_ids(session, ws, team_ids).items():
        found[("team", tid)] = team.name
    return found
