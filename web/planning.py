"""The one module that turns database rows into a Problem, and a solved Roster back into rows."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import holidays
import pandas as pd
from flask import has_app_context
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, func, select

from scheduler import domain
from scheduler.explain import explain_shortfall
from scheduler.grid import Grid
from scheduler.validate import validate
from web import models as m
from web.view_cache import view_cache


def utc(instant: datetime) -> datetime:
    """An aware instant in UTC, as the database stores it (a naive one is taken as UTC)."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def service_target(row: m.Queue) -> domain.ServiceTarget:
    """A queue row's service target."""
    return domain.ServiceTarget(
        service_level=row.service_level,
        answer_seconds=row.answer_seconds,
        max_occupancy=row.max_occupancy,
        shrinkage=row.shrinkage,
        concurrency=row.concurrency,
        response_minutes=row.response_minutes,
        patience_seconds=row.patience_seconds,
    )


def opening_hours(row: m.Queue) -> domain.OpeningHours:
    """A queue row's weekly opening hours."""
    weekly = tuple(tuple(hours) if hours else None for hours in row.opening_hours)
    return domain.OpeningHours(weekly=weekly, closed_on_holidays=row.closed_on_holidays)


def contract(row: m.Contract) -> domain.Contract:
    """A contract row as the solver sees it."""
    return domain.Contract(
        name=row.name,
        min_minutes_per_week=row.min_minutes_per_week,
        max_minutes_per_week=row.max_minutes_per_week,
        max_minutes_per_day=row.max_minutes_per_day,
        min_daily_rest_minutes=row.min_daily_rest_minutes,
        max_consecutive_days=row.max_consecutive_days,
        min_minutes_per_period=row.min_minutes_per_period,
        max_minutes_per_period=row.max_minutes_per_period,
        max_shifts_per_type=dict(row.max_shifts_per_type or {}),
        min_consecutive_days=row.min_consecutive_days,
        min_consecutive_days_off=row.min_consecutive_days_off,
        max_weekends=row.max_weekends,
    )


def shift_rule(row: m.ShiftRule) -> domain.ShiftRule:
    """A shift-rule row as the solver sees it."""
    return domain.ShiftRule(
        name=row.name,
        earliest_start_minute=row.earliest_start_minute,
        latest_start_minute=row.latest_start_minute,
        lengths_minutes=tuple(row.lengths_minutes),
        start_step_minutes=row.start_step_minutes,
        meal_break_minutes=row.meal_break_minutes,
        meal_break_over_minutes=row.meal_break_over_minutes,
        meal_break_window_minutes=(row.meal_break_window_start, row.meal_break_window_end),
        meal_break_paid=row.meal_break_paid,
        shift_types=tuple(shift_type(t) for t in row.shift_types or ()),
        coffee_break_minutes=row.coffee_break_minutes,
        coffee_break_every_minutes=row.coffee_break_every_minutes,
        coffee_break_window_minutes=(row.coffee_break_window_start, row.coffee_break_window_end),
        switch_weight=row.switch_weight,
    )


SETTINGS_ID = 1  # planning settings are one row


def planning_settings(session: Session) -> m.PlanningSettings:
    """The planning settings row; a new, unsaved one holding the defaults if none is stored."""
    return session.get(m.PlanningSettings, SETTINGS_ID) or m.PlanningSettings(id=SETTINGS_ID)


def fairness(row: m.PlanningSettings) -> domain.Fairness:
    """The planning settings' fairness weights as the solver sees them (default windows)."""
    return domain.Fairness(weekend_weight=row.fair_weekend_weight,
                           evening_weight=row.fair_evening_weight,
                           night_weight=row.fair_night_weight)


def shift_type(stored: dict) -> domain.ShiftType:
    """A shift type as stored on a shift-rule row."""
    return domain.ShiftType(
        key=stored["key"],
        earliest_start_minute=int(stored["earliest_start_minute"]),
        latest_start_minute=int(stored["latest_start_minute"]),
        lengths_minutes=tuple(int(n) for n in stored["lengths_minutes"]),
        name=stored.get("name", ""),
        not_followed_by=tuple(stored.get("not_followed_by", ())),
    )


@functools.lru_cache(maxsize=64)
def public_holidays(grid: Grid) -> frozenset[date]:
    """Finnish public holidays within the grid's period (pure: kept per grid)."""
    finnish = holidays.country_holidays("FI", years=sorted({d.year for d in grid.day_list}))
    return frozenset(day for day in grid.day_list if day in finnish)


@functools.lru_cache(maxsize=1024)
def open_flags(grid: Grid, hours: domain.OpeningHours) -> tuple[bool, ...]:
    """Whether a queue is open in each interval of the grid (Finnish holidays count; pure:
    every page of a week asks again for the same grid and hours, so answers are kept)."""
    finnish = public_holidays(grid)
    flags = []
    for t in range(grid.n_intervals):
        local = grid.local(t)
        flags.append(hours.is_open(local, holiday=local.date() in finnish))
    return tuple(flags)


