"""Server time of the busiest pages on a 300-agent world (python -m web.bench_pages).

Builds the demo world with its teams repeated to 300 agents and its contact history scaled to
match, forecasts and staffs a week, rosters it with the greedy planner (CP-SAT on 300 agents
takes minutes and the pages do not care how good the roster is), publishes it, then times in
process (WSGI, no network, so it is the server's time) an agent's schedule page and the
coordinator's week roster. Targets: agent page under 100 ms, week roster under 1 s. Figures
on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from fixtures.history import generate_history
from fixtures.world import DemoWorld, UserSpec, build_world
from scheduler.domain import SolveResult
from scheduler.greedy import greedy_roster
from scheduler.grid import Grid
from web import create_app
from web import models as m
from web.db import make_engine, reset_schema
from web.pipeline import (
    forecast_queues,
    load_history,
    staff_queues,
    store_forecast,
    store_requirement,
)
from web.planning import build_problem, requirement_from_frame, save_draft
from web.seed import seed_world, store_history

AGENT_PAGE_TARGET_MS = 100
ROSTER_PAGE_TARGET_MS = 1000
PASSWORD = "bench-password"


def scaled_world(agents: int, seed: int = 7, today=None) -> DemoWorld:  # noqa: ANN001
    """The demo world with its agents repeated (new keys, names and logins) to `agents`."""
    world = build_world(seed, today=today)
    made, users = [], [u for u in world.users if u.role != "agent"]
    for i in range(agents):
        spec = world.agents[i % len(world.agents)]
        copy = i // len(world.agents)
        agent = dataclasses.replace(spec, key=f"a{i + 1:03d}",
                                    name=spec.name + (f" {copy + 1}" if copy else ""))
        made.append(agent)
        users.append(UserSpec(f"agent{i + 1:03d}", PASSWORD, "agent", agent.name,
                              agent_key=agent.key))
    return dataclasses.replace(world, agents=tuple(made), users=tuple(users))


def build(database_url: str, agents: int) -> tuple[DemoWorld, int]:
    """Seed, forecast, staff (volumes scaled to the team) and publish a greedy roster."""
    world = scaled_world(agents)
    scale = agents / len(build_world(7).agents)
    engine = make_engine(database_url)
    reset_schema(engine)
    history = generate_history(world, end=world.start_day, weeks=8, interval_minutes=30)
    history["contacts"] = (history["contacts"] * scale).round().astype(int)
    grid = Grid(world.start_day, 7, 30)
    with Session(engine) as session:
        seed_world(session, world)
        store_history(session, history, 30)
        session.commit()
        forecast = forecast_queues(load_history(session), grid)
        requirement = staff_queues(session, forecast, grid)
        problem = build_problem(session, grid=grid,
                                requirement=requirement_from_frame(requirement, grid))
        started = time.perf_counter()
        roster = greedy_roster(problem)
        print(f"  greedy roster: {len(roster.shifts)} shifts in "
              f"{time.perf_counter() - started:.1f} s")
        forecast_row = store_forecast(session, forecast, grid=grid, created_by="bench")
        requirement_row = store_requirement(session, requirement, forecast_row)
        draft = save_draft(session, SolveResult(roster, "GREEDY", 0.0, 0.0, 0.0),
                           requirement_id=requirement_row.id, grid=grid)
        draft.status, draft.version, draft.published_at = "published", 1, m.utcnow()
        session.add(draft)
        session.commit()
        roster_id = draft.id
    engine.dispose()
    return world, roster_id


def _time(client, path: str, repeats: int) -> list[float]:  # noqa: ANN001
    """Milliseconds per GET of a path, after one warm-up request."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def _login(app, username: str, password: str):  # noqa: ANN001, ANN202
    """A test client logged in through the form."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": password})
    return client


def main(argv: list[str] | None = None) -> int:
    """Build the world, time the pages, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m web.bench_pages", description=__doc__)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        print(f"• building a {args.agents}-agent world on {url.split('://')[0]}")
        started = time.perf_counter()
        world, roster_id = build(url, args.agents)
        print(f"  done in {time.perf_counter() - started:.1f} s")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "TODAY": world.start_day})
        with Session(app.extensions["vuoro_engine"]) as session:
            per_agent = Counter(session.exec(select(m.Shift.agent_id).where(
                m.Shift.roster_id == roster_id)))
            busiest = session.get(m.Agent, per_agent.most_common(1)[0][0])
            shifts = sum(per_agent.values())
        coordinator = next(u for u in world.users if u.role == "coordinator")
        agent_user = next(u for u in world.users if u.agent_key == busiest.key)
        as_agent = _login(app, agent_user.username, agent_user.password)
        as_coordinator = _login(app, coordinator.username, coordinator.password)
        client_user = next(u for u in world.users if u.role == "client")
        with Session(app.extensions["vuoro_engine"]) as session:
            client_key = session.exec(select(m.Client.key).where(
                m.Client.key == client_user.client_key)).one()
        as_client = _login(app, client_user.username, client_user.password)
        results = [
            ("agent schedule page", f"/agents/{busiest.key}/shifts", as_agent,
             AGENT_PAGE_TARGET_MS),
            (f"coordinator week roster ({args.agents} agents, {shifts} shifts)",
             f"/coordinator/roster?roster={roster_id}", as_coordinator, ROSTER_PAGE_TARGET_MS),
            ("coordinator coverage (every queue, email backlogs)",
             f"/coordinator/coverage?roster={roster_id}", as_coordinator, ROSTER_PAGE_TARGET_MS),
            (f"client coverage ({client_user.username})", f"/clients/{client_key}/coverage",
             as_client, ROSTER_PAGE_TARGET_MS),
        ]
        print(f"• {args.repeats} requests each, in process (server time only)")
        for name, path, client, target in results:
            times = _time(client, path, args.repeats)
            median = statistics.median(times)
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            mark = "ok" if median < target else "OVER TARGET"
            print(f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms "
                  f"(target < {target} ms: {mark})")
        app.extensions["vuoro_engine"].dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
