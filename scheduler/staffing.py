"""Required agents per queue and interval: Erlang C for voice, concurrency for chat, deferred email.

Models (first versions, each with its limits):

- **Voice, Erlang C (M/M/N)**: Poisson arrivals, exponential handle times, no abandonment,
  steady state within each interval. Traffic A = contacts x AHT / interval seconds;
  P(wait) by the Erlang B recursion B(k) = A B(k-1) / (k + A B(k-1)) (no factorials, stable
  for thousands of agents); SL = 1 - P(wait) e^-((N-A) T / AHT); ASA = P(wait) AHT / (N-A).
  The requirement is the smallest N with SL >= target and occupancy A/N <= max_occupancy.
  Erlang C ignores abandonment, so it overstaffs slightly when callers hang up (Erlang A
  would need less staff).
- **Chat, concurrency**: an agent serves up to `concurrency` chats at once. We treat each
  agent as one Erlang C server working `concurrency` times faster: effective handle time
  AHT / concurrency, traffic A / concurrency, same answer target. Limits: real agents slow
  down when juggling chats (measured chat AHT under concurrency already includes that), and
  a chat waits for a free *slot* of a particular agent rather than a pooled fast server, so
  this is optimistic for low volumes and small teams.
- **Email, deferred work**: nobody waits on a line; each interval's workload (contacts x
  AHT) must be done within `response_minutes` of open time, the window's first
  max(1, response_minutes // interval) open intervals from the arrival interval (or the next
  open one when email arrives while closed). For the scheduler, `deferred_workload` turns it
  into cumulative work: agent-minutes arriving per interval, and the target share due at
  each window's end, the rest by the period's last open interval (scheduler.workload holds
  the roster to the running totals). For the per-interval requirement report and the
  solver's starting roster, it is spread evenly over its window and each interval needs
  ceil(load / (interval seconds x max_occupancy)) agents. Work whose window runs past the
  end of the forecast is the next planning period's (just as this one does not see the
  carry-in from before its start).
- **Erlang B and Extended Erlang B**: blocking on a group of lines, with a share of blocked
  callers retrying (`extended_erlang_b`), for trunk and IVR port sizing.

Shrinkage applies last: required = ceil(raw / (1 - shrinkage)), computed with exact
fractions of the decimal shrinkage so 14 / (1 - 0.3) is 20, not 21. Floating comparisons of
service level and occupancy against their targets allow `TOLERANCE` (1e-9), so a target met
to nine decimals counts as met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import holidays
import numpy as np
import pandas as pd

from scheduler.backlog import due_intervals
from scheduler.domain import OpeningHours, Problem, ServiceTarget, Workload
from scheduler.erlang_a import erlang_a, raw_agents_erlang_a
from scheduler.traffic import (
    MAX_TRAFFIC_ERLANGS,
    TOLERANCE,
    apply_shrinkage,
    check_traffic,
    traffic_erlangs,
    traffic_limit_error,
)

__all__ = ["MAX_TRAFFIC_ERLANGS", "TOLERANCE", "apply_shrinkage", "check_traffic",
           "traffic_erlangs", "traffic_limit_error"]  # re-exported: the staffing API

_CHUNK = 2048  # intervals solved together in the vectorised search


def erlang_b(traffic_erlangs: float, agents: int) -> float:
    """Erlang B blocking probability, by the stable recursion over the number of servers."""
    if agents < 0 or traffic_erlangs < 0:
        raise ValueError("traffic and agents must be non-negative")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic_erlangs * b / (k + traffic_erlangs * b)
    return b


def max_traffic_for_blocking(lines: int, max_blocking: float) -> float:
    """Largest offered traffic (Erlangs) whose Erlang B blocking on `lines` is at most the cap.

    "How much traffic can a trunk group handle": bisection, as blocking rises with traffic.
    """
    if lines < 0 or not 0 < max_blocking < 1:
        raise ValueError("need lines >= 0 and a blocking cap in (0, 1)")
    low, high = 0.0, float(lines) / (1 - max_blocking) + 1.0  # carried A(1-B) <= lines
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if erlang_b(mid, lines) <= max_blocking else (low, mid)
        if high - low <= 1e-12 * high:
            break
    return low


def extended_erlang_b(traffic_erlangs: float, lines: int, recall: float) -> float:
    """Blocking when a share `recall` of blocked callers tries again (Extended Erlang B).

    Retries add to the offered load: E = E0 + recall x E x B(E, lines), iterated from E0 to
    its fixed point (it converges: each step adds less than the last); returns B there.
    """
    if not 0 <= recall < 1:
        raise ValueError(f"recall must be in [0, 1), not {recall}")
    offered = traffic_erlangs
    for _ in range(10_000):
        blocking = erlang_b(offered, lines)
        following = traffic_erlangs + recall * offered * blocking
        if abs(following - offered) <= 1e-12 * max(1.0, following):
            return erlang_b(following, lines)
        offered = following
    return erlang_b(offered, lines)  # pragma: no cover - 10,000 steps always converge


def lines_for_blocking(traffic_erlangs: float, max_blocking: float, recall: float = 0.0) -> int:
    """Smallest number of lines whose (Extended, with `recall`) Erlang B blocking meets the cap."""
    if not 0 < max_blocking < 1:
        raise ValueError(f"the blocking cap must be in (0, 1), not {max_blocking}")
    if traffic_erlangs <= 0:
        return 0
    lines = 0
    while extended_erlang_b(traffic_erlangs, lines, recall) > max_blocking + TOLERANCE:
        lines += 1
    return lines


def erlang_c(traffic_erlangs: float, agents: int) -> float:
    """Erlang C probability that a contact waits (1.0 when agents <= traffic)."""
    if traffic_erlangs == 0:
        return 0.0
    if agents <= traffic_erlangs:
        return 1.0
    b = erlang_b(traffic_erlangs, agents)
    return agents * b / (agents - traffic_erlangs * (1 - b))


def service_level(
    contacts: float, aht_seconds: float, interval_minutes: int, agents: int, answer_seconds: float
) -> float:
    """Erlang C share of contacts answered within `answer_seconds` (0 when understaffed)."""
    a = traffic_erlangs(contacts, aht_seconds, interval_minutes)
    if a == 0:
        return 1.0
    if agents <= a:
        return 0.0
    return 1 - erlang_c(a, agents) * math.exp(-(agents - a) * answer_seconds / aht_seconds)


def average_speed_of_answer(
    contacts: float, aht_seconds: float, interval_minutes: int, agents: int
) -> float:
    """Erlang C average wait in seconds over all contacts (inf when agents <= traffic)."""
    a = traffic_erlangs(contacts, aht_seconds, interval_minutes)
    if a == 0:
        return 0.0
    if agents <= a:
        return math.inf
    return erlang_c(a, agents) * aht_seconds / (agents - a)


def occupancy(contacts: float, aht_seconds: float, interval_minutes: int, agents: int) -> float:
    """Share of agents' time busy with contacts, A / N."""
    a = traffic_erlangs(contacts, aht_seconds, interval_minutes)
    return a / agents if agents else (0.0 if a == 0 else math.inf)


