"""The events' part of /api/v1/openapi.json: every kind by id, the study days by year."""

from __future__ import annotations

PROBLEM = {"$ref": "#/components/responses/Problem"}
READ_ERRORS = {s: PROBLEM for s in ("401", "403")}
YEAR = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
}
EVENT_ID = {
    "name": "event_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
}
REGISTRATION_ID = {
    "name": "registration_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
}


def _json(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {}}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


REGISTRATION_VALUES = {
    "type": "object",
    "properties": {
        "workshops": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
        "language": {"type": "string", "enum": ["nl", "fr", "en"]},
        "organisation": {"type": ["string", "null"], "maxLength": 300},
        "accessibility": {"type": ["string", "null"], "maxLength": 2000},
        "on_participant_list": {"type": "boolean"},
    },
}


REGISTER = {
    "summary": "Register the calling person (name and address from their login); "
    "a full event or workshop puts them on its waiting list",
    "requestBody": _body({"$ref": "#/components/schemas/RegistrationValues"}),
    "responses": {
        "201": _json("the registration"),
        "400": PROBLEM,
        **READ_ERRORS,
        "404": PROBLEM,
        "409": PROBLEM,
        "422": PROBLEM,
    },
}
LIST_REGISTRATIONS = {
    "summary": "Registrations with workshop choices (organisers)",
    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
    "responses": {"200": _json("the registrations"), **READ_ERRORS, "404": PROBLEM},
}


def paths() -> tuple[dict, dict]:
    found = {
        "/events": {
            "get": {
                "summary": "Events of every kind (study days, reciprocal trainings, other), "
                "oldest first",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["study_day", "training", "other"]},
                    }
                ],
                "responses": {"200": _json("the events")},
            }
        },
        "/events/statistics": {
            "get": {
                "summary": "Per kind and year: events, registered, waiting, present; and "
                "event by event",
                "responses": {"200": _json("the figures")},
            }
        },
        "/events/{event_id}": {
            "parameters": [EVENT_ID],
            "get": {
                "summary": "An event with its sessions and the places taken and waiting",
                "responses": {"200": _json("the event"), "404": PROBLEM},
            },
        },
        "/events/{event_id}/registrations": {
            "parameters": [EVENT_ID],
            "get": LIST_REGISTRATIONS,
            "post": REGISTER,
        },
        "/study-days": {
            "get": {
                "summary": "The study days, one per year",
                "responses": {"200": _json("the study days")},
            }
        },
        "/study-days/statistics": {
            "get": {
                "summary": "Figures per year: places, registered, waiting, present, per "
                "authority; and per kind of event (by_kind)",
                "responses": {"200": _json("one row per year")},
            }
        },
        "/study-days/{year}": {
            "parameters": [YEAR],
            "get": {
                "summary": "A study day with its sessions and the places taken and waiting",
                "responses": {"200": _json("the study day"), "404": PROBLEM},
            },
        },
        "/study-days/{year}/registrations": {
            "parameters": [YEAR],
            "get": {
                "summary": "Registrations with workshop choices (organisers)",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json("the registrations"), **READ_ERRORS, "404": PROBLEM},
            },
            "post": {
                "summary": "Register the calling person (name and address from their login); "
                "a full day or workshop puts them on its waiting list",
                "requestBody": _body({"$ref": "#/components/schemas/RegistrationValues"}),
                "responses": {
                    "201": _json("the registration"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "422": PROBLEM,
                },
            },
        },
        "/registrations/{registration_id}/check-in": {
            "parameters": [REGISTRATION_ID],
            "post": {
                "summary": "Mark a confirmed registrant present, or not (organisers)",
                "requestBody": _body(
                    {"type": "object", "properties": {"present": {"type": "boolean"}}}
                ),
                "responses": {
                    "200": _json("the registration"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                },
            },
        },
        "/registrations/{registration_id}/cancel": {
            "parameters": [REGISTRATION_ID],
            "post": {
                "summary": "Cancel a registration; its places are offered to the waiting lists "
                "(organisers)",
                "responses": {
                    "200": _json("the registration"),
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                },
            },
        },
    }
    return found, {"RegistrationValues": REGISTRATION_VALUES}
