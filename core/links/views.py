"""The link picker's search: htmx gets a list of buttons; without JavaScript the same
address is a plain search page (core.links.forms serves the pickers in forms)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from core.db import db_session
from core.i18n import current_language
from core.links import services as links
from core.permissions import current

blueprint = Blueprint("links", __name__)


def _kinds(raw: list[str]) -> tuple[str, ...]:
    return tuple(kind for kind in raw if kind in links.KINDS) or links.KINDS


@blueprint.get("/links/search")
def search():
    principal = current()
    if not principal.is_authenticated:
        abort(401)
    field = request.args.get("field", "links")[:40]
    query = (request.args.get(f"{field}_q") or request.args.get("q") or "")[: links.LONGEST_QUERY]
    kinds = _kinds(request.args.getlist("kinds"))
    chosen = set(request.args.getlist(field))
    found = [
        result
        for result in links.search(db_session(), principal, query, current_language(), kinds)
        if result.value not in chosen
    ]
    if request.headers.get("HX-Request"):
        return render_template(
            "links/_results.html", field=field, results=found, query=query.strip()
        )
    return render_template(
        "links/search.html",
        results=found,
        query=query.strip(),
        kinds=kinds,
        every_kind=links.KINDS,
        kind_labels=links.KIND_LABELS,
    )


@blueprint.app_template_global("described_links")
def described_links(stored: list[dict] | None = None, kind: str | None = None, records=()):
    """Links as the reader sees them, for a page's template (links/_shown.html): a record's
    stored links, or records of one kind that a table links (a workshop report's goals)."""
    if kind is not None:
        stored = [{"kind": kind, "id": record.id} for record in records]
    return links.describe(db_session(), current(), stored or [], current_language())
