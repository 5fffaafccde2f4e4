"""The `vuoro` command: demo, serve, db upgrade, and the file-based tools' subcommands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import date

import waitress
from redis import Redis
from rq import Worker
from sqlmodel import Session

from fixtures.history import generate_history
from fixtures.world import DemoWorld, build_world
from forecasts import cli as forecast_cli
from scheduler import bench_schedule, erlang_cli
from scheduler import cli as schedule_cli
from scheduler.grid import Grid
from web import create_app
from web.clock import site_today
from web.db import create_schema, make_engine, reset_schema, upgrade_schema
from web.jobs import QUEUE_NAME
from web.pipeline import plan_period
from web.planning import publish
from web.seed import seed_world, store_history

DEMO_INTERVAL_MINUTES = 30


def _step(message: str) -> float:
    """Print a pipeline step and return its start time."""
    print(f"• {message}", flush=True)
    return time.perf_counter()


def _done(started: float, detail: str = "") -> None:
    """Print how long a step took."""
    print(f"  done in {time.perf_counter() - started:.1f} s{' — ' + detail if detail else ''}")


class SolveProgressBar:
    """A one-line progress bar for a solve: time used, objective and bound."""

    def __init__(self, time_limit_seconds: float, width: int = 30) -> None:
        self.time_limit_seconds = time_limit_seconds
        self.width = width

    def __call__(self, seconds: float, objective: float, bound: float) -> None:
        """Redraw the bar with the solver's latest solution."""
        share = min(1.0, seconds / self.time_limit_seconds) if self.time_limit_seconds else 1.0
        filled = int(share * self.width)
        bar = "█" * filled + "·" * (self.width - filled)
        sys.stdout.write(
            f"\r  [{bar}] {seconds:5.1f}/{self.time_limit_seconds:.0f} s  "
            f"objective {objective:,.0f}  bound {bound:,.0f}   "
        )
        sys.stdout.flush()


def run_demo(
    *, database_url: str | None, seed: int, today: date, time_limit_seconds: float
) -> DemoWorld:
    """Seed the demo world, forecast, staff, solve and publish next week's roster."""
    started = _step("Generating the demo world and a year of contact history")
    world = build_world(seed, today=today)
    history = generate_history(
        world, end=today, weeks=56, interval_minutes=DEMO_INTERVAL_MINUTES, seed=seed
    )
    engine = make_engine(database_url)
    reset_schema(engine)  # only now: a failure above leaves the old database as it was
    with Session(engine) as session:
        seed_world(session, world)
        rows = store_history(session, history, DEMO_INTERVAL_MINUTES)
        session.commit()
    _done(started, f"{len(world.clients)} clients, {len(world.queues)} queues, "
                   f"{len(world.agents)} agents, {rows:,} history intervals")
    grid = Grid(world.start_day, 7, DEMO_INTERVAL_MINUTES)
    started = _step(f"Forecasting and staffing the week of {grid.start_day:%d.%m.%Y}, then "
                    f"rostering all clients at once (CP-SAT, up to {time_limit_seconds:.0f} s)")
    with Session(engine) as session:
        roster, result = plan_period(
            session,
            grid=grid,
            time_limit_seconds=time_limit_seconds,
            created_by="demo",
            progress=SolveProgressBar(time_limit_seconds),
        )
        print()
        penalties = ", ".join(f"{name} {value:,}" for name, value in result.penalties.items())
        _done(started, f"{result.status}, {len(result.roster.shifts)} shifts ({penalties}); "
                       "validator: no broken rules")
        published = publish(session, roster.id)
        session.commit()
        print(f"• Published roster #{roster.id} as version {published.version}")
    engine.dispose()
    return world


def print_logins(world: DemoWorld) -> None:
    """Print one demo login per role (and one per client company)."""
    print("\nDemo logins (username / password):")
    seen_roles: set[str] = set()
    seen_clients: set[str] = set()
    for user in world.users:
        if user.role == "client":
            if user.client_key in seen_clients:
                continue
            seen_clients.add(user.client_key or "")
        elif user.role in seen_roles:
            continue
        seen_roles.add(user.role)
        print(f"  {user.role:<12} {user.username:<24} {user.password}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vuoro` console command."""
    parser = argparse.ArgumentParser(prog="vuoro", description=__doc__)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: $DATABASE_URL or SQLite)")
    commands = parser.add_subparsers(dest="command", required=True)
    forecast_cli.register(commands)
    erlang_cli.register(commands)
    schedule_cli.register(commands)
    bench_schedule.register(commands)
    demo = commands.add_parser("demo", help="seed, forecast, solve, publish and serve the demo")
    demo.add_argument("--no-serve", action="store_true", help="stop after publishing")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--today", type=date.fromisoformat, default=site_today())
    demo.add_argument("--time-limit", type=float, default=60.0, help="solver seconds")
    for sub in (demo, commands.add_parser("serve", help="serve the web app")):
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=5000)
    commands.add_parser("init-db", help="create or upgrade the database schema")
    worker = commands.add_parser("worker", help="run planning jobs from the Redis queue (RQ)")
    worker.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    worker.add_argument("--queue", default=QUEUE_NAME)
    db = commands.add_parser("db", help="database schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to a revision")
    upgrade.add_argument("revision", nargs="?", default="head")
    args = parser.parse_args(argv)

    if args.command == "forecast":
        return forecast_cli.run(args)
    if args.command == "erlang":
        return erlang_cli.run(args)
    if args.command in ("solve", "validate"):
        return schedule_cli.run(args)
    if args.command == "bench":
        return bench_schedule.run(args)
    if args.command == "init-db":
        create_schema(make_engine(args.database_url))
        print("Database ready.")
        return 0
    if args.command == "worker":
        with Redis.from_url(args.redis_url) as connection:
            Worker([args.queue], connection=connection).work()
        return 0
    if args.command == "db":
        engine = make_engine(args.database_url)
        upgrade_schema(engine, args.revision)
        print(f"Database schema at {args.revision}.")
        return 0
    if args.command == "demo":
        world = run_demo(
            database_url=args.database_url,
            seed=args.seed,
            today=args.today,
            time_limit_seconds=args.time_limit,
        )
        print_logins(world)
        if args.no_serve:
            return 0
    app = create_app({"DATABASE_URL": args.database_url} if args.database_url else None)
    print(f"\nServing Vuoro on http://{args.host}:{args.port}  (Ctrl+C stops)")
    waitress.serve(app, host=args.host, port=args.port, threads=8)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
