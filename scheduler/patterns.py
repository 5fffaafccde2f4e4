"""One agent's best sequence of days for given prices, by exact dynamic programming.

A *pattern* says, for each day of the period, which candidate shift the agent works (or none).
`DayPatterns.best(prices)` finds the pattern of least `cost - sum of prices of the (day, shift
type) pairs it works`, among the patterns that keep every hard rule of the agent; `cost` is the
agent's own soft penalty (broken shift requests). Column generation (`scheduler.columns`) uses
it as its pricing problem, so it must allow exactly what the CP-SAT rules allow: the tests
compare the two on random prices.

The rules it knows are the day-level ones: one shift a day, shift types and their
successions, limits per type, period paid minutes, max/min consecutive working days, min
consecutive days off, max weekends, time off and the published roster before the period.
`DayPatterns.applies` says whether an agent has no other rule that could bind (daily or weekly
rest that some pair of candidates could break, binding weekly hours, queues).

The state of the recursion is the current run (working or off, its length, whether it is the
first run of an agent with no known history, which is free of the minimum) and the type of the
last shift; the resources are paid minutes, weekends worked and shifts of each limited type.
The resources are numpy axes, so one day's update is a few dozen array operations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from scheduler.candidates import Candidate
from scheduler.day_rules import published_run, weekends
from scheduler.domain import Agent, Problem

INF = math.inf
Pattern = tuple[int | None, ...]  # per day: the candidate index worked, or None


@dataclass(frozen=True)
class Choice:
    """A candidate shift of one day as the recursion sees it."""

    index: int  # the candidate's index among the day's candidates
    type_index: int
    shift_type: str
    units: int  # paid minutes in units of the agent's minute step


@dataclass(frozen=True)
class Axis:
    """A resource axis: its size, and whether counts past the end stay at the end."""

    size: int
    saturates: bool


class DayPatterns:
    """The day-level rules of one agent, ready to price patterns again and again."""

    def __init__(self, problem: Problem, agent: Agent,
                 candidates: dict[int, tuple[Candidate, ...]], *,
                 modelled: frozenset[str] | None = None) -> None:
        """`modelled`: the shift types whose limits get a resource axis (None: all; see
        `several`), a relaxation when some binding limit is left out."""
        self.problem, self.agent = problem, agent
        self.modelled = modelled
        self.relaxed: dict[frozenset[str], DayPatterns] = {}
        self.days = problem.grid.days
        self.candidates = candidates
        contract = agent.contract
        types = sorted({c.shift_type for cs in candidates.values() for c in cs})
        self.types = types or [""]
        self.type_index = {key: i for i, key in enumerate(self.types)}
        paid = [c.paid_minutes for cs in candidates.values() for c in cs]
        self.step = math.gcd(*paid) if paid else 1
        self.choices: list[list[Choice]] = [
            [Choice(i, self.type_index[c.shift_type], c.shift_type, c.paid_minutes // self.step)
             for i, c in enumerate(candidates.get(d, ()))]
            for d in range(self.days)
        ]
        self._axes(paid)
        self.max_run = contract.max_consecutive_days
        self.min_run = contract.min_consecutive_days
        self.min_off = contract.min_consecutive_days_off
        self.forbidden = self._successions()
        self.weekend_days = self._weekend_days()
        self.request_costs = self._request_costs()
        self.start = self._start()
        self.reach = self._reach()

    # ---------------------------------------------------------------- set-up

    def _axes(self, paid: list[int]) -> None:
        """Resource axes: paid minutes (when bounded), weekends, limited shift types."""
        contract, days = self.agent.contract, self.days
        most_units = sum(max((c.paid_minutes for c in self.candidates.get(d, ())), default=0)
                         for d in range(days)) // self.step
        low, high = contract.min_minutes_per_period, contract.max_minutes_per_period
        self.low_units = -(-low // self.step)
        high_units = None if high is None else high // self.step
        axes: list[Axis] = []
        self.minutes_axis = None
        if high_units is not None and high_units < most_units:
            self.minutes_axis = len(axes)
            axes.append(Axis(high_units + 1, False))
        elif self.low_units > 0:
            self.minutes_axis = len(axes)
            axes.append(Axis(self.low_units + 1, True))
        self.weekend_axis = None
        limit = contract.max_weekends
        if limit is not None and limit < len(weekends(self.problem)):
            self.weekend_axis = len(axes)
            axes.append(Axis(limit + 1, False))
        self.limit_axis: dict[int, int] = {}
        self.type_limits: dict[str, int] = {}  # the limits that can bind, modelled or not
        for key, limit in contract.max_shifts_per_type:
            if key not in self.type_index:
                continue
            days_with = sum(1 for cs in self.candidates.values()
                            if any(c.shift_type == key for c in cs))
            if limit < days_with:
                self.type_limits[key] = limit
                if self.modelled is None or key in self.modelled:
                    self.limit_axis[self.type_index[key]] = len(axes)
                    axes.append(Axis(limit + 1, False))
        self.axes = axes
        self.shape = tuple(a.size for a in axes)

    def _reach(self) -> list[tuple[int, ...]]:
        """Per day, the extent along each resource axis that states after that day can reach.

        Every pattern starts at zero resources and each day adds at most its largest
        increment, so the recursion works on that corner of the arrays only (the rest stays
        unreached): on Instance8 of the benchmark a few times less work per pattern priced.
        """
        total = [0] * len(self.shape)
        found = []
        for d in range(self.days):
            for i in range(len(self.shape)):
                total[i] += max((self._increment(c, d, after)[i] for c in self.choices[d]
                                 for after in (True, False)), default=0)
            found.append(tuple(min(a.size, t + 1) for a, t in zip(self.axes, total,
                                                                  strict=True)))
        return found

    def _successions(self) -> np.ndarray:
        """forbidden[x, y]: type y may not be worked the day after type x."""
        n = len(self.types)
        forbidden = np.zeros((n, n), dtype=bool)
        for kind in self.agent.shift_rule.shift_types:
            if kind.key not in self.type_index:
                continue
            for after in kind.not_followed_by:
                if after in self.type_index:
                    forbidden[self.type_index[kind.key], self.type_index[after]] = True
        return forbidden

    def _weekend_days(self) -> dict[int, bool]:
        """Weekend day index -> whether the day before is in the same weekend and period."""
        found = {}
        for days in weekends(self.problem):
            for d in days:
                found[d] = d - 1 in days
        return found

    def _request_costs(self) -> list[dict[str | None, int]]:
        """Per day, the penalty of broken requests by what is worked (None = day off)."""
        index = {day: d for d, day in enumerate(self.problem.grid.day_list)}
        costs: list[dict[str | None, int]] = [{} for _ in range(self.days)]
        for request in self.agent.shift_requests:
            d = index.get(request.day)
            if d is None:
                continue
            for worked in (None, *self.types):
                done = (worked == request.shift_type) if request.shift_type else (
                    worked is not None)
                if done != request.wanted:
                    costs[d][worked] = costs[d].get(worked, 0) + request.weight
        return costs

    def _start(self) -> tuple[str, int, int | None]:
        """The state before day 0: ('unknown', 0, None), ('work', run, type) or ('off', run)."""
        worked = published_run(self.problem, self.agent, True)
        if worked is None:
            return ("unknown", 0, None)
        if worked > 0:
            eve = self.problem.grid.day_list[0] - timedelta(days=1)
            types = [s.shift_type for s in self.problem.fixed_before[self.agent.key]
                     if s.day == eve]
            last = self.type_index.get(types[-1]) if types else None
            return ("work", worked, last)
        return ("off", published_run(self.problem, self.agent, False) or 0, None)

    @staticmethod
    def applies(problem: Problem, agent: Agent,
                candidates: dict[int, tuple[Candidate, ...]]) -> bool:
        """Whether the agent's hard rules are all day-level ones this recursion knows."""
        if agent.skills:
            return False
        contract, grid = agent.contract, problem.grid
        if contract.min_weekly_rest_minutes > 0 and any(
                len(days) == 7 for days in problem.weeks().values()):
            return False
        for days in problem.weeks().values():
            low, high = problem.week_bounds(agent, days)
            most = sum(max((c.paid_minutes for c in candidates.get(d, ())), default=0)
                       for d in days)
            if low > 0 or high < most:
                return False
        rest = math.ceil(contract.min_daily_rest_minutes / grid.interval_minutes)
        days = sorted(candidates)
        for d, e in zip(days, days[1:], strict=False):
            latest_end = max(c.end for c in candidates[d])
            if min(c.start for c in candidates[e]) < latest_end + rest:
                return False
        fixed = problem.fixed_before.get(agent.key, ())
        if fixed and days:
            last_end = max(s.end for s in fixed)
            first = grid.interval_start(min(c.start for c in candidates[days[0]]))
            if (first - last_end).total_seconds() < contract.min_daily_rest_minutes * 60:
                return False
        return True

    # ---------------------------------------------------------------- pricing

    def cost(self, pattern: Pattern) -> int:
        """The agent's own penalty for a pattern: the weights of its broken requests."""
        total = 0
        for d, i in enumerate(pattern):
            worked = None if i is None else self.candidates[d][i].shift_type
            total += self.request_costs[d].get(worked, 0)
        return total

    def over_limits(self, pattern: Pattern) -> set[str]:
        """The shift types a pattern works more often than the agent's limit allows."""
        worked: dict[str, int] = {}
        for d, i in enumerate(pattern):
            if i is not None:
                key = self.candidates[d][i].shift_type
                worked[key] = worked.get(key, 0) + 1
        return {key for key, n in worked.items() if n > self.type_limits.get(key, n)}

    def covers(self, pattern: Pattern) -> list[tuple[int, str]]:
        """The (day, shift type) pairs a pattern works."""
        return [(d, self.candidates[d][i].shift_type) for d, i in enumerate(pattern)
                if i is not None]

    def best(self, prices: dict[tuple[int, str], float] | None = None,
             forbidden: frozenset[tuple[int, str | None]] = frozenset(),
             required: frozenset[tuple[int, str | None]] = frozenset(),
             ) -> tuple[float, Pattern | None]:
        """The least `cost - prices worked` over valid patterns, and a pattern reaching it.

        `forbidden` and `required` hold (day, shift type) pairs the pattern must not work or
        must work (a type of None means the day off). None when no pattern is valid.
        """
        found = self.several(prices, forbidden, required, 1)
        return found[0] if found else (INF, None)

    def several(self, prices: dict[tuple[int, str], float] | None = None,
                forbidden: frozenset[tuple[int, str | None]] = frozenset(),
                required: frozenset[tuple[int, str | None]] = frozenset(),
                count: int = 1) -> list[tuple[float, Pattern]]:
        """Up to `count` valid patterns of least value, best first, from one recursion.

        Each ends in a different final state (run, last type, resources), so they differ;
        the first is `best`'s. Empty when no pattern is valid.

        Limits per shift type are added lazily: the recursion first runs without their
        axes (a relaxation, over more patterns) and, only when a pattern it returns breaks
        some limit, again with those limits modelled too. Patterns of the relaxation that
        keep every limit are the best of the full set, which lies inside it, so the answer is
        exact; each axis multiplies the states (Instance8 of the benchmark: three limits of
        up to 15 shifts, 170 ms a pattern with all of them).
        """
        if self.modelled is None and self.type_limits:
            modelled: frozenset[str] = frozenset()
            while True:
                relaxed = self.relaxed.get(modelled)
                if relaxed is None:
                    relaxed = self.relaxed[modelled] = DayPatterns(
                        self.problem, self.agent, self.candidates, modelled=modelled)
                found = relaxed.several(prices, forbidden, required, count)
                broken = {key for _, pattern in found for key in self.over_limits(pattern)}
                if not broken:
                    return found
                modelled |= broken
        prices = prices or {}
        layers = self._forward(prices, forbidden, required)
        final = self._final_mask()
        ends: list[tuple[float, str, tuple[int, ...]]] = []
        for kind, values in (("W", layers[-1][0]), ("O", layers[-1][1])):
            masked = np.where(final, values, INF).ravel()
            k = min(count, masked.size)
            for flat in np.argpartition(masked, k - 1)[:k]:
                if masked[flat] < INF:
                    ends.append((float(masked[flat]), kind,
                                 np.unravel_index(int(flat), values.shape)))
        ends.sort(key=lambda end: end[0])
        return [(value, self._backtrack(layers, (kind, index), value, prices, forbidden,
                                        required))
                for value, kind, index in ends[:count]]

    def _final_mask(self) -> np.ndarray:
        """Resource states that end the period validly (the paid-minute minimum is met)."""
        mask = np.ones(self.shape, dtype=bool)
        if self.minutes_axis is not None and self.low_units > 0:
            index = [slice(None)] * len(self.shape)
            index[self.minutes_axis] = slice(0, self.low_units)
            mask[tuple(index)] = False
        return mask

    def _allowed(self, d: int, forbidden, required) -> tuple[list[Choice], bool]:
        """The day's choices and whether the day off is allowed, under branching decisions."""
        choices = [c for c in self.choices[d] if (d, c.shift_type) not in forbidden]
        off = (d, None) not in forbidden
        needs = [t for (day, t) in required if day == d]
        if needs:
            (need,) = needs
            choices = [c for c in choices if c.shift_type == need] if need is not None else []
            off = off and need is None
        return choices, off

    def _day_cost(self, d: int, worked: str | None, prices) -> float:
        """Request penalty less the price of what is worked on day d."""
        cost = self.request_costs[d].get(worked, 0)
        return cost - prices.get((d, worked), 0.0) if worked is not None else cost

    def _increment(self, choice: Choice, d: int, after_work: bool) -> tuple[int, ...]:
        """Resource increments of working a choice on day d (after a working day or not)."""
        inc = [0] * len(self.shape)
        if self.minutes_axis is not None:
            inc[self.minutes_axis] = choice.units
        if self.weekend_axis is not None and d in self.weekend_days and not (
                after_work and self.weekend_days[d]):
            inc[self.weekend_axis] = 1
        if choice.type_index in self.limit_axis:
            inc[self.limit_axis[choice.type_index]] = 1
        return tuple(inc)

    def _shift(self, values: np.ndarray, inc: tuple[int, ...],
               sizes: tuple[int, ...] | None = None) -> np.ndarray:
        """Values moved along the resource axes (the trailing axes) by the increments.

        `sizes` are the extents of the view along the resource axes (`reach`); an axis cut
        short cannot saturate yet, since no state has reached its end.
        """
        if not any(inc):
            return values
        sizes = sizes or self.shape
        lead = values.ndim - len(self.shape)
        source = [slice(None)] * values.ndim
        target = [slice(None)] * values.ndim
        saturating = []
        for axis, (by, spec, size) in enumerate(zip(inc, self.axes, sizes, strict=True)):
            if by == 0:
                continue
            if spec.saturates and size == spec.size:
                saturating.append((lead + axis, by, size))
                continue
            if by >= size:
                return np.full_like(values, INF)
            source[lead + axis] = slice(0, size - by)
            target[lead + axis] = slice(by, size)
        moved = np.full_like(values, INF)
        moved[tuple(target)] = values[tuple(source)]
        for axis, by, size in saturating:  # counts past the end stay at the end
            out = np.full_like(moved, INF)
            low = [slice(None)] * values.ndim
            high = [slice(None)] * values.ndim
            if by < size:
                low[axis], high[axis] = slice(0, size - by), slice(by, size)
                out[tuple(high)] = moved[tuple(low)]
            top = [slice(None)] * values.ndim
            top[axis] = slice(max(0, size - by), size)
            last = [slice(None)] * values.ndim
            last[axis] = slice(size - 1, size)
            out[tuple(last)] = np.minimum(out[tuple(last)],
                                          moved[tuple(top)].min(axis=axis, keepdims=True))
            moved = out
        return moved

    def _add_shifted(self, target: np.ndarray, values: np.ndarray, inc: tuple[int, ...],
                     sizes: tuple[int, ...], cost: float) -> None:
        """target = min(target, values moved by the increments + cost), in place.

        The same as `_shift` followed by a minimum, without the temporary full arrays: the
        pricing recursion's inner step. At most one axis saturates (the paid-minute minimum);
        its states past the end fold onto the last index.
        """
        lead, dest_lead = values.ndim - len(self.shape), target.ndim - len(self.shape)
        source = [slice(None)] * values.ndim
        dest = [slice(None)] * target.ndim
        fold: tuple[int, int, int] | None = None
        for axis, (by, spec, size) in enumerate(zip(inc, self.axes, sizes, strict=True)):
            if by == 0:
                continue
            if spec.saturates and size == spec.size:
                fold = (axis, by, size)
                continue
            if by >= size:
                return  # every state moves past the end of a hard limit
            source[lead + axis] = slice(0, size - by)
            dest[dest_lead + axis] = slice(by, size)
        if fold is None:
            view = target[tuple(dest)]
            np.minimum(view, values[tuple(source)] + cost, out=view)
            return
        axis, by, size = fold
        if by < size:
            source[lead + axis], dest[dest_lead + axis] = slice(0, size - by), slice(by, size)
            view = target[tuple(dest)]
            np.minimum(view, values[tuple(source)] + cost, out=view)
        source[lead + axis] = slice(max(0, size - by), size)
        dest[dest_lead + axis] = slice(size - 1, size)
        view = target[tuple(dest)]
        np.minimum(view, values[tuple(source)].min(axis=lead + axis, keepdims=True) + cost,
                   out=view)

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        """Unreached work and off layers: W[run-1, first, type, *R] and O[run-1, first, *R]."""
        work = np.full((self.max_run, 2, len(self.types), *self.shape), INF)
        off = np.full((max(self.min_off, 1), 2, *self.shape), INF)
        return work, off

    def _forward(self, prices, forbidden, required) -> list[tuple[np.ndarray, np.ndarray]]:
        """Least values of every state after each day."""
        layers = []
        origin = np.full(self.shape, INF)
        origin[(0,) * len(self.shape)] = 0.0
        work, off = self._first_day(origin, prices, forbidden, required)
        layers.append((work, off))
        for d in range(1, self.days):
            layers.append(self._next_day(d, *layers[-1], prices, forbidden, required))
        return layers

    def _first_day(self, origin, prices, forbidden, required):
        """Layers after day 0, from the state before the period."""
        work, off = self._empty()
        choices, off_allowed = self._allowed(0, forbidden, required)
        kind, run, last = self.start
        off_cap = off.shape[0] - 1
        for c in choices:
            cost = self._day_cost(0, c.shift_type, prices)
            if kind == "unknown":
                target, allowed = (0, 1), True
            elif kind == "work":
                target = (run, 0)
                allowed = run + 1 <= self.max_run and (
                    last is None or not self.forbidden[last, c.type_index])
            else:
                target, allowed = (0, 0), run >= self.min_off
            if allowed:
                cell = work[target[0], target[1], c.type_index]
                moved = self._shift(origin, self._increment(c, 0, kind == "work")) + cost
                work[target[0], target[1], c.type_index] = np.minimum(cell, moved)
        if off_allowed:
            cost = self._day_cost(0, None, prices)
            if kind == "unknown":
                off[0, 1] = origin + cost
            elif kind == "work":
                if run >= self.min_run:
                    off[0, 0] = origin + cost
            else:
                off[min(run, off_cap), 0] = origin + cost
        return work, off

    def _next_day(self, d, work, off, prices, forbidden, required):
        """Layers after day d from those after day d-1, computed on the reachable corner."""
        new_work, new_off = self._empty()
        sizes = self.reach[d]
        corner = (Ellipsis, *(slice(0, n) for n in sizes))
        work, off = work[corner], off[corner]
        reached_work, reached_off = new_work[corner], new_off[corner]  # views: written through
        choices, off_allowed = self._allowed(d, forbidden, required)
        runs_off = off.shape[0]
        # off runs long enough (or the free first run) may be followed by a working day
        ready_off = np.minimum(off[runs_off - 1, 0], off[:, 1].min(axis=0))
        sources: dict[bytes, np.ndarray] = {}  # per set of allowed previous types
        for c in choices:
            cost = self._day_cost(d, c.shift_type, prices)
            allowed = ~self.forbidden[:, c.type_index]
            if self.max_run > 1 and allowed.any():
                key = allowed.tobytes()
                if key not in sources:
                    head = work[: self.max_run - 1]
                    sources[key] = head.min(axis=2) if allowed.all() else \
                        head[:, :, allowed].min(axis=2)
                self._add_shifted(reached_work[1:, :, c.type_index], sources[key],
                                  self._increment(c, d, True), sizes, cost)
            self._add_shifted(reached_work[0, 0:1, c.type_index], ready_off,
                              self._increment(c, d, False), sizes, cost)
        if off_allowed:
            cost = self._day_cost(d, None, prices)
            done = work[self.min_run - 1:, 0].min(axis=(0, 1)) if self.min_run <= self.max_run \
                else np.full(sizes, INF)
            free = work[:, 1].min(axis=(0, 1))
            reached_off[0, 0] = np.minimum(done, free) + cost
            if runs_off > 1:
                reached_off[1:] = off[:-1] + cost
                reached_off[runs_off - 1] = np.minimum(reached_off[runs_off - 1],
                                                       off[runs_off - 1] + cost)
            else:
                reached_off[0] = np.minimum(reached_off[0], off[0] + cost)
        return new_work, new_off

    # ---------------------------------------------------------------- backtracking

    def _backtrack(self, layers, state, value, prices, forbidden, required) -> Pattern:
        """The pattern behind a final state, found by stepping back through the layers."""
        pattern: list[int | None] = [None] * self.days
        kind, index = state
        for d in range(self.days - 1, -1, -1):
            choice, previous = self._step_back(d, layers, kind, index, value, prices,
                                               forbidden, required)
            pattern[d] = choice
            if d == 0:
                break
            kind, index, value = previous
        return tuple(pattern)

    def _step_back(self, d, layers, kind, index, value, prices, forbidden, required):
        """The choice on day d and the state after day d-1 that lead to (kind, index, value)."""
        choices, off_allowed = self._allowed(d, forbidden, required)
        resources = tuple(int(i) for i in index[-len(self.shape):]) if self.shape else ()
        if kind == "W":
            run, first, type_index = (int(i) for i in index[:3])
            for c in choices:
                if c.type_index != type_index:
                    continue
                cost = self._day_cost(d, c.shift_type, prices)
                for prior in self._priors_of_work(d, layers, run, first, c, resources):
                    prior_kind, prior_index, prior_value = prior
                    if math.isclose(prior_value + cost, value, rel_tol=1e-9, abs_tol=1e-7):
                        return c.index, prior
            raise AssertionError("backtracking lost the path")  # pragma: no cover
        if not off_allowed:
            raise AssertionError("backtracking reached a forbidden day off")  # pragma: no cover
        cost = self._day_cost(d, None, prices)
        run, first = int(index[0]), int(index[1])
        for prior in self._priors_of_off(d, layers, run, first, resources):
            if math.isclose(prior[2] + cost, value, rel_tol=1e-9, abs_tol=1e-7):
                return None, prior
        raise AssertionError("backtracking lost the path")  # pragma: no cover

    def _unshift(self, resources: tuple[int, ...], inc: tuple[int, ...]):
        """Resource states before an increment that lead to `resources`."""
        options: list[list[int]] = []
        for r, by, spec in zip(resources, inc, self.axes, strict=True):
            before = [r - by] if r - by >= 0 else []
            if spec.saturates and r == spec.size - 1:
                before = list(range(max(0, r - by), spec.size))
            options.append(before)
        found: list[tuple[int, ...]] = [()]
        for values in options:
            found = [(*f, v) for f in found for v in values]
        return found

    def _priors_of_work(self, d, layers, run, first, c: Choice, resources):
        """States after day d-1 from which working c on day d reaches W[run, first]."""
        if d == 0:
            yield from self._origin_priors(resources, self._increment(c, 0,
                                                                      self.start[0] == "work"))
            return
        work, off = layers[d - 1]
        if run > 0:
            for r in self._unshift(resources, self._increment(c, d, True)):
                for x in range(len(self.types)):
                    if not self.forbidden[x, c.type_index]:
                        yield "W", (run - 1, first, x, *r), float(work[(run - 1, first, x, *r)])
        elif first == 0:
            runs_off = off.shape[0]
            for r in self._unshift(resources, self._increment(c, d, False)):
                for run_off in range(runs_off):
                    for f in (0, 1):
                        if f == 1 or run_off + 1 >= self.min_off:
                            yield "O", (run_off, f, *r), float(off[(run_off, f, *r)])

    def _priors_of_off(self, d, layers, run, first, resources):
        """States after day d-1 from which a day off on day d reaches O[run, first]."""
        if d == 0:
            yield from self._origin_priors(resources, (0,) * len(self.shape))
            return
        work, off = layers[d - 1]
        runs_off = off.shape[0]
        if run == 0 and first == 0:
            for w_run in range(self.max_run):
                for f in (0, 1):
                    if f == 1 or w_run + 1 >= self.min_run:
                        for x in range(len(self.types)):
                            yield "W", (w_run, f, x, *resources), float(
                                work[(w_run, f, x, *resources)])
        if run > 0:
            yield "O", (run - 1, first, *resources), float(off[(run - 1, first, *resources)])
        if run == runs_off - 1:
            yield "O", (run, first, *resources), float(off[(run, first, *resources)])

    def _origin_priors(self, resources, inc):
        """The state before the period, when the increments lead from it to `resources`."""
        if (0,) * len(self.shape) in self._unshift(resources, inc):
            yield "start", (), 0.0
