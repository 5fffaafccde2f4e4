"""Database tables (SQLModel). Every datetime column holds an aware UTC instant."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current instant in UTC."""
    return datetime.now(UTC)


class Client(SQLModel, table=True):
    """A client company whose customer service the outsourcer runs."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    name: str
    shortfall_weight: int = 100


class Queue(SQLModel, table=True):
    """Work for one client on one channel in one language, with its service target."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    channel: str
    language: str
    name: str
    service_level: float = 0.8
    answer_seconds: int = 20
    max_occupancy: float = 0.85
    shrinkage: float = 0.0
    concurrency: int = 1
    response_minutes: int = 0
    patience_seconds: float = 0.0  # voice callers' mean patience: Erlang A; 0 = Erlang C
    opening_hours: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closed_on_holidays: bool = True


class Contract(SQLModel, table=True):
    """Working-time terms agents are employed on."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    min_minutes_per_week: int
    max_minutes_per_week: int
    max_minutes_per_day: int = 480
    min_daily_rest_minutes: int = 660
    # pattern rules (scheduler.day_rules); the defaults never bind
    max_consecutive_days: int = 6
    min_minutes_per_period: int = 0
    max_minutes_per_period: int | None = None
    max_shifts_per_type: dict = Field(default_factory=dict,
                                      sa_column=Column(JSON, nullable=False))
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None


class ShiftRule(SQLModel, table=True):
    """When shifts may start and how long they may be (local wall-clock minutes)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    earliest_start_minute: int
    latest_start_minute: int
    lengths_minutes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_step_minutes: int = 30
    meal_break_minutes: int = 30
    meal_break_over_minutes: int = 360
    meal_break_window_start: int = 150
    meal_break_window_end: int = 330
    meal_break_paid: bool = False
    # named shift types: [{"key", "name", "earliest_start_minute", "latest_start_minute",
    # "lengths_minutes", "not_followed_by"}]; empty = any start and length of the rule
    shift_types: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # paid coffee breaks and the block-switch penalty (scheduler.domain.ShiftRule's defaults)
    coffee_break_minutes: int = 15
    coffee_break_every_minutes: int = 240  # 0: no coffee breaks
    coffee_break_window_start: int = 60  # minutes into each `every` block
    coffee_break_window_end: int = 180
    switch_weight: int = 1


class PlanningSettings(SQLModel, table=True):
    """Planning-wide soft-term weights, one row (id 1); no row means the scheduler's defaults."""

    id: int | None = Field(default=None, primary_key=True)
    # scheduler.domain.Fairness: cost per weekend shift / evening / night interval above share
    fair_weekend_weight: int = 10
    fair_evening_weight: int = 1
    fair_night_weight: int = 2


class Agent(SQLModel, table=True):
    """An agent employed by the outsourcer."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    name: str
    contract_id: int = Field(foreign_key="contract.id")
    shift_rule_id: int = Field(foreign_key="shiftrule.id")
    active: bool = True


class AgentSkill(SQLModel, table=True):
    """A queue an agent is certified for."""

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    queue_id: int = Field(foreign_key="queue.id", primary_key=True)


class TimeOff(SQLModel, table=True):
    """A day an agent asked to be off, and whether it was approved."""

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    day: date
    status: str = "approved"  # requested, approved, declined
    reason: str = ""
    request_id: int | None = Field(default=None, foreign_key="timeoffrequest.id")


class TimeOffRequest(SQLModel, table=True):
    """An agent's request for days off, and the coordinator's answer."""

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    first_day: date
    last_day: date  # inclusive
    reason: str = ""
    status: str = "requested"  # requested, approved, declined, cancelled
    answer: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: str = ""
    decided_at: datetime | None = None


class ContactHistory(SQLModel, table=True):
    """Contacts that arrived in one interval on one queue."""

    __table_args__ = (UniqueConstraint("queue_id", "interval_start"),)

    id: int | None = Field(default=None, primary_key=True)
    queue_id: int = Field(foreign_key="queue.id", index=True)
    interval_start: datetime = Field(index=True)
    interval_minutes: int = 30
    contacts: int
    aht_seconds: float | None = None


class Forecast(SQLModel, table=True):
    """A versioned forecast run over a planning period."""

    id: int | None = Field(default=None, primary_key=True)
    version: int
    start_day: date
    days: int
    interval_minutes: int
    method: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = "system"


class ForecastInterval(SQLModel, table=True):
    """Forecast contacts and handle time for one queue and interval."""

    id: int | None = Field(default=None, primary_key=True)
    forecast_id: int = Field(foreign_key="forecast.id", index=True)
    queue_id: int = Field(foreign_key="queue.id", index=True)
    interval_start: datetime
    contacts: float
    contacts_low: float
    contacts_high: float
    aht_seconds: float
    model: str


class Requirement(SQLModel, table=True):
    """A versioned staffing requirement derived from one forecast."""

    id: int | None = Field(default=None, primary_key=True)
    version: int
    forecast_id: int = Field(foreign_key="forecast.id")
    created_at: datetime = Field(default_factory=utcnow)
    # a requirement adjusted from another one (capacity requests applied), and how
    base_requirement_id: int | None = Field(default=None, foreign_key="requirement.id")
    note: str = ""
    # each queue's service target when computed (queue key -> ServiceTarget fields), so the
    # requirement report shows the target its numbers answer even after the queue changes
    targets: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AppliedCapacityRequest(SQLModel, table=True):
    """An approved capacity request that a requirement includes (never applied twice)."""

    requirement_id: int = Field(foreign_key="requirement.id", primary_key=True)
    capacity_request_id: int = Field(foreign_key="capacityrequest.id", primary_key=True)


class RequirementInterval(SQLModel, table=True):
    """Required agents for one queue and interval, with how they were computed."""

    id: int | None = Field(default=None, primary_key=True)
    requirement_id: int = Field(foreign_key="requirement.id", index=True)
    queue_id: int = Field(foreign_key="queue.id", index=True)
    interval_start: datetime
    contacts: float
    aht_seconds: float
    model: str
    raw_agents: int
    required_agents: int
    abandon_share: float | None = None  # expected share of callers hanging up (Erlang A)


_ROSTER_LOCK_VERSION = Column("lock_version", Integer, nullable=False, default=1)


class Roster(SQLModel, table=True):
    """A roster over a planning period: a draft, or a published version (never edited).

    `lock_version` is bumped by every update (optimistic locking): an update based on a
    stale read fails instead of silently overwriting another coordinator's change. Published
    version numbers are unique.
    """

    __table_args__ = (
        Index(
            "uq_roster_published_version",
            "version",
            unique=True,
            sqlite_where=text("version > 0"),
            postgresql_where=text("version > 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    lock_version: int = Field(default=1, sa_column=_ROSTER_LOCK_VERSION)
    start_day: date
    days: int
    interval_minutes: int
    status: str = "draft"  # draft, published, superseded
    version: int = 0  # published version number; 0 while a draft
    requirement_id: int = Field(foreign_key="requirement.id")
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    solver_status: str = ""
    objective: float = 0.0
    best_bound: float = 0.0
    wall_seconds: float = 0.0
    penalties: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # the published roster this draft was re-planned or edited from, and why it was made
    base_roster_id: int | None = Field(default=None, foreign_key="roster.id")
    note: str = ""

    __mapper_args__ = {"version_id_col": _ROSTER_LOCK_VERSION}  # noqa: RUF012


class Shift(SQLModel, table=True):
    """One agent's shift in a roster."""

    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="roster.id", index=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    day: date
    start: datetime
    end: datetime
    shift_type: str = ""  # key of the shift rule's shift type, "" when it has none


