"""A tighter lower bound and plan: the week-pattern master LP, by column generation.

The aggregated LP (`scheduler.aggregate`) pools each agent group's shifts day by day and so
drops every rule that binds one agent across days (daily rest, the weekly rest around a day
off, each agent's own weekly hours). Here each agent of a group instead takes one whole *week
pattern* (a shift with its meal break, or nothing, per day) that keeps those rules exactly
(`scheduler.week_patterns`); the master LP mixes patterns per group (as many as the group
has agents) and, as the aggregated LP does, lets the group's working agents serve its queues
per interval, pricing understaffing, overstaffing, off-queue time and pay as the CP-SAT
objective does (`scheduler.penalties`).

Why it is a bound: every valid roster gives a feasible point of the master with the same
value of those four terms (each agent's week is a pattern the pricer allows; count the
group's agents per pattern and per queue and interval), and the other soft terms (fairness,
block switches, ...) are never negative. Only some patterns are in the LP at any time, so
the value reported is the Lagrangian bound of the duals: for any row prices of the right
signs, the priced value of the non-pattern columns plus, per group, its agents times the
exact cheapest pattern (found by the pricer over all patterns) is below the master optimum
(weak duality, the convexity rows kept in the subproblem). Stopping early, or GLOP's
tolerances, can only make it weaker, never unsafe. The minimum activity block, coffee
breaks and the published roster before the period are left out (a relaxation).

It applies to one-week periods without coffee breaks (`applies`); other weeks use the
aggregated LP's bound.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.math_opt.python import mathopt

from scheduler.aggregate import Group, group_agents, rounded_bound
from scheduler.costs import interval_pay
from scheduler.domain import Problem
from scheduler.lower_bound import activity_balance
from scheduler.penalties import OFF_QUEUE_WEIGHT
from scheduler.week_patterns import WeekPattern, WeekPricer
from scheduler.week_patterns import applies as one_week

GAP_TOLERANCE = 1e-3  # stop once the LP value is this close (relative) to the bound
SMOOTHING = 0.3  # Wentges: price at this share of the best-bound duals, the rest current


def applies(problem: Problem) -> bool:
    """Whether the week-pattern master models this problem (one week, no coffee breaks)."""
    return (one_week(problem) and bool(problem.queues)
            and not any(c.coffee_windows for g in group_agents(problem)
                        for cs in g.candidates.values() for c in cs))


@dataclass
class WeekBound:
    """The master's bound, its last LP solution as patterns per group, and its parts."""

    value: int  # no roster's objective is below it
    lp_objective: float
    parts: dict[str, float]
    groups: list[Group]
    patterns: list[dict[WeekPattern, float]]  # per group: pattern -> agents (fractional)
    activity: dict[tuple[int, str, int], float]
    columns: int
    iterations: int
    wall_seconds: float
    short_by_queue: dict[str, float] = field(default_factory=dict)
    over_by_queue: dict[str, float] = field(default_factory=dict)


