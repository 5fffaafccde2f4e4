"""Which shifts an agent could work: rule window, grid, time off, opening hours, DST."""

from __future__ import annotations

from datetime import date

from tiny_instances import MONDAY, hours, make_agent, make_problem

from scheduler.candidates import agent_candidates


def starts_and_lengths(problem, agent, day=0):
    """(local start hour, length in hours) of the agent's candidates on a day."""
    grid = problem.grid
    return sorted(
        (grid.local(c.start).hour, (c.end - c.start) * grid.interval_minutes // 60)
        for c in agent_candidates(problem, agent).get(day, ())
    )


def test_every_start_and_length_of_the_rule_when_open_all_day():
    agent = make_agent(earliest_start_minute=8 * 60, latest_start_minute=10 * 60)
    problem = make_problem((agent,), open_hours={"q1": hours(0, 24)})
    assert starts_and_lengths(problem, agent) == [(8, 4), (8, 8), (9, 4), (9, 8), (10, 4), (10, 8)]


def test_meal_break_window_in_intervals_and_unpaid_minutes():
    agent = make_agent(earliest_start_minute=8 * 60, latest_start_minute=8 * 60,
                       lengths_minutes=(480,), meal_break_window_minutes=(150, 330))
    problem = make_problem((agent,), interval_minutes=30)
    (c,) = agent_candidates(problem, agent)[0]
    start = problem.grid.local_time_index(0, 8 * 60)
    assert c.break_starts == tuple(range(start + 5, start + 12))  # 2.5 h .. 5.5 h after start
    assert c.break_intervals == 2
    assert c.paid_minutes == 420


def test_shift_past_closing_stays_a_candidate_but_one_wholly_closed_does_not():
    """Time past closing is back-office work; a shift with no open interval is pointless."""
    agent = make_agent(earliest_start_minute=8 * 60, latest_start_minute=20 * 60)
    problem = make_problem((agent,))  # open 08-20
    shifts = starts_and_lengths(problem, agent)
    assert (16, 8) in shifts  # 16-24, half of it after closing
    assert all(start < 20 for start, _ in shifts)  # a 20:00 start would be wholly closed


def test_no_candidates_on_time_off_or_when_no_skilled_queue_opens():
    # Monday is time off; on Tuesday only q2 (not certified) opens; Wednesday is ordinary
    agent = make_agent(skills=("q1",), time_off=(MONDAY,))
    problem = make_problem((agent,), days=3, queues=("q1", "q2"),
                           open_hours={"q1": lambda d, m: d != 1 and 8 * 60 <= m < 20 * 60,
                                       "q2": hours(0, 24)})
    assert set(agent_candidates(problem, agent)) == {2}


def test_shift_may_not_run_past_the_end_of_the_period():
    agent = make_agent(earliest_start_minute=20 * 60, latest_start_minute=22 * 60,
                       lengths_minutes=(240,))
    problem = make_problem((agent,), open_hours={"q1": hours(0, 24)})
    assert starts_and_lengths(problem, agent) == [(20, 4)]


def test_start_skipped_by_spring_dst_change():
    agent = make_agent(earliest_start_minute=2 * 60, latest_start_minute=4 * 60,
                       lengths_minutes=(240,))
    problem = make_problem((agent,), start_day=date(2025, 3, 30), open_hours={"q1": hours(0, 24)})
    assert starts_and_lengths(problem, agent) == [(2, 4), (4, 4)]  # 03:00 does not exist