def agents_for_wait_probability(traffic_erlangs: float, max_wait_probability: float) -> int:
    """Smallest N whose Erlang C P(wait) is at most `max_wait_probability` (0 for no traffic)."""
    if traffic_erlangs <= 0:
        return 0
    check_traffic(traffic_erlangs)
    b = 1.0
    k = 0
    while True:
        k += 1
        b = traffic_erlangs * b / (k + traffic_erlangs * b)
        if k > traffic_erlangs:
            wait = k * b / (k - traffic_erlangs * (1 - b))
            if wait <= max_wait_probability + TOLERANCE:
                return k


def raw_agents_erlang_c(
    contacts: float,
    aht_seconds: float,
    interval_minutes: int,
    answer_seconds: float,
    service_level_target: float,
    max_occupancy: float,
) -> int:
    """Smallest N meeting the service level and occupancy cap, before shrinkage.

    The same search as `_smallest_agents` for one interval, in plain floats (numpy's per-call
    cost dominates for a single value).
    """
    a = check_traffic(traffic_erlangs(contacts, aht_seconds, interval_minutes))
    if a <= 0:
        return 0
    level_needed = service_level_target - TOLERANCE
    occupancy_cap = max_occupancy + TOLERANCE
    b, k = 1.0, 0
    while True:
        k += 1
        b = a * b / (k + a * b)
        if k > a and a / k <= occupancy_cap:
            c = k * b / (k - a * (1 - b))
            if 1 - c * math.exp(-(k - a) * answer_seconds / aht_seconds) >= level_needed:
                return k


