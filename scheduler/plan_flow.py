"""The planner's queues per interval, all working agents at once: a min-cost flow per
interval within the minimum activity block, shifts that break the block re-planned."""

from __future__ import annotations

import bisect
from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from scheduler.penalties import OFF_QUEUE_WEIGHT
from scheduler.plan_state import (
    IDLE,
    NOT_WORKING,
    Assigned,
    PlanAgent,
    State,
    blocks_ok,
    dp,
    restore,
    snapshot,
    switches,
)


def final_queues(state: State) -> None:
    """Every shift's queues re-planned jointly once more, weighing block switches too; the
    better of the two plans is kept."""
    before = state.objective() + switches(state)
    saved = snapshot(state)
    flow_activities(state)
    repair_blocks(state)
    if state.objective() + switches(state) > before:
        restore(state, saved)


def flow_activities(state: State) -> None:
    """Queues for every working interval, all agents at once: a min-cost flow per interval.

    Going forward in time, each interval is a transportation problem from the agents working
    then to their open queues, priced as the objective (a missing agent costs the queue's
    shortfall weight, a surplus one its overstaffing weight, an idle one the off-queue
    weight) plus a small price for changing queue. The minimum activity block is kept as the
    flow goes: an agent whose block is still short stays on its queue (or, if the block did
    not begin with a switch, may go idle), and an agent switches only onto a queue it can
    then keep for the whole minimum block.
    """
    working: dict[int, list[tuple[PlanAgent, Assigned, int]]] = defaultdict(list)
    for a in state.agents:
        for assigned in a.shifts.values():
            c = assigned.candidate
            for k, q in enumerate(assigned.queues):
                if q != NOT_WORKING:
                    working[c.start + k].append((a, assigned, k))
    state.coverage[:] = 0
    for t in sorted(working):
        people = working[t]
        options = [allowed_queues(state, a, assigned, k) for a, assigned, k in people]
        chosen = interval_flow(state, t, people, options)
        for (a, assigned, k), q in zip(people, chosen, strict=True):
            assigned.queues[k] = q
            if q >= 0:
                state.coverage[a.skills[q], t] += 1
    state.recount()


def _block_so_far(queues: list[int], k: int, client_of: list[int]) -> tuple[int, bool]:
    """Length of the client block ending at k - 1 and whether it began with a direct switch
    of client."""
    q = queues[k - 1] if k > 0 else IDLE
    if q < 0:
        return 0, False
    first = k - 1
    while first > 0 and queues[first - 1] >= 0 and client_of[queues[first - 1]] == client_of[q]:
        first -= 1
    return k - first, first > 0 and queues[first - 1] >= 0


def allowed_queues(state: State, a: PlanAgent, assigned: Assigned, k: int) -> list[tuple[int, int]]:
    """(local queue or IDLE, extra cost) choices of an agent in interval k of its shift."""
    c, queues = assigned.candidate, assigned.queues
    t = c.start + k
    before = queues[k - 1] if k > 0 else IDLE
    length, switched = _block_so_far(queues, k, a.client_of)
    open_now = [i for i, q in enumerate(a.skills) if state.open[q, t]]
    switch = SCALE * a.agent.shift_rule.switch_weight  # a direct switch of queue costs this
    same = [i for i in open_now if before >= 0 and a.client_of[i] == a.client_of[before]]
    if before >= 0 and length < a.least:  # the client block is still short: stay with it
        stay = [(i, 0 if i == before else switch) for i in same]
        return stay if switched and stay else stay + [(IDLE, 0)]
    choices = [(IDLE, 0)]
    for i in open_now:
        if before < 0 or i == before:
            choices.append((i, 0))
            continue
        if i in same:  # another queue of the same client: no switch of client
            choices.append((i, switch))
            continue
        ahead = range(k, k + a.least)  # a switch of client: the new block must last
        if all(j < len(queues) and queues[j] != NOT_WORKING  # (on this queue, to be simple)
               and state.open[a.skills[i], c.start + j] for j in ahead):
            choices.append((i, switch))
    return choices


SCALE = 100  # objective costs are scaled to integers, a switch costing its weight


