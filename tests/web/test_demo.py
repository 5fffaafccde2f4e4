"""`vuoro demo` end to end on the full demo world: the published roster breaks no hard rule, and
`vuoro export` / `vuoro import` carry the whole world row for row (one module, so a parallel
run builds the demo world once)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from scheduler.validate import validate
from web import create_app
from web import models as m
from web.archive import read_manifest
from web.cli import main
from web.db import make_engine
from web.planning import load_roster, stored_problem

from .snapshots import database_revision as _revision
from .snapshots import database_rows as _rows


def test_demo_publishes_a_valid_roster_and_every_role_can_log_in(demo_database) -> None:  # noqa: ANN001
    """The demo seeds, forecasts, solves and publishes; its logins work for each role."""
    url, world = demo_database.url, demo_database.world
    engine = make_engine(url)
    with Session(engine) as session:
        roster = session.exec(select(m.Roster).where(m.Roster.status == "published")).one()
        assert roster.start_day == date(2026, 11, 23)
        problem = stored_problem(session, roster)
        stored = load_roster(session, roster.id)
        assert validate(problem, stored) == []
        assert len({s.agent for s in stored.shifts}) >= 60, "most agents get shifts"
    engine.dispose()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url})
    for role in ("coordinator", "agent", "client"):
        user = next(u for u in world.users if u.role == role)
        client = app.test_client()
        form = {"username": user.username, "password": user.password}
        response = client.post("/login", data=form)
        assert response.status_code == 302, f"{role} demo login fails"
        assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200
    app.extensions["vuoro_engine"].dispose()


def test_demo_world_round_trips_row_for_row(demo_database, databases, tmp_path: Path, capsys) -> None:  # noqa: ANN001, E501
    """Export the demo world, import it into an empty database: every row of every table equal."""
    archive = tmp_path / "demo.zip"
    assert main(["--database-url", demo_database.url, "export", str(archive)]) == 0
    assert "Exported" in capsys.readouterr().out
    with zipfile.ZipFile(archive) as opened:
        manifest = read_manifest(opened)
    assert {t.name for t in manifest.tables} >= {t.name for t in SQLModel.metadata.sorted_tables}
    assert manifest.schema_revision == _revision(demo_database.url)
    original = _rows(demo_database.url)
    assert {t.name: t.rows for t in manifest.tables} == {
        name: len(rows) for name, rows in original.items()
    }
    assert original["shift"] and original["contacthistory"] and original["user"]

    restored_url = databases.create()
    assert main(["--database-url", restored_url, "import", str(archive)]) == 0
    assert _rows(restored_url) == original
    assert _revision(restored_url) == manifest.schema_revision
    databases.drop(restored_url)
