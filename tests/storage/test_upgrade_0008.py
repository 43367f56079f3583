"""Migration 0008 (live wins) carries a database of the previous schema forward: every team,
goal, entry, outbox row and install is still there with the same figures, and teams get the
live-wins defaults."""

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
        command.upgrade(config, "0007")
        with db.engine.begin() as conn:
            seed(conn)
            before = {
                name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()
            }
        db.upgrade()
        with db.engine.connect() as conn:
            after = {name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()}
            settings = conn.execute(
                sa.text("SELECT celebrate, celebrate_min, work_hours FROM team")
            ).all()
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("entry")}
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
        assert [tuple(row) for row in settings] == [("hits,team", None, "08:00-19:00")]
        assert "ix_entry_deleted" in indexes
        # And back: the downgrade drops only what 0008 added.
        command.downgrade(config, "0007")
        with db.engine.connect() as conn:
            assert {
                name: conn.execute(sa.text(sql)).scalar_one() for name, sql in FIGURES.items()
            } == before
            assert "celebration" not in sa.inspect(conn).get_table_names()
    finally:
        db.dispose()
