"""Named soft terms of the rostering objective, each with integer weights per queue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler import coverage
from scheduler import fairness as fair
from scheduler.costs import has_pay, interval_pay
from scheduler.domain import Problem, Roster
from scheduler.switches import switch_marks, switching_agents
from scheduler.variables import Variables

Counter = Callable[[Problem, Roster], Mapping[str, tuple[int, ...]]]


@dataclass(frozen=True)
class SoftTerm:
    """A named, already weighted part of the objective, to report on its own."""

    name: str
    expression: cp_model.LinearExprT
    count: Counter  # the same quantity per queue and interval, computed from a roster
    slack: Mapping[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    shown: bool = True  # reported in the penalties even when zero (False: only if it applies)

    def hint(self, model: cp_model.CpModel, problem: Problem, roster: Roster) -> None:
        """Hint the slack variables with their values in a roster, completing a roster hint."""
        counts = self.count(problem, roster)
        for (queue, t), var in self.slack.items():
            model.add_hint(var, counts[queue][t])


def understaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Missing agents per queue and interval, weighted by the queue's shortfall weight."""
    terms, weights, slack = [], [], {}
    constant = 0
    for queue in problem.queues:
        if queue.key in problem.workload:
            continue  # judged by its cumulative workload (scheduler.workload)
        for t, required in enumerate(problem.requirement[queue.key]):
            if required == 0:
                continue
            working = v.queue_activities(queue.key, t)
            if not working:
                constant += queue.shortfall_weight * required  # nobody can ever work it then
                continue
            shortfall = model.new_int_var(0, required, f"shortfall[{queue.key},{t}]")
            model.add(shortfall >= required - sum(working))
            terms.append(shortfall)
            slack[queue.key, t] = shortfall
            weights.append(queue.shortfall_weight)
    expression = cp_model.LinearExpr.weighted_sum(terms, weights) + constant
    return SoftTerm("understaffing", expression, coverage.shortfall, slack)


