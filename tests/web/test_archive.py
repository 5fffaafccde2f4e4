"""`vuoro export` / `vuoro import`: all data to a portable archive and back, all or nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from web.archive import ArchiveError, import_archive, read_manifest
from web.cli import main
from web.db import make_engine, upgrade_schema

from .rich_data import copy_into, enrich
from .snapshots import database_revision as _revision
from .snapshots import database_rows as _rows
from .snapshots import snapshot


@pytest.fixture()
def rich_archive(app, tmp_path: Path) -> tuple[Path, str]:  # noqa: ANN001
    """An archive of the planned world with a day's use on top, and that database's URL."""
    engine = app.extensions["vuoro_engine"]
    with Session(engine) as session:
        enrich(session, _published_id(session))
    path = tmp_path / "rich.zip"
    assert main(["--database-url", app.config["DATABASE_URL"], "export", str(path)]) == 0
    return path, app.config["DATABASE_URL"]


def _published_id(session: Session) -> int:
    """The planned world's published roster."""
    return session.execute(text("SELECT id FROM roster WHERE status = 'published'")).scalar()


def test_restored_database_keeps_working(rich_archive, databases) -> None:  # noqa: ANN001
    """After import, new rows get fresh ids (PostgreSQL's sequences follow the restored ids)."""
    path, source_url = rich_archive
    url = databases.create()
    engine = make_engine(url)
    import_archive(engine, path)
    assert snapshot(engine) == _rows(source_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO client (key, name, shortfall_weight) "
                                "VALUES ('newco', 'New Co', 100)"))
        ids = connection.execute(text("SELECT id FROM client ORDER BY id")).scalars().all()
    assert ids[-1] == max(ids[:-1]) + 1
    engine.dispose()
    databases.drop(url)


def test_import_into_a_database_holding_data_is_refused_and_changes_nothing(rich_archive, planned, databases, capsys) -> None:  # noqa: ANN001, E501
    """A non-empty database: exit 2 naming a table with rows, and not one row changes."""
    path, _ = rich_archive
    url = databases.create(template=planned.url)
    before = _rows(url)
    assert main(["--database-url", url, "import", str(path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert _rows(url) == before
    databases.drop(url)


def _rewrite(path: Path, out: Path, file: str, edit, *, fix_checksum: bool) -> None:  # noqa: ANN001
    """Copy an archive, changing one table file's lines (and its checksum if asked)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        columns = next(t["columns"] for t in manifest["tables"] if t["file"] == file)
        for item in source.namelist():
            data = source.read(item)
            if item == file:
                data = edit(data.decode(), columns).encode()
                if fix_checksum:
                    entry = next(t for t in manifest["tables"] if t["file"] == file)
                    entry["sha256"] = hashlib.sha256(data).hexdigest()
            if item != "manifest.json":
                target.writestr(item, data)
        target.writestr("manifest.json", json.dumps(manifest))


def _second_start_unreadable(lines: str, columns: list[str]) -> str:
    """Make the second shift's start instant unreadable."""
    rows = lines.splitlines()
    values = json.loads(rows[1])
    values[columns.index("start")] = "next Tuesday"
    rows[1] = json.dumps(values)
    return "\n".join(rows) + "\n"


def _last_end_an_hour_later(lines: str, columns: list[str]) -> str:
    """Change the last shift's end to another valid instant (only the checksum can tell)."""
    rows = lines.splitlines()
    values = json.loads(rows[-1])
    end = datetime.fromisoformat(values[columns.index("end")]) + timedelta(hours=1)
    values[columns.index("end")] = end.isoformat()
    rows[-1] = json.dumps(values)
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("edit", "fix_checksum", "message"),
    [(_second_start_unreadable, True, "tables/shift.jsonl line 2, column start"),
     (_last_end_an_hour_later, False, "is damaged")],
)
def test_damaged_archive_is_refused_and_leaves_the_database_empty(rich_archive, databases, tmp_path: Path, edit, fix_checksum: bool, message: str) -> None:  # noqa: ANN001, E501
    """A bad value in the middle (or a failed checksum): a clear error, and not one row kept."""
    path, _ = rich_archive
    damaged = tmp_path / "damaged.zip"
    _rewrite(path, damaged, "tables/shift.jsonl", edit, fix_checksum=fix_checksum)
    url = databases.create()
    engine = make_engine(url)
    with pytest.raises(ArchiveError, match=message):
        import_archive(engine, damaged)
    rows = snapshot(engine)
    assert sum(len(r) for r in rows.values()) == 0, "the load is all or nothing"
    import_archive(engine, path)  # the same (now-empty) database takes a good archive
    assert snapshot(engine)["shift"]
    engine.dispose()
    databases.drop(url)


def test_archive_from_an_older_schema_restores_into_the_latest(planned, databases, tmp_path: Path) -> None:  # noqa: ANN001, E501
    """An archive made at revision 0001 is imported and migrated to the latest revision."""
    old_url = databases.create()
    old = make_engine(old_url)
    upgrade_schema(old, "0001")
    source = make_engine(planned.url)
    copy_into(source, old)
    source.dispose()
    path = tmp_path / "old.zip"
    assert main(["--database-url", old_url, "export", str(path)]) == 0
    with zipfile.ZipFile(path) as opened:
        assert read_manifest(opened).schema_revision == "0001"

    url = databases.create()
    engine = make_engine(url)
    upgrade_schema(engine)  # an empty database of this version: rebuilt at 0001, then migrated
    import_archive(engine, path)
    upgrade_schema(old)
    assert snapshot(engine) == snapshot(old)
    assert _revision(url) == _revision(old_url) != "0001"
    old.dispose()
    engine.dispose()
    databases.drop(url)
    databases.drop(old_url)


def test_unknown_revision_and_non_archives_are_refused(databases, tmp_path: Path) -> None:  # noqa: ANN001
    """An archive from a newer Vuoro, or a file that is no archive: a clear refusal."""
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as archive:
        archive.writestr("manifest.json", json.dumps({
            "format": "vuoro.archive/1", "schema_revision": "zz99_future", "created_at": "",
            "source_dialect": "sqlite", "tables": []}))
    other = tmp_path / "other.zip"
    other.write_text("not a zip")
    url = databases.create()
    engine = make_engine(url)
    with pytest.raises(ArchiveError, match="does not know"):
        import_archive(engine, newer)
    with pytest.raises(ArchiveError, match="cannot open"):
        import_archive(engine, other)
    engine.dispose()
    databases.drop(url)
