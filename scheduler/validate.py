"""Check a roster against every hard rule without the solver, reporting violations in plain words.

Rule names match the hard rules in `scheduler.rules` where one exists, so a violation points at
the constraint that should have prevented it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduler import day_checks
from scheduler.domain import Agent, Problem, Roster, Shift
from scheduler.grid import Grid


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: which rule, whose shift, which local day, and what is wrong."""

    rule: str
    agent: str
    day: date | None
    message: str


def validate(problem: Problem, roster: Roster) -> list[Violation]:
    """Every hard-rule violation in the roster; an empty list means the roster can be published."""
    agents = {agent.key: agent for agent in problem.agents}
    found: list[Violation] = []
    by_agent: dict[str, list[Shift]] = defaultdict(list)
    for shift in roster.shifts:
        agent = agents.get(shift.agent)
        if agent is None:
            found.append(Violation("unknown_agent", shift.agent, shift.day,
                                   f"{shift.agent} is not an agent of this plan"))
            continue
        shift_found = _on_grid(problem.grid, shift)
        if not shift_found:
            shift_found = (_shift_rules(problem, agent, shift) + _activities(problem, agent, shift)
                           + _activity_blocks(problem, agent, shift))
            by_agent[agent.key].append(shift)
        found.extend(shift_found)
    for agent in problem.agents:
        shifts = sorted(by_agent[agent.key], key=lambda s: s.start)
        found.extend(_one_shift_per_day(agent, shifts))
        before = sorted(problem.fixed_before.get(agent.key, ()), key=lambda s: s.start)
        found.extend(_rest_and_overlap(agent, shifts, before))
        found.extend(_weekly_paid_minutes(problem, agent, shifts))
        found.extend(_consecutive_days(problem, agent, shifts, before))
        found.extend(_weekly_rest(problem, agent, shifts, before))
        found.extend(Violation(rule, agent.key, day, message) for rule, day, message
                     in day_checks.check_agent(problem, agent, shifts, before))
    return found


def _clock(grid: Grid, instant: datetime) -> str:
    """Local wall-clock time of an instant, e.g. 08:30."""
    return instant.astimezone(grid.zone).strftime("%H:%M")


def _index(grid: Grid, instant: datetime) -> int | None:
    """Interval index of an instant on the grid, None when off the grid or the period."""
    try:
        return grid.index_of(instant)
    except ValueError:
        return None


def _on_grid(grid: Grid, shift: Shift) -> list[Violation]:
    """The shift, its breaks and activities start and end on interval boundaries of the period."""
    instants = [shift.start, shift.end]
    instants += [x for b in shift.breaks for x in (b.start, b.end)]
    instants += [x for a in shift.activities for x in (a.start, a.end)]
    off = [x for x in instants if _index(grid, x) is None]
    if shift.day not in grid.day_list:
        return [Violation("on_grid", shift.agent, shift.day,
                          f"shift on {shift.day} is outside the planning period")]
    if off:
        return [Violation("on_grid", shift.agent, shift.day,
                          f"times {', '.join(_clock(grid, x) for x in off)} are not on the "
                          f"{grid.interval_minutes}-minute grid of the period")]
    return []


def _shift_rules(problem: Problem, agent: Agent, shift: Shift) -> list[Violation]:
    """Start window, length, time off, daily paid maximum and meal break of one shift."""
    grid, rule, found = problem.grid, agent.shift_rule, []

    def add(name: str, message: str) -> None:
        found.append(Violation(name, agent.key, shift.day, message))

    wall_start = shift.start.astimezone(grid.zone).replace(tzinfo=None)
    minute = int((wall_start - datetime.combine(shift.day, datetime.min.time())).total_seconds())
    minute //= 60
    if minute not in rule.start_minutes():
        add("shift_start", f"starts at {_clock(grid, shift.start)}, outside the allowed starts of "
                           f"shift rule {rule.name}")
    if shift.length_minutes not in rule.lengths_minutes:
        add("shift_length", f"lasts {shift.length_minutes} min; shift rule {rule.name} allows "
                            f"{', '.join(map(str, rule.lengths_minutes))} min")
    if shift.day in agent.time_off:
        add("time_off", f"works on {shift.day}, an approved day off")
    if shift.paid_minutes > agent.contract.max_minutes_per_day:
        add("daily_paid_minutes", f"{shift.paid_minutes} paid minutes in a day, more than the "
                                  f"contract's {agent.contract.max_minutes_per_day}")
    for b in shift.breaks:
        if b.start < shift.start or b.end > shift.end or b.start >= b.end:
            add("break_outside_shift", f"break {_clock(grid, b.start)}-{_clock(grid, b.end)} is "
                                       f"not inside the shift")
    found.extend(_meal_break(grid, agent, shift))
    found.extend(_coffee_breaks(grid, agent, shift))
    ordered = sorted(shift.breaks, key=lambda b: b.start)
    if any(b.start < a.end for a, b in zip(ordered, ordered[1:], strict=False)):
        add("break_overlap", "two breaks overlap")
    return found


