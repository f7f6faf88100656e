"""Browse and export the audit log: secretaries and administrators only."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)

from core.audit import words
from core.audit.services import FILTERS, export_csv, query
from core.db import db_session
from core.permissions import require

blueprint = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 200


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "").strip()[:64] for key in FILTERS}


@blueprint.get("/")
def log():
    require("audit.read")
    filters = _filters()
    entries = db_session().scalars(query(filters, limit=PAGE_SIZE)).all()
    return render_template(
        "audit/log.html",
        entries=entries,
        filters=filters,
        limit=PAGE_SIZE,
        words=words,
        kinds=words.record_kinds(current_app.extensions["concerto.registry"]),
        authority_codes=sorted(current_app.extensions["concerto.registry"].authorities),
    )


@blueprint.get("/export.csv")
def export():
    require("audit.read")
    filters = _filters()
    session = db_session()
    return Response(
        stream_with_context(export_csv(session, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="concerto-audit.csv"'},
    )