def required_agents(
    contacts: float, aht_seconds: float, interval_minutes: int, target: ServiceTarget
) -> int:
    """Agents to schedule for a voice queue: exact smallest Erlang C N, then shrinkage.

    `target.concurrency` is ignored here; chat goes through `required_agents_chat`.
    """
    if contacts <= 0:
        return 0
    _check_target(target)
    raw = raw_agents_erlang_c(
        contacts,
        aht_seconds,
        interval_minutes,
        target.answer_seconds,
        target.service_level,
        target.max_occupancy,
    )
    return apply_shrinkage(raw, target.shrinkage)


def required_agents_chat(
    contacts: float, aht_seconds: float, interval_minutes: int, target: ServiceTarget
) -> int:
    """Agents to schedule for a chat queue: Erlang C with handle time AHT / concurrency."""
    if contacts <= 0:
        return 0
    _check_target(target)
    raw = raw_agents_erlang_c(
        contacts,
        aht_seconds / target.concurrency,
        interval_minutes,
        target.answer_seconds,
        target.service_level,
        target.max_occupancy,
    )
    return apply_shrinkage(raw, target.shrinkage)


def email_workload_agents(
    workload_seconds: float, interval_minutes: int, max_occupancy: float
) -> int:
    """Agents needed to clear `workload_seconds` of deferred work in one interval."""
    if workload_seconds <= 0:
        return 0
    capacity = interval_minutes * 60 * max_occupancy
    return math.ceil(workload_seconds / capacity - TOLERANCE)


def spread_deferred_workload(
    workload_seconds: np.ndarray, is_open: np.ndarray, window_intervals: int
) -> np.ndarray:
    """Spread each interval's workload over the next `window_intervals` open intervals.

    The window starts at the arrival interval if open, else at the next open interval;
    shares falling past the last interval are dropped.
    """
    workload_seconds = np.asarray(workload_seconds, dtype=float)
    is_open = np.asarray(is_open, dtype=bool)
    open_index = np.flatnonzero(is_open)
    if open_index.size == 0:
        return np.zeros_like(workload_seconds)
    k = max(1, int(window_intervals))
    # position (among open intervals) of the first open interval at or after each arrival
    first = np.searchsorted(open_index, np.arange(workload_seconds.size), side="left")
    share = workload_seconds / k
    keep = (workload_seconds > 0) & (first < open_index.size)
    diff = np.zeros(open_index.size + 1)
    np.add.at(diff, first[keep], share[keep])
    np.add.at(diff, np.minimum(first[keep] + k, open_index.size), -share[keep])
    load = np.zeros_like(workload_seconds)
    load[open_index] = np.clip(np.cumsum(diff[:-1]), 0.0, None)
    return load


