"""The aggregated rostering LP: agent groups instead of named agents, solved with GLOP.

Agents with the same skills, shift rule, contract and days off form a group. The LP counts,
fractionally, how many of a group work each candidate shift per day, take their meal break
in each interval, and serve each queue per interval; it keeps, summed over the group, each
agent's availability per day (time off), the weekly contract bounds (rounded to totals the
agent's shifts can make, `achievable_week`), the consecutive-days limit, one day off per
whole week and the daily rest between a late shift and the next day's early one
(`_daily_rest`), and it prices understaffing, overstaffing, off-queue
time and pay (`shift_cost`) exactly as the CP-SAT objective does (`scheduler.penalties`).

Every roster maps onto a feasible point of this LP with the same value of those terms (count
each group's agents per shift, break and queue), so the LP optimum is a lower bound on any
roster's objective (`scheduler.lower_bound`), and its solution is a plan that
`scheduler.plan` turns into named agents' shifts.

Meal breaks come in two forms: `patterns=True` gives every (shift, break start) pair its own
column, exact and tighter; `patterns=False` counts breaks per start interval, bounded by the
shifts whose window allows that start, which is a slightly weaker relaxation with about a
third of the columns (a faster LP for planning). Paid coffee breaks (grids of 15 min or
finer) are always counted that second way: per start interval, as many as the chosen shifts
have, each start bounded by the shifts whose coffee windows allow it; their intervals are off
the queues and, being paid breaks, not back-office time.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from ortools.linear_solver import pywraplp

from scheduler.candidates import Candidate, agent_candidates
from scheduler.costs import interval_pay
from scheduler.domain import Agent, Problem
from scheduler.fairness import candidate_count, kinds
from scheduler.penalties import OFF_QUEUE_WEIGHT


@dataclass
class Group:
    """Agents the LP treats as one pool: same skills, shift rule, contract and time off."""

    representative: Agent  # without time off: its candidates are the group's
    agents: list[Agent]
    candidates: dict[int, tuple[Candidate, ...]] = field(default_factory=dict)

    def available(self, problem: Problem, d: int) -> int:
        """Agents of the group not on approved time off on day d."""
        day = problem.grid.day_list[d]
        return sum(1 for a in self.agents if day not in a.time_off)


def group_agents(problem: Problem) -> list[Group]:
    """Agents with the same skills, shift rule, contract and time off, in first-seen order."""
    groups: dict[tuple, Group] = {}
    for agent in problem.agents:
        # a group's agents must be interchangeable: pooling different contracts or days off
        # would let the LP move one agent's unused hours to another (a much weaker bound)
        key = (agent.skills, agent.shift_rule, agent.contract, agent.time_off)
        if key not in groups:
            representative = replace(agent, time_off=frozenset())
            groups[key] = Group(representative, [],
                                agent_candidates(problem, representative))
        groups[key].agents.append(agent)
    return list(groups.values())


@dataclass(frozen=True)
class Plan:
    """The LP's solution: fractional counts per group, day and shift, break and queue."""

    groups: list[Group]
    objective: float
    parts: dict[str, float]  # understaffing, overstaffing, off_queue
    shifts: dict[tuple[int, int, int], float]  # (group, day, candidate index) -> agents
    working: dict[tuple[int, int], float]  # (group, interval) -> agents working (not on break)
    activity: dict[tuple[int, str, int], float]  # (group, queue, interval) -> agents


@dataclass(frozen=True)
class Solved:
    """What GLOP returned: a status, and the plan when the LP was solved to optimality."""

    status: str
    plan: Plan | None
    dual_bound: float  # proven lower bound from the duals (-inf when nothing was solved)
    variables: int
    constraints: int
    wall_seconds: float
    duals: dict[tuple, float] = field(default_factory=dict)  # shared rows' prices, by key


REST_CUTS = True  # the daily-rest rows (`_Builder._daily_rest`); off only to compare
PLAN_TOLERANCE = 0.01  # PDLP's relative accuracy for a plan: about 1 % off the optimum


