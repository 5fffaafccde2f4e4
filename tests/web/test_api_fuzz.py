"""Schema-driven fuzzing of the JSON API (schemathesis): no input makes it answer 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from tests.web.conftest import user_of
from web import models as m
from web.api_tokens import issue_token
from web.openapi import OPENAPI

from .snapshots import Fingerprints, changed_tables

# schemathesis's pytest plugin folds every operation into one test under pytest-xdist and
# reaches few of them there: make test runs this module on its own, in one process
pytestmark = pytest.mark.serial

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")

schema = schemathesis.openapi.from_dict(OPENAPI)
EXAMPLES_PER_OPERATION = 50
STATUSES: dict[int, int] = {}  # answers by status code, over the whole run


def _role_for(path: str) -> str:
    """The role whose token reaches the operation's happy path most often."""
    if path.startswith("/my/") or path.startswith("/agents/"):
        return "agent"
    if path.startswith("/clients/"):
        return "client"
    return "coordinator"


@pytest.fixture()
def tokens(app):  # noqa: ANN001, ANN201
    """A token per role on the test app's database."""
    with Session(app.extensions["vuoro_engine"]) as session:
        made = {}
        for role in ("coordinator", "agent", "client"):
            _, made[role] = issue_token(session, user_id=user_of(session, role).id, name="fuzz")
        made["client_key"] = session.get(m.Client, user_of(session, "client").client_id).key
        session.commit()
    return made


WATCHES: dict[int, Fingerprints] = {}  # one per app: the examples of an operation share it


def _watch(app) -> Fingerprints:  # noqa: ANN001
    """The fingerprint keeper of the app's database."""
    engine = app.extensions["vuoro_engine"]
    if id(engine) not in WATCHES:
        for old in WATCHES.values():
            old.close()
        WATCHES.clear()
        WATCHES[id(engine)] = Fingerprints(engine)
    return WATCHES[id(engine)]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_with_a_server_error(case, app, tokens) -> None:  # noqa: ANN001
    """Generated paths, headers and bodies get a documented 2xx/4xx; refusals write nothing.

    Every row of every table is fingerprinted before and after each call: only a new (not
    replayed) 201 may change anything, and then only the table the operation adds to.
    """
    role = _role_for(case.path)
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[role]}"}
    if case.method == "POST":  # past the access check, to the body's validation
        case.path_parameters = {**case.path_parameters, "client_key": tokens["client_key"]}
    watch = _watch(app)
    before = watch.now()
    response = case.call_and_validate(
        app=app,
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
    )
    changed = changed_tables(before, watch.now())
    replayed = "idempotent-replayed" in {k.lower() for k in response.headers}
    created = response.status_code == 201 and not replayed
    table = "timeoffrequest" if case.path == "/my/time-off" else "capacityrequest"
    assert changed == ([table] if created else []), changed
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1


def test_fuzzing_reached_the_endpoints() -> None:
    """The run above got past authentication: some answers were 200 (run it first)."""
    if not STATUSES:
        pytest.skip("the fuzz test did not run in this session")
    assert STATUSES.get(200, 0) > 0 and STATUSES.get(400, 0) > 0
    assert sum(STATUSES.values()) >= 9 * 10
