"""Re-plan a published roster after a change, keeping as many published shifts as possible.

Approved capacity requests not yet in the published roster's requirement are added to it
(pipeline.apply_requests), and the period is solved again from the published roster with a
penalty on every changed agent-day (scheduler.replan); today's agents, skills and approved
time off apply. The result is a draft, stored with the adjusted requirement in one
transaction, for the coordinator to compare with the published roster and publish.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

import pandas as pd
from sqlmodel import Session, col, select

from scheduler.coverage import coverage
from scheduler.domain import Problem
from scheduler.replan import Replan, replan
from scheduler.validate import validate
from web import models as m
from web.pipeline import (
    InvalidRosterError,
    PlanningCancelled,
    PlanningError,
    Progress,
    apply_requests,
    approved_requests,
    store_requirement,
    with_email_workload,
)
from web.planning import build_problem, grid_of, load_roster, requirement_from_frame, save_draft

REQUIREMENT_COLUMNS = ("interval_start", "queue", "contacts", "aht_seconds", "model",
                       "raw_agents", "required_agents", "abandon_share")


def stored_requirement_frame(
    session: Session, requirement_id: int, queue_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """A stored requirement's rows as a requirement frame (queue keys, UTC interval starts);
    only the queues `queue_ids` names, when given."""
    keys = {q.id: q.key for q in session.exec(select(m.Queue))}
    r = m.RequirementInterval
    # plain columns, not ORM rows: a week of every queue is thousands of rows per page view
    query = select(r.interval_start, r.queue_id, r.contacts, r.aht_seconds, r.model,
                   r.raw_agents, r.required_agents, r.abandon_share).where(
        r.requirement_id == requirement_id)
    if queue_ids is not None:
        query = query.where(col(r.queue_id).in_(list(queue_ids)))
    frame = pd.DataFrame(
        [(start, keys[queue_id], *rest) for start, queue_id, *rest in session.exec(query)],
        columns=list(REQUIREMENT_COLUMNS),
    )
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    return frame.sort_values(["queue", "interval_start"], ignore_index=True)


def promised_agents(
    problem: Problem,
    before: Mapping[str, Sequence[int]],
    delivered: Mapping[str, Sequence[int]],
) -> dict[str, tuple[int, ...]]:
    """Agents promised where approved requests raised the requirement: what the published
    roster delivered there plus the rise, at most the new requirement.

    A client asking for two more agents is promised two more than it had, even when the
    requirement was not met before; the solver weighs these promises above other demand.
    """
    promised = {}
    for key, required in problem.requirement.items():
        old = before.get(key, (0,) * len(required))
        values = tuple(
            min(new, have + new - was) if new > was else 0
            for new, was, have in zip(required, old, delivered[key], strict=True)
        )
        if any(values):
            promised[key] = values
    return promised


def replan_published(
    session: Session,
    base_roster_id: int,
    *,
    time_limit_seconds: float,
    created_by: str = "system",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    before_commit: Callable[[Session, m.Roster, Replan], None] | None = None,
) -> tuple[m.Roster, Replan]:
    """Re-plan a published roster's period with pending approved requests; store a draft.

    Everything is computed first and written in one short transaction at the end, so a
    failure or a cancel saves nothing. `before_commit` runs inside that transaction (a job
    marks itself done there); if it raises, nothing is saved.
    """
    base = session.get(m.Roster, base_roster_id)
    if base is None:
        raise PlanningError(f"roster {base_roster_id} does not exist")
    if base.status != "published":
        raise PlanningError(f"roster {base_roster_id} is {base.status}; re-plan the published one")
    grid = grid_of(base)
    base_requirement = session.get(m.Requirement, base.requirement_id)
    requests = approved_requests(session, grid, except_in=base_requirement.id)
    before = stored_requirement_frame(session, base_requirement.id)
    frame = apply_requests(session, before, requests, grid)
    problem = with_email_workload(
        session, build_problem(session, grid=grid, requirement=requirement_from_frame(frame, grid)),
        frame)
    published = load_roster(session, base.id)
    problem = replace(problem, committed=promised_agents(
        problem, requirement_from_frame(before, grid), coverage(problem, published)))
    version, requirement_version = base.version, base_requirement.version
    session.rollback()  # end the read transaction before the long solve
    if cancelled is not None and cancelled():
        raise PlanningCancelled("cancelled by a coordinator: nothing was saved")
    plan = replan(problem, published, time_limit_seconds=time_limit_seconds, progress=progress,
                  stop=cancelled)
    if cancelled is not None and cancelled():
        raise PlanningCancelled("cancelled by a coordinator: nothing was saved")
    if plan.result.status not in ("OPTIMAL", "FEASIBLE"):
        raise PlanningError(f"no roster: solver status {plan.result.status}. "
                            f"{plan.result.message}")
    violations = validate(problem, plan.result.roster)
    if violations:
        raise InvalidRosterError(violations)
    asked = ", ".join(f"#{r.id}" for r in requests)
    added = f" + capacity requests {asked}" if asked else ""
    note = f"re-plan of v{version}" + (f" for capacity requests {asked}" if asked else "")
    try:
        base_requirement = session.get(m.Requirement, base_requirement.id)
        requirement = store_requirement(
            session, frame, base_requirement.forecast_id, requests=requests,
            base=base_requirement, note=f"requirement v{requirement_version}{added}",
        )
        draft = save_draft(session, plan.result, requirement_id=requirement.id, grid=grid,
                           base_roster_id=base_roster_id, note=f"{note} ({created_by})")
        session.flush()
        for request in requests:
            row = session.get(m.CapacityRequest, request.id)
            row.roster_id = draft.id
            session.add(row)
        if before_commit is not None:
            session.flush()
            before_commit(session, draft, plan)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return draft, plan
