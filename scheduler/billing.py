"""Billable hours per client, reconciled from a roster's activities (no solver)."""

from __future__ import annotations

from datetime import timedelta

from scheduler.domain import Problem, Roster


def billable_hours(problem: Problem, roster: Roster) -> dict[str, float]:
    """Hours agents spend on each client's queues, clients in key order.

    A client is billed for the time rostered on its queues: breaks and back-office time are
    not on any queue and bill nobody. Activities on queues the problem does not know are
    left out (the validator reports them).
    """
    client_of = {q.key: q.client for q in problem.queues}
    hours = {client: 0.0 for client in sorted(set(client_of.values()))}
    for shift in roster.shifts:
        for act in shift.activities:
            if act.queue in client_of:
                hours[client_of[act.queue]] += (act.end - act.start) / timedelta(hours=1)
    return hours
