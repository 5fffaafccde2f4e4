"""Authorization generated from the app's URL map: every route, every method, every role.

Each endpoint declares here who may use it. The test walks `app.url_map`, so a new route is
checked the day it is added, and a route missing from ACCESS (or with a parameter PARAMETERS
does not know) fails the test. For every route and method:

- anonymous visitors are sent to the login page (pages) or get 401 (API), or 400 for a form
  post without a CSRF token; public routes excepted;
- a role the endpoint is not for gets 403 or 404, with a valid CSRF token or API token, so
  the refusal is the access rule and not the missing token;
- an agent or a client using an endpoint it may use, with another tenant's ids in the URL
  (another agent's key, another client's key, another client's request, another user's
  token...), gets 403 or 404;
- with its own ids it gets an answer, and no answer to an agent or a client (page, file or
  JSON) holds another agent's or client's names, keys, queues or usernames;
- no refused request writes anything: every table is the same afterwards.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from sqlmodel import Session, SQLModel, select, text

from tests.web.conftest import TODAY, user_of
from web import models as m
from web.api_tokens import issue_token
from web.calendar import issue_token as issue_calendar_token
from web.calendar import revoke_token as revoke_calendar_token

ROLES = ("coordinator", "agent", "client", "anonymous")
EVERYONE = frozenset(ROLES)
LOGGED_IN = frozenset({"coordinator", "agent", "client"})
COORDINATORS = frozenset({"coordinator"})
AGENTS = frozenset({"agent", "coordinator"})  # an agent's own data: the agent or a coordinator
CLIENTS = frozenset({"client", "coordinator"})


@dataclass(frozen=True)
class Access:
    """Who may use an endpoint; `static` answers are the same for everyone (no leak check)."""

    roles: frozenset[str]
    static: bool = False


ACCESS: dict[str, Access] = {
    "static": Access(EVERYONE, static=True),
    "auth.login": Access(EVERYONE, static=True),
    "index": Access(EVERYONE),
    "auth.logout": Access(LOGGED_IN),
    "api_tokens.tokens_page": Access(LOGGED_IN),
    "api_tokens.revoke": Access(LOGGED_IN),  # the owner's token only (or a coordinator)
    # agents
    "agent.my_shifts": Access(frozenset({"agent"})),
    "agent.shifts": Access(AGENTS),
    "agent.shifts_file": Access(AGENTS),
    "agent.calendar": Access(frozenset({"agent"})),
    "agent.new_calendar_token": Access(frozenset({"agent"})),
    "agent.revoke_calendar_token": Access(frozenset({"agent"})),
    "agent.feed": Access(frozenset()),  # the token is the credential: checked on its own
    "agent.time_off": Access(frozenset({"agent"})),
    "agent.cancel_time_off": Access(frozenset({"agent"})),
    # clients
    "client.my_coverage": Access(frozenset({"client"})),
    "client.my_requests": Access(frozenset({"client"})),
    "client.coverage_page": Access(CLIENTS),
    "client.capacity_requests": Access(CLIENTS),
    "requirements.requirement_page": Access(CLIENTS),
    "requirements.requirement_download": Access(CLIENTS),
    # coordinators
    "coordinator.roster": Access(COORDINATORS),
    "coordinator.coverage_page": Access(COORDINATORS),
    "coordinator.publish_roster": Access(COORDINATORS),
    "coordinator.request_inbox": Access(COORDINATORS),
    "coordinator.answer": Access(COORDINATORS),
    "coordinator.history_upload": Access(COORDINATORS),
    "coordinator.plan": Access(COORDINATORS),
    "coordinator.job": Access(COORDINATORS),
    "coordinator.cancel_job": Access(COORDINATORS),
    "calculator.erlang_page": Access(COORDINATORS),
    "contracts.contract_list": Access(COORDINATORS),
    "contracts.edit_contract": Access(COORDINATORS),
    "contracts.edit_shift_types": Access(COORDINATORS),
    "contracts.edit_fairness": Access(COORDINATORS),
    "queues.queue_list": Access(COORDINATORS),
    "queues.edit_queue": Access(COORDINATORS),
    "queues.client_priority": Access(COORDINATORS),
    "forecasting.forecast_page": Access(COORDINATORS),
    "forecasting.withdraw": Access(COORDINATORS),
    "revisions.compare": Access(COORDINATORS),
    "revisions.replan": Access(COORDINATORS),
    "revisions.edit_shift": Access(COORDINATORS),
    "dashboard.clients": Access(COORDINATORS),
    "dashboard.client_dashboard": Access(COORDINATORS),
    "people.agents": Access(COORDINATORS),
    "people.new_agent": Access(COORDINATORS),
    "people.edit_agent": Access(COORDINATORS),
    "people.add_agent_days_off": Access(COORDINATORS),
    "people.remove_agent_day_off": Access(COORDINATORS),
    "people.time_off_inbox": Access(COORDINATORS),
    "people.answer_time_off": Access(COORDINATORS),
    "people.users": Access(COORDINATORS),
    "people.set_user_active": Access(COORDINATORS),
    # the JSON API (bearer tokens)
    "api.openapi_document": Access(LOGGED_IN, static=True),
    "api.me": Access(LOGGED_IN),
    "api.rosters": Access(COORDINATORS),
    "api.roster_detail": Access(COORDINATORS),
    "api.my_shifts": Access(frozenset({"agent"})),
    "api.agent_shifts": Access(AGENTS),
    "api.client_coverage": Access(CLIENTS),
    "api.list_capacity_requests": Access(CLIENTS),
    "api.create_capacity_request": Access(frozenset({"client"})),
    "api.my_time_off": Access(frozenset({"agent"})),
    "api.create_time_off": Access(frozenset({"agent"})),
    "api.time_off_requests": Access(COORDINATORS),
}
# parameters naming a tenant's data: filled with another tenant's value to test the refusal
TENANT_PARAMETERS = {"agent_key", "client_key", "request_id", "token_id", "time_off_id",
                     "day_off_id"}
# parameters naming coordinator-only data, or no one's
PLAIN_PARAMETERS = {"roster_id", "job_id", "override_id", "filename", "user_id", "day",
                    "contract_id", "rule_id", "queue_id", "client_id"}


@dataclass
class World:
    """Users of each role, their own ids, another tenant's ids, and the words they must not see."""

    users: dict[str, m.User]
    own: dict[str, dict[str, object]]
    other: dict[str, dict[str, object]]
    forbidden: dict[str, set[str]]  # per role: other tenants' names, keys, usernames
    api_tokens: dict[str, str]
    calendar_tokens: list[str]  # a revoked token and a made-up one: both must be 404


