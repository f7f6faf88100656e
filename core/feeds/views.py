"""The Atom feeds (RFC 4287) of changes, and the page where a committee member keeps the
address of their private feed."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db_session
from core.feeds import services
from core.i18n import authority_name, current_language
from core.notifications.services import language_of
from core.permissions import current, require

blueprint = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"


def _registry():
    return current_app.extensions["concerto.registry"]


def _root() -> str:
    return request.host_url.rstrip("/")


def _atom(body: bytes, private: bool = False) -> Response:
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Content-Type"] = ATOM
    # A private feed must not sit in a shared cache; the public one may, briefly.
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


def inventory_feed_url(language: str, authority: str | None = None, external: bool = False) -> str:
    if authority:
        return url_for(
            "feeds.authority_inventory", code=authority, language=language, _external=external
        )
    return url_for("feeds.inventory", language=language, _external=external)


@blueprint.get("/feeds/inventory/<any(nl, fr, en):language>.atom")
def inventory(language: str):
    """The latest changes of the published inventory, of all authorities."""
    session = db_session()
    with force_locale(language):
        feed = services.Feed(
            title=_("Concerto: changes in the inventory of services in the Brussels prisons"),
            feed_id=url_for("feeds.inventory", language=language, _external=True),
            self_url=url_for("feeds.inventory", language=language, _external=True),
            alternate_url=url_for("inventory.search", _external=True),
            language=language,
            public=True,
        )
        body = services.atom(feed, services.inventory_events(session), _root(), _registry())
    return _atom(body)


@blueprint.get("/feeds/inventory/<code>/<any(nl, fr, en):language>.atom")
def authority_inventory(code: str, language: str):
    """The latest changes of one authority's published services."""
    if code not in _registry().authorities:
        abort(404)
    session = db_session()
    own = url_for("feeds.authority_inventory", code=code, language=language, _external=True)
    with force_locale(language):
        feed = services.Feed(
            title=_(
                "Concerto: changes in the services of %(authority)s",
                authority=authority_name(code, language=language),
            ),
            feed_id=own,
            self_url=own,
            alternate_url=url_for("inventory.search", authority=code, _external=True),
            language=language,
            public=True,
        )
        body = services.atom(
            feed, services.inventory_events(session, authority=code), _root(), _registry()
        )
    return _atom(body)


@blueprint.get("/feeds/committee/<secret>.atom")
def committee(secret: str):
    """A member's private feed: every change they may see, by an address with a secret."""
    session = db_session()
    found = services.reader_of(session, secret, _registry())
    if found is None:
        abort(404)
    user, principal = found
    language = _language_of(user)
    with force_locale(language):
        # The feed's identity is the person's, not the secret's: a new address keeps it.
        feed = services.Feed(
            title=_("Concerto: changes for the consultation committee"),
            feed_id=f"{_root()}/feeds/committee/user-{user.id}",
            self_url=request.base_url,
            alternate_url=url_for("work.page", _external=True),
            language=language,
            public=False,
        )
        body = services.atom(
            feed, services.committee_events(session, principal), _root(), _registry()
        )
    session.commit()  # the address's last use
    return _atom(body, private=True)


def _language_of(user) -> str:
    return language_of(user)


# --- the member's page ---------------------------------------------------------------------------


def _feed_page(secret: str | None = None, status: int = 200):
    principal = current()
    session = db_session()
    token = services.token_of(session, principal.user_id)
    language = current_language()
    return render_template(
        "feeds/account.html",
        token=token,
        secret_url=url_for("feeds.committee", secret=secret, _external=True) if secret else None,
        may_have_feed=services.may_have_feed(principal),
        public_feeds=sorted(
            (
                (authority_name(code), inventory_feed_url(language, code, external=True))
                for code in _registry().authorities
            ),
            key=lambda pair: pair[0].casefold(),
        ),
        all_feed=inventory_feed_url(language, external=True),
    ), status


@blueprint.get("/account/feed")
def account():
    require("account.use")
    return _feed_page()


@blueprint.post("/account/feed")
def new_address():
    require("shared.read")
    session = db_session()
    secret = services.new_token(session, current().user_id)
    session.commit()
    # The address is shown this once: only its fingerprint is kept.
    return _feed_page(secret)


@blueprint.post("/account/feed/revoke")
def revoke():
    require("account.use")
    session = db_session()
    if services.revoke(session, current().user_id):
        session.commit()
        flash(_("Your private feed address no longer works."), "success")
    return redirect(url_for("feeds.account"))
