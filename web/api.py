"""The JSON API under /api/v1: rosters, an agent's shifts, coverage and capacity requests."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.exceptions import HTTPException

from scheduler.grid import SITE_TIMEZONE
from web import models as m
from web.api_tokens import user_for_token
from web.clock import today
from web.db import request_session
from web.openapi import OPENAPI
from web.planning import published_roster, utc
from web.reports import coverage, upcoming_shifts
from web.time_off import TimeOffError, request_time_off, requests_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_ID = 2**31 - 1  # larger ids cannot exist; asking for one is a 404, not a database error
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,100}")
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~]{1,255}")
MAX_EXTRA_AGENTS = 50
MAX_EXTRA_CONTACTS_PERCENT = 500
MAX_REASON_LENGTH = 500
MAX_REQUEST_DAYS = 7  # one request spans at most a week
MAX_DAYS_AHEAD = 366
REQUEST_FIELDS = ("queue", "start", "end", "extra_agents", "extra_contacts_percent", "reason")


class ApiError(Exception):
    """A refusal the client can act on: an HTTP status, a message, and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    """An ApiError as `{"error": ..., "field": ...}`."""
    return _error_response(error.status, error.message, error.field)


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException):  # noqa: ANN202
    """HTTP errors under /api/ as JSON (unknown paths, wrong methods); pages keep theirs."""
    if not request.path.startswith("/api/"):
        return error
    return _error_response(error.code or 500, error.description or error.name)


def _error_response(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    """The JSON body every API error has."""
    response = jsonify({"error": message, "field": field})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="vuoro"'
    return response, status


@bp.before_request
def _authenticate() -> None:
    """Every API call needs `Authorization: Bearer <token>` (the document also a page login)."""
    if request.endpoint == "api.openapi_document" and current_user.is_authenticated:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "send an API token as 'Authorization: Bearer <token>'")
    user = user_for_token(request_session(), token.strip())
    if user is None:
        raise ApiError(401, "the API token is unknown or revoked")
    g.api_user = user


def _require_role(*roles: str) -> m.User:
    """The calling user, if their role is one of `roles` (else 403)."""
    user: m.User = g.api_user
    if user.role not in roles:
        raise ApiError(403, f"this endpoint is for {' or '.join(roles)} users")
    return user


def _iso(instant: datetime) -> str:
    """An instant as ISO 8601 in UTC with a Z."""
    return utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(OPENAPI)


@bp.get("/me")
def me() -> Response:
    """Who the token belongs to."""
    user: m.User = g.api_user
    session = request_session()
    agent = session.get(m.Agent, user.agent_id) if user.agent_id else None
    client = session.get(m.Client, user.client_id) if user.client_id else None
    return jsonify(
        id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name or user.username,
        agent=agent.key if agent else None,
        client=client.key if client else None,
    )


def _roster_summary(roster: m.Roster) -> dict[str, Any]:
    """A roster's status, version and period."""
    return {
        "id": roster.id,
        "status": roster.status,
        "version": roster.version,
        "start_day": roster.start_day.isoformat(),
        "end_day": (roster.start_day + timedelta(days=roster.days - 1)).isoformat(),
        "days": roster.days,
        "interval_minutes": roster.interval_minutes,
        "created_at": _iso(roster.created_at),
        "published_at": _iso(roster.published_at) if roster.published_at else None,
    }


@bp.get("/rosters")
def rosters() -> Response:
    """Every roster, newest first (coordinators)."""
    _require_role("coordinator")
    query = select(m.Roster).order_by(col(m.Roster.start_day).desc(), col(m.Roster.id).desc())
    return jsonify(rosters=[_roster_summary(r) for r in request_session().exec(query)])


@bp.get("/rosters/<int:roster_id>")
def roster_detail(roster_id: int) -> Response:
    """One roster's shifts with their breaks and queue activities (coordinators)."""
    _require_role("coordinator")
    session = request_session()
    roster = session.get(m.Roster, roster_id) if roster_id <= MAX_ID else None
    if roster is None:
        raise ApiError(404, f"roster {roster_id} does not exist")
    return jsonify(_roster_summary(roster) | {"shifts": _shifts_of(session, roster)})


