"""The OpenAPI 3.1 document of the JSON API under /api/v1 (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response with a schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A closed object schema whose properties are all present."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return schema | ({"description": description} if description else {})


def _nullable(type_: str, **extra: Any) -> dict[str, Any]:
    """A value of a type, or null."""
    return {"type": [type_, "null"], **extra}


INSTANT = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC (Z)"}
DAY = {"type": "string", "format": "date"}
KEY = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,100}$"}

ERRORS = {
    "BadRequest": _json(_ref("Error"), "The input is malformed; `field` names the culprit."),
    "Unauthorized": _json(_ref("Error"), "No token, or an unknown or revoked one."),
    "Forbidden": _json(_ref("Error"), "The token's user may not see or change this."),
    "NotFound": _json(_ref("Error"), "No such roster, agent or client."),
}


def _errors(*names: str) -> dict[str, Any]:
    """References to the shared error responses, by status code."""
    codes = {"BadRequest": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404"}
    return {codes[n]: {"$ref": f"#/components/responses/{n}"} for n in names}


ROSTER = {
    "id": {"type": "integer"},
    "status": {"type": "string", "enum": ["draft", "published", "superseded"]},
    "version": {"type": "integer", "description": "Published version; 0 for drafts."},
    "start_day": DAY,
    "end_day": DAY | {"description": "The last day of the period."},
    "days": {"type": "integer"},
    "interval_minutes": {"type": "integer"},
    "created_at": INSTANT,
    "published_at": _nullable("string", format="date-time"),
}

CLIENT_KEY = {
    "name": "client_key",
    "in": "path",
    "required": True,
    "description": "The client's key, e.g. `webshop`.",
    "schema": KEY,
    "example": "webshop",
}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": {"type": "string", "description": "What is wrong, in words."},
            "field": _nullable("string", description="The input field at fault, if one is."),
        }
    ),
    "Me": _object(
        {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "role": {"type": "string", "enum": ["coordinator", "agent", "client"]},
            "display_name": {"type": "string"},
            "agent": _nullable("string", description="The agent's key, for agents."),
            "client": _nullable("string", description="The client's key, for clients."),
        }
    ),
    "RosterSummary": _object(ROSTER),
    "RosterDetail": _object(
        ROSTER | {"shifts": {"type": "array", "items": _ref("Shift")}},
        "A roster and its shifts in time order.",
    ),
    "Break": _object(
        {
            "start": INSTANT,
            "end": INSTANT,
            "kind": {"type": "string", "description": "meal or coffee"},
            "paid": {"type": "boolean"},
        }
    ),
    "Activity": _object(
        {
            "start": INSTANT,
            "end": INSTANT,
            "queue": {"type": "string"},
            "client": {"type": "string"},
            "channel": {"type": "string", "description": "voice, chat or email"},
        },
        "A block of a shift spent on one queue.",
    ),
    "Shift": _object(
        {
            "id": {"type": "integer"},
            "agent": {"type": "string", "description": "The agent's key."},
            "agent_name": {"type": "string"},
            "day": DAY,
            "start": INSTANT,
            "end": INSTANT,
            "breaks": {"type": "array", "items": _ref("Break")},
            "activities": {"type": "array", "items": _ref("Activity")},
        }
    ),
    "Block": _object(
        {
            "kind": {
                "type": "string",
                "description": "`work` on a queue, `back_office`, or the break's kind.",
            },
            "start": INSTANT,
            "end": INSTANT,
            "paid": {"type": "boolean"},
            "queue": _nullable("string"),
            "client_name": _nullable("string"),
            "channel": _nullable("string"),
            "language": _nullable("string"),
        }
    ),
    "MyShift": _object(
        {
            "day": DAY,
            "start": INSTANT,
            "end": INSTANT,
            "paid_minutes": {"type": "integer"},
            "blocks": {"type": "array", "items": _ref("Block")},
        }
    ),
    "AgentShifts": _object(
        {"agent": {"type": "string"}, "shifts": {"type": "array", "items": _ref("MyShift")}}
    ),
    "CoverageInterval": _object(
        {
            "start": INSTANT,
            "required": {"type": "integer", "description": "Required agents."},
            "scheduled": {"type": "integer", "description": "Agents scheduled on the queue."},
            "forecast_contacts": {"type": "number"},
        }
    ),
    "QueueCoverage": _object(
        {
            "queue": {"type": "string"},
            "name": {"type": "string"},
            "channel": {"type": "string"},
            "language": {"type": "string"},
            "intervals": {"type": "array", "items": _ref("CoverageInterval")},
        }
    ),
    "CapacityRequest": _object(
        {
            "id": {"type": "integer"},
            "queue": {"type": "string"},
            "start": INSTANT,
            "end": INSTANT,
            "extra_agents": {"type": "integer"},
            "extra_contacts_percent": {"type": "integer"},
            "reason": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "approved", "declined"]},
            "answer": {"type": "string", "description": "The coordinator's answer."},
            "created_at": INSTANT,
        }
    ),
    "NewCapacityRequest": {
        "type": "object",
        "description": (
            "Extra capacity on one of the client's queues for up to 7 days, starting today "
            "(Helsinki) or later: extra agents, expected extra contacts, or both."
        ),
        "properties": {
            "queue": KEY | {"description": "The key of one of the client's queues."},
            "start": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with an offset, e.g. 2026-11-23T09:00:00+02:00",
            },
            "end": {"type": "string", "format": "date-time", "description": "After start."},
            "extra_agents": {"type": "integer", "minimum": 0, "maximum": 50, "default": 0},
            "extra_contacts_percent": {
                "type": "integer",
                "minimum": 0,
                "maximum": 500,
                "default": 0,
            },
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        },
        "required": ["queue", "start", "end", "reason"],
        "additionalProperties": False,
        "example": {
            "queue": "webshop-chat-fi",
            "start": "2026-11-23T09:00:00+02:00",
            "end": "2026-11-23T15:00:00+02:00",
            "extra_agents": 2,
            "reason": "Black Friday campaign",
        },
    },
    "TimeOffRequest": _object(
        {
            "id": {"type": "integer"},
            "agent": {"type": "string", "description": "The agent's key."},
            "first_day": DAY,
            "last_day": DAY | {"description": "The last day off (inclusive)."},
            "reason": {"type": "string"},
            "status": {"type": "string",
                       "enum": ["requested", "approved", "declined", "cancelled"]},
            "answer": {"type": "string", "description": "The coordinator's answer."},
            "created_at": INSTANT,
            "decided_at": _nullable("string", format="date-time"),
        },
        "Approved days off bind every later plan and re-plan.",
    ),
    "NewTimeOffRequest": {
        "type": "object",
        "description": "Days off from first_day to last_day (inclusive, at most 31 days), "
                       "starting today (Helsinki) or later, within a year.",
        "properties": {
            "first_day": DAY,
            "last_day": DAY,
            "reason": {"type": "string", "maxLength": 300},
        },
        "required": ["first_day", "last_day"],
        "additionalProperties": False,
        "example": {"first_day": "2026-12-21", "last_day": "2026-12-23", "reason": "Holiday"},
    },
}

_TIME_OFF_LIST = _json(
    _object({"requests": {"type": "array", "items": _ref("TimeOffRequest")}}),
    "Requests, newest first, with their status and answer.",
)

PATHS: dict[str, Any] = {
    "/me": {
        "get": {
            "operationId": "getMe",
            "summary": "The user the token belongs to",
            "responses": {"200": _json(_ref("Me"), "The user.")} | _errors("Unauthorized"),
        }
    },
    "/rosters": {
        "get": {
            "operationId": "listRosters",
            "summary": "Every roster with its status, version and period (coordinators)",
            "responses": {
                "200": _json(
                    _object({"rosters": {"type": "array", "items": _ref("RosterSummary")}}),
                    "Rosters, newest period first.",
                )
            }
            | _errors("Unauthorized", "Forbidden"),
        }
    },
    "/rosters/{roster_id}": {
        "get": {
            "operationId": "getRoster",
            "summary": "One roster's shifts, breaks and activities in UTC (coordinators)",
            "parameters": [
                {
                    "name": "roster_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                    "example": 1,
                }
            ],
            "responses": {
                "200": _json(_ref("RosterDetail"), "The roster and its shifts in time order.")
            }
            | _errors("Unauthorized", "Forbidden", "NotFound"),
        }
    },
    "/my/shifts": {
        "get": {
            "operationId": "getMyShifts",
            "summary": "The calling agent's published shifts from today on (agents)",
            "responses": {
                "200": _json(
                    _ref("AgentShifts"), "Shifts in time order, with work and break blocks."
                )
            }
            | _errors("Unauthorized", "Forbidden", "NotFound"),
        }
    },
    "/agents/{agent_key}/shifts": {
        "get": {
            "operationId": "getAgentShifts",
            "summary": "One agent's published shifts from today on (agents: own only)",
            "parameters": [
                {
                    "name": "agent_key",
                    "in": "path",
                    "required": True,
                    "description": "The agent's key.",
                    "schema": KEY,
                }
            ],
            "responses": {"200": _json(_ref("AgentShifts"), "Shifts in time order.")}
            | _errors("Unauthorized", "Forbidden", "NotFound"),
        }
    },
    "/clients/{client_key}/coverage": {
        "get": {
            "operationId": "getCoverage",
            "summary": "Required vs scheduled agents per queue and interval (client: own only)",
            "description": "From the published roster covering today, else the newest one.",
            "parameters": [CLIENT_KEY],
            "responses": {
                "200": _json(
                    _object(
                        {
                            "client": {"type": "string"},
                            "roster": {"oneOf": [_ref("RosterSummary"), {"type": "null"}]},
                            "queues": {"type": "array", "items": _ref("QueueCoverage")},
                        }
                    ),
                    "Coverage of the client's queues; roster is null before any publish.",
                )
            }
            | _errors("Unauthorized", "Forbidden", "NotFound"),
        }
    },
    "/clients/{client_key}/capacity-requests": {
        "get": {
            "operationId": "listCapacityRequests",
            "summary": "A client's capacity requests, newest first (client: own only)",
            "parameters": [CLIENT_KEY],
            "responses": {
                "200": _json(
                    _object({"requests": {"type": "array", "items": _ref("CapacityRequest")}}),
                    "Requests with their status and the coordinator's answer.",
                )
            }
            | _errors("Unauthorized", "Forbidden", "NotFound"),
        },
        "post": {
            "operationId": "createCapacityRequest",
            "summary": "File a capacity request for one of the client's queues (client users)",
            "parameters": [
                CLIENT_KEY,
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": (
                        "Any unique string (e.g. a UUID): repeating the POST with the same key "
                        "returns the first request instead of filing a duplicate."
                    ),
                    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewCapacityRequest")}},
            },
            "responses": {
                "201": {
                    "description": "Filed (or, for a repeated Idempotency-Key, the first one).",
                    "headers": {
                        "Idempotent-Replayed": {
                            "description": "`true` when this is the answer to an earlier POST.",
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {"application/json": {"schema": _ref("CapacityRequest")}},
                },
                "422": _json(
                    _ref("Error"), "The Idempotency-Key was already used for another body."
                ),
            }
            | _errors("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
        },
    },
    "/my/time-off": {
        "get": {
            "operationId": "listMyTimeOff",
            "summary": "The calling agent's time-off requests (agents)",
            "responses": {"200": _TIME_OFF_LIST} | _errors("Unauthorized", "Forbidden",
                                                           "NotFound"),
        },
        "post": {
            "operationId": "createTimeOff",
            "summary": "Ask for days off (agents)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewTimeOffRequest")}},
            },
            "responses": {
                "201": _json(_ref("TimeOffRequest"), "Asked; a coordinator answers it."),
            }
            | _errors("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
        },
    },
    "/time-off-requests": {
        "get": {
            "operationId": "listTimeOffRequests",
            "summary": "Every agent's time-off requests (coordinators)",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string",
                               "enum": ["requested", "approved", "declined", "cancelled"]},
                }
            ],
            "responses": {"200": _TIME_OFF_LIST}
            | _errors("BadRequest", "Unauthorized", "Forbidden"),
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            }
            | _errors("Unauthorized"),
        }
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Vuoro API",
        "version": "1.0.0",
        "description": (
            "Rosters, agents' shifts, coverage, capacity requests and time off. Send a token "
            "made on "
            "/account/api-tokens as `Authorization: Bearer <token>`. Errors are "
            '`{"error": "...", "field": "..." | null}`. Times are ISO 8601 in UTC.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (vuoro_...), made on /account/api-tokens.",
            }
        },
        "schemas": SCHEMAS,
        "responses": ERRORS,
    },
}
