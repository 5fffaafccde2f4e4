"""Proven lower bounds and good rosters for day-level problems, by branch-and-price.

When a problem is planned per day (demand per day and shift type, no queues), its objective
splits into each agent's own penalty (broken shift requests) and the day cover that links
them. The Dantzig-Wolfe master LP picks a convex mix of day patterns per agent; column
generation prices new patterns with `scheduler.patterns` (exact dynamic programming over the
agent's hard rules), and its bound is far stronger than the linear relaxation CP-SAT builds
from the compact model. Branching on "agent a works shift type t on day d" closes the last
gap; a dive that fixes whole patterns finds a first roster, local search by exact best
responses (`scheduler.improve`) improves it, and the master MIP over the columns so far
(`scheduler.master_ip`) picks the best roster they hold.

Every bound reported is a Lagrangian bound: for any day prices the sum of each agent's exact
best pattern value plus the cover terms bounds the optimum from below, so rounding in the LP
never makes a bound unsafe. `solve()` adds the bound to the CP-SAT model and starts from the
best roster, which then proves optimality as soon as the two meet.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

from scheduler.candidates import Candidate
from scheduler.coffee import place_coffee
from scheduler.domain import Break, Problem, Roster, Shift
from scheduler.improve import improve
from scheduler.master_ip import best_selection
from scheduler.patterns import DayPatterns, Pattern

Progress = Callable[[float, float, float], None]  # (seconds, objective, best_bound)
EPS = 1e-6
SMOOTHING = 0.5  # Wentges dual smoothing: price at a mix of the best-bound duals and the LP's
# a dive fixes every pattern the LP mixes in more than this much (the first dive; a second
# one from the root, DIVES, fixes above the second value, for another roster). At 0.5 two
# patterns the LP mixes half and half are fixed on a coin toss: one dive from the root on
# Instance7-12 (one core, pricing as now) gave 1165, 1419, 559, 4972, 3677, 5704 at 0.5 and
# step 0.05 against 1058, 1306, 441, 4637, 3445, 4704 at 0.6 and step 0.02 (0.7: 1158, 1306,
# 439, 4747, 3543, 5443; best known 1056, 1300, 439, 4631, 3443, 4040)
DIVE_FIXES = (0.6, 0.7)
# and at least this share of the agents per step, the likeliest (one agent below 50): 0.05
# fixed too many at a time, above (0.6 with 0.05: 745 on Instance9, 3855 on Instance11)
DIVE_STEP = 0.02
# pricing rounds after each fixing step of a dive with this many agents or more: the LP need
# not converge to guide the next step (Instance12: 4807 in 36 s against 4753 in 100 s); with
# fewer it converges, which guides better (Instance7: 1066 against 1379 with 5 rounds)
DIVE_ROUNDS, DIVE_ROUNDS_FROM = 5, 40
DIVES = 2  # dives from the root, each followed by the master MIP, before branching
# with fewer agents than this, one dive and a short master MIP, so the tree starts early:
# on Instance7 the second dive and two 12-14 s master MIPs took until 39 s and never beat
# the first dive's polished roster; Instance6 (60 s) is proven in 14-25 s, not 39-41 s
FEW_AGENTS, FEW_DIVES, FEW_MIP_SECONDS = 30, 1, 5.0
# local search from the best roster (scheduler.improve) before each master MIP: at most this
# many seconds and this share of the time left, or until this many ruins in a row found
# nothing better. On Instance12 (300 s) it took the dive's 5015 to 4298 in 4 s and stopped
# there at a patience of 40; at 2000 it went on to 4201 in the 95 s its share allowed, where
# neither the master MIP over 3,800 columns nor CP-SAT (interleaved LNS too) beat 4298.
# That long search follows the root's dives (each with a short search and the master MIP)
# when they left a gap, from FEW_AGENTS on (after the first dive, it held Instance11's
# optimum, from the second, back from 17 s to 236 s); below, and between the tree's plunges,
# the tree does the work and 40 is kept: at 2000 everywhere
# Instance2, 4 and 6 took 27, 28 and 46 s to prove (0.4, 6 and 18 s at 40), Instance5 was
# unproven in 60 s and Instance10 ended at 4642 in 300 s (proven 4631 in 197 s at 40)
POLISH_SECONDS, POLISH_SHARE, ROOT_PATIENCE, POLISH_PATIENCE = 120.0, 0.5, 2000, 40
# patterns added per agent and pricing round, from one recursion; 3 reached Instance12's root
# bound in 71-108 s against 81 s with 1 on a loaded machine: no clear gain measured yet
COLUMNS_PER_ROUND = 1
# the master MIP over the columns so far (scheduler.master_ip): at most this many seconds and
# this share of the time left, after the dive and again each time the columns grow this much
MIP_SECONDS, MIP_SHARE, MIP_GROWTH = 30.0, 0.35, 1.3
# branch-and-price plunges (`Search.tree`): after branching a node it goes on into its first
# open child (the one that works the branched shift), the sibling left on the heap unsolved,
# until a roster or a pruned leaf, then back to the least bound open. Instance7 at 60 s:
# 1059 (found at 30-44 s) where best-first ended at 1152; into the other child first it
# went 92 levels without a roster, into the child of lower bound (both solved) 18 levels
PLUNGE = True
# after each better roster (the local search the tree opens with included) the tree is
# best-first for this many nodes before it plunges again, its first plunge starting at the
# root otherwise: best-first finds Instance6's optimum in 13 nodes (proven in 14-25 s) where
# plunging missed it in 60 s (4 of 6 runs), and Instance7 plunging from the root found
# 1057-1059 in each of 9 runs against 1061 and 1152 when it waited 20 nodes
PLUNGE_AFTER = 20
Decision = tuple[int, int, str, bool]  # (agent index, day, shift type, worked)
CountBound = tuple[int, int, float]  # (cover row, least agents, most agents)


def decomposable(problem: Problem, candidates: dict[str, dict[int, tuple[Candidate, ...]]]
                 ) -> bool:
    """Whether the problem is planned per day and every agent's rules are day-level ones."""
    return (not problem.queues and bool(problem.day_demand) and bool(problem.agents)
            and all(DayPatterns.applies(problem, a, candidates[a.key]) for a in problem.agents))


