"""My work's part of /api/v1/openapi.json."""

from __future__ import annotations

PROBLEM = {"$ref": "#/components/responses/Problem"}
NULLABLE_STRING = {"type": ["string", "null"]}

ITEM = {
    "type": "object",
    "required": ["kind", "id", "title", "title_language", "url"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": [
                "service",
                "need",
                "error_report",
                "action_item",
                "plan_action",
                "meeting",
                "minutes",
                "remarks",
                "decision",
                "registration",
                "workshop",
                "plugin",
                "job",
                "report",
                "person",
            ],
        },
        "id": {"type": ["integer", "string"]},
        "title": {"type": "string"},
        "title_language": {"type": "string", "enum": ["nl", "fr", "en"]},
        "url": {**NULLABLE_STRING, "description": "the record's page; null when it has none"},
        "authority": NULLABLE_STRING,
        "state": {"type": "string"},
        "status": {"type": "string"},
        "comment": {**NULLABLE_STRING, "description": "the reviewer's, on a returned service"},
        "since": {"type": "string", "format": "date-time"},
        "closes_on": {"type": "string", "format": "date", "description": "remarks taken until"},
        "remarks_left": {"type": "integer", "description": "how many remarks one left"},
        "text": {"type": "string", "description": "an error report's first words"},
        "due_on": {"type": ["string", "null"], "format": "date"},
        "overdue": {"type": "boolean"},
        "starts_at": {"type": "string", "format": "date-time"},
        "reply": {"type": ["string", "null"], "enum": ["attend", "excused", None]},
        "lacks": {
            "type": "object",
            "description": "what a meeting still lacks; empty when it is ready",
            "properties": {
                "minutes": {"type": "boolean"},
                "invitations": {"type": "boolean"},
                "agenda": {"type": "boolean"},
                "replies": {"type": "integer", "description": "invitations not answered"},
                "minutes_to_approve": {"type": "integer"},
            },
        },
        "meeting_id": {"type": "integer"},
        "approving_meeting_id": {"type": "integer"},
        "held_at": {"type": "string", "format": "date-time"},
        "approving_at": {"type": "string", "format": "date-time"},
        "number": {"type": "integer"},
        "study_day": {"type": "integer"},
        "held_until": {"type": ["string", "null"], "format": "date-time"},
        "capacity": {"type": "integer"},
        "left": {"type": "integer"},
        "waiting": {"type": "integer"},
        "reason": NULLABLE_STRING,
        "failed_at": {"type": ["string", "null"], "format": "date-time"},
        "report": {"type": "string"},
        "authorities": {"type": "array", "items": {"type": "string"}},
    },
}
SECTION = {
    "type": "object",
    "required": ["group", "group_title", "key", "title", "empty_text", "count", "items"],
    "properties": {
        "group": {
            "type": "string",
            "enum": ["coordinator", "committee", "secretariat", "studyday", "administration"],
        },
        "group_title": {"type": "string"},
        "key": {"type": "string"},
        "title": {"type": "string", "description": "the heading, in the caller's language"},
        "empty_text": {"type": "string", "description": "what the page says when it is empty"},
        "count": {"type": "integer", "minimum": 0},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/WorkItem"}},
    },
}
WORK = {
    "type": "object",
    "required": ["authority", "roles", "platform_roles", "sections"],
    "properties": {
        "authority": NULLABLE_STRING,
        "roles": {"type": "array", "items": {"type": "string"}},
        "platform_roles": {"type": "array", "items": {"type": "string"}},
        "sections": {"type": "array", "items": {"$ref": "#/components/schemas/WorkSection"}},
    },
}


def paths() -> tuple[dict, dict]:
    found = {
        "/me/work": {
            "get": {
                "summary": "What waits for the caller: the sections of the My work page",
                "description": (
                    "One section per list the caller's roles give (coordinator, committee, "
                    "secretariat, study-day organiser, administrator), each with its count "
                    "and records; a token's roles limit the sections as they limit the rest."
                ),
                "responses": {
                    "200": {
                        "description": "the caller's work",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Work"}}
                        },
                    },
                    "401": PROBLEM,
                },
            }
        }
    }
    return found, {"Work": WORK, "WorkSection": SECTION, "WorkItem": ITEM}