class _Master:
    """The restricted master LP in GLOP, grown one pattern column at a time."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.model = mathopt.Model()
        self.inf = math.inf
        self.groups = group_agents(problem)
        self.pricers = [WeekPricer(problem, g.agents[0], g.candidates) for g in self.groups]
        n = problem.grid.n_intervals
        self.pay = [np.array(interval_pay(problem, g.representative), dtype=float)
                    for g in self.groups]
        self.cost: dict[object, float] = {}
        self.limits: dict[object, tuple[float, float]] = {}
        self.keyed: dict[tuple, object] = {}  # rows shared with the aggregated LP, by key
        self.rows: list[tuple[object, float, float, list]] = []  # rows Lagrangian-priced
        self.work_rows: list[dict[int, object]] = []  # per group: interval -> capacity row
        self.convexity: list[object] = []
        self.columns: list[dict[WeekPattern, object]] = [{} for _ in self.groups]
        self.activity: dict[tuple[int, str, int], object] = {}
        self.short_vars: dict[tuple[str, int], object] = {}
        self.over_vars: dict[tuple[str, int], object] = {}
        self.constant = 0.0
        self.n = n
        self._build()
        self.solver = mathopt.IncrementalSolver(self.model, mathopt.SolverType.GLOP)
        self.result: mathopt.SolveResult | None = None

    def var(self, low: float, high: float, cost: float) -> object:
        """A new column with its bounds and objective coefficient."""
        x = self.model.add_variable(lb=low, ub=high)
        if cost:
            self.model.objective.set_linear_coefficient(x, cost)
        self.cost[x] = cost
        self.limits[x] = (low, high)
        return x

    def constraint(self, low: float, high: float, terms, priced: bool = True) -> object:
        """A new row low <= sum(coefficient * var) <= high."""
        row = self.model.add_linear_constraint(lb=low, ub=high)
        for x, k in terms:
            row.set_coefficient(x, k)
        if priced:
            self.rows.append((row, low, high, list(terms)))
        return row

    def solve(self) -> bool:
        """Re-solve the LP from the last basis; whether it is optimal."""
        self.result = self.solver.solve(params=mathopt.SolveParameters(
            presolve=mathopt.Emphasis.OFF, lp_algorithm=mathopt.LPAlgorithm.PRIMAL_SIMPLEX))
        return self.result.termination.reason == mathopt.TerminationReason.OPTIMAL

    def value(self) -> float:
        """The LP's objective value."""
        return self.result.objective_value()

    def values(self, xs) -> list[float]:
        """Primal values of these columns."""
        return self.result.variable_values(list(xs))

    def _build(self) -> None:
        """Activity columns, capacity, convexity and coverage rows; no patterns yet."""
        problem = self.problem
        coverage: dict[tuple[str, int], list] = defaultdict(list)
        pool: dict[tuple[str, int], int] = defaultdict(int)
        for g, group in enumerate(self.groups):
            size = len(group.agents)
            span = np.zeros(self.n, bool)
            for cs in self.pricers[g].candidates.values():
                for c in cs:
                    span[c.start:c.end] = True
            rows: dict[int, object] = {}
            for t in (int(t) for t in np.flatnonzero(span)):
                acts = []
                for q in sorted(group.representative.skills):
                    if problem.is_open[q][t]:
                        x = self.var(0, size, -OFF_QUEUE_WEIGHT)
                        self.activity[g, q, t] = x
                        coverage[q, t].append(x)
                        pool[q, t] += size
                        acts.append(x)
                if acts:
                    rows[t] = self.constraint(-self.inf, 0, [(x, 1) for x in acts])
                    self.keyed["work", g, t] = rows[t]
            self.work_rows.append(rows)
            self.convexity.append(self.constraint(size, size, (), priced=False))
        for queue in problem.queues:
            for t, required in enumerate(problem.requirement[queue.key]):
                acts = coverage.get((queue.key, t), [])
                if not acts:
                    self.constant += queue.shortfall_weight * required
                    continue
                if required > 0:
                    u = self.var(0, required, queue.shortfall_weight)
                    self.keyed["need", queue.key, t] = self.constraint(
                        required, self.inf, [(u, 1)] + [(x, 1) for x in acts])
                    self.short_vars[queue.key, t] = u
                o = self.var(0, pool[queue.key, t], queue.overstaffing_weight)
                self.keyed["surplus", queue.key, t] = self.constraint(
                    -required, self.inf, [(o, 1)] + [(x, -1) for x in acts])
                self.over_vars[queue.key, t] = o
        self.model.objective.offset = self.constant
        self.model.objective.is_maximize = False

    # ------------------------------------------------------------ patterns

    def working(self, g: int, pattern: WeekPattern) -> list[int]:
        """Intervals the pattern works (its meal breaks left out)."""
        cands = self.pricers[g].candidates
        worked = []
        for d, i, s in pattern:
            c = cands[d][i]
            rest = range(s, s + c.break_intervals) if s is not None else range(0)
            worked.extend(t for t in range(c.start, c.end) if t not in rest)
        return worked

    def pattern_cost(self, g: int, pattern: WeekPattern) -> tuple[float, float]:
        """(off-queue time and pay, pay alone) of a pattern, as the objective counts them."""
        pay = self.pay[g]
        paid_break = self.groups[g].representative.shift_rule.meal_break_paid
        total = pay_total = 0.0
        for d, i, s in pattern:
            c = self.pricers[g].candidates[d][i]
            shift_pay = float(pay[c.start:c.end].sum())
            if s is not None and not paid_break:
                shift_pay -= float(pay[s:s + c.break_intervals].sum())
            total += OFF_QUEUE_WEIGHT * (c.end - c.start - c.break_intervals) + shift_pay
            pay_total += shift_pay
        return total, pay_total

    def add(self, g: int, pattern: WeekPattern) -> bool:
        """Add a pattern column to group g; False when it is there already."""
        if pattern in self.columns[g]:
            return False
        size = len(self.groups[g].agents)
        cost, _ = self.pattern_cost(g, pattern)
        var = self.model.add_variable(lb=0, ub=size)
        self.model.objective.set_linear_coefficient(var, cost)
        self.convexity[g].set_coefficient(var, 1)
        rows = self.work_rows[g]
        for t in self.working(g, pattern):
            if t in rows:
                rows[t].set_coefficient(var, -1)
        self.columns[g][pattern] = var
        return True

    # ------------------------------------------------------------ prices

    def duals(self) -> list[float]:
        """The LP's row duals, clipped to the signs weak duality needs."""
        return self.clip(self.result.dual_values([row for row, _, _, _ in self.rows]))

    def clip(self, duals: list[float]) -> list[float]:
        """Row prices with the wrong sign for their row set to zero."""
        prices = []
        for (_, low, high, _), y in zip(self.rows, duals, strict=True):
            if (y > 0 and low == -self.inf) or (y < 0 and high == self.inf):
                y = 0.0
            prices.append(y)
        return prices

    def interval_costs(self, g: int, prices: list[float], index: dict) -> np.ndarray:
        """What working each interval costs group g's agents at these prices."""
        cost = OFF_QUEUE_WEIGHT + self.pay[g].copy()
        for t, row in self.work_rows[g].items():
            cost[t] += prices[index[row]]
        return cost

    def break_costs(self, g: int) -> np.ndarray:
        """What an interval on the meal break costs (its pay when breaks are paid)."""
        paid = self.groups[g].representative.shift_rule.meal_break_paid
        return self.pay[g] if paid else np.zeros(self.n)

    def price(self, prices: list[float], index: dict
              ) -> tuple[float, list[tuple[float, WeekPattern]]]:
        """The Lagrangian bound at these prices and each group's cheapest pattern."""
        total = self.constant
        reduced = dict(self.cost)
        for (_row, low, high, terms), y in zip(self.rows, prices, strict=True):
            if y == 0:
                continue
            total += y * (low if y > 0 else high)
            for var, coefficient in terms:
                reduced[var] = reduced.get(var, 0.0) - coefficient * y
        for var, r in reduced.items():
            if r:
                low, high = self.limits[var]
                total += r * (low if r > 0 else high)
        best = []
        for g, pricer in enumerate(self.pricers):
            value, pattern = pricer.best(self.interval_costs(g, prices, index),
                                         self.break_costs(g))
            total += len(self.groups[g].agents) * value
            best.append((value, pattern))
        return total, best