def deferred_workload(
    workload_seconds: np.ndarray,
    is_open: np.ndarray,
    interval_minutes: int,
    target: ServiceTarget,
) -> Workload:
    """Deferred work as the scheduler's cumulative workload, in agent-minutes on the queue.

    Each interval's work (contacts x AHT, divided by the occupancy cap) arrives in that
    interval. The target share (`service_level`, e.g. 90 %) falls due at the end of the last
    open interval of its response window (see `backlog.due_intervals`); the rest by the last
    open interval of the period, so all of it is done in the period. Work whose window runs
    past the period's end is not due in it (the next period's roster is judged on it) but
    may be started. Running totals are rounded up to whole agent-minutes.
    """
    _check_target(target)
    seconds = np.clip(np.nan_to_num(np.asarray(workload_seconds, dtype=float)), 0.0, None)
    is_open = np.asarray(is_open, dtype=bool)
    n = seconds.size
    if is_open.size != n:
        raise ValueError(f"need {n} opening flags, not {is_open.size}")
    minutes = seconds / 60 / target.max_occupancy
    window = max(1, target.response_minutes // interval_minutes)
    due_at = due_intervals(is_open, window)
    due = np.zeros(n)
    inside = (due_at < n) & (minutes > 0)
    np.add.at(due, due_at[inside], target.service_level * minutes[inside])
    if inside.any():
        due[np.flatnonzero(is_open)[-1]] += float((1 - target.service_level)
                                                   * minutes[inside].sum())
    return Workload(arrived=_rounded_increments(minutes), due=_rounded_increments(due),
                    window_intervals=window)


def with_deferred_workload(
    problem: Problem,
    workload_seconds: Mapping[str, np.ndarray],
    targets: Mapping[str, ServiceTarget],
) -> Problem:
    """The problem with its email queues judged by cumulative workload instead of peaks.

    `workload_seconds[queue]` is contacts x AHT per interval of the grid; queues it lacks
    have no work.
    """
    n = problem.grid.n_intervals
    workload = {
        q.key: deferred_workload(workload_seconds.get(q.key, np.zeros(n)), np.array(
            problem.is_open[q.key]), problem.grid.interval_minutes, targets[q.key])
        for q in problem.queues if q.channel == "email"
    }
    return replace(problem, workload={**problem.workload, **workload})


def _rounded_increments(values: np.ndarray) -> tuple[int, ...]:
    """Integer increments whose running totals are the running totals of `values`, rounded up."""
    totals = np.ceil(np.cumsum(values) - TOLERANCE).astype(np.int64)
    totals = np.maximum.accumulate(np.maximum(totals, 0))
    return tuple(np.diff(totals, prepend=0).tolist())


def requirement_frame(
    forecast: pd.DataFrame,
    targets: Mapping[str, ServiceTarget],
    channels: Mapping[str, str],
    interval_minutes: int,
    *,
    opening_hours: Mapping[str, OpeningHours] | None = None,
    timezone: str = "Europe/Helsinki",
) -> pd.DataFrame:
    """Required agents per queue and interval from a forecast frame.

    `forecast` needs columns interval_start (UTC), queue, contacts, aht_seconds. `channels`
    maps queue -> voice/chat/email. `opening_hours` (optional) marks when email work can be
    done; without it every interval in the forecast counts as open.
    Returns interval_start, queue, contacts, aht_seconds, model, raw_agents, required_agents,
    sorted by queue and interval_start; raw_agents is before shrinkage.
    """
    missing = {"interval_start", "queue", "contacts", "aht_seconds"} - set(forecast.columns)
    if missing:
        raise ValueError(f"forecast lacks columns {sorted(missing)}")
    frame = forecast[["interval_start", "queue", "contacts", "aht_seconds"]].copy()
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    contacts = frame["contacts"].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    if np.any(contacts < 0) or np.any(~np.isfinite(contacts)):
        raise ValueError("forecast contacts must be finite and non-negative")
    bad_aht = (contacts > 0) & ~((aht > 0) & np.isfinite(aht))
    if bad_aht.any():
        row = frame.loc[np.flatnonzero(bad_aht)[0]]
        raise ValueError(f"queue {row['queue']} has contacts but no positive AHT at "
                         f"{row['interval_start']}")
    queues = frame["queue"].to_numpy()
    unknown = sorted(set(queues) - set(targets))
    if unknown:
        raise ValueError(f"no service target for queues {unknown}")
    unknown = sorted(set(queues) - set(channels))
    if unknown:
        raise ValueError(f"no channel for queues {unknown}")

    n = len(frame)
    raw = np.zeros(n, dtype=np.int64)
    required = np.zeros(n, dtype=np.int64)
    model = np.empty(n, dtype=object)
    abandon = np.full(n, np.nan)  # expected share of callers hanging up (Erlang A queues)
    # Erlang inputs for all voice and chat rows with contacts, solved in one vectorised pass.
    erl_rows: list[np.ndarray] = []
    erl_service: list[np.ndarray] = []
    erl_target: list[ServiceTarget] = []
    for queue, rows in pd.Series(np.arange(n)).groupby(queues, sort=False):
        rows = rows.to_numpy()
        target = targets[queue]
        _check_target(target)
        channel = channels[queue]
        if channel == "email":
            model[rows] = "email_deferred"
            open_mask = _open_mask(frame["interval_start"].iloc[rows], opening_hours, queue,
                                   timezone)
            workload = contacts[rows] * np.nan_to_num(aht[rows])
            window = target.response_minutes // interval_minutes
            load = spread_deferred_workload(workload, open_mask, window)
            capacity = interval_minutes * 60 * target.max_occupancy
            raw_q = np.where(load > 0, np.ceil(load / capacity - TOLERANCE), 0).astype(np.int64)
            raw[rows] = raw_q
            required[rows] = _shrink_array(raw_q, target.shrinkage)
        elif channel in ("voice", "chat"):
            model[rows] = "erlang_c" if channel == "voice" else "chat_concurrency"
            if channel == "voice" and target.patience_seconds > 0:
                model[rows] = "erlang_a"
                abandon[rows] = 0.0
            open_mask = _open_mask(frame["interval_start"].iloc[rows], opening_hours, queue,
                                   timezone)
            busy = rows[(contacts[rows] > 0) & open_mask]  # closed intervals need nobody
            service = aht[busy] / (target.concurrency if channel == "chat" else 1)
            erl_rows.append(busy)
            erl_service.append(service)
            erl_target.extend([target] * len(busy))
        else:
            raise ValueError(f"queue {queue} has unknown channel {channel!r}")

    if erl_rows:
        rows = np.concatenate(erl_rows)
        service = np.concatenate(erl_service)
        answer = np.array([t.answer_seconds for t in erl_target], dtype=float)
        sl = np.array([t.service_level for t in erl_target], dtype=float)
        occ = np.array([t.max_occupancy for t in erl_target], dtype=float)
        shrink = np.array([t.shrinkage for t in erl_target], dtype=float)
        a = contacts[rows] * service / (interval_minutes * 60)
        too_large = traffic_limit_error(float(a.max())) if a.size else None
        if too_large:
            i = int(np.argmax(a))
            raise ValueError(f"queue {queues[rows[i]]} at {frame.at[rows[i], 'interval_start']}: "
                             f"{too_large}")
        raw_e = _smallest_agents(a, service, answer, sl, occ)
        for i in np.flatnonzero(model[rows] == "erlang_a"):
            raw_e[i], abandon[rows[i]] = _erlang_a_row(
                contacts[rows[i]], service[i], interval_minutes, erl_target[i], int(raw_e[i]))
        raw[rows] = raw_e
        for s in np.unique(shrink):
            pick = shrink == s
            required[rows[pick]] = _shrink_array(raw_e[pick], float(s))

    frame["model"] = model
    frame["raw_agents"] = raw
    frame["required_agents"] = required
    frame["abandon_share"] = abandon
    return frame


def _erlang_a_row(contacts: float, aht_seconds: float, interval_minutes: int,
                  target: ServiceTarget, erlang_c_agents: int) -> tuple[int, float]:
    """Erlang A raw agents for one interval (searched from the Erlang C answer) and abandonment."""
    agents = raw_agents_erlang_a(contacts, aht_seconds, interval_minutes, target.answer_seconds,
                                 target.service_level, target.max_occupancy,
                                 target.patience_seconds, start=erlang_c_agents)
    result = erlang_a(contacts, aht_seconds, interval_minutes, agents, target.answer_seconds,
                      target.patience_seconds)
    return agents, result.abandon_probability


def _check_target(target: ServiceTarget) -> None:
    """Reject targets no staffing can meet."""
    if not 0 < target.service_level < 1:
        raise ValueError(f"service_level must be in (0, 1), not {target.service_level}")
    if not 0 < target.max_occupancy <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], not {target.max_occupancy}")
    if target.concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if target.answer_seconds < 0 or target.response_minutes < 0:
        raise ValueError("answer_seconds and response_minutes must be non-negative")


