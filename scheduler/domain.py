"""Immutable input and output of the rostering model: Problem in, Roster out (no ORM, no pandas)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scheduler.grid import Grid

CHANNELS = ("voice", "chat", "email")
LANGUAGES = ("fi", "sv", "en")


def queue_key(client: str, channel: str, language: str) -> str:
    """The one spelling of a queue's key: client-channel-language."""
    return f"{client}-{channel}-{language}"


@dataclass(frozen=True)
class Queue:
    """Work for one client on one channel in one language."""

    key: str
    client: str
    channel: str
    language: str
    shortfall_weight: int = 100  # penalty per missing agent-interval: the client's SLA priority
    overstaffing_weight: int = 1  # penalty per surplus agent-interval


@dataclass(frozen=True)
class ServiceTarget:
    """What "fast enough" means for a queue, and the staffing assumptions behind it."""

    service_level: float = 0.8  # share of contacts answered within answer_seconds
    answer_seconds: int = 20  # voice 20 s, chat 60 s; email uses response_minutes instead
    max_occupancy: float = 0.85
    shrinkage: float = 0.0  # unplanned absence/meetings; breaks are rostered explicitly
    concurrency: int = 1  # chats one agent handles at once
    response_minutes: int = 0  # email: answer within this many open minutes (0 = same interval)
    patience_seconds: float = 0.0  # voice: callers' mean patience, Erlang A; 0 = Erlang C


@dataclass(frozen=True)
class OpeningHours:
    """Local opening hours per weekday (Monday first), as (open, close) minutes or None."""

    weekly: tuple[tuple[int, int] | None, ...]
    closed_on_holidays: bool = True

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("opening hours need seven weekdays, Monday first")
        for hours in self.weekly:
            if hours is not None and not 0 <= hours[0] < hours[1] <= 1440:
                raise ValueError(f"bad opening hours {hours}")

    def is_open(self, local: datetime, holiday: bool = False) -> bool:
        """Whether the queue is open at a local wall-clock instant."""
        if holiday and self.closed_on_holidays:
            return False
        hours = self.weekly[local.weekday()]
        minute = local.hour * 60 + local.minute
        return hours is not None and hours[0] <= minute < hours[1]


@dataclass(frozen=True)
class Workload:
    """Deferred work of one queue (email), in agent-minutes on the queue, per interval.

    `arrived[t]` agent-minutes of work arrive in interval t and can be done from then on;
    `due[t]` agent-minutes must be done by the end of interval t. Agent-minutes already allow
    for the occupancy cap, so one agent working the queue for an interval does
    `interval_minutes` of them. `window_intervals` is the response window the due times come
    from; it scales the penalty for late work (scheduler.workload).
    """

    arrived: tuple[int, ...]
    due: tuple[int, ...]
    window_intervals: int = 1

    def __post_init__(self) -> None:
        if len(self.arrived) != len(self.due):
            raise ValueError("arrived and due need one value per interval each")
        if any(v < 0 for v in self.arrived) or any(v < 0 for v in self.due):
            raise ValueError("arrived and due work must be non-negative")
        if self.window_intervals < 1:
            raise ValueError("window_intervals must be at least 1")
        arrived = due = 0
        for a, d in zip(self.arrived, self.due, strict=True):
            arrived, due = arrived + a, due + d
            if due > arrived:
                raise ValueError("work cannot fall due before it arrives")


@dataclass(frozen=True)
class ShiftType:
    """A named kind of shift (early, late, night): its start window and lengths.

    `not_followed_by` lists the types that may not be worked the next day (a forbidden
    succession, e.g. no early shift after a night).
    """

    key: str
    earliest_start_minute: int
    latest_start_minute: int  # inclusive; may pass 24*60 for starts after midnight
    lengths_minutes: tuple[int, ...]
    name: str = ""
    not_followed_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a shift type needs a key")
        if self.latest_start_minute < self.earliest_start_minute:
            raise ValueError(f"shift type {self.key}: latest start before earliest start")
        if not self.lengths_minutes or any(n <= 0 for n in self.lengths_minutes):
            raise ValueError(f"shift type {self.key}: lengths must be positive minutes")

    def allows(self, start_minute: int, length_minutes: int) -> bool:
        """Whether a shift starting at this local minute with this length is of this type."""
        return (self.earliest_start_minute <= start_minute <= self.latest_start_minute
                and length_minutes in self.lengths_minutes)