def queues_by_id(session: Session) -> dict[int, m.Queue]:
    """Every queue row keyed by id."""
    return {q.id: q for q in session.exec(select(m.Queue))}


def stored_requirement(
    session: Session, requirement_id: int, grid: Grid
) -> dict[str, tuple[int, ...]]:
    """Required agents per queue and interval of the grid, from a stored requirement (kept
    per requirement and grid in a web request: a requirement's rows are only inserted)."""
    key_of = {q.id: q.key for q in session.exec(select(m.Queue))}
    if has_app_context():
        row = session.get(m.Requirement, requirement_id)
        key = ("stored_requirement", requirement_id, row.created_at if row else None, grid,
               tuple(sorted(key_of.items())))
        return dict(view_cache().get_or_make(  # a copy: callers may add to it
            key, lambda: _stored_requirement(session, requirement_id, grid, key_of)))
    return _stored_requirement(session, requirement_id, grid, key_of)


def _stored_requirement(
    session: Session, requirement_id: int, grid: Grid, key_of: dict[int, str]
) -> dict[str, tuple[int, ...]]:
    """Read a stored requirement onto the grid (stored_requirement without the cache)."""
    vectors = {key: [0] * grid.n_intervals for key in key_of.values()}
    rows = session.exec(  # plain columns: a week of every queue is thousands of rows
        select(m.RequirementInterval.queue_id, m.RequirementInterval.interval_start,
               m.RequirementInterval.required_agents)
        .where(m.RequirementInterval.requirement_id == requirement_id)
    )
    for queue_id, interval_start, required_agents in rows:
        instant = utc(interval_start)
        if grid.start_utc <= instant < grid.end_utc:
            vectors[key_of[queue_id]][grid.index_of(instant)] = required_agents
    return {key: tuple(values) for key, values in vectors.items()}


def requirement_from_frame(frame: pd.DataFrame, grid: Grid) -> dict[str, list[int]]:
    """Required agents per queue and interval of the grid, from a requirement frame."""
    vectors: dict[str, list[int]] = defaultdict(lambda: [0] * grid.n_intervals)
    for queue, start, required in zip(
        frame["queue"], frame["interval_start"], frame["required_agents"], strict=True
    ):
        instant = start.to_pydatetime()
        if grid.start_utc <= instant < grid.end_utc:
            vectors[queue][grid.index_of(instant)] = int(required)
    return vectors


def build_problem(
    session: Session,
    *,
    grid: Grid,
    requirement: Mapping[str, Sequence[int]],
    with_fixed_before: bool = True,
) -> domain.Problem:
    """The rostering problem for a period: all clients' queues and all active agents at once.

    `requirement` maps queue keys to required agents per interval; queues it lacks need none.
    Each agent's published shifts of the days before the period are kept fixed, so daily and
    weekly rest and consecutive days hold across the boundary.
    """
    clients = {c.id: c for c in session.exec(select(m.Client))}
    queue_rows = sorted(queues_by_id(session).values(), key=lambda q: q.key)
    key_of = {q.id: q.key for q in queue_rows}
    empty = (0,) * grid.n_intervals
    queues = tuple(
        domain.Queue(
            key=q.key,
            client=clients[q.client_id].key,
            channel=q.channel,
            language=q.language,
            shortfall_weight=clients[q.client_id].shortfall_weight,
        )
        for q in queue_rows
    )
    agents = tuple(_agents(session, grid, key_of))
    before = published_shifts_before(session, grid) if with_fixed_before else {}
    active = {a.key for a in agents}
    return domain.Problem(
        grid=grid,
        queues=queues,
        agents=agents,
        requirement={q.key: tuple(requirement.get(q.key, empty)) for q in queue_rows},
        is_open={q.key: open_flags(grid, opening_hours(q)) for q in queue_rows},
        holidays=public_holidays(grid),
        fixed_before={key: shifts for key, shifts in before.items() if key in active},
        fairness=fairness(planning_settings(session)),
    )


ID_CHUNK = 5000  # ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits
FIXED_BEFORE_DAYS = 8  # the longest look-back of a hard rule (consecutive days) and then some


def published_shifts_before(session: Session, grid: Grid) -> dict[str, tuple[domain.Shift, ...]]:
    """Each agent's published shifts that start in the days just before the grid's period."""
    since = grid.start_utc - timedelta(days=FIXED_BEFORE_DAYS)
    query = (
        select(m.Shift.id)
        .join(m.Roster, col(m.Roster.id) == col(m.Shift.roster_id))
        .where(m.Roster.status == "published", m.Shift.start >= since,
               m.Shift.start < grid.start_utc)
    )
    ids = list(session.exec(query))
    shifts = _domain_shifts(session, ids)
    by_agent: dict[str, list[domain.Shift]] = defaultdict(list)
    for shift in shifts:
        by_agent[shift.agent].append(shift)
    return {key: tuple(sorted(v, key=lambda s: s.start)) for key, v in by_agent.items()}


