"""Block switching: how often an agent's activity moves from one queue straight to another.

The hard rule `min_activity_block` keeps client blocks long after a switch of client; this
soft count discourages every direct switch of queue inside a shift (between a client's own
channels too), weighted by the agent's `ShiftRule.switch_weight`. A switch is an activity
followed, in the very next interval, by one on another queue; a block that ends at a break,
back-office time or the shift's end is no switch. Agents certified for one queue cannot
switch, so a problem without multi-skilled agents has no such term.
"""

from __future__ import annotations

from scheduler.domain import Agent, Problem, Roster, Shift


def switching_agents(problem: Problem) -> list[Agent]:
    """Agents who could switch queues and whose switches weigh something."""
    return [a for a in problem.agents if len(a.skills) >= 2 and a.shift_rule.switch_weight > 0]


def shift_switches(shift: Shift) -> int:
    """Direct switches of queue inside one shift."""
    ordered = sorted(shift.activities, key=lambda a: a.start)
    return sum(1 for a, b in zip(ordered, ordered[1:], strict=False)
               if a.end == b.start and a.queue != b.queue)


def switch_counts(problem: Problem, roster: Roster) -> dict[str, int]:
    """Switches per switching agent over the roster."""
    counts = {a.key: 0 for a in switching_agents(problem)}
    for shift in roster.shifts:
        if shift.agent in counts:
            counts[shift.agent] += shift_switches(shift)
    return counts


def switch_penalty(problem: Problem, roster: Roster) -> dict[str, int]:
    """The weighted `block_switches` term by name (none when nobody can switch)."""
    agents = switching_agents(problem)
    if not agents:
        return {}
    counts = switch_counts(problem, roster)
    return {"block_switches": sum(a.shift_rule.switch_weight * counts[a.key] for a in agents)}


def switch_marks(problem: Problem, roster: Roster) -> dict[str, tuple[int, ...]]:
    """Per switching agent and interval, 1 where an activity starts straight after another
    queue's (the hint for the model's switch variables)."""
    grid = problem.grid
    marks = {a.key: [0] * grid.n_intervals for a in switching_agents(problem)}
    for shift in roster.shifts:
        if shift.agent not in marks:
            continue
        ordered = sorted(shift.activities, key=lambda a: a.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.end == b.start and a.queue != b.queue:
                try:
                    marks[shift.agent][grid.index_of(b.start)] = 1
                except ValueError:
                    continue
    return {key: tuple(values) for key, values in marks.items()}
