"""Portable archives of all Vuoro data: a zip of one JSON Lines file per table and a manifest.

The archive holds every table the database has (read from the database itself, so tables
added by later migrations need no change here) with the schema revision it was made at:

    manifest.json        {"format": "vuoro.archive/1", "schema_revision": "0004",
                          "tables": [{"name", "file", "columns", "rows", "sha256"}, ...]}
    tables/<name>.jsonl  one JSON array per row, values in the manifest's column order:
                          instants as ISO 8601 in UTC, dates as ISO dates, JSON columns as
                          JSON, non-finite floats as "NaN" / "Infinity" / "-Infinity"

Export reads one consistent snapshot. Import restores into an empty database only: it builds
the schema at the archive's revision, loads every row in one transaction (all or nothing,
checked against the manifest's counts and checksums), then migrates to the latest revision,
so an archive made by an older Vuoro restores into a newer one.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, MetaData, Table, event, func, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

from web.db import alembic_config, upgrade_schema

FORMAT = "vuoro.archive/1"
MANIFEST = "manifest.json"
BATCH_ROWS = 5_000
SKIPPED_TABLES = ("alembic_version",)  # the revision is recorded in the manifest instead
Progress = Callable[[str, int], None]  # (table, rows so far)


class ArchiveError(ValueError):
    """An archive that cannot be written or restored, with what to do about it."""


@dataclass(frozen=True)
class TableEntry:
    """One table in an archive."""

    name: str
    file: str
    columns: tuple[str, ...]
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What an archive holds."""

    schema_revision: str
    created_at: str
    source_dialect: str
    tables: tuple[TableEntry, ...]

    @property
    def rows(self) -> int:
        """Rows over all tables."""
        return sum(t.rows for t in self.tables)

    def as_json(self) -> dict[str, Any]:
        """The manifest.json document."""
        return {
            "format": FORMAT,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "source_dialect": self.source_dialect,
            "tables": [
                {"name": t.name, "file": t.file, "columns": list(t.columns), "rows": t.rows,
                 "sha256": t.sha256}
                for t in self.tables
            ],
        }


