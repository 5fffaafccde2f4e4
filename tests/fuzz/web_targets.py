"""The web forms, the history upload and the JSON API under generated input.

Each target posts one generated input through the real app (CSRF on, logged in as the role
the form is for) and judges it: no 5xx or escaping exception; a refusal changes no row of
any table; an acceptance changes only the tables that form is for. Tables are compared by a
fingerprint of every row of every table before and after each input.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlmodel import Session, select

from scheduler.domain import SolveResult
from web import models as m
from web.api_tokens import issue_token
from web.planning import grid_of, load_roster, save_draft

from ..web.snapshots import Fingerprints, changed_tables
from .csv_inputs import CLEAR_ERROR, HELSINKI, junk_text, mutated_history_csv
from .outcomes import (
    ACCEPTED,
    PARTIAL_WRITE,
    REFUSED,
    SERVER_ERROR,
    UNCLEAR_ERROR,
    Outcome,
)

MISSING = object()  # a form field left out of the post
OFF_SCHEMA = "unclear_error"  # an API answer the OpenAPI document does not describe


def _hidden(page: str, name: str) -> str:
    """The value of hidden input `name` in a page."""
    start = page.index('value="', page.index(f'name="{name}"')) + len('value="')
    return page[start : page.index('"', start)]


@dataclass
class Site:
    """An app on its own database, a logged-in test client per role, and the last fingerprint."""

    app: Flask
    today: date
    passwords: dict[str, str]
    users: dict[str, str] = field(default_factory=dict)  # role -> username
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    watch: Fingerprints | None = None

    @property
    def engine(self):  # noqa: ANN201
        """The app's database engine."""
        return self.app.extensions["vuoro_engine"]

    def prepare(self, drafts: int = 5, open_requests: int = 20) -> Site:
        """Log each role in, and add what the forms act on: drafts, open requests, overrides."""
        with Session(self.engine) as session:
            for role in ("coordinator", "agent", "client"):
                user = session.exec(select(m.User).where(m.User.role == role)
                                    .order_by(m.User.id)).first()
                self.users[role] = user.username
                if role == "client":
                    client_id = user.client_id
                    client_user_id = user.id
                if role == "agent":
                    self.facts["agent_key"] = session.get(m.Agent, user.agent_id).key
            own = session.exec(select(m.Queue).where(m.Queue.client_id == client_id)).all()
            others = session.exec(select(m.Queue).where(m.Queue.client_id != client_id)).all()
            self.facts["client_key"] = session.get(m.Client, client_id).key
            self.facts["own_queues"] = [q.key for q in own]
            self.facts["other_queues"] = [q.key for q in others]
            self.facts["targets"] = [q.key for q in own + others] + [
                c.key for c in session.exec(select(m.Client))]
            published = session.exec(select(m.Roster).where(m.Roster.status == "published")
                                     ).first()
            same = SolveResult(load_roster(session, published.id), "FEASIBLE", 0.0, 0.0, 0.0)
            self.facts["drafts"] = []
            for _ in range(drafts):
                draft = save_draft(session, same, requirement_id=published.requirement_id,
                                   grid=grid_of(published))
                session.flush()
                self.facts["drafts"].append((draft.id, draft.lock_version))
            self.facts["rosters"] = [published.id] + [d for d, _ in self.facts["drafts"]]
            start = published.start_day
            for i in range(open_requests):
                session.add(m.CapacityRequest(
                    client_id=client_id, queue_id=own[0].id, created_by=client_user_id,
                    start=m.utcnow() + timedelta(days=3), end=m.utcnow() + timedelta(days=3,
                                                                                    hours=2),
                    extra_agents=1, reason=f"fuzz {i}"))
            for i in range(5):
                session.add(m.ForecastOverride(target=own[0].key, start_day=start,
                                               end_day=start, percent=10, reason=f"fuzz {i}",
                                               created_by="fuzz"))
            session.commit()
            self.facts["requests"] = [r.id for r in session.exec(select(m.CapacityRequest))]
            self.facts["overrides"] = [o.id for o in session.exec(select(m.ForecastOverride))]
        for role, username in self.users.items():
            client = self.app.test_client()
            token = _hidden(client.get("/login").get_data(as_text=True), "csrf_token")
            response = client.post("/login", data={"username": username, "csrf_token": token,
                                                   "password": self.passwords[username]})
            assert response.status_code == 302, f"{role} cannot log in"
            self.clients[role] = client
            home = {"coordinator": "/coordinator/plan", "agent": "/my/calendar",
                    "client": f"/clients/{self.facts['client_key']}/requests"}[role]
            self.csrf[role] = _hidden(client.get(home).get_data(as_text=True), "csrf_token")
        self.watch = Fingerprints(self.engine)
        self.state = self.watch.now()
        return self

    def close(self) -> None:
        """Release the database."""
        if self.watch is not None:
            self.watch.close()
        self.engine.dispose()

    def changes(self) -> list[str]:
        """Tables whose rows changed since the last call."""
        after = self.watch.now()
        changed = changed_tables(self.state, after)
        self.state = after
        return changed