class Break(SQLModel, table=True):
    """A break inside a shift."""

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id", index=True)
    start: datetime
    end: datetime
    kind: str = "meal"
    paid: bool = False


class Activity(SQLModel, table=True):
    """A block of a shift spent on one queue."""

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id", index=True)
    queue_id: int = Field(foreign_key="queue.id")
    start: datetime
    end: datetime


class CapacityRequest(SQLModel, table=True):
    """A client's request for extra capacity on one of its queues."""

    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key", name="uq_capacityrequest_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    queue_id: int = Field(foreign_key="queue.id")
    start: datetime
    end: datetime
    extra_agents: int = 0
    extra_contacts_percent: int = 0
    reason: str = ""
    status: str = "open"  # open, approved, declined
    answer: str = ""
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # the API's Idempotency-Key: a repeated submission by the same user finds the first one
    idempotency_key: str | None = Field(default=None, max_length=255)
    answered_by: str = ""
    answered_at: datetime | None = None
    roster_id: int | None = Field(default=None, foreign_key="roster.id")  # its re-planned draft


class Job(SQLModel, table=True):
    """A long-running planning run (forecast, staffing, solve) and how far it has got."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "plan"
    status: str = "queued"  # queued, running, succeeded, failed, cancelled
    progress: float = 0.0  # 0..1
    message: str = ""
    start_day: date
    days: int = 7
    time_limit_seconds: float = 60.0
    cancel_requested: bool = False
    roster_id: int | None = Field(default=None, foreign_key="roster.id")
    # a re-plan (kind "replan") starts from a published roster for a capacity request
    base_roster_id: int | None = Field(default=None, foreign_key="roster.id")
    capacity_request_id: int | None = Field(default=None, foreign_key="capacityrequest.id")
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None  # written every few seconds while running
    finished_at: datetime | None = None


class ForecastOverride(SQLModel, table=True):
    """A coordinator's uplift on a queue's or client's forecast, kept as an audit trail."""

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(index=True)  # a queue key or a client key
    start_day: date
    end_day: date  # inclusive
    percent: float  # +25 = 25 % more contacts
    reason: str
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None


class CalendarToken(SQLModel, table=True):
    """A secret that lets calendar apps subscribe to one agent's published shifts."""

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    token: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class User(SQLModel, table=True):
    """A login: a coordinator, an agent (linked to an agent) or a client (linked to a client)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True)
    password_hash: str
    role: str  # coordinator, agent, client
    display_name: str = ""
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    client_id: int | None = Field(default=None, foreign_key="client.id")
    active: bool = True


class ApiToken(SQLModel, table=True):
    """A user's bearer token for the JSON API; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = ""
    token_sha256: str = Field(index=True, unique=True, max_length=64)
    prefix: str = ""  # the first characters, so the owner can tell tokens apart
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
