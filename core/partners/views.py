"""The register of outside partners: the list, adding a partner and changing one; and the
``on_behalf`` filter that names whom a member, an attendance row or an action's owner acts
for (an authority or a partner) on every page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import db_session
from core.partners import services as partners
from core.partners.models import KIND_LABELS, PARTNER_LANGUAGES, Partner
from core.permissions import can, current, require
from core.validation import Invalid
from core.web import attempt, get_or_404

blueprint = Blueprint("partners", __name__)

FIELDS = ("name_nl", "name_fr", "kind", "contact_name", "email", "language", "notes")


@blueprint.app_template_filter("on_behalf")
def on_behalf(record, short: bool = False) -> str:
    return partners.on_behalf_name(record, short=short)


@blueprint.app_template_filter("partner_name")
def partner_name(partner: Partner) -> str:
    return partners.name_of(partner)


@blueprint.app_template_filter("involved_names")
def involved_names(involved: list[str]) -> list[str]:
    return partners.involved_names(db_session(), involved)


def _partner(partner_id: int) -> Partner:
    return get_or_404(Partner, partner_id)


def _language_choices() -> list[tuple[str, str]]:
    # Each language named in itself, as the member form offers them.
    names = {"nl": "Nederlands", "fr": "Français", "en": "English"}
    return [(code, names[code]) for code in PARTNER_LANGUAGES]


@blueprint.get("/partners")
def index():
    require("partners.read")
    return render_template(
        "partners/index.html",
        partners=partners.register(db_session()),
        kind_labels=KIND_LABELS,
        may_manage=can(current(), "partners.manage"),
    )


def _form(partner: Partner | None):
    require("partners.manage")
    session = db_session()
    if partner is None:
        values = {"language": "nl"}
    else:
        values = {key: getattr(partner, key) or "" for key in FIELDS}
        values["version"] = partner.version
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in FIELDS}
        values["version"] = request.form.get("version", "")
        if partner is None:
            outcome = attempt(lambda session: partners.create_partner(session, values))
            done = _("The partner was added to the register.")
        else:
            outcome = attempt(
                lambda session: partners.update_partner(session, partner, values, values["version"])
            )
            done = _("The partner was saved.")
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("partners.index") + f"#partner-{outcome.result.id}")
        if outcome.invalid is not None:
            errors, status = partners.messages(Invalid(outcome.invalid)), 422
        elif outcome.stale:
            # The rollback left the record to be read again: the form gets its new version.
            session.refresh(partner)
            values["version"] = partner.version
            flash(
                _(
                    "Someone else saved this partner in the meantime. Your text is still in "
                    "the form; save again to keep it."
                ),
                "error",
            )
            status = 409
    return render_template(
        "partners/form.html",
        partner=partner,
        values=values,
        errors=errors,
        kinds=list(KIND_LABELS.items()),
        partner_languages=_language_choices(),
    ), status


@blueprint.route("/partners/new", methods=["GET", "POST"])
def new():
    return _form(None)


@blueprint.route("/partners/<int(max=2147483647):partner_id>/edit", methods=["GET", "POST"])
def edit(partner_id: int):
    return _form(_partner(partner_id))
