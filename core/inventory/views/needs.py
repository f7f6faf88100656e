"""The register of needs: signalled by the prisons' people, answered by services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db_session
from core.i18n import current_language
from core.inventory import needs as register
from core.inventory.errors import ERRORS
from core.inventory.models import LANGUAGE_CODES, Need
from core.inventory.views.common import blueprint, reference_lists, say_why
from core.links import services as links
from core.links.forms import picker_context, searching
from core.permissions import can, current, require
from core.reference.services import prisons_open
from core.web import attempt, field_messages

NEED_STATE_LABELS = {
    "open": _l("open"),
    "being_addressed": _l("being addressed"),
    "answered": _l("answered"),
    "closed": _l("closed"),
}


@blueprint.app_template_filter("need_state")
def need_state(state: str) -> str:
    return str(NEED_STATE_LABELS.get(state, state))


def _need_form_values(form) -> dict:
    values = {
        key: form.get(key, "")
        for key in ("prison", "domain", "target_group", "language")
        + tuple(f"description_{lang}" for lang in ("nl", "fr", "en"))
    }
    if "status" in form:
        values["status"] = form.get("status")
    if "goal" in form:
        values["goal"] = form.get("goal", "")
    # The pickers (core.links): chosen records as "kind:id"; a picker whose every record was
    # unchecked sends only its search box, and that empties the list.
    if "services" in form or "services_q" in form:
        sent = [
            value.strip().removeprefix("service:")
            for value in form.getlist("services")
            if value.strip()
        ]
        # Not a number of a service: 0, which no service has, so it is refused as unknown.
        values["services"] = [
            int(ident) if ident.isdecimal() and len(ident) < 10 else 0 for ident in sent
        ]
    if "links" in form or "links_q" in form:
        values["links"] = form.getlist("links")
    return values


def _need_pickers(session, form, need: Need | None) -> dict:
    """The need's two pickers: the services that answer it, and its other links."""
    principal = current()
    stored = [{"kind": "service", "id": s.id} for s in need.services] if need else []
    return {
        "services_picker": picker_context(
            session, principal, form, "services", stored, kinds=("service",)
        ),
        "links_picker": picker_context(
            session, principal, form, "links", need.links if need else []
        ),
        "linked": links.describe(session, principal, need.links, current_language())
        if need and need.links
        else [],
    }


@blueprint.get("/needs")
def needs():
    require("needs.read")
    filters = {key: (request.args.get(key) or "")[:32] for key in ("prison", "domain", "status")}
    session = db_session()
    found = session.scalars(register.listing(session, filters)).all()
    # A closed prison is a choice only while a need of the register names it.
    named = set(session.scalars(select(Need.prison_code).distinct()))
    open_today = {p.code for p in prisons_open(session)}
    reference = reference_lists(session)
    return render_template(
        "inventory/needs.html",
        needs=found,
        filters=filters,
        states=NEED_STATE_LABELS,
        may_signal=can(current(), "needs.signal"),
        **{
            **reference,
            "prisons": [p for p in reference["prisons"] if p.code in open_today | named],
        },
    )


@blueprint.route("/needs/new", methods=["GET", "POST"])
def signal_need():
    require("needs.signal")
    session = db_session()
    values, errors = {}, {}
    if request.method == "POST" and searching(request.form):
        values = request.form.to_dict()  # "Search" for a link without JavaScript: shown again
    elif request.method == "POST":
        values = _need_form_values(request.form)
        outcome = attempt(lambda work: register.signal(work, values, current()))
        if outcome.ok:
            flash(_("The need was added to the register."), "success")
            return redirect(url_for("inventory.needs"))
        if outcome.invalid is None:
            say_why(outcome, ERRORS)
            return redirect(url_for("inventory.needs"))
        errors = field_messages(outcome.invalid, ERRORS)
    return render_template(
        "inventory/need_form.html",
        values=request.form.to_dict() if request.method == "POST" else values,
        errors=errors,
        need=None,
        language_codes=LANGUAGE_CODES,
        states=NEED_STATE_LABELS,
        **_need_pickers(session, request.form if request.method == "POST" else None, None),
        **{**reference_lists(session), "prisons": prisons_open(session)},
    ), 422 if errors else 200


@blueprint.route("/needs/<int(max=2147483647):need_id>", methods=["GET", "POST"])
def need(need_id: int):
    require("needs.read")
    session = db_session()
    found = session.get(Need, need_id)
    if found is None:
        abort(404)
    errors, searched = {}, False
    open_today = {p.code for p in prisons_open(session)}
    if request.method == "POST" and searching(request.form):
        require("needs.edit", found)
        searched = True  # "Search" for a link without JavaScript: shown again, nothing saved
    elif request.method == "POST":
        require("needs.edit", found)
        values = _need_form_values(request.form)
        outcome = attempt(lambda work: register.update(work, found, values, current()))
        if outcome.ok:
            flash(_("The need was updated."), "success")
            return redirect(url_for("inventory.need", need_id=need_id))
        if outcome.invalid is None:
            say_why(outcome, ERRORS)
            return redirect(url_for("inventory.need", need_id=need_id))
        errors = field_messages(outcome.invalid, ERRORS)
    return render_template(
        "inventory/need_form.html",
        values={
            "prison": found.prison_code,
            "domain": found.domain_code,
            "target_group": found.target_group,
            "language": found.language,
            "status": found.status,
            "goal": found.goal.code if found.goal else "",
            **{
                f"description_{lang}": found.texts("description")[lang]
                for lang in ("nl", "fr", "en")
            },
        },
        errors=errors,
        searched=searched,
        need=found,
        may_edit=can(current(), "needs.edit", found),
        **_need_pickers(session, request.form if request.method == "POST" else None, found),
        language_codes=LANGUAGE_CODES,
        states=NEED_STATE_LABELS,
        # The prisons open today, and the need's own if it has closed since.
        **{
            **reference_lists(session),
            "prisons": [
                p
                for p in reference_lists(session)["prisons"]
                if p.code == found.prison_code or p.code in open_today
            ],
        },
    ), 422 if errors else 200
