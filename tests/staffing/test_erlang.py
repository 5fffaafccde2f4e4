"""Erlang C against published reference values, and its properties."""

import csv
import math
import re
from pathlib import Path

import pytest

from scheduler.domain import ServiceTarget
from scheduler.staffing import (
    agents_for_wait_probability,
    apply_shrinkage,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    raw_agents_erlang_c,
    required_agents,
    service_level,
)

REPO = Path(__file__).resolve().parents[2]
STAFFING_DATA = REPO / ".." / "shared" / "data" / "staffing"
ORACLES = STAFFING_DATA / "erlang_oracles.csv"
MTPA = STAFFING_DATA / "mtpa_anonymous_bank_feb1999_wednesday_staffing.csv"


def _oracle_rows() -> list[dict]:
    """Erlang C rows with a published value, or one skip marker when the data is absent."""
    if not ORACLES.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{ORACLES} not found"))]
    with ORACLES.open(newline="") as handle:
        rows = [
            row for row in csv.DictReader(handle)
            if row["model"].startswith("erlang_c") and row["published_value"].strip()
        ]
    return [pytest.param(row, id=row["case_id"]) for row in rows]


def _oracle_value(row: dict) -> float:
    """Our value for the metric an oracle row publishes."""
    metric = row["metric"]
    aht = float(row["aht_sec"])
    answer = float(row["target_answer_sec"] or 0)
    if metric == "max_traffic_erlangs_for_prob_wait<=0.15":
        agents = int(row["agents"])
        low, high = 0.0, float(agents)
        for _ in range(100):  # bisection: P(wait) rises with traffic
            mid = (low + high) / 2
            low, high = (mid, high) if erlang_c(mid, agents) <= 0.15 else (low, mid)
        return low
    interval_minutes = float(row["interval_sec"]) / 60
    calls = float(row["calls_per_interval"])
    traffic = calls * aht / float(row["interval_sec"])
    if metric.startswith("min_agents_for_prob_wait<="):
        return agents_for_wait_probability(traffic, float(metric.split("<=")[1]))
    if metric.startswith(("min_agents", "scheduled_agents")):
        sl = float(re.search(r"SL>=([0-9.]+)", metric).group(1)) if "SL>=" in metric else 0.8
        occ_match = re.search(r"occ<=([0-9.]+)", metric)
        occ = float(occ_match.group(1)) if occ_match else 0.85
        shrink_match = re.search(r"shrinkage_([0-9.]+)", metric)
        shrinkage = float(shrink_match.group(1)) if shrink_match else 0.0
        target = ServiceTarget(service_level=sl, answer_seconds=int(answer), max_occupancy=occ,
                               shrinkage=shrinkage)
        return required_agents(calls, aht, interval_minutes, target)
    agents = int(row["agents"])
    if metric == "service_level":
        return service_level(calls, aht, interval_minutes, agents, answer)
    if metric == "prob_wait":
        return erlang_c(traffic, agents)
    if metric == "occupancy":
        return occupancy(calls, aht, interval_minutes, agents)
    if metric == "asa_sec":
        return average_speed_of_answer(calls, aht, interval_minutes, agents)
    if metric == "mean_wait_of_delayed_calls_sec":
        return aht / (agents - traffic)
    raise AssertionError(f"metric {metric} has no implementation in this test")


@pytest.mark.parametrize("row", _oracle_rows())
def test_published_erlang_c_values(row):
    published = float(row["published_value"])
    tolerance = float(row["abs_tolerance"] or 0)
    assert _oracle_value(row) == pytest.approx(published, abs=tolerance + 1e-12)


def test_anonymous_bank_hourly_staffing_vector():
    if not MTPA.exists():
        pytest.skip(f"{MTPA} not found")
    with MTPA.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    ours = [
        agents_for_wait_probability(
            float(r["arrival_rate_per_hour"]) / float(r["service_rate_per_agent_per_hour"]),
            float(r["prob_wait_target"]),
        )
        for r in rows
    ]
    published = [1, 1, 1, 0, 1, 1, 1, 4, 8, 9, 10, 9, 8, 16, 10, 10, 6, 7, 8, 8, 6, 6, 5, 4]
    assert ours == published


