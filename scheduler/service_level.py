"""Projected service level of a roster per queue and interval, per day and per client.

The agents a roster puts on each queue (`coverage`) meet the forecast contacts and AHT of that
queue, with the same models the requirement uses (scheduler.staffing):

- **voice**: Erlang C, or Erlang A when the queue has a patience (abandoned callers count as
  misses, see scheduler.erlang_a); an interval with no more agents than Erlangs has SL 0;
- **chat**: Erlang C with handle time AHT / concurrency, as `required_agents_chat`;
- **email**: deferred work. Each interval's workload (contacts x AHT) is due by the end of the
  window the requirement spreads it over (the first `max(1, response_minutes // interval)`
  open intervals from arrival); the scheduled agents clear the backlog oldest first, at
  `max_occupancy` of their time. The service level of an arrival interval is the share of its
  workload done by its due interval. Work due after the last interval is the next period's
  to judge and counts as on time (the requirement, too, leaves it to the next period).

Days and clients aggregate intervals weighted by contacts, so a quiet 07:00 interval weighs
less than the 10:00 peak; a day or client with no contacts has no level (NaN).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.backlog import due_intervals as deferred_due_intervals
from scheduler.coverage import coverage
from scheduler.domain import Problem, Queue, Roster, ServiceTarget
from scheduler.erlang_a import erlang_a
from scheduler.grid import Grid
from scheduler.staffing import average_speed_of_answer, occupancy, service_level

COLUMNS = ("queue", "client", "channel", "interval", "interval_start", "day", "model",
           "contacts", "aht_seconds", "agents", "service_level", "asa_seconds",
           "abandon_share", "occupancy", "target", "met")


@dataclass(frozen=True)
class QueueForecast:
    """Forecast contacts and AHT of one queue, one value per interval of the grid."""

    contacts: tuple[float, ...]
    aht_seconds: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.contacts) != len(self.aht_seconds):
            raise ValueError("contacts and aht_seconds need one value per interval each")


def forecast_from_frame(frame: pd.DataFrame, grid: Grid) -> dict[str, QueueForecast]:
    """Per-queue forecasts on the grid from a forecast or requirement frame.

    `frame` needs interval_start (UTC), queue, contacts, aht_seconds; intervals it lacks have
    no contacts, rows off the grid are ignored.
    """
    missing = {"interval_start", "queue", "contacts", "aht_seconds"} - set(frame.columns)
    if missing:
        raise ValueError(f"forecast lacks columns {sorted(missing)}")
    starts = pd.DatetimeIndex(pd.to_datetime(frame["interval_start"], utc=True))
    offset = (starts - pd.Timestamp(grid.start_utc)) / pd.Timedelta(grid.step)
    index = np.asarray(offset, dtype=float)
    on_grid = (index >= 0) & (index < grid.n_intervals) & (index == np.floor(index))
    result: dict[str, QueueForecast] = {}
    queues = frame["queue"].to_numpy()
    contacts_all = frame["contacts"].to_numpy(dtype=float)
    aht_all = frame["aht_seconds"].to_numpy(dtype=float)
    for queue in pd.unique(queues):
        pick = on_grid & (queues == queue)
        contacts = np.zeros(grid.n_intervals)
        aht = np.zeros(grid.n_intervals)
        t = index[pick].astype(int)
        contacts[t] = contacts_all[pick]
        aht[t] = np.nan_to_num(aht_all[pick])
        result[str(queue)] = QueueForecast(tuple(contacts.tolist()), tuple(aht.tolist()))
    return result


def interval_service_levels(
    grid: Grid,
    queues: Sequence[Queue],
    agents: Mapping[str, Sequence[int]],
    forecast: Mapping[str, QueueForecast] | pd.DataFrame,
    targets: Mapping[str, ServiceTarget],
    *,
    patience_seconds: Mapping[str, float] | None = None,
    is_open: Mapping[str, Sequence[bool]] | None = None,
) -> pd.DataFrame:
    """Service level, ASA, abandonment and occupancy per queue and interval (columns COLUMNS).

    `agents[queue][t]` is the number of agents working the queue in interval t; `is_open`
    (default: always) sets the open intervals an email's response window counts. A voice
    queue is Erlang A with `patience_seconds[queue]`, else with its target's patience if set.
    """
    if isinstance(forecast, pd.DataFrame):
        forecast = forecast_from_frame(forecast, grid)
    patience_seconds = patience_seconds or {}
    n = grid.n_intervals
    starts = pd.date_range(grid.start_utc, periods=n, freq=grid.step)
    days = np.array([grid.day_index_of(t) for t in range(n)])
    frames = []
    for queue in queues:
        target = targets[queue.key]
        load = forecast.get(queue.key, QueueForecast((0.0,) * n, (0.0,) * n))
        staffed = np.asarray(agents.get(queue.key, (0,) * n), dtype=np.int64)
        if len(load.contacts) != n or staffed.size != n:
            raise ValueError(f"queue {queue.key} needs {n} intervals of forecast and agents")
        contacts = np.asarray(load.contacts, dtype=float)
        aht = np.asarray(load.aht_seconds, dtype=float)
        if queue.channel == "email":
            opened = np.asarray(is_open[queue.key] if is_open else (True,) * n, dtype=bool)
            model = "email_deferred"
            window = max(1, target.response_minutes // grid.interval_minutes)
            level = deferred_service_level(contacts * aht, staffed, opened, window,
                                           grid.interval_minutes * 60 * target.max_occupancy)
            asa = np.full(n, np.nan)
            abandon = np.zeros(n)
            occ = np.full(n, np.nan)
        elif queue.channel in ("voice", "chat"):
            patience = (patience_seconds.get(queue.key) or target.patience_seconds or None) \
                if queue.channel == "voice" else None
            model = ("erlang_a" if patience else "erlang_c") if queue.channel == "voice" \
                else "chat_concurrency"
            service = aht / (target.concurrency if queue.channel == "chat" else 1)
            level, asa, abandon, occ = _queue_levels(contacts, service, staffed, grid,
                                                     target.answer_seconds, patience)
        else:
            raise ValueError(f"queue {queue.key} has unknown channel {queue.channel!r}")
        frames.append(pd.DataFrame({
            "queue": queue.key, "client": queue.client, "channel": queue.channel,
            "interval": np.arange(n), "interval_start": starts, "day": days, "model": model,
            "contacts": contacts, "aht_seconds": aht, "agents": staffed,
            "service_level": level, "asa_seconds": asa, "abandon_share": abandon,
            "occupancy": occ, "target": target.service_level,
        }))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    result = pd.concat(frames, ignore_index=True)
    result["met"] = (result["contacts"] <= 0) | (result["service_level"] >= result["target"] - 1e-9)
    return result[list(COLUMNS)]


def projected_service_level(
    problem: Problem,
    roster: Roster,
    forecast: Mapping[str, QueueForecast] | pd.DataFrame,
    targets: Mapping[str, ServiceTarget],
    *,
    patience_seconds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per queue and interval, the service level the roster's agents on each queue deliver."""
    return interval_service_levels(problem.grid, problem.queues, coverage(problem, roster),
                                   forecast, targets, patience_seconds=patience_seconds,
                                   is_open=problem.is_open)


