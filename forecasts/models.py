"""Forecasting methods, one small class each: fit on a queue's local days, predict given days.

Every model sees one queue's history as a `DayMatrix`: one row per local calendar day
(Europe/Helsinki), one column per local time-of-day slot, so a DST week lines up with the
weeks around it (the skipped spring hour is NaN; the repeated autumn hour holds the mean of
its two occurrences, and a forecast gives both occurrences that value). Intervals missing
from the history inside the queue's usual open hours are NaN too, and flagged in `missing`:
models leave them out (a day with a missing interval gives no day total), never read them
as 0 contacts. Closed hours are 0.

`fit(history) -> self`, `predict(days) -> Prediction` (point, 80 % band, a note for the
`model` column), in the spirit of statsforecast.

The 80 % band: residuals of the model's fitted values over recent weeks, standardised as
z = (y - fit) / sqrt(fit + 1) (count data: spread grows like the square root of the level),
give the 10th and 90th percentiles q10, q90; the band is fit + q * sqrt(fit + 1), clipped to
>= 0 and widened if needed to contain the point forecast. With fewer than `MIN_RESIDUALS`
residuals it falls back to the Poisson normal approximation fit -/+ 1.2816 sqrt(fit).
A level that includes the day it is judged on understates a week-ahead error, so the
averaging models fit each recent day leaving that day out. The backtest scores the band's
coverage (Anonymous Bank, 7 days ahead: 76-81 % of open intervals inside the 80 % band).
Closed slots (point forecast 0) get a 0..0 band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np

MIN_RESIDUALS = 50
Z80 = 1.2815515655446004  # standard normal 90th percentile
TREND_LIMITS = (0.5, 2.0)  # the trend may at most halve or double the level: a safety cap


@dataclass(frozen=True)
class DayMatrix:
    """A queue's history as consecutive local days x time-of-day slots of contacts."""

    first_day: date
    values: np.ndarray  # shape (days, slots); NaN where the slot does not exist or is missing
    missing: np.ndarray | None = None  # (days, slots) bool: intervals lost from the history

    @property
    def complete(self) -> np.ndarray:
        """Per day, whether no interval of it is missing (its total can be trusted)."""
        if self.missing is None:
            return np.ones(self.n_days, dtype=bool)
        return ~self.missing.any(axis=1)

    @property
    def n_days(self) -> int:
        """Number of days held."""
        return int(self.values.shape[0])

    @property
    def n_slots(self) -> int:
        """Slots per day."""
        return int(self.values.shape[1])

    @property
    def days(self) -> list[date]:
        """The local days, oldest first."""
        return [self.first_day + timedelta(days=d) for d in range(self.n_days)]

    @property
    def last_day(self) -> date:
        """The newest day held."""
        return self.first_day + timedelta(days=self.n_days - 1)

    def totals(self) -> np.ndarray:
        """Contacts per day."""
        return np.nansum(self.values, axis=1)


@dataclass(frozen=True)
class Prediction:
    """Point forecast and 80 % band per predicted day x slot, with a note for the model column."""

    contacts: np.ndarray
    low: np.ndarray
    high: np.ndarray
    notes: list[str] = field(default_factory=list)  # one per predicted day


def finnish_holidays(years: range | list[int]) -> holidays.HolidayBase:
    """Finnish public holidays of the given years."""
    return holidays.Finland(years=list(years))


def public_holidays(country: str | None, years: range | list[int]) -> holidays.HolidayBase:
    """Public holidays of a country (ISO code, e.g. "FI"); none when country is None."""
    return _public_holidays(country, tuple(years))


def holiday_mask(country: str | None, first_day: date, n_days: int) -> np.ndarray:
    """Per day from `first_day`, whether it is a public holiday of `country`."""
    if country is None or n_days <= 0:
        return np.zeros(max(n_days, 0), dtype=bool)
    last_day = first_day + timedelta(days=n_days - 1)
    ordinals = _holiday_ordinals(country, tuple(range(first_day.year, last_day.year + 1)))
    return np.isin(np.arange(n_days) + first_day.toordinal(), ordinals)


@lru_cache(maxsize=32)
def _holiday_ordinals(country: str, years: tuple[int, ...]) -> np.ndarray:
    """The holidays of `public_holidays` as date ordinals."""
    return np.array([d.toordinal() for d in _public_holidays(country, years)], dtype=np.int64)


@lru_cache(maxsize=32)
def _public_holidays(country: str | None, years: tuple[int, ...]) -> holidays.HolidayBase:
    """The calendar of `public_holidays`, built once per country and years (read-only use)."""
    if country is None:
        return holidays.HolidayBase()
    return holidays.country_holidays(country, years=list(years))


