"""Synced entries are entries: App Home and the export read them like typed ones, and a
typed /log adds to HubSpot's numbers (both sources add up unless the team is crm-only)."""

from __future__ import annotations

import csv
import json

from bot.cli import main
from tests.crm.test_hubspot_sync import load
from tests.e2e.test_app_home import open_home


def _texts(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_app_home_and_the_export_count_synced_entries(floor, tmp_path, monkeypatch, capsys):
    load(floor)
    floor.sync()
    # A typed call on top of HubSpot's two: both count.
    assert floor.workspace.log(floor.maria, "calls 1 2026-11-19").startswith(
        "Logged 1 call on Thu 19 Nov."
    )
    home = _texts(open_home(floor.workspace, floor.maria))
    assert "3 calls" in home and "$4,500.50" in home, home

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv(
        "DATABASE_URL", str(floor.db.engine.url.render_as_string(hide_password=False))
    )
    out = tmp_path / "nov.csv"
    assert (
        main(
            [
                "export",
                "--period",
                "2026-11",
                "--team",
                "east",
                "--workspace",
                floor.workspace.team_id,
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    maria = {r["Metric"]: r["Actual"] for r in rows if r["Person"] == "maria"}
    # Two synced calls and the typed one; the deal's revenue; the opportunity was in October.
    assert maria == {
        "calls": "3",
        "emails": "1",
        "meetings": "1",
        "demos": "1",
        "deals": "1",
        "revenue": "4500.50",
    }
