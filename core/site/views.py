"""The site's frame: home page, language switch, health."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from core.config import LANGUAGES
from core.db import db_session
from core.goals.lookup import current_plan
from core.goals.models import Goal
from core.reference.models import ServiceDomain
from core.reference.services import prisons_open
from core.security import safe_next

blueprint = Blueprint("site", __name__)


@blueprint.get("/")
def home():
    session_ = db_session()
    registry = current_app.extensions["concerto.registry"]
    try:
        counts = {
            "domains": session_.scalar(select(func.count()).select_from(ServiceDomain)),
            "prisons": len(prisons_open(session_)),  # today's: Vorst and Berkendael closed
            "goals": session_.scalar(select(func.count()).select_from(Goal)),
        }
        plan = current_plan(session_)  # the plan whose goal codes the platform reads
    except SQLAlchemyError:
        counts, plan = None, None
    return render_template(
        "site/home.html",
        authorities=list(registry.authorities.values()),
        counts=counts,
        plan=plan,
    )


@blueprint.get("/language/<code>")
def set_language(code: str):
    """The language switch on every page. The choice is kept for the rest of the visit."""
    target = safe_next(request.args.get("next"))
    if code in LANGUAGES:
        session["language"] = code
    else:
        flash(_("That language is not available. Choose Dutch, French or English."), "warning")
    return redirect(target)


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask this address whatever the page links; the same icon."""
    return send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


@blueprint.get("/healthz")
def healthz():
    """Liveness: is the database reachable, which plugins run, does the scheduler run."""
    registry = current_app.extensions["concerto.registry"]
    database = current_app.extensions["concerto.db"]
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database_state = "ok"
    except SQLAlchemyError as error:
        database_state = f"error: {type(error).__name__}"
    scheduler = current_app.extensions.get("concerto.scheduler")
    body = {
        "status": "ok" if database_state == "ok" else "degraded",
        "database": database_state,
        "plugins": {
            plugin.name: {"status": plugin.status, "version": plugin.version}
            | ({"reason": plugin.reason} if plugin.reason else {})
            for plugin in registry.plugins.values()
        },
        "scheduler": "running" if scheduler is not None and scheduler.running else "stopped",
    }
    return jsonify(body), 200 if database_state == "ok" else 503
