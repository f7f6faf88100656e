"""The webhook pages: the list, registering and changing an endpoint, its secret (shown once),
switching it off and on, and its deliveries with a redelivery button. Administrators reach them
from the administration menu, coordinators from their account."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db_session
from core.i18n import authority_name
from core.identity.models import User
from core.permissions import current, require
from core.web import attempt, field_messages, get_or_404
from core.webhooks import services
from core.webhooks.errors import ERRORS, STATES, reason
from core.webhooks.kinds import kind_choices, kind_label, kinds_in_words
from core.webhooks.models import WebhookDelivery, WebhookEndpoint

blueprint = Blueprint("webhooks", __name__)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    require("webhooks.manage", services.guarded(endpoint))
    return endpoint


def _authorities() -> list[tuple[str, str]]:
    """The authorities an administrator may give an endpoint, by name."""
    codes = current_app.extensions["concerto.registry"].authorities
    return [(code, authority_name(code)) for code in codes]


def _form_values() -> dict:
    return {
        "url": request.form.get("url", ""),
        "description": request.form.get("description", ""),
        "authority": request.form.get("authority", ""),
        "kinds": request.form.getlist("kinds"),
    }


def _form_page(values: dict, errors: dict, endpoint: WebhookEndpoint | None = None):
    principal = current()
    administrator = principal.has("administrator")
    authority = (values.get("authority") or None) if administrator else principal.authority
    if endpoint is not None and not administrator:
        authority = endpoint.authority_code
    return render_template(
        "webhooks/form.html",
        endpoint=endpoint,
        values=values,
        errors=errors,
        administrator=administrator,
        authorities=_authorities(),
        own_authority=authority,
        choices=kind_choices(authority),
        all_choices=kind_choices(None),
        allow_http=current_app.config["CONCERTO"]["webhook_allow_http"],
    ), 422 if errors else 200


@blueprint.get("/webhooks")
def index():
    require("webhooks.manage")
    session = db_session()
    endpoints = services.endpoints_for(session, current())
    owners = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_([e.owner_user_id for e in endpoints]))
        )
    }
    return render_template(
        "webhooks/index.html",
        endpoints=endpoints,
        owners=owners,
        in_words=kinds_in_words,
    )


@blueprint.route("/webhooks/new", methods=["GET", "POST"])
def new():
    require("webhooks.manage")
    if request.method == "GET":
        authority = None if current().has("administrator") else current().authority
        kinds = [kind for _r, _l, pairs in kind_choices(authority) for kind, _w in pairs]
        return _form_page({"kinds": kinds, "authority": authority or ""}, {})
    values = _form_values()
    outcome = attempt(lambda session: services.register(session, current(), values))
    if outcome.invalid is not None:
        return _form_page(values, field_messages(outcome.invalid, ERRORS))
    endpoint, secret = outcome.result
    return render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, new=True), 201


@blueprint.get("/webhooks/<int(max=2147483647):endpoint_id>")
def show(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    session = db_session()
    owner = session.get(User, endpoint.owner_user_id) if endpoint.owner_user_id else None
    deliveries = services.deliveries_of(session, endpoint)
    return render_template(
        "webhooks/show.html",
        endpoint=endpoint,
        owner=owner,
        owner_may_keep=services.owner_principal(session, endpoint) is not None,
        deliveries=deliveries,
        events=services.events_of(session, deliveries),
        in_words=kinds_in_words,
        kind_label=kind_label,
        reason=reason,
        states=STATES,
    )


@blueprint.route("/webhooks/<int(max=2147483647):endpoint_id>/edit", methods=["GET", "POST"])
def edit(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    if request.method == "GET":
        values = {
            "url": endpoint.url,
            "description": endpoint.description,
            "authority": endpoint.authority_code or "",
            "kinds": endpoint.kinds,
        }
        return _form_page(values, {}, endpoint)
    values = _form_values()
    outcome = attempt(
        lambda session: services.update_endpoint(session, endpoint, current(), values)
    )
    if outcome.invalid is not None:
        return _form_page(values, field_messages(outcome.invalid, ERRORS), endpoint)
    flash(_("The webhook was saved."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@blueprint.post("/webhooks/<int(max=2147483647):endpoint_id>/secret")
def rotate(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    session = db_session()
    secret = services.rotate_secret(session, endpoint)
    session.commit()
    return render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, new=False)


@blueprint.post("/webhooks/<int(max=2147483647):endpoint_id>/switch")
def switch(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    session = db_session()
    if request.form.get("on") == "1":
        services.enable(session, endpoint)
        message = _("The webhook is on again; what happened meanwhile is sent too.")
    else:
        services.disable(session, endpoint)
        message = _("The webhook is off: nothing is sent to it until you switch it on.")
    session.commit()
    flash(message, "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@blueprint.post("/webhooks/<int(max=2147483647):endpoint_id>/delete")
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    session = db_session()
    services.delete_endpoint(session, endpoint)
    session.commit()
    flash(_("The webhook was deleted."), "success")
    return redirect(url_for("webhooks.index"))


@blueprint.post(
    "/webhooks/<int(max=2147483647):endpoint_id>/deliveries/"
    "<int(max=2147483647):delivery_id>/redeliver"
)
def redeliver(endpoint_id: int, delivery_id: int):
    endpoint = _endpoint(endpoint_id)
    session = db_session()
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    services.redeliver(session, delivery)
    session.commit()
    if endpoint.enabled:
        flash(_("The message will be sent again within a minute."), "success")
    else:
        flash(_("The message will be sent again once the webhook is switched on."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id) + "#deliveries")