def _coffee_breaks(grid: Grid, agent: Agent, shift: Shift) -> list[Violation]:
    """One paid coffee break of full length inside each coffee window of the shift."""
    rule = agent.shift_rule
    need = rule.coffee_breaks(shift.length_minutes, grid.interval_minutes)
    coffee = sorted((b for b in shift.breaks if b.kind == "coffee"), key=lambda b: b.start)

    def wrong(message: str) -> list[Violation]:
        return [Violation("coffee_break", agent.key, shift.day, message)]

    if len(coffee) != need:
        return wrong(f"a {shift.length_minutes}-min shift needs {need} paid coffee break"
                     f"{'s' if need != 1 else ''}, has {len(coffee)}")
    for k, b in enumerate(coffee):
        minutes = (b.end - b.start) / timedelta(minutes=1)
        after = (b.start - shift.start) / timedelta(minutes=1)
        low, high = rule.coffee_window(k)
        if not b.paid:
            return wrong(f"coffee break {_clock(grid, b.start)} is unpaid; coffee breaks are "
                         "paid working time")
        if minutes < rule.coffee_break_minutes:
            return wrong(f"coffee break {_clock(grid, b.start)} lasts {minutes:.0f} min, less "
                         f"than {rule.coffee_break_minutes}")
        if not low <= after <= high:
            return wrong(f"coffee break {k + 1} starts {after:.0f} min into the shift, not "
                         f"{low}-{high} min")
    return []


def _meal_break(grid: Grid, agent: Agent, shift: Shift) -> list[Violation]:
    """A shift over the threshold has one meal break of full length inside its window."""
    rule = agent.shift_rule
    if not rule.needs_meal_break(shift.length_minutes):
        return []
    meals = [b for b in shift.breaks if b.kind == "meal"]

    def wrong(message: str) -> list[Violation]:
        return [Violation("meal_break", agent.key, shift.day, message)]

    if len(meals) != 1:
        return wrong(f"a {shift.length_minutes}-min shift needs one meal break, has {len(meals)}")
    meal = meals[0]
    minutes = (meal.end - meal.start) / timedelta(minutes=1)
    if minutes < rule.meal_break_minutes:
        return wrong(f"meal break lasts {minutes:.0f} min, less than {rule.meal_break_minutes}")
    after = (meal.start - shift.start) / timedelta(minutes=1)
    low, high = rule.meal_break_window_minutes
    if not low <= after <= high:
        return wrong(f"meal break starts {after:.0f} min into the shift, not {low}-{high} min")
    return []


def _activities(problem: Problem, agent: Agent, shift: Shift) -> list[Violation]:
    """Activities are certified, open, inside the shift, apart from breaks and each other."""
    grid, found = problem.grid, []

    def add(name: str, message: str) -> None:
        found.append(Violation(name, agent.key, shift.day, message))

    first, end = grid.index_of(shift.start), grid.index_of(shift.end)
    resting = {t for b in shift.breaks for t in range(grid.index_of(b.start), grid.index_of(b.end))}
    busy: Counter[int] = Counter()
    for act in shift.activities:
        a0, a1 = grid.index_of(act.start), grid.index_of(act.end)
        span = f"{act.queue} {_clock(grid, act.start)}-{_clock(grid, act.end)}"
        if a0 < first or a1 > end or a0 >= a1:
            add("activity_outside_shift", f"activity {span} is not inside the shift")
        if act.queue not in agent.skills:
            add("skill", f"works {act.queue}, a queue they are not certified for")
        elif not all(problem.is_open[act.queue][t] for t in range(a0, a1)):
            add("queue_open", f"works {span} while the queue is closed")
        if resting & set(range(a0, a1)):
            add("activity_during_break", f"activity {span} overlaps a break")
        busy.update(range(a0, a1))
    if any(count > 1 for count in busy.values()):
        add("activity_overlap", "two activities at the same time")
    return found


def _one_shift_per_day(agent: Agent, shifts: list[Shift]) -> list[Violation]:
    """At most one shift per local day."""
    counts = Counter(s.day for s in shifts)
    return [
        Violation("one_shift_per_day", agent.key, day, f"{count} shifts on {day}")
        for day, count in sorted(counts.items())
        if count > 1
    ]


