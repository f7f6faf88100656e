"""Login through an authority's provider, logout, the account page and API tokens."""

from __future__ import annotations

import logging
import secrets
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.db import db_session
from core.i18n import authority_name
from core.identity.errors import FAILURES, TOKEN_ERRORS
from core.identity.models import AUTHORITY_ROLES, ApiToken, Identity, User
from core.identity.oidc import LoginError, Transaction
from core.identity.services import (
    TokenError,
    create_token,
    principal_for,
    revoke_token,
    sign_in,
)
from core.identity.words import ROLE_LABELS
from core.operations.observability import count_login
from core.operations.ratelimits import limiter
from core.permissions import ANONYMOUS, current, require
from core.security import safe_next
from core.validation import Invalid, Refused
from core.web import attempt, field_messages

log = logging.getLogger("concerto.identity")
blueprint = Blueprint("identity", __name__)

# How long a login may take between the redirect and the callback, and how many may be
# pending at once in one browser (several tabs).
TRANSACTION_SECONDS = 600
MAX_PENDING = 5


def _login_limit() -> str:
    return current_app.config["CONCERTO"]["login_rate_limit"]


def login_failed(code: str, authority: str, detail: str, status: int = 400):
    reference = secrets.token_hex(4)
    log.warning("login failed [%s] authority=%s %s: %s", reference, authority, code, detail)
    count_login(authority or "unknown", "failed")
    message, advice = FAILURES[code]
    name = authority_name(authority)
    return (
        render_template(
            "identity/login_failed.html",
            message=message % {"authority": name},
            advice=advice,
            reference=reference,
        ),
        status,
    )


def _provider(code: str):
    return current_app.extensions["concerto.providers"].get(code)


# Where a login leads when it was not started from a page: the person's own work (issue 21).
AFTER_LOGIN = "work.page"


@blueprint.get("/login")
def login():
    registry = current_app.extensions["concerto.registry"]
    providers = current_app.extensions["concerto.providers"]
    demo_users = current_app.extensions.get("concerto.demo_users", {})
    authorities = [
        {
            "code": authority.code,
            "names": authority.names,
            "configured": authority.code in providers,
            "demo_users": demo_users.get(authority.code, []),
        }
        for authority in registry.authorities.values()
    ]
    return render_template(
        "identity/login.html",
        authorities=authorities,
        next_url=safe_next(request.args.get("next"), AFTER_LOGIN),
    )


def _pending() -> dict:
    now = time.time()
    pending = {
        state: data
        for state, data in session.get("oidc_pending", {}).items()
        if now - data["created_at"] < TRANSACTION_SECONDS
    }
    # The oldest logins give way when too many are open.
    return dict(sorted(pending.items(), key=lambda item: item[1]["created_at"])[-MAX_PENDING:])


def _begin(code: str, next_url: str, link_to_user: int | None = None):
    provider = _provider(code)
    if provider is None:
        return login_failed("not_configured", code, f"no [authorities.{code}.oidc]", 404)
    redirect_uri = url_for("identity.callback", code=code, _external=True)
    try:
        url, transaction = provider.begin(
            redirect_uri,
            next_url=next_url,
            link_to_user=link_to_user,
            login_hint=request.args.get("login_hint", "")[:200],
            ui_locales=str(g.get("language", "")),
        )
    except LoginError as error:
        status = 502 if error.code == "provider_unreachable" else 400
        return login_failed(error.code, code, error.detail, status)
    pending = _pending()
    pending[transaction.state] = transaction.to_dict()
    session["oidc_pending"] = pending
    return redirect(url)


@blueprint.get("/auth/<code>/login")
@limiter.limit(_login_limit)
def start(code: str):
    return _begin(code, safe_next(request.args.get("next"), AFTER_LOGIN))