def _world(session: Session) -> World:
    """Two agents with logins, two clients with logins and requests, tokens, a job, an override."""
    agent_users = session.exec(select(m.User).where(m.User.role == "agent")
                               .order_by(m.User.id)).all()
    me_agent, other_agent = agent_users[0], agent_users[1]
    clients = session.exec(select(m.Client).order_by(m.Client.id)).all()
    my_client, other_client = clients[0], clients[1]
    me_client = user_of(session, "client", client_id=my_client.id)
    other_client_user = user_of(session, "client", client_id=other_client.id)
    coordinator = user_of(session, "coordinator")
    requests = {c.id: _request(session, c, user_of(session, "client", client_id=c.id))
                for c in (my_client, other_client)}
    tokens = {}
    token_ids = {}
    for role, user in (("coordinator", coordinator), ("agent", me_agent),
                       ("client", me_client), ("other", other_agent)):
        row, secret = issue_token(session, user_id=user.id, name=f"{role} token")
        session.flush()
        tokens[role], token_ids[role] = secret, row.id
    time_off = {}
    for user in (me_agent, other_agent):
        time_off[user.id] = m.TimeOffRequest(agent_id=user.agent_id, first_day=TODAY + timedelta(
            days=20), last_day=TODAY + timedelta(days=21), reason=f"private of {user.username}")
        session.add(time_off[user.id])
    day_off = {u.id: m.TimeOff(agent_id=u.agent_id, day=TODAY + timedelta(days=30),
                               reason="test") for u in (me_agent, other_agent)}
    session.add_all(day_off.values())
    session.flush()
    revoked = issue_calendar_token(session, other_agent.agent_id).token
    revoke_calendar_token(session, other_agent.agent_id)
    roster = session.exec(select(m.Roster)).first()
    job = m.Job(start_day=roster.start_day, status="succeeded", created_by="test")
    override = m.ForecastOverride(target=my_client.key, start_day=TODAY, end_day=TODAY,
                                  percent=10, reason="test", created_by="test")
    session.add_all([job, override])
    session.commit()
    agents = {a.id: a for a in session.exec(select(m.Agent))}
    plain = {"roster_id": roster.id, "job_id": job.id, "override_id": override.id,
             "filename": "vuoro.css", "user_id": other_client_user.id,
             "day": roster.start_day.isoformat(),
             "contract_id": session.exec(select(m.Contract)).first().id,
             "rule_id": session.exec(select(m.ShiftRule)).first().id,
             "queue_id": session.exec(select(m.Queue)).first().id,
             "client_id": other_client.id}
    own = {
        "coordinator": plain | {"agent_key": agents[other_agent.agent_id].key,
                                "client_key": other_client.key,
                                "request_id": requests[other_client.id].id,
                                "token_id": token_ids["other"],
                                "time_off_id": time_off[other_agent.id].id,
                                "day_off_id": day_off[other_agent.id].id},
        "agent": plain | {"agent_key": agents[me_agent.agent_id].key,
                          "client_key": my_client.key, "request_id": requests[my_client.id].id,
                          "token_id": token_ids["agent"],
                          "time_off_id": time_off[me_agent.id].id,
                          "day_off_id": day_off[me_agent.id].id},
        "client": plain | {"agent_key": agents[me_agent.agent_id].key,
                           "client_key": my_client.key, "request_id": requests[my_client.id].id,
                           "token_id": token_ids["client"],
                           "time_off_id": time_off[me_agent.id].id,
                           "day_off_id": day_off[me_agent.id].id},
    }
    own["anonymous"] = own["agent"]
    other = {
        "coordinator": own["coordinator"],
        "agent": own["agent"] | {"agent_key": agents[other_agent.agent_id].key,
                                 "token_id": token_ids["other"],
                                 "time_off_id": time_off[other_agent.id].id,
                                 "day_off_id": day_off[other_agent.id].id},
        "client": own["client"] | {"client_key": other_client.key,
                                   "request_id": requests[other_client.id].id,
                                   "token_id": token_ids["other"]},
        "anonymous": own["agent"],
    }
    return World(
        users={"coordinator": coordinator, "agent": me_agent, "client": me_client},
        own=own,
        other=other,
        forbidden={
            "agent": _agent_words(session, exclude=me_agent.agent_id)
            | {f"private of {other_agent.username}"},
            "client": _client_words(session, exclude=my_client.id)
            | _agent_words(session, exclude=None) | {other_client_user.username},
        },
        api_tokens=tokens,
        calendar_tokens=[revoked, "not-a-token-anyone-has"],
    )


