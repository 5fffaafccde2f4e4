"""Shortfalls explained in business words; contradictory hard rules name rules and agents."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny_instances import MONDAY, hours, make_agent, make_problem

from scheduler.domain import Queue
from scheduler.explain import explain_infeasible, explain_shortfall
from scheduler.solve import solve

SATURDAY = MONDAY + timedelta(days=5)


def webshop_saturday():
    """Webshop chat sv needs 3 agents Sat 14-16 and 1 at 17; 4 certified, 2 on time off."""
    agents = (
        make_agent("a1", ("q1",), lengths_minutes=(240,), earliest_start_minute=12 * 60),
        make_agent("a2", ("q1",), lengths_minutes=(240,), time_off=(SATURDAY,)),
        make_agent("a3", ("q1",), lengths_minutes=(240,), time_off=(SATURDAY,)),
        make_agent("a4", ("q1", "q2"), lengths_minutes=(240,), earliest_start_minute=12 * 60),
        make_agent("a5", ("q2",), lengths_minutes=(240,)),
    )
    need = {"q1": lambda d, m: 3 * hours(14, 16)(d, m) + hours(17, 18)(d, m),
            "q2": hours(12, 20, 2)}
    problem = make_problem(agents, queues=("q1", "q2"), start_day=SATURDAY, need=need)
    webshop = Queue("q1", "webshop", "chat", "sv")
    return replace(problem, queues=(webshop, replace(problem.queues[1], client="kauppa")))


def test_shortfall_sentence_groups_intervals_and_counts_reasons():
    problem = webshop_saturday()
    result = solve(problem, time_limit_seconds=5)
    explained = explain_shortfall(problem, result.roster, {"webshop": "Webshop"})
    first = next(s for s in explained if s.queue == "q1")
    assert first.text.startswith("Webshop chat sv, Sat 08.03. 14:00–16:00, short ")
    assert "only 4 certified agents" in first.text
    assert "2 on approved time off" in first.text
    assert first.reasons["certified"] == 4 and first.reasons["time off"] == 2
    assert first.end - first.first == 2  # two hourly intervals in one sentence
    # every missing agent-interval belongs to exactly one explained run
    assert sum(result.shortfall["q1"]) == sum(
        sum(result.shortfall[s.queue][s.first:s.end]) for s in explained if s.queue == "q1")


def test_nobody_certified_is_said_plainly():
    problem = make_problem((make_agent("a1", ("q1",)),), queues=("q1", "q2"),
                           need={"q2": hours(9, 10)})
    result = solve(problem, time_limit_seconds=5)
    (only,) = explain_shortfall(problem, result.roster)
    assert only.text == "acme voice fi, Mon 03.03. 09:00–10:00, short 1: no agent is certified " \
                        "for this queue"


def test_contradiction_names_agent_and_rules():
    # kaisa must work 5 long days in a row but may only work 3 in a row; a1 is fine
    kaisa = make_agent("kaisa", min_week=7 * 420, lengths_minutes=(480,), contract={
        "max_consecutive_days": 3, "min_weekly_rest_minutes": 0})
    problem = make_problem((make_agent(), kaisa), days=5)
    result = solve(problem, time_limit_seconds=5)
    assert result.status == "INFEASIBLE"
    (found,) = explain_infeasible(problem)
    assert found.agent == "kaisa"
    assert set(found.rules) == {"weekly_paid_minutes", "max_consecutive_days"}
    assert "kaisa" in found.text and "consecutive working days" in found.text
    assert "kaisa" in result.message and "consecutive working days" in result.message
