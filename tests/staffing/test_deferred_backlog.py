"""The email backlog behind the projected service level: work waiting and work overdue."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.service_level import deferred_backlog, deferred_service_level

HALF_HOUR = 1800.0


def test_one_agent_clears_an_hour_of_work_in_two_intervals() -> None:
    """An hour's work due within the arrival interval: half of it is late for one interval."""
    backlog = deferred_backlog(np.array([3600.0, 0, 0, 0]), np.array([1, 1, 0, 0]),
                               np.ones(4, dtype=bool), 1, HALF_HOUR)
    assert backlog.waiting.tolist() == [1800.0, 0.0, 0.0, 0.0]
    assert backlog.overdue.tolist() == [1800.0, 0.0, 0.0, 0.0]


def test_work_inside_its_window_waits_without_being_overdue() -> None:
    """A two-interval window: the same hour is waiting after the first interval, not late."""
    backlog = deferred_backlog(np.array([3600.0, 0, 0, 0]), np.array([1, 1, 0, 0]),
                               np.ones(4, dtype=bool), 2, HALF_HOUR)
    assert backlog.waiting.tolist() == [1800.0, 0.0, 0.0, 0.0]
    assert not backlog.overdue.any()


def test_closed_intervals_do_not_count_towards_the_window() -> None:
    """Mail arriving overnight is due one open interval after opening, not while closed."""
    is_open = np.array([False, False, True, True])
    backlog = deferred_backlog(np.array([1800.0, 0, 0, 0]), np.zeros(4), is_open, 1, HALF_HOUR)
    assert backlog.waiting.tolist() == [1800.0] * 4
    assert backlog.overdue.tolist() == [0.0, 0.0, 1800.0, 1800.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.just(0.0), st.floats(1, 20_000)), st.integers(0, 6),
                          st.booleans()), min_size=1, max_size=30), st.integers(1, 6))
def test_overdue_work_is_waiting_work_and_matches_the_service_level(rows, window) -> None:  # noqa: ANN001
    """Overdue is part of waiting; an interval's work is late exactly when its level < 1."""
    work = np.array([r[0] for r in rows])
    agents = np.array([r[1] for r in rows])
    is_open = np.array([r[2] for r in rows])
    backlog = deferred_backlog(work, agents, is_open, window, HALF_HOUR)
    assert (backlog.overdue <= backlog.waiting + 1e-6).all()
    assert (backlog.waiting >= 0).all()
    level = deferred_service_level(work, agents, is_open, window, HALF_HOUR)
    if (level < 1 - 1e-6).any():  # some arrival missed its due interval: overdue work there
        assert backlog.overdue.max() > 0
    else:
        assert backlog.overdue.max() == 0
