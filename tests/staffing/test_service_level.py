"""Projected service level of a roster: per interval, per day, per client."""

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from scheduler.domain import (
    Activity,
    Agent,
    Contract,
    Problem,
    Queue,
    Roster,
    ServiceTarget,
    Shift,
    ShiftRule,
)
from scheduler.erlang_a import erlang_a
from scheduler.grid import Grid
from scheduler.service_level import (
    QueueForecast,
    client_service_level,
    daily_service_level,
    deferred_service_level,
    forecast_from_frame,
    interval_service_levels,
    projected_service_level,
)
from scheduler.staffing import average_speed_of_answer, service_level

MONDAY = date(2025, 3, 3)
RULE = ShiftRule("day", 0, 23 * 60, (480,))
CONTRACT = Contract("test", 0, 5000)
VOICE = Queue("acme-voice-fi", "acme", "voice", "fi")
CHAT = Queue("acme-chat-fi", "acme", "chat", "fi")
EMAIL = Queue("bolt-email-fi", "bolt", "email", "fi")
TARGETS = {
    VOICE.key: ServiceTarget(0.8, 20),
    CHAT.key: ServiceTarget(0.8, 60, concurrency=2),
    EMAIL.key: ServiceTarget(0.9, 0, max_occupancy=1.0, response_minutes=120),
}


def _grid(days: int = 1) -> Grid:
    return Grid(MONDAY, days, 60)


def _flat(grid: Grid, contacts: float, aht: float) -> QueueForecast:
    return QueueForecast((contacts,) * grid.n_intervals, (aht,) * grid.n_intervals)