@dataclass(frozen=True)
class Column:
    """One agent's pattern with its own penalty and the cover rows it works."""

    agent: int
    pattern: Pattern
    cost: int
    rows: tuple[int, ...]
    works: frozenset[tuple[int, str]]


@dataclass
class Node:
    """A branch of the search: decisions on agent-day-type assignments, and its bound."""

    decisions: tuple[Decision, ...]
    bound: float
    depth: int = 0
    counts: tuple[CountBound, ...] = ()  # bounds on how many agents work a cover row


# a node on the tree's heap: (bound, -depth, tie-break, node, LP values or None if unsolved)
Entry = tuple[float, int, int, Node, list[float] | None]


@dataclass
class SearchResult:
    """What the search proved and found."""

    lower_bound: int  # proven: no roster of this problem costs less
    objective: int | None  # the best roster's objective, None when none was found
    roster: Roster | None
    proven: bool  # the best roster is optimal
    nodes: int = 0
    columns: int = 0
    log: list[str] = field(default_factory=list)


class Master:
    """The restricted master LP (GLOP), grown one column at a time."""

    def __init__(self, problem: Problem, pricers: list[DayPatterns]) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.objective = self.solver.Objective()
        self.pricers = pricers
        index = {day: d for d, day in enumerate(problem.grid.day_list)}
        self.rows: dict[tuple[int, str], int] = {}
        self.demand = []  # (requirement, under weight, over weight) per row
        self.cover = []
        self.under: list[pywraplp.Variable] = []
        self.over: list[pywraplp.Variable] = []
        self.slack_bounds: list[tuple[float, float, float, float]] = []
        for demand in problem.day_demand:
            key = (index[demand.day], demand.shift_type)
            self.rows[key] = len(self.demand)
            self.demand.append((demand.requirement, demand.under_weight, demand.over_weight))
            row = self.solver.Constraint(demand.requirement, demand.requirement)
            under = self.solver.NumVar(0, demand.requirement, "")
            over = self.solver.NumVar(0, self.solver.infinity(), "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            self.objective.SetCoefficient(under, demand.under_weight)
            self.objective.SetCoefficient(over, demand.over_weight)
            self.cover.append(row)
            self.under.append(under)
            self.over.append(over)
            self.slack_bounds.append((0.0, demand.requirement, 0.0, math.inf))
        self.convexity = [self.solver.Constraint(1, 1) for _ in pricers]
        self.columns: list[Column] = []
        self.variables: list[pywraplp.Variable] = []
        self.known: set[tuple[int, Pattern]] = set()
        self.objective.SetMinimization()

    def column(self, agent: int, pattern: Pattern) -> Column:
        """The column of an agent's pattern."""
        pricer = self.pricers[agent]
        works = pricer.covers(pattern)
        rows = tuple(self.rows[k] for k in works if k in self.rows)
        return Column(agent, pattern, pricer.cost(pattern), rows, frozenset(works))

    def add(self, agent: int, pattern: Pattern) -> bool:
        """Add a pattern as a column unless it is known already."""
        if (agent, pattern) in self.known:
            return False
        self.known.add((agent, pattern))
        col = self.column(agent, pattern)
        var = self.solver.NumVar(0, 1, "")
        self.convexity[agent].SetCoefficient(var, 1)
        for r in col.rows:
            self.cover[r].SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, col.cost)
        self.columns.append(col)
        self.variables.append(var)
        return True

    def restrict(self, decisions: tuple[Decision, ...], fixed: dict[int, Pattern],
                 counts: tuple[CountBound, ...] = ()) -> None:
        """Allow only the columns that keep a node's decisions and a dive's fixed patterns,
        and bound the cover slacks so each branched row's count stays in its range."""
        for col, var in zip(self.columns, self.variables, strict=True):
            var.SetUb(1.0 if compatible(col, decisions, fixed) else 0.0)
        ranges: dict[int, tuple[float, float]] = {}
        for r, least, most in counts:
            low, high = ranges.get(r, (0.0, math.inf))
            ranges[r] = (max(low, least), min(high, most))
        for r, (required, _, _) in enumerate(self.demand):
            least, most = ranges.get(r, (0.0, math.inf))
            # count = required - under + over, with at most one of the two slacks above zero
            under_low = max(0.0, required - most)
            under_high = float(required) if least <= required else 0.0
            under_high = min(under_high, required - least) if least <= required else 0.0
            over_low = max(0.0, least - required)
            over_high = math.inf if most == math.inf else max(0.0, most - required)
            if most < required:
                over_high = 0.0
            bounds = (under_low, under_high, over_low, over_high)
            if bounds != self.slack_bounds[r]:
                self.slack_bounds[r] = bounds
                self.under[r].SetBounds(under_low, under_high)
                self.over[r].SetBounds(over_low, self.solver.infinity()
                                       if over_high == math.inf else over_high)

    def solve(self) -> tuple[float, list[float], list[float], list[float]] | None:
        """LP value, cover duals, convexity duals and column values; None if infeasible."""
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return (self.objective.Value(), [c.dual_value() for c in self.cover],
                [c.dual_value() for c in self.convexity],
                [v.solution_value() for v in self.variables])

    def cover_bound(self, duals: list[float]) -> float:
        """The cover rows' share of the Lagrangian bound at these duals.

        Per row: mu * requirement + min over the slacks' ranges of (under weight - mu) * under
        + (over weight + mu) * over.
        """
        total = 0.0
        for mu, (required, under, over), (ul, uh, ol, oh) in zip(
                duals, self.demand, self.slack_bounds, strict=True):
            a, b = under - mu, over + mu
            total += mu * required + (a * ul if a >= 0 else a * uh)
            total += b * ol if b >= 0 else (b * oh if oh < math.inf else -math.inf)
        return total

    def safe_duals(self, duals: list[float]) -> list[float]:
        """Duals inside the range where the Lagrangian bound is finite and not weakened."""
        safe = []
        for mu, (_, under, over), (_, _, _, oh) in zip(duals, self.demand, self.slack_bounds,
                                                       strict=True):
            safe.append(min(under, max(-over, mu)) if oh == math.inf else min(under, mu))
        return safe

    def prices(self, duals: list[float]) -> dict[tuple[int, str], float]:
        """Cover duals as prices per (day, shift type)."""
        return {key: duals[r] for key, r in self.rows.items()}