# Words of a Python exception leaking into a page instead of a message written for people.
LEAKED_EXCEPTION = re.compile(
    r"Traceback|invalid literal for|could not convert|Invalid isoformat|object has no "
    r"attribute|NoneType|unsupported operand|codec can't decode|IntegrityError|"
    r"OperationalError|StatementError"
)


def _flashes(browser: FlaskClient) -> list[tuple[str, str]]:
    """Flash messages waiting in a browser's session (taken out of it)."""
    with browser.session_transaction() as session:
        return session.pop("_flashes", [])


@dataclass(frozen=True)
class Answer:
    """What the app answered one post: the response and the messages it flashed."""

    response: Any
    flashed: list[tuple[str, str]]

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    @property
    def errors(self) -> list[str]:
        """Error messages: flashed for the next page, or shown on this one."""
        page = self.response.get_data(as_text=True)
        shown = [html.unescape(m) for m in re.findall(r'class="flash error"[^>]*>(.*?)</p>',
                                                        page, re.DOTALL)]
        return [text for kind, text in self.flashed if kind == "error"] + shown

    def flashed_only(self, kind: str) -> bool:
        """Whether it redirected with messages of this kind only."""
        return self.status in (302, 303) and {k for k, _ in self.flashed} == {kind}


def judge(site: Site, browser: FlaskClient, post: Callable[[], Any],
          accepted: Callable[[Answer], bool], expected: set[str]) -> Outcome:
    """Post one input and judge the answer and what it changed in the database."""
    try:
        response = post()
    except Exception as error:  # noqa: BLE001  (TESTING propagates a view's exception)
        site.changes()
        _flashes(browser)
        return Outcome(SERVER_ERROR, f"{type(error).__name__}: {error}"[:200])
    answer = Answer(response, _flashes(browser))
    changed = site.changes()
    if answer.status >= 500:
        return Outcome(SERVER_ERROR, f"HTTP {answer.status}")
    shown = " ".join(text for _, text in answer.flashed) + response.get_data(as_text=True)
    leaked = LEAKED_EXCEPTION.search(shown)
    if leaked:
        return Outcome(UNCLEAR_ERROR, f"HTTP {answer.status} shows {leaked.group(0)!r}: "
                       + " ".join(text for _, text in answer.flashed)[:160])
    if accepted(answer):
        extra = set(changed) - expected
        if extra:
            return Outcome(PARTIAL_WRITE, f"accepted, but also changed {sorted(extra)}")
        return Outcome(ACCEPTED)
    if changed:
        return Outcome(PARTIAL_WRITE, f"HTTP {answer.status} refusal changed {changed}")
    return Outcome(REFUSED)


