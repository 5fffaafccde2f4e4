"""Throw-away test databases: SQLite files by default, PostgreSQL when DATABASE_URL says so.

On PostgreSQL each test gets its own database cloned from a template (CREATE DATABASE …
TEMPLATE), so tests never share a live database and nothing is cleaned up by hand.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class TestDatabases:
    """Creates and drops databases for one test session."""

    __test__ = False  # not a test class

    def __init__(self, folder: Path, server_url: str | None = None) -> None:
        self.folder = folder
        self.server_url = server_url if server_url is not None else os.environ.get("DATABASE_URL")
        self._names = itertools.count()
        # pid and a random part: each conftest that imports the fixture gets its own instance,
        # and other sessions (other worktrees) share the server
        self._prefix = f"vuoro_test_{os.getpid()}_{secrets.token_hex(3)}"

    @property
    def backend(self) -> str:
        """'postgresql' or 'sqlite'."""
        if self.server_url and self.server_url.startswith("postgresql"):
            return "postgresql"
        return "sqlite"

    def create(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`'s database) and its URL."""
        name = f"{self._prefix}_{next(self._names)}"
        if self.backend == "sqlite":
            path = self.folder / f"{name}.sqlite"
            if template is not None:
                shutil.copy(make_url(template).database, path)
            return f"sqlite:///{path}"
        like = f' TEMPLATE "{make_url(template).database}"' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{like}')
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove a database made by create()."""
        if self.backend == "sqlite":
            Path(make_url(url).database).unlink(missing_ok=True)
            return
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        """Run a statement outside a transaction on the server's maintenance database."""
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()