def compatible(col: Column, decisions: tuple[Decision, ...], fixed: dict[int, Pattern]) -> bool:
    """Whether a column keeps the branching decisions and the dive's fixed patterns."""
    if col.agent in fixed and fixed[col.agent] != col.pattern:
        return False
    return all(((d, t) in col.works) == worked
               for agent, d, t, worked in decisions if agent == col.agent)


class Search:
    """Column generation, a pattern-fixing dive and best-first branch-and-price."""

    def __init__(self, problem: Problem, candidates, deadline: float,
                 progress: Progress | None = None,
                 outside: Callable[[], float] = lambda: math.inf) -> None:
        self.problem, self.candidates = problem, candidates
        self.deadline, self.progress = deadline, progress
        self.outside = outside
        self.began = time.monotonic()
        self.pricers = [DayPatterns(problem, a, candidates[a.key]) for a in problem.agents]
        self.master = Master(problem, self.pricers)
        self.incumbent: float = math.inf
        self.best: list[Column] | None = None
        self.bound = -math.inf
        self.nodes = 0
        self.plunged = 0  # nodes the tree branched on straight after their parent (PLUNGE)
        self.found_at = 0  # nodes solved when the best roster was found
        self.timed_out = False
        self.mip_columns = 0  # columns the master MIP last chose from
        self.mip_helped = False  # whether the last master MIP beat the roster it started from
        self.polished: list[Column] | None = None  # the roster local search last started from
        self.log: list[str] = []

    def out_of_time(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self.deadline

    def _report(self) -> None:
        """Tell the caller about a new incumbent or bound."""
        if self.progress and self.incumbent < math.inf:
            self.progress(time.monotonic() - self.began, self.incumbent, max(self.bound, 0.0))

    def _price(self, prices, decisions, fixed, count: int = 1
               ) -> list[list[tuple[float, Pattern]]]:
        """Each agent's best patterns (up to `count`, best first) at these prices under the
        node's decisions; an empty list for an agent who has none."""
        found = []
        for e, pricer in enumerate(self.pricers):
            if e in fixed:
                pattern = fixed[e]
                col = self.master.column(e, pattern)
                found.append([(col.cost - sum(prices.get(k, 0.0) for k in col.works),
                               pattern)])
                continue
            forbidden = frozenset((d, t) for a, d, t, w in decisions if a == e and not w)
            required = frozenset((d, t) for a, d, t, w in decisions if a == e and w)
            found.append(pricer.several(prices, forbidden, required, count))
        return found

    def generate(self, node: Node, fixed: dict[int, Pattern] | None = None,
                 rounds: int | None = None):
        """Column generation at a node: (bound, column values), or None when it is pruned.

        The bound is the best Lagrangian bound seen at the node (never the LP value, which
        bounds the optimum only once no column can improve it); the values are the final LP's.
        With `rounds` (dives only) it stops after that many pricing rounds, converged or not.
        """
        fixed = fixed or {}
        if not self._ensure_columns(node.decisions, fixed):
            return None
        self.master.restrict(node.decisions, fixed, node.counts)
        center: list[float] | None = None
        best = node.bound
        while True:
            solved = self.master.solve()
            if solved is None:
                return None
            _, duals, convexity, values = solved
            exact = self.master.safe_duals(duals)
            smooth = exact if center is None else [SMOOTHING * c + (1 - SMOOTHING) * m
                                                   for c, m in zip(center, exact, strict=True)]
            added, bound = self._round(smooth, exact, convexity, node, fixed)
            if bound is None:
                return None
            if bound > best + EPS:
                best, center = bound, smooth
            if math.ceil(best - EPS) >= self.cutoff():
                return None
            if not added and center is not None and smooth is not exact:
                added, bound = self._round(exact, exact, convexity, node, fixed)
                if bound is None:
                    return None
                best = max(best, bound)
                if math.ceil(best - EPS) >= self.cutoff():
                    return None
            if not added:
                return best, values
            if rounds is not None:
                rounds -= 1
                if rounds <= 0:
                    return best, values
            if self.out_of_time():
                self.timed_out = True  # the LP is not the master's optimum: proves nothing
                return best, values

    def _ensure_columns(self, decisions: tuple[Decision, ...], fixed: dict[int, Pattern]
                        ) -> bool:
        """Give every agent a column that keeps the decisions; False if one cannot have any."""
        have = {col.agent for col in self.master.columns if compatible(col, decisions, fixed)}
        for e, pricer in enumerate(self.pricers):
            if e in have:
                continue
            if e in fixed:
                self.master.add(e, fixed[e])
                continue
            forbidden = frozenset((d, t) for a, d, t, w in decisions if a == e and not w)
            required = frozenset((d, t) for a, d, t, w in decisions if a == e and w)
            _, pattern = pricer.best({}, forbidden, required)
            if pattern is None:
                return False
            self.master.add(e, pattern)
        return True

    def _round(self, prices_at, exact, convexity, node, fixed):
        """Price every agent once; add improving columns; return (added, Lagrangian bound)."""
        prices = self.master.prices(prices_at)
        lp_prices = self.master.prices(exact)
        priced = self._price(prices, node.decisions, fixed, COLUMNS_PER_ROUND)
        if any(not options for options in priced):
            return False, None  # some agent has no pattern under these decisions
        bound = sum(options[0][0] for options in priced) + self.master.cover_bound(prices_at)
        added = False
        for e, options in enumerate(priced):
            for _, pattern in options:
                col = self.master.column(e, pattern)
                reduced = col.cost - sum(lp_prices.get(k, 0.0) for k in col.works) \
                    - convexity[e]
                if reduced < -EPS and self.master.add(e, pattern):
                    added = True
        return added, bound

    def seed(self) -> None:
        """Start the master with each agent's best pattern at zero prices."""
        for e, options in enumerate(self._price({}, (), {})):
            for _, pattern in options:
                self.master.add(e, pattern)

    def offer(self, columns: list[Column], value: float) -> None:
        """Keep an integral solution if it beats the incumbent."""
        if value < self.incumbent - EPS:
            self.incumbent = float(round(value))
            self.found_at = self.nodes
            self.best = columns
            self.log.append(f"{time.monotonic() - self.began:6.1f} s  roster {self.incumbent:g}")
            self._report()

    def integral(self, values: list[float]) -> list[Column] | None:
        """The chosen columns when the LP picks exactly one pattern per agent."""
        chosen = [col for col, x in zip(self.master.columns, values, strict=False)
                  if x > 1 - EPS]
        if len(chosen) == len(self.pricers) and all(
                x < EPS or x > 1 - EPS for x in values):
            return chosen
        return None

    def dive(self, root_values: list[float], fix: float = DIVE_FIXES[0]) -> None:
        """Fix the patterns the LP mixes in more than `fix` and the likeliest few, re-price
        the rest, until one per agent."""
        fixed: dict[int, Pattern] = {}
        values = root_values
        node = Node((), -math.inf)
        while len(fixed) < len(self.pricers) and not self.out_of_time():
            weight: dict[int, tuple[float, Pattern]] = {}
            for col, x in zip(self.master.columns, values, strict=False):
                if col.agent not in fixed and x > weight.get(col.agent, (0.0, ()))[0]:
                    weight[col.agent] = (x, col.pattern)
            if not weight:
                return
            least = max(1, math.ceil(DIVE_STEP * len(self.pricers)))
            likeliest = set(sorted(weight, key=lambda e: -weight[e][0])[:least])
            for e, (x, pattern) in weight.items():
                if x > fix or e in likeliest:
                    fixed[e] = pattern
            rounds = DIVE_ROUNDS if len(self.pricers) >= DIVE_ROUNDS_FROM else None
            result = self.generate(node, fixed, rounds)
            if result is None:
                return  # the fixed patterns cannot beat the best roster (or keep the rules)
            _, values = result
        # out of time mid-dive: every pattern keeps its agent's rules, so any one per agent
        # is a valid roster; take each agent's likeliest
        chosen = self.integral(values) or self._largest(values)
        if len(chosen) == len(self.pricers):
            self.offer(chosen, self._value(chosen))

    def _value(self, columns: list[Column]) -> float:
        """Objective of one pattern per agent: own penalties plus day cover."""
        count = [0] * len(self.master.demand)
        for col in columns:
            for r in col.rows:
                count[r] += 1
        cover = sum(under * max(0, req - c) + over * max(0, c - req)
                    for c, (req, under, over) in zip(count, self.master.demand, strict=True))
        return sum(col.cost for col in columns) + cover

    def _largest(self, values: list[float]) -> list[Column]:
        """Each agent's column of largest LP value."""
        best: dict[int, tuple[float, Column]] = {}
        for col, x in zip(self.master.columns, values, strict=False):
            if x > best.get(col.agent, (-1.0, col))[0]:
                best[col.agent] = (x, col)
        return [best[e][1] for e in sorted(best)]

    def branch_variable(self, values: list[float]) -> tuple[int, int, str] | None:
        """The most fractional agent-day-type assignment of an LP solution."""
        share: dict[tuple[int, int, str], float] = {}
        for col, x in zip(self.master.columns, values, strict=False):
            if x > EPS:
                for d, t in col.works:
                    share[col.agent, d, t] = share.get((col.agent, d, t), 0.0) + x
        fractional = [(abs(x - 0.5), key) for key, x in share.items() if EPS < x < 1 - EPS]
        return min(fractional)[1] if fractional else None

    def cutoff(self) -> float:
        """The best objective known, here or from a solver running alongside."""
        return min(self.incumbent, self.outside())

    def root(self, root_deadline: float | None = None,
             dive_deadline: float | None = None) -> list[float] | None:
        """Column generation at the root, then a dive for a first roster; the root LP values.

        On a large problem the root may not converge by `root_deadline`: its bound still
        holds, the dive still gives a roster (by `dive_deadline`), but nothing is proven.
        """
        self.seed()
        final = self.deadline
        self.deadline = min(final, root_deadline or final)
        result = self.generate(Node((), -math.inf))
        converged = not self.timed_out
        dives = min(final, dive_deadline or final)
        self.deadline = dives
        try:
            values = self._after_root(result)
        finally:
            self.deadline = final
        if values is None or self.integral(values) is not None:
            return values
        self.polish()
        self.select()  # the dive's roster is rarely the best the columns hold
        dives_left = (FEW_DIVES if len(self.pricers) < FEW_AGENTS else DIVES) - 1
        for k in range(dives_left):  # a dive among more columns fixes differently
            if time.monotonic() >= dives:
                break
            self.deadline = dives
            try:
                self.dive(values, DIVE_FIXES[(k + 1) % len(DIVE_FIXES)])
                self.master.restrict((), {}, ())
            finally:
                self.deadline = final
            self.polish()
            self.select()
        if len(self.pricers) >= FEW_AGENTS and self.incumbent > math.ceil(self.bound - EPS):
            self.polish(ROOT_PATIENCE)  # the dives left a gap: a long local search
        self.timed_out = not converged  # a dive cut short by its deadline proves nothing
        return values

    def _after_root(self, result) -> list[float] | None:
        """Log the root, keep an integral root or dive from a fractional one."""
        self.nodes = 1
        if result is None:
            return None
        self.bound, values = result
        self.log.append(f"{time.monotonic() - self.began:6.1f} s  root bound {self.bound:.2f}, "
                        f"{len(self.master.columns)} columns")
        self._report()
        chosen = self.integral(values)
        if chosen is not None:
            self.offer(chosen, self._value(chosen))
            return values
        self.dive(values)
        self.master.restrict((), {}, ())
        return values

    def polish(self, patience: int = POLISH_PATIENCE) -> None:
        """Improve the best roster by local search, until `patience` ruins in a row found
        nothing better or its time share ends; its patterns join the columns."""
        if self.best is None:
            return
        self.polished = self.best
        seconds = min(POLISH_SECONDS, POLISH_SHARE * (self.deadline - time.monotonic()))
        if seconds < 0.5:
            return
        start: list[Pattern] = [()] * len(self.pricers)
        for col in self.best:
            start[col.agent] = col.pattern
        found = improve(self.pricers, self.master.rows, self.master.demand, start,
                        deadline=time.monotonic() + seconds, seed=self.nodes,
                        patience=patience)
        if found.value < self.incumbent:
            for e, pattern in enumerate(found.patterns):
                self.master.add(e, pattern)
            picked = [self.master.column(e, p) for e, p in enumerate(found.patterns)]
            self.offer(picked, self._value(picked))
            self.polished = self.best  # no need to start again from its own result
            self.log.append(f"{time.monotonic() - self.began:6.1f} s  local search: "
                            f"{self._value(picked):g}")

    def select(self) -> None:
        """The best roster the columns so far hold, by the master MIP, within its time share."""
        self.mip_columns = len(self.master.columns)
        most = FEW_MIP_SECONDS if len(self.pricers) < FEW_AGENTS else MIP_SECONDS
        seconds = min(most, MIP_SHARE * (self.deadline - time.monotonic()))
        if seconds < 1:
            return
        columns = self.master.columns
        start = None
        if self.best is not None:
            index = {(c.agent, c.pattern): i for i, c in enumerate(columns)}
            start = {index[c.agent, c.pattern] for c in self.best
                     if (c.agent, c.pattern) in index}
        chosen = best_selection(columns, len(self.pricers), self.master.demand,
                                seconds=seconds, start=start)
        self.mip_helped = False
        if chosen is not None:
            picked = [columns[i] for i in chosen]
            self.mip_helped = self._value(picked) < self.incumbent - EPS
            self.offer(picked, self._value(picked))
            self.log.append(f"{time.monotonic() - self.began:6.1f} s  master MIP over "
                            f"{len(columns)} columns: {self._value(picked):g}")

    def tree(self, values: list[float]) -> None:
        """Best-first branching from the root until the bound meets the best roster.

        From the root, and again once PLUNGE_AFTER nodes have passed without a better
        roster, each branching goes on depth first (PLUNGE): the first child that stays open
        is branched next, its sibling waits on the heap with the parent's bound and its LP
        unsolved, until the plunge ends in a roster or a pruned leaf; then the open node of
        least bound is taken again. A plunge finds rosters the best-first order reaches only
        late, each one cuts the open nodes, and it solves one LP a level instead of two.
        Between plunges local search starts from any roster the tree found.
        """
        counter = itertools.count()
        root = Node((), self.bound)
        heap: list[Entry] = []
        if self.timed_out:
            return
        if self.integral(values) is None:
            heapq.heappush(heap, (self.bound, 0, next(counter), root, values))
        plunge: Entry | None = None
        self.found_at = self.nodes - PLUNGE_AFTER  # the first plunge starts at the root
        while (heap or plunge) and not self.out_of_time():
            if plunge is None and self.best is not self.polished:
                self.polish()  # between plunges, local search from a roster the tree found
            if self.mip_helped and len(self.master.columns) >= MIP_GROWTH * self.mip_columns:
                self.select()  # only while the last master MIP found a better roster
            if plunge is None:
                bound, _, _, node, values = heapq.heappop(heap)
            else:
                (bound, _, _, node, values), plunge = plunge, None
                self.plunged += 1
            self.bound = max(self.bound, min([bound] + [h[0] for h in heap[:1]]))
            if math.ceil(bound - EPS) >= self.cutoff():
                continue
            if values is None:  # a sibling a plunge left: solve its LP, then wait its turn
                entry = self._open(node, counter)
                if entry is not None:
                    heapq.heappush(heap, entry)
            elif PLUNGE and self.nodes - self.found_at >= PLUNGE_AFTER:
                children = self._children(node, bound, values)
                for k, child in enumerate(children):
                    plunge = self._open(child, counter)
                    if plunge is not None:
                        for sibling in children[k + 1:]:
                            heapq.heappush(heap, (bound, -sibling.depth, next(counter),
                                                  sibling, None))
                        break
            else:
                for child in self._children(node, bound, values):
                    entry = self._open(child, counter)
                    if entry is not None:
                        heapq.heappush(heap, entry)
            done = self.bound if self.timed_out else self.cutoff()
            open_bounds = [h[0] for h in heap[:1]] + ([plunge[0]] if plunge else [])
            self.bound = max(self.bound, min(open_bounds, default=done))
        if plunge is not None:  # out of time mid-plunge: its node is still open
            heapq.heappush(heap, plunge)
        if not heap and not self.timed_out:  # every node solved: the best roster is optimal
            self.bound = max(self.bound, self.cutoff())
        self.log.append(f"{time.monotonic() - self.began:6.1f} s  {self.nodes} nodes "
                        f"({self.plunged} branched in plunges), bound {self.bound:.2f}, "
                        f"{len(self.master.columns)} columns")

    def _open(self, node: Node, counter: itertools.count) -> Entry | None:
        """Column generation at a node: its heap entry while it stays open, None once it is
        pruned or integral (its roster offered)."""
        outcome = self.generate(node)
        self.nodes += 1
        if outcome is None:
            return None
        bound, values = outcome
        chosen = self.integral(values)
        if chosen is not None:
            self.offer(chosen, self._value(chosen))
            if not self.timed_out:
                return None
        return bound, -node.depth, next(counter), node, values

    def _children(self, node: Node, bound: float, values: list[float]) -> list[Node]:
        """Branch on the most fractional agent-day-type assignment.

        (Branching on a cover row's agent count, which `Node.counts` allows, moved the bound
        less on the benchmark than this.)
        """
        key = self.branch_variable(values)
        if key is None:  # every assignment is whole: patterns differing only in times
            self.offer(self._largest(values), self._value(self._largest(values)))
            return []
        e, d, t = key
        return [Node((*node.decisions, (e, d, t, worked)), bound, node.depth + 1, node.counts)
                for worked in (True, False)]

    def run(self) -> None:
        """Root, dive, then branching."""
        values = self.root()
        if values is not None:
            self.tree(values)

    def roster(self) -> Roster | None:
        """The best solution's shifts."""
        if self.best is None:
            return None
        grid, shifts = self.problem.grid, []
        for col in self.best:
            agent = self.problem.agents[col.agent]
            for d, i in enumerate(col.pattern):
                if i is None:
                    continue
                c = self.candidates[agent.key][d][i]
                breaks = ()
                if c.break_starts:
                    s = c.break_starts[0]
                    breaks = (Break(grid.interval_start(s),
                                    grid.interval_start(s + c.break_intervals),
                                    paid=agent.shift_rule.meal_break_paid),)
                shifts.append(Shift(agent.key, grid.day_list[d], grid.interval_start(c.start),
                                    grid.interval_start(c.end), breaks,
                                    shift_type=c.shift_type))
        # paid coffee breaks (fine grids only) change no day-level term: placed afterwards
        return place_coffee(self.problem,
                            Roster(tuple(sorted(shifts, key=lambda s: (s.agent, s.start)))))


def branch_and_price(problem: Problem, candidates, *, deadline: float,
                     progress: Progress | None = None) -> SearchResult:
    """The best roster and the proven lower bound the search reaches by the deadline."""
    search = Search(problem, candidates, deadline, progress)
    search.run()
    bound = max(search.bound, -math.inf)
    lower = math.ceil(bound - EPS) if bound > -math.inf else 0
    objective = None if search.best is None else int(search.incumbent)
    if objective is not None:
        lower = min(lower, objective)
    return SearchResult(
        lower_bound=max(0, lower), objective=objective, roster=search.roster(),
        proven=objective is not None and lower >= objective, nodes=search.nodes,
        columns=len(search.master.columns), log=search.log,
    )
