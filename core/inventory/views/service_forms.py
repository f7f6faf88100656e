"""The inventory's search, a service's form (new and edit), the review workflow (submit,
approve, return, comment) and the review queue."""

from __future__ import annotations

from babel.lists import format_list
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db_session
from core.forms import FormFields
from core.i18n import current_language
from core.inventory import comments as service_comments
from core.inventory import organizations, page_cache, schedules, snippets
from core.inventory import services as inventory
from core.inventory.access import service_or_404
from core.inventory.changes import Names, describe_locations, describe_value, field_label
from core.inventory.errors import ERRORS, WORKFLOW
from core.inventory.lexicon import vocabulary_of
from core.inventory.models import ACCESS, DELIVERY, LANGUAGE_CODES, SETTINGS, Service
from core.inventory.page_cache import anonymous_page
from core.inventory.views.common import (
    blueprint,
    own_authority,
    reference_lists,
    registry,
    say_why,
)
from core.inventory.views.service_page import (
    pending_changes,
    review_extras,
    service_page,
    tell_likely_duplicates,
)
from core.permissions import can, current, require
from core.reference.services import prisons_open
from core.web import attempt, message, stale_message

# --- search --------------------------------------------------------------------------------


@blueprint.get("/services")
@anonymous_page
def search():
    # Only the committee sees services in every state; everyone else, logged in or not,
    # sees the published ones, so they share the results as they share the public page.
    committee = can(current(), "inventory.review")
    filters = _filters(committee)
    return render_template(
        "inventory/search.html",
        filters=filters,
        authorities=registry().authorities,
        results=page_cache.shared_part(
            "search", lambda: _results(filters), scope="committee" if committee else "public"
        ),
    )


def _filters(committee: bool) -> inventory.Filters:
    return inventory.Filters.from_args(
        request.args,
        public_only=not committee,
        reading=current_language(),
        vocabulary=vocabulary_of(registry()),
    )


