"""Done-when 2, as properties over generated inputs (hypothesis): monotone and stable staffing.

Service level rises with agents; required agents rise with volume, AHT, the service-level
target and a shorter answer time; everything stays finite and exact up to 2000 agents and
1500 Erlangs, for Erlang C, chat concurrency and Erlang A.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.domain import ServiceTarget
from scheduler.erlang_a import erlang_a, raw_agents_erlang_a
from scheduler.staffing import (
    average_speed_of_answer,
    erlang_c,
    raw_agents_erlang_c,
    required_agents,
    required_agents_chat,
    requirement_frame,
    service_level,
    traffic_erlangs,
)

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
INTERVALS = st.sampled_from([15, 30, 60])
AHT = st.floats(min_value=20, max_value=1200)
ANSWER = st.integers(min_value=0, max_value=120)
LEVEL = st.floats(min_value=0.5, max_value=0.99)
OCCUPANCY = st.floats(min_value=0.6, max_value=1.0)
SHRINKAGE = st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.35])


def contacts_for(erlangs: float, aht: float, interval: int) -> float:
    """Contacts per interval that offer `erlangs` of traffic."""
    return erlangs * interval * 60 / aht


@PROPERTY
@given(erlangs=st.floats(min_value=0.01, max_value=1500), aht=AHT, interval=INTERVALS,
       answer=ANSWER, extra=st.integers(min_value=0, max_value=60))
def test_service_level_rises_with_agents(erlangs, aht, interval, answer, extra):
    contacts = contacts_for(erlangs, aht, interval)
    start = max(0, math.floor(erlangs) - 1 + extra)
    levels = [service_level(contacts, aht, interval, n, answer) for n in range(start, start + 6)]
    assert all(0.0 <= v <= 1.0 for v in levels)
    assert levels == sorted(levels)
    waits = [average_speed_of_answer(contacts, aht, interval, n) for n in range(start, start + 6)]
    assert waits == sorted(waits, reverse=True)


@PROPERTY
@given(erlangs=st.floats(min_value=0.05, max_value=400), aht=AHT, interval=INTERVALS,
       answer=ANSWER, patience=st.floats(min_value=5, max_value=3600),
       extra=st.integers(min_value=0, max_value=40))
def test_erlang_a_service_level_rises_and_abandonment_falls_with_agents(
        erlangs, aht, interval, answer, patience, extra):
    contacts = contacts_for(erlangs, aht, interval)
    start = max(1, math.floor(erlangs * 0.7) + extra)
    results = [erlang_a(contacts, aht, interval, n, answer, patience)
               for n in range(start, start + 5)]
    levels = [r.service_level for r in results]
    abandons = [r.abandon_probability for r in results]
    # to within the targets' tolerance (1e-9): a hopelessly overloaded queue's level is
    # rounding noise of order 1e-12
    assert all(b >= a - 1e-9 for a, b in zip(levels, levels[1:], strict=False))
    assert all(b <= a + 1e-12 for a, b in zip(abandons, abandons[1:], strict=False))
    assert all(0.0 <= r.wait_probability <= 1.0 and math.isfinite(r.asa_seconds)
               for r in results)


@PROPERTY
@given(erlangs=st.floats(min_value=0.01, max_value=1200), more=st.floats(1.0, 1.5), aht=AHT,
       interval=INTERVALS, answer=ANSWER, level=LEVEL, occupancy=OCCUPANCY, shrinkage=SHRINKAGE)
def test_required_agents_rise_with_volume(erlangs, more, aht, interval, answer, level,
                                          occupancy, shrinkage):
    target = ServiceTarget(level, answer, occupancy, shrinkage=shrinkage)
    contacts = contacts_for(erlangs, aht, interval)
    fewer = required_agents(contacts, aht, interval, target)
    assert required_agents(contacts * more, aht, interval, target) >= fewer
    assert fewer >= math.ceil(erlangs / occupancy - 1e-9)  # never under the occupancy cap


@PROPERTY
@given(contacts=st.floats(min_value=0.1, max_value=3000), aht=AHT, longer=st.floats(1.0, 1.5),
       interval=INTERVALS, answer=ANSWER, level=LEVEL, occupancy=OCCUPANCY)
def test_required_agents_rise_with_aht(contacts, aht, longer, interval, answer, level,
                                       occupancy):
    target = ServiceTarget(level, answer, occupancy)
    if traffic_erlangs(contacts, aht * longer, interval) > 1500:
        return  # beyond the stated range
    assert required_agents(contacts, aht * longer, interval, target) >= required_agents(
        contacts, aht, interval, target)
    chat = ServiceTarget(level, answer, occupancy, concurrency=2)
    assert required_agents_chat(contacts, aht * longer, interval, chat) >= required_agents_chat(
        contacts, aht, interval, chat)


@PROPERTY
@given(erlangs=st.floats(min_value=0.01, max_value=1500), aht=AHT, interval=INTERVALS,
       answer=ANSWER, shorter=st.integers(min_value=0, max_value=60), level=LEVEL,
       higher=st.floats(min_value=0.0, max_value=0.009), occupancy=OCCUPANCY)
def test_required_agents_rise_with_the_target(erlangs, aht, interval, answer, shorter, level,
                                              higher, occupancy):
    contacts = contacts_for(erlangs, aht, interval)
    base = raw_agents_erlang_c(contacts, aht, interval, answer, level, occupancy)
    stricter_level = raw_agents_erlang_c(contacts, aht, interval, answer, level + higher,
                                         occupancy)
    sooner = raw_agents_erlang_c(contacts, aht, interval, max(0, answer - shorter), level,
                                 occupancy)
    assert stricter_level >= base and sooner >= base


@PROPERTY
@given(erlangs=st.floats(min_value=1000, max_value=1500), aht=AHT, interval=INTERVALS,
       answer=ANSWER, level=LEVEL, occupancy=st.floats(min_value=0.76, max_value=1.0))
def test_exact_and_finite_up_to_2000_agents_and_1500_erlangs(erlangs, aht, interval, answer,
                                                             level, occupancy):
    contacts = contacts_for(erlangs, aht, interval)
    n = raw_agents_erlang_c(contacts, aht, interval, answer, level, occupancy)
    assert erlangs < n <= 2000

    def meets(agents: int) -> bool:
        return (service_level(contacts, aht, interval, agents, answer) >= level - 1e-9
                and erlangs / agents <= occupancy + 1e-9)

    assert meets(n) and not meets(n - 1)  # the exact smallest N, no overflow on the way
    for agents in (n - 1, n, 2000):
        p_wait = erlang_c(erlangs, agents)
        assert 0.0 <= p_wait <= 1.0 and math.isfinite(p_wait)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(erlangs=st.floats(min_value=800, max_value=1500), aht=st.floats(60, 600),
       answer=ANSWER, patience=st.floats(min_value=30, max_value=600),
       agents=st.integers(min_value=600, max_value=2000))
def test_erlang_a_is_finite_up_to_2000_agents_and_1500_erlangs(erlangs, aht, answer, patience,
                                                               agents):
    contacts = contacts_for(erlangs, aht, 30)
    r = erlang_a(contacts, aht, 30, agents, answer, patience)
    for value in (r.wait_probability, r.abandon_probability, r.service_level, r.occupancy):
        assert 0.0 <= value <= 1.0 and math.isfinite(value)
    assert math.isfinite(r.asa_seconds) and r.asa_seconds >= 0
    n = raw_agents_erlang_a(contacts, aht, 30, answer, 0.8, 1.0, patience)
    assert erlangs * 0.5 < n <= 2000


@PROPERTY
@given(contacts=st.lists(st.floats(min_value=0, max_value=2000), min_size=1, max_size=12),
       aht=AHT, interval=INTERVALS, answer=ANSWER, level=LEVEL, occupancy=OCCUPANCY,
       shrinkage=SHRINKAGE)
def test_the_requirement_frame_agrees_with_the_one_interval_calculator(
        contacts, aht, interval, answer, level, occupancy, shrinkage):
    target = ServiceTarget(level, answer, occupancy, shrinkage=shrinkage)
    starts = pd.date_range("2026-11-02", periods=len(contacts), freq=f"{interval}min", tz="UTC")
    forecast = pd.DataFrame({"interval_start": starts, "queue": "q", "contacts": contacts,
                             "aht_seconds": aht})
    frame = requirement_frame(forecast, {"q": target}, {"q": "voice"}, interval)
    assert frame["required_agents"].tolist() == [
        required_agents(c, aht, interval, target) for c in contacts]
