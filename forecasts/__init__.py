"""Contact volume and handle-time forecasts per queue and interval."""
