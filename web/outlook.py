"""One client's outlook in a published roster: forecast, requirement, coverage, projected
service level per day, planned billable hours and (for coordinators) shortfalls explained.

The projected service level puts the agents the roster schedules on each queue against the
forecast contacts and AHT the requirement was staffed from (scheduler.service_level: Erlang C
or A for voice, chat concurrency, deferred email). Days aggregate weighted by contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from scheduler import domain
from scheduler.explain import explain_shortfall
from scheduler.service_level import interval_service_levels
from web import models as m
from web.planning import (
    grid_of,
    load_roster,
    open_flags,
    opening_hours,
    service_target,
    stored_problem,
)
from web.replanning import stored_requirement_frame
from web.reports import QueueCoverage, coverage


@dataclass(frozen=True)
class QueueDay:
    """One queue on one day: contacts, agent-hours required and scheduled, service level."""

    queue: m.Queue
    day: date
    contacts: float
    required_hours: float
    scheduled_hours: float
    short_hours: float
    service_level: float | None  # projected, contact-weighted; None without contacts
    target: float

    @property
    def met(self) -> bool | None:
        """Whether the projected level reaches the queue's target (None without contacts)."""
        return None if self.service_level is None else self.service_level >= self.target - 1e-9


@dataclass(frozen=True)
class ClientDay:
    """One day over all the client's queues."""

    day: date
    contacts: float
    required_hours: float
    scheduled_hours: float
    short_hours: float
    service_level: float | None  # contact-weighted over queues


@dataclass(frozen=True)
class Outlook:
    """A client's week in one published roster."""

    client: m.Client
    roster: m.Roster
    queues: list[QueueCoverage]
    queue_days: list[QueueDay]
    days: list[ClientDay]
    billable_hours: float  # agent time on the client's queues, breaks and back-office excluded
    shortfalls: list[str]  # explanations, coordinators only


def client_outlook(
    session: Session, client: m.Client, roster: m.Roster, *, explain: bool = False,
    requirement: pd.DataFrame | None = None, queues: list[QueueCoverage] | None = None,
) -> Outlook:
    """The client's forecast, requirement, coverage and projected service level in a roster
    (`requirement`: the roster's stored requirement frame, `queues`: the coverage of the
    client's queues in it, when the caller has them)."""
    grid = grid_of(roster)
    hours = roster.interval_minutes / 60
    if queues is None:
        queues = coverage(session, roster, client_id=client.id)
    frame = stored_requirement_frame(session, roster.requirement_id,
                                     [qc.queue.id for qc in queues]) \
        if requirement is None else requirement
    keys = {qc.queue.key for qc in queues}
    levels = interval_service_levels(
        grid,
        [domain.Queue(qc.queue.key, client.key, qc.queue.channel, qc.queue.language)
         for qc in queues],
        {qc.queue.key: qc.scheduled for qc in queues},
        frame[frame["queue"].isin(keys)],
        {qc.queue.key: service_target(qc.queue) for qc in queues},
        is_open={qc.queue.key: open_flags(grid, opening_hours(qc.queue)) for qc in queues},
    ) if queues else None
    spans: dict[int, list[int]] = {d: [] for d in range(grid.days)}
    for t in range(grid.n_intervals):
        spans[grid.day_index_of(t)].append(t)
    daily_levels = _daily_levels(levels)
    queue_days = []
    for qc in queues:
        for d, day in enumerate(grid.day_list):
            span = spans[d]
            level = daily_levels.get((qc.queue.key, d))
            queue_days.append(QueueDay(
                qc.queue, day, sum(qc.forecast_contacts[t] for t in span),
                sum(qc.required[t] for t in span) * hours,
                sum(qc.scheduled[t] for t in span) * hours,
                sum(max(0, qc.required[t] - qc.scheduled[t]) for t in span) * hours,
                level, qc.queue.service_level,
            ))
    days = []
    for day in grid.day_list:
        mine = [q for q in queue_days if q.day == day]
        weighted = [(q.service_level, q.contacts) for q in mine if q.service_level is not None]
        total = sum(c for _, c in weighted)
        days.append(ClientDay(
            day, sum(q.contacts for q in mine), sum(q.required_hours for q in mine),
            sum(q.scheduled_hours for q in mine), sum(q.short_hours for q in mine),
            sum(v * c for v, c in weighted) / total if total > 0 else None,
        ))
    billable = sum(qc.scheduled_total for qc in queues) * hours
    return Outlook(client, roster, queues, queue_days, days, billable,
                   _explained(session, client, roster, keys) if explain else [])


def _daily_levels(levels: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """Per (queue, day): the contact-weighted mean of the interval levels (left out where a
    day has no contacts or no defined level)."""
    if levels is None or levels.empty:
        return {}
    weight = levels["contacts"].to_numpy(dtype=float)
    weighted = levels["service_level"].to_numpy(dtype=float) * weight
    frame = pd.DataFrame({"queue": levels["queue"], "day": levels["day"], "weight": weight,
                          "weighted": np.nan_to_num(weighted), "undefined": np.isnan(weighted)})
    sums = frame.groupby(["queue", "day"], sort=False)[["weight", "weighted", "undefined"]].sum()
    found = {}
    for (queue, day), total, level_sum, undefined in zip(
            sums.index, sums["weight"], sums["weighted"], sums["undefined"], strict=True):
        if total > 0 and not undefined:  # one undefined interval leaves the day undefined
            found[str(queue), int(day)] = float(level_sum / total)
    return found


def _explained(session: Session, client: m.Client, roster: m.Roster, keys: set[str]) -> list[str]:
    """The client's shortfalls in a coordinator's words (scheduler.explain)."""
    problem = stored_problem(session, roster)
    names = {c.key: c.name for c in session.exec(select(m.Client))}
    found = explain_shortfall(problem, load_roster(session, roster.id), names)
    return [s.text for s in found if s.queue in keys]


def upcoming_published(session: Session, today: date) -> list[m.Roster]:
    """Published rosters that have not ended, in period order."""
    rows = session.exec(select(m.Roster).where(m.Roster.status == "published")).all()
    return sorted((r for r in rows if r.start_day + timedelta(days=r.days) > today),
                  key=lambda r: r.start_day)
