"""The change feed's part of /api/v1/openapi.json."""

from __future__ import annotations

from core.events.changes import CHANGE_KINDS, RECORD_KINDS

PROBLEM = {"$ref": "#/components/responses/Problem"}
TEXTS = {
    "type": "object",
    "description": "the record's name in each language, as it was at the change",
    "properties": {lang: {"type": ["string", "null"]} for lang in ("nl", "fr", "en")},
}

CHANGE = {
    "type": "object",
    "required": [
        "id",
        "cursor",
        "kind",
        "occurred_at",
        "record",
        "tombstone",
        "authority",
        "channel",
        "visibility",
        "fields",
        "title",
    ],
    "properties": {
        "id": {"type": "integer", "description": "the event's id (unique; not the order)"},
        "cursor": {
            "type": "string",
            "description": "give it as `since` to read what came after this change",
        },
        "kind": {"type": "string", "enum": list(CHANGE_KINDS)},
        "occurred_at": {"type": "string", "format": "date-time"},
        "record": {
            "type": "object",
            "required": ["kind", "id", "api_url", "page_url"],
            "properties": {
                "kind": {"type": "string", "enum": list(RECORD_KINDS)},
                "id": {"type": "integer"},
                "api_url": {
                    "type": ["string", "null"],
                    "description": "where the API gives the record now; null for a tombstone "
                    "or a record the API does not give one by one",
                },
                "page_url": {"type": ["string", "null"], "description": "the record's page"},
            },
        },
        "tombstone": {
            "type": "boolean",
            "description": "the record left the readers' view: a service withdrawn from the "
            "public inventory (made inactive) or any record deleted; drop your copy",
        },
        "authority": {"type": ["string", "null"]},
        "channel": {
            "type": ["string", "null"],
            "enum": ["page", "api", "cli", "job", None],
            "description": "how the change was made",
        },
        "visibility": {
            "type": "string",
            "description": "who may see it: public, logged_in, committee, secretariat or "
            "authority:<code>",
        },
        "fields": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the fields that changed (names only, never values; a public "
            "change of a service names only the fields the public sees)",
        },
        "title": TEXTS,
    },
}
CHANGES = {
    "type": "object",
    "required": ["changes", "next", "more"],
    "properties": {
        "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
        "next": {
            "type": "string",
            "description": "the cursor to give as `since` next time (the same one when "
            "nothing new came)",
        },
        "more": {"type": "boolean", "description": "another page follows at once"},
    },
}


def paths() -> tuple[dict, dict]:
    found = {
        "/changes": {
            "get": {
                "summary": "What changed, in order, since a cursor",
                "description": (
                    "Every committed change of a service, need, decision, action item, "
                    "meeting, goal and plan action that the caller may read, whichever way it "
                    "was made (page, API, import, command line, job), each once and in the "
                    "order the changes were committed. Without a token: the public ones only "
                    "(the published inventory and the plan). Start without `since`, then "
                    "give the answer's `next`; a cursor stays valid. Withdrawn and deleted "
                    "records come as tombstones. HSDS readers: `/hsds/services?modified_after=` "
                    "lists a withdrawn service with status `inactive` and a deleted one with "
                    "status `defunct`."
                ),
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "required": False,
                        "description": "a cursor from a previous answer (`next` or a change's "
                        "`cursor`); none for the beginning",
                        "schema": {"type": "string", "maxLength": 80},
                    },
                    {
                        "name": "kinds",
                        "in": "query",
                        "required": False,
                        "description": "comma-separated kinds (service.withdrawn) or records "
                        "(service: every kind of change of a service)",
                        "schema": {"type": "string"},
                        "examples": {
                            "withdrawals": {"value": "service.withdrawn,service.deleted"},
                            "records": {"value": "service,need"},
                        },
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "a page of changes",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Changes"}}
                        },
                    },
                    "422": PROBLEM,
                },
            }
        }
    }
    return found, {"Changes": CHANGES, "Change": CHANGE}