def _agents(session: Session, grid: Grid, key_of: dict[int, str]) -> list[domain.Agent]:
    """Active agents with their skills, contract, shift rule and approved time off."""
    contracts = {c.id: contract(c) for c in session.exec(select(m.Contract))}
    rules = {r.id: shift_rule(r) for r in session.exec(select(m.ShiftRule))}
    skills: dict[int, set[str]] = defaultdict(set)
    for agent_id, queue_id in session.exec(select(m.AgentSkill.agent_id, m.AgentSkill.queue_id)):
        skills[agent_id].add(key_of[queue_id])
    time_off: dict[int, set[date]] = defaultdict(set)
    last_day = grid.day_list[-1]
    approved = select(m.TimeOff).where(
        m.TimeOff.status == "approved", m.TimeOff.day >= grid.start_day, m.TimeOff.day <= last_day
    )
    for row in session.exec(approved):
        time_off[row.agent_id].add(row.day)
    agents = session.exec(select(m.Agent.id, m.Agent.key, m.Agent.name, m.Agent.contract_id,
                                 m.Agent.shift_rule_id).where(m.Agent.active)
                          .order_by(m.Agent.key))
    return [
        domain.Agent(
            key=key,
            name=name,
            skills=frozenset(skills[agent_id]),
            contract=contracts[contract_id],
            shift_rule=rules[shift_rule_id],
            time_off=frozenset(time_off[agent_id]),
        )
        for agent_id, key, name, contract_id, shift_rule_id in agents
    ]


def save_draft(
    session: Session,
    result: domain.SolveResult,
    *,
    requirement_id: int,
    grid: Grid,
    base_roster_id: int | None = None,
    note: str = "",
) -> m.Roster:
    """Store a solved roster as a draft (the caller commits, so it is all or nothing)."""
    roster = m.Roster(
        base_roster_id=base_roster_id,
        note=note,
        start_day=grid.start_day,
        days=grid.days,
        interval_minutes=grid.interval_minutes,
        requirement_id=requirement_id,
        solver_status=result.status,
        objective=float(result.objective),
        best_bound=float(result.best_bound),
        wall_seconds=float(result.wall_seconds),
        penalties={name: int(v) for name, v in result.penalties.items()},
    )
    session.add(roster)
    session.flush()
    agent_ids = {a.key: a.id for a in session.exec(select(m.Agent))}
    queue_ids = {q.key: q.id for q in session.exec(select(m.Queue))}
    for shift in result.roster.shifts:
        row = m.Shift(
            roster_id=roster.id,
            agent_id=agent_ids[shift.agent],
            day=shift.day,
            start=utc(shift.start),
            end=utc(shift.end),
            shift_type=shift.shift_type,
        )
        session.add(row)
        session.flush()
        for b in shift.breaks:
            session.add(
                m.Break(
                    shift_id=row.id,
                    start=utc(b.start),
                    end=utc(b.end),
                    kind=b.kind,
                    paid=b.paid,
                )
            )
        for a in shift.activities:
            session.add(
                m.Activity(
                    shift_id=row.id,
                    queue_id=queue_ids[a.queue],
                    start=utc(a.start),
                    end=utc(a.end),
                )
            )
    return roster


def load_roster(session: Session, roster_id: int) -> domain.Roster:
    """A stored roster as the validator and the coverage count see it."""
    ids = list(session.exec(select(m.Shift.id).where(m.Shift.roster_id == roster_id)))
    return domain.Roster(shifts=tuple(_domain_shifts(session, ids)))