def _shifts_of(session: Session, roster: m.Roster) -> list[dict[str, Any]]:
    """A roster's shifts in time order, each with its breaks and activities (UTC)."""
    agents = {a.id: a for a in session.exec(select(m.Agent))}
    queues = {q.id: q for q in session.exec(select(m.Queue))}
    clients = {c.id: c.key for c in session.exec(select(m.Client))}
    query = select(m.Shift).where(m.Shift.roster_id == roster.id)
    shifts = session.exec(query.order_by(m.Shift.start, m.Shift.agent_id)).all()
    ids = [s.id for s in shifts]
    breaks: dict[int, list[m.Break]] = defaultdict(list)
    activities: dict[int, list[m.Activity]] = defaultdict(list)
    if ids:
        for b in session.exec(select(m.Break).where(col(m.Break.shift_id).in_(ids))):
            breaks[b.shift_id].append(b)
        for a in session.exec(select(m.Activity).where(col(m.Activity.shift_id).in_(ids))):
            activities[a.shift_id].append(a)
    return [
        {
            "id": s.id,
            "agent": agents[s.agent_id].key,
            "agent_name": agents[s.agent_id].name,
            "day": s.day.isoformat(),
            "start": _iso(s.start),
            "end": _iso(s.end),
            "breaks": [
                {"start": _iso(b.start), "end": _iso(b.end), "kind": b.kind, "paid": b.paid}
                for b in sorted(breaks[s.id], key=lambda b: utc(b.start))
            ],
            "activities": [
                {
                    "start": _iso(a.start),
                    "end": _iso(a.end),
                    "queue": queues[a.queue_id].key,
                    "client": clients[queues[a.queue_id].client_id],
                    "channel": queues[a.queue_id].channel,
                }
                for a in sorted(activities[s.id], key=lambda a: utc(a.start))
            ],
        }
        for s in shifts
    ]


@bp.get("/my/shifts")
def my_shifts() -> Response:
    """The calling agent's published shifts from today on, with their blocks (agents)."""
    user = _require_role("agent")
    agent = request_session().get(m.Agent, user.agent_id) if user.agent_id else None
    if agent is None:
        raise ApiError(404, "this login is not linked to an agent")
    return _agent_shifts(agent)


@bp.get("/agents/<agent_key>/shifts")
def agent_shifts(agent_key: str) -> Response:
    """One agent's published shifts from today on (coordinators; agents only their own)."""
    user = _require_role("agent", "coordinator")
    agent = None
    if KEY_PATTERN.fullmatch(agent_key):
        query = select(m.Agent).where(m.Agent.key == agent_key)
        agent = request_session().exec(query).first()
    if agent is None:
        raise ApiError(404, f"agent {agent_key!r} does not exist")
    if user.role == "agent" and user.agent_id != agent.id:
        raise ApiError(403, "an agent sees only their own shifts")
    return _agent_shifts(agent)


def _agent_shifts(agent: m.Agent) -> Response:
    """An agent's upcoming published shifts as JSON."""
    shifts = [
        {
            "day": v.day.isoformat(),
            "start": _iso(v.start),
            "end": _iso(v.end),
            "paid_minutes": v.paid_minutes,
            "blocks": [
                {
                    "kind": b.kind,
                    "start": _iso(b.start),
                    "end": _iso(b.end),
                    "paid": b.paid,
                    "queue": b.queue_key or None,
                    "client_name": b.client_name or None,
                    "channel": b.channel or None,
                    "language": b.language or None,
                }
                for b in v.blocks
            ],
        }
        for v in upcoming_shifts(request_session(), agent.id, today())
    ]
    return jsonify(agent=agent.key, shifts=shifts)


def _visible_client(client_key: str) -> m.Client:
    """The client named in the path, if the caller may see it: 404 unknown, 403 not theirs."""
    user = _require_role("client", "coordinator")
    client = None
    if KEY_PATTERN.fullmatch(client_key):
        query = select(m.Client).where(m.Client.key == client_key)
        client = request_session().exec(query).first()
    if client is None:
        raise ApiError(404, f"client {client_key!r} does not exist")
    if user.role == "client" and user.client_id != client.id:
        raise ApiError(403, "a client sees only its own data")
    return client


@bp.get("/clients/<client_key>/coverage")
def client_coverage(client_key: str) -> Response:
    """Required vs scheduled agents per queue and interval in the current published roster."""
    client = _visible_client(client_key)
    session = request_session()
    roster = published_roster(session, today()) or published_roster(session)
    if roster is None:
        return jsonify(client=client.key, roster=None, queues=[])
    queues = [
        {
            "queue": qc.queue.key,
            "name": qc.queue.name,
            "channel": qc.queue.channel,
            "language": qc.queue.language,
            "intervals": [
                {
                    "start": _iso(start),
                    "required": required,
                    "scheduled": scheduled,
                    "forecast_contacts": round(contacts, 2),
                }
                for start, required, scheduled, contacts in zip(
                    qc.starts, qc.required, qc.scheduled, qc.forecast_contacts, strict=True
                )
            ],
        }
        for qc in coverage(session, roster, client_id=client.id)
    ]
    return jsonify(client=client.key, roster=_roster_summary(roster), queues=queues)