def _shrink_array(raw: np.ndarray, shrinkage: float) -> np.ndarray:
    """apply_shrinkage over an integer array (exact: memoised per distinct raw value)."""
    values = {int(v): apply_shrinkage(int(v), shrinkage) for v in np.unique(raw)}
    return np.array([values[int(v)] for v in raw], dtype=np.int64) if len(raw) else raw


def _open_mask(
    starts: pd.Series, opening_hours: Mapping[str, OpeningHours] | None, queue: str, timezone: str
) -> np.ndarray:
    """Which intervals of one queue are open, as `OpeningHours.is_open` says, vectorised."""
    if opening_hours is None or queue not in opening_hours:
        return np.ones(len(starts), dtype=bool)
    hours = opening_hours[queue]
    local = pd.DatetimeIndex(starts).tz_convert(timezone)
    weekday = local.day_of_week.to_numpy()
    minute = local.hour.to_numpy() * 60 + local.minute.to_numpy()
    opens = np.array([h[0] if h else 0 for h in hours.weekly])
    closes = np.array([h[1] if h else 0 for h in hours.weekly])  # closed all day: [0, 0)
    is_open = (minute >= opens[weekday]) & (minute < closes[weekday])
    if hours.closed_on_holidays and len(local):
        finnish = holidays.Finland(years=range(local.year.min(), local.year.max() + 1))
        days = local.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
        is_open &= ~np.isin(days, np.array(sorted(finnish), dtype="datetime64[D]"))
    return is_open


