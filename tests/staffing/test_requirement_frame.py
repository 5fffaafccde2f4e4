"""Chat and email models, and the requirement frame over many queues."""

import time

import holidays
import numpy as np
import pandas as pd
import pytest

from scheduler.bench_requirements import bench_inputs
from scheduler.domain import OpeningHours, ServiceTarget
from scheduler.erlang_a import erlang_a, raw_agents_erlang_a, required_agents_erlang_a
from scheduler.grid import Grid
from scheduler.staffing import (
    _open_mask,
    email_workload_agents,
    required_agents,
    required_agents_chat,
    requirement_frame,
    spread_deferred_workload,
)

COLUMNS = ["interval_start", "queue", "contacts", "aht_seconds", "model", "raw_agents",
           "required_agents", "abandon_share"]


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


@pytest.mark.parametrize("channel", ["voice", "chat"])
def test_an_unstaffable_load_is_a_clear_error_not_an_endless_search(channel):
    # 6.6e45 contacts (a fuzzed figure): the Erlang search would step through every N up to it
    forecast = _forecast(f"a-{channel}-fi", [5, 6.6e45, 5], aht=492.0)
    target = ServiceTarget(patience_seconds=94.0) if channel == "voice" else ServiceTarget()
    with pytest.raises(ValueError, match=r"a-.*-fi at .*Erlangs.*check the figures"):
        requirement_frame(forecast, {f"a-{channel}-fi": target}, {f"a-{channel}-fi": channel}, 30)
    for search in (lambda: required_agents(6.6e45, 492.0, 30, target),
                   lambda: raw_agents_erlang_a(6.6e45, 492.0, 30, 20.0, 0.8, 0.85, 94.0)):
        with pytest.raises(ValueError, match="Erlangs"):
            search()


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
    """A loose guard on the benchmark (python -m scheduler.bench_requirements, target 2 s)."""
    forecast, targets, channels, opening = bench_inputs()
    began = time.perf_counter()
    frame = requirement_frame(forecast, targets, channels, 15, opening_hours=opening)
    elapsed = time.perf_counter() - began
    assert len(frame) == 50 * 42 * 96
    assert (frame["required_agents"] >= frame["raw_agents"]).all()
    closed = ~np.concatenate([_open_mask(part["interval_start"], opening, queue,
                                         "Europe/Helsinki")
                              for queue, part in frame.groupby("queue", sort=False)])
    assert (frame.loc[closed, "required_agents"] == 0).all()
    assert elapsed < 5.0, f"requirement_frame took {elapsed:.2f} s"

def test_voice_with_a_patience_is_staffed_by_erlang_a_and_reports_abandonment():
    forecast = pd.concat([_forecast("a-voice-fi", [0, 100, 250, 40]),
                          _forecast("b-voice-fi", [0, 100, 250, 40])])
    patient = ServiceTarget(shrinkage=0.3, patience_seconds=120)
    targets = {"a-voice-fi": patient, "b-voice-fi": ServiceTarget(shrinkage=0.3)}
    frame = requirement_frame(forecast, targets, {"a-voice-fi": "voice", "b-voice-fi": "voice"},
                              30)
    a, c = (g.reset_index(drop=True) for _, g in frame.groupby("queue"))
    assert set(a["model"]) == {"erlang_a"} and set(c["model"]) == {"erlang_c"}
    for t, contacts in enumerate([0, 100, 250, 40]):
        expected = raw_agents_erlang_a(contacts, 180, 30, 20, 0.8, 0.85, 120)
        assert a["raw_agents"][t] == expected
        assert a["required_agents"][t] == required_agents_erlang_a(contacts, 180, 30, patient,
                                                                   120)
        if contacts:
            result = erlang_a(contacts, 180, 30, expected, 20, 120)
            assert a["abandon_share"][t] == pytest.approx(result.abandon_probability)
            assert 0 < a["abandon_share"][t] < 0.1
    assert a["abandon_share"][0] == 0.0 and c["abandon_share"].isna().all()
    assert (a["raw_agents"] <= c["raw_agents"]).all()  # usual targets: Erlang A needs no more


def test_closed_intervals_need_no_agents_even_with_contacts_forecast():
    contacts = [30.0] * 24  # a forecast that leaks contacts into the night
    office = OpeningHours(weekly=((8 * 60, 16 * 60),) * 5 + (None, None))
    frame = requirement_frame(_forecast("v-voice-fi", contacts, interval_minutes=60),
                              {"v-voice-fi": ServiceTarget()}, {"v-voice-fi": "voice"}, 60,
                              opening_hours={"v-voice-fi": office})
    local_hours = frame["interval_start"].dt.tz_convert("Europe/Helsinki").dt.hour
    assert (frame.loc[(local_hours < 8) | (local_hours >= 16), "required_agents"] == 0).all()
    assert (frame.loc[(local_hours >= 8) & (local_hours < 16), "required_agents"] > 0).all()
    assert (frame["contacts"] == 30).all()  # the report still shows the contacts


def test_open_mask_matches_opening_hours_across_daylight_saving_and_holidays():
    # late October's clock change and All Saints' Day (Sat 31.10.2026), 15-minute intervals
    starts = pd.date_range(pd.Timestamp("2026-10-19", tz="Europe/Helsinki").tz_convert("UTC"),
                           pd.Timestamp("2026-11-09", tz="Europe/Helsinki").tz_convert("UTC"),
                           freq="15min", inclusive="left")
    hours = OpeningHours(((7 * 60, 21 * 60),) * 5 + ((9 * 60, 17 * 60), (0, 1440)))
    finnish = holidays.Finland(years=[2026])
    local = starts.tz_convert("Europe/Helsinki")
    for closed_on_holidays in (True, False):
        rule = OpeningHours(hours.weekly, closed_on_holidays=closed_on_holidays)
        expected = [rule.is_open(ts.to_pydatetime(), ts.date() in finnish) for ts in local]
        assert _open_mask(pd.Series(starts), {"q": rule}, "q", "Europe/Helsinki").tolist() \
            == expected
