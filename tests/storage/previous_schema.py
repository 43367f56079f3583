"""A database as an earlier main left it, with data in it: teams, members, goals, entries (one
undone), a sent outbox row and a Slack install, written with plain SQL in that schema's
columns. The upgrade tests seed it at the revision before theirs and compare FIGURES."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def seed(conn: sa.Connection, team_columns: dict[str, object] | None = None) -> None:
    """Rows as the previous main stored them (its columns only); `team_columns` adds the team
    settings that schema had beyond the first ones."""
    ws = conn.execute(
        sa.text(
            "INSERT INTO workspace (slack_team_id, name, fiscal_year_start_month, active, created_at)"
            " VALUES ('TUPG', 'Upgrade Co', 1, true, :now) RETURNING id"
        ),
        {"now": NOW},
    ).scalar_one()
    person_ids = []
    for name in ("maria", "bo"):
        person_ids.append(
            conn.execute(
                sa.text(
                    "INSERT INTO person (workspace_id, slack_user_id, name, tz, slack_admin, is_bot, deactivated, created_at, refreshed_at)"
                    " VALUES (:ws, :uid, :name, 'America/New_York', false, false, false, :now, :now) RETURNING id"
                ),
                {"ws": ws, "uid": f"U{name.upper()}", "name": name, "now": NOW},
            ).scalar_one()
        )
    extra = team_columns or {}
    names = "".join(f", {column}" for column in extra)
    values = "".join(f", :{column}" for column in extra)
    team = conn.execute(
        sa.text(
            "INSERT INTO team (workspace_id, name, name_key, channel_id, tz, workweek, threshold_ahead, threshold_on_pace,"
            f" threshold_behind, approvals, created_at{names}) VALUES (:ws, 'east', 'east', 'CEAST', 'America/New_York',"
            f" '0,1,2,3,4', 110, 90, 75, false, :now{values}) RETURNING id"
        ),
        {"ws": ws, "now": NOW, **extra},
    ).scalar_one()
    for pid in person_ids:
        conn.execute(
            sa.text(
                "INSERT INTO team_member (workspace_id, team_id, person_id, added_at) VALUES (:ws, :t, :p, :now)"
            ),
            {"ws": ws, "t": team, "p": pid, "now": NOW},
        )
        conn.execute(
            sa.text(
                "INSERT INTO goal (workspace_id, kind, person_id, metric, period_kind, target, start, origin, created_by_id, created_at)"
                " VALUES (:ws, 'individual', :p, 'calls', 'week', 60, :start, 'set', :p, :now)"
            ),
            {"ws": ws, "p": pid, "start": date(2026, 11, 16), "now": NOW},
        )
        for n, quantity in enumerate((12, 30, 7)):
            conn.execute(
                sa.text(
                    "INSERT INTO entry (workspace_id, person_id, metric, day, quantity, kind, source, batch_id, entered_by_id,"
                    " created_at, deleted_at) VALUES (:ws, :p, 'calls', :day, :q, 'log', 'slack', :b, :p, :now, :deleted)"
                ),
                {
                    "ws": ws,
                    "p": pid,
                    "day": date(2026, 11, 16 + n),
                    "q": quantity,
                    "b": f"b{pid}{n}",
                    "now": NOW,
                    "deleted": NOW if n == 2 else None,
                },
            )
    conn.execute(
        sa.text(
            "INSERT INTO outbox (workspace_id, delivery_key, job, team_id, period, recipient, part, payload, status, attempts,"
            " not_before, outcome_unknown, created_at, updated_at) VALUES (:ws, 'nudge|1|2026-11-18|UMARIA|', 'nudge', :t,"
            " '2026-11-18', 'UMARIA', '', :payload, 'sent', 0, :now, false, :now, :now)"
        ),
        {"ws": ws, "t": team, "now": NOW, "payload": '{"text":"hi","blocks":[],"file":null}'},
    )
    conn.execute(
        sa.text(
            "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, is_enterprise_install, installed_at)"
            " VALUES ('111.222', 'A0UPG', 'TUPG', 'xoxb-upgrade', false, :now)"
        ),
        {"now": NOW.replace(tzinfo=None)},
    )


FIGURES = {
    "teams": "SELECT count(*) FROM team",
    "goals": "SELECT count(*) FROM goal",
    "live calls": "SELECT coalesce(sum(quantity), 0) FROM entry WHERE deleted_at IS NULL",
    "all entries": "SELECT count(*) FROM entry",
    "outbox": "SELECT count(*) FROM outbox WHERE status = 'sent'",
    "members": "SELECT count(*) FROM team_member",
    "installs": "SELECT count(*) FROM slack_bots WHERE bot_token = 'xoxb-upgrade'",
}