def form_data(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A posted form built from each field's plausible values, in one of three shapes.

    Plausible (every field plausible, so acceptances are reached), one field broken (junk or
    left out: each rule's refusal is reached), or chaos (each field plausible, junk or
    missing); sometimes with a stray extra field that must be ignored.
    """
    names = sorted(fields)

    def build(values: dict[str, Any], extra: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in (values | extra).items() if v is not MISSING}

    plausible = st.fixed_dictionaries(fields)
    junk_or_missing = st.one_of(junk_text, st.just(MISSING))

    @st.composite
    def one_broken(draw) -> dict[str, Any]:  # noqa: ANN001
        values = draw(plausible)
        values[draw(st.sampled_from(names))] = draw(junk_or_missing)
        return values

    chaos = st.fixed_dictionaries({
        name: st.one_of(strategy, junk_or_missing) for name, strategy in fields.items()})
    extras = st.dictionaries(st.sampled_from(["id", "status", "created_by", "x"]), junk_text,
                             max_size=1)
    return st.builds(build, st.one_of(plausible, one_broken(), one_broken(), chaos), extras)


def with_csrf(site: Site, role: str, data: dict[str, str], forged: bool) -> dict[str, str]:
    """The form with the role's CSRF token (or a forged one)."""
    return data | {"csrf_token": "forged" if forged else site.csrf[role]}


def _dates(today: date) -> st.SearchStrategy:
    """ISO dates from a month back to a year ahead."""
    return st.dates(today - timedelta(days=30), today + timedelta(days=400)).map(date.isoformat)


def _mondays(today: date) -> st.SearchStrategy:
    """ISO dates, mostly Mondays (a planning period starts on one)."""
    monday = st.integers(-4, 30).map(
        lambda weeks: (today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)))
    return st.one_of(monday.map(date.isoformat), monday.map(date.isoformat), _dates(today))


def _times() -> st.SearchStrategy:
    """HH:MM times."""
    return st.times().map(lambda t: t.strftime("%H:%M"))


def _small_ints(low: int, high: int) -> st.SearchStrategy:
    """Whole numbers in a range, as form text."""
    return st.integers(low, high).map(str)


TOKENS = [secrets.token_urlsafe(24) for _ in range(8)]  # repeats model double submits
FORGED_NOW_AND_THEN = st.sampled_from([False] * 14 + [True])  # a CSRF token that is not theirs


# --- the targets -------------------------------------------------------------------------


def capacity_request_inputs(site: Site) -> st.SearchStrategy:
    """A client's capacity request form."""
    return st.tuples(form_data({
        "queue": st.sampled_from(site.facts["own_queues"] * 3 + site.facts["other_queues"]),
        "day": _dates(site.today),
        "start": st.sampled_from(["06:00", "08:30", "09:00", "12:00"]) | _times(),
        "end": st.sampled_from(["13:00", "15:30", "18:00", "23:59"]) | _times(),
        "extra_agents": _small_ints(0, 60),
        "extra_contacts_percent": st.one_of(st.just(""), _small_ints(0, 600)),
        "reason": st.text(min_size=1, max_size=520),
        "submission": st.sampled_from(TOKENS),
    }), FORGED_NOW_AND_THEN)


def check_capacity_request(site: Site, example: tuple[dict, bool]) -> Outcome:
    """Post it: a 303 may add a capacity request only, a 400 adds nothing."""
    data, forged = example
    browser = site.clients["client"]
    return judge(site, browser, lambda: browser.post(
        f"/clients/{site.facts['client_key']}/requests",
        data=with_csrf(site, "client", data, forged)),
        lambda a: a.status == 303, {"capacityrequest"})


def answer_inputs(site: Site) -> st.SearchStrategy:
    """A coordinator's answer to a request (existing or not)."""
    return st.tuples(
        st.one_of(st.sampled_from(site.facts["requests"]), st.integers(-5, 2**40)),
        form_data({
            "decision": st.sampled_from(["approved", "declined"]),
            "answer": st.text(max_size=520),
        }),
        FORGED_NOW_AND_THEN,
    )


def check_answer(site: Site, example: tuple[int, dict, bool]) -> Outcome:
    """Post it: an approval or decline changes that request only; refusals change nothing."""
    request_id, data, forged = example
    browser = site.clients["coordinator"]
    return judge(site, browser, lambda: browser.post(
        f"/coordinator/requests/{request_id}/answer",  # a negative id has no route: 404
        data=with_csrf(site, "coordinator", data, forged)),
        lambda a: a.flashed_only("ok"), {"capacityrequest"})


