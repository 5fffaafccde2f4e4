"""Snapshots of every row of every table, to prove that something changed nothing.

Tables come from SQLModel's metadata, so tables added later are covered without a list.
Instants are compared as UTC (SQLite hands them back naive, PostgreSQL aware).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel

from web import models  # noqa: F401  (registers every table)
from web.db import make_engine

Snapshot = dict[str, list[tuple[Any, ...]]]


def comparable(value: Any) -> Any:  # noqa: ANN401
    """A column value in a backend-independent form."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def table_rows(connection: Connection, table: Table) -> list[tuple[Any, ...]]:
    """Every row of a table in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    rows = connection.execute(select(table).order_by(*order))
    return [tuple(comparable(v) for v in row) for row in rows]


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
    """Rows and a SHA-256 of the contents of every table: cheap to keep and compare.

    Reads the driver's raw values (no type conversion, twice as fast as snapshot()), so two
    fingerprints compare only on one database: the thing to take before and after a request.
    """
    engine = source.get_bind() if isinstance(source, Session) else source
    quote = engine.dialect.identifier_preparer.quote
    found = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            keys = list(table.primary_key.columns) or list(table.columns)
            rows = connection.exec_driver_sql(
                f"SELECT * FROM {quote(table.name)} ORDER BY "
                + ", ".join(quote(k.name) for k in keys)
            ).fetchall()
            found[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    """Names of the tables whose snapshot or fingerprint differs."""
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))


class Fingerprints:
    """A database's fingerprint, recomputed only when a commit may have changed it.

    On SQLite, `PRAGMA data_version` on a connection of our own changes exactly when any other
    connection commits to the file, so an unchanged version proves unchanged contents and
    the previous fingerprint stands. Elsewhere every call reads every table again.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._probe = engine.raw_connection() if engine.dialect.name == "sqlite" else None
        self._version: int | None = None
        self._last: dict[str, tuple[int, str]] | None = None

    def _data_version(self) -> int | None:
        """SQLite's count of other connections' commits (None elsewhere)."""
        if self._probe is None:
            return None
        cursor = self._probe.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def now(self) -> dict[str, tuple[int, str]]:
        """The fingerprint of every table as committed now."""
        version = self._data_version()
        if self._last is None or version is None or version != self._version:
            self._last = fingerprint(self.engine)
            self._version = version
        return self._last

    def close(self) -> None:
        """Give the probe connection back."""
        if self._probe is not None:
            self._probe.close()
            self._probe = None


def database_revision(url: str) -> str:
    """The Alembic revision of the database at `url`."""
    engine = make_engine(url)
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return revision


def database_rows(url: str) -> Snapshot:
    """A snapshot of every table of the database at `url`."""
    engine = make_engine(url)
    rows = snapshot(engine)
    engine.dispose()
    return rows
