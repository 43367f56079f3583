"""The imports bench works end to end at a tiny size (the numbers themselves are
`python -m bench --only imports`'s business; tests never assert speed)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

from bench import imports, seed
from storage.db import Database


def test_generated_files_are_valid_activity_files(tmp_path):
    path = tmp_path / "a.csv"
    imports.generate_activity(path, 500, 20, date(2026, 11, 20))
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 500 and list(rows[0]) == ["user", "metric", "date", "amount", "note"]
    assert {r["user"] for r in rows[::10]} <= {f"@rep{i:04d}" for i in range(20)}
    assert all(r["date"] <= "2026-11-20" for r in rows)


def test_an_import_run_reports_rows_memory_and_a_second_run_stores_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/bench.db"
    db = Database(url)
    db.upgrade()
    db.dispose()
    seed.seed_directory(url, 20, datetime.now(UTC))
    path = tmp_path / "a.csv"
    imports.generate_activity(path, 2_000, 20, datetime.now(UTC).date())
    args = ["activity", str(path), "--workspace", seed.TEAM_ID]
    first = imports.run_import(args, url, "activity 2,000 (first)", 2_000, tmp_path)
    again = imports.run_import(args, url, "activity 2,000 (again)", 2_000, tmp_path)
    assert first.code == 0, first.output
    assert (first.imported, first.already, again.imported, again.already) == (2_000, 0, 0, 2_000)
    assert first.peak_mb > 10 and first.rows_per_second > 0
    result = imports.BackendResult("sqlite", [first, again])
    text, broken, _ = imports.report([result], (2_000,), quick=True, seconds=1.0)
    assert not broken
    assert "| SQLite | activity 2,000 (first) | 2,000 |" in text
    assert "| SQLite | a second import stores nothing | yes | PASS |" in text
