"""Email queues in a stored roster as deferred work: the backlog over the week, not per-interval
agents.

An email queue's requirement is spread over the response window, so "required agents per
interval" says little about whether replies go out in time. What a coordinator or a client
wants to see is the work waiting at each moment and how much of it is past the response
target: the same FIFO fluid backlog the projected service level uses
(scheduler.service_level.deferred_backlog).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup
from sqlmodel import Session

from scheduler.service_level import deferred_backlog, forecast_from_frame
from web import models as m
from web.charts import backlog_svg
from web.planning import grid_of, open_flags, opening_hours, service_target
from web.replanning import stored_requirement_frame
from web.reports import QueueCoverage


@dataclass(frozen=True)
class EmailBacklog:
    """One email queue's backlog in agent-hours of handling at the end of each interval."""

    queue: m.Queue
    waiting_hours: tuple[float, ...]
    overdue_hours: tuple[float, ...]
    response_hours: float

    @property
    def peak_waiting_hours(self) -> float:
        """The largest backlog of the week."""
        return max(self.waiting_hours, default=0.0)

    @property
    def peak_overdue_hours(self) -> float:
        """The most work past its response target at any one time."""
        return max(self.overdue_hours, default=0.0)

    @property
    def left_at_end_hours(self) -> float:
        """Work still waiting when the period ends (the next period's to answer)."""
        return self.waiting_hours[-1] if self.waiting_hours else 0.0


def email_backlogs(
    session: Session, roster: m.Roster, queues: list[QueueCoverage], *,
    requirement: pd.DataFrame | None = None,
) -> dict[str, EmailBacklog]:
    """The backlog of every email queue among `queues`, from the roster's scheduled agents
    (`requirement`: the roster's stored requirement frame, when the caller has it)."""
    email = [qc for qc in queues if qc.queue.channel == "email"]
    if not email:
        return {}
    grid = grid_of(roster)
    frame = stored_requirement_frame(session, roster.requirement_id, [qc.queue.id for qc in email]
                                     ) if requirement is None else requirement
    forecast = forecast_from_frame(frame, grid)
    found = {}
    for qc in email:
        target = service_target(qc.queue)
        load = forecast.get(qc.queue.key)
        if load is None:
            continue
        backlog = deferred_backlog(
            np.multiply(load.contacts, load.aht_seconds),
            np.asarray(qc.scheduled),
            np.asarray(open_flags(grid, opening_hours(qc.queue))),
            max(1, target.response_minutes // grid.interval_minutes),
            grid.interval_minutes * 60 * target.max_occupancy,
        )
        found[qc.queue.key] = EmailBacklog(
            qc.queue,
            tuple(float(v) / 3600 for v in backlog.waiting),
            tuple(float(v) / 3600 for v in backlog.overdue),
            target.response_minutes / 60,
        )
    return found


def backlog_charts(
    queues: list[QueueCoverage], backlogs: dict[str, EmailBacklog]
) -> dict[str, Markup]:
    """A backlog chart per email queue, titled with its queue."""
    return {
        qc.queue.key: backlog_svg(qc.starts, backlog.waiting_hours, backlog.overdue_hours,
                                  title=f"{qc.queue.name}: email backlog",
                                  response_hours=backlog.response_hours)
        for qc in queues if (backlog := backlogs.get(qc.queue.key)) is not None
    }
