"""A fast, valid start roster for large problems: LP plan, named agents, local search.

1. **Plan**: the aggregated LP (`scheduler.aggregate`, breaks pooled) says how many agents of
   each group should be working in every interval.
2. **Named shifts**: each group's agents, most constrained first, take the shifts the plan
   still wants of their group (its counts per day and shift), then those that fill what
   remains of the group's planned profile, within their own rules (time off, weekly
   contract bounds, daily and weekly rest, consecutive days, the published roster before).
3. **Breaks and activities**: per shift, a small dynamic programme places the meal break and
   chooses the queue of every interval against the real remaining requirement, keeping the
   minimum activity block; repeated passes let later agents' choices correct earlier ones.
4. **Local search** until the time is up: re-plan one agent's week (best response), first
   against the others' queues as they are, then valuing each interval with the chains of
   queue hand-overs it allows (an agent on a covered queue frees a colleague certified for a
   short one; `plan_state.State.potentials`), which a min-cost flow over those agents then
   makes; a week is kept only when the exact objective improves and every rule still
   holds. Spare time goes to shake-ups (a short annealing walk over single shifts) each
   followed by those best responses again, keeping the best roster seen. Moves of equal
   cost are decided by the LP plan's coverage per queue and interval
   (`plan_state.TIE_WEIGHT`), which arranges the whole week at once where single-agent
   moves see only a flat objective. With two cores, a forked copy searches from the same
   start with another seed (`_search`), and the better of the two rosters is kept.

The objective is the CP-SAT model's (understaffing, overstaffing, off-queue), evaluated
exactly through per-queue coverage counts, so the result is a good CP-SAT hint as well as a
roster on its own; `scheduler.validate` checks it like any other.

This module runs the stages in order; the pieces live apart: `scheduler.plan_state` (the
search state and its exact objective), `scheduler.plan_start` (steps 2 and 3),
`scheduler.plan_flow` (queues per interval by min-cost flow) and `scheduler.plan_moves`
(best responses, hand-over chains and annealing walks); `scheduler.day_mip` re-plans whole
client-days.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from scheduler.aggregate import Plan, group_agents, solve_aggregate
from scheduler.coffee import place_coffee
from scheduler.day_mip import replan_day
from scheduler.domain import Activity, Break, Problem, Roster, Shift
from scheduler.fair_swaps import fair_swaps
from scheduler.fairness import kinds as fairness_kinds
from scheduler.greedy import greedy_roster
from scheduler.objective import soft_penalties
from scheduler.plan_flow import final_queues, flow_activities, repair_blocks
from scheduler.plan_moves import anneal, best_response, chain_responses
from scheduler.plan_start import first_activities, load, named_shifts, planned_coverage
from scheduler.plan_state import NOT_WORKING, Assigned, State, restore, snapshot, switches

Progress = Callable[[float, float, float], None]  # (seconds, objective, bound), as solve's


def plan_roster(
    problem: Problem, *, time_limit_seconds: float = 30, seed: int = 7,
    plan: Plan | None = None, progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[Roster, dict[str, int]]:
    """A valid roster from the LP plan and local search, with its objective by penalty.

    `progress` hears the objective after each stage and every few seconds of search; `stop`
    is polled a few times a second, and once it returns True the search ends with the best
    roster so far.
    """
    with _StopFlag(stop) as stopped:
        return _plan_roster(problem, time_limit_seconds, seed, plan, progress, stopped)


class _StopFlag:
    """An event set once `stop()` returns True, polled by a thread while planning runs."""

    POLL_SECONDS = 0.25

    def __init__(self, stop: Callable[[], bool] | None) -> None:
        self._stop = stop
        self.flag = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> threading.Event:
        if self._stop is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="plan-stop")
            self._thread.start()
        return self.flag

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        """Poll until planning ends or a stop is asked for."""
        while not self._done.wait(self.POLL_SECONDS):
            if self._stop():
                self.flag.set()
                return


def _plan_roster(
    problem: Problem, time_limit_seconds: float, seed: int, plan: Plan | None,
    progress: Progress | None, stopped: threading.Event,
) -> tuple[Roster, dict[str, int]]:
    """plan_roster's work; the search also ends when `stopped` is set."""
    began = time.monotonic()

    def report(state: State) -> None:
        if progress is not None:
            progress(time.monotonic() - began, state.objective(), 0.0)

    if plan is None:
        solved = solve_aggregate(problem, patterns=False, exact=False,
                                 time_limit_seconds=max(1.0, 0.5 * time_limit_seconds))
        plan = solved.plan
    groups = plan.groups if plan is not None else group_agents(problem)
    state = State(problem, groups)
    if plan is not None:
        state.target = planned_coverage(state, plan)
    # the plan's own shifts per group and day, as named agents' weeks: a worse start than
    # weeks fitted to each skill set's planned working profile (M: 106k against 91k), but
    # the search ends lower from it (M at 55 s: 64.2k/64.0k against 65.8k/65.0k, seeds 1/2;
    # S the same within noise)
    named_shifts(state, plan)
    first_activities(state, passes=1)
    flow_activities(state)
    repair_blocks(state)
    if len(problem.agents) <= GREEDY_COMPARE_MAX_AGENTS:
        # with few agents per group the plan's fractions are hard to match, and the greedy
        # roster can be the better start: take whichever is better
        other = State(problem, groups)
        load(other, greedy_roster(problem))
        if other.objective() < state.objective():
            state = other
    report(state)
    reserve = FAIR_SWAP_SHARE * time_limit_seconds if fairness_kinds(problem) else 0.0
    _search(state, began + time_limit_seconds - reserve, seed, report, stopped)
    report(state)
    # coffee breaks are chosen with each shift's queues; a shift left without (no room
    # beside its meal break) gets them here; the parts are counted from the finished roster
    roster = place_coffee(problem, _roster(state))
    # then weekends, evenings and nights spread by day trades between look-alike agents,
    # which change nothing else (the search above does not weigh fairness)
    members = [[a.key for a in g.agents] for g in groups]
    roster = fair_swaps(problem, roster, members,
                        deadline=max(began + time_limit_seconds, time.monotonic() + 0.5))
    return roster, soft_penalties(problem, roster)


