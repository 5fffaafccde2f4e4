"""One agent group's cheapest week of shifts for given interval prices, by exact recursion.

A *week pattern* gives, for each day of a one-week period, the candidate shift worked (with
its meal-break start) or nothing. `WeekPricer.best(cost)` finds the pattern of least total
cost, where working interval t costs `cost[t]` (the meal break's intervals are not worked),
among the patterns that keep the rules `scheduler.validate` checks for one agent across
days: daily rest between consecutive shifts (across days off too), the weekly paid-minute
bounds, the weekly rest around a day off in a whole ISO week (measured as the validator
does: from the last shift before the day off to the first after it, a side without shifts
counting as rested) and the maximum of consecutive working days. Approved time off is in
the candidates already (agents of one group share it).

It is the pricing problem of the week-pattern master (`scheduler.week_bound`), so it must
allow at least every pattern the validator allows (a lower bound must not lose feasible
rosters); rules it leaves out (the published roster before the period, period totals, shift
limits per type, runs of days off) only make it allow more, which keeps the bound valid.
The tests compare it with brute-force enumeration on small weeks.

The state after each day is (end of the last shift, a day off since then, weekly rest
found, paid units so far, current run); the last four are numpy axes, so a candidate's
transition is a few array operations over every state at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scheduler.candidates import Candidate
from scheduler.domain import Agent, Problem

NONE = -(10**9)  # "no shift yet", or a shift so long ago that no rest rule can bind
WeekPattern = tuple[tuple[int, int, int | None], ...]  # (day, candidate index, break start)


@dataclass(frozen=True)
class _Stage:
    """The states after one day: shift ends (sorted) and the best cost of every state."""

    ends: np.ndarray  # per state row: end interval of the last shift (NONE for none)
    costs: np.ndarray  # [end row, day off since, weekly rest found, paid units, run]
    worked: np.ndarray  # per end row: whether its pend=0 states came from working today


def applies(problem: Problem) -> bool:
    """Whether the period is one ISO week and no shift has paid coffee breaks."""
    return len(problem.weeks()) == 1


class WeekPricer:
    """The cross-day rules of one group's agents, ready to price week patterns repeatedly."""

    def __init__(self, problem: Problem, agent: Agent,
                 candidates: dict[int, tuple[Candidate, ...]]) -> None:
        grid = problem.grid
        contract = agent.contract
        step = grid.interval_minutes
        self.days = grid.days
        self.candidates = {d: cs for d, cs in candidates.items()
                           if grid.day_list[d] not in agent.time_off}
        (week,) = problem.weeks().values()
        self.rest = math.ceil(contract.min_daily_rest_minutes / step)
        need = contract.min_weekly_rest_minutes
        self.need = math.ceil(need / step) if need > 0 and len(week) == 7 else None
        paid = [c.paid_minutes for cs in self.candidates.values() for c in cs]
        self.unit = math.gcd(*paid) if paid else 1
        low, high = problem.week_bounds(agent, week)
        self.low, self.high = math.ceil(low / self.unit), high // self.unit
        limit = contract.max_consecutive_days
        implied = self.need is not None and limit >= 6  # a day off in the week anyway
        self.limit = limit if limit < self.days and not implied else None
        self.paid_axis = self.high + 1
        self.run_axis = (self.limit + 1) if self.limit is not None else 1
        self.sat_axis = 2 if self.need is not None else 1
        self._first_start = [min((c.start for e in range(d, self.days)
                                  for c in self.candidates.get(e, ())), default=math.inf)
                             for d in range(self.days + 1)]

    def _horizon(self, d: int) -> float:
        """Shift ends at or before this bind no rest rule after day d."""
        return self._first_start[d + 1] - max(self.rest, self.need or 0)

    # ------------------------------------------------------------ day values

    def day_options(self, d: int, cost: np.ndarray, paid_break_cost: np.ndarray
                    ) -> list[tuple[float, int, int | None]]:
        """Per candidate of day d: (cost with its cheapest meal break, index, break start).

        `cost[t]` is what working t costs; `paid_break_cost[t]` what t costs while on a
        meal break (its pay when breaks are paid, else 0)."""
        prefix = np.concatenate(([0.0], np.cumsum(cost)))
        brk = np.concatenate(([0.0], np.cumsum(paid_break_cost)))
        options = []
        for i, c in enumerate(self.candidates.get(d, ())):
            value = prefix[c.end] - prefix[c.start]
            s = None
            if c.needs_break:
                b = c.break_intervals
                starts = np.array(c.break_starts)
                saved = (prefix[starts + b] - prefix[starts]) - (brk[starts + b] - brk[starts])
                k = int(np.argmax(saved))
                s = int(starts[k])
                value -= float(saved[k])
            options.append((float(value), i, s))
        return options

    # ------------------------------------------------------------ the recursion

    def best(self, cost: np.ndarray, paid_break_cost: np.ndarray | None = None
             ) -> tuple[float, WeekPattern]:
        """The cheapest pattern that keeps the rules, and its cost (inf if there is none)."""
        if paid_break_cost is None:
            paid_break_cost = np.zeros_like(cost)
        shape = (2, self.sat_axis, self.paid_axis, self.run_axis)
        start = np.full((1, *shape), math.inf)
        start[0, 0, 0, 0, 0] = 0.0
        stages = [_Stage(np.array([NONE]), start, np.array([False]))]
        options = [self.day_options(d, cost, paid_break_cost) for d in range(self.days)]
        for d in range(self.days):
            stages.append(self._step(stages[-1], d, options[d]))
        final = self._finish(stages[-1].costs)
        flat = int(np.argmin(final))
        value = float(final.flat[flat])
        if not math.isfinite(value):
            return math.inf, ()
        state = np.unravel_index(flat, final.shape)
        return value, self._backtrack(stages, options, tuple(int(x) for x in state), value)

    def _finish(self, costs: np.ndarray) -> np.ndarray:
        """Final costs with the weekly bounds and the weekly rest applied."""
        final = costs.copy()
        final[:, :, :, :self.low, :] = math.inf
        if self.need is not None:
            final[:, 0, 0, :, :] = math.inf  # no day off with its rest (pending counts: rested)
        return final

    def _step(self, before: _Stage, d: int, options) -> _Stage:
        """The states after day d from those after day d - 1."""
        A = before.costs
        # day off: same end, a day off pending, the run ends; with no shift before, rested
        off = np.full_like(A, math.inf)
        off[:, 1, :, :, 0] = A.min(axis=(1, 4))
        if self.sat_axis == 2:
            none = before.ends == NONE
            off[none, 1, 1] = np.minimum(off[none, 1, 1], off[none, 1, 0])
            off[none, 1, 0] = math.inf
        cands = self.candidates.get(d, ())
        ends = sorted({c.end for c in cands})
        work = np.full((len(ends), *A.shape[1:]), math.inf)
        if cands:
            pm0 = np.minimum.accumulate(A[:, 0], axis=0)  # prefix over sorted ends
            pm1 = np.minimum.accumulate(A[:, 1], axis=0)
            pm1_any = np.minimum.accumulate(A[:, 1].min(axis=1), axis=0)  # over sat
            row_of = {e: k for k, e in enumerate(ends)}
            for value, i, _ in options:
                c = cands[i]
                k1 = int(np.searchsorted(before.ends, c.start - self.rest, side="right"))
                if k1 == 0:
                    continue
                # [sat, paid, run] best cost before this shift, by the sat flag after it
                reach = pm0[k1 - 1].copy()
                if self.sat_axis == 2:
                    k2 = int(np.searchsorted(before.ends, c.start - self.need, side="right"))
                    if k2 > 0:
                        reach[1] = np.minimum(reach[1], pm1_any[k2 - 1])
                    if k1 > k2:
                        reach = np.minimum(reach, A[k2:k1, 1].min(axis=0))
                else:
                    reach = np.minimum(reach, pm1[k1 - 1])
                units = c.paid_minutes // self.unit
                if units > self.high:
                    continue
                shifted = np.full_like(reach, math.inf)
                if self.limit is None:
                    shifted[:, units:, :] = reach[:, :self.paid_axis - units, :]
                else:
                    shifted[:, units:, 1:] = reach[:, :self.paid_axis - units, :-1]
                row = work[row_of[c.end], 0]
                np.minimum(row, shifted + value, out=row)
        return self._merge(before, off, np.array(ends, dtype=np.int64), work, d)

    def _merge(self, before: _Stage, off: np.ndarray, ends: np.ndarray, work: np.ndarray,
               d: int) -> _Stage:
        """One sorted state table from the day-off states and the working states."""
        all_ends = np.concatenate((before.ends, ends))
        worked = np.concatenate((np.zeros(len(before.ends), bool), np.ones(len(ends), bool)))
        table = np.concatenate((off, work))
        # ends long enough ago that no rest rule can bind any more behave as no shift
        all_ends = np.where(all_ends <= self._horizon(d), NONE, all_ends)
        unique, inverse = np.unique(all_ends, return_inverse=True)
        merged = np.full((len(unique), *table.shape[1:]), math.inf)
        np.minimum.at(merged, inverse, table)
        was_worked = np.zeros(len(unique), bool)
        np.logical_or.at(was_worked, inverse, worked)
        alive = np.isfinite(merged).any(axis=(1, 2, 3, 4))
        if not alive.any():
            alive[:] = True
        return _Stage(unique[alive], merged[alive], was_worked[alive])

    def _backtrack(self, stages: list[_Stage], options, state: tuple[int, ...], value: float
                   ) -> WeekPattern:
        """The pattern behind a final state, day by day from the last."""
        chosen = []
        tolerance = 1e-7 * max(1.0, abs(value))
        row, pend, sat, paid, run = state
        for d in range(self.days - 1, -1, -1):
            before, after = stages[d], stages[d + 1]
            end = after.ends[row]
            found = self._as_off(before, d, end, pend, sat, paid, run, value, tolerance)
            if found is None:
                found = self._as_work(before, options[d], d, end, sat, paid, run, value,
                                      tolerance)
                if found is None:
                    raise RuntimeError("week pattern backtracking lost its way")
                i, s, (row, pend, sat, paid, run), value = found
                chosen.append((d, i, s))
            else:
                row, pend, sat, paid, run = found
        return tuple(reversed(chosen))

    def _as_off(self, before: _Stage, d: int, end: int, pend: int, sat: int, paid: int,
                run: int, value: float, tolerance: float):
        """The state before a day off that leads to this one at this cost, if any."""
        if pend != 1 or run != 0:
            return None
        for r in self._rows_ending(before, d, end):
            none = before.ends[r] == NONE
            for p in (0, 1):
                for s in range(self.sat_axis):
                    if s != sat and not (none and sat == 1):
                        continue
                    for k in range(self.run_axis):
                        if abs(before.costs[r, p, s, paid, k] - value) <= tolerance:
                            return int(r), p, s, paid, k
        return None

    def _rows_ending(self, before: _Stage, d: int, end: int) -> list[int]:
        """Rows of the stage before day d whose end becomes `end` after day d."""
        if end == NONE:
            return [int(r) for r in np.flatnonzero(before.ends <= self._horizon(d))]
        return [int(r) for r in np.flatnonzero(before.ends == end)]

    def _as_work(self, before: _Stage, options, d: int, end: int, sat: int, paid: int,
                 run: int, value: float, tolerance: float):
        """The shift of day d and the state before it that lead to this state and cost."""
        cands = self.candidates.get(d, ())
        for cost, i, s in options:
            c = cands[i]
            if c.end != end and not (end == NONE and c.end <= self._horizon(d)):
                continue
            units = c.paid_minutes // self.unit
            k = run - 1 if self.limit is not None else 0
            if units > paid or k < 0:
                continue
            target = value - cost
            for r in range(len(before.ends)):
                if before.ends[r] > c.start - self.rest:
                    break
                for p in (0, 1):
                    rested = (p == 1 and self.need is not None
                              and before.ends[r] <= c.start - self.need)
                    for s0 in range(self.sat_axis):
                        if self.sat_axis == 2 and (s0 == 1 or rested) != (sat == 1):
                            continue
                        if abs(before.costs[r, p, s0, paid - units, k] - target) <= tolerance:
                            return i, s, (r, p, s0, paid - units, k), target
        return None
