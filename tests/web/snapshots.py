"""Snapshots of every row of every table, to prove that something changed nothing.

Tables come from SQLModel's metadata, so tables added later are covered without a list.
Instants are compared as UTC (SQLite hands them back naive, PostgreSQL aware).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel

from web import models  # noqa: F401  (registers every table)

Snapshot = dict[str, list[tuple[Any, ...]]]


def _value(value: Any) -> Any:  # noqa: ANN401
    """A column value in a backend-independent form."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def table_rows(connection: Connection, table: Table) -> list[tuple[Any, ...]]:
    """Every row of a table in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    rows = connection.execute(select(table).order_by(*order))
    return [tuple(_value(v) for v in row) for row in rows]


def snapshot(source: Engine | Session, *, exclude: tuple[str, ...] = ()) -> Snapshot:
    """Every row of every table (but `exclude`), keyed by table name, as committed now.

    A session's own open transaction is not used (it may see an older state): the snapshot
    reads on a new connection of the session's engine.
    """
    engine = source.get_bind() if isinstance(source, Session) else source
    with engine.connect() as connection:
        return {
            table.name: table_rows(connection, table)
            for table in SQLModel.metadata.sorted_tables
            if table.name not in exclude
        }


def fingerprint(source: Engine | Session) -> dict[str, tuple[int, str]]:
    """Rows and a SHA-256 of the contents of every table: cheap to keep and compare."""
    return {
        name: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for name, rows in snapshot(source).items()
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    """Names of the tables whose snapshot or fingerprint differs."""
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
