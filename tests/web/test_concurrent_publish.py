"""Coordinators publishing the same roster at once: exactly one wins, none is lost silently."""

from __future__ import annotations

import threading

from sqlmodel import Session, func, select

from scheduler.domain import SolveResult
from web import models as m
from web.planning import PublishError, grid_of, load_roster, publish_and_commit, save_draft

ATTEMPTS = 100


def _draft_copy(session: Session, roster_id: int) -> m.Roster:
    """A new draft with the same shifts as a stored roster."""
    old = session.get(m.Roster, roster_id)
    same = SolveResult(load_roster(session, old.id), "OPTIMAL", 0.0, 0.0, 0.0)
    draft = save_draft(session, same, requirement_id=old.requirement_id, grid=grid_of(old))
    session.commit()
    return draft


def test_one_hundred_concurrent_publishes_one_winner(app, session, planned) -> None:  # noqa: ANN001
    """100 threads publish one draft at once: one succeeds, 99 get a clear error."""
    draft = _draft_copy(session, planned.roster_id)
    engine = app.extensions["vuoro_engine"]
    lock_version = draft.lock_version
    start = threading.Barrier(ATTEMPTS)
    wins: list[int] = []
    errors: list[str] = []

    def attempt() -> None:
        with Session(engine) as mine:
            start.wait()
            try:
                wins.append(publish_and_commit(mine, draft.id, lock_version).version)
            except PublishError as error:
                errors.append(str(error))

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1 and len(errors) == ATTEMPTS - 1
    assert all("reload" in e or "only a draft" in e for e in errors)
    session.expire_all()
    published = session.exec(select(m.Roster).where(m.Roster.status == "published")).all()
    assert [r.id for r in published] == [draft.id]
    assert session.exec(select(func.max(m.Roster.version))).one() == wins[0]


def test_publishing_from_a_stale_page_is_refused(session, planned) -> None:  # noqa: ANN001
    """A publish based on an outdated lock version does not overwrite the newer state."""
    draft = _draft_copy(session, planned.roster_id)
    stale = draft.lock_version - 1
    try:
        publish_and_commit(session, draft.id, stale)
        raise AssertionError("a stale publish must fail")
    except PublishError as error:
        assert "someone else" in str(error)
    session.expire_all()
    assert session.get(m.Roster, draft.id).status == "draft"
