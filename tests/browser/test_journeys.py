"""Each role's main journey in a real headless Chromium, with screenshots for the README."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session, col, select

from fixtures.history import generate_history, write_history_csv
from tests.ical_rfc5545 import rfc5545_problems
from tests.web.conftest import TODAY, PlannedWorld, small_world
from tests.web.databases import TestDatabases
from web import models as m
from web.db import make_engine, reset_schema
from web.seed import seed_world

from .conftest import PHONE, LiveApp, log_in, password_of

# without the playwright package (an old .venv) the module is skipped, not a collection error
expect = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'").expect
HELSINKI = ZoneInfo("Europe/Helsinki")
JOB_WAIT_MS = 90_000  # forecast + staffing + a 5 s solve, with room for a slow CI machine
CHAT_QUEUE = "webshop-chat-fi"


def _utc(instant: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite keeps them naive, in UTC)."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _seeded_without_history(databases: TestDatabases) -> str:
    """A new database holding the small world's clients, queues, agents and users only."""
    url = databases.create()
    engine = make_engine(url)
    reset_schema(engine)
    with Session(engine) as session:
        seed_world(session, small_world())
        session.commit()
    engine.dispose()
    return url


def _published_shift_of_an_agent_user(live: LiveApp) -> tuple[str, m.Shift]:
    """The first shift, in the newest published roster, of an agent who has a login."""
    with Session(live.app.extensions["vuoro_engine"]) as session:
        published = session.exec(select(m.Roster).where(m.Roster.status == "published")
                                 .order_by(col(m.Roster.version).desc())).first()
        agent_users = {u.agent_id: u.username
                       for u in session.exec(select(m.User).where(m.User.role == "agent"))}
        shift = session.exec(
            select(m.Shift).where(m.Shift.roster_id == published.id,
                                  col(m.Shift.agent_id).in_(list(agent_users)))
            .order_by(col(m.Shift.start))).first()
        session.expunge(shift)
    return agent_users[shift.agent_id], shift