@dataclass(frozen=True)
class ShiftRule:
    """When shifts may start and how long they may be, in local wall-clock minutes.

    With `shift_types`, only shifts of those types are worked; each type lies inside the
    rule's start window and lengths, which then are the envelope of all types.
    """

    name: str
    earliest_start_minute: int  # minutes after local midnight, e.g. 7*60
    latest_start_minute: int  # inclusive; may pass 24*60 for night starts
    lengths_minutes: tuple[int, ...]  # allowed shift lengths, breaks included
    start_step_minutes: int = 30
    meal_break_minutes: int = 30
    meal_break_over_minutes: int = 360  # a shift longer than this gets a meal break
    meal_break_window_minutes: tuple[int, int] = (150, 330)  # break start, minutes after start
    meal_break_paid: bool = False
    # after switching clients, an agent stays at least this long on the new client's queues
    # (and stayed this long on the old one's), so nobody ping-pongs between clients
    min_activity_minutes: int = 60
    shift_types: tuple[ShiftType, ...] = ()
    # paid coffee breaks (Finnish collective agreements: about 15 min per 4 h): one per whole
    # `coffee_break_every_minutes` of shift length, the k-th (from 0) starting inside
    # k * every + window minutes after the shift start; 0 turns them off. They are rostered
    # only on grids whose interval fits inside one (15 min or finer); on a coarser grid a
    # break would take a whole 30-min interval, so there they belong in shrinkage instead
    coffee_break_minutes: int = 15
    coffee_break_every_minutes: int = 240
    coffee_break_window_minutes: tuple[int, int] = (60, 180)
    # penalty per switch of queue inside a shift (the soft term `block_switches`)
    switch_weight: int = 1

    def __post_init__(self) -> None:
        keys = [t.key for t in self.shift_types]
        if len(set(keys)) != len(keys):
            raise ValueError(f"shift rule {self.name}: shift type keys must be unique")
        for t in self.shift_types:
            if (t.earliest_start_minute < self.earliest_start_minute
                    or t.latest_start_minute > self.latest_start_minute):
                raise ValueError(f"shift type {t.key} starts outside shift rule {self.name}'s "
                                 "start window")
            if set(t.lengths_minutes) - set(self.lengths_minutes):
                raise ValueError(f"shift type {t.key} has lengths shift rule {self.name} does "
                                 "not allow")
            unknown = set(t.not_followed_by) - set(keys)
            if unknown:
                raise ValueError(f"shift type {t.key} may not be followed by unknown types "
                                 f"{sorted(unknown)}")
        low, high = self.coffee_break_window_minutes
        if (self.coffee_break_minutes <= 0 or self.coffee_break_every_minutes < 0
                or not 0 <= low <= high or self.switch_weight < 0):
            raise ValueError(f"shift rule {self.name}: coffee breaks need a positive length, "
                             "every >= 0, a window 0 <= from <= to, and switch_weight >= 0")
        if self.coffee_break_every_minutes and high + self.coffee_break_minutes > \
                self.coffee_break_every_minutes:
            raise ValueError(f"shift rule {self.name}: each coffee break must end inside its "
                             f"own {self.coffee_break_every_minutes} min of the shift")

    def shift_type(self, key: str) -> ShiftType | None:
        """The rule's shift type with this key, None when it has none such."""
        return next((t for t in self.shift_types if t.key == key), None)

    def start_minutes(self) -> tuple[int, ...]:
        """Every allowed local start minute."""
        return tuple(
            range(self.earliest_start_minute, self.latest_start_minute + 1, self.start_step_minutes)
        )

    def needs_meal_break(self, length_minutes: int) -> bool:
        """Finnish rule: a shift over 6 h gets a meal break."""
        return length_minutes > self.meal_break_over_minutes

    def coffee_breaks(self, length_minutes: int, interval_minutes: int) -> int:
        """Paid coffee breaks a shift of this length gets on a grid of this interval."""
        if not self.coffee_break_every_minutes or interval_minutes > self.coffee_break_minutes:
            return 0
        return length_minutes // self.coffee_break_every_minutes

    def coffee_window(self, k: int) -> tuple[int, int]:
        """Earliest and latest start of the k-th coffee break, minutes after shift start."""
        low, high = self.coffee_break_window_minutes
        offset = k * self.coffee_break_every_minutes
        return offset + low, offset + high

    def paid_minutes(self, length_minutes: int) -> int:
        """Minutes counted against the contract: length less an unpaid meal break."""
        if self.needs_meal_break(length_minutes) and not self.meal_break_paid:
            return length_minutes - self.meal_break_minutes
        return length_minutes


