"""Holding a row until the caller commits, so that two staff acting on the same case or review at
once act one after the other (a check, then a write, never both on the same stale read):
FOR UPDATE on PostgreSQL; on SQLite, where a SELECT locks nothing, a write that changes nothing,
taking the database's write lock as the transaction's first write (as grader.sitting does for seats)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect, update
from sqlalchemy.orm import Session

T = TypeVar("T")


def hold(session: Session, model: type[T], key: Any) -> T | None:
    """The row of `model` with primary key `key`, held until commit (None: no such row)."""
    if session.get_bind().dialect.name == "sqlite":
        (column,) = inspect(model).primary_key
        session.execute(update(model).where(column == key).values({column.key: column}))
        return session.get(model, key, populate_existing=True)
    return session.get(model, key, with_for_update=True, populate_existing=True)