def _request(session: Session, client: m.Client, user: m.User) -> m.CapacityRequest:
    """An open capacity request of a client on its first queue."""
    queue = session.exec(select(m.Queue).where(m.Queue.client_id == client.id)).first()
    start = datetime.combine(TODAY + timedelta(days=6), time(10), ZoneInfo("Europe/Helsinki"))
    row = m.CapacityRequest(client_id=client.id, queue_id=queue.id, start=start,
                            end=start + timedelta(hours=2), extra_agents=1,
                            reason=f"secret plan of {client.name}", created_by=user.id)
    session.add(row)
    session.flush()
    return row


def _agent_words(session: Session, exclude: int | None) -> set[str]:
    """Names, keys and usernames of every agent but one."""
    words = set()
    usernames = {u.agent_id: u.username for u in session.exec(select(m.User)) if u.agent_id}
    for agent in session.exec(select(m.Agent)):
        if agent.id != exclude:
            words |= {agent.name, agent.key} | ({usernames[agent.id]} if agent.id in usernames
                                                else set())
    return words


def _client_words(session: Session, exclude: int) -> set[str]:
    """Names and keys of every other client and of its queues, and its requests' reasons."""
    words = set()
    for client in session.exec(select(m.Client).where(m.Client.id != exclude)):
        words |= {client.name, client.key, f"secret plan of {client.name}"}
        for queue in session.exec(select(m.Queue).where(m.Queue.client_id == client.id)):
            words |= {queue.name, queue.key}
    return words


