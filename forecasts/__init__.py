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

__all__ = [
    "CANONICAL_COLUMNS",
    "FORECAST_COLUMNS",
    "HistoryError",
    "forecast",
    "history_from_records",
    "read_history_csv",
    "read_history_text",
    "resample_history",
]