def test_voice_interval_matches_erlang_c_and_empty_intervals_are_perfect():
    grid = _grid()
    agents = {VOICE.key: (14,) * 10 + (0,) * 14}
    contacts = (200.0,) * 10 + (0.0,) * 14
    forecast = {VOICE.key: QueueForecast(contacts, (180.0,) * 24)}
    levels = interval_service_levels(grid, [VOICE], agents, forecast, TARGETS)
    busy = levels.iloc[0]
    # 200 calls an hour is the Call Centre Helper case (100 per 30 min): SL 0.888 with 14 agents
    assert busy["service_level"] == pytest.approx(service_level(200, 180, 60, 14, 20))
    assert busy["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert busy["asa_seconds"] == pytest.approx(average_speed_of_answer(200, 180, 60, 14))
    assert busy["model"] == "erlang_c" and busy["met"]
    quiet = levels.iloc[12]
    assert quiet["service_level"] == 1.0 and quiet["met"]


def test_understaffed_voice_interval_has_no_service_and_misses_its_target():
    grid = _grid()
    levels = interval_service_levels(grid, [VOICE], {VOICE.key: (10,) * 24},
                                     {VOICE.key: _flat(grid, 200, 180)}, TARGETS)
    assert levels["service_level"].eq(0.0).all()  # 10 Erlangs on 10 agents
    assert np.isinf(levels["asa_seconds"]).all() and not levels["met"].any()


def test_patience_switches_voice_to_erlang_a():
    grid = _grid()
    levels = interval_service_levels(grid, [VOICE], {VOICE.key: (12,) * 24},
                                     {VOICE.key: _flat(grid, 200, 180)}, TARGETS,
                                     patience_seconds={VOICE.key: 90})
    expected = erlang_a(200, 180, 60, 12, 20, 90)
    row = levels.iloc[0]
    assert row["model"] == "erlang_a"
    assert row["service_level"] == pytest.approx(expected.service_level)
    assert row["abandon_share"] == pytest.approx(expected.abandon_probability)
    assert row["abandon_share"] > 0


def test_chat_uses_aht_over_concurrency():
    grid = _grid()
    levels = interval_service_levels(grid, [CHAT], {CHAT.key: (8,) * 24},
                                     {CHAT.key: _flat(grid, 60, 600)}, TARGETS)
    assert levels.iloc[0]["service_level"] == pytest.approx(service_level(60, 300, 60, 8, 60))
    assert levels.iloc[0]["model"] == "chat_concurrency"


def test_more_agents_never_lower_the_projected_level():
    grid = _grid()
    forecast = {VOICE.key: _flat(grid, 150, 200)}
    previous = -1.0
    for n in range(0, 20):
        level = interval_service_levels(grid, [VOICE], {VOICE.key: (n,) * 24}, forecast,
                                        TARGETS).iloc[0]["service_level"]
        assert level >= previous
        previous = level


def test_deferred_work_fully_done_within_window_when_capacity_suffices():
    # 2 hours of work an hour, 2 agents an hour: everything done in its own interval
    level = deferred_service_level(np.full(6, 7200.0), np.full(6, 2), np.ones(6, bool), 2, 3600)
    assert level == pytest.approx(np.ones(6))


def test_deferred_backlog_misses_the_window_share_by_share():
    # 3 h of work arrives in hour 0, one agent, window 2 h: two thirds done in time
    work = np.array([3 * 3600.0, 0, 0, 0])
    level = deferred_service_level(work, np.ones(4), np.ones(4, bool), 2, 3600)
    assert level[0] == pytest.approx(2 / 3)
    assert level[1:] == pytest.approx([1.0, 1.0, 1.0])


def test_deferred_work_waits_over_closed_hours_fifo():
    # arrives while closed (hour 0), window 1 open hour: done in hour 2 by the agent there;
    # hour 2's own arrivals queue behind it and miss their one-hour window
    work = np.array([3600.0, 0, 3600.0, 0])
    is_open = np.array([False, False, True, True])
    level = deferred_service_level(work, np.array([0, 0, 1, 5]), is_open, 1, 3600)
    assert level[0] == pytest.approx(1.0)
    assert level[2] == pytest.approx(0.0)


def test_deferred_work_due_after_the_period_counts_as_on_time():
    level = deferred_service_level(np.array([0, 0, 0, 3600.0]), np.zeros(4), np.ones(4, bool),
                                   2, 3600)
    assert level[3] == 1.0


def _problem(days: int = 1) -> Problem:
    grid = _grid(days)
    queues = (VOICE, CHAT, EMAIL)
    agents = tuple(
        Agent(f"a{i}", f"A{i}", frozenset(q.key for q in queues), CONTRACT, RULE)
        for i in range(20)
    )
    zero = {q.key: (0,) * grid.n_intervals for q in queues}
    opened = {q.key: (True,) * grid.n_intervals for q in queues}
    return Problem(grid, queues, agents, zero, opened)


def _roster(problem: Problem, plan: dict[str, tuple[int, int, int]]) -> Roster:
    """`plan[queue] = (agents, first hour, last hour)` on day 0."""
    grid = problem.grid
    shifts, i = [], 0
    for queue, (count, first, last) in plan.items():
        for _ in range(count):
            start, end = grid.interval_start(first), grid.interval_start(last)
            shifts.append(Shift(f"a{i}", MONDAY, start, end, (), (Activity(queue, start, end),)))
            i += 1
    return Roster(tuple(shifts))


def test_roster_projection_per_day_and_client_is_contact_weighted():
    problem = _problem(days=2)
    n = problem.grid.n_intervals
    contacts = [0.0] * n
    contacts[8], contacts[9] = 100.0, 300.0  # Monday 08-10
    contacts[24 + 8] = 100.0  # Tuesday 08-09: nobody rostered
    forecast = {VOICE.key: QueueForecast(tuple(contacts), (180.0,) * n)}
    roster = _roster(problem, {VOICE.key: (12, 8, 10)})
    levels = projected_service_level(problem, roster, forecast, TARGETS)
    voice = levels[levels["queue"] == VOICE.key]
    assert voice["agents"].iloc[8] == 12 and voice["agents"].iloc[10] == 0
    sl8 = service_level(100, 180, 60, 12, 20)
    sl9 = service_level(300, 180, 60, 12, 20)
    daily = daily_service_level(levels).set_index(["queue", "day"])
    assert daily.loc[(VOICE.key, 0), "service_level"] == pytest.approx((100 * sl8 + 300 * sl9)
                                                                        / 400)
    assert daily.loc[(VOICE.key, 1), "service_level"] == 0.0
    assert math.isnan(daily.loc[(CHAT.key, 0), "service_level"])  # no chats forecast
    clients = client_service_level(levels, by_day=False).set_index("client")
    assert clients.loc["acme", "contacts"] == 500
    assert clients.loc["acme", "service_level"] == pytest.approx((100 * sl8 + 300 * sl9) / 500)
    assert clients.loc["bolt", "contacts"] == 0


def test_email_projection_from_the_roster():
    problem = _problem()
    n = problem.grid.n_intervals
    contacts = [0.0] * n
    contacts[8] = 30.0  # 30 emails x 6 min = 3 agent-hours, window 2 h, 1 agent 08-12
    forecast = {EMAIL.key: QueueForecast(tuple(contacts), (360.0,) * n)}
    levels = projected_service_level(problem, _roster(problem, {EMAIL.key: (1, 8, 12)}),
                                     forecast, TARGETS)
    email = levels[levels["queue"] == EMAIL.key].set_index("interval")
    assert email.loc[8, "model"] == "email_deferred"
    assert email.loc[8, "service_level"] == pytest.approx(2 / 3)
    assert not email.loc[8, "met"]


def test_forecast_frame_lands_on_the_grid():
    grid = _grid()
    frame = pd.DataFrame({
        "interval_start": [grid.interval_start(3), grid.interval_start(5),
                           grid.interval_start(0) - timedelta(hours=1)],
        "queue": [VOICE.key, VOICE.key, VOICE.key],
        "contacts": [10.0, 20.0, 99.0],
        "aht_seconds": [100.0, 200.0, 300.0],
    })
    forecast = forecast_from_frame(frame, grid)[VOICE.key]
    assert forecast.contacts[3] == 10 and forecast.contacts[5] == 20
    assert sum(forecast.contacts) == 30 and forecast.aht_seconds[5] == 200
    levels = interval_service_levels(grid, [VOICE], {VOICE.key: (3,) * 24}, frame, TARGETS)
    assert levels.iloc[3]["contacts"] == 10


def test_a_targets_patience_makes_the_projection_erlang_a():
    grid = Grid(date(2025, 9, 1), 1, 30)
    queue = Queue("t-voice-fi", "t", "voice", "fi")
    n = grid.n_intervals
    forecast = {"t-voice-fi": QueueForecast((100.0,) * n, (180.0,) * n)}
    staffed = {"t-voice-fi": (14,) * n}
    patient = {"t-voice-fi": ServiceTarget(patience_seconds=120)}
    by_target = interval_service_levels(grid, [queue], staffed, forecast, patient)
    by_mapping = interval_service_levels(grid, [queue], staffed, forecast,
                                         {"t-voice-fi": ServiceTarget()},
                                         patience_seconds={"t-voice-fi": 120})
    assert set(by_target["model"]) == {"erlang_a"}
    assert by_target["abandon_share"].tolist() == by_mapping["abandon_share"].tolist()
    assert (by_target["abandon_share"] > 0).all()
