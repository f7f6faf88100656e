"""The organisations that provide services, each of one authority."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db_session
from core.inventory import organizations
from core.inventory.errors import ERRORS, ORGANIZATION_ERRORS
from core.inventory.models import Organization
from core.inventory.views.common import blueprint, own_authority, say_why
from core.permissions import can, current, require
from core.web import attempt, field_messages


@blueprint.get("/organizations")
def organizations_list():
    session = db_session()
    found = session.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template(
        "inventory/organizations.html",
        organizations=found,
        may_add=can(current(), "inventory.edit", current().authority),
    )


@blueprint.route("/organizations/new", methods=["GET", "POST"], defaults={"organization_id": None})
@blueprint.route(
    "/organizations/<int(max=2147483647):organization_id>/edit", methods=["GET", "POST"]
)
def organization_form(organization_id: int | None):
    session = db_session()
    found = None
    if organization_id is not None:
        found = session.get(Organization, organization_id)
        if found is None:
            abort(404)
        require("inventory.edit", found.authority_code)
        code = found.authority_code
    else:
        code = own_authority().code
    values = {key: getattr(found, key) for key in organizations.FIELDS} if found else {}
    errors = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in organizations.FIELDS}
        if found is not None:
            values["external_id"] = found.external_id
        outcome = attempt(lambda work: organizations.save(work, code, values, found))
        if outcome.ok:
            flash(_("The organisation was saved."), "success")
            return redirect(url_for("inventory.organizations_list"))
        if outcome.invalid is None:
            say_why(outcome, ERRORS)
            return redirect(url_for("inventory.organizations_list"))
        errors = field_messages(outcome.invalid, {**ERRORS, **ORGANIZATION_ERRORS})
    return render_template(
        "inventory/organization_form.html", organization=found, values=values, errors=errors
    ), 422 if errors else 200
