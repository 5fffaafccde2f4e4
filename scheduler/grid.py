"""The planning grid: local days in the site's zone cut into equal UTC intervals (DST-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

SITE_TIMEZONE = "Europe/Helsinki"


def local_midnight_utc(day: date, timezone: str = SITE_TIMEZONE) -> datetime:
    """Return the UTC instant of local midnight starting `day`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Grid:
    """`days` local days from `start_day`, as intervals of `interval_minutes` in UTC.

    A day has 23 or 25 hours of intervals across daylight-saving changes: interval `t`
    starts at `start_utc + t * interval`, and each local day owns the intervals between its
    local midnight and the next.
    """

    start_day: date
    days: int
    interval_minutes: int
    timezone: str = SITE_TIMEZONE

    def __post_init__(self) -> None:
        if self.interval_minutes not in (15, 30, 60):
            raise ValueError(f"interval_minutes must be 15, 30 or 60, not {self.interval_minutes}")
        if self.days < 1:
            raise ValueError("a planning period has at least one day")

    @cached_property
    def zone(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    @cached_property
    def start_utc(self) -> datetime:
        """UTC instant of the first interval."""
        return local_midnight_utc(self.start_day, self.timezone)

    @cached_property
    def end_utc(self) -> datetime:
        """UTC instant just after the last interval."""
        return local_midnight_utc(self.start_day + timedelta(days=self.days), self.timezone)

    @property
    def step(self) -> timedelta:
        """Length of one interval."""
        return timedelta(minutes=self.interval_minutes)

    @cached_property
    def n_intervals(self) -> int:
        """Number of intervals in the period."""
        return int((self.end_utc - self.start_utc) / self.step)

    @cached_property
    def day_list(self) -> tuple[date, ...]:
        """The local days of the period."""
        return tuple(self.start_day + timedelta(days=d) for d in range(self.days))

    def interval_start(self, t: int) -> datetime:
        """UTC start of interval `t` (t may equal n_intervals for the period's end)."""
        return self.start_utc + t * self.step

    def index_of(self, instant: datetime) -> int:
        """Index of the interval starting at `instant` (aware); raises if off the grid."""
        offset = instant.astimezone(UTC) - self.start_utc
        t, rest = divmod(offset, self.step)
        if rest or t < 0 or t > self.n_intervals:
            raise ValueError(f"{instant.isoformat()} is not on the grid")
        return int(t)

    def day_range(self, day_index: int) -> range:
        """Interval indices belonging to local day `day_index`."""
        day = self.day_list[day_index]
        first = self.index_of(local_midnight_utc(day, self.timezone))
        last = self.index_of(local_midnight_utc(day + timedelta(days=1), self.timezone))
        return range(first, last)

    def local_time_index(self, day_index: int, minute_of_day: int) -> int | None:
        """Interval index of local wall-clock `minute_of_day` on a day, None if it does not exist.

        Minutes past 24 h are allowed (a shift starting 01:00 the next morning). A wall-clock
        time skipped by the spring DST change returns None.
        """
        day = self.day_list[day_index] + timedelta(days=minute_of_day // 1440)
        minute = minute_of_day % 1440
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        utc = local.astimezone(UTC)
        if utc.astimezone(self.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            return None  # nonexistent local time (spring forward)
        try:
            return self.index_of(utc)
        except ValueError:
            return None

    def local(self, t: int) -> datetime:
        """Local wall-clock start of interval `t`."""
        return self.interval_start(t).astimezone(self.zone)

    def day_index_of(self, t: int) -> int:
        """Local day index that interval `t` belongs to."""
        return (self.local(t).date() - self.start_day).days