def override_inputs(site: Site) -> st.SearchStrategy:
    """A forecast override, or a withdrawal of one."""
    add = st.tuples(st.just("add"), form_data({
        "target": st.sampled_from(site.facts["targets"]),
        "start_day": _dates(site.today),
        "end_day": _dates(site.today),
        "percent": st.one_of(_small_ints(-100, 600), st.floats(-200, 800).map(repr)),
        "reason": st.text(min_size=1, max_size=320),
    }), FORGED_NOW_AND_THEN)
    withdraw = st.tuples(st.just("withdraw"), st.one_of(
        st.sampled_from(site.facts["overrides"]), st.integers(0, 2**40)), FORGED_NOW_AND_THEN)
    return st.one_of(add, add, add, withdraw)


def check_override(site: Site, example: tuple) -> Outcome:
    """Post it: a saved override or a withdrawal touches forecast overrides only."""
    kind, payload, forged = example
    browser = site.clients["coordinator"]
    if kind == "add":
        return judge(site, browser, lambda: browser.post(
            "/coordinator/forecast/", data=with_csrf(site, "coordinator", payload, forged)),
            lambda a: a.status == 303, {"forecastoverride"})
    return judge(site, browser, lambda: browser.post(
        f"/coordinator/forecast/overrides/{payload}/withdraw",
        data=with_csrf(site, "coordinator", {}, forged)),
        lambda a: a.flashed_only("ok"), {"forecastoverride"})


def login_inputs(site: Site) -> st.SearchStrategy:
    """A login attempt: known or unknown users, right or wrong passwords, junk."""
    usernames = list(site.users.values())
    return st.tuples(form_data({
        "username": st.one_of(st.sampled_from(usernames), st.sampled_from(usernames),
                              st.sampled_from(usernames).map(lambda u: f" {u.upper()} "),
                              st.text(max_size=80)),
        "password": st.one_of(st.just("demo"), st.just("demo"), st.text(max_size=80)),
    }), FORGED_NOW_AND_THEN)


def check_login(site: Site, example: tuple[dict, bool]) -> Outcome:
    """Post it from a fresh browser: 302 in or 401/400 out; a login writes nothing."""
    data, forged = example
    browser = site.app.test_client()
    token = _hidden(browser.get("/login").get_data(as_text=True), "csrf_token")
    site.changes()
    return judge(site, browser, lambda: browser.post("/login", data=data | {
        "csrf_token": "forged" if forged else token}), lambda a: a.status == 302, set())


def plan_inputs(site: Site) -> st.SearchStrategy:
    """The plan form: a period and a solver time limit."""
    return st.tuples(form_data({
        "start_day": _mondays(site.today),
        "days": _small_ints(1, 30),
        "time_limit_seconds": st.one_of(_small_ints(0, 1000), st.floats(1, 1000).map(repr)),
    }), FORGED_NOW_AND_THEN)


def check_plan(site: Site, example: tuple[dict, bool]) -> Outcome:
    """Post it (jobs are not started here): a 303 to a job page adds one job, else nothing."""
    data, forged = example
    browser = site.clients["coordinator"]
    return judge(site, browser, lambda: browser.post(
        "/coordinator/plan", data=with_csrf(site, "coordinator", data, forged)),
        lambda a: a.status == 303 and "/coordinator/jobs/" in a.response.headers["Location"],
        {"job"})


def publish_inputs(site: Site) -> st.SearchStrategy:
    """Publish a roster (draft, published or missing) from a page of some lock version."""
    return st.tuples(
        st.one_of(st.sampled_from(site.facts["rosters"]), st.integers(0, 2**40)),
        form_data({"lock_version": _small_ints(-1, 4)}),
        FORGED_NOW_AND_THEN,
    )