def week_bound(problem: Problem, *, time_limit_seconds: float = 300,
               gap_tolerance: float = GAP_TOLERANCE, seed_duals: dict[tuple, float] | None = None,
               log: bool = False) -> WeekBound:
    """Column generation on the week-pattern master until the bound meets the LP value.

    `seed_duals` (the aggregated LP's prices of the rows both LPs share, by key) start the
    search: their Lagrangian bound is at least the aggregated LP's, and their cheapest
    patterns are the first columns.
    """
    began = time.monotonic()
    master = _Master(problem)
    index = {row: k for k, (row, _, _, _) in enumerate(master.rows)}
    best_bound, best_prices = -math.inf, None
    if seed_duals:
        key_of = {id(row): key for key, row in master.keyed.items()}
        best_prices = master.clip([seed_duals.get(key_of[id(row)], 0.0)
                                   for row, _, _, _ in master.rows])
        best_bound, best = master.price(best_prices, index)
        for g, (value, pattern) in enumerate(best):
            if math.isfinite(value):
                master.add(g, pattern)
        if log:
            print(f"  seed bound {best_bound:,.1f}", flush=True)
    # seed: each group's cheapest week when working is worth its queues' shortfall weight
    weights = {q.key: q.shortfall_weight for q in problem.queues}
    for g, group in enumerate(master.groups):
        value_of = np.zeros(master.n)
        for q in group.representative.skills:
            wanted = np.array(problem.requirement[q]) > 0
            value_of = np.maximum(value_of, np.where(wanted, weights[q], 0.0))
        for share in (0.0, 0.05, 0.5):
            cost = OFF_QUEUE_WEIGHT + master.pay[g] - share * value_of
            value, pattern = master.pricers[g].best(cost, master.break_costs(g))
            if math.isfinite(value):
                master.add(g, pattern)
    lp_value = math.inf
    iterations = 0
    while True:
        iterations += 1
        if not master.solve():
            break
        lp_value = master.value()
        prices = master.duals()
        at = prices if best_prices is None else [
            SMOOTHING * b + (1 - SMOOTHING) * y for b, y in zip(best_prices, prices, strict=True)]
        bound, best = master.price(at, index)
        if bound > best_bound:
            best_bound, best_prices = bound, at
        added = sum(master.add(g, pattern) for g, (value, pattern) in enumerate(best)
                    if math.isfinite(value))
        if at is not prices:  # the smoothed prices found nothing new: price at the LP's own
            bound, best = master.price(prices, index)
            if bound > best_bound:
                best_bound, best_prices = bound, prices
            added += sum(master.add(g, pattern) for g, (value, pattern) in enumerate(best)
                         if math.isfinite(value))
        if log:
            print(f"  cg {iterations:3d}  {time.monotonic() - began:6.1f} s  lp {lp_value:,.1f}"
                  f"  bound {best_bound:,.1f}  columns {sum(map(len, master.columns))}"
                  f"  added {added}", flush=True)
        gap = (lp_value - best_bound) / max(1.0, abs(lp_value))
        if gap <= gap_tolerance or not added or time.monotonic() - began > time_limit_seconds:
            break
    if master.solve():  # read the LP with every column
        lp_value = master.value()
    return _result(master, best_bound, lp_value, iterations, time.monotonic() - began)