def _search(state: State, deadline: float, seed: int, report: Callable[[State], None],
            stopped: threading.Event) -> None:
    """Local search and the final queues until the deadline, on both cores when two are
    free: a forked copy of the state searches with another seed, and the better roster of
    the two is kept. (The search is single-threaded Python, so the second core is idle
    otherwise; searches from one start with different orders end in different optima,
    about 3 % apart on M.)"""
    if len(state.agents) < PARALLEL_MIN_AGENTS or _free_cores() < 2 \
            or "fork" not in multiprocessing.get_all_start_methods():
        _local_search(state, deadline, random.Random(seed), report, stopped)
        final_queues(state)
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_search_copy, args=(state, deadline, seed + 1, send),
                            daemon=True, name="plan-search")
    child.start()
    send.close()
    try:
        _local_search(state, deadline, random.Random(seed), report, stopped)
        final_queues(state)
        other = None
        if not stopped.is_set() and receive.poll(
                max(0.0, deadline - time.monotonic()) + CHILD_GRACE_SECONDS):
            try:
                other = receive.recv()
            except EOFError:  # the copy died: this search's roster stands
                other = None
    finally:
        receive.close()
        child.join(timeout=0.5)
        if child.is_alive():
            child.terminate()
            child.join()
    if other is not None and other[0] < state.objective() + switches(state) - 1e-9:
        restore(state, other[1])


PARALLEL_MIN_AGENTS = 30  # below, the search takes a second or two anyway
CHILD_GRACE_SECONDS = 5.0  # the copy's final queues may end a little after the deadline


