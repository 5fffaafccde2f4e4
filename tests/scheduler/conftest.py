"""Fixtures for the scheduler tests; the instance builders live in tiny_instances.py."""

from __future__ import annotations

from datetime import date

import pytest
from tiny_instances import MONDAY


@pytest.fixture
def monday() -> date:
    """The first day of the test week."""
    return MONDAY
