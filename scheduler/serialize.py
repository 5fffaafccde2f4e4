"""The JSON schema of a rostering Problem and a Roster (`vuoro.problem/1`, `vuoro.roster/1`).

Both directions go through plain dicts, so callers choose how to read and write files. Every
reading error is a `SchemaError` with a one-line message naming the place in the document,
e.g. `agents[3].contract: unknown contract 'night'`. The schema is documented in
docs/scheduling.md.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scheduler.domain import (
    Activity,
    Agent,
    Break,
    Contract,
    DayDemand,
    Fairness,
    PayRates,
    Premium,
    Problem,
    Queue,
    Roster,
    Shift,
    ShiftRequest,
    ShiftRule,
    ShiftType,
    SolveResult,
    Workload,
)
from scheduler.grid import SITE_TIMEZONE, Grid

PROBLEM_SCHEMA = "vuoro.problem/1"
ROSTER_SCHEMA = "vuoro.roster/1"


class SchemaError(ValueError):
    """A JSON document that does not follow the problem or roster schema."""


# ---------------------------------------------------------------- writing


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The problem as a JSON-ready dict; contracts and shift rules are listed once by name."""
    contracts = _named(a.contract for a in problem.agents)
    rules = _named(a.shift_rule for a in problem.agents)
    grid = problem.grid
    return {
        "schema": PROBLEM_SCHEMA,
        "grid": {
            "start_day": grid.start_day.isoformat(),
            "days": grid.days,
            "interval_minutes": grid.interval_minutes,
            "timezone": grid.timezone,
        },
        "holidays": sorted(day.isoformat() for day in problem.holidays),
        "queues": [dataclasses.asdict(q) for q in problem.queues],
        "contracts": [_contract_to_json(c) for c in contracts],
        "shift_rules": [_rule_to_json(r) for r in rules],
        "agents": [
            {
                "key": a.key,
                "name": a.name,
                "skills": sorted(a.skills),
                "contract": a.contract.name,
                "shift_rule": a.shift_rule.name,
                "time_off": sorted(day.isoformat() for day in a.time_off),
                "shift_requests": [_request_to_json(r) for r in a.shift_requests],
            }
            for a in problem.agents
        ],
        "requirement": {key: list(values) for key, values in problem.requirement.items()},
        "is_open": {key: [int(v) for v in values] for key, values in problem.is_open.items()},
        "fixed_before": {
            key: [_shift_to_json(s, grid.timezone) for s in shifts]
            for key, shifts in problem.fixed_before.items()
            if shifts
        },
        **({"workload": {key: {"arrived": list(w.arrived), "due": list(w.due),
                               "window_intervals": w.window_intervals}
                         for key, w in problem.workload.items()}} if problem.workload else {}),
        **({"committed": {key: list(values) for key, values in problem.committed.items()}}
           if problem.committed else {}),
        "day_demand": [
            {**dataclasses.asdict(demand), "day": demand.day.isoformat()}
            for demand in problem.day_demand
        ],
        "fairness": {**dataclasses.asdict(problem.fairness),
                     "evening_minutes": list(problem.fairness.evening_minutes),
                     "night_minutes": list(problem.fairness.night_minutes)},
    }


def roster_to_json(
    roster: Roster, *, timezone: str = SITE_TIMEZONE, result: SolveResult | None = None
) -> dict[str, Any]:
    """The roster as a JSON-ready dict, times in local ISO 8601 with offset.

    With a `result`, a `solve` summary (status, objective, bound, gap, penalties) is added; it
    is information only and ignored when the roster is read back.
    """
    document: dict[str, Any] = {
        "schema": ROSTER_SCHEMA,
        "shifts": [_shift_to_json(s, timezone) for s in roster.shifts],
    }
    if result is not None:
        document["solve"] = {
            "status": result.status,
            "objective": result.objective,
            "best_bound": result.best_bound,
            "gap": result.gap,
            "wall_seconds": round(result.wall_seconds, 3),
            "penalties": dict(result.penalties),
            "message": result.message,
        }
    return document


def _named(items) -> list:
    """Distinct contracts or shift rules in first-seen order; one name means one definition."""
    by_name: dict[str, Any] = {}
    for item in items:
        if by_name.setdefault(item.name, item) != item:
            raise ValueError(f"two different definitions share the name {item.name!r}")
    return list(by_name.values())


def _contract_to_json(contract: Contract) -> dict[str, Any]:
    """A contract; its pay rates only when it has them."""
    values = dataclasses.asdict(contract)
    if contract.pay is None:
        del values["pay"]
    return values