@dataclass(frozen=True)
class Premium:
    """Extra pay per hour worked inside a local time window, e.g. night work 23-06.

    The window may wrap past midnight (end <= start). It applies on the listed weekdays
    (Monday 0) and, when `on_holidays`, on every public holiday (Sunday rates usually do).
    """

    name: str
    start_minute: int
    end_minute: int
    extra_per_hour: float
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    on_holidays: bool = False

    def applies(self, local: datetime, holiday: bool = False) -> bool:
        """Whether the premium is paid for work at this local instant."""
        if not (local.weekday() in self.weekdays or (holiday and self.on_holidays)):
            return False
        minute = local.hour * 60 + local.minute
        if self.start_minute < self.end_minute:
            return self.start_minute <= minute < self.end_minute
        return minute >= self.start_minute or minute < self.end_minute


@dataclass(frozen=True)
class Fairness:
    """Weights and windows of the soft term `fairness`: unsocial work spread evenly.

    Each agent's weekend shifts (local Saturday or Sunday), evening intervals and night
    intervals are compared with their pro-rata share (by contract maximum minutes per week)
    of the total among the agents who could work such time; every shift or interval above
    that share (rounded up) costs its weight. Windows are local minutes and may wrap past
    midnight; the defaults follow the Finnish Working Hours Act (night work 23-06) and the
    usual collective-agreement evening (18 until the night begins).
    """

    weekend_weight: int = 10  # per weekend shift above the fair share
    evening_weight: int = 1  # per evening interval above the fair share
    night_weight: int = 2  # per night interval above the fair share
    evening_minutes: tuple[int, int] = (18 * 60, 23 * 60)
    night_minutes: tuple[int, int] = (23 * 60, 6 * 60)

    def __post_init__(self) -> None:
        if min(self.weekend_weight, self.evening_weight, self.night_weight) < 0:
            raise ValueError("fairness weights must be >= 0")
        for window in (self.evening_minutes, self.night_minutes):
            if len(window) != 2 or not all(0 <= m <= 1440 for m in window):
                raise ValueError(f"fairness window {window} must be two local minutes 0-1440")

    @property
    def active(self) -> bool:
        """Whether any of the three kinds of time weighs anything."""
        return bool(self.weekend_weight or self.evening_weight or self.night_weight)


NO_FAIRNESS = Fairness(0, 0, 0)  # for published benchmarks whose objective has no such term


@dataclass(frozen=True)
class PayRates:
    """What an hour of an agent's paid work costs, in the objective's units.

    The objective adds these costs to its penalties (`shift_cost`): with the default
    shortfall weight of 100, a missing agent-interval weighs as much as 100 units of pay.
    """

    hourly: float
    premiums: tuple[Premium, ...] = ()


@dataclass(frozen=True)
class Contract:
    """Working-time terms of an agent's contract (Finnish defaults).

    The pattern rules default to values that never bind: no period bounds, no limits per
    shift type, runs of one day allowed, any number of weekends.
    """

    name: str
    min_minutes_per_week: int
    max_minutes_per_week: int
    max_minutes_per_day: int = 480
    min_daily_rest_minutes: int = 660
    min_weekly_rest_minutes: int = 35 * 60  # once per ISO week, around a whole day off
    max_consecutive_days: int = 6
    # paid minutes over the whole planning period, on top of the weekly bounds
    min_minutes_per_period: int = 0
    max_minutes_per_period: int | None = None  # None: no period maximum
    # at most this many shifts of a type over the period, e.g. (("night", 4),); others free
    max_shifts_per_type: tuple[tuple[str, int], ...] = ()
    min_consecutive_days: int = 1  # a run of working days lasts at least this many days
    min_consecutive_days_off: int = 1  # a run of days off lasts at least this many days
    max_weekends: int | None = None  # weekends worked (Sat or Sun) in the period; None: any

    def __post_init__(self) -> None:
        if isinstance(self.max_shifts_per_type, Mapping):
            object.__setattr__(self, "max_shifts_per_type",
                               tuple(sorted(self.max_shifts_per_type.items())))
        limits = dict(self.max_shifts_per_type)
        if len(limits) != len(self.max_shifts_per_type):
            raise ValueError(f"contract {self.name}: a shift type is limited twice")
        if any(n < 0 for n in limits.values()):
            raise ValueError(f"contract {self.name}: shift limits per type must be >= 0")
        if self.min_consecutive_days < 1 or self.min_consecutive_days_off < 1:
            raise ValueError(f"contract {self.name}: minimum runs are at least one day")
        if self.max_consecutive_days < 1:
            raise ValueError(f"contract {self.name}: max_consecutive_days must be >= 1")
        if self.min_minutes_per_period < 0 or (self.max_weekends or 0) < 0:
            raise ValueError(f"contract {self.name}: period minimum and weekends must be >= 0")
        if (self.max_minutes_per_period is not None
                and self.max_minutes_per_period < self.min_minutes_per_period):
            raise ValueError(f"contract {self.name}: period maximum below its minimum")

    def shift_limit(self, shift_type: str) -> int | None:
        """The most shifts of a type over the period, None when the type is not limited."""
        return dict(self.max_shifts_per_type).get(shift_type)
    pay: PayRates | None = None  # None: the roster's cost is not part of the objective

    def week_bounds(self, days_in_period: int, days_off: int) -> tuple[int, int]:
        """Paid-minute bounds for one ISO week of which `days_in_period` days are planned.

        A partial week scales the bounds by days/7; each day of approved time off, and each
        public holiday falling on a weekday, lowers the minimum by a fifth of the weekly
        minimum (a working week has five days; Finnish "arkipyhä" shortens the week).
        """
        share = days_in_period / 7
        minimum = self.min_minutes_per_week * share - days_off * self.min_minutes_per_week / 5
        maximum = self.max_minutes_per_week * share
        return max(0, int(minimum)), int(maximum + 0.999999)


