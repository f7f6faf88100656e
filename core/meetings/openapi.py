"""The meetings' part of /api/v1/openapi.json."""

from __future__ import annotations

from core.links.openapi import LINKS
from core.meetings.models import (
    ACTION_STATES,
    HANDLINGS,
    PLACE_KINDS,
    PURPOSES,
    REMARK_LANGUAGES,
)

PROBLEM = {"$ref": "#/components/responses/Problem"}
READ_ERRORS = {s: PROBLEM for s in ("401", "403")}


def _id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }


def _json(description: str, schema: dict | None = None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


TEXTS = {
    "type": "object",
    "properties": {lang: {"type": ["string", "null"]} for lang in ("nl", "fr", "en")},
}
MEETING_VALUES = {
    "type": "object",
    "required": ["body", "date", "start_time", "duration_minutes"],
    "properties": {
        "body": {"type": "string", "description": "the body's code"},
        "date": {"type": "string", "format": "date"},
        "start_time": {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "description": "Brussels time",
        },
        "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 720},
        **{f"title_{lang}": {"type": ["string", "null"]} for lang in ("nl", "fr", "en")},
        "place_kind": {"type": "string", "enum": list(PLACE_KINDS)},
        "prison": {"type": ["string", "null"]},
        "place_text": {"type": ["string", "null"]},
        "online_url": {"type": ["string", "null"], "format": "uri"},
        "with_prison_directors": {"type": "boolean"},
    },
}
ITEM_VALUES = {
    "type": "object",
    "properties": {
        **{f"title_{lang}": {"type": ["string", "null"]} for lang in ("nl", "fr", "en")},
        "purpose": {"type": "string", "enum": list(PURPOSES)},
        "duration_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 480},
        "presenter": {"type": ["string", "null"]},
        "parent_id": {"type": ["integer", "null"]},
        "links": LINKS,
    },
}
ACTION_VALUES = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": list(ACTION_STATES)},
        "due_on": {"type": ["string", "null"], "format": "date"},
        "note": {"type": ["string", "null"]},
    },
}

IF_MATCH = [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}]
REMARK_VALUES = {
    "type": "object",
    "required": ["language", "text"],
    "properties": {
        "item_id": {
            "type": ["integer", "null"],
            "description": "the agenda item remarked on; null (or left out) for the minutes "
            "as a whole",
        },
        "language": {"type": "string", "enum": list(REMARK_LANGUAGES)},
        "text": {"type": "string", "maxLength": 10000},
    },
}
REMARK_CHANGE = {
    "type": "object",
    "properties": {
        "language": {"type": "string", "enum": list(REMARK_LANGUAGES)},
        "text": {"type": "string", "maxLength": 10000},
    },
}
HANDLING_VALUES = {
    "type": "object",
    "properties": {
        "handling": {
            "type": ["string", "null"],
            "enum": [*HANDLINGS, None],
            "description": "null puts the remark back among those waiting",
        },
        "reason": {
            "type": ["string", "null"],
            "maxLength": 2000,
            "description": "why; required when not taken in",
        },
    },
}
ROUND_VALUES = {
    "type": "object",
    "required": ["closes_on"],
    "properties": {
        "closes_on": {
            "type": "string",
            "format": "date",
            "description": "the last day remarks are taken (Brussels time), after today",
        }
    },
}


