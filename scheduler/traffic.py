"""Offered load, shrinkage and the comparison tolerance that every staffing model shares."""

from __future__ import annotations

import math
from fractions import Fraction

TOLERANCE = 1e-9  # a service level or occupancy met to nine decimals counts as met
# the largest offered load one queue-interval may carry: the Erlang searches step through every
# N up to the load, so an absurd figure (a typo, a fuzzed form) would otherwise hold a server
# for ever; the biggest real queues need a few thousand agents
MAX_TRAFFIC_ERLANGS = 100_000.0


def traffic_erlangs(contacts: float, aht_seconds: float, interval_minutes: int) -> float:
    """Offered load A = contacts x AHT / interval length, in Erlangs."""
    if contacts <= 0:
        return 0.0
    if not (math.isfinite(contacts) and math.isfinite(aht_seconds) and aht_seconds > 0):
        raise ValueError(f"need finite contacts and a positive AHT, not {contacts}, {aht_seconds}")
    return contacts * aht_seconds / (interval_minutes * 60)


def traffic_limit_error(traffic: float) -> str | None:
    """Why an offered load is too large to staff, in words; None when it can be staffed."""
    if traffic <= MAX_TRAFFIC_ERLANGS:
        return None
    return (f"the offered load is {traffic:,.0f} Erlangs (contacts x AHT / interval), more than "
            f"the {MAX_TRAFFIC_ERLANGS:,.0f} one queue can be staffed for; check the figures")


def check_traffic(traffic: float) -> float:
    """`traffic`, or a ValueError saying why it is too large to staff."""
    error = traffic_limit_error(traffic)
    if error:
        raise ValueError(error)
    return traffic


def apply_shrinkage(raw_agents: int, shrinkage: float) -> int:
    """Agents to schedule so `raw_agents` remain after shrinkage: exact ceil(raw / (1 - s))."""
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), not {shrinkage}")
    kept = 1 - Fraction(repr(float(shrinkage)))  # the decimal the user typed, not its binary
    return math.ceil(Fraction(int(raw_agents)) / kept)
