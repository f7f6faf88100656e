"""A service's page and its history, with what the pages that keep the inventory true add
to it (its confirmation, likely duplicates and open error reports) and to the review queue."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_babel import ngettext
from sqlalchemy import func, select

from core.db import db_session
from core.i18n import current_language
from core.inventory import comments as service_comments
from core.inventory import duplicates, verification
from core.inventory import services as inventory
from core.inventory.access import service_or_404
from core.inventory.changes import Names, describe_changes, step_label
from core.inventory.models import ErrorReport, Service, ServiceAssurance, ServiceVersion
from core.inventory.page_cache import anonymous_page
from core.inventory.views.common import (
    blueprint,
    reference_lists,
    registry,
)
from core.permissions import can, current


def _public(service: Service) -> bool:
    return service.published_at is not None and service.active and service.state != "withdrawn"


@blueprint.get("/services/<int(max=2147483647):service_id>")
@anonymous_page
def show(service_id: int):
    return service_page(service_or_404(service_id))


def service_page(service: Service, status: int = 200, **extra):
    """The service's page; ``extra`` for a form sent back with its errors (report an
    error)."""
    session = db_session()
    authority = registry().authorities.get(service.authority_code)
    context = service_page_extras(service) | extra
    return render_template(
        "inventory/service.html",
        service=service,
        authority=authority,
        category=next(
            (t for t in (authority.vocabulary if authority else []) if t.code == service.category),
            None,
        ),
        may_edit=can(current(), "inventory.edit", service),
        may_review=can(current(), "inventory.review"),
        pending=pending_changes(service) if service.pending else [],
        comments=(
            service_comments.comments_of(session, service)
            if can(current(), "inventory.read_unpublished", service)
            else None
        ),
        **reference_lists(session),
        **context,
    ), status


@blueprint.get("/services/<int(max=2147483647):service_id>/history")
def history(service_id: int):
    service = service_or_404(service_id)
    if not can(current(), "inventory.read_unpublished", service):
        abort(403 if current().is_authenticated else 401)
    session = db_session()
    versions = session.scalars(
        select(ServiceVersion)
        .where(ServiceVersion.service_id == service.id)
        .order_by(ServiceVersion.number.desc())
    ).all()
    authority = registry().authorities.get(service.authority_code)
    names = Names.load(session, current_language())
    described = [
        (version, step_label(version.action), describe_changes(version.changes, authority, names))
        for version in versions
    ]
    return render_template("inventory/history.html", service=service, versions=described)


def pending_changes(service: Service, names: Names | None = None) -> list:
    """What a published service's waiting changes would change, in words: what the
    committee reviews."""
    if not service.pending:
        return []
    published = inventory.record_of(service)
    return describe_changes(
        inventory.diff(published, {**published, **service.pending}),
        registry().authorities.get(service.authority_code),
        names or Names.load(db_session(), current_language()),
    )


# --- what keeping the inventory true adds (issue 23) ---------------------------------------


def likely_duplicates_of(session, service: Service) -> list[dict]:
    """The likely duplicates of ``service`` the reader may see, as the pages list them."""
    found = duplicates.find(session, [service]).get(service.id, [])
    shown = duplicates.visible(found, session, current())
    others = {
        other.id: other
        for other in session.scalars(
            select(Service).where(Service.id.in_([match.other_id for match in shown]))
        )
    }
    return [
        {"match": match, "service": others[match.other_id]}
        for match in shown
        if match.other_id in others
    ]


def service_page_extras(service: Service) -> dict:
    """What the service's page shows of this feature: its last confirmation, the button to
    confirm it, its likely duplicates (for who edits or reviews it), its open reports (for
    who handles them) and the form to report an error (for everyone, once published)."""
    session = db_session()
    principal = current()
    public = _public(service)
    assurance = session.get(ServiceAssurance, service.id)
    since = verification.year_start(verification.this_year())
    may_edit = can(principal, "inventory.edit", service)
    may_review = can(principal, "inventory.review")
    handles = can(principal, "inventory.handle_reports", service)
    return {
        "assurance": assurance,
        "confirmed_this_year": verification.confirmed_since(assurance, since),
        "may_confirm": public and can(principal, "inventory.confirm", service),
        "reportable": public,
        "report_values": {},
        "report_errors": {},
        "likely_duplicates": likely_duplicates_of(session, service)
        if (may_edit or may_review) and service.state != "withdrawn"
        else [],
        "open_reports": session.scalar(
            select(func.count())
            .select_from(ErrorReport)
            .where(ErrorReport.service_id == service.id, ErrorReport.status == "open")
        )
        if handles
        else 0,
    }


def review_extras(session, waiting: list[Service]) -> dict:
    """What the review queue shows of this feature: each waiting service's likely
    duplicates and last confirmation, and how many published services of each authority
    wait for confirmation this year."""
    found = duplicates.find(session, waiting)
    ids = {match.other_id for matches in found.values() for match in matches}
    others = (
        {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(sorted(ids))))}
        if ids
        else {}
    )
    year = verification.this_year()
    since = verification.year_start(year)
    return {
        "duplicates": {
            service_id: [
                {"match": match, "service": others[match.other_id]}
                for match in matches
                if match.other_id in others
            ]
            for service_id, matches in found.items()
        },
        "assured": verification.assurances(session, (service.id for service in waiting)),
        "since": since,
        "year": year,
        "verification_counts": verification.counts(session, since),
    }


def tell_likely_duplicates(service_id: int) -> None:
    """After a submission: a notice to the coordinator when the service looks like others
    already in the inventory (the committee will see them too). Not a refusal."""
    session = db_session()
    service = session.get(Service, service_id)
    if service is None or service.state != "submitted":
        return
    found = likely_duplicates_of(session, service)
    if found:
        flash(
            ngettext(
                "This service looks like %(num)d other service in the inventory, listed below. "
                "The committee sees it beside yours; if it is the same offer, change yours or "
                "tell the committee.",
                "This service looks like %(num)d other services in the inventory, listed "
                "below. The committee sees them beside yours; if one is the same offer, change "
                "yours or tell the committee.",
                len(found),
            ),
            "warning",
        )
