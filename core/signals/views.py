"""The pages of the register of signals and recommendations (logic in services.py)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db_session
from core.forms import FormFields
from core.i18n import current_language
from core.inventory.exchange import safe_cell
from core.links import services as links
from core.links.forms import picker_context, searching
from core.permissions import can, current, require
from core.reference.models import Prison, ServiceDomain
from core.reports.writers import csv_table
from core.signals import services as register
from core.signals.errors import ERRORS
from core.signals.models import Signal
from core.web import attempt, field_messages, get_or_404, stale_message, step_and_redirect

blueprint = Blueprint("signals", __name__)

FORM_FIELDS = (
    *(f"{name}_{lang}" for name in ("title", "text", "answer", "summary") for lang in ("nl", "fr")),
    "prison",
    "domain",
    "addressee_kind",
    "addressee",
    "status",
    "sent_on",
    "answered_on",
)


SIGNAL_FORM = FormFields(texts=FORM_FIELDS, only_sent=True)


def _form_values(form) -> dict:
    values = SIGNAL_FORM.read(form)
    # A picker whose every record was unchecked sends only its search box: no links then.
    if "links" in form or "links_q" in form:
        values["links"] = form.getlist("links")
    return values


def _stored_values(signal: Signal) -> dict:
    values = {key: getattr(signal, key, None) for key in FORM_FIELDS}
    values.update(
        prison=signal.prison_code or "",
        domain=signal.domain_code or "",
        sent_on=signal.sent_on.isoformat() if signal.sent_on else "",
        answered_on=signal.answered_on.isoformat() if signal.answered_on else "",
    )
    return values


def _choices(session) -> dict:
    language = current_language()
    prisons = session.scalars(select(Prison).order_by(Prison.code)).all()
    domains = session.scalars(select(ServiceDomain).order_by(ServiceDomain.position)).all()
    return {
        "prisons": [(p.code, p.local("name", language)) for p in prisons],
        "domains": [(d.code, d.local("name", language)) for d in domains],
        "states": [(code, str(label)) for code, label in register.STATE_LABELS.items()],
        "addressee_kinds": [
            (code, str(label)) for code, label in register.ADDRESSEE_LABELS.items()
        ],
    }


def _page(signal: Signal | None, values: dict, errors: dict, status: int = 200):
    session = db_session()
    principal = current()
    sent = request.form if request.method == "POST" and "publish" not in request.path else None
    return render_template(
        "signals/form.html",
        signal=signal,
        values=values,
        errors=errors,
        may_edit=signal is None or can(principal, "signals.edit", signal),
        may_publish=can(principal, "signals.publish"),
        links_picker=picker_context(
            session, principal, sent, "links", signal.links if signal else []
        ),
        linked=links.describe(session, principal, signal.links, current_language())
        if signal is not None and signal.links
        else [],
        **_choices(session),
    ), status


@blueprint.app_template_filter("signal_state")
def signal_state(code: str) -> str:
    return str(register.STATE_LABELS.get(code, ""))


@blueprint.app_template_filter("addressee_kind")
def addressee_kind(code: str) -> str:
    return str(register.ADDRESSEE_LABELS.get(code, ""))


@blueprint.get("/signals")
def index():
    require("signals.read")
    session = db_session()
    status = (request.args.get("status") or "")[:16]
    found = session.scalars(register.listing(session, {"status": status})).all()
    return render_template(
        "signals/index.html",
        signals=found,
        status=status,
        states=register.STATE_LABELS,
        figures=register.indicators(session),
        may_write=can(current(), "signals.write"),
    )


@blueprint.get("/signals.csv")
def export():
    require("signals.read")
    rows = register.export_rows(db_session(), current_language())
    safe = [[safe_cell(value) for value in row] for row in rows]
    return Response(
        csv_table(safe),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="concerto-signals.csv"'},
    )


@blueprint.get("/signals/public")
def public():
    """The signals the committee published: their public summary only."""
    return render_template("signals/public.html", signals=register.public_listing(db_session()))


@blueprint.route("/signals/new", methods=["GET", "POST"])
def new():
    require("signals.write")
    if request.method == "POST" and searching(request.form):
        return _page(None, request.form.to_dict(), {})
    if request.method == "POST":
        values = _form_values(request.form)
        outcome = attempt(lambda session: register.create(session, values, current()))
        if not outcome.ok:
            errors = field_messages(outcome.invalid or {}, ERRORS)
            return _page(None, request.form.to_dict(), errors, 422)
        flash(_("The signal was added to the register."), "success")
        return redirect(url_for("signals.show", signal_id=outcome.result.id))
    return _page(None, {"status": "draft", "addressee_kind": "committee"}, {})


def _signal(signal_id: int) -> Signal:
    return get_or_404(Signal, signal_id)


@blueprint.route("/signals/<int(max=2147483647):signal_id>", methods=["GET", "POST"])
def show(signal_id: int):
    require("signals.read")
    found = _signal(signal_id)
    if request.method == "GET":
        return _page(found, _stored_values(found), {})
    require("signals.edit", found)
    if searching(request.form):
        return _page(found, request.form.to_dict(), {})
    values = _form_values(request.form)
    outcome = attempt(
        lambda session: register.update(
            session,
            found,
            values,
            current(),
            request.form.get("version"),
            may_publish=can(current(), "signals.publish"),
        )
    )
    if outcome.invalid is not None:
        errors = field_messages(outcome.invalid, ERRORS)
        return _page(found, request.form.to_dict(), errors, 422)
    if outcome.stale:
        flash(stale_message(), "error")
        return redirect(url_for("signals.show", signal_id=signal_id), 303)
    flash(_("The signal was saved."), "success")
    return redirect(url_for("signals.show", signal_id=signal_id), 303)


@blueprint.post("/signals/<int(max=2147483647):signal_id>/publish")
def publish(signal_id: int):
    require("signals.publish")
    found = _signal(signal_id)
    version = request.form.get("version")
    if request.form.get("step") == "withdraw":
        step = register.withdraw
        done = _("The public summary was withdrawn from the public page.")
    else:
        step = register.publish
        done = _("The public summary is now on the public page.")
    return step_and_redirect(
        lambda session: step(session, found, version),
        messages=ERRORS,
        to=url_for("signals.show", signal_id=signal_id),
        done=done,
    )
