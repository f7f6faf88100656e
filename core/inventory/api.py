"""The inventory in /api/v1: services (list, get, create, update, submit, approve, return)
and coverage. The same functions as the pages; the same rules; problem+json errors, each
refusal answered by ``core.web.api_write`` as in every feature."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from core.api.problems import http_problem, problem
from core.clock import this_year
from core.db import db_session
from core.i18n import current_language
from core.inventory import needs as register
from core.inventory import services as inventory
from core.inventory import snippets
from core.inventory.access import service_or_404
from core.inventory.errors import ERRORS, WORKFLOW
from core.inventory.lexicon import vocabulary_of
from core.inventory.models import Service
from core.inventory.page_cache import anonymous_page
from core.permissions import can, current, require
from core.security import csrf
from core.validation import Invalid, Refused
from core.web import api_write, check_version, etag, expected_version, json_object

blueprint = Blueprint("inventory_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
# The same problem+json answers as the rest of /api/v1.
blueprint.register_error_handler(HTTPException, http_problem)
# Every code a write may be refused with: a field's problem, or the workflow's refusal.
MESSAGES = {**ERRORS, **WORKFLOW}


def _insider(service: Service) -> bool:
    """Who may see drafts, unreviewed changes and reviewers' comments: the authority's own
    people and the committee, as on the service's page."""
    return can(current(), "inventory.read_unpublished", service)


def body_of(service: Service) -> dict:
    """The service as the caller may read it: everyone else gets the published version
    only, as the page and HSDS show it, without the workflow's state and comments."""
    published = {
        "id": service.id,
        "authority": service.authority_code,
        "published": service.published_at is not None,
        "published_at": service.published_at.isoformat() if service.published_at else None,
        **inventory.record_of(service),
        "prisons": service.prison_codes(),
    }
    if not _insider(service):
        return published
    return {
        **published,
        "state": service.state,
        "version": service.version,
        "updated_at": service.updated_at.isoformat(),
        "review_comment": service.review_comment,
        "pending": service.pending,
    }


def _answer(service: Service, status: int = 200):
    response = jsonify(body_of(service))
    response.status_code = status
    if _insider(service):  # the version moves with unreviewed changes too
        response.headers["ETag"] = etag(service)
    return response


def _current(service_id: int) -> dict | None:
    """The service as it now stands, for a 412 (None when it is gone)."""
    service = db_session().get(Service, service_id)
    return body_of(service) if service is not None else None


def _authority_of(code: str | None):
    """The authority whose services these are; refused while its plugin is disabled."""
    authority = current_app.extensions["concerto.registry"].authorities.get(code or "")
    if authority is None:
        raise Refused("plugin_disabled")
    return authority


@blueprint.get("/services")
@anonymous_page
def list_services():
    session = db_session()
    filters = inventory.Filters.from_args(
        request.args,
        public_only=not can(current(), "inventory.review"),
        reading=current_language(),
        vocabulary=vocabulary_of(current_app.extensions["concerto.registry"]),
    )
    found, total = inventory.find(session, filters)
    items = [body_of(service) for service in found]
    expansion = filters.expansion(session)
    if expansion is not None:
        # Why each matched: an excerpt with the matched words in <mark>, as the page shows.
        marker = snippets.Marker(expansion, filters.lexicon(session), current_language())
        for item, service in zip(items, found, strict=True):
            found_in = marker.snippet(service)
            item["snippet"] = str(found_in.html) if found_in else None
            item["snippet_language"] = found_in.lang if found_in else None
    return jsonify(
        {"total": total, "page": filters.page, "per_page": filters.per_page, "items": items}
    )


@blueprint.get("/services/<int(max=2147483647):service_id>")
def get_service(service_id: int):
    return _answer(service_or_404(service_id))


@blueprint.post("/services")
@api_write(messages=MESSAGES)
def create_service():
    principal = current()
    require("inventory.edit", principal.authority)
    values = json_object()
    authority = _authority_of(principal.authority)
    session = db_session()
    service = inventory.create_service(session, authority, values, principal)
    session.commit()
    response = _answer(service, 201)
    response.headers["Location"] = url_for("inventory_api.get_service", service_id=service.id)
    return response