def test_story_plan_publish_see_subscribe_request_replan_and_see_the_added_coverage(
    pages, live_app_on, databases, tmp_path: Path, screenshot  # noqa: ANN001
) -> None:
    """Done-when 1 as one story, all through the UI of one live app:

    a coordinator uploads history, forecasts, generates and publishes a roster; an agent logs
    in on a phone, sees the shift just published and downloads a calendar file that a strict
    iCal check accepts; a client asks for two more chat agents, the coordinator approves, the
    re-planned roster is published, and the client sees the agents added in that window.
    """
    world = small_world()
    csv_path = tmp_path / "history.csv"
    write_history_csv(generate_history(world, end=TODAY, weeks=8, interval_minutes=30), csv_path)
    live = live_app_on(_seeded_without_history(databases))
    coordinator = next(u for u in world.users if u.role == "coordinator")
    desk = pages(live, viewport={"width": 1400, "height": 900})

    # the coordinator: history → forecast and roster (a background job) → publish
    log_in(desk, coordinator.username, coordinator.password)
    expect(desk.get_by_text("No roster yet")).to_be_visible()
    desk.get_by_role("link", name="History").click()
    desk.get_by_label("CSV file").set_input_files(csv_path)
    desk.get_by_role("button", name="Upload").click()
    expect(desk.locator(".flash.ok")).to_contain_text(f"for {len(world.queues)} queues")
    desk.get_by_role("link", name="Plan").click()
    desk.get_by_label("First day (a Monday)").fill(world.start_day.isoformat())
    desk.get_by_role("button", name="Forecast only").click()
    desk.wait_for_url("**/coordinator/jobs/*")
    # the job page reloads itself every 2 s while the job runs; expect() retries across reloads
    expect(desk.locator("#job-status")).to_have_text("succeeded", timeout=JOB_WAIT_MS)
    desk.get_by_role("link", name="Review the forecast").click()
    expect(desk.locator("svg.chart").first).to_be_visible()
    desk.get_by_role("link", name="Plan").click()
    desk.get_by_label("First day (a Monday)").fill(world.start_day.isoformat())
    desk.get_by_label("Solver time limit (s)").fill("5")
    desk.get_by_role("button", name="Generate roster").click()
    desk.wait_for_url("**/coordinator/jobs/*")
    expect(desk.locator("#job-status")).to_have_text("succeeded", timeout=JOB_WAIT_MS)
    desk.get_by_role("link", name="Review the draft roster").click()
    expect(desk.locator(".meta .status")).to_have_text("draft")
    expect(desk.locator("table.roster td.on").first).to_be_visible()
    desk.get_by_role("button", name="Publish this roster").click()
    expect(desk.locator(".flash.ok")).to_have_text("Roster published as version 1.")
    expect(desk.locator(".meta .status")).to_have_text("published v1")
    expect(desk.get_by_role("button", name="Publish this roster")).to_have_count(0)
    screenshot(desk, "coordinator-roster")
    desk.get_by_role("link", name="Coverage").click()
    expect(desk.locator("svg").first).to_be_visible()
    screenshot(desk, "coordinator-coverage")

    # an agent on a phone: that very shift, and a strict calendar file
    username, shift = _published_shift_of_an_agent_user(live)
    agent = next(u for u in world.users if u.username == username)
    start, end = _utc(shift.start).astimezone(HELSINKI), _utc(shift.end).astimezone(HELSINKI)
    phone = pages(live, viewport=PHONE)
    log_in(phone, agent.username, agent.password)
    card = phone.locator("li.shift", has_text=start.strftime("%A %d.%m."))
    expect(card.locator("h2")).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")
    expect(card.locator("li.work").first).to_be_visible()
    phone.get_by_role("link", name="Calendar").click()
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download my shifts (.ics)").click()
    calendar = _strict_ical_checks(Path(download_info.value.path()).read_bytes())
    assert _utc(shift.start) in _event_starts(calendar)

    # a client asks for two more chat agents on Tuesday 10-12
    client_user = next(u for u in world.users if u.role == "client"
                       and u.client_key == CHAT_QUEUE.split("-")[0])
    day = world.start_day + timedelta(days=1)
    reason = "Black Friday campaign: twice the chats expected"
    client = pages(live)
    log_in(client, client_user.username, client_user.password)
    client.get_by_role("link", name="Capacity requests").click()
    client.get_by_label("Queue").select_option(CHAT_QUEUE)
    client.get_by_label("Day").fill(day.isoformat())
    client.get_by_label("From", exact=True).fill("10:00")
    client.get_by_label("Until").fill("12:00")
    client.get_by_label("Extra agents").fill("2")
    client.get_by_label("Reason").fill(reason)
    client.get_by_role("button", name="Send request").click()
    expect(client.locator(".flash.ok")).to_contain_text("Request sent")
    mine = client.locator("tr", has_text=reason)
    expect(mine.locator(".status")).to_have_text("open")
    expect(mine).to_contain_text(f"{day:%d.%m.} 10:00–12:00")

    # the coordinator approves: a re-plan from the published roster, reviewed, published
    desk.get_by_role("link", name="Requests").click()
    row = desk.locator("tr", has_text=reason)
    row.get_by_label("Decision").select_option("approved")
    row.get_by_label("Answer to the client").fill("Approved: two more chat agents 10-12.")
    row.get_by_label("Re-plan time limit (s)").fill("5")
    row.get_by_role("button", name="Send").click()
    desk.wait_for_url("**/coordinator/jobs/*")
    expect(desk.locator("#job-status")).to_have_text("succeeded", timeout=JOB_WAIT_MS)
    desk.get_by_role("link", name="Review the changes").click()
    expect(desk.locator("table.delta")).to_contain_text("chat")
    desk.get_by_role("button", name="Publish this roster").click()
    expect(desk.locator(".flash.ok")).to_have_text("Roster published as version 2.")

    # the client sees the approval and the agents it added
    client.get_by_role("link", name="Coverage").click()
    outcome = client.locator("table.requests tr", has_text="+2 agents")
    expect(outcome).to_contain_text("in the published roster v2")
    before = float(outcome.locator(".before").inner_text())
    now = float(outcome.locator(".now").inner_text())
    assert now > before, f"no coverage added in the window: {before} → {now}"
    screenshot(client, "client-coverage")
    client.get_by_role("link", name="Capacity requests").click()
    expect(mine.locator(".status")).to_have_text("approved")
    expect(mine).to_contain_text("Approved: two more chat agents 10-12.")