def _request_json(row: m.CapacityRequest, queue_key: str) -> dict[str, Any]:
    """A capacity request as the API shows it."""
    return {
        "id": row.id,
        "queue": queue_key,
        "start": _iso(row.start),
        "end": _iso(row.end),
        "extra_agents": row.extra_agents,
        "extra_contacts_percent": row.extra_contacts_percent,
        "reason": row.reason,
        "status": row.status,
        "answer": row.answer,
        "created_at": _iso(row.created_at),
    }


@bp.get("/clients/<client_key>/capacity-requests")
def list_capacity_requests(client_key: str) -> Response:
    """A client's capacity requests, newest first, with their status and answer."""
    client = _visible_client(client_key)
    session = request_session()
    keys = {q.id: q.key for q in session.exec(select(m.Queue))}
    query = (
        select(m.CapacityRequest)
        .where(m.CapacityRequest.client_id == client.id)
        .order_by(col(m.CapacityRequest.created_at).desc(), col(m.CapacityRequest.id).desc())
    )
    return jsonify(requests=[_request_json(r, keys[r.queue_id]) for r in session.exec(query)])


@bp.post("/clients/<client_key>/capacity-requests")
def create_capacity_request(client_key: str):  # noqa: ANN201
    """File a capacity request for one of the client's own queues (client users only)."""
    client = _visible_client(client_key)
    user: m.User = g.api_user
    if user.role != "client":
        raise ApiError(403, "only the client's own users file capacity requests")
    session = request_session()
    key = _idempotency_key()
    fields = _parse_request(session, request.get_json(force=True, silent=True), client)
    if key is not None:
        first = _first_with_key(session, user.id, key)
        if first is not None:
            return _replay(first, fields)
    row = m.CapacityRequest(
        client_id=client.id,
        queue_id=fields["queue"].id,
        start=fields["start"],
        end=fields["end"],
        extra_agents=fields["extra_agents"],
        extra_contacts_percent=fields["extra_contacts_percent"],
        reason=fields["reason"],
        created_by=user.id,
        idempotency_key=key,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same key arrived twice at once: the other one was first
        session.rollback()
        first = _first_with_key(session, user.id, key) if key is not None else None
        if first is None:
            raise
        return _replay(first, fields)
    response = jsonify(_request_json(row, fields["queue"].key))
    response.headers["Location"] = f"{request.path}/{row.id}"
    return response, 201


def _idempotency_key() -> str | None:
    """The Idempotency-Key header, if sent (400 when malformed)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ApiError(400, "must be 1 to 255 visible ASCII characters", "Idempotency-Key")
    return key


def _first_with_key(session: Session, user_id: int, key: str) -> m.CapacityRequest | None:
    """The request this user filed earlier under the same idempotency key."""
    query = select(m.CapacityRequest).where(
        m.CapacityRequest.created_by == user_id, m.CapacityRequest.idempotency_key == key
    )
    return session.exec(query).first()


def _replay(first: m.CapacityRequest, fields: dict[str, Any]):  # noqa: ANN202
    """Answer a repeated POST with the first request; a different body reusing the key is 422."""
    same = (
        first.queue_id == fields["queue"].id
        and utc(first.start) == fields["start"]
        and utc(first.end) == fields["end"]
        and first.extra_agents == fields["extra_agents"]
        and first.extra_contacts_percent == fields["extra_contacts_percent"]
        and first.reason == fields["reason"]
    )
    if not same:
        raise ApiError(
            422, "this Idempotency-Key was used for a different request", "Idempotency-Key"
        )
    response = jsonify(_request_json(first, fields["queue"].key))
    response.headers["Idempotent-Replayed"] = "true"
    return response, 201


def _parse_request(session: Session, body: Any, client: m.Client) -> dict[str, Any]:
    """Check a capacity request body field by field; the first problem is a 400."""
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    for name in body:
        if name not in REQUEST_FIELDS:
            raise ApiError(400, f"unknown field; expected {', '.join(REQUEST_FIELDS)}", name)
    queue_key = body.get("queue")
    if not isinstance(queue_key, str):
        raise ApiError(400, "required: the key of one of the client's queues", "queue")
    queue = None
    if KEY_PATTERN.fullmatch(queue_key):
        queue = session.exec(select(m.Queue).where(m.Queue.key == queue_key)).first()
    if queue is None or queue.client_id != client.id:
        raise ApiError(400, "not one of this client's queues", "queue")
    start, end = _instant(body, "start"), _instant(body, "end")
    if end <= start:
        raise ApiError(400, "must be after start", "end")
    if end - start > timedelta(days=MAX_REQUEST_DAYS):
        raise ApiError(400, f"a request spans at most {MAX_REQUEST_DAYS} days", "end")
    local_day = start.astimezone(ZoneInfo(SITE_TIMEZONE)).date()
    if local_day < today():
        raise ApiError(400, "must not be in the past", "start")
    if local_day > today() + timedelta(days=MAX_DAYS_AHEAD):
        raise ApiError(400, f"must be within {MAX_DAYS_AHEAD} days", "start")
    extra_agents = _bounded_int(body, "extra_agents", MAX_EXTRA_AGENTS)
    extra_contacts = _bounded_int(body, "extra_contacts_percent", MAX_EXTRA_CONTACTS_PERCENT)
    if not (extra_agents or extra_contacts):
        raise ApiError(
            400, "ask for extra agents or expected extra contacts (percent)", "extra_agents"
        )
    return {
        "queue": queue,
        "start": start,
        "end": end,
        "extra_agents": extra_agents,
        "extra_contacts_percent": extra_contacts,
        "reason": _reason(body),
    }


def _instant(body: dict, name: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset, as a UTC instant."""
    value = body.get(name)
    problem = "required: an ISO 8601 date-time with an offset, e.g. 2026-11-23T09:00:00+02:00"
    if not isinstance(value, str) or len(value) > 40:
        raise ApiError(400, problem, name)
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ApiError(400, "needs a UTC offset (Z or +02:00)", name)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ApiError(400, problem, name) from error


def _bounded_int(body: dict, name: str, maximum: int) -> int:
    """An optional whole number from 0 to `maximum` (default 0)."""
    value = body.get(name, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ApiError(400, f"must be a whole number from 0 to {maximum}", name)
    return value


def _reason(body: dict) -> str:
    """Why the client asks: 1 to 500 characters of text."""
    value = body.get("reason")
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "required: why the extra capacity is needed", "reason")
    value = value.strip()
    if len(value) > MAX_REASON_LENGTH:
        raise ApiError(400, f"at most {MAX_REASON_LENGTH} characters", "reason")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in value):
        raise ApiError(400, "must not hold control characters", "reason")
    return value