def _rest_and_overlap(
    agent: Agent, shifts: list[Shift], published: list[Shift] = ()
) -> list[Violation]:
    """Shifts do not overlap, and the contract's daily rest separates consecutive shifts.

    The last published shift before the period counts as the one before the first shift.
    """
    found = []
    rest = agent.contract.min_daily_rest_minutes
    ordered = list(published[-1:]) + shifts
    for before, after in zip(ordered, ordered[1:], strict=False):
        gap = (after.start - before.end) / timedelta(minutes=1)
        if gap < 0:
            found.append(Violation("shift_overlap", agent.key, after.day,
                                   f"shift overlaps the previous one from {before.day}"))
        elif gap < rest:
            found.append(Violation("daily_rest", agent.key, after.day,
                                   f"only {gap / 60:.1f} h rest after the shift of {before.day}, "
                                   f"at least {rest / 60:.1f} h needed"))
    return found


def _weekly_paid_minutes(problem: Problem, agent: Agent, shifts: list[Shift]) -> list[Violation]:
    """Paid minutes per ISO week within the contract's bounds for the planned days."""
    found = []
    for (_, week), days in problem.weeks().items():
        day_dates = {problem.grid.day_list[d] for d in days}
        low, high = problem.week_bounds(agent, days)
        paid = sum(s.paid_minutes for s in shifts if s.day in day_dates)
        if not low <= paid <= high:
            found.append(Violation("weekly_paid_minutes", agent.key, None,
                                   f"{paid} paid minutes in week {week}, contract allows "
                                   f"{low}-{high}"))
    return found


def _activity_blocks(problem: Problem, agent: Agent, shift: Shift) -> list[Violation]:
    """After a direct switch between clients, both blocks last `min_activity_minutes`.

    A block is a run of adjacent activities on one client's queues.
    """
    clients = {q.key: q.client for q in problem.queues}
    blocks: list[list] = []  # [client, start, end], adjacent activities of one client merged
    for act in sorted(shift.activities, key=lambda a: a.start):
        client = clients.get(act.queue, act.queue)
        if blocks and blocks[-1][0] == client and blocks[-1][2] == act.start:
            blocks[-1][2] = act.end
        else:
            blocks.append([client, act.start, act.end])
    least = timedelta(minutes=agent.shift_rule.min_activity_minutes)
    found = []
    for (c1, s1, e1), (c2, s2, e2) in zip(blocks, blocks[1:], strict=False):
        if e1 != s2 or c1 == c2:
            continue
        for c, start, end in ((c1, s1, e1), (c2, s2, e2)):
            if end - start < least:
                found.append(Violation(
                    "activity_block", agent.key, shift.day,
                    f"{c} {_clock(problem.grid, start)}-{_clock(problem.grid, end)} lasts "
                    f"{(end - start) / timedelta(minutes=1):.0f} min next to a switch of client, "
                    f"at least {agent.shift_rule.min_activity_minutes} min needed"))
    return found


def _consecutive_days(
    problem: Problem, agent: Agent, shifts: list[Shift], published: list[Shift]
) -> list[Violation]:
    """No more than the contract's consecutive working days, published days before included."""
    limit = agent.contract.max_consecutive_days
    worked = {s.day for s in shifts} | {s.day for s in published}
    found = []
    for day in problem.grid.day_list:
        run = 0
        while day - timedelta(days=run) in worked:
            run += 1
        if run == limit + 1:  # report once, on the first day over the limit
            found.append(Violation("max_consecutive_days", agent.key, day,
                                   f"{run} working days in a row, at most {limit} allowed"))
    return found


def _weekly_rest(
    problem: Problem, agent: Agent, shifts: list[Shift], published: list[Shift]
) -> list[Violation]:
    """In each ISO week inside the period, one rest of the contract's length spans a day off.

    The rest runs from the end of the last shift before that day to the start of the first
    shift after it; with no shift known on a side (before the period without published
    shifts, or after the period) that side counts as rested.
    """
    need = timedelta(minutes=agent.contract.min_weekly_rest_minutes)
    if need <= timedelta(0):
        return []
    everything = sorted([*published, *shifts], key=lambda s: s.start)
    worked = {s.day for s in everything}
    found = []
    for (_, week), days in problem.weeks().items():
        if len(days) < 7:
            continue
        longest = timedelta(0)
        for d in days:
            day = problem.grid.day_list[d]
            if day in worked:
                continue
            ends = [s.end for s in everything if s.day < day]
            starts = [s.start for s in everything if s.day > day]
            if not ends or not starts:
                longest = need
                break
            longest = max(longest, min(starts) - max(ends))
        if longest < need:
            hours = longest / timedelta(hours=1)
            found.append(Violation(
                "weekly_rest", agent.key, None,
                f"longest rest around a day off in week {week} is {hours:.1f} h, at least "
                f"{need / timedelta(hours=1):.0f} h needed"))
    return found
