"""The HSDS 3.0 read API under /hsds/, following ../shared/hsds-3.0/openapi.json: the
published inventory only, one language per answer (``?lang=nl|fr|en``, else the reader's)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.api.problems import problem
from core.config import LANGUAGES
from core.db import db_session
from core.i18n import current_language
from core.inventory import hsds
from core.inventory.models import Service
from core.inventory.page_cache import anonymous_page
from core.security import csrf

blueprint = Blueprint("hsds", __name__, url_prefix="/hsds")
csrf.exempt(blueprint)


def _language() -> str:
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else current_language()


def _paging() -> tuple[int, int]:
    try:
        # Clamped: a page past the database's integer range would make the offset overflow.
        page = max(1, min(int(request.args.get("page", 1)), 1_000_000))
        size = max(1, min(int(request.args.get("per_page", 50)), 250))
    except ValueError:
        page, size = 1, 50
    return page, size


def _page(items: list, total: int, page: int, size: int) -> dict:
    pages = max(1, -(-total // size))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not items,
        "contents": items,
    }


def _catalogue():
    return hsds.Catalogue(db_session(), current_app.extensions["concerto.registry"], _language())


@blueprint.get("/")
def about():
    return jsonify(
        {
            "version": hsds.HSDS_VERSION,
            "profile": "https://docs.openreferral.org/en/v3.0/",
            "openapi_url": url_for("api.openapi", _external=True),
        }
    )


@blueprint.get("/services")
@anonymous_page
def services():
    session = db_session()
    page, size = _paging()
    statement = hsds.published(session)
    raw = request.args.get("modified_after")
    if raw:
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        except (ValueError, OverflowError):  # 0001-01-01T00:00+14:00 is before year 1 in UTC
            return problem(400, "modified_after: give an ISO 8601 date-time.")
        statement = hsds.published(session, since)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    found = session.scalars(statement.offset((page - 1) * size).limit(size)).all()
    catalogue = _catalogue()
    catalogue.load_assurances(service.id for service in found)
    items = [hsds.service_document(service, catalogue) for service in found]
    # A service changes in the public inventory when the committee approves or withdraws
    # it, not only when it is edited: last_modified says the later of the two.
    changed = hsds.last_public_changes(session, [service.id for service in found])
    for service, item in zip(found, items, strict=True):
        moment = changed.get(service.id)
        if moment is not None and moment > service.updated_at:
            item["last_modified"] = moment.isoformat()
    if raw:
        # Deleted services follow the others as tombstones (status "defunct").
        gone = hsds.deleted_since(session, since)
        start = max(0, (page - 1) * size - total)
        room = size - len(items)
        items += [hsds.tombstone(event, catalogue.language) for event in gone[start : start + room]]
        total += len(gone)
    return jsonify(_page(items, total, page, size))


@blueprint.get("/services/<identifier>")
@anonymous_page
def service(identifier: str):
    service_id = hsds.id_of("service", identifier)
    found = (
        db_session().get(Service, service_id, options=[selectinload(Service.locations)])
        if service_id
        else None
    )
    if found is None or found.published_at is None:
        return problem(404, "No published service has this identifier.")
    return jsonify(hsds.service_document(found, _catalogue()))


@blueprint.get("/organizations")
def organizations():
    session = db_session()
    catalogue = _catalogue()
    seen = {}
    for found in session.scalars(hsds.published(session)):
        organization = catalogue.organization(found)
        seen.setdefault(organization["id"], organization)
    page, size = _paging()
    items = list(seen.values())
    return jsonify(_page(items[(page - 1) * size : page * size], len(items), page, size))


@blueprint.get("/taxonomies")
def taxonomies():
    page, size = _paging()
    items = _catalogue().taxonomies()
    return jsonify(_page(items[(page - 1) * size : page * size], len(items), page, size))


@blueprint.get("/export.json")
def export():
    """The whole published inventory in one document, streamed."""
    language = _language()
    stream = hsds.export(db_session(), current_app.extensions["concerto.registry"], language)
    return Response(
        stream_with_context(stream),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="concerto-hsds-{language}.json"'},
    )