def solve_aggregate(
    problem: Problem, *, patterns: bool = True, exact: bool = True,
    tolerance: float = PLAN_TOLERANCE, time_limit_seconds: float = 300,
    fairness: bool = False,
) -> Solved:
    """Build and solve the aggregated LP.

    `exact=True` solves it with GLOP's simplex, to optimality. `exact=False` uses PDLP
    (first-order, both cores) stopped at `tolerance` relative accuracy, several times faster
    on large weeks. Either way `dual_bound` is a proven lower bound on the LP optimum, and so
    on every roster's objective: the duals priced by weak duality.
    """
    began = time.monotonic()
    lp = _Builder(problem, patterns, "GLOP" if exact else "PDLP", fairness)
    if not exact:
        lp.solver.SetSolverSpecificParametersAsString(
            "termination_criteria { simple_optimality_criteria { "
            f"eps_optimal_relative: {tolerance} eps_optimal_absolute: {tolerance} }} }} "
            f"num_threads: 2")
    lp.build()
    lp.solver.SetTimeLimit(int(time_limit_seconds * 1000))
    status = lp.solver.Solve()
    names = {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.FEASIBLE: "FEASIBLE",
             pywraplp.Solver.INFEASIBLE: "INFEASIBLE", pywraplp.Solver.NOT_SOLVED: "NOT_SOLVED"}
    name = names.get(status, f"STATUS_{status}")
    usable = status == pywraplp.Solver.OPTIMAL or (not exact and status == pywraplp.Solver.FEASIBLE)
    plan = lp.plan() if usable else None
    bound = lp.dual_bound() if usable else -math.inf
    duals = {key: row.dual_value() for key, row in lp.keyed.items()} if usable else {}
    return Solved(name, plan, bound, lp.solver.NumVariables(), lp.solver.NumConstraints(),
                  time.monotonic() - began, duals)


