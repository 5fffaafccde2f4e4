"""The requirement report: per client and interval, as CSV; clients see only their own queues."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m
from web.requirements import CSV_COLUMNS


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login_client(auth, session, planned, client_key: str) -> m.Client:  # noqa: ANN001
    """Log in the client user of a company and return the company."""
    company = session.exec(select(m.Client).where(m.Client.key == client_key)).one()
    user = user_of(session, "client", client_id=company.id)
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302
    return company


def _csv(response) -> list[dict]:  # noqa: ANN001
    """The rows of a CSV response."""
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_client_downloads_its_own_requirement_per_interval(client, auth, session, planned):  # noqa: ANN001
    telco = _login_client(auth, session, planned, "telco")
    response = client.get("/clients/telco/requirements.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["client"] for r in rows} == {"telco"}
    telco_queues = {q.key for q in session.exec(select(m.Queue).where(
        m.Queue.client_id == telco.id))}
    assert {r["queue"] for r in rows} == telco_queues
    # the numbers are the stored requirement's, interval by interval
    roster = session.get(m.Roster, planned.roster_id)
    stored = session.exec(select(m.RequirementInterval).where(
        m.RequirementInterval.requirement_id == roster.requirement_id).where(
        m.RequirementInterval.queue_id.in_([q.id for q in session.exec(select(m.Queue).where(
            m.Queue.client_id == telco.id))]))).all()
    assert len(rows) == len(stored)
    assert sum(int(r["required_agents"]) for r in rows) == sum(s.required_agents for s in stored)
    assert sum(int(r["raw_agents"]) for r in rows) == sum(s.raw_agents for s in stored)
    assert all(int(r["required_agents"]) >= int(r["raw_agents"]) for r in rows)
    # telco's Finnish line has a measured patience: Erlang A, with expected abandonment
    voice = [r for r in rows if r["queue"] == "telco-voice-fi"]
    assert {r["model"] for r in voice} == {"erlang_a"}
    assert voice[0]["target"].startswith("80 % in 20 s, patience 150 s")
    busy = [r for r in voice if float(r["contacts"]) > 0 and int(r["raw_agents"]) > 0]
    assert busy and all(0 <= float(r["expected_abandonment"]) < 0.5 for r in busy)
    assert voice[0]["interval_start"].endswith(("+02:00", "+03:00"))  # Helsinki time


def test_the_page_summarises_each_queue_and_day_and_links_the_csv(client, auth, session,  # noqa: ANN001
                                                                  planned):
    _login_client(auth, session, planned, "webshop")
    page = client.get("/clients/webshop/requirements").get_data(as_text=True)
    assert "Erlang" in page or "chat concurrency" in page
    assert "email, deferred work" in page and "90 % within 480 open minutes" in page
    assert "/clients/webshop/requirements.csv" in page
    coverage = client.get("/clients/webshop/coverage").get_data(as_text=True)
    assert "/clients/webshop/requirements" in coverage


@pytest.mark.parametrize("path", ["/clients/webshop/requirements",
                                  "/clients/webshop/requirements.csv"])
def test_a_client_cannot_read_another_clients_requirement(client, auth, session, planned,  # noqa: ANN001
                                                          path):
    _login_client(auth, session, planned, "telco")
    response = client.get(path)
    assert response.status_code == 403
    assert "webshop-" not in response.get_data(as_text=True)
    assert client.get(path.replace("webshop", "no-such-client")).status_code == 404


def test_a_client_cannot_read_a_draft_rosters_requirement(client, auth, session, planned):  # noqa: ANN001
    published = session.get(m.Roster, planned.roster_id)
    draft = m.Roster(start_day=published.start_day, days=published.days,
                     interval_minutes=published.interval_minutes,
                     requirement_id=published.requirement_id)
    session.add(draft)
    session.commit()
    _login_client(auth, session, planned, "telco")
    assert client.get(f"/clients/telco/requirements.csv?roster={draft.id}").status_code == 404
    assert client.get(f"/clients/telco/requirements.csv?roster={published.id}").status_code == 200


def test_anonymous_visitors_log_in_and_agents_are_refused(client, auth, session, planned):  # noqa: ANN001
    response = client.get("/clients/telco/requirements.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    agent = user_of(session, "agent")
    assert auth.login(agent.username, _password(planned, agent.username)).status_code == 302
    assert client.get("/clients/telco/requirements.csv").status_code == 403
    assert client.get("/clients/telco/requirements").status_code == 403


def test_coordinators_read_any_clients_requirement(client, auth, session, planned):  # noqa: ANN001
    coordinator = user_of(session, "coordinator")
    assert auth.login(coordinator.username,
                      _password(planned, coordinator.username)).status_code == 302
    for key in ("telco", "webshop"):
        rows = _csv(client.get(f"/clients/{key}/requirements.csv"))
        assert rows and {r["client"] for r in rows} == {key}
    coverage = client.get("/coordinator/coverage").get_data(as_text=True)
    assert "/clients/telco/requirements" in coverage and "/clients/webshop/requirements" in coverage