def _results(filters: inventory.Filters) -> str:
    """The search form, the services found and the pager (_search_results.html)."""
    session = db_session()
    found, total = inventory.find(session, filters)
    facets = inventory.facet_counts(session, filters)
    expansion = filters.expansion(session)
    marked = {}
    if expansion is not None:
        marker = snippets.Marker(expansion, filters.lexicon(session), current_language())
        marked = {
            service.id: (marker.mark(service.local("name").text), marker.snippet(service))
            for service in found
        }
    reference = reference_lists(session)
    open_today = {p.code for p in prisons_open(session, among=reference["prisons"])}
    return render_template(
        "inventory/_search_results.html",
        filters=filters,
        services=found,
        marked=marked,
        total=total,
        pages=max(1, -(-total // filters.per_page)),
        facets=facets,
        authorities=registry().authorities,
        language_codes=LANGUAGE_CODES,
        **{
            **reference,
            # A closed prison is a choice only while a service still lists it.
            "prisons": [
                p
                for p in reference["prisons"]
                if p.code in open_today or facets["prison"][p.code] or filters.prison == p.code
            ],
        },
    )


# --- the form --------------------------------------------------------------------------------


SERVICE_FORM = FormFields(
    texts=(
        *inventory.TEXT_FIELDS,
        *inventory.CONTACT,
        *inventory.NUMBERS,
        *inventory.CHOICES,
        "category",
        "organization_id",
    ),
    flags=("free_of_charge", "waiting_list"),
    lists=("target_groups", "languages"),
)


def _values_from_form(form, authority, prisons) -> dict:
    """The form's values; a prison's row and the authority's own fields are named per prison
    and per field, so they are read here."""
    values = SERVICE_FORM.read(form)
    values["locations"] = [
        {
            "prison": prison.code,
            "schedule": schedules.from_form(form, f"loc_{prison.code}_schedule"),
            "places": form.get(f"loc_{prison.code}_places", ""),
            "notes_nl": form.get(f"loc_{prison.code}_notes_nl", ""),
            "notes_fr": form.get(f"loc_{prison.code}_notes_fr", ""),
        }
        for prison in prisons
        if form.get(f"loc_{prison.code}")
    ]
    values["extra"] = {
        field.name: ("1" if form.get(f"extra_{field.name}") else "0")
        if field.type == "boolean"
        else form.get(f"extra_{field.name}", "")
        for field in authority.service_fields
    }
    return values


def saved_meanwhile(authority, values: dict, theirs: dict) -> dict[str, str]:
    """What another person saved while the reader was editing, in words, for each field where
    it differs from what the reader sent (the form shows it beside the field): the same
    words as the change history, never a code or Python's spelling of a list."""
    names = Names.load(db_session(), current_language())
    said = {}
    for key, saved in theirs.items():
        if key == "extra":
            continue  # the authority's own fields are kept with the form's own notes
        sent = values.get(key)
        if key == "organization_id" and str(sent or "").isdigit():
            sent = int(sent)  # the form sends the chosen organisation's id as text
        if key == "locations":
            mine, theirs_said = describe_locations(sent, names), describe_locations(saved, names)
        else:
            mine = describe_value(key, sent, authority, names)
            theirs_said = describe_value(key, saved, authority, names)
        if str(mine or "") != str(theirs_said or ""):
            said[key] = str(theirs_said or "")
    return said


def _form(authority, values, errors, service=None, theirs=None, version=None, status=200):
    session = db_session()
    return (
        render_template(
            "inventory/form.html",
            authority=authority,
            values=values,
            errors={key: ERRORS.get(code, code) for key, code in errors.items()},
            service=service,
            theirs=theirs,
            theirs_said=saved_meanwhile(authority, values, theirs) if theirs else {},
            version=version,
            choices={"delivery": DELIVERY, "setting": SETTINGS, "access": ACCESS},
            organizations=organizations.of_authority(session, authority.code),
            language_codes=LANGUAGE_CODES,
            closed_prisons={p.code for p in reference_lists(session)["prisons"]}
            - {p.code for p in prisons_open(session)},
            kept_prisons=service.prison_codes() if service else set(),
            **reference_lists(session),
        ),
        status,
    )


@blueprint.route("/services/new", methods=["GET", "POST"])
def new():
    authority = own_authority()
    if request.method == "GET":
        blank = {
            "delivery": "individual",
            "setting": "inside",
            "access": "on_request",
            "free_of_charge": True,
            "locations": [],
            "target_groups": [],
            "languages": [],
        }
        return _form(authority, blank, {})
    prisons = reference_lists(db_session())["prisons"]
    values = _values_from_form(request.form, authority, prisons)
    values["external_id"] = request.form.get("external_id", "")
    outcome = attempt(
        lambda session: inventory.create_service(session, authority, values, current())
    )
    if outcome.invalid is not None:
        return _form(authority, values, outcome.invalid, status=422)
    if not outcome.ok:
        say_why(outcome, ERRORS)
        return _form(authority, values, {}, status=409)
    flash(_("The draft was saved. Submit it when it is complete."), "success")
    return redirect(url_for("inventory.show", service_id=outcome.result.id))


@blueprint.route("/services/<int(max=2147483647):service_id>/edit", methods=["GET", "POST"])
def edit(service_id: int):
    service = service_or_404(service_id)
    require("inventory.edit", service)
    authority = registry().authorities.get(service.authority_code)
    if authority is None:
        flash(str(WORKFLOW["plugin_disabled"]), "warning")
        return redirect(url_for("inventory.show", service_id=service_id))
    if request.method == "GET":
        return _form(
            authority, inventory.working_copy(service), {}, service, version=service.version
        )
    prisons = reference_lists(db_session())["prisons"]
    values = _values_from_form(request.form, authority, prisons)
    version = request.form.get("version", type=int) or 0
    outcome = attempt(
        lambda session: inventory.update_service(
            session, authority, service, values, version, current()
        )
    )
    if outcome.invalid is not None:
        return _form(authority, values, outcome.invalid, service, version=version, status=422)
    if outcome.stale:
        # Someone saved in between: their version beside this one, nothing lost.
        service = service_or_404(service_id)
        return _form(
            authority,
            values,
            {},
            service,
            theirs=inventory.working_copy(service),
            version=service.version,
            status=409,
        )
    if outcome.refused is not None:
        flash(message(outcome.refused, WORKFLOW), "warning")
        return redirect(url_for("inventory.show", service_id=service.id))
    flash(_("Your changes were saved as a draft."), "success")
    return redirect(url_for("inventory.show", service_id=service.id))


# --- the workflow ------------------------------------------------------------------------------


def _step(service_id: int, name: str, done_message: str, **extra):
    permission, step = inventory.STEPS[name]
    service = service_or_404(service_id)
    require(permission, service)
    authority = registry().authorities.get(service.authority_code)
    if authority is None:
        flash(str(WORKFLOW["plugin_disabled"]), "warning")
        return redirect(url_for("inventory.show", service_id=service_id))
    outcome = attempt(lambda session: step(session, authority, service, current(), **extra))
    if outcome.ok:
        flash(done_message, "success")
    elif outcome.invalid is not None:
        labels = dict.fromkeys(str(field_label(key, authority)) for key in sorted(outcome.invalid))
        fields = format_list(list(labels), locale=str(get_locale()))
        flash(_("The service is not complete yet: %(fields)s.", fields=fields), "warning")
    else:
        say_why(outcome, WORKFLOW)
    return redirect(url_for("inventory.show", service_id=service_id))


@blueprint.post("/services/<int(max=2147483647):service_id>/submit")
def submit(service_id: int):
    answer = _step(service_id, "submit", _("The service was submitted to the committee."))
    tell_likely_duplicates(service_id)  # a notice, not a refusal (issue 23)
    return answer


@blueprint.post("/services/<int(max=2147483647):service_id>/approve")
def approve(service_id: int):
    return _step(service_id, "approve", _("The service was approved and published."))


@blueprint.post("/services/<int(max=2147483647):service_id>/return")
def send_back(service_id: int):
    return _step(
        service_id,
        "return",
        _("The service was returned to its author with your comment."),
        comment=request.form.get("comment", ""),
    )


@blueprint.post("/services/<int(max=2147483647):service_id>/comments")
def comment(service_id: int):
    """A comment beside the review; refused, the page comes back with the text kept."""
    service = service_or_404(service_id)
    text = request.form.get("comment_text", "")
    outcome = attempt(lambda session: service_comments.add(session, service, text, current()))
    if outcome.invalid is not None:
        code = outcome.invalid.get("comment_text", "")
        problem = {"required": _("Write your comment first.")}.get(code) or ERRORS.get(code, code)
        return service_page(
            service_or_404(service_id), 422, comment_error=problem, comment_text=text
        )
    if outcome.refused is not None:
        abort(403 if current().is_authenticated else 401)
    if outcome.stale:
        flash(stale_message(), "warning")
        return redirect(url_for("inventory.show", service_id=service_id, _anchor="comments"))
    flash(_("Your comment was added. Those who edited the service are told."), "success")
    return redirect(url_for("inventory.show", service_id=service_id, _anchor="comments"))


@blueprint.get("/services/review")
def review_queue():
    require("inventory.review")
    session = db_session()
    waiting = session.scalars(
        select(Service)
        .where(Service.state == "submitted")
        .options(selectinload(Service.locations))
        .order_by(Service.updated_at)
    ).all()
    names = Names.load(session, current_language())
    # A new service is reviewed whole; a published one, by what its changes would change.
    changes = {service.id: pending_changes(service, names) for service in waiting}
    return render_template(
        "inventory/review.html",
        services=waiting,
        changes=changes,
        **review_extras(session, waiting),
    )