def _domain_shifts(session: Session, ids: list[int]) -> list[domain.Shift]:
    """Stored shifts (by id) with their breaks and activities, as the solver's Shifts.

    Plain columns, not ORM rows: a 300-agent week is thousands of rows per page view.
    """
    if not ids:
        return []
    agent_keys = {a_id: key for a_id, key in session.exec(select(m.Agent.id, m.Agent.key))}
    queue_keys = {q_id: key for q_id, key in session.exec(select(m.Queue.id, m.Queue.key))}
    breaks: dict[int, list[domain.Break]] = defaultdict(list)
    activities: dict[int, list[domain.Activity]] = defaultdict(list)
    shift_rows, break_rows, activity_rows = [], [], []
    for chunk in (ids[i:i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)):
        shift_rows += session.exec(select(
            m.Shift.id, m.Shift.agent_id, m.Shift.day, m.Shift.start, m.Shift.end,
            m.Shift.shift_type).where(col(m.Shift.id).in_(chunk))).all()
        break_rows += session.exec(select(
            m.Break.shift_id, m.Break.start, m.Break.end, m.Break.kind, m.Break.paid).where(
            col(m.Break.shift_id).in_(chunk))).all()
        activity_rows += session.exec(select(
            m.Activity.shift_id, m.Activity.queue_id, m.Activity.start, m.Activity.end).where(
            col(m.Activity.shift_id).in_(chunk))).all()
    for shift_id, start, end, kind, paid in break_rows:
        breaks[shift_id].append(domain.Break(utc(start), utc(end), kind=kind, paid=paid))
    for shift_id, queue_id, start, end in activity_rows:
        activities[shift_id].append(domain.Activity(queue_keys[queue_id], utc(start), utc(end)))
    return [
        domain.Shift(
            agent=agent_keys[agent_id],
            day=day,
            start=utc(start),
            end=utc(end),
            breaks=tuple(sorted(breaks[shift_id], key=lambda b: b.start)),
            activities=tuple(sorted(activities[shift_id], key=lambda a: a.start)),
            shift_type=shift_type,
        )
        for shift_id, agent_id, day, start, end, shift_type in sorted(shift_rows)
    ]


class PublishError(ValueError):
    """A roster that cannot be published as asked."""


def publish(
    session: Session, roster_id: int, expected_lock_version: int | None = None
) -> m.Roster:
    """Publish a draft as the next version, after checking it again against today's data.

    Time off approved or agents deactivated since the solve would make the draft break hard
    rules: such a draft is refused. Every published roster whose period overlaps is
    superseded, so agents never see two versions of a day. The caller commits.
    """
    roster = session.get(m.Roster, roster_id)
    if roster is None:
        raise PublishError(f"roster {roster_id} does not exist")
    if expected_lock_version is not None and roster.lock_version != expected_lock_version:
        raise PublishError(
            f"roster {roster_id} was changed by someone else since you opened it: reload it"
        )
    if roster.status != "draft":
        raise PublishError(f"roster {roster_id} is {roster.status}, only a draft can be published")
    violations = validate(stored_problem(session, roster), load_roster(session, roster_id))
    if violations:
        listed = "; ".join(v.message for v in violations[:3])
        raise PublishError(f"roster {roster_id} breaks {len(violations)} hard rules: {listed}")
    latest = session.exec(select(func.max(m.Roster.version))).one() or 0
    end = roster.start_day + timedelta(days=roster.days)
    for older in session.exec(select(m.Roster).where(m.Roster.status == "published")):
        if older.start_day < end and roster.start_day < older.start_day + timedelta(
            days=older.days
        ):
            older.status = "superseded"
            session.add(older)
    roster.status = "published"
    roster.version = latest + 1
    roster.published_at = m.utcnow()
    session.add(roster)
    return roster


def publish_and_commit(
    session: Session, roster_id: int, expected_lock_version: int | None = None
) -> m.Roster:
    """Publish and commit; a concurrent publish or edit makes this one fail, cleanly.

    Optimistic locking on the roster row and the unique published version number mean that
    of two coordinators publishing at once exactly one wins; the other gets a PublishError
    and nothing of theirs is written.
    """
    try:
        roster = publish(session, roster_id, expected_lock_version)
        session.commit()
    except PublishError:
        session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as error:
        session.rollback()
        raise PublishError(
            f"roster {roster_id} was published or changed by someone else at the same time: "
            "reload it"
        ) from error
    return roster


def published_roster(session: Session, day: date | None = None) -> m.Roster | None:
    """The published roster covering `day` (default: the newest published roster)."""
    query = select(m.Roster).where(m.Roster.status == "published")
    rosters = session.exec(query.order_by(col(m.Roster.version).desc())).all()
    if day is None:
        return rosters[0] if rosters else None
    for roster in rosters:
        if roster.start_day <= day < roster.start_day + timedelta(days=roster.days):
            return roster
    return None


def stored_problem(session: Session, roster: m.Roster) -> domain.Problem:
    """The problem a stored roster answers, rebuilt from today's agents and its requirement."""
    grid = grid_of(roster)
    return build_problem(
        session, grid=grid, requirement=stored_requirement(session, roster.requirement_id, grid)
    )


def shortfall_notes(session: Session, roster: m.Roster) -> list[str]:
    """Every short period of a stored roster with its reason in a coordinator's words."""
    problem = stored_problem(session, roster)
    names = {c.key: c.name for c in session.exec(select(m.Client)).all()}
    return [s.text for s in explain_shortfall(problem, load_roster(session, roster.id), names)]


def grid_of(roster: m.Roster) -> Grid:
    """The planning grid a roster was made on."""
    return Grid(roster.start_day, roster.days, roster.interval_minutes)