class SeasonalNaive:
    """Same slot on the most recent same weekday (last week when history is recent)."""

    name = "seasonal_naive"

    def fit(self, history: DayMatrix) -> SeasonalNaive:
        """Remember the history and its week-on-week residuals."""
        self.history = history
        y = history.values
        self.residual_z = _standardised(y[7:], y[:-7]) if history.n_days > 7 else np.array([])
        return self

    def predict(self, days: list[date]) -> Prediction:
        """Copy the latest same weekday (a missing interval: the same weekday a week before)."""
        y = self.history.values
        point = np.array([_latest_known(y, _weekday_rows(self.history, day.weekday())
                                        or [self.history.n_days - 1]) for day in days])
        low, high = band(point, self.residual_z)
        return Prediction(point, low, high, [self.name] * len(days))


class SeasonalAverage:
    """Mean of the same weekday x slot over the last `weeks` weeks."""

    name = "seasonal_average"

    def __init__(self, weeks: int = 4) -> None:
        self.weeks = weeks

    def fit(self, history: DayMatrix) -> SeasonalAverage:
        """Average each weekday's last `weeks` occurrences (missing intervals left out)."""
        self.history = history
        y = history.values
        self.by_weekday: dict[int, np.ndarray] = {}
        residuals = []
        for weekday in range(7):
            rows = _weekday_rows(history, weekday)[-self.weeks :]
            self.by_weekday[weekday] = (
                _nanmean(y[rows]) if len(rows) else _nanmean(y[-7:])
            )
            # the band judges each of those days against the mean of the others (leave one
            # out): the mean including the day itself understates a week-ahead error
            for r in rows:
                others = [o for o in rows if o != r]
                if others:
                    residuals.append(_standardised(y[r], _nanmean(y[others])))
        self.weeks_used = min(self.weeks, -(-history.n_days // 7))
        self.residual_z = np.concatenate(residuals) if residuals else np.array([])
        return self

    def predict(self, days: list[date]) -> Prediction:
        """Look up each day's weekday mean."""
        point = np.array([self.by_weekday[d.weekday()] for d in days]).reshape(
            len(days), self.history.n_slots
        )
        low, high = band(point, self.residual_z)
        note = (f"{self.name}({self.weeks}w)" if self.weeks_used >= self.weeks
                else f"{self.name}(only {self.weeks_used} of {self.weeks} weeks)")
        return Prediction(point, low, high, [note] * len(days))


class WeekdayProfile:
    """Daily volume per weekday with a robust trend, times an intraday profile per weekday.

    - Level: per weekday, the median daily total over the last `level_weeks` weeks, public
      holidays and days with missing intervals left out.
    - Trend: a weekly index (median of each week's day totals over their weekday level,
      holidays left out) over the last `trend_weeks` weeks, fitted by Theil-Sen (median of
      pairwise slopes, robust to outliers); the level is scaled by the fitted index at the
      forecast day over the fitted index at the middle of the level window, capped to
      `TREND_LIMITS`. Needs at least four weeks, otherwise no trend.
    - Intraday profile: per weekday, contacts per slot over contacts per day, summed over
      the last `profile_weeks` weeks of normal days. A slot never used there forecasts 0
      (closed).
    - Public holidays (Finnish unless `holiday_country` says otherwise): the ratio of each
      observed holiday's total to its weekday level in the weeks before it; a holiday seen
      before uses its own latest ratio, else the median over all observed holidays. With
      none observed, a holiday is forecast like a Sunday (closed if closed on Sundays).
    - Short history: with under two weeks, what there is (a weekday seen once is its own
      level and profile; an unseen weekday takes the mean of the days seen); the note says so.
    """

    name = "weekday_profile"

    def __init__(
        self,
        level_weeks: int = 6,
        trend_weeks: int = 12,
        profile_weeks: int = 8,
        holiday_country: str | None = "FI",
    ):
        self.holiday_country = holiday_country
        self.level_weeks = level_weeks
        self.trend_weeks = trend_weeks
        self.profile_weeks = profile_weeks

    def fit(self, history: DayMatrix) -> WeekdayProfile:
        """Fit levels, trend, profiles and holiday ratios."""
        self.history = history
        y = history.values
        days = history.days
        totals = history.totals()
        calendar = public_holidays(self.holiday_country, range(days[0].year, days[-1].year + 2))
        self.calendar = calendar
        complete = history.complete
        self.holiday_rows = holiday_mask(self.holiday_country, history.first_day,
                                         history.n_days)
        normal = ~self.holiday_rows & complete
        self.short = history.n_days < 14
        self.level = np.zeros(7)
        self.profile = np.zeros((7, history.n_slots))
        self.seen = np.zeros(7, dtype=bool)
        level_rows: dict[int, list[int]] = {}
        for weekday in range(7):
            every = _weekday_rows(history, weekday)
            # rather holidays, or days with a missing interval, than nothing
            rows = ([r for r in every if normal[r]] or [r for r in every if complete[r]]
                    or every)
            if not rows:
                continue
            self.seen[weekday] = True
            self.level[weekday] = float(np.median(totals[rows[-self.level_weeks :]]))
            level_rows[weekday] = rows[-self.level_weeks :]
            self.profile[weekday] = _profile(y[rows[-self.profile_weeks :]])
        if not self.seen.all():
            mean_level = float(self.level[self.seen].mean())
            mean_profile = _profile(y)
            for weekday in np.flatnonzero(~self.seen):
                self.level[weekday] = mean_level
                self.profile[weekday] = mean_profile
        self._fit_trend(totals, normal)
        self._fit_holidays(totals, normal, complete)
        recent = range(max(0, history.n_days - 7 * self.level_weeks), history.n_days)
        fitted = self._points([days[r] for r in recent])
        # The band judges each recent day against a level fitted without it (leave one out):
        # in-sample residuals of a median that includes the day understate a week-ahead error.
        for weekday, rows in level_rows.items():
            for r in rows:
                others = [o for o in rows if o != r]
                if r >= recent.start and others and self.level[weekday] > 0:
                    fitted[r - recent.start] *= float(np.median(totals[others])) / self.level[
                        weekday]
        self.residual_z = _standardised(y[recent.start:], fitted)
        return self

    def predict(self, days: list[date]) -> Prediction:
        """Point forecast and band for each day."""
        point = self._points(days)
        low, high = band(point, self.residual_z)
        return Prediction(point, low, high, [self._note(d) for d in days])

    def _points(self, days: list[date]) -> np.ndarray:
        """Forecast contacts per day x slot: weekday level x trend x profile, holidays apart."""
        weekday = np.array([d.weekday() for d in days], dtype=int)
        t = np.array([(d - self.history.first_day).days for d in days], dtype=float)
        point = (self.level[weekday] * self._trend_factors(t))[:, None] * self.profile[weekday]
        for i, day in enumerate(days):
            if day in self.calendar:
                point[i] = self._day_point(day)
        return point.reshape(len(days), self.history.n_slots)

    def _fit_trend(self, totals: np.ndarray, normal: np.ndarray) -> None:
        """Theil-Sen line through weekly indices of the last `trend_weeks` weeks."""
        n = self.history.n_days
        self.slope = 0.0
        self.intercept = 1.0
        self.level_centre = n - 1 - (min(self.level_weeks * 7, n) - 1) / 2
        points = []
        for week in range(min(self.trend_weeks, n // 7)):
            rows = range(n - 7 * (week + 1), n - 7 * week)
            ratios = [
                totals[r] / self.level[self._weekday(r)]
                for r in rows
                if normal[r] and self.level[self._weekday(r)] > 0
            ]
            if ratios:
                points.append((n - 7 * week - 4.0, float(np.median(ratios))))
        if len(points) < 4:
            return
        t, v = np.array(points).T
        i, j = np.triu_indices(len(t), k=1)
        self.slope = float(np.median((v[j] - v[i]) / (t[j] - t[i])))
        self.intercept = float(np.median(v - self.slope * t))

    def _trend_factor(self, day: date) -> float:
        """Fitted index at `day` over fitted index in the middle of the level window."""
        return float(self._trend_factors(np.array([(day - self.history.first_day).days]))[0])

    def _trend_factors(self, t: np.ndarray) -> np.ndarray:
        """`_trend_factor` for days numbered `t` from the history's first day."""
        centre = self.intercept + self.slope * self.level_centre
        if self.slope == 0.0 or centre <= 0:
            return np.ones(len(t))
        return np.clip((self.intercept + self.slope * t) / centre, *TREND_LIMITS)

    def _fit_holidays(self, totals: np.ndarray, normal: np.ndarray,
                      complete: np.ndarray) -> None:
        """Observed holiday totals over the weekday's normal level in the 4 weeks before."""
        self.holiday_ratio: dict[str, float] = {}
        ratios = []
        for r in np.flatnonzero(self.holiday_rows & complete):
            day = self.history.first_day + timedelta(days=int(r))
            before = [r - 7 * k for k in range(1, 5) if r - 7 * k >= 0 and normal[r - 7 * k]]
            if not before:
                continue
            expected = float(np.median(totals[before]))
            if expected <= 0:
                continue
            ratio = float(totals[r] / expected)
            self.holiday_ratio[self.calendar.get(day)] = ratio  # latest one wins
            ratios.append(ratio)
        self.default_holiday_ratio = float(np.median(ratios)) if ratios else None

    def _day_point(self, day: date) -> np.ndarray:
        """Forecast contacts per slot for one local day."""
        weekday = day.weekday()
        if day in self.calendar:
            ratio = self.holiday_ratio.get(self.calendar.get(day), self.default_holiday_ratio)
            if ratio is None:  # no holiday seen: like a Sunday
                return self.level[6] * self._trend_factor(day) * self.profile[6]
            return ratio * self.level[weekday] * self._trend_factor(day) * self.profile[weekday]
        return self.level[weekday] * self._trend_factor(day) * self.profile[weekday]

    def _note(self, day: date) -> str:
        """The model column: method, plus holiday and short-history remarks."""
        parts = []
        if day in self.calendar:
            name = self.calendar.get(day)
            if name in self.holiday_ratio:
                parts.append(f"holiday ratio {self.holiday_ratio[name]:.2f} from last {name}")
            elif self.default_holiday_ratio is not None:
                parts.append(f"holiday ratio {self.default_holiday_ratio:.2f}")
            else:
                parts.append("holiday as Sunday")
        if self.short:
            parts.append(f"short history: {self.history.n_days} days")
        return f"{self.name}({'; '.join(parts)})" if parts else self.name

    def _weekday(self, row: int) -> int:
        """Weekday of a history row."""
        return (self.history.first_day + timedelta(days=row)).weekday()


MODELS = {
    "weekday_profile": WeekdayProfile,
    "seasonal_naive": SeasonalNaive,
    "seasonal_average": SeasonalAverage,
}


def band(point: np.ndarray, residual_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """80 % band around `point` from standardised residuals (Poisson when too few)."""
    z = residual_z[np.isfinite(residual_z)]
    scale = np.sqrt(point + 1.0)
    if z.size >= MIN_RESIDUALS:
        q10, q90 = np.quantile(z, [0.1, 0.9])
        low = point + q10 * scale
        high = point + q90 * scale
    else:
        low = point - Z80 * np.sqrt(point)
        high = point + Z80 * np.sqrt(point)
    low = np.clip(np.minimum(low, point), 0.0, None)
    high = np.maximum(high, point)
    closed = point <= 0
    return np.where(closed, 0.0, low), np.where(closed, 0.0, high)


def _standardised(actual: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """(y - fit) / sqrt(fit + 1) over slots known on both sides that were open (either > 0)."""
    actual = np.asarray(actual, dtype=float)
    fitted = np.asarray(fitted, dtype=float)
    used = np.isfinite(actual) & np.isfinite(fitted) & ((fitted > 0) | (actual > 0))
    return (actual[used] - fitted[used]) / np.sqrt(fitted[used] + 1.0)


def _profile(rows: np.ndarray) -> np.ndarray:
    """Share of the day's contacts per slot, contact-weighted over the given days."""
    per_slot = np.nansum(rows, axis=0)
    total = per_slot.sum()
    return per_slot / total if total > 0 else np.zeros(rows.shape[1])


def _nanmean(rows: np.ndarray) -> np.ndarray:
    """Mean per slot ignoring missing slots (0 where never observed)."""
    counts = np.isfinite(rows).sum(axis=0)
    sums = np.nansum(rows, axis=0)
    return np.divide(sums, counts, out=np.zeros(rows.shape[1]), where=counts > 0)


def _weekday_rows(history: DayMatrix, weekday: int) -> list[int]:
    """Row indices of the history days falling on `weekday`, oldest first."""
    first = (weekday - history.first_day.weekday()) % 7
    return list(range(first, history.n_days, 7))


def _latest_known(values: np.ndarray, rows: list[int]) -> np.ndarray:
    """Per slot, the newest known value over `rows` (oldest first); 0 where none is known."""
    stacked = values[rows[::-1]]
    known = np.isfinite(stacked)
    first = known.argmax(axis=0)
    picked = stacked[first, np.arange(values.shape[1])]
    return np.where(known.any(axis=0), picked, 0.0)
