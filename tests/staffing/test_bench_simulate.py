"""The simulator's benchmark week: 300 agents, 24 queues, well inside a minute."""

from scheduler.bench_simulate import bench_world
from scheduler.simulate import model_from_roster, simulate


def test_a_300_agent_24_queue_week_simulates_in_under_a_minute():
    problem, forecast, targets, roster = bench_world(n_agents=300, seed=1)
    assert len(problem.agents) == 300 and len(problem.queues) == 24
    model = model_from_roster(problem, roster, forecast, targets,
                              patience_seconds={q.key: 180.0 for q in problem.queues
                                                if q.channel == "voice"})
    report = simulate(model, replications=2, seed=1, policy="certified")
    assert report.wall_seconds / 2 < 60
    assert report.contacts_simulated / 2 > 50_000
    for metrics in report.clients.values():
        assert 0.3 < metrics["service_level"].mean <= 1.0
        assert metrics["asa_seconds"].mean < 3600  # calls and chats only, not email