def check_publish(site: Site, example: tuple[int, dict, bool]) -> Outcome:
    """Post it: only a current draft publishes (rosters change); anything else changes nothing."""
    roster_id, data, forged = example
    browser = site.clients["coordinator"]
    return judge(site, browser, lambda: browser.post(
        f"/coordinator/rosters/{roster_id}/publish",
        data=with_csrf(site, "coordinator", data, forged)),
        lambda a: a.flashed_only("ok"), {"roster"})


def api_token_inputs(site: Site) -> st.SearchStrategy:
    """A name for a new API token."""
    return st.tuples(form_data({"name": st.text(max_size=120)}), FORGED_NOW_AND_THEN)


def check_api_token(site: Site, example: tuple[dict, bool]) -> Outcome:
    """Post it: a 200 adds a token row, a 400 adds nothing."""
    data, forged = example
    browser = site.clients["agent"]
    return judge(site, browser, lambda: browser.post(
        "/account/api-tokens", data=with_csrf(site, "agent", data, forged)),
        lambda a: a.status == 200, {"apitoken"})


def upload_inputs(site: Site) -> st.SearchStrategy:
    """History CSV uploads for the site's queues, valid or mutated."""
    queues = [tuple(k.split("-")) for k in site.facts["own_queues"] + site.facts["other_queues"]]
    return st.tuples(mutated_history_csv(queues), st.sampled_from(["history.csv", "x.txt", ""]))


def check_upload(site: Site, example: tuple[bytes, str]) -> Outcome:
    """Upload it: stored whole (history only) or refused saying where, with nothing stored."""
    data, filename = example
    browser = site.clients["coordinator"]
    seen: list[str] = []

    def accepted(answer: Answer) -> bool:
        seen.extend(answer.errors)
        return answer.status == 303

    outcome = judge(site, browser, lambda: browser.post(
        "/coordinator/history", content_type="multipart/form-data",
        data={"csrf_token": site.csrf["coordinator"], "history": (BytesIO(data), filename)}),
        accepted, {"contacthistory"})
    if outcome.kind == REFUSED and filename and seen and not CLEAR_ERROR.search(seen[0]):
        return Outcome(UNCLEAR_ERROR, seen[0][:200])
    return outcome


# --- the JSON API (schemathesis) ---------------------------------------------------------


CREATED_BY_POST = {"/my/time-off": "timeoffrequest"}  # else a new capacity request


def api_role(path: str) -> str:
    """The role whose token reaches an operation's happy path most often."""
    if path.startswith(("/my/", "/agents/")):
        return "agent"
    if path.startswith("/clients/"):
        return "client"
    return "coordinator"


def api_tokens(site: Site) -> dict[str, str]:
    """A bearer token per role (made once per site)."""
    if "api_tokens" not in site.facts:
        with Session(site.engine) as session:
            made = {}
            for role, username in site.users.items():
                user = session.exec(select(m.User).where(m.User.username == username)).one()
                _, made[role] = issue_token(session, user_id=user.id, name="fuzz")
            session.commit()
        site.facts["api_tokens"] = made
        site.changes()
    return site.facts["api_tokens"]


@st.composite
def request_bodies(draw, site: Site) -> dict[str, Any]:  # noqa: ANN001
    """A capacity request body near the valid one: one field broken or left out, or none."""
    start = draw(st.datetimes(datetime.combine(site.today, time()) + timedelta(days=1),
                              datetime.combine(site.today, time()) + timedelta(days=300)))
    start = start.replace(second=0, microsecond=0, tzinfo=HELSINKI)
    body: dict[str, Any] = {
        "queue": draw(st.sampled_from(site.facts["own_queues"] * 3 + site.facts["other_queues"])),
        "start": start.isoformat(),
        "end": (start + timedelta(hours=draw(st.integers(1, 200)))).isoformat(),
        "extra_agents": draw(st.integers(0, 60)),
        "extra_contacts_percent": draw(st.integers(0, 600)),
        "reason": draw(st.text(min_size=1, max_size=520)),
    }
    change = draw(st.sampled_from(["none", "none", "break", "drop"]))
    name = draw(st.sampled_from(sorted(body)))
    if change == "break":
        body[name] = draw(st.one_of(junk_text, st.integers(), st.none(), st.booleans(),
                                    st.floats(), st.lists(st.integers(), max_size=2)))
    elif change == "drop":
        body.pop(name)
    return body


