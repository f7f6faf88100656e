"""``/api/v1``: the caller is known by a bearer token only, so no cookie and no CSRF are
involved; every error is ``application/problem+json`` (RFC 9457) in the caller's language."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing.converters import NumberConverter

from core.api.links import add_links
from core.api.problems import DETAILS, http_problem, problem
from core.db import db_session
from core.feeds.openapi import paths as change_paths
from core.goals.openapi import paths as plan_paths
from core.identity.models import Identity, User
from core.identity.services import find_token, principal_for
from core.inventory.openapi import paths as inventory_paths
from core.meetings.openapi import paths as meeting_paths
from core.permissions import ANONYMOUS, current, require
from core.reference.errors import PROFILE_ERRORS
from core.reference.models import Authority
from core.reference.services import PROFILE_FIELDS, profile_values, update_profile
from core.security import csrf
from core.signals.openapi import paths as signal_paths
from core.studyday.openapi import paths as studyday_paths
from core.web import api_write, expected_version, json_object
from core.work.openapi import paths as work_paths

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)


blueprint.register_error_handler(HTTPException, http_problem)


def load_api_principal() -> None:
    """Who is calling the API: the owner of the bearer token, acting for its authority."""
    g.principal = ANONYMOUS
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return
    db = db_session()
    token = find_token(db, secret.strip())
    if token is None:
        g.api_token_rejected = True
        return
    db.commit()  # the token's last use
    g.principal = principal_for(token.identity, channel="api", token=token)
    g.user = token.user


@blueprint.get("/me")
def me():
    principal = current()
    if principal.user_id is None:
        return problem(401, DETAILS[401]())
    db = db_session()
    user = db.get(User, principal.user_id)
    identity = db.get(Identity, principal.identity_id)
    return jsonify(
        {
            "user": {"id": user.id, "display_name": user.display_name, "email": user.email},
            "identity": {
                "authority": identity.authority_code,
                "issuer": identity.issuer,
                "subject": identity.subject,
            },
            "authority": principal.authority,
            "roles": sorted(principal.roles),
            "authority_role_codes": identity.role_codes,
            "platform_roles": sorted(principal.platform_roles),
            "token": {"id": principal.token_id},
        }
    )


def _etag(authority: Authority) -> str:
    return f'"{authority.version}"'


def _authority_body(authority: Authority) -> dict:
    return {"code": authority.code, "version": authority.version, **profile_values(authority)}


@blueprint.get("/authorities/<code>")
def get_authority(code: str):
    authority = db_session().get(Authority, code)
    if authority is None:
        return problem(404, DETAILS[404]())
    response = jsonify(_authority_body(authority))
    response.headers["ETag"] = _etag(authority)
    return response


def _current_authority(code: str) -> dict | None:
    """The profile as it is stored now, for a 412 (read after the rollback)."""
    authority = db_session().get(Authority, code)
    return _authority_body(authority) if authority is not None else None


@blueprint.patch("/authorities/<code>")
@api_write(messages=PROFILE_ERRORS, current=_current_authority)
def patch_authority(code: str):
    db = db_session()
    authority = db.get(Authority, code)
    if authority is None:
        return problem(404, DETAILS[404]())
    require("authority.edit", authority)
    expected = expected_version()
    values = json_object()
    update_profile(db, authority, values, expected)
    db.commit()
    response = jsonify(_authority_body(authority))
    response.headers["ETag"] = _etag(authority)
    return response


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["CONCERTO"]))


def openapi_document(_settings) -> dict:
    document = _base_document()
    for paths, schemas in (
        inventory_paths(),
        meeting_paths(),
        plan_paths(),
        studyday_paths(),
        work_paths(),
        change_paths(),
        signal_paths(),
    ):
        document["paths"].update(paths)
        document["components"]["schemas"].update(schemas)
    return add_links(_refusals(_if_match_required(_bounds_of_routes(document))))


def _refusals(document: dict) -> dict:
    """Answers an operation may give before or beside its own code, the same in every
    feature (core.web.api_write): 400 for a request holding a NUL character anywhere
    (core.security refuses it in every request) or a body that is not a JSON object; for a
    write 401 and 403; for a write with a body 415 (not sent as JSON) and 422 (values that
    cannot be stored); for a write that names the version read, 412 beside its 428."""
    problem_ref = {"$ref": "#/components/responses/Problem"}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            answers = ["400"]
            if method != "get":
                answers += ["401", "403"]
            if method != "get" and "requestBody" in operation:
                answers += ["415", "422"]
            if "428" in operation["responses"]:
                answers += ["412"]
            for status in answers:
                operation["responses"].setdefault(status, problem_ref)
    return document


WRITE_ANSWERS = """Every write answers the same situation the same way, in every feature:

