"""Chat and email models, and the requirement frame over many queues."""

import time

import numpy as np
import pandas as pd
import pytest

from scheduler.domain import OpeningHours, ServiceTarget
from scheduler.grid import Grid
from scheduler.staffing import (
    email_workload_agents,
    required_agents,
    required_agents_chat,
    requirement_frame,
    spread_deferred_workload,
)

COLUMNS = ["interval_start", "queue", "contacts", "aht_seconds", "model", "raw_agents",
           "required_agents"]


def _forecast(queue: str, contacts, aht=180.0, interval_minutes=30, start="2026-11-02"):
    """A forecast frame for one queue from a contacts list."""
    starts = pd.date_range(pd.Timestamp(start, tz="Europe/Helsinki").tz_convert("UTC"),
                           periods=len(contacts), freq=f"{interval_minutes}min")
    return pd.DataFrame({"interval_start": starts, "queue": queue,
                         "contacts": np.asarray(contacts, dtype=float), "aht_seconds": aht})


def test_chat_concurrency_is_erlang_c_with_shorter_handle_time():
    chat = ServiceTarget(answer_seconds=60, concurrency=3)
    voice_equivalent = ServiceTarget(answer_seconds=60)
    assert required_agents_chat(90, 600, 30, chat) == required_agents(90, 200, 30,
                                                                      voice_equivalent)
    assert required_agents_chat(90, 600, 30, chat) < required_agents_chat(
        90, 600, 30, ServiceTarget(answer_seconds=60, concurrency=1))
    assert required_agents_chat(0, 600, 30, chat) == 0


def test_email_work_spreads_over_the_response_window():
    load = spread_deferred_workload(np.array([1800.0, 0, 0, 0]), np.ones(4, bool), 2)
    assert load.tolist() == [900.0, 900.0, 0.0, 0.0]
    # arriving while closed: the window starts at the next open interval
    load = spread_deferred_workload(np.array([1200.0, 0, 0, 0]),
                                    np.array([False, False, True, True]), 3)
    assert load.tolist() == [0.0, 0.0, 400.0, 400.0]  # the third share falls past the end
    assert email_workload_agents(1800 * 0.85, 30, 0.85) == 1
    assert email_workload_agents(1800 * 0.85 + 1, 30, 0.85) == 2


def test_requirement_frame_columns_and_models():
    forecast = pd.concat([
        _forecast("a-voice-fi", [0, 100, 50, 0]),
        _forecast("a-chat-fi", [10, 20, 0, 0], aht=600.0),
        _forecast("a-email-fi", [6, 0, 0, 0], aht=300.0),
    ])
    targets = {
        "a-voice-fi": ServiceTarget(shrinkage=0.3),
        "a-chat-fi": ServiceTarget(answer_seconds=60, concurrency=2),
        "a-email-fi": ServiceTarget(response_minutes=60, max_occupancy=1.0),
    }
    channels = {"a-voice-fi": "voice", "a-chat-fi": "chat", "a-email-fi": "email"}
    frame = requirement_frame(forecast, targets, channels, 30)
    assert list(frame.columns) == COLUMNS
    by_queue = {q: g.reset_index(drop=True) for q, g in frame.groupby("queue")}
    voice = by_queue["a-voice-fi"]
    assert set(voice["model"]) == {"erlang_c"}
    assert voice["raw_agents"].tolist() == [0, 14, required_agents(50, 180, 30, ServiceTarget()),
                                            0]
    assert voice["required_agents"][1] == 20
    chat = by_queue["a-chat-fi"]
    assert set(chat["model"]) == {"chat_concurrency"}
    assert chat["raw_agents"][1] == required_agents_chat(20, 600, 30, targets["a-chat-fi"])
    email = by_queue["a-email-fi"]
    assert set(email["model"]) == {"email_deferred"}
    # 6 x 300 s = 1800 s over two 30-minute intervals: one agent in each
    assert email["required_agents"].tolist() == [1, 1, 0, 0]


def test_email_waits_for_opening_hours():
    grid = Grid(pd.Timestamp("2026-11-02").date(), 1, 60)
    contacts = [0.0] * 24
    contacts[2] = 12  # 02:00 local, closed
    forecast = _forecast("b-email-fi", contacts, aht=600.0, interval_minutes=60)
    office = OpeningHours(weekly=((8 * 60, 16 * 60),) * 5 + (None, None))
    frame = requirement_frame(forecast, {"b-email-fi": ServiceTarget(response_minutes=120,
                                                                      max_occupancy=1.0)},
                              {"b-email-fi": "email"}, 60,
                              opening_hours={"b-email-fi": office})
    assert len(frame) == grid.n_intervals
    # 12 x 600 s = 2 agent-hours, done 08:00-10:00 local
    assert frame["required_agents"].tolist() == [0] * 8 + [1, 1] + [0] * 14


def test_missing_target_or_aht_is_an_error():
    forecast = _forecast("a-voice-fi", [5])
    with pytest.raises(ValueError, match="no service target"):
        requirement_frame(forecast, {}, {"a-voice-fi": "voice"}, 30)
    forecast["aht_seconds"] = np.nan
    with pytest.raises(ValueError, match="AHT"):
        requirement_frame(forecast, {"a-voice-fi": ServiceTarget()}, {"a-voice-fi": "voice"}, 30)


def test_frame_matches_scalar_function_exactly():
    rng = np.random.default_rng(7)
    contacts = rng.gamma(2.0, 40.0, 300)
    contacts[::9] = 0
    forecast = _forecast("a-voice-fi", contacts, aht=rng.uniform(60, 600, 300), interval_minutes=15)
    target = ServiceTarget(service_level=0.85, answer_seconds=15, shrinkage=0.25)
    frame = requirement_frame(forecast, {"a-voice-fi": target}, {"a-voice-fi": "voice"}, 15)
    expected = [required_agents(c, a, 15, target)
                for c, a in zip(forecast["contacts"], forecast["aht_seconds"], strict=True)]
    assert frame["required_agents"].tolist() == expected


def test_fifty_queues_six_weeks_fifteen_minutes_is_fast():
    grid = Grid(pd.Timestamp("2026-11-02").date(), 42, 15)
    rng = np.random.default_rng(1)
    frames, targets, channels = [], {}, {}
    for q in range(50):
        channel = ("voice", "chat", "email")[q % 3]
        key = f"c{q}-{channel}-fi"
        hour = (np.arange(grid.n_intervals) % 96) / 4
        volume = np.where((hour >= 8) & (hour < 20), rng.gamma(3.0, 10.0 + q, grid.n_intervals), 0)
        frames.append(_forecast(key, volume, aht=float(rng.uniform(120, 600)),
                                interval_minutes=15))
        targets[key] = ServiceTarget(answer_seconds=20 if channel == "voice" else 60,
                                     concurrency=2 if channel == "chat" else 1,
                                     response_minutes=480 if channel == "email" else 0,
                                     shrinkage=0.3)
        channels[key] = channel
    forecast = pd.concat(frames, ignore_index=True)
    began = time.perf_counter()
    frame = requirement_frame(forecast, targets, channels, 15)
    elapsed = time.perf_counter() - began
    assert len(frame) == 50 * grid.n_intervals
    assert (frame["required_agents"] >= frame["raw_agents"]).all()
    assert elapsed < 5.0, f"requirement_frame took {elapsed:.2f} s"
