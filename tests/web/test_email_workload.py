"""The planning pipeline hands email to the solver as cumulative workload, not as peaks."""

from __future__ import annotations

import pytest
from sqlmodel import select

from scheduler.grid import Grid
from web import models as m
from web import pipeline
from web.planning import service_target

from .conftest import next_monday


def test_plan_period_gives_the_solver_each_email_queues_workload(session, monkeypatch):  # noqa: ANN001
    seen = {}

    def capture(problem, **_options):  # noqa: ANN001, ANN202
        seen["problem"] = problem
        raise pipeline.PlanningCancelled("captured the problem")

    monkeypatch.setattr(pipeline, "roster_for", capture)
    grid = Grid(next_monday(pipeline.load_history(session)["interval_start"].max().date()),
                7, 30)
    with pytest.raises(pipeline.PlanningCancelled):
        pipeline.plan_period(session, grid=grid, time_limit_seconds=1)
    problem = seen["problem"]
    queues = {q.key: q for q in session.exec(select(m.Queue))}
    email = {key for key, q in queues.items() if q.channel == "email"}
    assert email and set(problem.workload) == email
    # the work is the forecast's contacts x AHT at the occupancy cap, in agent-minutes
    forecast = pipeline.forecast_queues(pipeline.load_history(session), grid)
    for key in email:
        rows = forecast[forecast["queue"] == key]
        target = service_target(queues[key])
        expected = float((rows["contacts"] * rows["aht_seconds"].fillna(0)).sum()) / 60 \
            / target.max_occupancy
        work = problem.workload[key]
        assert sum(work.arrived) == pytest.approx(expected, abs=1)
        assert work.window_intervals == target.response_minutes // 30
        assert 0 < sum(work.due) <= sum(work.arrived)
