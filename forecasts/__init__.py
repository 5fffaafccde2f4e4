"""Contact volume and handle-time forecasts per queue and interval."""

from forecasts.core import FORECAST_COLUMNS, forecast
from forecasts.history import (
    CANONICAL_COLUMNS,
    HistoryError,
    history_from_records,
    read_history_csv,
    read_history_text,
    resample_history,
)
from forecasts.quality import HistoryReport, check_history
from forecasts.special import ExpectedVolume, Uplift

__all__ = [
    "CANONICAL_COLUMNS",
    "ExpectedVolume",
    "FORECAST_COLUMNS",
    "HistoryError",
    "HistoryReport",
    "Uplift",
    "check_history",
    "forecast",
    "history_from_records",
    "read_history_csv",
    "read_history_text",
    "resample_history",
]