class _Builder:
    """The LP's variables and rows, built group by group."""

    def __init__(self, problem: Problem, patterns: bool, method: str,
                 fairness: bool = False) -> None:
        self.problem = problem
        self.patterns = patterns
        self.solver = pywraplp.Solver.CreateSolver(method)
        self.Var = self.solver.NumVar
        self.inf = self.solver.infinity()
        self.groups = group_agents(problem)
        self.cost: dict[object, float] = defaultdict(float)
        self.coverage: dict[tuple[str, int], list] = defaultdict(list)
        self.pool: dict[tuple[str, int], int] = defaultdict(int)  # agents who may work q at t
        self.rows: list[tuple[object, float, float, list]] = []
        self._pay: dict[object, float] = {}  # the shift_cost part of a column's cost
        self.shift_vars: dict[tuple[int, int, int], list] = defaultdict(list)
        self.working_terms: dict[tuple[int, int], list[tuple[object, int]]] = defaultdict(list)
        self.activity_vars: dict[tuple[int, str, int], object] = {}
        self.short_vars: list[tuple[object, int]] = []
        self.over_vars: list[tuple[object, int]] = []
        self.constant = 0
        # the rows the week-pattern master shares, by key: ("work", group, interval),
        # ("need", queue, interval), ("surplus", queue, interval)
        self.keyed: dict[tuple, object] = {}
        self.kinds = kinds(problem) if fairness else ()
        self.unsocial: dict[tuple[int, int], list[tuple[object, int]]] = defaultdict(list)
        self.fair_vars: list[tuple[object, int, str]] = []

    def row(self, low: float, high: float, terms) -> None:
        """Add low <= sum(coefficient * var) <= high."""
        constraint = self.solver.Constraint(low, high)
        for var, coefficient in terms:
            constraint.SetCoefficient(var, coefficient)
        self.rows.append((constraint, low, high, terms))

    def dual_bound(self) -> float:
        """A lower bound on the LP optimum from the solver's duals, valid for any duals.

        Weak duality for min c'x, L <= Ax <= U, l <= x <= u: for every y,
        c'x >= sum_i min(y_i L_i, y_i U_i) + sum_j min(r_j l_j, r_j u_j), r = c - A'y.
        Every column has finite bounds, so an approximate dual (PDLP's) still gives a proven
        bound, a little below the optimum.
        """
        reduced = dict(self.cost)
        total = self.constant
        for constraint, low, high, terms in self.rows:
            y = constraint.dual_value()
            if y == 0 or (y > 0 and low == -self.inf) or (y < 0 and high == self.inf):
                continue  # no price, or that side is unbounded: use y = 0
            total += y * (low if y > 0 else high)
            for var, coefficient in terms:
                reduced[var] = reduced.get(var, 0.0) - coefficient * y
        for var, r in reduced.items():
            if r:
                total += r * (var.lb() if r > 0 else var.ub())
        return total

    def build(self) -> None:
        """Every group's rows, then coverage and the objective."""
        for g, group in enumerate(self.groups):
            self._group(g, group)
        self._coverage()
        self._fairness()
        objective = self.solver.Objective()
        for var, value in self.cost.items():
            objective.SetCoefficient(var, value)
        objective.SetOffset(self.constant)
        objective.SetMinimization()

    def _group(self, g: int, group: Group) -> None:
        """Shift, break and activity columns of one group, with its daily and weekly rows."""
        problem = self.problem
        pay = interval_pay(problem, group.representative)
        unpaid = not group.representative.shift_rule.meal_break_paid
        works_day: dict[int, list] = defaultdict(list)
        paid_day: dict[int, list] = defaultdict(list)
        day_shifts: dict[int, list[tuple[object, Candidate]]] = defaultdict(list)
        for d, candidates in group.candidates.items():
            available = group.available(problem, d)
            if available == 0:
                continue
            breaks: dict[int, list] = defaultdict(list)
            with_break = []
            coffee: dict[int, list] = defaultdict(list)  # coffee start -> shifts allowing it
            coffee_total: list[tuple[object, int]] = []  # (shift column, coffee breaks)
            for i, c in enumerate(candidates):
                for s in (c.break_starts if (self.patterns and c.needs_break) else (None,)):
                    n = self.Var(0, available, "")
                    self.shift_vars[g, d, i].append(n)
                    for k, kind in enumerate(self.kinds):
                        if group.agents[0].key in kind.shares and candidate_count(kind, c):
                            self.unsocial[k, g].append((n, candidate_count(kind, c)))
                    resting = range(s, s + c.break_intervals) if s is not None else range(0)
                    for t in range(c.start, c.end):
                        if t not in resting:
                            self.working_terms[g, t].append((n, 1))
                    works_day[d].append(n)
                    day_shifts[d].append((n, c))
                    paid_day[d].append((n, c.paid_minutes))
                    # coffee breaks are paid and never back-office time
                    on_queue_time = (c.end - c.start - c.break_intervals
                                     - len(c.coffee_windows) * c.coffee_intervals)
                    if c.coffee_windows:
                        coffee_total.append((n, len(c.coffee_windows)))
                        for window in c.coffee_windows:
                            for start in window:
                                coffee[start].append(n)
                    shift_pay = sum(pay[c.start:c.end])
                    if s is not None and unpaid:
                        shift_pay -= sum(pay[s:s + c.break_intervals])
                    self.cost[n] += OFF_QUEUE_WEIGHT * on_queue_time + shift_pay
                    if shift_pay:
                        self._pay[n] = shift_pay
                    if s is None and c.needs_break:
                        with_break.append(n)
                        for start in c.break_starts:
                            breaks[start].append(n)
            if with_break:
                length = max(c.break_intervals for c in candidates)
                starts = []
                for s, allowing in sorted(breaks.items()):
                    b = self.Var(0, available, "")
                    starts.append(b)
                    if unpaid and sum(pay[s:s + length]):
                        self._pay[b] = -sum(pay[s:s + length])
                        self.cost[b] += self._pay[b]
                    self.row(-self.inf, 0, [(b, 1)] + [(n, -1) for n in allowing])
                    for t in range(s, s + length):
                        self.working_terms[g, t].append((b, -1))
                self.row(0, 0, [(b, 1) for b in starts] + [(n, -1) for n in with_break])
            if coffee_total:
                self._coffee(g, candidates, available, coffee, coffee_total)
            self.row(-self.inf, available, [(n, 1) for n in works_day[d]])
        size = len(group.agents)
        if REST_CUTS:
            self._daily_rest(group, day_shifts, size)
        for days in problem.weeks().values():
            low = high = 0
            for a in group.agents:
                a_low, a_high = problem.week_bounds(a, days)
                a_low, a_high = achievable_week(group, problem, days, a_low, a_high)
                low, high = low + a_low, high + a_high
            self.row(low, high, [term for d in days for term in paid_day[d]])
            if len(days) == 7 and group.representative.contract.min_weekly_rest_minutes > 0:
                # the weekly rest needs a day off in every whole week
                self.row(-self.inf, 6 * size, [(n, 1) for d in days for n in works_day[d]])
        limit = group.representative.contract.max_consecutive_days
        for first in range(0, problem.grid.days - limit):
            window = range(first, first + limit + 1)
            self.row(-self.inf, limit * size, [(n, 1) for d in window for n in works_day[d]])
        skills = sorted(group.representative.skills)
        for t in sorted({t for (h, t) in self.working_terms if h == g}):
            acts = []
            for q in skills:
                if problem.is_open[q][t]:
                    x = self.Var(0, size, "")  # at most the group works it
                    self.activity_vars[g, q, t] = x
                    self.coverage[q, t].append(x)
                    self.pool[q, t] += size
                    self.cost[x] -= OFF_QUEUE_WEIGHT
                    acts.append(x)
            if acts:
                terms = [(x, 1) for x in acts] + [(n, -k) for n, k in self.working_terms[g, t]]
                self.row(-self.inf, 0, terms)
                self.keyed["work", g, t] = self.rows[-1][0]

    def _daily_rest(self, group: Group, day_shifts: dict[int, list[tuple[object, Candidate]]],
                    size: int) -> None:
        """No agent works a shift ending at or after tau and, the next day, one starting
        before tau + the daily rest: per threshold tau, the group's shifts of the two kinds
        together are at most its agents. Valid for every roster, so the bound stays a bound.
        (Both sets grow or shrink with tau, so their sizes name a row once.)"""
        step = self.problem.grid.interval_minutes
        rest = group.representative.contract.min_daily_rest_minutes / step
        for d, today in day_shifts.items():
            tomorrow = day_shifts.get(d + 1)
            if not tomorrow:
                continue
            first_next = min(c.start for _, c in tomorrow)
            seen = set()
            for tau in sorted({c.end for _, c in today}):
                late = [n for n, c in today if c.end >= tau]
                early = [n for n, c in tomorrow if c.start < tau + rest]
                if not early or first_next >= tau + rest:
                    continue
                key = (len(late), len(early))
                if key in seen:
                    continue
                seen.add(key)
                self.row(-self.inf, size, [(n, 1) for n in late + early])

    def _coffee(self, g: int, candidates: tuple[Candidate, ...], available: int,
                coffee: dict[int, list], total: list[tuple[object, int]]) -> None:
        """Coffee breaks pooled per start interval, like meal breaks without patterns: as
        many as the chosen shifts have, each start used at most by the shifts allowing it.
        A relaxation (windows are not told apart), so the bound stays a bound."""
        length = max(c.coffee_intervals for c in candidates)
        starts = []
        for s, allowing in sorted(coffee.items()):
            b = self.Var(0, available, "")  # one shift a day: one coffee break at s per agent
            starts.append(b)
            self.row(-self.inf, 0, [(b, 1)] + [(n, -1) for n in allowing])
            for t in range(s, s + length):
                self.working_terms[g, t].append((b, -1))
        self.row(0, 0, [(b, 1) for b in starts] + [(n, -k) for n, k in total])

    def _coverage(self) -> None:
        """Shortfall and surplus per queue and interval, priced as in the CP-SAT objective."""
        solver = self.solver
        for queue in self.problem.queues:
            for t, required in enumerate(self.problem.requirement[queue.key]):
                acts = self.coverage.get((queue.key, t), [])
                if not acts:
                    self.constant += queue.shortfall_weight * required
                    continue
                if required > 0:
                    u = solver.NumVar(0, required, "")
                    self.row(required, self.inf, [(u, 1)] + [(x, 1) for x in acts])
                    self.keyed["need", queue.key, t] = self.rows[-1][0]
                    self.cost[u] += queue.shortfall_weight
                    self.short_vars.append((u, queue.shortfall_weight))
                o = solver.NumVar(0, self.pool[queue.key, t], "")
                self.row(-required, self.inf, [(o, 1)] + [(x, -1) for x in acts])
                self.keyed["surplus", queue.key, t] = self.rows[-1][0]
                self.cost[o] += queue.overstaffing_weight
                self.over_vars.append((o, queue.overstaffing_weight))

    def _fairness(self) -> None:
        """Per group and kind of unsocial time, its agents' excess over their fair shares.

        An agent's share is ceil(h T / H) <= (h T + H - 1) / H (`scheduler.fairness`), and
        a sum of excesses max(0, count - share) is at least the excess of the sums, so
        E_g >= C_g - |g| (h T + H - 1) / H, E_g >= 0 holds for every roster (C_g the
        group's count, T everyone's): a valid, linear part of the bound."""
        for k, kind in enumerate(self.kinds):
            everyone = [term for (j, _), terms in self.unsocial.items() if j == k
                        for term in terms]
            if not everyone:
                continue
            # T, everyone's count, as one column so each group's row stays short
            total = self.Var(0, sum(count * n.ub() for n, count in everyone), "")
            self.row(0, 0, [(total, 1)] + [(n, -count) for n, count in everyone])
            total_share = kind.total_share
            for (j, g), terms in self.unsocial.items():
                if j != k:
                    continue
                group = self.groups[g]
                size, share = len(group.agents), kind.shares[group.agents[0].key]
                most = sum(count * n.ub() for n, count in terms)
                e = self.Var(0, max(0.0, most), "")
                self.row(-size * (total_share - 1) / total_share, self.inf,
                         [(e, 1), (total, size * share / total_share)]
                         + [(n, -count) for n, count in terms])
                self.cost[e] += kind.weight
                self.fair_vars.append((e, kind.weight, kind.name))

    def pay_value(self) -> float:
        """The LP's shift_cost: pay of its shift and break columns."""
        return sum(value * var.solution_value() for var, value in self._pay.items())

    def plan(self) -> Plan:
        """The solved LP as counts per group."""
        value = self.solver.Objective().Value()
        short = self.constant + sum(w * u.solution_value() for u, w in self.short_vars)
        over = sum(w * o.solution_value() for o, w in self.over_vars)
        working = {key: sum(k * n.solution_value() for n, k in terms)
                   for key, terms in self.working_terms.items()}
        fair: dict[str, float] = defaultdict(float)
        for e, weight, name in self.fair_vars:
            fair[name] += weight * e.solution_value()
        return Plan(
            groups=self.groups,
            objective=value,
            parts={"understaffing": short, "overstaffing": over,
                   "off_queue": value - short - over - self.pay_value() - sum(fair.values()),
                   **({"shift_cost": self.pay_value()} if self._pay else {}), **fair},
            shifts={key: sum(n.solution_value() for n in ns)
                    for key, ns in self.shift_vars.items()},
            working=working,
            activity={key: x.solution_value() for key, x in self.activity_vars.items()},
        )