def _result(master: _Master, bound: float, lp_value: float, iterations: int,
            seconds: float) -> WeekBound:
    """The bound with the last LP solution read out."""
    problem = master.problem
    weights = {q.key: (q.shortfall_weight, q.overstaffing_weight) for q in problem.queues}
    value_of = dict(zip(master.limits, master.values(master.limits), strict=True))
    short = master.constant + sum(weights[k[0]][0] * value_of[u]
                                  for k, u in master.short_vars.items())
    over = sum(weights[k[0]][1] * value_of[o] for k, o in master.over_vars.items())
    chosen = [dict(zip(cols, master.values(cols.values()), strict=True))
              for cols in master.columns]
    pay = sum(master.pattern_cost(g, p)[1] * v for g, cols in enumerate(chosen)
              for p, v in cols.items())
    parts = {"understaffing": short, "overstaffing": over,
             "off_queue": lp_value - short - over - pay}
    if pay:
        parts["shift_cost"] = pay
    patterns = [{p: v for p, v in cols.items() if v > 1e-9} for cols in chosen]
    activity = {k: value_of[x] for k, x in master.activity.items()}
    short_q, over_q = activity_balance(problem, activity)
    value = max(0, rounded_bound(bound)) if math.isfinite(bound) else 0
    return WeekBound(value, lp_value, parts, master.groups, patterns, activity,
                     sum(map(len, master.columns)), iterations, seconds, short_q, over_q)
