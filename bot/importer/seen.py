"""Which rows a file has already shown, without holding them in memory.

Finding the same row twice in a file needs every earlier row's identity. A Python set of a
million identities costs ~100 MB, growing with the file; this index lives in a temporary
SQLite file instead, so memory stays flat and only disk grows (16 + 16 bytes a row).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 500  # identities per IN (…) query


@dataclass(frozen=True)
class Repeat:
    line: int
    first_line: int
    same: bool  # False: same identity, other content — a conflict, not a duplicate


class SeenRows:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="paceline-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db")
        # A scratch index: nothing to recover after a crash, so no journal and no fsync.
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000;"
            "CREATE TABLE seen (identity BLOB PRIMARY KEY, line INTEGER, digest BLOB) WITHOUT ROWID;"
            "CREATE TABLE repeat (line INTEGER PRIMARY KEY, first_line INTEGER);"
        )

    def add(self, rows: Sequence[tuple[bytes, int, bytes]]) -> list[Repeat]:
        """Record (identity, line, digest) rows, in line order; return those seen before."""
        repeats: list[Repeat] = []
        fresh: dict[bytes, tuple[int, bytes]] = {}
        earlier = self._lookup([identity for identity, _, _ in rows])
        for identity, line, digest in rows:
            first = earlier.get(identity) or fresh.get(identity)
            if first is None:
                fresh[identity] = (line, digest)
            else:
                repeats.append(Repeat(line, first[0], first[1] == digest))
        self._db.executemany(
            "INSERT INTO seen VALUES (?, ?, ?)", ((i, line, d) for i, (line, d) in fresh.items())
        )
        self._db.executemany(
            "INSERT INTO repeat VALUES (?, ?)", ((r.line, r.first_line) for r in repeats if r.same)
        )
        return repeats

    def repeats(self) -> Iterator[tuple[int, int]]:
        """(line, first line) of every duplicate row, in line order: pass 2 walks it in
        step with the file."""
        yield from self._db.execute("SELECT line, first_line FROM repeat ORDER BY line")

    def _lookup(self, identities: list[bytes]) -> dict[bytes, tuple[int, bytes]]:
        found: dict[bytes, tuple[int, bytes]] = {}
        for start in range(0, len(identities), _CHUNK):
            chunk = identities[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for identity, line, digest in self._db.execute(
                f"SELECT identity, line, digest FROM seen WHERE identity IN ({marks})", chunk
            ):
                found[identity] = (line, digest)
        return found

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SeenRows:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