def _snapshot(session: Session) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1')):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _leaks(body: str, words: set[str], sent: str) -> list[str]:
    """Forbidden words in a body (as whole words), other than those the request itself sent."""
    return sorted(w for w in words if w not in sent
                  and re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", body))


def _routes(app) -> list[tuple[str, str, set[str]]]:  # noqa: ANN001
    """(endpoint, method, parameter names) of every rule, HEAD and OPTIONS aside."""
    return sorted(
        (rule.endpoint, method, set(rule.arguments))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_is_declared_with_known_parameters(app) -> None:  # noqa: ANN001
    """A new route must say who may use it here before the suite passes."""
    undeclared = sorted({e for e, _, _ in _routes(app)} - set(ACCESS))
    assert not undeclared, f"declare who may use these routes in ACCESS: {undeclared}"
    known = TENANT_PARAMETERS | PLAIN_PARAMETERS | {"token"}
    unknown = sorted({(e, p) for e, _, params in _routes(app) for p in params - known})
    assert not unknown, f"parameters the authorization test cannot fill: {unknown}"
    assert not set(ACCESS) - {e for e, _, _ in _routes(app)}, "ACCESS names a gone route"


def _path(app, endpoint: str, values: dict[str, object], params: set[str]) -> str:  # noqa: ANN001
    """The URL of an endpoint with the given parameter values."""
    with app.test_request_context():
        return url_for(endpoint, **{p: values[p] for p in params})


class Caller:
    """One role's way of calling the app: a logged-in browser session or an API token."""

    def __init__(self, app, world: World, role: str, planned) -> None:  # noqa: ANN001
        self.role = role
        self.pages = app.test_client()
        self.api = app.test_client()
        self.csrf = ""
        self.bearer = world.api_tokens.get(role)
        if role != "anonymous":
            user = world.users[role]
            password = next(u.password for u in planned.world.users
                            if u.username == user.username)
            page = self.pages.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            response = self.pages.post("/login", data={"username": user.username,
                                                       "password": password, "csrf_token": token})
            assert response.status_code == 302, f"{role} cannot log in"
            home = self.pages.get(response.headers["Location"], follow_redirects=True)
            self.csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                                  home.get_data(as_text=True)).group(1)

    def call(self, method: str, path: str):  # noqa: ANN201
        """Call a path: API paths with the bearer token, pages with the session and CSRF."""
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
            if method == "GET":
                return self.api.get(path, headers=headers)
            return self.api.open(path, method=method, headers=headers, json={})
        if method == "GET":
            return self.pages.get(path)
        return self.pages.open(path, method=method, data={"csrf_token": self.csrf})


def _refused_anonymously(response, path: str) -> bool:  # noqa: ANN001
    """Sent to log in, or refused outright."""
    if response.status_code == 302:
        return "/login" in response.headers["Location"]
    return response.status_code in (400, 401, 403, 404)


@pytest.fixture()
def world(session) -> World:  # noqa: ANN001
    """The tenants and their ids, stored in the test database."""
    return _world(session)


@pytest.mark.parametrize("role", ["anonymous", "agent", "client"])
def test_no_role_reaches_what_is_not_its_own(app, session, planned, world, role) -> None:  # noqa: ANN001, E501
    """Every route and method, as this role: refused where not its own, and nothing leaks."""
    caller = Caller(app, world, role, planned)
    before = _snapshot(session)
    failures = []
    for endpoint, method, params in _routes(app):
        access = ACCESS[endpoint]
        if endpoint == "agent.feed":
            for token in world.calendar_tokens:
                response = caller.call("GET", f"/calendar/{token}.ics")
                if response.status_code != 404:
                    failures.append(f"{method} feed with a revoked or made-up token: "
                                    f"{response.status_code}")
            continue
        tenant = params & TENANT_PARAMETERS
        allowed = role in access.roles
        path = _path(app, endpoint, world.other[role], params)
        if role == "anonymous" and not allowed:
            response = caller.call(method, path)
            if not _refused_anonymously(response, path):
                failures.append(f"{method} {path} anonymous: {response.status_code}")
            continue
        if not allowed or tenant:
            if allowed and role == "anonymous":
                continue
            response = caller.call(method, path)
            if response.status_code not in (403, 404):
                failures.append(f"{method} {path} as {role} with "
                                f"{'another tenant' if allowed else 'no right'}: "
                                f"{response.status_code}")
            elif role != "anonymous":
                leaked = _leaks(response.get_data(as_text=True), world.forbidden[role], path)
                if leaked:
                    failures.append(f"{method} {path} as {role} refused but shows {leaked}")
        if allowed and method == "GET":
            own_path = _path(app, endpoint, world.own[role], params)
            response = caller.call("GET", own_path)
            if response.status_code >= 400:
                failures.append(f"GET {own_path} as {role}, its own: {response.status_code}")
            elif role != "anonymous" and not access.static:
                body = response.get_data(as_text=True)
                if response.status_code in (301, 302, 303):
                    body = caller.pages.get(response.headers["Location"]).get_data(as_text=True)
                leaked = _leaks(body, world.forbidden[role], own_path)
                if leaked:
                    failures.append(f"GET {own_path} as {role} shows others' data: {leaked}")
    session.expire_all()
    assert _snapshot(session) == before, "a refused or read-only request wrote to the database"
    assert not failures, "\n".join(failures)


def test_coordinators_open_every_page_without_a_server_error(app, session, planned, world) -> None:  # noqa: ANN001, E501
    """Coordinators may use everything: each GET route answers, none with a 5xx."""
    caller = Caller(app, world, "coordinator", planned)
    failures = []
    for endpoint, method, params in _routes(app):
        if method != "GET" or endpoint == "agent.feed" or "coordinator" not in ACCESS[
                endpoint].roles:
            continue
        path = _path(app, endpoint, world.own["coordinator"], params)
        response = caller.call("GET", path)
        if response.status_code >= 400:
            failures.append(f"GET {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_generator_catches_a_leaky_route(app, session, planned, world) -> None:  # noqa: ANN001
    """A route that shows another agent's name to an agent is caught by the leak check."""
    other = world.other["agent"]["agent_key"]
    name = session.exec(select(m.Agent).where(m.Agent.key == other)).one().name
    assert _leaks(f"<p>{name} works 8-16</p>", world.forbidden["agent"], "/x") == [name]
    assert _leaks("<p>nobody</p>", world.forbidden["agent"], "/x") == []
