"""The authorization matrix's writes on an authority's profile and on people's accounts:
the profile (page and API), platform roles, personal API tokens, private feed addresses and
webhooks.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from core.identity.models import ApiToken, PlatformRole
from core.reference.models import Authority
from tests.authorization_people import (
    Who,
    Write,
    is_coordinator,
    other_authority,
    own_authority,
)


def _profile_website(app, code: str) -> str | None:
    with app.extensions["concerto.db"].session() as db:
        return db.get(Authority, code).website


def _edit_profile(target: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        code = target(who)
        with app.extensions["concerto.db"].session() as db:
            version = db.get(Authority, code).version
        return client.post(
            f"/authorities/{code}/edit",
            data={"csrf_token": csrf, "version": version, "website": f"https://{who.label}.be"}
            | {name: "" for name in ("contact_email", "description_nl", "description_fr")},
        )

    return attempt


def _patch_profile(target: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        code = target(who)
        token = getattr(client, "api_token", None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        current = client.get(f"/api/v1/authorities/{code}")
        headers["If-Match"] = current.headers["ETag"]
        return client.patch(
            f"/api/v1/authorities/{code}",
            json={"website": f"https://api-{who.label}.be"},
            headers=headers,
        )

    return attempt


def _website_is(prefix: str, target: Callable[[Who], str]):
    def changed(app, who):
        return _profile_website(app, target(who)) == f"https://{prefix}{who.label}.be"

    return changed


def _grant_self_secretary(client, app, who, csrf):
    user_id = getattr(client, "user_id", None) or 1
    return client.post(
        f"/admin/users/{user_id}/roles",
        data={"csrf_token": csrf, "role": "secretary", "grant": "1"},
    )


def _self_is_secretary(app, who):
    if who.login is None or "secretary" in who.roles:
        return False
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(PlatformRole).where(PlatformRole.role == "secretary")) is not None


def _create_token(client, app, who, csrf):
    return client.post(
        "/account/tokens",
        data={
            "csrf_token": csrf,
            "name": "matrix",
            # Tokens carry platform roles (not platform-wide ones, nor an authority's own codes).
            "roles": sorted(who.roles & {"coordinator", "member", "viewer"}) or ["viewer"],
            "expires_days": "5",
        },
    )


def _token_exists(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(ApiToken).where(ApiToken.name == "matrix")) is not None


def _make_feed_address(client, app, who, csrf):
    return client.post("/account/feed", data={"csrf_token": csrf})


def _feed_address_exists(app, who):
    from core.feeds.models import FeedToken

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(FeedToken)) > 0


def _register_webhook(client, app, who, csrf):
    return client.post(
        "/webhooks/new",
        data={
            "csrf_token": csrf,
            "url": f"https://{who.label}.hooks.example.be/concerto",
            "kinds": ["service.changed"],
        },
    )


def _webhook_registered(app, who):
    from core.webhooks.models import WebhookEndpoint

    with app.extensions["concerto.db"].session() as db:
        url = f"https://{who.label}.hooks.example.be/concerto"
        return db.scalar(select(WebhookEndpoint).where(WebhookEndpoint.url == url)) is not None


def _flemish_webhook(app):
    from core.webhooks.models import WebhookEndpoint

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.authority_code == "vlaams")
            .order_by(WebhookEndpoint.id)
        )


def _switch_on_flemish_webhook(client, app, who, csrf):
    endpoint = _flemish_webhook(app)
    return client.post(f"/webhooks/{endpoint.id}/switch", data={"csrf_token": csrf, "on": "1"})


def _flemish_webhook_on(app, who):
    return _flemish_webhook(app).enabled


def _rotate_flemish_secret(client, app, who, csrf):
    endpoint = _flemish_webhook(app)
    return client.post(f"/webhooks/{endpoint.id}/secret", data={"csrf_token": csrf})


def _flemish_secret_rotated(app, who):
    return _flemish_webhook(app).secret_rotated_at is not None


def _keeps_flemish_webhooks(who: Who) -> bool:
    return "administrator" in who.roles or (
        "coordinator" in who.roles and who.authority == "vlaams"
    )


PROFILE_WRITES = [
    Write(
        "edit own authority's profile (page)",
        is_coordinator,
        _edit_profile(own_authority),
        _website_is("", own_authority),
    ),
    Write(
        "edit another authority's profile (page)",
        lambda who: False,
        _edit_profile(other_authority),
        _website_is("", other_authority),
    ),
    Write(
        "edit own authority's profile (API token)",
        is_coordinator,
        _patch_profile(own_authority),
        _website_is("api-", own_authority),
    ),
    Write(
        "edit another authority's profile (API token)",
        lambda who: False,
        _patch_profile(other_authority),
        _website_is("api-", other_authority),
    ),
    Write(
        "give a platform role (page)",
        lambda who: "administrator" in who.roles,
        _grant_self_secretary,
        _self_is_secretary,
    ),
]


WEBHOOK_WRITES = [
    # Webhooks (issue 23): administrators keep every one, coordinators their authority's.
    Write(
        "register a webhook (page)",
        lambda who: "administrator" in who.roles or "coordinator" in who.roles,
        _register_webhook,
        _webhook_registered,
    ),
    Write(
        "switch on the Flemish Community's webhook (page)",
        _keeps_flemish_webhooks,
        _switch_on_flemish_webhook,
        _flemish_webhook_on,
    ),
    Write(
        "give the Flemish Community's webhook a new secret (page)",
        _keeps_flemish_webhooks,
        _rotate_flemish_secret,
        _flemish_secret_rotated,
    ),
]


PERSONAL_WRITES = [
    Write(
        "create a personal API token (page)",
        lambda who: who.login is not None,
        _create_token,
        _token_exists,
    ),
    Write(
        "make a private feed address (page)",
        lambda who: bool(who.roles & {"member", "secretary", "administrator"}),
        _make_feed_address,
        _feed_address_exists,
    ),
]
