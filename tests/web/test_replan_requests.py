"""An approved capacity request re-plans the published roster with few changes; clients see it."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pandas as pd
from sqlmodel import func, select

from scheduler.validate import validate
from tests.web.conftest import user_of
from web import models as m
from web.pipeline import apply_requests, approved_requests
from web.planning import grid_of, load_roster, stored_problem
from web.replanning import stored_requirement_frame

HELSINKI = ZoneInfo("Europe/Helsinki")
CHAT = "webshop-chat-fi"


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login(auth, planned, user: m.User) -> None:  # noqa: ANN001
    """Log a stored user in."""
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302


def _file_request(session, planned, **fields) -> m.CapacityRequest:  # noqa: ANN001, ANN003
    """Store an open request on the chat queue, Tuesday 10-12 of the planned week."""
    queue = session.exec(select(m.Queue).where(m.Queue.key == fields.pop("queue", CHAT))).one()
    day = planned.world.start_day + timedelta(days=1)
    row = m.CapacityRequest(
        client_id=queue.client_id, queue_id=queue.id,
        start=datetime.combine(day, clock(10), HELSINKI),
        end=datetime.combine(day, clock(12), HELSINKI),
        reason="campaign", created_by=user_of(session, "client", client_id=queue.client_id).id,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


def _wait_for_job(session) -> m.Job:  # noqa: ANN001
    """The newest job, once it has finished."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.exec(select(m.Job).order_by(m.Job.id.desc())).first()
        if job.status not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError("the job did not finish")


def _required(session, requirement_id: int, queue_key: str) -> pd.Series:  # noqa: ANN001
    """Required agents of one queue in a stored requirement, by interval start."""
    frame = stored_requirement_frame(session, requirement_id)
    return frame[frame["queue"] == queue_key].set_index("interval_start")["required_agents"]


def test_approval_replans_with_few_changes_and_the_client_sees_the_added_agents(
    client, auth, session, planned  # noqa: ANN001
) -> None:
    """Approve +2 agents → re-plan job → draft with the requirement raised only in the window,
    few agent-days changed and no broken rule → publish → the client's pages show the rise."""
    request = _file_request(session, planned, extra_agents=2)
    published = session.get(m.Roster, planned.roster_id)
    _login(auth, planned, user_of(session, "coordinator"))
    token = auth.csrf_token("/coordinator/requests")
    response = client.post(f"/coordinator/requests/{request.id}/answer", data={
        "csrf_token": token, "decision": "approved", "answer": "Two more agents",
        "replan": "y", "time_limit_seconds": "5"})
    assert response.status_code == 303 and "/coordinator/jobs/" in response.headers["Location"]
    job = _wait_for_job(session)
    assert (job.kind, job.status, job.base_roster_id) == ("replan", "succeeded", published.id)
    draft = session.get(m.Roster, job.roster_id)
    assert (draft.status, draft.base_roster_id) == ("draft", published.id)
    session.refresh(request)
    assert request.roster_id == draft.id and request.answered_by

    before = _required(session, published.requirement_id, CHAT)
    after = _required(session, draft.requirement_id, CHAT)
    raised = after - before
    window = (raised.index >= pd.Timestamp(request.start)) & (raised.index < pd.Timestamp(
        request.end))
    assert (raised[window] == 2).all() and window.sum() == 4, "+2 on each open half hour"
    assert (raised[~window] == 0).all(), "nothing changes outside the window"
    others = stored_requirement_frame(session, draft.requirement_id)
    assert (others[others["queue"] != CHAT]["required_agents"].sum()
            == stored_requirement_frame(session, published.requirement_id).query(
                "queue != @CHAT")["required_agents"].sum())

    assert validate(stored_problem(session, draft), load_roster(session, draft.id)) == []
    page = client.get(f"/coordinator/rosters/{draft.id}/compare").get_data(as_text=True)
    kinds = re.findall(r'<tr class="(added|removed|moved|reassigned)">', page)
    assert int(re.search(r'id="changed-days">(\d+)<', page).group(1)) == len(kinds)
    shifts = len(load_roster(session, published.id).shifts)
    retimed = sum(k != "reassigned" for k in kinds)
    assert retimed <= max(4, shifts // 20), (
        f"a re-plan for one two-hour window keeps almost every shift's hours: {kinds}")
    assert "Publish this roster" in page

    lock = draft.lock_version
    assert client.post(f"/coordinator/rosters/{draft.id}/publish",
                       data={"csrf_token": token, "lock_version": lock}).status_code == 303
    session.expire_all()
    assert session.get(m.Roster, draft.id).status == "published"
    assert session.get(m.Roster, published.id).status == "superseded"
    client.post("/logout", data={"csrf_token": token})

    company = session.get(m.Client, request.client_id)
    _login(auth, planned, user_of(session, "client", client_id=company.id))
    coverage = client.get(f"/clients/{company.key}/coverage").get_data(as_text=True)
    row = re.search(rf'id="request-{request.id}".*?</tr>', coverage, re.S).group(0)
    was = float(re.search(r'class="before">([\d.]+)<', row).group(1))
    now = float(re.search(r'class="now">([\d.]+)<', row).group(1))
    assert now > was, f"the client sees no added coverage: {was} → {now}"
    assert "in the published roster v2" in row
    requests_page = client.get(f"/clients/{company.key}/requests").get_data(as_text=True)
    assert "in the published roster v2" in requests_page

    # a later re-plan of the new roster does not add the same request again
    grid = grid_of(session.get(m.Roster, draft.id))
    assert approved_requests(session, grid, except_in=draft.requirement_id) == []


