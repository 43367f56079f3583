"""What a parsed row of any import file becomes: the entries it adds, and how it is known
again (its identity, for duplicates within a file and for idempotency across imports)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

KEY_PREFIX = "import:"


class RowError(Exception):
    """One row is wrong; the message names the column and the value. The whole file is
    refused, so nothing half-imported is left behind."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    metric: str
    day: date
    quantity: int
    note: str | None
    # Entry.idempotency_key: the database refuses a second copy, so importing twice adds nothing.
    key: str


@dataclass(frozen=True, slots=True)
class PlannedRow:
    line: int
    # Two rows with one identity are the same record (a CRM opportunity id; an activity row
    # as written): the later one is a duplicate, or a conflict when `digest` differs.
    identity: bytes
    digest: bytes
    who: str  # the person as the file writes them
    entries: tuple[PlannedEntry, ...]
    skip: str | None = None  # why the row adds nothing, when it adds nothing


def entry_key(workspace: str, source: str, identity: str) -> str:
    """`import:` and 32 hex digits (128 bits) of SHA-256 over the workspace, the file kind
    and the row's identity: the unique index on `entry.idempotency_key` spans workspaces, so
    the workspace is part of the key. Short keys keep that index small, which is what a
    million-row import spends its time in."""
    digest = hashlib.sha256(f"{workspace}\x1f{source}\x1f{identity}".encode()).hexdigest()
    return KEY_PREFIX + digest[:32]


def key_identity(key: str) -> bytes:
    """The 16 bytes an entry key stands for: a row identity for the duplicate index."""
    return bytes.fromhex(key[len(KEY_PREFIX) :])


def short_digest(text: str) -> bytes:
    """16 bytes naming a text: what the duplicate index stores instead of the text."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