def daily_service_level(levels: pd.DataFrame) -> pd.DataFrame:
    """Contact-weighted service level, ASA and abandonment per queue and local day."""
    return _weighted(levels, ["queue", "client", "channel", "day"])


def client_service_level(levels: pd.DataFrame, *, by_day: bool = True) -> pd.DataFrame:
    """Contact-weighted service level, ASA and abandonment per client (and day), all channels.

    A client with several channels gets one blended figure; `daily_service_level` keeps each
    queue apart, since chat and voice have different targets.
    """
    return _weighted(levels, ["client", "day"] if by_day else ["client"])


def _fifo_done(workload: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Work done by the end of each interval, oldest first, never before it arrives."""
    arrived = np.cumsum(workload)
    done = np.empty(workload.size)
    total = 0.0
    for t in range(workload.size):  # work-conserving: done(t) = min(arrived(t), done(t-1) + cap)
        total = min(arrived[t], total + capacity[t])
        done[t] = total
    return done


def deferred_service_level(
    workload_seconds: np.ndarray,
    agents: np.ndarray,
    is_open: np.ndarray,
    window_intervals: int,
    seconds_per_agent: float,
) -> np.ndarray:
    """Share of each interval's deferred workload done by its due interval, FIFO fluid backlog.

    Agents clear the oldest work first, `seconds_per_agent` each per interval, including work
    arriving in the same interval; work arriving while closed waits for the next open interval.
    """
    workload = np.clip(np.asarray(workload_seconds, dtype=float), 0.0, None)
    n = workload.size
    due = deferred_due_intervals(np.asarray(is_open, dtype=bool), window_intervals)
    done = _fifo_done(workload, np.asarray(agents, dtype=float) * seconds_per_agent)
    before = np.cumsum(workload) - workload  # work queued ahead of each interval's arrivals
    level = np.ones(n)
    busy = workload > 0
    in_period = due < n
    pick = busy & in_period
    finished_by_due = done[np.minimum(due, n - 1)]
    level[pick] = np.clip((finished_by_due[pick] - before[pick]) / workload[pick], 0.0, 1.0)
    return level


@dataclass(frozen=True)
class DeferredBacklog:
    """Deferred work (seconds of handling) at the end of each interval of one queue."""

    waiting: np.ndarray  # arrived and not yet done
    overdue: np.ndarray  # past its response window and not yet done (part of waiting)


def deferred_backlog(
    workload_seconds: np.ndarray,
    agents: np.ndarray,
    is_open: np.ndarray,
    window_intervals: int,
    seconds_per_agent: float,
) -> DeferredBacklog:
    """The backlog behind `deferred_service_level`: work waiting and work overdue over time.

    Work arriving in interval i is due by the end of its window's last open interval
    (`due_intervals`); at the end of interval t, work due by then and not yet done is overdue,
    whichever order the work is done in. The same FIFO fluid model as the service level.
    """
    workload = np.clip(np.asarray(workload_seconds, dtype=float), 0.0, None)
    n = workload.size
    due = deferred_due_intervals(np.asarray(is_open, dtype=bool), window_intervals)
    done = _fifo_done(workload, np.asarray(agents, dtype=float) * seconds_per_agent)
    due_by = np.cumsum(np.bincount(due[due < n], weights=workload[due < n], minlength=n))
    def settled(seconds: np.ndarray) -> np.ndarray:  # float sums may leave 1e-12 behind
        return np.where(seconds > 1e-6, seconds, 0.0)

    return DeferredBacklog(waiting=settled(np.cumsum(workload) - done),
                           overdue=settled(due_by - done))


def _queue_levels(contacts, service_seconds, agents, grid: Grid, answer_seconds: float,
                  patience: float | None):
    """Erlang C (or A with a patience) per interval of one queue."""
    n = contacts.size
    level, asa = np.ones(n), np.zeros(n)
    abandon, occ = np.zeros(n), np.zeros(n)
    minutes = grid.interval_minutes
    for t in np.flatnonzero(contacts > 0):
        level[t], asa[t], abandon[t], occ[t] = _interval_figures(
            float(contacts[t]), float(service_seconds[t]), minutes, int(agents[t]),
            float(answer_seconds), float(patience) if patience else None)
    return level, asa, abandon, occ


@functools.lru_cache(maxsize=1 << 16)
def _interval_figures(contacts: float, service_seconds: float, minutes: int, agents: int,
                      answer_seconds: float, patience: float | None
                      ) -> tuple[float, float, float, float]:
    """Service level, ASA, abandonment and occupancy of one interval (Erlang C, or A with a
    patience). Pure, and the same intervals come back on every page of a week: kept."""
    if patience:
        r = erlang_a(contacts, service_seconds, minutes, agents, answer_seconds, patience)
        return r.service_level, r.asa_seconds, r.abandon_probability, r.occupancy
    return (service_level(contacts, service_seconds, minutes, agents, answer_seconds),
            average_speed_of_answer(contacts, service_seconds, minutes, agents), 0.0,
            min(1.0, occupancy(contacts, service_seconds, minutes, agents)))


def _weighted(levels: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Contact-weighted means of service level, ASA and abandonment over groups."""
    rows = []
    for group, part in levels.groupby(keys, sort=True):
        weight = part["contacts"].to_numpy(dtype=float)
        total = float(weight.sum())
        row = dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True))
        row["contacts"] = total
        for column in ("service_level", "asa_seconds", "abandon_share"):
            values = part[column].to_numpy(dtype=float)
            used = weight > 0
            if total <= 0 or np.isnan(values[used]).all():
                row[column] = math.nan
            else:
                ok = used & ~np.isnan(values)
                row[column] = float(values[ok] @ weight[ok] / weight[ok].sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "contacts", "service_level", "asa_seconds",
                                       "abandon_share"])