@dataclass(frozen=True)
class ShiftRequest:
    """An agent's wish for one day, kept when possible (soft): to work or to be off.

    `wanted` True asks to work that day (a shift of `shift_type`, or any shift when it is
    empty); False asks not to (not that type, or no shift at all). Breaking it costs `weight`.
    """

    day: date
    wanted: bool
    weight: int = 1
    shift_type: str = ""

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError("a request's weight must be >= 0")


@dataclass(frozen=True)
class Agent:
    """A named agent with the queues they are certified for."""

    key: str
    name: str
    skills: frozenset[str]
    contract: Contract
    shift_rule: ShiftRule
    time_off: frozenset[date] = frozenset()
    shift_requests: tuple[ShiftRequest, ...] = ()


@dataclass(frozen=True)
class DayDemand:
    """Agents wanted on one shift type on one local day (cover planned per day, not interval).

    Each agent short costs `under_weight`, each agent over `over_weight`; every agent whose
    shift rule has the type counts.
    """

    day: date
    shift_type: str
    requirement: int
    under_weight: int = 100
    over_weight: int = 1

    def __post_init__(self) -> None:
        if self.requirement < 0 or self.under_weight < 0 or self.over_weight < 0:
            raise ValueError(f"day demand {self.day} {self.shift_type}: values must be >= 0")


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the solver needs: the grid, queues, agents and per-interval requirement.

    `requirement[queue][t]` is the number of agents needed on the queue in interval t;
    `is_open[queue][t]` says whether agents may work the queue then. Both have one entry
    per interval of the grid.
    """

    grid: Grid
    queues: tuple[Queue, ...]
    agents: tuple[Agent, ...]
    requirement: Mapping[str, tuple[int, ...]]
    is_open: Mapping[str, tuple[bool, ...]]
    holidays: frozenset[date] = frozenset()  # public holidays in the period
    # each agent's published shifts just before the period, for rest and consecutive days
    # across the boundary (a few days suffice: the longest rule looks back max_consecutive_days)
    fixed_before: Mapping[str, tuple[Shift, ...]] = field(default_factory=dict)
    # deferred queues (email) judged by cumulative workload instead of their per-interval
    # requirement, which then only seeds the starting roster (scheduler.workload)
    workload: Mapping[str, Workload] = field(default_factory=dict)
    # agents promised on a queue per interval (approved capacity requests); a shortfall against
    # them weighs more than plain understaffing, so a promise wins over unpromised demand
    committed: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    day_demand: tuple[DayDemand, ...] = ()  # per local day and shift type, besides intervals
    fairness: Fairness = Fairness()  # the soft term spreading weekends, evenings, nights

    def __post_init__(self) -> None:
        n = self.grid.n_intervals
        keys = {q.key for q in self.queues}
        if len(keys) != len(self.queues):
            raise ValueError("queue keys must be unique")
        if len({a.key for a in self.agents}) != len(self.agents):
            raise ValueError("agent keys must be unique")
        for mapping_name, mapping in (("requirement", self.requirement), ("is_open", self.is_open)):
            if set(mapping) != keys:
                raise ValueError(f"{mapping_name} must have exactly one entry per queue")
            for key, values in mapping.items():
                if len(values) != n:
                    raise ValueError(f"{mapping_name}[{key}] has {len(values)} values, not {n}")
        for key, values in self.requirement.items():
            if any(v < 0 for v in values):
                raise ValueError(f"requirement[{key}] has a negative value")
        for key, values in self.committed.items():
            if key not in keys or len(values) != n or any(v < 0 for v in values):
                raise ValueError(f"committed[{key}] needs a known queue and {n} counts >= 0")
        agent_keys = {a.key for a in self.agents}
        for key, shifts in self.fixed_before.items():
            if key not in agent_keys:
                raise ValueError(f"fixed_before names unknown agent {key}")
            if any(s.agent != key or s.start >= self.grid.start_utc for s in shifts):
                raise ValueError(f"fixed_before[{key}] must hold that agent's shifts before "
                                 "the period")
        for key, work in self.workload.items():
            if key not in keys:
                raise ValueError(f"workload names unknown queue {key}")
            if len(work.due) != n:
                raise ValueError(f"workload[{key}] has {len(work.due)} intervals, not {n}")
        for agent in self.agents:
            unknown = agent.skills - keys
            if unknown:
                raise ValueError(f"agent {agent.key} has unknown skills {sorted(unknown)}")
        self._check_day_demand()

    def _check_day_demand(self) -> None:
        """Day demand names days of the period and shift types some agent can work, once each."""
        types = {t.key for a in self.agents for t in a.shift_rule.shift_types}
        days = set(self.grid.day_list)
        seen: set[tuple[date, str]] = set()
        for demand in self.day_demand:
            if demand.day not in days:
                raise ValueError(f"day demand on {demand.day} is outside the planning period")
            if demand.shift_type not in types:
                raise ValueError(f"day demand names unknown shift type {demand.shift_type!r}")
            if (demand.day, demand.shift_type) in seen:
                raise ValueError(f"day demand for {demand.day} {demand.shift_type} is given twice")
            seen.add((demand.day, demand.shift_type))

    def queue(self, key: str) -> Queue:
        """The queue with this key."""
        return next(q for q in self.queues if q.key == key)

    def week_bounds(self, agent: Agent, days: list[int]) -> tuple[int, int]:
        """Contract paid-minute bounds of an agent for the planned days of one ISO week."""
        off = 0
        for d in days:
            day = self.grid.day_list[d]
            if day in agent.time_off or (day in self.holidays and day.weekday() < 5):
                off += 1
        return agent.contract.week_bounds(len(days), off)

    def weeks(self) -> dict[tuple[int, int], list[int]]:
        """Day indices of the period grouped by ISO (year, week)."""
        weeks: dict[tuple[int, int], list[int]] = {}
        for d, day in enumerate(self.grid.day_list):
            iso = day.isocalendar()
            weeks.setdefault((iso.year, iso.week), []).append(d)
        return weeks


@dataclass(frozen=True)
class Break:
    """A break inside a shift (UTC instants)."""

    start: datetime
    end: datetime
    kind: str = "meal"
    paid: bool = False


@dataclass(frozen=True)
class Activity:
    """A block of consecutive intervals an agent works on one queue (UTC instants)."""

    queue: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Shift:
    """One agent's shift on one local day, with its breaks and activities."""

    agent: str
    day: date  # local day the shift starts on
    start: datetime
    end: datetime
    breaks: tuple[Break, ...] = ()
    activities: tuple[Activity, ...] = ()
    shift_type: str = ""  # key of the rule's shift type; "" when the rule has none

    @property
    def length_minutes(self) -> int:
        """Shift length including breaks."""
        return int((self.end - self.start) / timedelta(minutes=1))

    @property
    def paid_minutes(self) -> int:
        """Shift length less its unpaid breaks."""
        unpaid = sum((b.end - b.start) / timedelta(minutes=1) for b in self.breaks if not b.paid)
        return self.length_minutes - int(unpaid)


@dataclass(frozen=True)
class Roster:
    """The shifts of all agents over a planning period."""

    shifts: tuple[Shift, ...]

    def for_agent(self, agent_key: str) -> tuple[Shift, ...]:
        """One agent's shifts in time order."""
        mine = (s for s in self.shifts if s.agent == agent_key)
        return tuple(sorted(mine, key=lambda s: s.start))


@dataclass(frozen=True)
class SolveResult:
    """A roster with how the solver got there and what it costs, by named penalty."""

    roster: Roster
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID, UNKNOWN
    objective: float
    best_bound: float
    wall_seconds: float
    penalties: Mapping[str, int] = field(default_factory=dict)
    shortfall: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    overstaffing: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    message: str = ""  # plain-words explanation, e.g. why the hard rules contradict
    billable_hours: Mapping[str, float] = field(default_factory=dict)  # client -> hours

    @property
    def gap(self) -> float:
        """Relative gap between objective and best bound (0 when optimal)."""
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.best_bound) / abs(self.objective)
