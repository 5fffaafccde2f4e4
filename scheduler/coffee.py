"""Paid coffee breaks added to the shifts of a roster built without them (no solver).

CP-SAT places coffee breaks itself (`scheduler.rules.coffee_breaks`); the greedy start and the
LP planner (`scheduler.greedy`, `scheduler.plan`) choose shifts, meal breaks and queues first
and call `place_coffee` last. Each break takes the start inside its window that loses the
least against the other agents' coverage (an overstaffed or back-office interval is best).
Where taking an interval off a queue leaves a piece shorter than the minimum activity block
next to a switch of client, that piece becomes back-office time, so the rule still holds.
"""

from __future__ import annotations

import math
from dataclasses import replace

from scheduler.candidates import coffee_windows
from scheduler.coverage import coverage
from scheduler.domain import Activity, Agent, Break, Problem, Roster, Shift
from scheduler.penalties import OFF_QUEUE_WEIGHT

BREAK = "\0break"  # an interval on a break, in a shift's per-interval queue list


def place_coffee(problem: Problem, roster: Roster) -> Roster:
    """The roster with paid coffee breaks in every shift that needs them and has none."""
    agents = {a.key: a for a in problem.agents}
    covered = {q: list(v) for q, v in coverage(problem, roster).items()}
    placer = _Placer(problem, covered)
    shifts = []
    for shift in roster.shifts:
        agent = agents.get(shift.agent)
        done = agent is None or any(b.kind == "coffee" for b in shift.breaks)
        shifts.append(shift if done else placer.shift(agent, shift))
    return Roster(tuple(shifts))


class _Placer:
    """Coverage of the roster so far, updated as each shift gets its coffee breaks."""

    def __init__(self, problem: Problem, covered: dict[str, list[int]]) -> None:
        self.problem = problem
        self.covered = covered
        self.queues = {q.key: q for q in problem.queues}

    def shift(self, agent: Agent, shift: Shift) -> Shift:
        """One shift with its coffee breaks (unchanged when it needs none or is off the grid)."""
        grid, rule = self.problem.grid, agent.shift_rule
        try:
            start, end = grid.index_of(shift.start), grid.index_of(shift.end)
            slots = _slots(self.problem, shift, start, end)
        except ValueError:
            return shift  # the validator reports it
        windows = coffee_windows(rule, grid, start, end)
        if not windows:
            return shift
        length = math.ceil(rule.coffee_break_minutes / grid.interval_minutes)
        least = math.ceil(rule.min_activity_minutes / grid.interval_minutes)
        starts = []
        for window in windows:
            options = []
            for s in window:
                if any(slots[t - start] == BREAK for t in range(s, s + length)):
                    continue
                trial = list(slots)
                for t in range(s, s + length):
                    trial[t - start] = BREAK
                trial = _keep_blocks(self.problem, trial, least)
                options.append((self._loss(start, slots, trial), s, trial))
            if not options:
                return shift  # no room: the validator reports the missing break
            _, s, trial = min(options, key=lambda o: (o[0], o[1]))
            self._apply(start, slots, trial)
            slots, starts = trial, starts + [s]
        at = grid.interval_start
        coffee = tuple(Break(at(s), at(s + length), kind="coffee", paid=True) for s in starts)
        return replace(shift, breaks=tuple(sorted(shift.breaks + coffee, key=lambda b: b.start)),
                       activities=_activities(self.problem, start, slots))

    def _loss(self, start: int, before: list, after: list) -> float:
        """What the objective loses when the shift's intervals change from before to after."""
        loss = 0.0
        for k, (old, new) in enumerate(zip(before, after, strict=True)):
            if old == new:
                continue
            t = start + k
            if old not in (None, BREAK):
                queue = self.queues[old]
                short = self.covered[old][t] <= self.problem.requirement[old][t]
                loss += queue.shortfall_weight if short else -queue.overstaffing_weight
            elif old is None:
                loss -= OFF_QUEUE_WEIGHT
            if new is None:
                loss += OFF_QUEUE_WEIGHT
        return loss

    def _apply(self, start: int, before: list, after: list) -> None:
        """Take the shift off the queues it no longer works."""
        for k, (old, new) in enumerate(zip(before, after, strict=True)):
            if old != new and old not in (None, BREAK):
                self.covered[old][start + k] -= 1


def _slots(problem: Problem, shift: Shift, start: int, end: int) -> list:
    """Per interval of the shift: its queue, None (back-office) or BREAK."""
    grid = problem.grid
    slots: list = [None] * (end - start)
    for b in shift.breaks:
        for t in range(grid.index_of(b.start), grid.index_of(b.end)):
            slots[t - start] = BREAK
    for act in shift.activities:
        for t in range(grid.index_of(act.start), grid.index_of(act.end)):
            slots[t - start] = act.queue
    return slots


def _keep_blocks(problem: Problem, slots: list, least: int) -> list:
    """Slots where every client block next to a direct switch of client lasts `least`;
    shorter ones become back-office time (a block then ends at no switch)."""
    clients = {q.key: q.client for q in problem.queues}
    blocks: list[list] = []  # [client, first, end]
    for k, q in enumerate(slots):
        client = clients.get(q) if q not in (None, BREAK) else None
        if client is not None and blocks and blocks[-1][0] == client and blocks[-1][2] == k:
            blocks[-1][2] = k + 1
        elif client is not None:
            blocks.append([client, k, k + 1])
    short = set()
    for i, (client, first, end) in enumerate(blocks):
        switched = any(0 <= j < len(blocks) and blocks[j][0] != client
                       and (blocks[j][2] == first or blocks[j][1] == end) for j in (i - 1, i + 1))
        if switched and end - first < least:
            short.update(range(first, end))
    return [None if k in short else q for k, q in enumerate(slots)]


def _activities(problem: Problem, start: int, slots: list) -> tuple[Activity, ...]:
    """Consecutive intervals on one queue merged into activities."""
    at = problem.grid.interval_start
    runs: list[list] = []
    for k, q in enumerate(slots):
        if q in (None, BREAK):
            continue
        if runs and runs[-1][0] == q and runs[-1][2] == k:
            runs[-1][2] = k + 1
        else:
            runs.append([q, k, k + 1])
    return tuple(Activity(q, at(start + a), at(start + b)) for q, a, b in runs)
