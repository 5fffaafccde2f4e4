"""The week-pattern bound never exceeds a proven optimum, and sees rules the aggregated LP drops."""

from __future__ import annotations

from tiny_instances import make_agent, make_problem

from scheduler import aggregate
from scheduler.lower_bound import lp_bound
from scheduler.solve import solve
from scheduler.week_bound import applies, week_bound


def _rest_bites():
    """One agent, six 4-h shifts; demand alternates late (18-22) and early (06-10) by day,
    and daily rest forbids an early shift after a late one, which the aggregated LP allows."""
    agent = make_agent(min_week=6 * 240, max_week=6 * 240, lengths_minutes=(240,),
                       earliest_start_minute=6 * 60, latest_start_minute=18 * 60,
                       start_step_minutes=12 * 60, contract={"min_weekly_rest_minutes": 0})

    def need(d: int, m: int) -> int:
        late = d % 2 == 0
        return int(18 * 60 <= m < 22 * 60 if late else 6 * 60 <= m < 10 * 60)

    return make_problem((agent,), days=7, need={"q1": need}, open_hours={"q1": lambda d, m: 1})


def test_the_week_bound_is_below_the_optimum_and_above_the_aggregated_lp(monkeypatch):
    problem = _rest_bites()
    assert applies(problem)
    result = solve(problem, time_limit_seconds=20)
    assert result.status == "OPTIMAL"
    bound = week_bound(problem, time_limit_seconds=20)
    # the aggregated LP's daily-rest cuts see this case too; without them it is far below
    with_cuts = lp_bound(problem)
    monkeypatch.setattr(aggregate, "REST_CUTS", False)
    aggregated = lp_bound(problem)
    assert aggregated.value < bound.value <= result.objective
    assert aggregated.value < with_cuts.value <= result.objective
