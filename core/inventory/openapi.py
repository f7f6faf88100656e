"""The inventory's part of /api/v1/openapi.json."""

from __future__ import annotations

from core.inventory.models import ACCESS, DELIVERY, LANGUAGE_CODES, SETTINGS
from core.inventory.services import FACETS, SORTS, TEXT_FIELDS
from core.links.openapi import LINKS

PROBLEM = {"$ref": "#/components/responses/Problem"}
SERVICE_ID = {
    "name": "service_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

SERVICE_VALUES = {
    "type": "object",
    "properties": {
        "external_id": {"type": "string", "maxLength": 100},
        "category": {"type": "string"},
        **{name: {"type": ["string", "null"]} for name in TEXT_FIELDS},
        "target_groups": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string", "enum": list(LANGUAGE_CODES)}},
        "delivery": {"type": "string", "enum": list(DELIVERY)},
        "setting": {"type": "string", "enum": list(SETTINGS)},
        "access": {"type": "string", "enum": list(ACCESS)},
        "free_of_charge": {"type": "boolean"},
        "waiting_list": {"type": "boolean"},
        "active": {"type": "boolean"},
        "capacity": {"type": ["integer", "null"], "minimum": 0},
        "typical_wait_days": {"type": ["integer", "null"], "minimum": 0},
        "contact_name": {"type": ["string", "null"]},
        "contact_email": {"type": ["string", "null"], "format": "email"},
        "contact_phone": {"type": ["string", "null"]},
        "locations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "prison": {"type": "string"},
                    "schedule": {
                        "type": ["string", "null"],
                        "description": "an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=TU), or RRULE, DURATION "
                        "and X-CONCERTO-EXCEPT:PUBLIC-HOLIDAYS lines as the pages' picker writes them",
                    },
                    "places": {"type": ["integer", "null"]},
                    "notes_nl": {"type": ["string", "null"]},
                    "notes_fr": {"type": ["string", "null"]},
                    "notes_en": {"type": ["string", "null"]},
                },
                "required": ["prison"],
            },
        },
        "extra": {"type": "object", "description": "the authority's own fields"},
    },
}


def _answer(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Service"}}},
    }


def _step(summary: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [SERVICE_ID],
            "responses": {
                "200": _answer("the service"),
                **{s: PROBLEM for s in ("401", "403", "404", "409", "422")},
            },
        }
    }


def _returned() -> dict:
    """Returning a service takes the reviewer's comment, required: a request without a body
    is answered as one without the comment (422)."""
    step = _step("Return to the author with a comment")
    step["post"]["requestBody"] = {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"comment": {"type": "string", "maxLength": 5000}},
                }
            }
        },
    }
    step["post"]["responses"]["415"] = PROBLEM
    return step


