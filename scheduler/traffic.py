"""Offered load, shrinkage and the comparison tolerance that every staffing model shares."""

from __future__ import annotations

import math
from fractions import Fraction

TOLERANCE = 1e-9  # a service level or occupancy met to nine decimals counts as met


def traffic_erlangs(contacts: float, aht_seconds: float, interval_minutes: int) -> float:
    """Offered load A = contacts x AHT / interval length, in Erlangs."""
    if contacts <= 0:
        return 0.0
    if not (math.isfinite(contacts) and math.isfinite(aht_seconds) and aht_seconds > 0):
        raise ValueError(f"need finite contacts and a positive AHT, not {contacts}, {aht_seconds}")
    return contacts * aht_seconds / (interval_minutes * 60)


def apply_shrinkage(raw_agents: int, shrinkage: float) -> int:
    """Agents to schedule so `raw_agents` remain after shrinkage: exact ceil(raw / (1 - s))."""
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), not {shrinkage}")
    kept = 1 - Fraction(repr(float(shrinkage)))  # the decimal the user typed, not its binary
    return math.ceil(Fraction(int(raw_agents)) / kept)
