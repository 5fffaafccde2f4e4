"""The MTPA Anonymous Bank shift-scheduling LP as a Vuoro Problem (a small loader).

Miller (2015), *Modeling Techniques in Predictive Analytics*, ch. 6: eight six-hour shift
templates (`shifts_coverage.csv`, one column per template, 1 where it covers the hour) with a
cost per shift, to cover one day's hourly requirement of agents (the Erlang C staffing of the
Anonymous Bank's February 1999 Wednesdays, `requirement_used_in_LP`). Here the day is a
one-day grid of 60-minute intervals, the templates are the starts of two shift rules
(midnight, and every second hour 06-18), and the template costs become pay rates: an hourly
rate with premiums for the hours that make some templates dearer, found by a small LP so
every template costs exactly what the book says. Understaffing is weighted far above any
shift's cost, so the optimum covers every hour at the least cost.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from ortools.linear_solver import pywraplp

from scheduler.domain import (
    NO_FAIRNESS,
    Agent,
    Contract,
    PayRates,
    Premium,
    Problem,
    Queue,
    ShiftRule,
)
from scheduler.grid import Grid

SHIFT_COSTS = (252, 288, 180, 180, 180, 288, 288, 288)  # per template, Miller (2015) ch. 6
DAY = date(1999, 2, 3)  # a Wednesday of the data's month
QUEUE = "bank-voice-en"
SHORTFALL_WEIGHT = 10_000  # per missing agent-hour: far above the dearest shift (288)


def read_templates(path: Path) -> list[tuple[int, int]]:
    """(start hour, length in hours) of each template column, in column order."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = [c for c in rows[0] if c.startswith("Shift")]
    templates = []
    for column in columns:
        hours = [int(r["Hour"]) - 1 for r in rows if r[column].strip() == "1"]
        if not hours or hours != list(range(hours[0], hours[-1] + 1)):
            raise ValueError(f"{path}: template {column} does not cover one run of hours")
        templates.append((hours[0], len(hours)))
    return templates


def read_requirement(path: Path) -> tuple[int, ...]:
    """Agents required per hour 00-23 (the LP's requirement column)."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    requirement = tuple(int(r["requirement_used_in_LP"]) for r in rows)
    if len(requirement) != 24:
        raise ValueError(f"{path}: expected 24 hourly rows, got {len(requirement)}")
    return requirement


def hourly_rates(templates: list[tuple[int, int]], costs: tuple[int, ...]) -> list[float]:
    """Pay per hour of the day under which every template costs exactly its cost.

    The templates leave the rates underdetermined, so two small LPs choose: first the
    highest rate that every hour pays at least (the hourly pay), then, keeping it, the
    flattest rates (least change from hour to hour), so the premiums are few and wide.
    """
    floor = _rates(templates, costs, None)[0]
    return _rates(templates, costs, floor)[1]


def _rates(templates, costs, floor: float | None) -> tuple[float, list[float]]:
    """(lowest rate, rates): maximise the lowest rate, or with it fixed, minimise change."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    rate = [solver.NumVar(0, inf, f"rate[{h}]") for h in range(24)]
    lowest = solver.NumVar(0, inf, "lowest")
    for (start, length), cost in zip(templates, costs, strict=True):
        solver.Add(sum(rate[h] for h in range(start, start + length)) == cost)
    for r in rate:
        solver.Add(r >= lowest)
    if floor is None:
        solver.Maximize(lowest)
    else:
        solver.Add(lowest >= floor - 1e-9)
        change = [solver.NumVar(0, inf, f"change[{h}]") for h in range(24)]
        for h in range(24):
            solver.Add(change[h] >= rate[h] - rate[h - 1])
            solver.Add(change[h] >= rate[h - 1] - rate[h])
        solver.Minimize(sum(change))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise ValueError("no hourly rates reproduce the template costs")
    return lowest.solution_value(), [round(r.solution_value(), 6) for r in rate]


def pay_rates(rates: list[float]) -> PayRates:
    """The lowest rate as the hourly pay, and a premium for each run of dearer hours."""
    base = min(rates)
    premiums = []
    h = 0
    while h < 24:
        if rates[h] > base + 1e-9:
            first = h
            while h + 1 < 24 and abs(rates[h + 1] - rates[first]) < 1e-9:
                h += 1
            premiums.append(Premium(f"{first:02d}-{h + 1:02d}", first * 60, (h + 1) * 60,
                                    rates[first] - base))
        h += 1
    return PayRates(base, tuple(premiums))


def load_mtpa(directory: Path, staffing: Path, agents_per_rule: int = 32) -> Problem:
    """The instance as a one-day Problem with `agents_per_rule` agents per shift rule."""
    templates = read_templates(directory / "shifts_coverage.csv")
    if len(templates) != len(SHIFT_COSTS):
        raise ValueError(f"expected {len(SHIFT_COSTS)} templates, found {len(templates)}")
    lengths = {length for _, length in templates}
    if len(lengths) != 1:
        raise ValueError("the loader expects templates of one length")
    length = 60 * lengths.pop()
    starts = sorted(start for start, _ in templates)
    later = starts[1:]
    steps = {b - a for a, b in zip(later, later[1:], strict=False)}
    if starts[0] != 0 or len(steps) != 1:
        raise ValueError("expected a midnight template and evenly spaced others")
    pay = pay_rates(hourly_rates(templates, SHIFT_COSTS))
    contract = Contract("bank", 0, 7 * length, max_minutes_per_day=length, pay=pay)
    rules = (
        ShiftRule("midnight", 0, 0, (length,)),
        ShiftRule("day", later[0] * 60, later[-1] * 60, (length,),
                  start_step_minutes=steps.pop() * 60),
    )
    agents = tuple(
        Agent(f"{rule.name}{i:02d}", f"{rule.name.title()} {i:02d}", frozenset({QUEUE}),
              contract, rule)
        for rule in rules for i in range(agents_per_rule)
    )
    grid = Grid(DAY, 1, 60)
    return Problem(
        grid,
        (Queue(QUEUE, "bank", "voice", "en", shortfall_weight=SHORTFALL_WEIGHT,
               overstaffing_weight=0),),
        agents,
        {QUEUE: read_requirement(staffing)},
        {QUEUE: (True,) * grid.n_intervals},
        fairness=NO_FAIRNESS,  # the published LP's minimum cost 6336 has no fairness term
    )