def paths() -> tuple[dict, dict]:
    """(paths, schemas) to merge into the API document."""
    filters = [
        {
            "name": "q",
            "in": "query",
            "description": "Words in any language, each a prefix, accents ignored. Each word "
            "also matches its synonyms (the subjects of core/inventory/synonyms.toml: "
            "'emploi' finds 'werk' and 'vocational training') and the services whose domain, "
            "category (the authority's vocabulary), target group, prison or language has it "
            "in its name in nl, fr or en. Every word (or phrase of a synonym) must match; "
            "the first 100 characters are read.",
            "schema": {"type": "string"},
        },
        *[{"name": name, "in": "query", "schema": {"type": "string"}} for name in FACETS],
        {
            "name": "sort",
            "in": "query",
            "description": "relevance (the default with q): services whose name matches the "
            "words as typed first, then those whose name matches a synonym, then the rest, "
            "each group by name in the caller's language; name (the default without q); "
            "updated; authority.",
            "schema": {"type": "string", "enum": list(SORTS)},
        },
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 250},
        },
    ]
    schemas = {
        "ServiceValues": SERVICE_VALUES,
        "Service": {
            "allOf": [
                {"$ref": "#/components/schemas/ServiceValues"},
                {
                    "type": "object",
                    "description": "Readers who may not see unpublished changes (anyone "
                    "but the authority's own people and the committee) get the published "
                    "version only, without state, version, updated_at, review_comment and "
                    "pending; a service never published is a 404 for them.",
                    "properties": {
                        "id": {"type": "integer"},
                        "authority": {"type": "string"},
                        "published": {"type": "boolean"},
                        "published_at": {"type": ["string", "null"], "format": "date-time"},
                        "state": {"type": "string", "description": "insiders only"},
                        "version": {"type": "integer", "description": "insiders only"},
                        "updated_at": {
                            "type": "string",
                            "format": "date-time",
                            "description": "insiders only",
                        },
                        "review_comment": {
                            "type": ["string", "null"],
                            "description": "insiders only: the reviewer's comment",
                        },
                        "pending": {
                            "type": ["object", "null"],
                            "description": "insiders only: changes waiting for review",
                        },
                    },
                },
            ]
        },
    }
    schemas["ServicePage"] = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "items": {
                "type": "array",
                "items": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Service"},
                        {
                            "type": "object",
                            "properties": {
                                "snippet": {
                                    "type": ["string", "null"],
                                    "description": "With q only: why the service matched, as "
                                    "HTML: an excerpt of its description in the caller's "
                                    "language (else another), or the label of its domain, "
                                    "category, target group, prison or language that matched "
                                    "('Domain: …'), the text escaped and each matched word in "
                                    "<mark>…</mark>; the description's beginning without a "
                                    "mark when only the name matched; null without a "
                                    "description.",
                                },
                                "snippet_language": {
                                    "type": ["string", "null"],
                                    "enum": ["nl", "fr", "en", None],
                                    "description": "With q only: the language of the snippet.",
                                },
                            },
                        },
                    ]
                },
            },
        },
        "required": ["total", "page", "per_page", "items"],
    }
    found = {
        "/services": {
            "get": {
                "summary": "Services, filtered, sorted and paged (the published ones for the "
                "public; all for the committee)",
                "security": [{}, {"bearer": []}],
                "parameters": filters,
                "responses": {
                    "200": {
                        "description": "a page of services",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ServicePage"}
                            }
                        },
                    }
                },
            },
            "post": {
                "summary": "Create a draft for the caller's authority (coordinators)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ServiceValues"}
                        }
                    },
                },
                "responses": {
                    "201": _answer("the new draft"),
                    **{s: PROBLEM for s in ("401", "403", "415", "422")},
                },
            },
        },
        "/services/{service_id}": {
            "get": {
                "summary": "A service, with its version as ETag",
                "security": [{}, {"bearer": []}],
                "parameters": [SERVICE_ID],
                "responses": {"200": _answer("the service"), "404": PROBLEM},
            },
            "patch": {
                "summary": "Change a service; after publication the change waits for review",
                "parameters": [
                    SERVICE_ID,
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ServiceValues"}
                        }
                    },
                },
                "responses": {
                    "200": _answer("the service"),
                    **{
                        s: PROBLEM for s in ("401", "403", "404", "409", "412", "415", "422", "428")
                    },
                },
            },
        },
        "/services/{service_id}/submit": _step("Submit a draft to the committee"),
        "/services/{service_id}/approve": _step("Approve and publish (committee)"),
        "/services/{service_id}/return": _returned(),
        "/needs": {
            "get": {
                "summary": "The register of signalled unmet needs",
                "parameters": [
                    {"name": name, "in": "query", "schema": {"type": "string"}}
                    for name in ("prison", "domain", "status")
                ],
                "responses": {"200": {"description": "the needs"}, "401": PROBLEM},
            },
            "post": {
                "summary": "Signal a need",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "prison": {"type": "string"},
                                    "domain": {"type": "string"},
                                    "target_group": {"type": ["string", "null"]},
                                    "language": {"type": ["string", "null"]},
                                    "description_nl": {"type": ["string", "null"]},
                                    "description_fr": {"type": ["string", "null"]},
                                    "description_en": {"type": ["string", "null"]},
                                    "goal": {
                                        "type": ["string", "null"],
                                        "description": "a goal of the plan, by code or number",
                                    },
                                    "links": LINKS,
                                },
                                "required": ["prison", "domain"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "the need"},
                    **{s: PROBLEM for s in ("401", "403", "415", "422")},
                },
            },
        },
        "/coverage": {
            "get": {
                "summary": "Published services per prison and domain",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {"name": "target_group", "in": "query", "schema": {"type": "string"}},
                    {"name": "language", "in": "query", "schema": {"type": "string"}},
                    {"name": "authority", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "year",
                        "in": "query",
                        "description": "services published by its end, in the prisons open "
                        "that year; this year by default",
                        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the counts in the prisons open in the year, and the "
                        "gaps (a prison open that year and a domain without a service)"
                    },
                    "400": {"description": "not a year between 2000 and 2100"},
                },
            }
        },
    }
    return found, schemas