def overstaffing(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Surplus agents per queue and interval, weighted by the queue's overstaffing weight."""
    terms, weights, slack = [], [], {}
    for queue in problem.queues:
        if queue.key in problem.workload:
            continue
        for t, required in enumerate(problem.requirement[queue.key]):
            working = v.queue_activities(queue.key, t)
            if len(working) <= required:
                continue
            surplus = model.new_int_var(0, len(working) - required, f"surplus[{queue.key},{t}]")
            model.add(surplus >= sum(working) - required)
            terms.append(surplus)
            slack[queue.key, t] = surplus
            weights.append(queue.overstaffing_weight)
    expression = cp_model.LinearExpr.weighted_sum(terms, weights)
    return SoftTerm("overstaffing", expression, coverage.overstaffing, slack)


OFF_QUEUE_WEIGHT = 2  # per agent-interval: above overstaffing, so a spare agent takes calls


def off_queue(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Paid working intervals spent on no queue (back-office work while queues are closed).

    Agents certified for no queue are left out: they work shifts planned per day.
    """
    working, on_queue = [], []
    for agent in problem.agents:
        if not agent.skills:
            continue
        for t in v.agent_intervals(agent.key):
            working.append(v.on_shift(agent.key, t) - v.on_break(agent.key, t))
            on_queue.extend(v.agent_activities(agent.key, t).values())
    expression = OFF_QUEUE_WEIGHT * (sum(working) - sum(on_queue))
    return SoftTerm("off_queue", expression, lambda _problem, _roster: {})


def shift_cost(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Pay for the rostered work, premiums included (`scheduler.costs`); zero without rates.

    Linear in the choices: each chosen shift's intervals at the agent's pay, less the
    intervals of its unpaid meal break.
    """
    terms, weights = [], []
    for (a, d, i), x in v.shift.items():
        agent = v.agents[a]
        if agent.contract.pay is None:
            continue
        pay = interval_pay(problem, agent)
        c = v.candidates[a][d][i]
        terms.append(x)
        weights.append(sum(pay[c.start:c.end]))
    for (a, d, s), b in v.break_start.items():
        agent = v.agents[a]
        if agent.contract.pay is None or agent.shift_rule.meal_break_paid:
            continue
        pay = interval_pay(problem, agent)
        length = next(c.break_intervals for c in v.candidates[a][d] if c.needs_break)
        terms.append(b)
        weights.append(-sum(pay[s:s + length]))
    expression = cp_model.LinearExpr.weighted_sum(terms, weights)
    return SoftTerm("shift_cost", expression, lambda _problem, _roster: {},
                    shown=has_pay(problem))


CHANGE_WEIGHT = 300  # per agent-day changed: worth three missing agent-intervals at weight 100


def published_spans(problem: Problem, published: Roster) -> dict[tuple[str, int], tuple[int, int]]:
    """Published shifts as (agent, day index) -> (start, end) interval indices on the grid."""
    grid = problem.grid
    kept: dict[tuple[str, int], tuple[int, int]] = {}
    for shift in published.shifts:
        if shift.day in grid.day_list:
            try:
                span = grid.index_of(shift.start), grid.index_of(shift.end)
            except ValueError:
                continue
            kept[shift.agent, grid.day_list.index(shift.day)] = span
    return kept


def changed_days(problem: Problem, published: Roster, roster: Roster) -> set[tuple[str, int]]:
    """Agent-days whose shift differs between two rosters (the `changes` term, counted)."""
    before, after = published_spans(problem, published), published_spans(problem, roster)
    agents = {a.key for a in problem.agents}
    return {key for key in set(before) | set(after)
            if key[0] in agents and before.get(key) != after.get(key)}


def changes(
    model: cp_model.CpModel, problem: Problem, v: Variables, published: Roster,
    weight: int = CHANGE_WEIGHT,
) -> SoftTerm:
    """Agent-days whose shift differs from the published roster (start or end moved, added,
    removed), so a re-plan keeps as many published shifts as it can."""
    grid = problem.grid
    kept = published_spans(problem, published)
    changed: list[cp_model.LinearExprT] = []
    for agent in problem.agents:
        for d in range(grid.days):
            a = agent.key
            span = kept.get((a, d))
            if (a, d) not in v.works:
                changed.append(1 if span else 0)  # published shift can no longer be worked
            elif span is None:
                changed.append(v.works[a, d])
            else:
                same = [x for c, x in v.day_candidates(a, d) if (c.start, c.end) == span]
                changed.append(1 - sum(same))
    return SoftTerm("changes", weight * sum(changed), lambda _problem, _roster: {})


COMMITMENT_FACTOR = 3  # a promised agent missing costs 3x the queue's weight on top


def committed_shortfall(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Promised agents missing per queue and interval (queues without promises: zeros)."""
    covered = coverage.coverage(problem, roster)
    none = (0,) * problem.grid.n_intervals
    return {
        q: tuple(max(0, p - c) for p, c in zip(problem.committed.get(q, none), covered[q],
                                               strict=True))
        for q in covered
    }


def commitments(model: cp_model.CpModel, problem: Problem, v: Variables) -> SoftTerm:
    """Missing promised agents (approved capacity requests), COMMITMENT_FACTOR x the weight."""
    terms, weights, slack = [], [], {}
    constant = 0
    for queue in problem.queues:
        weight = COMMITMENT_FACTOR * queue.shortfall_weight
        for t, promised in enumerate(problem.committed.get(queue.key, ())):
            if promised == 0:
                continue
            working = v.queue_activities(queue.key, t)
            if not working:
                constant += weight * promised
                continue
            short = model.new_int_var(0, promised, f"committed_short[{queue.key},{t}]")
            model.add(short >= promised - sum(working))
            terms.append(short)
            slack[queue.key, t] = short
            weights.append(weight)
    expression = cp_model.LinearExpr.weighted_sum(terms, weights) + constant
    return SoftTerm("commitments", expression, committed_shortfall, slack)


def fairness(model: cp_model.CpModel, problem: Problem, v: Variables) -> list[SoftTerm]:
    """Weekends, evenings and nights above each agent's pro-rata share (`scheduler.fairness`).

    One term per kind the problem weighs. Per kind, `total` is one variable (the sum over
    eligible agents), the agent's share is (h * total + H - 1) / H and the excess
    max(0, count - share), both set equal, not just bounded, so every solution's objective
    is its roster's true cost.
    """
    terms = []
    for kind in fair.kinds(problem):
        counts: dict[str, cp_model.LinearExprT] = {}
        most: dict[str, int] = {}
        for a in kind.shares:
            chosen = [(fair.candidate_count(kind, c), v.shift[a, d, i])
                      for d, cs in v.candidates[a].items() for i, c in enumerate(cs)]
            chosen = [(n, x) for n, x in chosen if n]
            counts[a] = cp_model.LinearExpr.weighted_sum([x for _, x in chosen],
                                                         [n for n, _ in chosen])
            most[a] = sum(max((fair.candidate_count(kind, c) for c in cs), default=0)
                          for cs in v.candidates[a].values())
        high = sum(most.values())
        total = model.new_int_var(0, high, f"{kind.name}_total")
        model.add(total == sum(counts.values()))
        big = kind.total_share
        slack, excesses = {}, []
        for a, count in counts.items():
            share = kind.shares[a]
            allowance = model.new_int_var(0, -(-share * high // big), f"{kind.name}_share[{a}]")
            model.add_division_equality(allowance, share * total + big - 1, big)
            over = model.new_int_var(0, most[a], f"{kind.name}[{a}]")
            model.add_max_equality(over, [0, count - allowance])
            slack[a, 0] = over
            excesses.append(over)

        def count(problem: Problem, roster: Roster, kind=kind) -> dict[str, tuple[int, ...]]:
            return fair.excesses(problem, roster, kind)

        terms.append(SoftTerm(kind.name, kind.weight * sum(excesses), count, slack))
    return terms


def block_switches(model: cp_model.CpModel, problem: Problem, v: Variables) -> list[SoftTerm]:
    """Direct switches of queue inside a shift, each `switch_weight` (`scheduler.switches`).

    Per agent and interval t, `switch` is 1 exactly when the agent works some queue at t-1
    and another at t: at least y[q,t] + sum of the other queues at t-1 - 1, at most the work
    at t and at t-1, and at most 2 - y[q,t] - y[q,t-1] (no switch staying on q).
    """
    agents = switching_agents(problem)
    if not agents:
        return []
    terms, weights, slack = [], [], {}
    for agent in agents:
        a = agent.key
        for t in v.agent_intervals(a):
            now, before = v.agent_activities(a, t), v.agent_activities(a, t - 1)
            if not now or not before or (len(now) == 1 and set(now) == set(before)):
                continue
            switch = model.new_bool_var(f"switch[{a},{t}]")
            for q, y in now.items():
                others = [z for p, z in before.items() if p != q]
                if others:
                    model.add(switch >= y + sum(others) - 1)
                if q in before:
                    model.add(switch <= 2 - y - before[q])
            model.add(switch <= sum(now.values()))
            model.add(switch <= sum(before.values()))
            terms.append(switch)
            weights.append(agent.shift_rule.switch_weight)
            slack[a, t] = switch
    expression = cp_model.LinearExpr.weighted_sum(terms, weights)
    return [SoftTerm("block_switches", expression, switch_marks, slack)]


SoftRule = Callable[[cp_model.CpModel, Problem, Variables], SoftTerm]

SOFT_TERMS: tuple[SoftRule, ...] = (understaffing, overstaffing, off_queue, shift_cost)
# rules giving a list of terms: none, one, or one per kind (fairness)
SOFT_TERM_LISTS = (block_switches, fairness)