def _body(schema: str) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def remark_paths() -> dict:
    """The round of remarks on draft minutes (issue 21)."""
    return {
        "/minutes": {
            "get": {
                "summary": "Draft minutes out for remarks that the caller may read: every one "
                "for the secretariat, for others those they were present for",
                "responses": {"200": _json("the drafts and their rounds"), **READ_ERRORS},
            }
        },
        "/minutes/{minutes_id}/remarks": {
            "parameters": [_id("minutes_id")],
            "get": {
                "summary": "The remarks on one revision of the minutes, with its round (the "
                "closing day) and the earlier revisions' remarks; for the secretariat, those "
                "present once the draft is sent to them, and everyone once approved",
                "responses": {
                    "200": _json("the round and the remarks"),
                    **READ_ERRORS,
                    "404": PROBLEM,
                },
            },
            "post": {
                "summary": "Leave a remark (those present, until the closing day): one per "
                "person and agenda item, in Dutch or French",
                "requestBody": _body("RemarkValues"),
                "responses": {
                    "201": _json("the remark, with its version as ETag"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "422": PROBLEM,
                },
            },
        },
        "/minutes/{minutes_id}/round": {
            "parameters": [_id("minutes_id")],
            "get": {
                "summary": "Whether and until when a revision is out for remarks, with the "
                "minutes' version as ETag",
                "responses": {"200": _json("the round"), **READ_ERRORS, "404": PROBLEM},
            },
            "post": {
                "summary": "Send a draft to those present for remarks until a day after "
                "today, or move that day (secretariat); send If-Match with the minutes' "
                "version",
                "parameters": IF_MATCH,
                "requestBody": _body("RoundValues"),
                "responses": {
                    "200": _json("the round"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "412": PROBLEM,
                    "422": PROBLEM,
                    "428": PROBLEM,
                },
            },
        },
        "/remarks/{remark_id}": {
            "parameters": [_id("remark_id")],
            "get": {
                "summary": "A remark, with its version as ETag",
                "responses": {"200": _json("the remark"), **READ_ERRORS, "404": PROBLEM},
            },
            "patch": {
                "summary": "Change a remark's text or language (its author, until the closing "
                "day; a changed remark waits to be dealt with again); send If-Match",
                "parameters": IF_MATCH,
                "requestBody": _body("RemarkChange"),
                "responses": {
                    "200": _json("the remark"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "412": PROBLEM,
                    "422": PROBLEM,
                    "428": PROBLEM,
                },
            },
            "delete": {
                "summary": "Withdraw a remark (its author, until the closing day); send If-Match",
                "parameters": IF_MATCH,
                "responses": {
                    "204": {"description": "withdrawn"},
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "412": PROBLEM,
                    "428": PROBLEM,
                },
            },
        },
        "/remarks/{remark_id}/handling": {
            "parameters": [_id("remark_id")],
            "put": {
                "summary": "Mark a remark taken in, or not taken in with the reason "
                "(secretariat; not once the minutes are approved); send If-Match",
                "parameters": IF_MATCH,
                "requestBody": _body("HandlingValues"),
                "responses": {
                    "200": _json("the remark"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "412": PROBLEM,
                    "422": PROBLEM,
                    "428": PROBLEM,
                },
            },
        },
    }


def paths() -> tuple[dict, dict]:
    schemas = {
        "MeetingValues": MEETING_VALUES,
        "AgendaItemValues": ITEM_VALUES,
        "ActionValues": ACTION_VALUES,
        "Texts": TEXTS,
        "RemarkValues": REMARK_VALUES,
        "RemarkChange": REMARK_CHANGE,
        "HandlingValues": HANDLING_VALUES,
        "RoundValues": ROUND_VALUES,
    }
    found = {
        "/bodies": {
            "get": {
                "summary": "Committees, steering groups and working groups",
                "responses": {"200": _json("the bodies"), **READ_ERRORS},
            }
        },
        "/meetings": {
            "get": {
                "summary": "Meetings, by body and year",
                "parameters": [
                    {"name": "body", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "year",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
                    },
                ],
                "responses": {"200": _json("the meetings"), **READ_ERRORS, "422": PROBLEM},
            },
            "post": {
                "summary": "Plan a meeting (secretariat); overlapping meetings are listed",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/MeetingValues"}
                        }
                    },
                },
                "responses": {
                    "201": _json("the meeting"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "422": PROBLEM,
                },
            },
        },
        "/meetings/{meeting_id}": {
            "parameters": [_id("meeting_id")],
            "get": {
                "summary": "A meeting with its numbered agenda and attachments",
                "responses": {"200": _json("the meeting"), **READ_ERRORS, "404": PROBLEM},
            },
        },
        "/meetings/{meeting_id}/agenda": {
            "parameters": [_id("meeting_id")],
            "post": {
                "summary": "Add an agenda item (secretariat)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AgendaItemValues"}
                        }
                    },
                },
                "responses": {
                    "201": _json("the meeting"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "409": PROBLEM,
                    "422": PROBLEM,
                },
            },
        },
        "/meetings/{meeting_id}/minutes": {
            "parameters": [_id("meeting_id")],
            "get": {
                "summary": "The approved minutes (the secretariat also sees a draft): text "
                "per item in nl and fr, attendance, decisions",
                "responses": {"200": _json("the minutes"), **READ_ERRORS, "404": PROBLEM},
            },
        },
        "/decisions": {
            "get": {
                "summary": "Decisions of approved minutes",
                "responses": {"200": _json("the decisions"), **READ_ERRORS},
            }
        },
        "/actions": {
            "get": {
                "summary": "The register of action items",
                "parameters": [
                    {"name": "authority", "in": "query", "schema": {"type": "string"}},
                    {"name": "owner", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["open", "overdue", "any", *ACTION_STATES],
                        },
                    },
                ],
                "responses": {"200": _json("the actions"), **READ_ERRORS},
            }
        },
        "/actions/{action_id}": {
            "parameters": [_id("action_id")],
            "get": {
                "summary": "An action item, with its version as ETag",
                "responses": {"200": _json("the action"), **READ_ERRORS, "404": PROBLEM},
            },
            "patch": {
                "summary": "Update status, due date or note (secretariat or the owner's "
                "authority); send If-Match",
                "parameters": [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ActionValues"}
                        }
                    },
                },
                "responses": {
                    "200": _json("the action"),
                    "400": PROBLEM,
                    **READ_ERRORS,
                    "404": PROBLEM,
                    "412": PROBLEM,
                    "422": PROBLEM,
                    "428": PROBLEM,
                },
            },
        },
        **remark_paths(),
    }
    return found, schemas