TIME_OFF_FIELDS = ("first_day", "last_day", "reason")
TIME_OFF_STATUSES = ("requested", "approved", "declined", "cancelled")


def _time_off_json(row: m.TimeOffRequest, agent_key: str) -> dict[str, Any]:
    """A time-off request as the API shows it."""
    return {
        "id": row.id,
        "agent": agent_key,
        "first_day": row.first_day.isoformat(),
        "last_day": row.last_day.isoformat(),
        "reason": row.reason,
        "status": row.status,
        "answer": row.answer,
        "created_at": _iso(row.created_at),
        "decided_at": _iso(row.decided_at) if row.decided_at else None,
    }


def _calling_agent() -> m.Agent:
    """The agent the calling (agent) token belongs to."""
    user = _require_role("agent")
    agent = request_session().get(m.Agent, user.agent_id) if user.agent_id else None
    if agent is None:
        raise ApiError(404, "this login is not linked to an agent")
    return agent


@bp.get("/my/time-off")
def my_time_off() -> Response:
    """The calling agent's time-off requests, newest first, with their answers (agents)."""
    agent = _calling_agent()
    rows = requests_of(request_session(), agent.id)
    return jsonify(requests=[_time_off_json(r, agent.key) for r in rows])


@bp.post("/my/time-off")
def create_time_off():  # noqa: ANN201
    """Ask for days off (agents): first and last day inclusive, today or later."""
    agent = _calling_agent()
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    for name in body:
        if name not in TIME_OFF_FIELDS:
            raise ApiError(400, f"unknown field; expected {', '.join(TIME_OFF_FIELDS)}", name)
    first, last = _day(body, "first_day"), _day(body, "last_day")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 300 or any(
            unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in reason):
        raise ApiError(400, "at most 300 characters of text", "reason")
    session = request_session()
    try:
        row = request_time_off(session, agent_id=agent.id, first=first, last=last,
                               reason=reason, today=today())
    except TimeOffError as error:
        raise ApiError(400, str(error), error.field) from error
    session.commit()
    response = jsonify(_time_off_json(row, agent.key))
    response.headers["Location"] = f"{request.path}/{row.id}"
    return response, 201


def _day(body: dict, name: str) -> date:
    """A required ISO 8601 date (YYYY-MM-DD)."""
    value = body.get(name)
    if not isinstance(value, str) or len(value) != 10:
        raise ApiError(400, "required: a date as YYYY-MM-DD", name)
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ApiError(400, "required: a date as YYYY-MM-DD", name) from error


@bp.get("/time-off-requests")
def time_off_requests() -> Response:
    """Every agent's time-off requests, newest first; ?status= filters (coordinators)."""
    _require_role("coordinator")
    status = request.args.get("status")
    if status is not None and status not in TIME_OFF_STATUSES:
        raise ApiError(400, f"one of {', '.join(TIME_OFF_STATUSES)}", "status")
    session = request_session()
    keys = {a.id: a.key for a in session.exec(select(m.Agent))}
    rows = [r for r in requests_of(session) if status is None or r.status == status]
    return jsonify(requests=[_time_off_json(r, keys[r.agent_id]) for r in rows])