def _rule_to_json(rule: ShiftRule) -> dict[str, Any]:
    """A shift rule with its tuples as lists."""
    values = dataclasses.asdict(rule)
    values["lengths_minutes"] = list(rule.lengths_minutes)
    values["meal_break_window_minutes"] = list(rule.meal_break_window_minutes)
    values["coffee_break_window_minutes"] = list(rule.coffee_break_window_minutes)
    values["shift_types"] = [
        {**dataclasses.asdict(t), "lengths_minutes": list(t.lengths_minutes),
         "not_followed_by": list(t.not_followed_by)}
        for t in rule.shift_types
    ]
    return values


def _contract_to_json(contract: Contract) -> dict[str, Any]:
    """A contract with its limits per shift type as an object, e.g. {"night": 4}."""
    values = dataclasses.asdict(contract)
    values["max_shifts_per_type"] = dict(contract.max_shifts_per_type)
    return values


def _request_to_json(request: ShiftRequest) -> dict[str, Any]:
    """A shift on/off request."""
    return {**dataclasses.asdict(request), "day": request.day.isoformat()}


def _shift_to_json(shift: Shift, timezone: str) -> dict[str, Any]:
    """A shift with its breaks and activities."""
    grid_zone = Grid(shift.day, 1, 60, timezone).zone

    def at(instant: datetime) -> str:
        return instant.astimezone(grid_zone).isoformat()

    document = {
        "agent": shift.agent,
        "day": shift.day.isoformat(),
        "start": at(shift.start),
        "end": at(shift.end),
        "breaks": [
            {"start": at(b.start), "end": at(b.end), "kind": b.kind, "paid": b.paid}
            for b in shift.breaks
        ],
        "activities": [
            {"queue": a.queue, "start": at(a.start), "end": at(a.end)} for a in shift.activities
        ],
    }
    if shift.shift_type:
        document["shift_type"] = shift.shift_type
    return document


# ---------------------------------------------------------------- reading


def problem_from_json(data: Any) -> Problem:
    """A Problem from a dict in the `vuoro.problem/1` schema; raises SchemaError."""
    doc = _object(data, "problem")
    _schema(doc, PROBLEM_SCHEMA)
    g = _object(_get(doc, "grid", "grid"), "grid")
    grid = _guard("grid", lambda: Grid(
        _day(_get(g, "start_day", "grid"), "grid.start_day"),
        _int(_get(g, "days", "grid"), "grid.days"),
        _int(_get(g, "interval_minutes", "grid"), "grid.interval_minutes"),
        _str(g.get("timezone", SITE_TIMEZONE), "grid.timezone"),
    ))
    _guard("grid.timezone", lambda: grid.zone)
    queues = tuple(
        _record(Queue, q, f"queues[{i}]") for i, q in enumerate(_list(doc, "queues"))
    )
    contracts = _by_name(Contract, _list(doc, "contracts"), "contracts")
    rules = _by_name(ShiftRule, _list(doc, "shift_rules"), "shift_rules")
    agents = tuple(
        _agent(a, f"agents[{i}]", contracts, rules) for i, a in enumerate(_list(doc, "agents"))
    )
    requirement = {
        key: tuple(_int(v, f"requirement.{key}") for v in _array(values, f"requirement.{key}"))
        for key, values in _object(_get(doc, "requirement", "problem"), "requirement").items()
    }
    is_open = {
        key: tuple(_flag(v, f"is_open.{key}") for v in _array(values, f"is_open.{key}"))
        for key, values in _object(_get(doc, "is_open", "problem"), "is_open").items()
    }
    fixed = {
        key: tuple(_shift(s, f"fixed_before.{key}[{i}]")
                   for i, s in enumerate(_array(shifts, f"fixed_before.{key}")))
        for key, shifts in _object(doc.get("fixed_before", {}), "fixed_before").items()
    }
    holidays = frozenset(
        _day(d, "holidays") for d in _array(doc.get("holidays", []), "holidays")
    )
    workload = {
        key: _record(Workload, item, f"workload.{key}")
        for key, item in _object(doc.get("workload", {}), "workload").items()
    }
    committed = {
        key: tuple(_int(v, f"committed.{key}") for v in _array(values, f"committed.{key}"))
        for key, values in _object(doc.get("committed", {}), "committed").items()
    }
    day_demand = tuple(
        _day_demand(item, f"day_demand[{i}]")
        for i, item in enumerate(_array(doc.get("day_demand", []), "day_demand"))
    )
    fairness = _record(Fairness, doc.get("fairness", {}), "fairness")
    return _guard("problem", lambda: Problem(
        grid, queues, agents, requirement, is_open, holidays, fixed_before=fixed,
        workload=workload, committed=committed, day_demand=day_demand, fairness=fairness,
    ))


