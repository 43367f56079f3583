"""Migration 0009 (HubSpot sync) carries a database of the previous schema forward: every team,
goal, entry, outbox row, install and live-wins setting is still there with the same figures;
teams get no crm-only metrics and entries no CRM object; the downgrade drops only what 0009
added."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from storage.db import Database, alembic_config
from tests.conftest import fresh_database

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _seed_previous_schema(conn: sa.Connection) -> None:
    """Rows as the previous main stored them (its columns only), through plain SQL."""
    ws = conn.execute(sa.text("INSERT INTO workspace (slack_team_id, name, fiscal_year_start_month, active, created_at)"
                              " VALUES ('TUPG', 'Upgrade Co', 1, true, :now) RETURNING id"), {"now": NOW}).scalar_one()
    person_ids = []
    for name in ("maria", "bo"):
        person_ids.append(conn.execute(sa.text(
            "INSERT INTO person (workspace_id, slack_user_id, name, tz, slack_admin, is_bot, deactivated, created_at, refreshed_at)"
            " VALUES (:ws, :uid, :name, 'America/New_York', false, false, false, :now, :now) RETURNING id"),
            {"ws": ws, "uid": f"U{name.upper()}", "name": name, "now": NOW}).scalar_one())
    team = conn.execute(sa.text(
        "INSERT INTO team (workspace_id, name, name_key, channel_id, tz, workweek, threshold_ahead, threshold_on_pace,"
        " threshold_behind, approvals, celebrate, celebrate_min, work_hours, created_at) VALUES (:ws, 'east', 'east',"
        " 'CEAST', 'America/New_York', '0,1,2,3,4', 110, 90, 75, false, 'deals', 500000, 'any', :now) RETURNING id"),
        {"ws": ws, "now": NOW}).scalar_one()
    for pid in person_ids:
        conn.execute(sa.text("INSERT INTO team_member (workspace_id, team_id, person_id, added_at) VALUES (:ws, :t, :p, :now)"),
                     {"ws": ws, "t": team, "p": pid, "now": NOW})
        conn.execute(sa.text(
            "INSERT INTO goal (workspace_id, kind, person_id, metric, period_kind, target, start, origin, created_by_id, created_at)"
            " VALUES (:ws, 'individual', :p, 'calls', 'week', 60, :start, 'set', :p, :now)"),
            {"ws": ws, "p": pid, "start": date(2026, 11, 16), "now": NOW})
        for n, quantity in enumerate((12, 30, 7)):
            conn.execute(sa.text(
                "INSERT INTO entry (workspace_id, person_id, metric, day, quantity, kind, source, batch_id, entered_by_id,"
                " created_at, deleted_at) VALUES (:ws, :p, 'calls', :day, :q, 'log', 'slack', :b, :p, :now, :deleted)"),
                {"ws": ws, "p": pid, "day": date(2026, 11, 16 + n), "q": quantity, "b": f"b{pid}{n}", "now": NOW,
                 "deleted": NOW if n == 2 else None})
    conn.execute(sa.text(
        "INSERT INTO outbox (workspace_id, delivery_key, job, team_id, period, recipient, part, payload, status, attempts,"
        " not_before, outcome_unknown, created_at, updated_at) VALUES (:ws, 'nudge|1|2026-11-18|UMARIA|', 'nudge', :t,"
        " '2026-11-18', 'UMARIA', '', :payload, 'sent', 0, :now, false, :now, :now)"),
        {"ws": ws, "t": team, "now": NOW, "payload": '{"text":"hi","blocks":[],"file":null}'})
    conn.execute(sa.text(
        "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, is_enterprise_install, installed_at)"
        " VALUES ('111.222', 'A0UPG', 'TUPG', 'xoxb-upgrade', false, :now)"), {"now": NOW.replace(tzinfo=None)})


FIGURES = {
    "teams": "SELECT count(*) FROM team",
    "goals": "SELECT count(*) FROM goal",
    "live calls": "SELECT coalesce(sum(quantity), 0) FROM entry WHERE deleted_at IS NULL",
    "all entries": "SELECT count(*) FROM entry",
    "outbox": "SELECT count(*) FROM outbox WHERE status = 'sent'",
    "members": "SELECT count(*) FROM team_member",
    "installs": "SELECT count(*) FROM slack_bots WHERE bot_token = 'xoxb-upgrade'",
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrading_a_database_of_the_previous_schema_keeps_every_figure(backend, tmp_path):
    with fresh_database(backend, tmp_path, "paceline_upgrade") as url:
        _upgrade_and_compare(url)


def _upgrade_and_compare(url: str) -> None:
    db = Database(url)
    try:
        config = alembic_config(db.engine)
        command.upgrade(config, "0008")
        with db.engine.begin() as conn:
            _seed_previous_schema(conn)
            before = {name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()}
        db.upgrade()
        with db.engine.connect() as conn:
            after = {name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()}
            settings = conn.execute(sa.text("SELECT celebrate, celebrate_min, work_hours, crm_only FROM team")).all()
            refs = conn.execute(sa.text("SELECT count(*) FROM entry WHERE external_ref IS NOT NULL")).scalar_one()
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("entry")}
            tables = set(sa.inspect(conn).get_table_names())
        assert before == after == {"teams": 1, "goals": 2, "live calls": 84, "all entries": 6, "outbox": 1, "members": 2, "installs": 1}
        assert [tuple(row) for row in settings] == [("deals", 500000, "any", "")]
        assert refs == 0
        assert {"ix_entry_deleted", "ix_entry_external_ref"} <= indexes
        assert {"crm_connection", "crm_owner", "crm_record"} <= tables
        # And back: the downgrade drops only what 0009 added.
        command.downgrade(config, "0008")
        with db.engine.connect() as conn:
            assert {name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()} == before
            assert "crm_record" not in sa.inspect(conn).get_table_names()
            assert "crm_only" not in {c["name"] for c in sa.inspect(conn).get_columns("team")}
            assert conn.execute(sa.text("SELECT celebrate, celebrate_min, work_hours FROM team")).all() == [("deals", 500000, "any")]
    finally:
        db.dispose()
