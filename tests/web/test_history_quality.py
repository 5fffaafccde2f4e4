"""After a history upload the coordinator sees what it holds: missing intervals and outliers."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO, StringIO

from fixtures.history import generate_history, write_history_csv
from tests.web.conftest import TODAY, user_of


def _login_coordinator(auth, session, planned) -> None:  # noqa: ANN001
    """Log in as a coordinator."""
    user = user_of(session, "coordinator")
    password = next(u.password for u in planned.world.users if u.username == user.username)
    assert auth.login(user.username, password).status_code == 302


def test_upload_reports_missing_intervals_and_outliers(client, auth, session, planned) -> None:  # noqa: ANN001, E501
    """A lost open-hours interval and a tenfold spike are reported; the spike is kept."""
    _login_coordinator(auth, session, planned)
    history = generate_history(planned.world, end=TODAY + timedelta(days=2), weeks=5)
    queue = history[history["queue"] == history["queue"].iloc[0]]
    busy = queue[queue["contacts"] >= 10].index
    lost, spiked = busy[len(busy) // 2], busy[len(busy) // 3]
    history.loc[spiked, "contacts"] *= 10
    buffer = StringIO()
    write_history_csv(history.drop(index=lost), buffer)
    data = {"csrf_token": auth.csrf_token("/coordinator/history"),
            "history": (BytesIO(buffer.getvalue().encode()), "history.csv")}
    response = client.post("/coordinator/history", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/coordinator/history").get_data(as_text=True)
    assert "What the last upload holds" in page
    assert "1 missing interval(s) inside usual open hours (left out, not read as 0)" in page
    assert f"{history.loc[lost, 'interval_start']:%Y-%m-%d %H:%M}Z" in page
    assert "outlier interval(s) flagged, kept" in page
    assert f"{history.loc[spiked, 'interval_start']:%Y-%m-%d %H:%M}Z" in page
    # shown once: the report belongs to that upload
    again = client.get("/coordinator/history").get_data(as_text=True)
    assert "What the last upload holds" not in again