def roster_from_json(data: Any) -> Roster:
    """A Roster from a dict in the `vuoro.roster/1` schema; raises SchemaError."""
    doc = _object(data, "roster")
    _schema(doc, ROSTER_SCHEMA)
    return Roster(tuple(_shift(s, f"shifts[{i}]") for i, s in enumerate(_list(doc, "shifts"))))


def read_json(path: Path | str) -> Any:
    """A JSON file's content; a missing file or bad JSON is a one-line SchemaError."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise SchemaError(f"{path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: not valid JSON ({exc})") from exc


def write_json(path: Path | str, document: Mapping[str, Any]) -> None:
    """Write a document as indented UTF-8 JSON."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


def _agent(data: Any, where: str, contracts: dict, rules: dict) -> Agent:
    """An agent whose contract and shift rule refer to entries by name."""
    a = _object(data, where)
    contract_name = _str(_get(a, "contract", where), f"{where}.contract")
    rule_name = _str(_get(a, "shift_rule", where), f"{where}.shift_rule")
    if contract_name not in contracts:
        raise SchemaError(f"{where}.contract: unknown contract {contract_name!r}")
    if rule_name not in rules:
        raise SchemaError(f"{where}.shift_rule: unknown shift rule {rule_name!r}")
    unknown = set(a) - {"key", "name", "skills", "contract", "shift_rule", "time_off",
                        "shift_requests"}
    if unknown:
        raise SchemaError(f"{where}: unknown fields {sorted(unknown)}")
    key = _str(_get(a, "key", where), f"{where}.key")
    return Agent(
        key=key,
        name=_str(a.get("name", key), f"{where}.name"),
        skills=frozenset(_str(s, f"{where}.skills") for s in _array(a.get("skills", []),
                                                                    f"{where}.skills")),
        contract=contracts[contract_name],
        shift_rule=rules[rule_name],
        time_off=frozenset(_day(d, f"{where}.time_off") for d in _array(a.get("time_off", []),
                                                                       f"{where}.time_off")),
        shift_requests=tuple(
            _dated(ShiftRequest, r, f"{where}.shift_requests[{i}]")
            for i, r in enumerate(_array(a.get("shift_requests", []), f"{where}.shift_requests"))
        ),
    )


def _dated(cls: type, data: Any, where: str) -> Any:
    """A record whose `day` field is an ISO date."""
    values = dict(_object(data, where))
    values["day"] = _day(_get(values, "day", where), f"{where}.day")
    return _record(cls, values, where, dated=True)


def _day_demand(data: Any, where: str) -> DayDemand:
    """Demand for one shift type on one day."""
    return _dated(DayDemand, data, where)


def _by_name(cls: type, items: list, where: str) -> dict[str, Any]:
    """Contracts or shift rules keyed by their unique name."""
    found: dict[str, Any] = {}
    for i, item in enumerate(items):
        record = _record(cls, item, f"{where}[{i}]")
        if record.name in found:
            raise SchemaError(f"{where}[{i}].name: {record.name!r} is defined twice")
        found[record.name] = record
    return found


def _record(cls: type, data: Any, where: str, dated: bool = False) -> Any:
    """A frozen dataclass from an object: required fields must be there, unknown ones not."""
    values = dict(_object(data, where))
    day = values.pop("day", None) if dated else None
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(fields)
    if unknown:
        raise SchemaError(f"{where}: unknown fields {sorted(unknown)}")
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in values:
            raise SchemaError(f"{where}: missing field {name!r}")
        if dated and name == "day":
            values["day"] = day
        elif name in values:
            values[name] = _typed(values[name], f.type, f"{where}.{name}")
    return _guard(where, lambda: cls(**values))


def _typed(value: Any, annotation: str, where: str) -> Any:
    """A field value checked against its (string) annotation."""
    if annotation == "str":
        return _str(value, where)
    if annotation == "int":
        return _int(value, where)
    if annotation == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if annotation == "bool":
        if not isinstance(value, bool):
            raise SchemaError(f"{where}: expected true or false, got {value!r}")
        return value
    if annotation == "int | None":
        return None if value is None else _int(value, where)
    if annotation.startswith("tuple[int"):
        return tuple(_int(v, where) for v in _array(value, where))
    if annotation == "tuple[str, ...]":
        return tuple(_str(v, where) for v in _array(value, where))
    if annotation == "tuple[tuple[str, int], ...]":  # an object of counts, e.g. {"night": 4}
        return tuple(sorted((_str(k, where), _int(v, f"{where}.{k}"))
                            for k, v in _object(value, where).items()))
    if annotation == "tuple[ShiftType, ...]":
        return tuple(_record(ShiftType, v, f"{where}[{i}]")
                     for i, v in enumerate(_array(value, where)))
    if annotation == "PayRates | None":
        return None if value is None else _record(PayRates, value, where)
    if annotation == "tuple[Premium, ...]":
        return tuple(_record(Premium, v, f"{where}[{i}]")
                     for i, v in enumerate(_array(value, where)))
    raise SchemaError(f"{where}: unsupported field type {annotation}")  # pragma: no cover


