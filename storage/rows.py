"""What SQLModel and the ORM session leave untyped, typed once: a stored row's id, the Core
table behind a model, a column that is never NULL in the rows read, the rows an UPDATE or
DELETE matched.

Ids are `int | None` on the models because a row built in Python has none until the session
flushes it; code holding a row that was loaded or flushed asks `persisted_id` instead of
asserting, so a row that was never stored fails with its name rather than as a None in SQL.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel, col

_T = TypeVar("_T")


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def persisted_id(row: _Stored) -> int:
    """The id of a row the session has loaded or flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model (SQLModel sets `__table__` without declaring it)."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


def non_null_col(column: _T | None) -> Mapped[_T]:
    """`col()` for a column the rows read never hold NULL in (a primary key, or one the query
    keeps IS NOT NULL), typed without the None of the model's attribute."""
    return cast("Mapped[_T]", col(column))


def affected_rows(result: sa.Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run through an ORM session matched. The session types
    every result as a plain Result; for those statements it is a CursorResult."""
    return cast("sa.CursorResult[*tuple[Any, ...]]", result).rowcount