def current_revision(connection: Connection) -> str | None:
    """The database's Alembic revision (None for a database without Vuoro's schema)."""
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> list[Table]:
    """The database's own tables in foreign-key order (parents first)."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _snapshot_engine(engine: Engine) -> Engine:
    """An engine whose transactions read one consistent snapshot of the whole database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "sqlite":
        return create_engine(url, isolation_level="REPEATABLE READ")
    snapshot = create_engine(url)

    # pysqlite starts no transaction before a SELECT; without one each table would be read
    # at a different moment. SQLAlchemy's documented recipe: let BEGIN be ours.
    @event.listens_for(snapshot, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None

    @event.listens_for(snapshot, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return snapshot


def _encode(value: Any) -> Any:  # noqa: ANN401
    """A column value as JSON."""
    if value is None or isinstance(value, bool | int | str | dict | list):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, datetime):
        instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return instant.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise ArchiveError(f"cannot archive a value of type {type(value).__name__}")


def export_archive(
    engine: Engine, path: str | Path, *, progress: Progress | None = None
) -> Manifest:
    """Write every row of every table to a zip archive at `path`; return its manifest."""
    reader = _snapshot_engine(engine)
    entries = []
    try:
        with reader.connect() as connection, connection.begin():
            revision = current_revision(connection)
            if revision is None:
                raise ArchiveError("the database has no Vuoro schema: nothing to export")
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for table in _tables(connection):
                    entries.append(_export_table(connection, table, archive, progress))
                manifest = Manifest(
                    schema_revision=revision,
                    created_at=datetime.now(UTC).isoformat(),
                    source_dialect=engine.dialect.name,
                    tables=tuple(entries),
                )
                archive.writestr(MANIFEST, json.dumps(manifest.as_json(), indent=2) + "\n")
    finally:
        reader.dispose()
    return manifest


def _export_table(
    connection: Connection, table: Table, archive: zipfile.ZipFile, progress: Progress | None
) -> TableEntry:
    """Write one table's rows (in primary-key order) as JSON Lines into the archive."""
    file = f"tables/{table.name}.jsonl"
    order = list(table.primary_key.columns) or list(table.columns)
    digest = hashlib.sha256()
    rows = 0
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(
        select(table).order_by(*order)
    )
    with archive.open(file, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        for row in result:
            line = json.dumps([_encode(v) for v in row], ensure_ascii=False,
                              separators=(",", ":"), allow_nan=False) + "\n"
            digest.update(line.encode())
            out.write(line)
            rows += 1
            if progress is not None and rows % 50_000 == 0:
                progress(table.name, rows)
    if progress is not None:
        progress(table.name, rows)
    return TableEntry(table.name, file, tuple(table.columns.keys()), rows, digest.hexdigest())


def read_manifest(archive: zipfile.ZipFile) -> Manifest:
    """The archive's manifest, checked for format and shape."""
    try:
        document = json.loads(archive.read(MANIFEST))
    except KeyError as error:
        raise ArchiveError(f"not a Vuoro archive: it has no {MANIFEST}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(f"{MANIFEST} is not valid JSON: {error}") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError(f"not a {FORMAT} archive")
    try:
        tables = tuple(
            TableEntry(str(t["name"]), str(t["file"]), tuple(str(c) for c in t["columns"]),
                       int(t["rows"]), str(t["sha256"]))
            for t in document["tables"]
        )
        return Manifest(str(document["schema_revision"]), str(document["created_at"]),
                        str(document["source_dialect"]), tables)
    except (KeyError, TypeError, ValueError) as error:
        raise ArchiveError(f"{MANIFEST} is malformed: {error}") from error


def _known_revision(engine: Engine, revision: str) -> bool:
    """Whether this version's migrations include `revision`."""
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    return any(script.revision == revision for script in scripts.walk_revisions())


def _require_empty(connection: Connection) -> None:
    """Refuse a database that holds any row in any table."""
    for table in _tables(connection):
        rows = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if rows:
            raise ArchiveError(
                f"the database is not empty (table {table.name} holds {rows:,} rows): "
                "import restores into an empty database only"
            )


def _prepare_schema(engine: Engine, revision: str) -> None:
    """Bring an empty database's schema to `revision` (rebuilt if it stands elsewhere)."""
    with engine.connect() as connection:
        _require_empty(connection)
        stale = _tables(connection) if current_revision(connection) != revision else []
    if stale:  # empty tables of another revision: rebuild them at the archive's
        with engine.begin() as connection:
            for table in reversed(stale):
                table.drop(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_schema(engine, revision)


def import_archive(
    engine: Engine, path: str | Path, *, progress: Progress | None = None
) -> Manifest:
    """Restore an archive into an empty database, all or nothing; return its manifest."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"cannot open {path}: {error}") from error
    with archive:
        manifest = read_manifest(archive)
        if not _known_revision(engine, manifest.schema_revision):
            raise ArchiveError(
                f"the archive is at schema revision {manifest.schema_revision}, which this "
                "version of Vuoro does not know: restore it with the newer Vuoro that made it"
            )
        _prepare_schema(engine, manifest.schema_revision)
        with engine.begin() as connection:
            _require_empty(connection)
            tables = {t.name: t for t in _tables(connection)}
            missing = [t.name for t in manifest.tables if t.name not in tables]
            if missing:
                raise ArchiveError(f"the archive has tables the schema lacks: {missing}")
            for entry in sorted(manifest.tables, key=lambda e: list(tables).index(e.name)):
                _import_table(connection, tables[entry.name], entry, archive, progress)
            reset_sequences(connection, [tables[e.name] for e in manifest.tables])
    upgrade_schema(engine)
    return manifest


def _decoder(table: Table, column: str) -> Callable[[Any], Any]:
    """A function turning an archived JSON value into the column's Python value."""
    if column not in table.columns:
        raise ArchiveError(f"table {table.name} has no column {column!r} at this revision")
    kind = table.columns[column].type
    if isinstance(kind, sqltypes.DateTime):
        return _instant
    if isinstance(kind, sqltypes.Date):
        return date.fromisoformat
    if isinstance(kind, sqltypes.Boolean):
        return _strict(bool)
    if isinstance(kind, sqltypes.Integer):
        return _strict(int)
    if isinstance(kind, sqltypes.Float | sqltypes.Numeric):
        return lambda v: float(v) if isinstance(v, str) else _strict(int, float)(v) * 1.0
    if isinstance(kind, sqltypes.JSON):
        return lambda v: v
    if isinstance(kind, sqltypes.String):
        return _strict(str)
    raise ArchiveError(f"cannot restore column {table.name}.{column} of type {kind}")


def _instant(value: Any) -> datetime:  # noqa: ANN401
    """An ISO 8601 instant with its UTC offset, as an aware UTC datetime."""
    parsed = datetime.fromisoformat(_strict(str)(value))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _strict(*types: type) -> Callable[[Any], Any]:
    """A decoder accepting only values of `types` (bools are not integers here)."""

    def check(value: Any) -> Any:  # noqa: ANN401
        if isinstance(value, bool) and bool not in types:
            raise TypeError(f"expected {types[0].__name__}, got a boolean")
        if not isinstance(value, types):
            raise TypeError(f"expected {types[0].__name__}, got {type(value).__name__}")
        return value

    return check


def _lines(archive: zipfile.ZipFile, entry: TableEntry) -> Iterator[tuple[int, bytes]]:
    """The table file's lines, numbered from 1; the checksum is verified at the end."""
    digest = hashlib.sha256()
    try:
        handle = archive.open(entry.file)
    except KeyError as error:
        raise ArchiveError(f"the archive lacks {entry.file}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            digest.update(line)
            yield number, line
    if digest.hexdigest() != entry.sha256:
        raise ArchiveError(f"{entry.file} is damaged: its checksum does not match the manifest")


def _import_table(
    connection: Connection,
    table: Table,
    entry: TableEntry,
    archive: zipfile.ZipFile,
    progress: Progress | None,
) -> None:
    """Insert one table's archived rows, checking each value against the column's type."""
    decoders = [(name, _decoder(table, name)) for name in entry.columns]
    batch: list[dict[str, Any]] = []
    rows = 0
    for number, line in _lines(archive, entry):
        where = f"{entry.file} line {number}"
        try:
            values = json.loads(line)
        except ValueError as error:
            raise ArchiveError(f"{where}: not valid JSON ({error})") from error
        if not isinstance(values, list) or len(values) != len(decoders):
            raise ArchiveError(f"{where}: expected {len(decoders)} values")
        row = {}
        for (name, decode), value in zip(decoders, values, strict=True):
            try:
                row[name] = None if value is None else decode(value)
            except (TypeError, ValueError) as error:
                raise ArchiveError(f"{where}, column {name}: {error}") from error
        batch.append(row)
        rows += 1
        if len(batch) == BATCH_ROWS:
            connection.execute(table.insert(), batch)
            batch = []
            if progress is not None:
                progress(table.name, rows)
    if batch:
        connection.execute(table.insert(), batch)
    if rows != entry.rows:
        raise ArchiveError(f"{entry.file} holds {rows:,} rows, the manifest says {entry.rows:,}")
    if progress is not None:
        progress(table.name, rows)


def reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        name, column = quote(table.name), quote(keys[0].name)
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {name}"
        ), {"table": name, "column": keys[0].name})
