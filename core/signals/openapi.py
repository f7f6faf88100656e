"""The register of signals' part of /api/v1/openapi.json."""

from __future__ import annotations

from core.signals.models import ADDRESSEE_KINDS, SIGNAL_STATES

PROBLEM = {"$ref": "#/components/responses/Problem"}
TEXT = {"type": ["string", "null"]}
DAY = {"type": ["string", "null"], "format": "date"}
LANGS = ("nl", "fr", "en")

VALUES = {
    "type": "object",
    "description": "A structural problem signalled, or a recommendation: never personal data "
    "about detainees. A title in one language is enough; prison and domain are optional.",
    "properties": {
        **{f"title_{lang}": {**TEXT, "maxLength": 300} for lang in LANGS},
        **{f"text_{lang}": TEXT for lang in LANGS},
        **{f"summary_{lang}": {**TEXT, "description": "public once published"} for lang in LANGS},
        "prison": {**TEXT, "description": "a prison's code, or null: it concerns every prison"},
        "domain": {**TEXT, "description": "a domain's code, or null"},
        "addressee_kind": {"type": "string", "enum": list(ADDRESSEE_KINDS)},
        "addressee": {**TEXT, "maxLength": 300, "description": "to whom, in words"},
        "status": {
            "type": "string",
            "enum": list(SIGNAL_STATES),
            "description": "sent needs sent_on; answered needs an answer and answered_on",
        },
        "sent_on": DAY,
        **{f"answer_{lang}": {**TEXT, "description": "the answer received"} for lang in LANGS},
        "answered_on": DAY,
        "links": {
            "type": "array",
            "items": {"type": "string", "description": "kind:id, as need:3 or decision:12"},
        },
    },
}
SIGNAL = {
    "type": "object",
    "properties": {
        **VALUES["properties"],
        "id": {"type": "integer"},
        "published": {
            "type": "boolean",
            "description": "in PATCH: true publishes the summary, false withdraws it "
            "(the secretariat only)",
        },
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "authority": TEXT,
        "written_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
        "links": {"type": "array", "items": {"type": "object"}},
    },
}


def paths() -> tuple[dict, dict]:
    ident = {
        "name": "signal_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    values = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignalValues"}}},
    }
    one = {
        "description": "the signal, with its version as ETag",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Signal"}}},
    }
    found = {
        "/signals": {
            "get": {
                "summary": "The register of signals (anonymous callers: the published ones, "
                "with their title and public summary only)",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(SIGNAL_STATES)},
                    }
                ],
                "responses": {"200": {"description": "the signals, newest first"}},
            },
            "post": {
                "summary": "Add a signal (coordinators and the secretariat)",
                "requestBody": values,
                "responses": {
                    "201": one,
                    **{str(s): PROBLEM for s in (400, 401, 403, 422)},
                },
            },
        },
        "/signals/indicators": {
            "get": {
                "summary": "Goal 1.2 per year: signals sent, answered and published",
                "security": [],
                "responses": {"200": {"description": "the figures, newest year first"}},
            }
        },
        "/signals/{signal_id}": {
            "parameters": [ident],
            "get": {
                "summary": "A signal (anonymous callers: only a published one, as the public "
                "page shows it)",
                "security": [{}, {"bearer": []}],
                "responses": {"200": one, "404": PROBLEM},
            },
            "patch": {
                "summary": "Change a signal (its authority's coordinators, the secretariat); "
                "publish or withdraw its summary (the secretariat); send If-Match",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Signal"}}
                    },
                },
                "responses": {
                    "200": one,
                    **{str(s): PROBLEM for s in (400, 401, 403, 404, 409, 412, 422, 428)},
                },
            },
        },
    }
    return found, {"SignalValues": VALUES, "Signal": SIGNAL}
