"""Administration pages: the plugins and their state."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from core.admin.services import plugin_status

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.get("/plugins")
def plugins():
    registry = current_app.extensions["concerto.registry"]
    engine = current_app.extensions["concerto.db"].engine
    core, plugins = plugin_status(registry, engine)
    return render_template("admin/plugins.html", plugins=plugins, core=core)
