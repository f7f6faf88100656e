"""The inventory in /api/v1: services (list, get, create, update, submit, approve, return)
and coverage. The same functions as the pages; the same rules; problem+json errors."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from core.api.problems import invalid_fields, problem
from core.api.views import http_problem
from core.clock import this_year
from core.db import db_session
from core.i18n import current_language
from core.inventory import needs as register
from core.inventory import services as inventory
from core.inventory import snippets
from core.inventory.lexicon import vocabulary_of
from core.inventory.models import Service
from core.inventory.views import ERRORS, WORKFLOW, service_or_404
from core.permissions import can, current, require
from core.security import csrf

blueprint = Blueprint("inventory_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
# The same problem+json answers as the rest of /api/v1.
blueprint.register_error_handler(HTTPException, http_problem)


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


def _etag(service: Service) -> str:
    return f'"{service.version}"'


def _answer(service: Service, status: int = 200):
    response = jsonify(body_of(service))
    response.status_code = status
    if _insider(service):  # the version moves with unreviewed changes too
        response.headers["ETag"] = _etag(service)
    return response


def _invalid(errors: dict[str, str]):
    return invalid_fields(errors, ERRORS)


@blueprint.get("/services")
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
def create_service():
    principal = current()
    require("inventory.edit", principal.authority)
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(415, _("Send a JSON object."))
    authority = current_app.extensions["concerto.registry"].authorities.get(principal.authority)
    if authority is None:
        return problem(409, str(WORKFLOW["plugin_disabled"]))
    session = db_session()
    try:
        service = inventory.create_service(session, authority, values, principal)
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _invalid(invalid.errors)
    response = _answer(service, 201)
    response.headers["Location"] = url_for("inventory_api.get_service", service_id=service.id)
    return response


@blueprint.patch("/services/<int(max=2147483647):service_id>")
def update_service(service_id: int):
    service = service_or_404(service_id)
    require("inventory.edit", service)
    if_match = request.headers.get("If-Match")
    if not if_match:
        return problem(428, _("Send the ETag you read in an If-Match header."))
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(415, _("Send a JSON object."))
    stale = problem(
        412,
        _("Someone changed this record since you read it. Read it again and redo your change."),
        current=body_of(service),
    )
    if if_match.strip() != _etag(service):
        return stale
    authority = current_app.extensions["concerto.registry"].authorities.get(service.authority_code)
    if authority is None:
        return problem(409, str(WORKFLOW["plugin_disabled"]))
    session = db_session()
    try:
        inventory.update_service(session, authority, service, values, service.version, current())
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _invalid(invalid.errors)
    except inventory.StaleService:
        session.rollback()
        return stale
    except inventory.NotAllowedNow as refused:
        session.rollback()
        return problem(409, str(WORKFLOW[refused.code]))
    return _answer(service)


def _step(service_id: int, name: str, **extra):
    permission, step = inventory.STEPS[name]
    service = service_or_404(service_id)
    require(permission, service)
    authority = current_app.extensions["concerto.registry"].authorities.get(service.authority_code)
    if authority is None:
        return problem(409, str(WORKFLOW["plugin_disabled"]))
    session = db_session()
    try:
        step(session, authority, service, current(), **extra)
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _invalid(invalid.errors)
    except inventory.NotAllowedNow as refused:
        session.rollback()
        return problem(409, str(WORKFLOW[refused.code]))
    return _answer(service)


@blueprint.post("/services/<int(max=2147483647):service_id>/submit")
def submit_service(service_id: int):
    return _step(service_id, "submit")


@blueprint.post("/services/<int(max=2147483647):service_id>/approve")
def approve_service(service_id: int):
    return _step(service_id, "approve")


@blueprint.post("/services/<int(max=2147483647):service_id>/return")
def return_service(service_id: int):
    comment = (request.get_json(silent=True) or {}).get("comment", "")
    return _step(service_id, "return", comment=comment if isinstance(comment, str) else "")


@blueprint.get("/coverage")
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
def signal_need():
    require("needs.signal")
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(415, _("Send a JSON object."))
    session = db_session()
    try:
        need = register.signal(session, values, current())
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _invalid(invalid.errors)
    response = jsonify(need_body(need))
    response.status_code = 201
    return response
