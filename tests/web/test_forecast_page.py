"""Coordinators see forecast vs actual and override the forecast, with an audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from scheduler.grid import Grid
from tests.web.conftest import user_of
from web import models as m
from web.overrides import active_uplifts
from web.pipeline import forecast_queues, load_history


def _password(planned, username: str) -> str:  # noqa: ANN001
    """The demo password of a user in the small world."""
    return next(u.password for u in planned.world.users if u.username == username)


def _login(auth, session, planned, role: str = "coordinator") -> m.User:  # noqa: ANN001
    """Log in as the first user with a role."""
    user = user_of(session, role)
    assert auth.login(user.username, _password(planned, user.username)).status_code == 302
    return user


def _override(auth, target: str, start, end, percent: str = "50") -> dict:  # noqa: ANN001
    """An override form."""
    return {"csrf_token": auth.csrf_token("/coordinator/forecast/"), "target": target,
            "start_day": start.isoformat(), "end_day": end.isoformat(), "percent": percent,
            "reason": "Price letter"}


def test_forecast_page_draws_forecast_band_and_actuals(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """The page draws the stored forecast with its band and the actual contacts before it."""
    _login(auth, session, planned)
    queue = session.exec(select(m.Queue)).first()
    page = client.get(f"/coordinator/forecast/?queue={queue.key}").get_data(as_text=True)
    assert "<svg" in page and 'class="band"' in page
    assert 'class="predicted"' in page and 'class="actual"' in page
    assert client.get("/coordinator/forecast/?queue=nope").status_code == 404


def test_each_queue_gets_the_method_its_backtest_picks(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Production forecasts choose per queue by backtest, and the forecast page says so."""
    grid = Grid(planned.world.start_day, 7, 30)
    frame = forecast_queues(load_history(session), grid)
    reasons = frame.groupby("queue")["model"].first()
    assert reasons.str.contains(r"\| chosen by backtest: 7-day WAPE [0-9.]+ over 4 weekly").all()
    assert set(reasons.str.split("(").str[0].str.split(" ").str[0]) <= {
        "weekday_profile", "seasonal_naive", "seasonal_average"}
    _login(auth, session, planned)
    queue = session.exec(select(m.Queue)).first()
    page = client.get(f"/coordinator/forecast/?queue={queue.key}").get_data(as_text=True)
    assert "How this queue was forecast" in page and "chosen by backtest: 7-day WAPE" in page


def test_override_is_audited_withdrawn_and_fed_to_the_forecaster(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Saving records who and when; the next run's uplifts include it until withdrawn."""
    user = _login(auth, session, planned)
    queue = session.exec(select(m.Queue).where(m.Queue.channel == "voice")).first()
    monday = planned.world.start_day
    response = client.post("/coordinator/forecast/",
                           data=_override(auth, queue.key, monday, monday, "100"))
    assert response.status_code == 303
    override = session.exec(select(m.ForecastOverride)).one()
    assert (override.created_by, override.percent, override.target) == (
        user.username, 100.0, queue.key)
    grid = Grid(monday, 7, 30)
    (uplift,) = active_uplifts(session, grid)
    assert uplift.target == queue.key and uplift.percent == 100.0
    history = load_history(session)
    plain = forecast_queues(history, grid)
    lifted = forecast_queues(history, grid, [uplift])
    day = plain["interval_start"].dt.tz_convert(grid.timezone).dt.date == monday
    mine = (plain["queue"] == queue.key) & day
    assert plain.loc[mine, "contacts"].sum() > 0
    doubled = 2 * plain.loc[mine, "contacts"].sum()
    assert lifted.loc[mine, "contacts"].sum() == pytest.approx(doubled)
    later = plain["queue"] == queue.key
    assert lifted.loc[later & ~mine, "contacts"].sum() == pytest.approx(
        plain.loc[later & ~mine, "contacts"].sum())
    token = auth.csrf_token("/coordinator/forecast/")
    client.post(f"/coordinator/forecast/overrides/{override.id}/withdraw",
                data={"csrf_token": token})
    session.expire_all()
    assert session.get(m.ForecastOverride, override.id).withdrawn_by == user.username
    assert active_uplifts(session, grid) == []
    assert "Price letter" in client.get("/coordinator/forecast/").get_data(as_text=True)


def test_bad_override_is_refused_and_saves_nothing(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """End before start or an absurd percentage: 400, no row."""
    _login(auth, session, planned)
    queue = session.exec(select(m.Queue)).first()
    monday = planned.world.start_day
    backwards = _override(auth, queue.key, monday, monday - timedelta(days=1))
    assert client.post("/coordinator/forecast/", data=backwards).status_code == 400
    absurd = _override(auth, queue.key, monday, monday, "900")
    assert client.post("/coordinator/forecast/", data=absurd).status_code == 400
    unknown = _override(auth, "nobody", monday, monday)
    assert client.post("/coordinator/forecast/", data=unknown).status_code == 400
    assert session.exec(select(m.ForecastOverride)).all() == []


def test_agents_and_clients_cannot_see_forecasts(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """Forecast pages are for coordinators only."""
    _login(auth, session, planned, "agent")
    assert client.get("/coordinator/forecast/").status_code == 403