def test_erlang_b_matches_the_closed_form_for_small_cases():
    a, n = 3.0, 5
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    assert erlang_b(a, n) == pytest.approx(terms[-1] / sum(terms), rel=1e-12)


def test_service_level_rises_with_agents():
    levels = [service_level(100, 180, 30, n, 20) for n in range(10, 30)]
    assert levels[0] == 0.0  # 10 agents for 10 Erlangs: the queue never clears
    assert all(b > a for a, b in zip(levels[1:], levels[2:], strict=False))
    assert levels[-1] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("shrinkage", [0.0, 0.3])
def test_required_agents_rise_with_volume_and_aht(shrinkage):
    target = ServiceTarget(shrinkage=shrinkage)
    by_volume = [required_agents(c, 180, 30, target) for c in range(0, 400, 7)]
    by_aht = [required_agents(100, aht, 30, target) for aht in range(30, 900, 13)]
    assert by_volume == sorted(by_volume) and by_volume[-1] > by_volume[1] > 0
    assert by_aht == sorted(by_aht) and by_aht[-1] > by_aht[0]


def test_stable_at_thousands_of_agents():
    p_wait = erlang_c(1500.0, 2000)
    assert 0.0 <= p_wait < 1e-20
    assert 0.0 < erlang_c(1500.0, 1501) < 1.0
    sl = service_level(1500 * 1800 / 180, 180, 30, 1520, 20)
    assert 0.0 < sl < 1.0 and math.isfinite(sl)
    n = required_agents(1500 * 1800 / 180, 180, 30, ServiceTarget(max_occupancy=1.0))
    assert 1500 < n < 1600


@pytest.mark.parametrize(
    ("contacts", "aht", "interval", "target"),
    [
        (100, 180, 30, ServiceTarget()),
        (3, 300, 15, ServiceTarget()),
        (250, 240, 15, ServiceTarget(service_level=0.9, answer_seconds=10)),
        (40, 600, 60, ServiceTarget(max_occupancy=0.7)),
        (1200, 200, 30, ServiceTarget(service_level=0.95, answer_seconds=30)),
    ],
)
def test_requirement_is_the_exact_smallest_n(contacts, aht, interval, target):
    n = raw_agents_erlang_c(contacts, aht, interval, target.answer_seconds,
                            target.service_level, target.max_occupancy)

    def meets(agents: int) -> bool:
        sl = service_level(contacts, aht, interval, agents, target.answer_seconds)
        occ = occupancy(contacts, aht, interval, agents)
        return sl >= target.service_level and occ <= target.max_occupancy

    assert meets(n)
    assert not meets(n - 1)
    assert required_agents(contacts, aht, interval, target) == n


def test_no_contacts_needs_no_agents():
    assert required_agents(0, 180, 30, ServiceTarget()) == 0
    assert service_level(0, 180, 30, 0, 20) == 1.0


@pytest.mark.parametrize(
    ("raw", "shrinkage", "expected"),
    [(14, 0.3, 20), (7, 0.3, 10), (9, 0.1, 10), (8, 0.2, 10), (3, 0.0, 3), (0, 0.35, 0),
     (17, 0.15, 20), (13, 0.35, 20)],
)
def test_shrinkage_rounds_up_without_float_off_by_one(raw, shrinkage, expected):
    assert apply_shrinkage(raw, shrinkage) == expected


@pytest.mark.parametrize("aht", [0.0, -5.0, float("nan"), float("inf")])
def test_contacts_without_a_usable_aht_are_an_error(aht):
    with pytest.raises(ValueError, match="AHT"):
        required_agents(5, aht, 30, ServiceTarget())
