"""Rolling-origin backtest: hand-computable metrics, method choice, no peeking."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasts.backtest import (
    RESULT_COLUMNS,
    backtest,
    choose_model,
    summarise,
    weekly_origins,
    with_auto,
)
from forecasts.history import history_from_records
from forecasts.models import Prediction

TIMEZONE = "Europe/Helsinki"
FIRST_DAY = date(2026, 5, 4)  # a Monday, well clear of clock changes


def weekly_steps(levels: list[float]) -> pd.DataFrame:
    """Hourly history, one week per level, every interval of week k holding levels[k]."""
    begin = pd.Timestamp(FIRST_DAY, tz=TIMEZONE)
    starts = pd.date_range(begin, periods=len(levels) * 7 * 24, freq="60min")
    contacts = np.repeat(levels, 7 * 24).astype(int)
    return history_from_records(
        pd.DataFrame({"interval_start": starts, "client": "acme", "channel": "voice",
                      "contacts": contacts}),
        timezone=TIMEZONE,
    )


def test_metrics_match_a_hand_computed_example():
    # weeks of 1, 2, 3 contacts an hour; forecast week 3 from weeks 1-2:
    # seasonal naive says 2 (error -1), the seasonal average says 1.5 (error -1.5);
    # the in-sample seasonal-naive MAE is |2 - 1| = 1.
    history = weekly_steps([1, 2, 3])
    origins = weekly_origins(history, count=1, horizon_days=7, timezone=TIMEZONE)
    assert origins == [FIRST_DAY + timedelta(weeks=2)]
    results = backtest(history, origins=origins, interval_minutes=60,
                       methods=["seasonal_naive", "seasonal_average"], timezone=TIMEZONE)
    assert list(results.columns) == list(RESULT_COLUMNS)
    got = results.set_index(["model", "horizon_days"])
    for horizon, hours in ((1, 24), (7, 168)):
        naive = got.loc[("seasonal_naive", horizon)]
        assert naive["n_intervals"] == hours
        assert naive["actual"] == 3 * hours
        assert naive["wape"] == pytest.approx(1 / 3)
        assert naive["bias"] == pytest.approx(-1 / 3)
        assert naive["mase"] == pytest.approx(1.0)
        average = got.loc[("seasonal_average", horizon)]
        assert average["wape"] == pytest.approx(0.5)
        assert average["bias"] == pytest.approx(-0.5)
        assert average["mase"] == pytest.approx(1.5)


def test_progress_is_reported_per_origin_and_method():
    history = weekly_steps([1, 2, 3, 4])
    calls = []
    backtest(history, origins=[FIRST_DAY + timedelta(weeks=2), FIRST_DAY + timedelta(weeks=3)],
             interval_minutes=60, timezone=TIMEZONE, progress=lambda d, n: calls.append((d, n)))
    assert calls[-1][0] == calls[-1][1] == len(calls) == 2 * 3


def test_choose_model_picks_the_model_that_is_right():
    # the level steps up once and then stays: last week's value is exactly right,
    # an average of four weeks still remembers the old level
    history = weekly_steps([1, 1, 1, 1, 5, 5, 5, 5, 5])
    origins = weekly_origins(history, count=4, horizon_days=7, timezone=TIMEZONE)
    results = backtest(history, origins=origins, interval_minutes=60, timezone=TIMEZONE)
    summary = summarise(results)
    naive = summary[(summary["model"] == "seasonal_naive") & (summary["horizon_days"] == 7)]
    assert naive["wape"].item() == pytest.approx(0.0)
    assert choose_model(results).to_dict() == {"acme-voice-fi": "seasonal_naive"}


def hand_results(wapes: dict[tuple[date, str], float]) -> pd.DataFrame:
    """A results frame for one queue with the given WAPE per (origin, model), 7-day horizon."""
    rows = [{"queue": "q", "client": "c", "channel": "voice", "language": "fi", "origin": o,
             "model": m, "horizon_days": 7, "n_intervals": 1, "actual": 100.0,
             "abs_error": 100.0 * w, "error": 0.0, "wape": w, "mase": w, "bias": 0.0}
            for (o, m), w in wapes.items()]
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_choose_model_pools_origins_not_per_origin_wins():
    a, b = date(2026, 1, 5), date(2026, 1, 12)
    results = hand_results({(a, "seasonal_naive"): 0.10, (b, "seasonal_naive"): 0.50,
                            (a, "seasonal_average"): 0.20, (b, "seasonal_average"): 0.25})
    # naive wins one origin, but pooled: naive 0.30, average 0.225
    assert choose_model(results)["q"] == "seasonal_average"


def test_auto_chooses_from_earlier_origins_only():
    origins = [date(2026, 1, 5) + timedelta(weeks=k) for k in range(4)]
    wapes = {}
    for k, origin in enumerate(origins):
        good_naive = k < 3  # naive is best until the last origin, where average wins
        wapes[(origin, "seasonal_naive")] = 0.1 if good_naive else 0.9
        wapes[(origin, "seasonal_average")] = 0.2
    out = with_auto(hand_results(wapes), selection_origins=2)
    auto = out[out["model"] == "auto"].set_index("origin")
    # origins 0 and 1 lack two earlier finished windows; at origin 3 the choice
    # (from origins 1 and 2) is naive, even though naive is the worse model that week
    assert list(auto.index) == origins[2:]
    assert auto.loc[origins[3], "wape"] == pytest.approx(0.9)


class Constant:
    """A stand-in model from another library: forecasts 5 contacts everywhere."""

    def fit(self, history):
        self.slots = history.n_slots
        return self

    def predict(self, days):
        point = np.full((len(days), self.slots), 5.0)
        return Prediction(point, point, point, ["constant"] * len(days))


def test_backtest_runs_models_from_a_given_registry():
    history = weekly_steps([5, 5, 5, 5])
    origin = FIRST_DAY + timedelta(weeks=3)
    results = backtest(history, origins=[origin], interval_minutes=60, horizons=(7,),
                       methods=["constant"], models={"constant": Constant})
    assert results["model"].tolist() == ["constant"]
    assert results["wape"].iloc[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="unknown method"):
        backtest(history, origins=[origin], interval_minutes=60, methods=["weekday_profile"],
                 models={"constant": Constant})