def _free_cores() -> int:
    """Cores this process may run on that the machine's load leaves to it (this process
    counted as one): a copy searching on a core that is busy anyway only slows both."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    others = max(0, round(os.getloadavg()[0]) - 1) if hasattr(os, "getloadavg") else 0
    return max(1, usable - others)


def _search_copy(state: State, deadline: float, seed: int, send) -> None:
    """In the forked process: search, then send (objective, every agent's shifts)."""
    _local_search(state, deadline, random.Random(seed), lambda _state: None, threading.Event())
    final_queues(state)
    send.send((state.objective() + switches(state), snapshot(state)))
    send.close()


FAIR_SWAP_SHARE = 0.05  # of the time limit, kept for the fairness trades when they apply


GREEDY_COMPARE_MAX_AGENTS = 100  # the greedy start takes about 7 s for 70 agents


def _local_search(state: State, deadline: float, rng: random.Random,
                  report: Callable[[State], None], stopped: threading.Event) -> None:
    """Best responses agent by agent until a sweep brings nothing, then queues re-planned
    jointly; then best responses valued with hand-overs; on large problems each client's
    days re-planned by a MIP for half the time left; and while time is left shake-ups
    by a short annealing walk, each followed by those best responses again."""
    agents = list(state.agents)
    while time.monotonic() < deadline and not stopped.is_set():
        rng.shuffle(agents)
        improved = 0
        for a in agents:
            if time.monotonic() >= deadline or stopped.is_set():
                break
            improved += best_response(state, a)
        if time.monotonic() < deadline and not improved:  # one joint re-plan at the end
            before = state.objective()
            saved = [(x, {d: Assigned(s.candidate, s.break_start, list(s.queues))
                          for d, s in x.shifts.items()}) for x in state.agents]
            flow_activities(state)
            if state.objective() > before:  # keep the better of the two
                for x, shifts in saved:
                    x.shifts = shifts
                state.recount()
        report(state)
        if not improved:
            break
    chain_responses(state, agents, deadline, rng, report, stopped)
    if DAY_REPLANS and len(state.agents) >= DAY_REPLAN_MIN_AGENTS:
        _day_replans(state, time.monotonic() + DAY_REPLAN_SHARE * (deadline - time.monotonic()),
                     report, stopped)
    # then, while time is left, shake the roster up by a short walk and descend again,
    # keeping the best roster seen (an iterated local search)
    best, best_value = snapshot(state), state.objective()
    while (left := deadline - time.monotonic()) > KICK_MIN_SECONDS and not stopped.is_set():
        anneal(state, time.monotonic() + KICK_SHARE * left, rng, report, stopped,
               keep_best=False)
        chain_responses(state, agents, deadline, rng, report, stopped)
        if (value := state.objective()) < best_value - 1e-9:
            best, best_value = snapshot(state), value
    if state.objective() > best_value + 1e-9:
        restore(state, best)


# client-days re-planned by a MIP after the hand-over descent (M at 55 s on one core, seeds
# 1/2/3: 61.2k/61.7k/62.5k against 63.0k/62.6k/62.9k without; S no better within noise)
DAY_REPLANS = True
DAY_REPLAN_MIN_AGENTS = 100
DAY_REPLAN_SHARE = 0.5  # of the time left after the hand-over descent
DAY_REPLAN_SECONDS = 2.0  # HiGHS's limit for one client's day


def _day_replans(state: State, deadline: float, report: Callable[[State], None],
                 stopped: threading.Event) -> None:
    """Each client's agents re-planned a day at a time by a MIP (`scheduler.day_mip`),
    the client-days losing most first, in rounds until one gains nothing or time is up."""
    problem = state.problem
    client_of = {q.key: q.client for q in problem.queues}
    members: dict[str, set[str]] = defaultdict(set)
    for a in problem.agents:
        for k in a.skills:
            members[client_of[k]].add(a.key)
    queues_of: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(problem.queues):
        queues_of[q.client].append(i)
    while time.monotonic() < deadline and not stopped.is_set():
        loss = _loss_against_plan(state)
        order = []
        for d in range(problem.grid.days):
            days = slice(state.day_start[d], state.day_start[d + 1])
            for client, qs in queues_of.items():
                order.append((-float(loss[qs, days].sum()), d, client))
        gained = 0.0
        for key, d, client in sorted(order):
            if key >= 0:  # no worse than the plan there: leave the rest for the search
                break
            left = deadline - time.monotonic()
            if left <= 0.2 or stopped.is_set():
                break
            gain = replan_day(state, d, min(DAY_REPLAN_SECONDS, left), members[client])
            if gain > 0:
                gained += gain
                report(state)
        if gained <= 0:
            break


def _loss_against_plan(state: State) -> np.ndarray:
    """Per queue and interval, what the roster's under- and overstaffing cost beyond the
    LP plan's (the raw shortfall where there is no plan): where re-planning can gain."""
    def cost(coverage: np.ndarray) -> np.ndarray:
        short = np.maximum(state.required - coverage, 0) * state.short_weight[:, None]
        return short + np.maximum(coverage - state.required, 0) * state.over_weight[:, None]

    if state.target is None:
        return cost(state.coverage)
    return cost(state.coverage) - cost(state.target)


KICK_MIN_SECONDS = 3.0  # a shake-up and descent take about this long at least
KICK_SHARE = 0.15  # of the time left, for each shake-up walk


def _roster(state: State) -> Roster:
    """The assigned shifts as a Roster."""
    grid = state.problem.grid
    at = grid.interval_start
    shifts = []
    for a in state.agents:
        paid = a.agent.shift_rule.meal_break_paid
        for d, assigned in sorted(a.shifts.items()):
            c = assigned.candidate
            breaks: tuple[Break, ...] = ()
            meal: range = range(0)
            if assigned.break_start is not None:
                s = assigned.break_start
                meal = range(s, s + c.break_intervals)
                breaks = (Break(at(s), at(s + c.break_intervals), paid=paid),)
            coffee = [c.start + k for k, q in enumerate(assigned.queues)
                      if q == NOT_WORKING and c.start + k not in meal]
            for i in range(0, len(coffee), max(1, c.coffee_intervals)):
                first = coffee[i]
                breaks += (Break(at(first), at(first + c.coffee_intervals), kind="coffee",
                                 paid=True),)
            breaks = tuple(sorted(breaks, key=lambda b: b.start))
            blocks: list[list[int]] = []  # [queue index, first, end]
            for k, q in enumerate(assigned.queues):
                t = c.start + k
                if q < 0:
                    continue
                if blocks and blocks[-1][0] == q and blocks[-1][2] == t:
                    blocks[-1][2] = t + 1
                else:
                    blocks.append([q, t, t + 1])
            activities = tuple(Activity(state.queue_keys[a.skills[q]], at(first), at(end))
                               for q, first, end in blocks)
            shifts.append(Shift(a.agent.key, grid.day_list[d], at(c.start), at(c.end),
                                breaks, activities))
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent, s.start))))
