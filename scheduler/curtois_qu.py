"""Read an instance of the Curtois & Qu shift scheduling benchmark into a Vuoro Problem.

The text format (schedulingbenchmarks.org; Curtois & Qu 2014, doi:10.1016/j.ejor.2014.01.039)
has comma-separated sections, `#` comments and often CRLF line ends:

- SECTION_HORIZON: the number of days (day 0 is a Monday);
- SECTION_SHIFTS: `ShiftID, length in minutes, IDs that cannot follow it the next day (|)`;
- SECTION_STAFF: `ID, MaxShifts per type (A=n|B=m), MaxTotalMinutes, MinTotalMinutes,
  MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends`;
- SECTION_DAYS_OFF: `ID, day, day, ...` (hard);
- SECTION_SHIFT_ON_REQUESTS / SECTION_SHIFT_OFF_REQUESTS: `ID, day, ShiftID, weight` (soft);
- SECTION_COVER: `day, ShiftID, requirement, weight under, weight over` (soft).

Each rule maps onto Vuoro's own: shift types with their forbidden successions, contract
fields (one contract per distinct staff line), approved time off, shift requests and day
demand. The rules the benchmark does not have are switched off (daily and weekly rest, weekly
hours, meal breaks). The benchmark gives no clock times, so every shift starts at local
midnight; the grid is in UTC, free of daylight-saving changes. Errors name the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from scheduler.domain import (
    NO_FAIRNESS,
    Agent,
    Contract,
    DayDemand,
    Problem,
    ShiftRequest,
    ShiftRule,
    ShiftType,
)
from scheduler.grid import Grid

FIRST_MONDAY = date(2024, 1, 1)  # the benchmark's day 0 is a Monday; any Monday will do
SECTIONS = ("HORIZON", "SHIFTS", "STAFF", "DAYS_OFF", "SHIFT_ON_REQUESTS",
            "SHIFT_OFF_REQUESTS", "COVER")
REQUIRED = ("HORIZON", "SHIFTS", "STAFF")
RULE_NAME = "benchmark"


class InstanceError(ValueError):
    """A benchmark file that does not follow the format; the message names the line."""


@dataclass(frozen=True)
class Row:
    """One data line: its number in the file and its comma-separated fields."""

    number: int
    fields: tuple[str, ...]


def read_instance(path: Path | str, start_day: date = FIRST_MONDAY) -> Problem:
    """The Problem of a benchmark file; raises InstanceError with the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InstanceError(f"{path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path}: not a text file ({exc})") from exc
    try:
        return parse_instance(text, start_day)
    except InstanceError as exc:
        raise InstanceError(f"{path.name}: {exc}") from exc


def parse_instance(text: str, start_day: date = FIRST_MONDAY) -> Problem:
    """The Problem of a benchmark instance's text."""
    if start_day.weekday() != 0:
        raise InstanceError(f"the first day must be a Monday, not {start_day:%A}")
    sections = _sections(text)
    missing = [name for name in REQUIRED if not sections.get(name)]
    if missing:
        raise InstanceError("missing section " + ", ".join(f"SECTION_{m}" for m in missing))
    days = _horizon(sections["HORIZON"])
    grid_days = [start_day + timedelta(days=d) for d in range(days)]
    types = _shift_types(sections["SHIFTS"])
    lengths = tuple(sorted({t.lengths_minutes[0] for t in types}))
    rule = ShiftRule(RULE_NAME, 0, 0, lengths, start_step_minutes=60,
                     meal_break_over_minutes=max(lengths), shift_types=types)
    type_keys = {t.key for t in types}
    contracts = _contracts(sections["STAFF"], type_keys)
    off = _days_off(sections.get("DAYS_OFF", []), set(contracts), days)
    requests = _requests(sections, set(contracts), type_keys, days)
    agents = tuple(
        Agent(key, key, frozenset(), contract, rule,
              time_off=frozenset(grid_days[d] for d in off.get(key, ())),
              shift_requests=tuple(ShiftRequest(grid_days[d], wanted, weight, shift)
                                   for d, wanted, weight, shift in requests.get(key, ())))
        for key, contract in contracts.items()
    )
    demand = _cover(sections.get("COVER", []), type_keys, days, grid_days)
    grid = Grid(start_day, days, _interval_minutes(lengths), timezone="UTC")
    # the published objective has no fairness term: leaving it out keeps the optima comparable
    return Problem(grid, (), agents, {}, {}, day_demand=demand, fairness=NO_FAIRNESS)