| what happened | status |
|---|---|
| a body sent with another content type than JSON | 415 |
| JSON that does not parse or is not an object | 400 |
| no If-Match where the operation needs the version read | 428 |
| an If-Match that is not the record's version | 412, with the record as it now stands in `current` |
| values that cannot be stored | 422, `errors` lists each field with its code and message |
| a step the record's state does not allow | 409, with the refusal's `code` |

Errors are RFC 9457 problem details in the caller's language (Accept-Language)."""


def _if_match_required(document: dict) -> dict:
    """An operation that answers 428 without If-Match requires it: say so in the document,
    whatever each feature wrote (a client generated from it would otherwise leave it out)."""
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "428" not in operation.get("responses", {}):
                continue
            others = [p for p in operation.get("parameters", []) if p.get("name") != "If-Match"]
            header = {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "the ETag of the version read",
                "schema": {"type": "string"},
            }
            operation["parameters"] = [*others, header]
    return document


def _bounds_of_routes(document: dict) -> dict:
    """Give each whole-number path parameter the bounds its route accepts (ids up to
    2,147,483,647, a PostgreSQL integer; years 2000-2100), read from the routes themselves so
    the document cannot promise more than they answer: a larger id matches no route, and
    Werkzeug then answers 405 for a method the path has elsewhere instead of 404."""
    prefix = blueprint.url_prefix
    routes = {
        re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(prefix) :]): rule
        for rule in current_app.url_map.iter_rules()
        if rule.rule.startswith(prefix + "/")
    }
    for path, item in document["paths"].items():
        rule = routes.get(path)
        if rule is None:
            continue
        for operation in (item, *(v for v in item.values() if isinstance(v, dict))):
            if "parameters" in operation:
                operation["parameters"] = [_bounded(p, rule) for p in operation["parameters"]]
    return document


def _bounded(parameter: dict, rule) -> dict:
    """A copy of ``parameter`` with its route's bounds (the features share these objects)."""
    converter = rule._converters.get(parameter.get("name"))
    if parameter.get("in") != "path" or not isinstance(converter, NumberConverter):
        return parameter
    bounds = {"minimum": converter.min, "maximum": converter.max}
    schema = {**parameter["schema"], **{k: v for k, v in bounds.items() if v is not None}}
    return {**parameter, "schema": schema}


def _base_document() -> dict:
    problem_ref = {"$ref": "#/components/responses/Problem"}
    profile = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "readOnly": True},
            "version": {"type": "integer", "readOnly": True},
            **{
                name: {"type": ["string", "null"]}
                | ({"format": "uri"} if name == "website" else {})
                | ({"format": "email"} if name == "contact_email" else {})
                for name in PROFILE_FIELDS
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Concerto API", "version": "1", "description": WRITE_ANSWERS},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"AuthorityProfile": profile},
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}},
                }
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/me": {
                "get": {
                    "summary": "The caller's identity, authority and roles",
                    "responses": {"200": {"description": "the caller"}, "401": problem_ref},
                }
            },
            "/authorities/{code}": {
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "summary": "An authority's profile, with its version as ETag",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "the profile",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/AuthorityProfile"}
                                }
                            },
                        },
                        "404": problem_ref,
                    },
                },
                "patch": {
                    "summary": "Change the profile; coordinators of the authority only",
                    "parameters": [
                        {
                            "name": "If-Match",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AuthorityProfile"}
                            }
                        }
                    },
                    "responses": {
                        "200": {"description": "the stored profile"},
                        **{str(s): problem_ref for s in (401, 403, 404, 412, 415, 422, 428)},
                    },
                },
            },
        },
    }