@blueprint.get("/auth/<code>/callback")
@limiter.limit(_login_limit)
def callback(code: str):
    registry = current_app.extensions["concerto.registry"]
    if code not in registry.authorities:
        abort(404)
    pending = _pending()
    data = pending.pop(request.args.get("state", ""), None)
    # The state is single-use whatever happens next.
    session["oidc_pending"] = pending
    if data is None:
        return login_failed("state_invalid", code, "unknown, used or expired state")
    transaction = Transaction.from_dict(data)
    if transaction.authority != code:
        # A response for one authority's login delivered to another's callback: a mix-up.
        return login_failed(
            "wrong_callback", code, f"state belongs to {transaction.authority}, not {code}"
        )
    provider = _provider(code)
    if provider is None:
        return login_failed("not_configured", code, "provider removed during login", 404)
    link_to_user = transaction.link_to_user
    if link_to_user is not None and session.get("user_id") != link_to_user:
        return login_failed("state_invalid", code, "linking user is no longer logged in")
    refused: list[LoginError] = []

    def log_in(db):
        try:
            verified = provider.complete(transaction, request.args.to_dict())
            return verified, *sign_in(db, registry, verified, link_to_user=link_to_user)
        except LoginError as error:
            refused.append(error)  # worded below; core.web rolls back what was begun
            raise Refused(error.code) from error

    outcome = attempt(log_in)
    if refused:
        error = refused[0]
        status = 502 if error.code == "provider_unreachable" else 400
        if error.code == "account_disabled":
            status = 403
        return login_failed(error.code, code, error.detail, status)
    verified, user, identity = outcome.result
    if link_to_user is not None:
        flash(_("The identity was linked to your account."), "success")
        return redirect(url_for("identity.account"))
    session.restart(
        language=session.get("language"),
        user_id=user.id,
        identity_id=identity.id,
        id_token=verified.id_token,
        logged_in_at=time.time(),
    )
    log.info("login user=%s identity=%s authority=%s", user.id, identity.id, code)
    count_login(code, "success")
    return redirect(safe_next(transaction.next_url, AFTER_LOGIN))


@blueprint.post("/logout")
def logout():
    identity_id = session.get("identity_id")
    id_token = session.get("id_token")
    db = db_session()
    identity = db.get(Identity, identity_id) if identity_id else None
    # The visitor's language outlives the login; nothing else does, and the id changes.
    if session.get("language"):
        session.restart(language=session["language"])
    else:
        session.end()
    after = url_for("identity.logged_out", _external=True)
    if identity is not None:
        provider = _provider(identity.authority_code)
        if provider is not None:
            url = provider.end_session_url(id_token, after)
            if url:
                return redirect(url)
    return redirect(after)


@blueprint.get("/logged-out")
def logged_out():
    return render_template("identity/logged_out.html")


# --- account: identities and tokens -----------------------------------------------------------


def _me() -> tuple[User, Identity]:
    require("account.use")
    db = db_session()
    principal = current()
    return db.get(User, principal.user_id), db.get(Identity, principal.identity_id)


def _account_page(user: User, identity: Identity, errors: dict | None = None, form=None):
    tokens = db_session().scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    )
    registry = current_app.extensions["concerto.registry"]
    providers = current_app.extensions["concerto.providers"]
    return render_template(
        "identity/account.html",
        user=user,
        identity=identity,
        tokens=list(tokens),
        linkable=[a for a in registry.authorities.values() if a.code in providers],
        authority_roles=[r for r in AUTHORITY_ROLES if r in identity.access_roles],
        errors=errors or {},
        form=form,
    )


@blueprint.get("/account")
def account():
    return _account_page(*_me())


@blueprint.post("/account/tokens")
def create_api_token():
    user, identity = _me()
    raw_days = request.form.get("expires_days", "").strip()
    try:
        days = int(raw_days) if raw_days else None
    except ValueError:
        return _account_page(
            user, identity, {"expires": TOKEN_ERRORS["expires"]}, request.form
        ), 422

    def create(db):
        try:
            return create_token(
                db, identity, request.form.get("name", ""), request.form.getlist("roles"), days
            )
        except TokenError as error:
            raise Invalid({error.field: error.field}) from error

    outcome = attempt(create)
    if outcome.invalid is not None:
        errors = field_messages(outcome.invalid, TOKEN_ERRORS)
        return _account_page(user, identity, errors, request.form), 422
    secret, token = outcome.result
    return render_template("identity/token_created.html", token=token, secret=secret)


@blueprint.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
def revoke_api_token(token_id: int):
    user, _identity = _me()
    db = db_session()
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    revoke_token(db, token)
    db.commit()
    flash(_("The token %(name)s was revoked.", name=token.name), "success")
    return redirect(url_for("identity.account"))


@blueprint.post("/account/link")
@limiter.limit(_login_limit)
def link_identity():
    user, _identity = _me()
    code = request.form.get("code", "")
    if code not in current_app.extensions["concerto.registry"].authorities:
        abort(404)
    return _begin(code, url_for("identity.account"), link_to_user=user.id)


@blueprint.app_template_filter("role_label")
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def load_principal() -> None:
    """Who is asking: set before every page request from the server-side session."""
    g.principal = ANONYMOUS
    identity_id = session.get("identity_id")
    if not identity_id:
        return
    # The identity, its user and their platform roles in one statement: every logged-in
    # page asks this first.
    identity = db_session().get(
        Identity,
        identity_id,
        options=[joinedload(Identity.user).joinedload(User.platform_roles)],
    )
    if identity is None or identity.user.disabled or identity.user_id != session.get("user_id"):
        session.end()
        return
    g.user = identity.user
    g.principal = principal_for(
        identity, channel="page", registry=current_app.extensions["concerto.registry"]
    )
