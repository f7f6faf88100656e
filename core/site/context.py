"""What every page template can use, and the error pages."""

from __future__ import annotations

import logging

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.api.problems import DETAILS, problem
from core.permissions import can, current
from core.site.navigation import navigation_html

log = logging.getLogger("concerto")

PLATFORM_ROLE_LABELS = {
    "coordinator": _l("Coordinator: edits the authority's own records and makes its reports"),
    "member": _l("Committee member: reads everything shared, reviews and comments"),
    "viewer": _l("Viewer: reads what is shared"),
}


def init_site(app) -> None:
    @app.context_processor
    def _principal():
        return {"principal": current()}

    app.jinja_env.globals.update(
        can=lambda action, record=None: can(current(), action, record),
        navigation_html=navigation_html,
        platform_role_label=lambda code: str(PLATFORM_ROLE_LABELS.get(code, code)),
    )

    @app.errorhandler(401)
    def _login_required(_error):
        if request.path.startswith("/api/"):
            return problem(401, DETAILS[401]())
        return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(403)
    def _forbidden(_error):
        if request.path.startswith("/api/"):
            return problem(403, DETAILS[403]())
        return render_template(
            "site/error.html",
            status=403,
            title=_l("Not allowed"),
            message=_l(
                "Your roles do not allow this. If you think they should, ask the coordinator "
                "of your authority or the committee secretariat."
            ),
        ), 403

    @app.errorhandler(CSRFError)
    def _form_expired(_error):
        if request.path.startswith("/api/"):
            return problem(400, str(_l("The form has expired.")))
        return render_template(
            "site/error.html",
            status=400,
            title=_l("The form has expired"),
            message=_l(
                "For your safety a form can only be sent from a page of this site opened in "
                "this session. Go back, reload the page, and send the form again."
            ),
        ), 400

    @app.errorhandler(429)
    def _too_many(_error):
        if request.path.startswith("/api/"):
            return problem(429, str(_l("Wait a minute, then try again.")))
        if request.blueprint == "identity":
            title, message = (
                _l("Too many login attempts from your address."),
                _l("Wait a minute, then try again."),
            )
        else:  # a public form sent too often (core.site.antispam): nothing was stored
            title, message = (
                _l("Too many forms sent from your address."),
                _l("Nothing was stored. Try again in an hour."),
            )
        return render_template("site/error.html", status=429, title=title, message=message), 429

    @app.errorhandler(413)
    def _too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        message = _l("What you sent is larger than %(size)d MB; nothing was stored.", size=limit)
        if request.path.startswith("/api/"):
            return problem(413, str(message))
        return render_template(
            "site/error.html", status=413, title=_l("Too large"), message=message
        ), 413

    @app.errorhandler(404)
    def _not_found(_error):
        if request.path.startswith("/api/"):
            return problem(404, DETAILS[404]())
        return render_template(
            "site/error.html",
            status=404,
            title=_l("Page not found"),
            message=_l(
                "There is no page at this address. Check the "
                "address or start again from the home page."
            ),
        ), 404

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)  # every connection busy for too long: come back, as above
    def _database_down(error):
        log.error("database unavailable on %s: %s", request.path, error)
        if request.path.startswith("/api/"):
            answer = problem(
                503, str(_l("The database cannot be reached just now; try again in a minute."))
            )
            answer.headers["Retry-After"] = "60"
            return answer
        page = render_template(
            "site/error.html",
            status=503,
            title=_l("Temporarily unavailable"),
            message=_l(
                "The database cannot be reached just now. "
                "Nothing you sent was lost; try again in a "
                "minute."
            ),
        )
        return page, 503, {"Retry-After": "60"}

    @app.errorhandler(500)
    def _server_error(_error):
        return render_template(
            "site/error.html",
            status=500,
            title=_l("Something went wrong"),
            message=_l(
                "The error has been logged. Try again, or tell "
                "the committee secretary what you were doing."
            ),
        ), 500
