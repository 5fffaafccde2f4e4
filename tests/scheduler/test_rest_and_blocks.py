"""Weekly rest, consecutive working days, rest across the previous roster, activity blocks.

Each rule is solved on a tiny instance (exact penalty, validated roster) and broken in a
hand-built roster that the validator must name.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny_instances import MONDAY, assert_valid, hours, local, make_agent, make_problem

from scheduler.domain import Activity, Roster, Shift
from scheduler.solve import solve
from scheduler.validate import validate

WEIGHT = 100
SUNDAY_BEFORE = MONDAY - timedelta(days=1)


def day(d: int):
    """The d-th day of the test period."""
    return MONDAY + timedelta(days=d)


def shift(agent: str, d: int, first: int, last: int, queue: str = "q1") -> Shift:
    """A shift without break on day d from local hour `first` to `last` (may pass 24)."""
    start = local(day(d), 0) + timedelta(hours=first)
    end = local(day(d), 0) + timedelta(hours=last)
    return Shift(agent, day(d), start, end, activities=(Activity(queue, start, end),))


def broken(problem, roster) -> set[str]:
    """Rule names the validator reports."""
    return {v.rule for v in validate(problem, Roster(tuple(roster)))}


def late_week(weekly_rest_minutes: int):
    """Eight days of demand 16-20; 4 h shifts; a published Sunday evening shift before."""
    agent = make_agent(lengths_minutes=(240,), contract={
        "min_weekly_rest_minutes": weekly_rest_minutes, "max_consecutive_days": 10})
    problem = make_problem((agent,), days=8, need={"q1": hours(16, 20)})
    return replace(problem, fixed_before={"a1": (shift("a1", -1, 16, 20),)})


def test_weekly_rest_needs_a_day_off_and_its_length():
    assert solve(late_week(0), time_limit_seconds=5).objective == 0
    # 35 h: one day off is enough (Sat 20:00 to Mon 16:00 is 44 h)
    result = solve(late_week(35 * 60), time_limit_seconds=5)
    assert_valid(late_week(35 * 60), result)
    assert result.objective == 4 * WEIGHT
    # 48 h: one more evening must move or go (44 h between two evening shifts is too short)
    result = solve(late_week(48 * 60), time_limit_seconds=5)
    assert_valid(late_week(48 * 60), result)
    assert result.penalties["understaffing"] == 8 * WEIGHT


def test_validator_names_missing_weekly_rest():
    problem = late_week(35 * 60)
    every_evening = [shift("a1", d, 16, 20) for d in range(8)]
    assert "weekly_rest" in broken(problem, every_evening)
    assert "weekly_rest" not in broken(problem, every_evening[:3] + every_evening[4:])
    # a day off between evening and morning shifts is only 24 h + 12 h... of 35 needed? 36 h: ok
    assert "weekly_rest" not in broken(
        problem, every_evening[:3] + [shift("a1", 4, 8, 12)] + every_evening[5:])
    # but a day off between a night shift ending 04:00 and an 08:00 start is 28 h
    assert "weekly_rest" in broken(
        problem, [shift("a1", d, 8, 12) for d in (0, 1)] + [shift("a1", 2, 20, 28)]
        + [shift("a1", d, 8, 12) for d in (4, 5, 6, 7)])


def consecutive(limit: int, published: bool):
    """A week of demand 8-12 for an agent allowed `limit` days in a row."""
    agent = make_agent(lengths_minutes=(240,), contract={
        "max_consecutive_days": limit, "min_weekly_rest_minutes": 0})
    problem = make_problem((agent,), days=7, need={"q1": hours(8, 12)})
    if published:
        before = (shift("a1", -2, 8, 12), shift("a1", -1, 8, 12))
        problem = replace(problem, fixed_before={"a1": before})
    return problem


def test_max_consecutive_days_counts_the_published_weekend():
    result = solve(consecutive(3, published=False), time_limit_seconds=5)
    assert_valid(consecutive(3, published=False), result)
    assert result.penalties["understaffing"] == 4 * WEIGHT  # W W W - W W W
    result = solve(consecutive(3, published=True), time_limit_seconds=5)
    assert_valid(consecutive(3, published=True), result)
    assert result.penalties["understaffing"] == 8 * WEIGHT  # (W W) W - W W W - W: two off
    assert solve(consecutive(9, published=True), time_limit_seconds=5).objective == 0


def test_validator_names_too_many_days_in_a_row():
    problem = consecutive(3, published=True)
    assert "max_consecutive_days" in broken(problem, [shift("a1", 0, 8, 12),
                                                      shift("a1", 1, 8, 12)])
    assert "max_consecutive_days" not in broken(problem, [shift("a1", 0, 8, 12),
                                                          shift("a1", 2, 8, 12)])


def after_late_sunday():
    """Monday demand 8-12 after a published Sunday shift until midnight."""
    problem = make_problem((make_agent(lengths_minutes=(240,)),), need={"q1": hours(8, 12)})
    return replace(problem, fixed_before={"a1": (shift("a1", -1, 20, 24),)})


def test_daily_rest_after_the_published_roster():
    problem = after_late_sunday()
    result = solve(problem, time_limit_seconds=5)
    assert_valid(problem, result)
    (monday,) = result.roster.shifts
    assert monday.start >= local(MONDAY, 11)
    assert result.objective == 3 * WEIGHT + 3  # 08-11 short, 12-15 surplus
    assert "daily_rest" in broken(problem, [shift("a1", 0, 8, 12)])
    assert broken(problem, [shift("a1", 0, 11, 15)]) == set()


def ping_pong(min_activity_minutes: int, second_client: str = "globex"):
    """Half-hour demand alternating between q1 (acme) and q2 (another client) from 08 to 12,
    one agent for both."""
    agent = make_agent(skills=("q1", "q2"), lengths_minutes=(240,),
                       min_activity_minutes=min_activity_minutes)

    def alternate(parity: int):
        return lambda d, m: int(8 * 60 <= m < 12 * 60 and (m // 30) % 2 == parity)

    return make_problem((agent,), queues=("q1", "q2"), interval_minutes=30,
                        need={"q1": alternate(0), "q2": alternate(1)},
                        clients={"q2": second_client})


def test_min_activity_block_stops_ping_pong():
    free = ping_pong(30)
    result = solve(free, time_limit_seconds=5)
    assert_valid(free, result)
    # all covered; the 7 switches of queue each cost the soft block_switches weight 1
    assert result.objective == 7 == result.penalties["block_switches"]
    blocked = ping_pong(60)
    result = solve(blocked, time_limit_seconds=5)
    assert_valid(blocked, result)
    # blocks of at least 60 min cover 5 of the 8 half hours at best (90, 90, 60 or 90, 150
    # min); the rest is surplus, and the one switch of 90 + 150 beats the two of 90, 90, 60
    assert result.status == "OPTIMAL"
    assert result.objective == 3 * WEIGHT + 3 + 1
    assert result.penalties["block_switches"] == 1
    (worked,) = result.roster.shifts
    assert all(a.end - a.start >= timedelta(minutes=60) for a in worked.activities)
    assert len(worked.activities) == 2


def test_switching_between_one_clients_channels_is_no_switch_of_client():
    same_client = ping_pong(60, second_client="acme")
    result = solve(same_client, time_limit_seconds=5)
    assert_valid(same_client, result)
    assert result.penalties["understaffing"] == 0


def test_validator_names_short_block_next_to_a_switch():
    problem = ping_pong(60)
    at = lambda h, m=0: local(MONDAY, h, m)  # noqa: E731
    short = Shift("a1", MONDAY, at(8), at(12), activities=(
        Activity("q1", at(8), at(9)), Activity("q2", at(9), at(9, 30)),
        Activity("q1", at(9, 30), at(12))))
    assert broken(problem, [short]) == {"activity_block"}
    # a short block ended by back-office time is no switch
    apart = replace(short, activities=(Activity("q1", at(8), at(9)),
                                       Activity("q2", at(9, 30), at(10)),
                                       Activity("q2", at(10), at(12))))
    assert broken(problem, [apart]) == set()
