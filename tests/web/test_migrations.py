"""The schema is built by migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from web.cli import main
from web.db import make_engine, upgrade_schema


def test_migrations_build_exactly_the_models_schema(databases) -> None:  # noqa: ANN001
    """After `vuoro db upgrade`, autogenerate finds nothing left to migrate."""
    url = databases.create()
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    databases.drop(url)


def test_upgrade_keeps_data_and_is_idempotent(databases) -> None:  # noqa: ANN001
    """Data written at the first migration survives upgrading to the latest, twice."""
    url = databases.create()
    engine = make_engine(url)
    upgrade_schema(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO client (key, name, shortfall_weight) VALUES ('telco', 'Telco Oy', 150)"))
    upgrade_schema(engine)
    upgrade_schema(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, name, shortfall_weight FROM client")).all()
    assert [tuple(r) for r in rows] == [("telco", "Telco Oy", 150)]
    assert "job" in inspect(engine).get_table_names()
    engine.dispose()
    databases.drop(url)
