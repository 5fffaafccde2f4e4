"""The requirement report: per queue and interval, how the required agents were computed, as CSV.

For one client's queues, the requirement behind a roster: contacts, AHT, staffing model, the
service target it answers (as stored with the requirement), agents before and after
shrinkage, and Erlang A's expected abandonment. Clients see their own queues of published
rosters only; coordinators any client and any roster.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlmodel import Session, select

from web import models as m
from web.auth import role_required
from web.clock import today
from web.db import request_session
from web.planning import grid_of, published_roster, service_target, utc

bp = Blueprint("requirements", __name__)

CSV_COLUMNS = (
    "client", "queue", "channel", "language", "interval_start", "contacts", "aht_seconds",
    "model", "target", "service_level_target", "answer_seconds", "response_minutes",
    "max_occupancy", "shrinkage", "concurrency", "patience_seconds", "raw_agents",
    "required_agents", "expected_abandonment",
)
MODEL_NAMES = {
    "erlang_c": "Erlang C", "erlang_a": "Erlang A", "chat_concurrency": "chat concurrency",
    "email_deferred": "email, deferred work",
}


@dataclass(frozen=True)
class RequirementRow:
    """One queue and interval of a stored requirement, with the target it was computed for."""

    queue: m.Queue
    interval_start: datetime  # aware UTC
    contacts: float
    aht_seconds: float
    model: str
    raw_agents: int
    required_agents: int
    abandon_share: float | None
    target: dict


@dataclass(frozen=True)
class DaySummary:
    """One queue's requirement on one local day."""

    queue: m.Queue
    day: date
    contacts: float
    aht_seconds: float | None  # contact-weighted
    model: str
    target: str
    peak_raw: int
    peak_required: int
    required_agent_hours: float


def target_text(channel: str, target: dict) -> str:
    """A queue's service target in words, e.g. '80 % in 20 s, patience 150 s'."""
    level = f"{100 * target['service_level']:g} %"
    if channel == "email":
        words = [f"{level} within {target['response_minutes']} open minutes"]
    else:
        words = [f"{level} in {target['answer_seconds']} s"]
    if channel == "chat":
        words.append(f"{target['concurrency']} chats per agent")
    if channel == "voice" and target.get("patience_seconds"):
        words.append(f"patience {target['patience_seconds']:g} s")
    words.append(f"occupancy ≤ {100 * target['max_occupancy']:g} %")
    if target["shrinkage"]:
        words.append(f"shrinkage {100 * target['shrinkage']:g} %")
    return ", ".join(words)


def requirement_rows(
    session: Session, requirement: m.Requirement, *, client_id: int
) -> list[RequirementRow]:
    """The requirement's intervals for one client's queues, by queue and time."""
    queues = {q.id: q for q in session.exec(select(m.Queue).where(m.Queue.client_id == client_id))}
    if not queues:
        return []
    intervals = session.exec(
        select(m.RequirementInterval)
        .where(m.RequirementInterval.requirement_id == requirement.id)
        .where(m.RequirementInterval.queue_id.in_(list(queues)))
    ).all()
    rows = [
        RequirementRow(
            queue=queues[r.queue_id],
            interval_start=utc(r.interval_start),
            contacts=r.contacts,
            aht_seconds=r.aht_seconds,
            model=r.model,
            raw_agents=r.raw_agents,
            required_agents=r.required_agents,
            abandon_share=r.abandon_share,
            # requirements stored before targets were kept show the queue's target today
            target=requirement.targets.get(queues[r.queue_id].key)
            or _current_target(queues[r.queue_id]),
        )
        for r in intervals
    ]
    return sorted(rows, key=lambda r: (r.queue.key, r.interval_start))


def requirement_csv(rows: list[RequirementRow], client: m.Client, timezone) -> str:
    """The rows as CSV, times in local ISO 8601 with their offset."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        t = r.target
        writer.writerow([
            _cell(client.key), _cell(r.queue.key), r.queue.channel, r.queue.language,
            r.interval_start.astimezone(timezone).isoformat(),
            f"{r.contacts:.2f}", f"{r.aht_seconds:.1f}", r.model,
            target_text(r.queue.channel, t), t["service_level"], t["answer_seconds"],
            t["response_minutes"], t["max_occupancy"], t["shrinkage"], t["concurrency"],
            t.get("patience_seconds", 0.0), r.raw_agents, r.required_agents,
            "" if r.abandon_share is None else f"{r.abandon_share:.4f}",
        ])
    return out.getvalue()


def daily_summary(rows: list[RequirementRow], timezone, interval_minutes: int) -> list[DaySummary]:
    """Per queue and local day: contacts, weighted AHT, model, target, peaks, agent-hours."""
    groups: dict[tuple[str, date], list[RequirementRow]] = defaultdict(list)
    for r in rows:
        groups[r.queue.key, r.interval_start.astimezone(timezone).date()].append(r)
    summaries = []
    for (_, day), part in sorted(groups.items()):
        contacts = sum(r.contacts for r in part)
        work = sum(r.contacts * r.aht_seconds for r in part)
        first = part[0]
        summaries.append(DaySummary(
            queue=first.queue, day=day, contacts=contacts,
            aht_seconds=work / contacts if contacts else None,
            model=MODEL_NAMES.get(first.model, first.model),
            target=target_text(first.queue.channel, first.target),
            peak_raw=max(r.raw_agents for r in part),
            peak_required=max(r.required_agents for r in part),
            required_agent_hours=sum(r.required_agents for r in part) * interval_minutes / 60,
        ))
    return summaries


@bp.route("/clients/<client_key>/requirements")
@role_required("client", "coordinator")
def requirement_page(client_key: str):  # noqa: ANN201
    """A client's requirement per queue and day, with the per-interval CSV to download."""
    client, roster, requirement = _visible(client_key)
    grid = grid_of(roster)
    rows = requirement_rows(request_session(), requirement, client_id=client.id)
    return render_template(
        "client/requirements.html", client=client, roster=roster,
        days=daily_summary(rows, grid.zone, roster.interval_minutes),
    )


@bp.route("/clients/<client_key>/requirements.csv")
@role_required("client", "coordinator")
def requirement_download(client_key: str) -> Response:
    """A client's requirement per queue and interval as a CSV file."""
    client, roster, requirement = _visible(client_key)
    rows = requirement_rows(request_session(), requirement, client_id=client.id)
    body = requirement_csv(rows, client, grid_of(roster).zone)
    name = f"requirement-{client.key}-{roster.start_day.isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _visible(client_key: str) -> tuple[m.Client, m.Roster, m.Requirement]:
    """The client, roster and requirement the signed-in user may see, else 403/404.

    A client sees only its own company, and only published rosters; `?roster=ID` picks one
    (default: the roster published for today, else the newest published one).
    """
    session = request_session()
    client = session.exec(select(m.Client).where(m.Client.key == client_key)).first()
    if client is None:
        abort(404)
    if current_user.role == "client" and current_user.client_id != client.id:
        abort(403)
    roster_id = request.args.get("roster", type=int)
    if roster_id is not None:
        roster = session.get(m.Roster, roster_id)
        if roster is None or (current_user.role == "client" and roster.status != "published"):
            abort(404)
    else:
        roster = published_roster(session, today()) or published_roster(session)
    if roster is None:
        abort(404)
    requirement = session.get(m.Requirement, roster.requirement_id)
    if requirement is None:
        abort(404)
    return client, roster, requirement


def _current_target(queue: m.Queue) -> dict:
    """A queue's target today, as the stored targets spell it."""
    target = service_target(queue)
    return {name: getattr(target, name) for name in target.__dataclass_fields__}


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
