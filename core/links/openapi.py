"""The shape of a record's links in /api/v1/openapi.json, shared by every feature whose
records have them (agenda items, decisions, needs)."""

from __future__ import annotations

from core.links.services import KINDS

LINKS = {
    "type": "array",
    "description": "records this one links to; a goal's id may also be its code in the "
    "current plan; each must exist and be readable by the caller",
    "items": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "id": {"type": "integer"},
        },
    },
}
