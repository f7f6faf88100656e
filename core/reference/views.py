"""Public pages of the reference data: authorities with their roles and vocabulary, prisons,
domains, target groups, and the strategic plan."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db_session
from core.goals.models import Goal, Plan
from core.permissions import can, current, require
from core.reference.errors import PROFILE_ERRORS
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup
from core.reference.services import PROFILE_FIELDS, profile_values, update_profile
from core.web import attempt, field_messages

blueprint = Blueprint("reference", __name__)


def _registry():
    return current_app.extensions["concerto.registry"]


@blueprint.get("/authorities")
def authorities():
    return render_template(
        "reference/authorities.html", authorities=list(_registry().authorities.values())
    )


@blueprint.get("/authorities/<code>")
def authority(code: str):
    found = _registry().authorities.get(code)
    if found is None:
        abort(404)
    session = db_session()
    domains = {d.code: d for d in session.scalars(select(ServiceDomain))}
    return render_template(
        "reference/authority.html",
        authority=found,
        profile=session.get(Authority, code),
        domains=domains,
        may_edit=can(current(), "authority.edit", code),
    )


@blueprint.route("/authorities/<code>/edit", methods=["GET", "POST"])
def edit_authority(code: str):
    session = db_session()
    record = session.get(Authority, code)
    if record is None:
        abort(404)
    require("authority.edit", record)
    found = _registry().authorities.get(code)
    if request.method == "GET":
        return render_template(
            "reference/authority_edit.html",
            authority=found,
            values=profile_values(record),
            version=record.version,
            errors={},
            theirs=None,
        )
    values = {name: request.form.get(name, "") for name in PROFILE_FIELDS}
    version = request.form.get("version", type=int) or 0
    outcome = attempt(lambda session: update_profile(session, record, values, version))
    if outcome.ok:
        flash(_("The profile was saved."), "success")
        return redirect(url_for("reference.authority", code=code))
    errors = field_messages(outcome.invalid or {}, PROFILE_ERRORS)
    theirs = None
    if outcome.stale:
        # Someone saved in between: show their version (read again after the rollback)
        # beside this one and keep both.
        record = session.get(Authority, code)
        theirs = profile_values(record)
        version = record.version
    return render_template(
        "reference/authority_edit.html",
        authority=found,
        values=values,
        version=version,
        errors=errors,
        theirs=theirs,
    ), 409 if theirs else 422


@blueprint.get("/reference")
def reference_data():
    session = db_session()
    return render_template(
        "reference/reference.html",
        prisons=session.scalars(select(Prison).order_by(Prison.opened_on, Prison.code)).all(),
        domains=session.scalars(select(ServiceDomain).order_by(ServiceDomain.position)).all(),
        target_groups=session.scalars(select(TargetGroup).order_by(TargetGroup.position)).all(),
        today=date.today(),
    )


@blueprint.get("/plans")
def plans():
    found = db_session().scalars(select(Plan).order_by(Plan.start_year.desc())).all()
    return render_template("reference/plans.html", plans=found)


@blueprint.get("/plans/<code>")
def plan(code: str):
    found = db_session().scalar(
        select(Plan)
        .where(Plan.code == code)
        .options(selectinload(Plan.goals).selectinload(Goal.children))
    )
    if found is None:
        abort(404)
    return render_template("reference/plan.html", plan=found)
