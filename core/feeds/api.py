"""``GET /api/v1/changes``: every change the caller may see, in the log's order, a page at a
time with an opaque cursor (core/feeds/services.py). Anonymous callers see the public ones
(the published inventory and the plan); a token sees what its roles let it read."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from core.api.problems import http_problem, invalid_fields
from core.db import db_session
from core.events import log
from core.feeds import services
from core.permissions import current
from core.security import csrf
from core.validation import Invalid

blueprint = Blueprint("feeds_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


@blueprint.get("/changes")
def changes():
    try:
        since = services.parse_since(request.args.get("since"))
        kinds = services.parse_kinds(request.args.get("kinds"))
        limit = services.parse_limit(request.args.get("limit"))
    except Invalid as invalid:
        return invalid_fields(invalid.errors, services.ERRORS)
    page = services.changes_after(db_session(), current(), since, kinds, limit)
    root = request.host_url.rstrip("/")
    return jsonify(
        {
            "changes": [services.change_body(event, root) for event in page.events],
            "next": log.encode(page.next),
            "more": page.more,
        }
    )