def interval_flow(state: State, t: int, people, options,
                  covered: np.ndarray | None = None) -> list[int]:
    """The queue (local index or IDLE) of each working agent in interval t; `covered`, per
    queue, agents already on it who are not among `people`."""
    flow = min_cost_flow.SimpleMinCostFlow()
    n = len(people)
    source, sink = 0, 1
    queue_node: dict[int, int] = {}
    tails, heads, caps, costs, meaning = [], [], [], [], []
    for j, ((a, _, _), choices) in enumerate(zip(people, options, strict=True)):
        node = 2 + j
        tails.append(source), heads.append(node), caps.append(1), costs.append(0)
        meaning.append(None)
        for local, extra in choices:
            if local == IDLE:
                target, cost = sink, OFF_QUEUE_WEIGHT * SCALE + extra
            else:
                q = int(a.skills[local])
                if q not in queue_node:
                    queue_node[q] = 2 + n + len(queue_node)
                target, cost = queue_node[q], extra
            tails.append(node), heads.append(target), caps.append(1), costs.append(cost)
            meaning.append((j, local))
    for q, node in queue_node.items():
        need = int(state.required[q, t]) - (0 if covered is None else int(covered[q]))
        tails.append(node), heads.append(sink), caps.append(max(0, need))
        costs.append(-int(state.short_weight[q]) * SCALE)
        tails.append(node), heads.append(sink), caps.append(n)
        costs.append(int(state.over_weight[q]) * SCALE)
        meaning += [None, None]
    flow.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads),
                                              np.array(caps), np.array(costs))
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError(f"activity flow failed in interval {t}")
    chosen = [IDLE] * n
    flows = flow.flows(np.arange(len(tails)))
    for arc in np.flatnonzero(flows):
        if meaning[arc] is not None:
            j, local = meaning[arc]
            chosen[j] = local
    return chosen


def repair_blocks(state: State) -> None:
    """Re-plan the queues of every shift that breaks the minimum activity block."""
    for a in state.agents:
        for assigned in a.shifts.values():
            _keep_blocks(state, a, assigned)


def _keep_blocks(state: State, a: PlanAgent, assigned: Assigned) -> None:
    """If the shift's queues break the minimum activity block, re-plan them by the
    dynamic programme against the others' coverage, its breaks where they are."""
    if blocks_ok(assigned.queues, a.least, a.client_of):
        return
    state.apply(a, assigned, -1)
    c = assigned.candidate
    gain = state.marginal(a.skills)[:, c.start:c.end]
    resting = {k for k, q in enumerate(assigned.queues) if q == NOT_WORKING}
    _, assigned.queues = dp(gain, resting, a.least, a.client_of)
    state.apply(a, assigned, +1)


def reflow(state: State, shifts: list[tuple[PlanAgent, Assigned]],
           focus: dict[int, set[int]]) -> None:
    """Re-plan, in each interval of `focus`, the queues of these shifts' agents who are on
    the interval's focus queues, by a min-cost flow (as `flow_activities`); then repair any
    minimum activity block that broke."""
    times = sorted(focus)
    covering: dict[int, list[tuple[PlanAgent, Assigned]]] = defaultdict(list)
    for a, x in sorted(shifts, key=lambda pair: pair[1].candidate.day):
        c = x.candidate
        for t in times[bisect.bisect_left(times, c.start):bisect.bisect_left(times, c.end)]:
            covering[t].append((a, x))
    changed: dict[int, tuple[PlanAgent, Assigned]] = {}
    for t in times:
        queues = focus[t]
        people = [(a, x, t - x.candidate.start) for a, x in covering[t]
                  if x.queues[t - x.candidate.start] >= 0
                  and a.skills[x.queues[t - x.candidate.start]] in queues]
        if not people:
            continue
        _count_at(state, t, [(a, x.queues[k]) for a, x, k in people], -1)
        options = [allowed_queues(state, a, x, k) for a, x, k in people]
        chosen = interval_flow(state, t, people, options)
        for (a, x, k), q in zip(people, chosen, strict=True):
            if q != x.queues[k]:
                changed[id(x)] = (a, x)
            x.queues[k] = q
        _count_at(state, t, list(zip((a for a, _, _ in people), chosen, strict=True)), +1)
    for a, x in changed.values():
        _keep_blocks(state, a, x)


def _count_at(state: State, t: int, working: list[tuple[PlanAgent, int]], sign: int) -> None:
    """Add (+1) or take away (-1) agents on their queues (local index; IDLE counts for
    nothing) in interval t, in `coverage` and `on` at once."""
    working = [(a, q) for a, q in working if q >= 0]
    if not working:
        return
    queues = np.array([a.skills[q] for a, q in working])
    np.add.at(state.coverage[:, t], queues, sign)
    rows = np.concatenate([np.full(len(a.skills), a.skills[q]) for a, q in working])
    cols = np.concatenate([a.skills for a, _ in working])
    np.add.at(state.on[t], (rows, cols), sign)
    state.counts_changed(t)
