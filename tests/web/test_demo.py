"""`vuoro demo` end to end on the full demo world: the published roster breaks no hard rule."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from scheduler.validate import validate
from web import create_app
from web import models as m
from web.db import make_engine
from web.planning import load_roster, stored_problem


def test_demo_publishes_a_valid_roster_and_every_role_can_log_in(demo_database) -> None:  # noqa: ANN001
    """The demo seeds, forecasts, solves and publishes; its logins work for each role."""
    url, world = demo_database.url, demo_database.world
    engine = make_engine(url)
    with Session(engine) as session:
        roster = session.exec(select(m.Roster).where(m.Roster.status == "published")).one()
        assert roster.start_day == date(2026, 11, 23)
        problem = stored_problem(session, roster)
        stored = load_roster(session, roster.id)
        assert validate(problem, stored) == []
        assert len({s.agent for s in stored.shifts}) >= 60, "most agents get shifts"
    engine.dispose()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url})
    for role in ("coordinator", "agent", "client"):
        user = next(u for u in world.users if u.role == role)
        client = app.test_client()
        form = {"username": user.username, "password": user.password}
        response = client.post("/login", data=form)
        assert response.status_code == 302, f"{role} demo login fails"
        assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200
    app.extensions["vuoro_engine"].dispose()
