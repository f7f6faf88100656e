"""Administration pages: the plugins and their state, people and their platform roles."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.admin.services import plugin_status
from core.db import db_session
from core.identity.models import PLATFORM_ROLES, User
from core.identity.services import grant_platform_role, revoke_platform_role
from core.identity.words import ROLE_LABELS
from core.permissions import current, require

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.get("/plugins")
def plugins():
    require("admin.plugins")
    registry = current_app.extensions["concerto.registry"]
    engine = current_app.extensions["concerto.db"].engine
    core, plugins = plugin_status(registry, engine)
    return render_template("admin/plugins.html", plugins=plugins, core=core)


@blueprint.get("/users")
def users():
    require("admin.users")
    found = db_session().scalars(
        select(User)
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.display_name)
    )
    return render_template(
        "admin/users.html",
        users=found.all(),
        platform_roles=PLATFORM_ROLES,
    )


@blueprint.post("/users/<int(max=2147483647):user_id>/roles")
def change_roles(user_id: int):
    require("admin.users")
    db = db_session()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    role = request.form.get("role", "")
    if role not in PLATFORM_ROLES:
        abort(400)
    if request.form.get("grant") == "1":
        grant_platform_role(db, user, role, granted_by=current().label)
        message = _("%(name)s is now %(role)s.", name=user.display_name, role=ROLE_LABELS[role])
    else:
        if user.id == current().user_id and role == "administrator":
            # The last door out of the administration must not close behind its user.
            flash(_("You cannot remove your own administrator role."), "warning")
            return redirect(url_for("admin.users"))
        revoke_platform_role(db, user, role)
        message = _(
            "%(name)s is no longer %(role)s.", name=user.display_name, role=ROLE_LABELS[role]
        )
    db.commit()
    flash(message, "success")
    return redirect(url_for("admin.users"))
