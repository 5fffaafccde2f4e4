"""A small planned world, built once from a history CSV; a fresh app and database per test.

Databases are SQLite files, or PostgreSQL databases when DATABASE_URL names a server.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from fixtures.history import generate_history, write_history_csv
from fixtures.world import DemoWorld, build_world
from forecasts.history import read_history_csv
from scheduler.grid import Grid
from web import create_app
from web import models as m
from web.cli import run_demo
from web.db import make_engine, reset_schema
from web.pipeline import plan_period
from web.planning import publish
from web.seed import seed_world, store_history

from .databases import TestDatabases

TODAY = date(2026, 11, 18)  # fixed, so the suite does not change with the calendar
SMALL_QUEUES = ("webshop-chat-fi", "webshop-email-fi", "telco-voice-fi")


def small_world(today: date = TODAY) -> DemoWorld:
    """The demo world cut down to three queues of two clients and a dozen agents."""
    world = build_world(7, today=today)
    queues = tuple(q for q in world.queues if q.key in SMALL_QUEUES)
    agents = []
    for agent in world.agents:
        skills = agent.skills & set(SMALL_QUEUES)
        if skills and agent.contract != "hourly":
            agents.append(dataclasses.replace(agent, skills=frozenset(skills)))
    agents = agents[::3][:14]
    agent_keys = {a.key for a in agents}
    client_keys = {q.client for q in queues}
    users = tuple(
        u
        for u in world.users
        if u.role == "coordinator"
        or (u.role == "agent" and u.agent_key in agent_keys)
        or (u.role == "client" and u.client_key in client_keys)
    )
    clients = tuple(c for c in world.clients if c.key in client_keys)
    return dataclasses.replace(
        world, queues=queues, agents=tuple(agents), clients=clients, users=users
    )


@dataclasses.dataclass(frozen=True)
class PlannedWorld:
    """A database holding a published roster for the small world."""

    url: str
    world: DemoWorld
    roster_id: int


def plan_from_csv(database_url: str, csv_path: Path, world: DemoWorld) -> int:
    """Import history from CSV, forecast, staff, solve and publish; return the roster id."""
    engine = make_engine(database_url)
    reset_schema(engine)
    history = read_history_csv(csv_path)
    grid = Grid(world.start_day, 7, 30)
    with Session(engine) as session:
        seed_world(session, world)
        store_history(session, history, 30)
        session.commit()
        roster, _ = plan_period(session, grid=grid, time_limit_seconds=10)
        publish(session, roster.id)
        session.commit()
        roster_id = roster.id
    engine.dispose()  # checkpoints SQLite's WAL / frees PostgreSQL's template for copying
    return roster_id


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The session's throw-away databases (dropped at the end)."""
    made = TestDatabases(tmp_path_factory.mktemp("databases"))
    print(f"\ntest databases: {made.backend}")
    yield made


@pytest.fixture(scope="session")
def planned(tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases):  # noqa: ANN201
    """Build the small world's published roster once per test session."""
    folder = tmp_path_factory.mktemp("planned")
    world = small_world()
    csv_path = folder / "history.csv"
    write_history_csv(generate_history(world, end=TODAY, weeks=8, interval_minutes=30), csv_path)
    url = databases.create()
    roster_id = plan_from_csv(url, csv_path, world)
    yield PlannedWorld(url, world, roster_id)
    databases.drop(url)


@dataclasses.dataclass(frozen=True)
class DemoDatabase:
    """A database made by `vuoro demo` (the full demo world, one published week)."""

    url: str
    world: DemoWorld


@pytest.fixture(scope="session")
def demo_database(databases: TestDatabases):  # noqa: ANN201
    """The full demo world, seeded, forecast, solved and published once per session.

    Tests only read it (the demo test, the archive round trip).
    """
    url = databases.create()
    world = run_demo(database_url=url, seed=7, today=TODAY, time_limit_seconds=10)
    yield DemoDatabase(url, world)
    databases.drop(url)


@pytest.fixture()
def app(planned: PlannedWorld, databases: TestDatabases):  # noqa: ANN201
    """A fresh app on a private copy of the planned database."""
    url = databases.create(template=planned.url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "TODAY": TODAY})
    yield app
    app.extensions["vuoro_engine"].dispose()
    databases.drop(url)


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    """A test client for the app."""
    return app.test_client()


@pytest.fixture()
def session(app):  # noqa: ANN001, ANN201
    """A database session on the test app's database."""
    with Session(app.extensions["vuoro_engine"]) as s:
        yield s


class AuthActions:
    """Log in and out through the real login form (CSRF token included)."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self._client = client

    def csrf_token(self, path: str = "/login") -> str:
        """The CSRF token embedded in a page's form."""
        return self.hidden_value(path, "csrf_token")

    def hidden_value(self, path: str, name: str) -> str:
        """The value of the first hidden input `name` in a page's form."""
        page = self._client.get(path).get_data(as_text=True)
        start = page.index(f'name="{name}"')
        start = page.index('value="', start) + len('value="')
        return page[start : page.index('"', start)]

    def login(self, username: str, password: str):  # noqa: ANN201
        """Post the login form."""
        token = self.csrf_token()
        return self._client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )


@pytest.fixture()
def auth(client) -> AuthActions:  # noqa: ANN001
    """Login helper bound to the test client."""
    return AuthActions(client)


def user_of(session: Session, role: str, **link: int) -> m.User:
    """The first user with a role (and agent_id/client_id if given)."""
    query = select(m.User).where(m.User.role == role)
    for column, value in link.items():
        query = query.where(getattr(m.User, column) == value)
    return session.exec(query.order_by(m.User.id)).first()


def next_monday(day: date) -> date:
    """The Monday after `day`."""
    return day + timedelta(days=7 - day.weekday())
