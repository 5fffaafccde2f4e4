"""The site's "today": the Helsinki date, or a fixed date set as config TODAY (tests, demos)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from scheduler.grid import SITE_TIMEZONE


def site_today() -> date:
    """Today in the site's time zone (not the server's)."""
    return datetime.now(ZoneInfo(SITE_TIMEZONE)).date()


def today() -> date:
    """Today for the current app: config TODAY when set, else the site's date."""
    return current_app.config.get("TODAY") or site_today()


def helsinki(instant: datetime, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """Format a stored instant in the site's local time (a Jinja filter)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(ZoneInfo(SITE_TIMEZONE)).strftime(fmt)


def helsinki_day(instant: datetime) -> date:
    """The site's local date of a stored instant."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(ZoneInfo(SITE_TIMEZONE)).date()
