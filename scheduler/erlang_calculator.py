"""The Erlang calculator behind `vuoro erlang` and the coordinators' web page: one interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scheduler.erlang_a import erlang_a, raw_agents_erlang_a
from scheduler.staffing import (
    apply_shrinkage,
    average_speed_of_answer,
    erlang_c,
    occupancy,
    raw_agents_erlang_c,
    service_level,
    traffic_erlangs,
    traffic_limit_error,
)


@dataclass(frozen=True)
class CalculatorInput:
    """One interval's contacts and the target to staff it for."""

    contacts: float
    interval_minutes: int
    aht_seconds: float
    target: float  # service level, e.g. 0.8
    answer_seconds: float
    max_occupancy: float = 0.85
    shrinkage: float = 0.0
    patience_seconds: float | None = None  # set: Erlang A


@dataclass(frozen=True)
class CalculatorResult:
    """What the calculator reports for one interval."""

    model: str
    traffic_erlangs: float
    raw_agents: int  # on contacts, before shrinkage
    scheduled_agents: int  # after shrinkage
    service_level: float
    asa_seconds: float
    occupancy: float
    wait_probability: float
    abandon_probability: float | None  # Erlang A only


def input_errors(values: CalculatorInput) -> dict[str, str]:
    """Each field's problem, in words (field name -> message); empty when all is well."""
    errors = {}
    if not (math.isfinite(values.contacts) and values.contacts >= 0):
        errors["contacts"] = f"must be a non-negative number, not {values.contacts:g}"
    if values.interval_minutes <= 0:
        errors["interval_minutes"] = f"must be positive, not {values.interval_minutes}"
    if not (math.isfinite(values.aht_seconds) and values.aht_seconds > 0):
        errors["aht_seconds"] = f"must be a positive number, not {values.aht_seconds:g}"
    if not 0 < values.target < 1:
        errors["target"] = f"must be a share between 0 and 1 (e.g. 0.8), not {values.target:g}"
    if not (math.isfinite(values.answer_seconds) and values.answer_seconds >= 0):
        errors["answer_seconds"] = f"must be a non-negative number, not {values.answer_seconds:g}"
    if not 0 < values.max_occupancy <= 1:
        errors["max_occupancy"] = f"must be in (0, 1], not {values.max_occupancy:g}"
    if not 0 <= values.shrinkage < 1:
        errors["shrinkage"] = f"must be in [0, 1), not {values.shrinkage:g}"
    patience = values.patience_seconds
    if patience is not None and not (math.isfinite(patience) and patience > 0):
        errors["patience_seconds"] = f"must be a positive number, not {patience:g}"
    if not errors:
        too_large = traffic_limit_error(traffic_erlangs(values.contacts, values.aht_seconds,
                                                        values.interval_minutes))
        if too_large:
            errors["contacts"] = too_large
    return errors


def calculate(values: CalculatorInput) -> CalculatorResult:
    """Required agents and the interval's figures at that staffing (inputs must be valid)."""
    errors = input_errors(values)
    if errors:
        raise ValueError("; ".join(f"{name}: {text}" for name, text in errors.items()))
    contacts, aht, interval = values.contacts, values.aht_seconds, values.interval_minutes
    answer, patience = values.answer_seconds, values.patience_seconds
    traffic = traffic_erlangs(contacts, aht, interval)
    if patience is None:
        raw = raw_agents_erlang_c(contacts, aht, interval, answer, values.target,
                                  values.max_occupancy)
        return CalculatorResult(
            model="Erlang C",
            traffic_erlangs=traffic,
            raw_agents=raw,
            scheduled_agents=apply_shrinkage(raw, values.shrinkage),
            service_level=service_level(contacts, aht, interval, raw, answer),
            asa_seconds=average_speed_of_answer(contacts, aht, interval, raw),
            occupancy=occupancy(contacts, aht, interval, raw) if raw else 0.0,
            wait_probability=erlang_c(traffic, raw) if raw else 0.0,
            abandon_probability=None,
        )
    raw = raw_agents_erlang_a(contacts, aht, interval, answer, values.target,
                              values.max_occupancy, patience)
    result = erlang_a(contacts, aht, interval, raw, answer, patience)
    return CalculatorResult(
        model=f"Erlang A, mean patience {patience:g} s",
        traffic_erlangs=traffic,
        raw_agents=raw,
        scheduled_agents=apply_shrinkage(raw, values.shrinkage),
        service_level=result.service_level,
        asa_seconds=result.asa_seconds,
        occupancy=result.occupancy,
        wait_probability=result.wait_probability,
        abandon_probability=result.abandon_probability,
    )