@st.composite
def time_off_bodies(draw, site: Site) -> dict[str, Any]:  # noqa: ANN001
    """A time-off request body near the valid one: one field broken or left out, or none."""
    first = site.today + timedelta(days=draw(st.integers(-3, 200)))
    body: dict[str, Any] = {
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=draw(st.integers(-1, 30)))).isoformat(),
        "reason": draw(st.text(max_size=320)),
    }
    change = draw(st.sampled_from(["none", "none", "break", "drop"]))
    name = draw(st.sampled_from(sorted(body)))
    if change == "break":
        body[name] = draw(st.one_of(junk_text, st.integers(), st.none(), st.booleans()))
    elif change == "drop":
        body.pop(name)
    return body


def api_inputs(site: Site, operation: Any) -> st.SearchStrategy:  # noqa: ANN401
    """A schemathesis case for one operation, often aimed at real keys and near-valid bodies."""
    body = st.none()
    if operation.method.upper() == "POST":
        body = time_off_bodies(site) if operation.path == "/my/time-off" else request_bodies(site)
    return st.tuples(operation.as_strategy(), st.booleans(), body)


def _known_path(site: Site, case: Any) -> None:  # noqa: ANN401
    """Point a case's path parameters at things that exist and the caller may see."""
    known = {"client_key": site.facts["client_key"], "agent_key": site.facts["agent_key"],
             "roster_id": site.facts["rosters"][0]}
    case.path_parameters = {k: known.get(k, v) for k, v in (case.path_parameters or {}).items()}


def check_api_case(site: Site, example: tuple, checks: list) -> Outcome:
    """Send a schemathesis case: a documented answer, and a write only for a new request."""
    case, aim, body = example
    token = api_tokens(site)[api_role(case.path)]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    if aim:
        _known_path(site, case)
        if body is not None:
            case.body = body
    elif case.method == "POST":  # past the access check, to the body's validation
        case.path_parameters = {**case.path_parameters, "client_key": site.facts["client_key"]}
    try:
        response = case.call(app=site.app)
    except Exception as error:  # noqa: BLE001
        site.changes()
        return Outcome(SERVER_ERROR, f"{type(error).__name__}: {error}"[:200])
    changed = site.changes()
    if response.status_code >= 500:
        return Outcome(SERVER_ERROR, f"HTTP {response.status_code} {case.method} {case.path}")
    replayed = "idempotent-replayed" in {k.lower() for k in response.headers}
    created = response.status_code == 201 and not replayed
    table = CREATED_BY_POST.get(case.path, "capacityrequest")
    if changed != ([table] if created else []):
        return Outcome(PARTIAL_WRITE, f"HTTP {response.status_code} changed {changed}")
    try:
        case.validate_response(response, checks=checks)
    except Exception as error:  # noqa: BLE001  (a FailureGroup of failed checks)
        return Outcome(OFF_SCHEMA, f"{case.method} {case.path}: {error}"[:200])
    return Outcome(ACCEPTED if response.status_code < 400 else REFUSED)


@dataclass(frozen=True)
class FormTarget:
    """A fuzzing target: how to generate its inputs on a site, and how to judge one."""

    name: str
    inputs: Callable[[Site], st.SearchStrategy]
    check: Callable[[Site, Any], Outcome]
    share: float  # of the runner's inputs


FORM_TARGETS = (
    FormTarget("history_upload", upload_inputs, check_upload, 0.10),
    FormTarget("capacity_request_form", capacity_request_inputs, check_capacity_request, 0.12),
    FormTarget("answer_form", answer_inputs, check_answer, 0.06),
    FormTarget("override_form", override_inputs, check_override, 0.07),
    FormTarget("login_form", login_inputs, check_login, 0.05),
    FormTarget("plan_form", plan_inputs, check_plan, 0.06),
    FormTarget("publish_form", publish_inputs, check_publish, 0.04),
    FormTarget("api_token_form", api_token_inputs, check_api_token, 0.03),
)