def _smallest_agents(
    traffic: np.ndarray,
    service_seconds: np.ndarray,
    answer_seconds: np.ndarray,
    service_level_target: np.ndarray,
    max_occupancy: np.ndarray,
) -> np.ndarray:
    """Smallest N per element with Erlang C SL >= target and A/N <= max occupancy.

    Runs the Erlang B recursion over N for a chunk of elements at once (sorted by traffic so
    each chunk iterates only as far as its own largest N); exact, no rounding of inputs.
    """
    result = np.zeros(traffic.size, dtype=np.int64)
    busy = np.flatnonzero(traffic > 0)
    order = busy[np.argsort(traffic[busy], kind="stable")]
    for start in range(0, order.size, _CHUNK):
        idx = order[start : start + _CHUNK]
        a = traffic[idx]
        s = service_seconds[idx]
        t = answer_seconds[idx]
        sl = service_level_target[idx] - TOLERANCE
        occ = max_occupancy[idx] + TOLERANCE
        b = np.ones(idx.size)
        found = np.zeros(idx.size, dtype=np.int64)
        k = 0
        while True:
            k += 1
            b = a * b / (k + a * b)
            over = k > a
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                c = np.where(over, k * b / (k - a * (1 - b)), 1.0)
                level = np.where(over, 1 - c * np.exp(-(k - a) * t / s), 0.0)
            meets = over & (level >= sl) & (a / k <= occ) & (found == 0)
            found[meets] = k
            if found.all():
                break
        result[idx] = found
    return result