def _sections(text: str) -> dict[str, list[Row]]:
    """Data rows by section name, comments and blank lines dropped."""
    sections: dict[str, list[Row]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line.removeprefix("SECTION_")
            if current not in SECTIONS:
                raise InstanceError(f"line {number}: unknown section {line}")
            if current in sections:
                raise InstanceError(f"line {number}: {line} appears twice")
            sections[current] = []
            continue
        if current is None:
            raise InstanceError(f"line {number}: data before the first SECTION_ header")
        sections[current].append(Row(number, tuple(f.strip() for f in line.split(","))))
    return sections


def _int(row: Row, i: int, what: str, least: int = 0) -> int:
    """Field i of a row as an integer of at least `least`."""
    try:
        value = int(row.fields[i])
    except (IndexError, ValueError):
        value = None
    if value is None or value < least:
        found = row.fields[i] if i < len(row.fields) else "nothing"
        raise InstanceError(f"line {row.number}: {what} must be an integer >= {least}, "
                            f"got {found!r}")
    return value


def _width(row: Row, count: int, what: str) -> None:
    """The row has exactly `count` fields."""
    if len(row.fields) != count:
        raise InstanceError(f"line {row.number}: a {what} line has {count} fields, found "
                            f"{len(row.fields)}")


def _horizon(rows: list[Row]) -> int:
    """The number of days."""
    if len(rows) != 1 or len(rows[0].fields) != 1:
        raise InstanceError(f"line {rows[0].number}: SECTION_HORIZON holds one number of days")
    return _int(rows[0], 0, "the horizon", least=1)


def _shift_types(rows: list[Row]) -> tuple[ShiftType, ...]:
    """Shift types starting at midnight, with the types that cannot follow them."""
    keys = [row.fields[0] for row in rows]
    found = []
    for row in rows:
        if len(row.fields) == 2:
            row = Row(row.number, (*row.fields, ""))  # the trailing comma may be missing
        _width(row, 3, "shift")
        key = row.fields[0]
        if not key or keys.count(key) > 1:
            raise InstanceError(f"line {row.number}: shift ID {key!r} is empty or repeated")
        length = _int(row, 1, f"shift {key}'s length", least=1)
        if length > 1440:
            raise InstanceError(f"line {row.number}: shift {key} lasts {length} min, more than "
                                "a day")
        after = tuple(k for k in row.fields[2].split("|") if k)
        unknown = sorted(set(after) - set(keys))
        if unknown:
            raise InstanceError(f"line {row.number}: shift {key} names unknown shifts "
                                f"{', '.join(unknown)}")
        found.append(ShiftType(key, 0, 0, (length,), not_followed_by=after))
    return tuple(found)


def _contracts(rows: list[Row], type_keys: set[str]) -> dict[str, Contract]:
    """Each staff member's contract; identical staff lines share one contract."""
    by_terms: dict[tuple, Contract] = {}
    contracts: dict[str, Contract] = {}
    for row in rows:
        _width(row, 8, "staff")
        key = row.fields[0]
        if not key or key in contracts:
            raise InstanceError(f"line {row.number}: staff ID {key!r} is empty or repeated")
        limits = _max_shifts(row, type_keys)
        numbers = [_int(row, i, name) for i, name in enumerate(
            ("MaxTotalMinutes", "MinTotalMinutes", "MaxConsecutiveShifts",
             "MinConsecutiveShifts", "MinConsecutiveDaysOff", "MaxWeekends"), start=2)]
        most, least, max_run, min_run, min_off, weekends = numbers
        if least > most:
            raise InstanceError(f"line {row.number}: staff {key}'s MinTotalMinutes {least} is "
                                f"above MaxTotalMinutes {most}")
        if min(max_run, min_run, min_off) < 1:
            raise InstanceError(f"line {row.number}: staff {key}'s consecutive limits must "
                                "be at least 1")
        terms = (limits, most, least, max_run, min_run, min_off, weekends)
        if terms not in by_terms:
            by_terms[terms] = Contract(
                f"staff-{key}", min_minutes_per_week=0, max_minutes_per_week=7 * 1440,
                max_minutes_per_day=1440, min_daily_rest_minutes=0, min_weekly_rest_minutes=0,
                max_consecutive_days=max_run, min_minutes_per_period=least,
                max_minutes_per_period=most, max_shifts_per_type=limits,
                min_consecutive_days=min_run, min_consecutive_days_off=min_off,
                max_weekends=weekends,
            )
        contracts[key] = by_terms[terms]
    return contracts


def _max_shifts(row: Row, type_keys: set[str]) -> tuple[tuple[str, int], ...]:
    """The `A=n|B=m` limits of a staff line."""
    limits: dict[str, int] = {}
    for part in filter(None, row.fields[1].split("|")):
        key, sep, value = part.partition("=")
        if not sep or key not in type_keys or key in limits:
            raise InstanceError(f"line {row.number}: MaxShifts entry {part!r} must be "
                                "ShiftID=count for a known shift, once each")
        limits[key] = _int(Row(row.number, (value,)), 0, f"MaxShifts of {key}")
    return tuple(sorted(limits.items()))


def _day(row: Row, i: int, days: int) -> int:
    """Field i as a day index inside the horizon."""
    d = _int(row, i, "a day index")
    if d >= days:
        raise InstanceError(f"line {row.number}: day {d} is outside the horizon of {days} days")
    return d


def _staff(row: Row, staff: set[str]) -> str:
    """The row's first field as a known staff ID."""
    if row.fields[0] not in staff:
        raise InstanceError(f"line {row.number}: unknown staff ID {row.fields[0]!r}")
    return row.fields[0]


def _days_off(rows: list[Row], staff: set[str], days: int) -> dict[str, list[int]]:
    """Fixed days off per staff ID."""
    found: dict[str, list[int]] = {}
    for row in rows:
        key = _staff(row, staff)
        found.setdefault(key, []).extend(_day(row, i, days) for i in range(1, len(row.fields)))
    return found


def _requests(sections: dict[str, list[Row]], staff: set[str], type_keys: set[str],
              days: int) -> dict[str, list[tuple[int, bool, int, str]]]:
    """(day, wanted, weight, shift) of each staff member's on and off requests."""
    found: dict[str, list[tuple[int, bool, int, str]]] = {}
    seen: set[tuple[str, int, str, bool]] = set()
    for name, wanted in (("SHIFT_ON_REQUESTS", True), ("SHIFT_OFF_REQUESTS", False)):
        for row in sections.get(name, []):
            _width(row, 4, "request")
            key, d = _staff(row, staff), _day(row, 1, days)
            shift = row.fields[2]
            if shift not in type_keys:
                raise InstanceError(f"line {row.number}: unknown shift ID {shift!r}")
            if (key, d, shift, wanted) in seen:
                raise InstanceError(f"line {row.number}: the same request is given twice")
            seen.add((key, d, shift, wanted))
            found.setdefault(key, []).append((d, wanted, _int(row, 3, "a weight"), shift))
    return found


def _cover(rows: list[Row], type_keys: set[str], days: int,
           grid_days: list[date]) -> tuple[DayDemand, ...]:
    """Demand per day and shift type."""
    found: dict[tuple[int, str], DayDemand] = {}
    for row in rows:
        _width(row, 5, "cover")
        d, shift = _day(row, 0, days), row.fields[1]
        if shift not in type_keys:
            raise InstanceError(f"line {row.number}: unknown shift ID {shift!r}")
        if (d, shift) in found:
            raise InstanceError(f"line {row.number}: cover for day {d} shift {shift} is "
                                "given twice")
        found[d, shift] = DayDemand(grid_days[d], shift, _int(row, 2, "a requirement"),
                                    _int(row, 3, "the under-cover weight"),
                                    _int(row, 4, "the over-cover weight"))
    return tuple(found.values())


def _interval_minutes(lengths: tuple[int, ...]) -> int:
    """The coarsest grid (60, 30 or 15 min) on which every shift length fits."""
    step = math.gcd(*lengths)
    for minutes in (60, 30, 15):
        if step % minutes == 0:
            return minutes
    raise InstanceError(f"shift lengths {', '.join(map(str, lengths))} do not fit a 15-minute "
                        "grid")
