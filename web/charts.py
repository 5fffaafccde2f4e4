"""Server-drawn SVG charts (no JavaScript, no CDN): coverage against requirement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _step_path(values: Sequence[float], x0: float, dx: float, y: callable) -> str:
    """An SVG path that steps through `values`, one step per interval."""
    xs = [f"{x0 + i * dx:.1f}" for i in range(len(values) + 1)]
    heights: dict[float, str] = {}  # few distinct values: format each height once
    parts = []
    for i, v in enumerate(values):
        h = heights.get(v)
        if h is None:
            h = heights[v] = f"{y(v):.1f}"
        parts.append(f"{'M' if i == 0 else 'L'}{xs[i]},{h} L{xs[i + 1]},{h}")
    return " ".join(parts)


def _day_marks(starts: Sequence[datetime], left: float, dx: float, top: float, bottom: float,
               label_y: float) -> list[str]:
    """A dashed line and a label ("Mon 23.11.") where each day begins."""
    marks = []
    for i, start in enumerate(starts):
        if i == 0 or start.date() != starts[i - 1].date():
            x = left + i * dx
            label = f"{WEEKDAYS[start.weekday()]} {start.day}.{start.month}."
            marks.append(f'<line class="day" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" '
                         f'y2="{bottom}"/><text class="tick" x="{x + 3:.1f}" '
                         f'y="{label_y}">{label}</text>')
    return marks


def coverage_svg(
    starts: Sequence[datetime],
    required: Sequence[int],
    scheduled: Sequence[int],
    *,
    title: str,
    width: int = 960,
    height: int = 220,
) -> Markup:
    """Scheduled agents (filled) against required agents (line), shortfalls shaded red."""
    left, right, top, bottom = 36, 8, 22, 28
    n = max(1, len(starts))
    peak = max([1, *required, *scheduled])
    dx = (width - left - right) / n
    plot_h = height - top - bottom

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (r, s) in enumerate(zip(required, scheduled, strict=True)):
        if s < r:
            out.append(
                f'<rect class="short" x="{left + i * dx:.1f}" y="{y(r):.1f}" '
                f'width="{dx:.1f}" height="{y(s) - y(r):.1f}"/>'
            )
    area = _step_path(scheduled, left, dx, y)
    out.append(
        f'<path class="scheduled" d="{area} L{left + n * dx:.1f},{y(0):.1f} '
        f'L{left:.1f},{y(0):.1f} Z"/>'
    )
    out.append(f'<path class="required" d="{_step_path(required, left, dx, y)}"/>')
    step = max(1, peak // 4)
    for v in range(0, peak + 1, step):
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="tick" x="{left - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v}</text>')
    out += _day_marks(starts, left, dx, top, height - bottom, height - 10)
    out.append(
        f'<text class="legend" x="{left}" y="14">'
        '<tspan class="l-scheduled">■ scheduled</tspan>  '
        '<tspan class="l-required">— required</tspan>  '
        '<tspan class="l-short">■ shortfall</tspan></text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def forecast_svg(
    starts: Sequence[datetime],
    predicted: Sequence[float | None],
    low: Sequence[float | None],
    high: Sequence[float | None],
    actual: Sequence[float | None],
    *,
    title: str,
    width: int = 960,
    height: int = 240,
) -> Markup:
    """Actual contacts (line) against the forecast (line) and its 80 % band (shaded)."""
    left, right, top, bottom = 40, 8, 22, 28
    n = max(1, len(starts))
    values = [v for series in (high, actual, predicted) for v in series if v is not None]
    peak = max([1.0, *values])
    dx = (width - left - right) / n
    plot_h = height - top - bottom

    def x(i: int) -> float:
        return left + (i + 0.5) * dx

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    def polyline(series: Sequence[float | None], css: str) -> list[str]:
        runs, run = [], []
        for i, v in enumerate(series):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{x(i):.1f},{y(v):.1f}")
        if run:
            runs.append(run)
        return [f'<polyline class="{css}" points="{" ".join(r)}"/>' for r in runs]

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    band = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(low, high, strict=True))
            if lo is not None and hi is not None]
    if band:
        upper = " ".join(f"{x(i):.1f},{y(hi):.1f}" for i, _, hi in band)
        lower = " ".join(f"{x(i):.1f},{y(lo):.1f}" for i, lo, _ in reversed(band))
        out.append(f'<polygon class="band" points="{upper} {lower}"/>')
    out += polyline(predicted, "predicted")
    out += polyline(actual, "actual")
    step = max(1, int(peak) // 4)
    for v in range(0, int(peak) + 1, step):
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="tick" x="{left - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v}</text>')
    for i, start in enumerate(starts):
        if i == 0 or start.date() != starts[i - 1].date():
            px = left + i * dx
            label = f"{WEEKDAYS[start.weekday()]} {start.day}.{start.month}."
            out.append(f'<line class="day" x1="{px:.1f}" x2="{px:.1f}" y1="{top}" '
                       f'y2="{height - bottom}"/>')
            if start.weekday() == 0 or i == 0:
                out.append(f'<text class="tick" x="{px + 3:.1f}" y="{height - 10}">{label}</text>')
    out.append(
        f'<text class="legend" x="{left}" y="14"><tspan class="l-actual">— actual</tspan>  '
        '<tspan class="l-predicted">— forecast</tspan>  '
        '<tspan class="l-band">■ 80 % band</tspan></text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def forecast_coverage_svg(
    starts: Sequence[datetime],
    contacts: Sequence[float],
    scheduled: Sequence[int],
    required: Sequence[int],
    *,
    title: str,
    width: int = 960,
    height: int = 240,
) -> Markup:
    """Forecast contacts (line, right axis) over scheduled agents (filled) and required
    agents (line), both on the left axis: when the contacts come, and who is there for them."""
    left, right, top, bottom = 36, 44, 22, 28
    n = max(1, len(starts))
    agents_peak = max([1, *required, *scheduled])
    contacts_peak = max([1.0, *contacts])
    dx = (width - left - right) / n
    plot_h = height - top - bottom

    def y_agents(v: float) -> float:
        return top + plot_h - v / agents_peak * plot_h

    def y_contacts(v: float) -> float:
        return top + plot_h - v / contacts_peak * plot_h

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    area = _step_path(scheduled, left, dx, y_agents)
    out.append(f'<path class="scheduled" d="{area} L{left + n * dx:.1f},{y_agents(0):.1f} '
               f'L{left:.1f},{y_agents(0):.1f} Z"/>')
    out.append(f'<path class="required" d="{_step_path(required, left, dx, y_agents)}"/>')
    points = " ".join(f"{left + (i + 0.5) * dx:.1f},{y_contacts(v):.1f}"
                      for i, v in enumerate(contacts))
    out.append(f'<polyline class="contacts" points="{points}"/>')
    step = max(1, agents_peak // 4)
    for v in range(0, agents_peak + 1, step):
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y_agents(v):.1f}" '
                   f'y2="{y_agents(v):.1f}"/><text class="tick" x="{left - 4}" '
                   f'y="{y_agents(v) + 4:.1f}" text-anchor="end">{v}</text>')
    for share in (0.0, 0.5, 1.0):
        v = contacts_peak * share
        out.append(f'<text class="tick contacts-tick" x="{width - right + 4}" '
                   f'y="{y_contacts(v) + 4:.1f}">{v:.0f}</text>')
    out += _day_marks(starts, left, dx, top, height - bottom, height - 10)
    out.append(
        f'<text class="legend" x="{left}" y="14">'
        '<tspan class="l-scheduled">■ scheduled agents</tspan>  '
        '<tspan class="l-required">— required agents</tspan>  '
        '<tspan class="l-contacts">— forecast contacts (right axis)</tspan></text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def backlog_svg(
    starts: Sequence[datetime],
    waiting_hours: Sequence[float],
    overdue_hours: Sequence[float],
    *,
    title: str,
    response_hours: float,
    width: int = 960,
    height: int = 200,
) -> Markup:
    """Deferred work (email) waiting at each interval's end (filled), the part of it past its
    response target in red: the backlog's shape over the week, in agent-hours of handling."""
    left, right, top, bottom = 40, 8, 22, 28
    n = max(1, len(starts))
    peak = max([1.0, *waiting_hours])
    dx = (width - left - right) / n
    plot_h = height - top - bottom

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    def area(values: Sequence[float], css: str) -> str:
        path = _step_path(values, left, dx, y)
        return (f'<path class="{css}" d="{path} L{left + n * dx:.1f},{y(0):.1f} '
                f'L{left:.1f},{y(0):.1f} Z"/>')

    out = [
        f'<svg class="chart backlog" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if waiting_hours:
        out.append(area(waiting_hours, "waiting"))
    if any(v > 0 for v in overdue_hours):
        out.append(area(overdue_hours, "overdue"))
    for share in (0.0, 0.5, 1.0):
        v = peak * share
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="tick" x="{left - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v:.0f} h</text>')
    out += _day_marks(starts, left, dx, top, height - bottom, height - 10)
    out.append(
        f'<text class="legend" x="{left}" y="14">'
        '<tspan class="l-waiting">■ work waiting (agent-h)</tspan>  '
        f'<tspan class="l-short">■ past the {response_hours:g} h response target</tspan></text>'
    )
    out.append("</svg>")
    return Markup("".join(out))