def achievable_week(group: Group, problem: Problem, days: list[int], low: int, high: int
                    ) -> tuple[int, int]:
    """One agent's weekly paid-minute bounds tightened to totals their shifts can make.

    An agent works at most one of the group's candidate shifts a day (and, in a whole week
    with a weekly rest, at most six days), so their week's paid minutes lie in the set of
    such sums: with shifts of 4, 6 and 8 paid hours no week makes exactly 35 h, and a
    minimum of 35 h means at least 36. Summing the tightened bounds over the group keeps the
    LP a relaxation and lets its counts be dealt out to named agents. (low, high) unchanged
    when nothing fits between them."""
    rule = group.representative.contract
    most_days = len(days) - (1 if len(days) == 7 and rule.min_weekly_rest_minutes > 0 else 0)
    sums = {(0, 0)}  # (paid minutes, days worked)
    off = group.agents[0].time_off  # the group's agents share their days off
    for d in days:
        if problem.grid.day_list[d] in off:
            continue
        lengths = {c.paid_minutes for c in group.candidates.get(d, ())}
        sums |= {(total + m, n + 1) for total, n in sums if n < most_days
                 for m in lengths if total + m <= high}
    inside = sorted(total for total, _ in sums if low <= total <= high)
    if not inside:
        return low, high
    return inside[0], inside[-1]


def rounded_bound(value: float) -> int:
    """The LP value rounded up: every weight is an integer, so no roster costs less."""
    return math.ceil(value - 1e-6 * max(1.0, abs(value)))
