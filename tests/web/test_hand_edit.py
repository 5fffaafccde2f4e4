"""A coordinator edits a shift by hand: every broken rule is shown, a new draft is saved."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlmodel import select

from tests.web.conftest import user_of
from web import models as m
from web.planning import load_roster

HELSINKI = ZoneInfo("Europe/Helsinki")


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _first_shift(session, roster_id: int) -> tuple[m.Agent, m.Shift]:  # noqa: ANN001
    """The earliest shift of a roster and its agent."""
    shift = session.exec(select(m.Shift).where(m.Shift.roster_id == roster_id)
                         .order_by(m.Shift.start)).first()
    return session.get(m.Agent, shift.agent_id), shift


def _form(page: str) -> dict[str, str]:
    """The edit form's current values, as the browser would post them."""
    values = {}
    for name in ("csrf_token", "start", "end", "break_start", "break_end"):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', page)
        values[name] = found.group(1) if found else ""
    values["blocks"] = re.search(r'<textarea[^>]*name="blocks"[^>]*>\s*(.*?)</textarea>', page,
                                 re.S).group(1)
    return values


def test_a_rule_breaking_edit_is_warned_saved_as_a_draft_and_never_published(
    client, auth, session, planned  # noqa: ANN001
) -> None:
    """Start at 05:00: the shift-start rule is named; the draft is saved, the published
    roster is untouched, and the draft cannot be published."""
    coordinator = user_of(session, "coordinator")
    auth.login(coordinator.username, _password(planned, coordinator.username))
    agent, shift = _first_shift(session, planned.roster_id)
    url = f"/coordinator/rosters/{planned.roster_id}/edit/{agent.key}/{shift.day.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    form = _form(page)
    assert form["start"] and form["blocks"].strip(), "the form shows the current shift"
    before = load_roster(session, planned.roster_id)

    same = client.post(url, data=form | {"action": "check"}).get_data(as_text=True)
    assert "No hard rule broken" in same

    moved = form | {"start": "05:00"}  # before any shift rule's earliest start
    checked = client.post(url, data=moved | {"action": "check"})
    text = checked.get_data(as_text=True)
    assert "breaks" in text and "shift_start" in text
    assert len(session.exec(select(m.Roster)).all()) == 1, "checking saves nothing"

    saved = client.post(url, data=moved | {"action": "save"})
    assert saved.status_code == 303
    draft = session.exec(select(m.Roster).order_by(m.Roster.id.desc())).first()
    assert (draft.status, draft.base_roster_id) == ("draft", planned.roster_id)
    assert "hand edit" in draft.note
    assert load_roster(session, planned.roster_id) == before, "the published roster is kept"
    edited = next(s for s in load_roster(session, draft.id).shifts
                  if s.agent == agent.key and s.day == shift.day)
    assert edited.start.astimezone(HELSINKI).strftime("%H:%M") == "05:00"
    others = sorted((s.agent, s.start) for s in load_roster(session, draft.id).shifts
                    if not (s.agent == agent.key and s.day == shift.day))
    assert others == sorted((s.agent, s.start) for s in before.shifts
                            if not (s.agent == agent.key and s.day == shift.day))
    token = form["csrf_token"]
    response = client.post(f"/coordinator/rosters/{draft.id}/publish",
                           data={"csrf_token": token, "lock_version": draft.lock_version})
    assert response.status_code == 303
    session.refresh(draft)
    assert draft.status == "draft", "a draft breaking a hard rule is never published"


def test_an_unreadable_block_is_refused_with_its_line(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A block line in another format is named; nothing is saved."""
    coordinator = user_of(session, "coordinator")
    auth.login(coordinator.username, _password(planned, coordinator.username))
    agent, shift = _first_shift(session, planned.roster_id)
    url = f"/coordinator/rosters/{planned.roster_id}/edit/{agent.key}/{shift.day.isoformat()}"
    form = _form(client.get(url).get_data(as_text=True))
    response = client.post(url, data=form | {"blocks": "morning chat", "action": "save"})
    assert response.status_code == 400 and "block line 1" in response.get_data(as_text=True)
    assert len(session.exec(select(m.Roster)).all()) == 1
    assert client.get(f"/coordinator/rosters/{planned.roster_id}/edit/{agent.key}/"
                      "2020-01-01").status_code == 404
