"""Migration 0009 (HubSpot sync) carries a database of the previous schema forward: every team,
goal, entry, outbox row, install and live-wins setting is still there with the same figures;
teams get no crm-only metrics and entries no CRM object; the downgrade drops only what 0009
added."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from storage.db import Database, alembic_config
from tests.conftest import fresh_database
from tests.storage.previous_schema import FIGURES, seed


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
            seed(conn, {"celebrate": "deals", "celebrate_min": 500000, "work_hours": "any"})
            before = {
                name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()
            }
        db.upgrade()
        with db.engine.connect() as conn:
            after = {name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()}
            settings = conn.execute(
                sa.text("SELECT celebrate, celebrate_min, work_hours, crm_only FROM team")
            ).all()
            refs = conn.execute(
                sa.text("SELECT count(*) FROM entry WHERE external_ref IS NOT NULL")
            ).scalar_one()
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("entry")}
            tables = set(sa.inspect(conn).get_table_names())
        assert (
            before
            == after
            == {
                "teams": 1,
                "goals": 2,
                "live calls": 84,
                "all entries": 6,
                "outbox": 1,
                "members": 2,
                "installs": 1,
            }
        )
        assert [tuple(row) for row in settings] == [("deals", 500000, "any", "")]
        assert refs == 0
        assert {"ix_entry_deleted", "ix_entry_external_ref"} <= indexes
        assert {"crm_connection", "crm_owner", "crm_record"} <= tables
        # And back: the downgrade drops only what 0009 added.
        command.downgrade(config, "0008")
        with db.engine.connect() as conn:
            assert {
                name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()
            } == before
            assert "crm_record" not in sa.inspect(conn).get_table_names()
            assert "crm_only" not in {c["name"] for c in sa.inspect(conn).get_columns("team")}
            assert conn.execute(
                sa.text("SELECT celebrate, celebrate_min, work_hours FROM team")
            ).all() == [("deals", 500000, "any")]
    finally:
        db.dispose()