def _first_shift_of_an_agent_user(live: LiveApp, planned: PlannedWorld) -> tuple[str, m.Shift]:
    """An agent with a login and a shift in the published roster, and their first shift."""
    with Session(live.app.extensions["vuoro_engine"]) as session:
        published = session.exec(select(m.Roster).where(m.Roster.status == "published")).one()
        shifts = session.exec(
            select(m.Shift).where(m.Shift.roster_id == published.id).order_by(col(m.Shift.start))
        ).all()
        agent_users = {
            u.agent_id: u.username
            for u in session.exec(select(m.User).where(m.User.role == "agent"))
        }
        shift = next(s for s in shifts if s.agent_id in agent_users)
        session.expunge(shift)
    return agent_users[shift.agent_id], shift


def _strict_ical_checks(raw: bytes) -> Calendar:
    """Check the bytes against RFC 5545 (and a validating parser); then read them."""
    assert rfc5545_problems(raw) == []
    calendar = Calendar.from_ical(raw)
    assert calendar.walk("VEVENT"), "no events"
    return calendar


def _event_starts(calendar: Calendar) -> set[datetime]:
    """The events' start instants in UTC."""
    return {e.decoded("DTSTART").astimezone(UTC) for e in calendar.walk("VEVENT")}


def test_agent_sees_a_published_shift_and_downloads_the_calendar(
    pages, live_app: LiveApp, planned: PlannedWorld, screenshot  # noqa: ANN001
) -> None:
    """On a phone: the shift in Helsinki time, the .ics download and the subscription feed."""
    username, shift = _first_shift_of_an_agent_user(live_app, planned)
    start, end = _utc(shift.start).astimezone(HELSINKI), _utc(shift.end).astimezone(HELSINKI)
    page = pages(live_app, viewport=PHONE)
    log_in(page, username, password_of(planned, username))

    card = page.locator("li.shift", has_text=start.strftime("%A %d.%m."))
    expect(card.locator("h2")).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")
    expect(card.locator("li.work").first).to_be_visible()
    expect(page.get_by_text("Times are Helsinki time.")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the shifts page scrolls sideways on a phone by {overflow} px"
    screenshot(page, "agent-shifts-phone")

    page.get_by_role("link", name="Calendar").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my shifts (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-shifts.ics")
    downloaded = _strict_ical_checks(Path(download.path()).read_bytes())
    assert _utc(shift.start) in _event_starts(downloaded)

    page.get_by_role("button", name="Make my calendar link").click()
    feed_url = page.get_by_label("Calendar link").input_value()
    assert feed_url.startswith(live_app.base_url + "/calendar/")
    with urllib.request.urlopen(feed_url, timeout=10) as response:  # a calendar app: no cookie
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert _event_starts(_strict_ical_checks(response.read())) == _event_starts(downloaded)
    page.get_by_role("button", name="Turn the link off").click()
    expect(page.locator(".flash.ok")).to_have_text("Calendar link turned off.")
    with pytest.raises(urllib.error.HTTPError) as turned_off:
        urllib.request.urlopen(feed_url, timeout=10)
    assert turned_off.value.code == 404