@blueprint.patch("/services/<int(max=2147483647):service_id>")
@api_write(messages=MESSAGES, current=_current)
def update_service(service_id: int):
    service = service_or_404(service_id)
    require("inventory.edit", service)
    expected = expected_version()
    values = json_object()
    check_version(service, expected)
    authority = _authority_of(service.authority_code)
    session = db_session()
    inventory.update_service(session, authority, service, values, service.version, current())
    session.commit()
    return _answer(service)


def _step(service_id: int, name: str, **extra):
    permission, step = inventory.STEPS[name]
    service = service_or_404(service_id)
    require(permission, service)
    authority = _authority_of(service.authority_code)
    session = db_session()
    step(session, authority, service, current(), **extra)
    session.commit()
    return _answer(service)


@blueprint.post("/services/<int(max=2147483647):service_id>/submit")
@api_write(messages=MESSAGES, current=_current)
def submit_service(service_id: int):
    return _step(service_id, "submit")


@blueprint.post("/services/<int(max=2147483647):service_id>/approve")
@api_write(messages=MESSAGES, current=_current)
def approve_service(service_id: int):
    return _step(service_id, "approve")


@blueprint.post("/services/<int(max=2147483647):service_id>/return")
@api_write(messages=MESSAGES, current=_current)
def return_service(service_id: int):
    # The comment is required, but a request without a body is worded as its missing field
    # (422); a body sent must be a JSON object.
    comment = (json_object() if request.get_data() else {}).get("comment", "")
    if not isinstance(comment, str):
        raise Invalid({"comment": "type"})
    return _step(service_id, "return", comment=comment)


@blueprint.get("/coverage")
@anonymous_page
def coverage():
    target_group = (request.args.get("target_group") or "")[:32]
    language = (request.args.get("language") or "")[:8]
    authority = (request.args.get("authority") or "")[:48]
    raw_year = (request.args.get("year") or "").strip()
    if raw_year and (not raw_year.isdecimal() or not 2000 <= int(raw_year) <= 2100):
        return problem(400, _("Give a year between 2000 and 2100."))
    year = int(raw_year) if raw_year else this_year()
    found = inventory.coverage_of_year(
        db_session(), year, target_group, language, authority=authority
    )
    return jsonify(
        {
            "year": year,
            "target_group": target_group or None,
            "language": language or None,
            "authority": authority or None,
            # The prisons open in the year: a pair of one of them missing from cells is a gap.
            "prisons": [prison.code for prison in found.prisons],
            "cells": [
                {"prison": prison, "domain": domain, "count": count}
                for (prison, domain), count in sorted(found.cells.items())
            ],
            "gaps": [{"prison": prison, "domain": domain} for prison, domain in found.gaps],
        }
    )


def need_body(need) -> dict:
    return {
        "id": need.id,
        "prison": need.prison_code,
        "domain": need.domain_code,
        "target_group": need.target_group,
        "language": need.language,
        **{f"description_{lang}": need.texts("description")[lang] for lang in ("nl", "fr", "en")},
        "status": need.status,
        "authority": need.authority_code,
        "signalled_by": need.signalled_by,
        "created_at": need.created_at.isoformat(),
        "services": [service.id for service in need.services],
        "goal_id": need.goal_id,
        "links": need.links or [],
    }


@blueprint.get("/needs")
def list_needs():
    require("needs.read")
    filters = {key: (request.args.get(key) or "")[:32] for key in ("prison", "domain", "status")}
    found = db_session().scalars(register.listing(db_session(), filters)).all()
    return jsonify({"total": len(found), "items": [need_body(need) for need in found]})


@blueprint.post("/needs")
@api_write(messages=ERRORS)
def signal_need():
    require("needs.signal")
    values = json_object()
    session = db_session()
    need = register.signal(session, values, current())
    session.commit()
    response = jsonify(need_body(need))
    response.status_code = 201
    return response