def test_extra_contacts_raise_the_forecast_in_the_window_and_the_staffing_follows(
    session, planned  # noqa: ANN001
) -> None:
    """+100 % voice contacts 10-12: contacts double there only, required agents rise there."""
    request = _file_request(session, planned, queue="telco-voice-fi",
                            extra_contacts_percent=100)
    request.status = "approved"
    roster = session.get(m.Roster, planned.roster_id)
    base = stored_requirement_frame(session, roster.requirement_id)
    adjusted = apply_requests(session, base, [request], grid_of(roster))
    key = ["queue", "interval_start"]
    joined = base.merge(adjusted, on=key, suffixes=("_before", "_after"))
    assert len(joined) == len(base) == len(adjusted)
    inside = ((joined["queue"] == "telco-voice-fi")
              & (joined["interval_start"] >= pd.Timestamp(request.start))
              & (joined["interval_start"] < pd.Timestamp(request.end)))
    assert inside.sum() == 4
    assert (joined.loc[inside, "contacts_after"]
            == 2 * joined.loc[inside, "contacts_before"]).all()
    assert (joined.loc[~inside, "contacts_after"] == joined.loc[~inside, "contacts_before"]).all()
    rise = joined["required_agents_after"] - joined["required_agents_before"]
    assert (rise[inside] >= 0).all() and rise[inside].sum() > 0
    assert (rise[~inside] == 0).all()


def test_approving_without_a_published_roster_waits_for_the_next_plan(
    client, auth, session, planned  # noqa: ANN001
) -> None:
    """A request for a week with no published roster is approved and no job starts."""
    request = _file_request(session, planned, extra_agents=1)
    request.start += timedelta(days=14)
    request.end += timedelta(days=14)
    session.add(request)
    session.commit()
    _login(auth, planned, user_of(session, "coordinator"))
    response = client.post(f"/coordinator/requests/{request.id}/answer", data={
        "csrf_token": auth.csrf_token("/coordinator/requests"), "decision": "approved",
        "answer": "", "replan": "y", "time_limit_seconds": "5"})
    assert response.headers["Location"].endswith("/coordinator/requests")
    assert session.exec(select(func.count()).select_from(m.Job)).one() == 0
    session.refresh(request)
    assert request.status == "approved"