def _shift(data: Any, where: str) -> Shift:
    """A shift with its breaks and activities, instants as ISO 8601 with an offset."""
    s = _object(data, where)
    breaks = tuple(
        Break(
            _instant(_get(b, "start", f"{where}.breaks[{i}]"), f"{where}.breaks[{i}].start"),
            _instant(_get(b, "end", f"{where}.breaks[{i}]"), f"{where}.breaks[{i}].end"),
            kind=_str(b.get("kind", "meal"), f"{where}.breaks[{i}].kind"),
            paid=_typed(b.get("paid", False), "bool", f"{where}.breaks[{i}].paid"),
        )
        for i, b in enumerate(_object(x, f"{where}.breaks[{j}]")
                              for j, x in enumerate(_array(s.get("breaks", []), where)))
    )
    activities = tuple(
        Activity(
            _str(_get(a, "queue", f"{where}.activities[{i}]"), f"{where}.activities[{i}].queue"),
            _instant(_get(a, "start", f"{where}.activities[{i}]"),
                     f"{where}.activities[{i}].start"),
            _instant(_get(a, "end", f"{where}.activities[{i}]"), f"{where}.activities[{i}].end"),
        )
        for i, a in enumerate(_object(x, f"{where}.activities[{j}]")
                              for j, x in enumerate(_array(s.get("activities", []), where)))
    )
    return Shift(
        agent=_str(_get(s, "agent", where), f"{where}.agent"),
        day=_day(_get(s, "day", where), f"{where}.day"),
        start=_instant(_get(s, "start", where), f"{where}.start"),
        end=_instant(_get(s, "end", where), f"{where}.end"),
        breaks=breaks,
        activities=activities,
        shift_type=_str(s.get("shift_type", ""), f"{where}.shift_type"),
    )


def _schema(doc: Mapping, expected: str) -> None:
    """The document declares the schema this reader understands."""
    found = doc.get("schema")
    if found != expected:
        raise SchemaError(f"schema: expected {expected!r}, got {found!r}")


def _guard(where: str, build: Callable[[], Any]) -> Any:
    """Run a constructor, turning its ValueError or TypeError into a SchemaError."""
    try:
        return build()
    except SchemaError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(f"{where}: {exc}") from exc


def _get(doc: Mapping, key: str, where: str) -> Any:
    """A required member."""
    if key not in doc:
        raise SchemaError(f"{where}: missing field {key!r}")
    return doc[key]


def _object(value: Any, where: str) -> Mapping:
    """A JSON object."""
    if not isinstance(value, Mapping):
        raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _array(value: Any, where: str) -> list:
    """A JSON array."""
    if not isinstance(value, list):
        raise SchemaError(f"{where}: expected an array, got {type(value).__name__}")
    return value


def _list(doc: Mapping, key: str) -> list:
    """A required array member of the top-level document."""
    return _array(_get(doc, key, "problem" if key != "shifts" else "roster"), key)


def _str(value: Any, where: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise SchemaError(f"{where}: expected a string, got {value!r}")
    return value


def _int(value: Any, where: str) -> int:
    """A JSON integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(f"{where}: expected an integer, got {value!r}")
    return value


def _flag(value: Any, where: str) -> bool:
    """An open flag: true/false or 1/0."""
    if value in (0, 1) or isinstance(value, bool):
        return bool(value)
    raise SchemaError(f"{where}: expected 0/1 or true/false, got {value!r}")


def _day(value: Any, where: str) -> date:
    """An ISO date, e.g. 2025-03-03."""
    try:
        return date.fromisoformat(_str(value, where))
    except ValueError as exc:
        raise SchemaError(f"{where}: expected a date like 2025-03-03, got {value!r}") from exc


def _instant(value: Any, where: str) -> datetime:
    """An ISO 8601 instant with a UTC offset, e.g. 2025-03-03T08:00:00+02:00."""
    try:
        instant = datetime.fromisoformat(_str(value, where))
    except ValueError as exc:
        raise SchemaError(f"{where}: expected an ISO 8601 time, got {value!r}") from exc
    if instant.tzinfo is None:
        raise SchemaError(f"{where}: {value!r} needs a UTC offset, e.g. +02:00")
    return instant
