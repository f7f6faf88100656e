"""The strategic plan's part of /api/v1/openapi.json."""

from __future__ import annotations

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }


CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
OK = {"description": "found", "content": {"application/json": {"schema": {"type": "object"}}}}
ACTION_VALUES = {
    "type": "object",
    "properties": {
        **{f"title_{lang}": {"type": ["string", "null"]} for lang in ("nl", "fr", "en")},
        "term": {
            "type": ["string", "null"],
            "maxLength": 300,
            "description": "as the plans write it, in Dutch or French: "
            '"najaar 2026", "half 2027", "fin 2027", "1 januari 2027", '
            '"najaar 2026 - voorjaar 2027/2028", "2026-2030", "vanaf begin 2027", '
            '"uiterlijk tegen midden 2027", "au plus tard fin 2027", "doorlopend", '
            '"nog te bepalen"; empty or null when the plan gives none',
        },
        "status": {"type": "string"},
        "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "weight": {"type": "integer", "minimum": 1, "maximum": 100},
        "authority": {"type": ["string", "null"]},
        "lead_text": {"type": ["string", "null"]},
        "involved": {"type": "array", "items": {"type": "string"}},
        **{f"milestone_{lang}": {"type": ["string", "null"]} for lang in ("nl", "fr")},
        "parent_id": {"type": ["integer", "null"]},
    },
}


def paths() -> tuple[dict, dict]:
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PlanActionValues"}}
        },
    }
    found = {
        "/plans": {
            "get": {"summary": "The strategic plans", "security": [], "responses": {"200": OK}}
        },
        "/plans/{code}": {
            "parameters": [CODE],
            "get": {
                "summary": "A plan's goal tree with the progress of every goal",
                "security": [],
                "responses": {"200": OK, "404": PROBLEM},
            },
        },
        "/plans/{code}/dashboard": {
            "parameters": [CODE],
            "get": {
                "summary": "Progress per strategic goal and per authority, overdue actions",
                "security": [],
                "responses": {"200": OK, "404": PROBLEM},
            },
        },
        "/plans/{code}/years/{year}": {
            "parameters": [
                CODE,
                {
                    "name": "year",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
                },
            ],
            "get": {
                "summary": "The annual plan of a year: planned actions and what was reached",
                "security": [],
                "responses": {"200": OK, "404": PROBLEM},
            },
        },
        "/goals/{goal_id}": {
            "parameters": [_id("goal_id")],
            "get": {
                "summary": "A goal with its actions and what is linked to it",
                "security": [],
                "responses": {"200": OK, "404": PROBLEM},
            },
            "patch": {
                "summary": "Move a goal under another (secretariat); a circle is refused",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"parent_id": {"type": ["integer", "null"]}},
                                "required": ["parent_id"],
                            }
                        }
                    },
                },
                "responses": {
                    "200": OK,
                    **{s: PROBLEM for s in ("400", "401", "403", "404", "422")},
                },
            },
        },
        "/goals/{goal_id}/actions": {
            "parameters": [_id("goal_id")],
            "post": {
                "summary": "Add an action to an operational goal (coordinators, secretariat)",
                "requestBody": body,
                "responses": {
                    "201": OK,
                    **{s: PROBLEM for s in ("400", "401", "403", "404", "422")},
                },
            },
        },
        "/plan-actions/{action_id}": {
            "parameters": [_id("action_id")],
            "get": {
                "summary": "An action, with its version as ETag",
                "security": [],
                "responses": {"200": OK, "404": PROBLEM},
            },
            "patch": {
                "summary": "Update an action (its lead's coordinators, the secretariat); send If-Match",
                "parameters": [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                "requestBody": body,
                "responses": {
                    "200": OK,
                    **{s: PROBLEM for s in ("400", "401", "403", "404", "412", "422", "428")},
                },
            },
        },
    }
    writes = {s: PROBLEM for s in ("400", "401", "403", "404", "409", "422")}
    obj = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    year = {
        "name": "year",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
    }
    found.update(
        {
            "/plans/{code}/years/{year}/items": {
                "parameters": [CODE, year],
                "post": {
                    "summary": "Put an action in the year's plan: action_id, owner, "
                    "target_nl, target_fr, target_progress (secretariat)",
                    "requestBody": obj,
                    "responses": {"201": OK, **writes},
                },
            },
            "/plans/{code}/years/{year}/adopt": {
                "parameters": [CODE, year],
                "post": {
                    "summary": "Adopt the year's plan by a committee decision: decision_id",
                    "requestBody": obj,
                    "responses": {"200": OK, **writes},
                },
            },
            "/goals/{goal_id}/indicators": {
                "parameters": [_id("goal_id")],
                "post": {
                    "summary": "Add an indicator: name_nl, name_fr, unit, source, baseline",
                    "requestBody": obj,
                    "responses": {"201": OK, **writes},
                },
            },
            "/indicators/{indicator_id}/values/{year}": {
                "parameters": [_id("indicator_id"), year],
                "put": {
                    "summary": "Target and actual of a year",
                    "requestBody": obj,
                    "responses": {"200": OK, **writes},
                },
            },
            "/goals/{goal_id}/evaluations": {
                "parameters": [_id("goal_id")],
                "post": {
                    "summary": "A goal's evaluation for a year: year, rating, assessment_nl, "
                    "assessment_fr, evidence",
                    "requestBody": obj,
                    "responses": {"201": OK, **writes},
                },
            },
            "/evaluations/{evaluation_id}/approve": {
                "parameters": [_id("evaluation_id")],
                "post": {
                    "summary": "Record the approval by a committee decision: decision_id",
                    "requestBody": obj,
                    "responses": {"200": OK, **writes},
                },
            },
        }
    )
    return found, {"PlanActionValues": ACTION_VALUES}
