"""The database engine (one per app), its schema, and one session per web request."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from web import models  # noqa: F401  (registers the tables on SQLModel.metadata)

DEFAULT_URL = "sqlite:///instance/vuoro.sqlite"
MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger one cannot exist (PostgreSQL refuses it)


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit, else $DATABASE_URL, else a SQLite file under ./instance."""
    return explicit or os.environ.get("DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite files get their folder and foreign-key enforcement."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    """Enforce foreign keys and let readers work while a writer commits."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    """Alembic's configuration for Vuoro's migrations on an engine."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` through the migrations (idempotent).

    On SQLite, altering a table means copying it into a new one and dropping the old (Alembic's
    batch mode), which foreign-key enforcement forbids while other rows point at it; so keys
    are checked once after the whole upgrade instead, and any dangling one undoes it all.
    """
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # only outside a transaction does this pragma take effect
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if dangling:
                        raise RuntimeError(f"the upgrade left dangling foreign keys: {dangling}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def create_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    upgrade_schema(engine)


def reset_schema(engine: Engine) -> None:
    """Drop every table and build the schema again from the migrations (a clean world)."""
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_schema(engine)


def request_session() -> Session:
    """The current request's session, opened on first use and closed on teardown."""
    if "db_session" not in g:
        g.db_session = Session(current_app.extensions["vuoro_engine"])
    return g.db_session


def close_request_session(_exc: BaseException | None = None) -> None:
    """Close the request's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
