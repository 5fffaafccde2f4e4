"""Suite-wide hooks: every test that uses a database is marked `database`.

`make test-postgres` runs exactly the marked tests again with DATABASE_URL naming the local
PostgreSQL server, so any new database-backed test, wherever it lives in tests/, runs on both
backends without being listed anywhere.
"""

from __future__ import annotations

import pytest

DATABASE_FIXTURE = "databases"  # tests/web/conftest.py: the session's throw-away databases


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests whose fixtures reach the test databases."""
    for item in items:
        if DATABASE_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
