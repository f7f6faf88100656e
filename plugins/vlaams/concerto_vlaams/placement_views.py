"""Pages of the placement sites: the public application form, and the network manager's
list and review (the Flemish Community's coordinators)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from concerto_vlaams import placements
from core.db import db_session
from core.permissions import can, current, granted_scopes, require
from core.site.antispam import anonymous_form_limit, caught_by_honeypot
from core.validation import MESSAGES
from core.web import attempt, field_messages


def placement_blueprint(domain) -> Blueprint:
    _ = domain.gettext
    _l = domain.lazy_gettext
    errors_text = {
        "required": _l("This field is required."),
        "length": _l("This text is too long."),
        "one_line": MESSAGES["one_line"],
        "control": MESSAGES["control"],
        "email": _l("Give an e-mail address such as name@example.be."),
        "legal_form": _l(
            "Only a public service, a municipality, province, community or region, a non-profit "
            "association (vzw/asbl) or a foundation with a social, scientific or cultural aim "
            "can be a placement site."
        ),
        "choice": _l("Choose one of the options."),
        "kbo": _l("Give a company number of 10 digits, such as 0123.456.749."),
        "accept": _l("A placement site must commit to this."),
    }
    labels = {
        "legal_forms": {
            "public_service": _l("public service"),
            "local_or_regional_government": _l("municipality, province, community or region"),
            "non_profit": _l("non-profit association (vzw/asbl)"),
            "foundation": _l("foundation with a social, scientific or cultural aim"),
        },
        "provinces": {
            "antwerpen": _l("Antwerp"),
            "limburg": _l("Limburg"),
            "oost_vlaanderen": _l("East Flanders"),
            "vlaams_brabant": _l("Flemish Brabant"),
            "west_vlaanderen": _l("West Flanders"),
            "brussel": _l("Brussels"),
        },
        "states": {
            "submitted": _l("waiting for review"),
            "approved": _l("approved"),
            "refused": _l("refused"),
        },
    }
    blueprint = Blueprint("vlaams_placements", __name__, url_prefix="/vlaams/placement-sites")

    @blueprint.before_request
    def _use_plugin_domain():
        domain.as_default()

    @blueprint.context_processor
    def _labels():
        return labels

    def _authority():
        return current_app.extensions["concerto.registry"].authorities["vlaams"]

    def _managed() -> set[str]:
        """The provinces whose applications the person logged in reviews: the network
        manager's province, from their roles at the Flemish provider."""
        scopes = granted_scopes(current(), placements.REVIEW)
        return set(placements.PROVINCES) if None in scopes else set(scopes)

    def _readable() -> set[str]:
        """The provinces whose applications the person may read: every province for the
        Flemish coordinators (who follow the inventory), their own for a network manager.
        Anyone else is refused."""
        if can(current(), "inventory.edit", "vlaams"):
            return set(placements.PROVINCES)
        managed = _managed()
        if not managed:
            require("inventory.edit", "vlaams")  # 401 for a visitor, 403 for the others
        return managed

    @blueprint.route("/apply", methods=["GET", "POST"])
    @anonymous_form_limit
    def apply():
        values = {"language": "nl"}
        errors = {}
        if request.method == "POST" and caught_by_honeypot():
            return render_template("vlaams/placement_thanks.html"), 201  # and nothing stored
        if request.method == "POST":
            values = request.form.to_dict()
            outcome = attempt(lambda session: placements.apply(session, values))
            if outcome.ok:
                return render_template("vlaams/placement_thanks.html"), 201
            errors = field_messages(outcome.invalid or {}, errors_text)
        return render_template(
            "vlaams/placement_form.html", values=values, errors=errors
        ), 422 if errors else 200

    @blueprint.get("")
    def listing():
        readable = _readable()
        state = request.args.get("state", "submitted")
        managed = _managed()
        # A network manager of one province starts with that province's applications.
        default = next(iter(managed)) if len(managed) == 1 else ""
        province = request.args.get("province", default)
        if province not in readable:
            province = ""
        sites = placements.listed(
            db_session(), state if state in placements.STATES else "", province
        )
        return render_template(
            "vlaams/placement_list.html",
            sites=[site for site in sites if site["province"] in readable],
            state=state,
            province=province,
            managed_names=[str(labels["provinces"][code]) for code in sorted(managed)],
            # The filter offers only the provinces the person may read.
            provinces={
                code: label for code, label in labels["provinces"].items() if code in readable
            },
        )

    @blueprint.route("/<int(max=2147483647):site_id>", methods=["GET", "POST"])
    def site(site_id: int):
        readable = _readable()
        session = db_session()
        found = placements.get(session, site_id)
        if found is None:
            abort(404)
        if found["province"] not in readable:
            abort(403)  # another province's network manager
        errors = {}
        managed = _managed()
        if request.method == "POST":
            if not can(current(), placements.REVIEW, found["province"]):
                abort(403)  # only the network manager of the site's province reviews it
            approve = request.form.get("decision") == "approve"
            reason = request.form.get("reason", "")

            def review(session):
                placements.review(session, found, approve, reason, current(), _authority())
                placements.tell_applicant(session, found, approve, reason)

            outcome = attempt(review)
            if outcome.ok:
                flash(
                    _(
                        "The site is approved; it is submitted to the committee as a service "
                        "of the inventory."
                    )
                    if approve
                    else _("The application is refused; the applicant is told why."),
                    "success",
                )
                return redirect(url_for("vlaams_placements.listing"))
            if outcome.refused is not None:
                flash(_("This application has already been reviewed."), "error")
                return redirect(url_for("vlaams_placements.site", site_id=site_id))
            errors = field_messages(outcome.invalid or {}, errors_text)
        return render_template(
            "vlaams/placement.html", site=found, errors=errors, managed=managed
        ), 422 if errors else 200

    return blueprint
