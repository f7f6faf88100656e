"""Webhooks: other systems hear of the platform's changes as they happen.

An administrator, or a coordinator for their own authority's records, registers an address
and the kinds of change it wants; the platform gives a secret (Standard Webhooks' ``whsec_``
form), shown once, and signs every message with it. The scheduler's ``deliver`` job
(core.webhooks.jobs, every minute) then, for each enabled endpoint:

1. reads the log of events (core.events.log) from the endpoint's own place, keeps the
   events of the chosen kinds, of the endpoint's authority and that its owner may see now
   (core.events.log.may_see: roles change), makes one delivery per endpoint and event
   (unique: a second run, or a second scheduler process, makes none) and moves the place on,
   in one transaction;
2. sends the deliveries that are due: each is claimed first (a compare-and-set committed
   before the message leaves, so another process leaves it alone), sent, and its attempt
   written with the status code, duration and a short error. A failure is tried again later,
   each wait twice the one before (a minute, two, four...), at most ``MAX_WAIT``, shortened
   by a random part so that many endpoints do not retry at once; after ``MAX_ATTEMPTS`` the
   delivery is failed (a person may send it again).

An endpoint whose every attempt failed for ``webhook_disable_after_hours`` (and at least
``DISABLE_MIN_FAILURES`` times) is disabled and its owner told by e-mail, once. A person
re-enables it; it then goes on from its place in the log.

Messages follow the Standard Webhooks convention: headers ``webhook-id`` (the same for every
attempt at one event, so a receiver can drop a repeat), ``webhook-timestamp`` and
``webhook-signature: v1,<base64 of HMAC-SHA256 over "id.timestamp.body">``. docs/webhooks.md
tells receivers how to check them.
"""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from core.clock import utcnow
from core.events import log
from core.events.models import Event
from core.identity.models import Identity
from core.identity.services import principal_for
from core.permissions import Principal, can
from core.validation import Invalid, clean_text
from core.webhooks import transport
from core.webhooks.kinds import KINDS, kind_choices
from core.webhooks.models import WebhookDelivery, WebhookEndpoint

# --- registering and keeping endpoints ----------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _settings() -> dict:
    return current_app.config["CONCERTO"]


def clean(values: dict, principal: Principal) -> dict:
    """The form's values checked: Invalid with a code per field otherwise."""
    errors: dict[str, str] = {}
    settings = _settings()
    url = (values.get("url") or "").strip()
    if not url:
        errors["url"] = "url_required"
    else:
        problem = _url_problem(url, settings)
        if problem:
            errors["url"] = problem
    description, problem = clean_text(values.get("description"), limit=200)
    if problem:
        errors["description"] = "one_line" if problem == "one_line" else "length"
    authority = values.get("authority") or None
    if not principal.has("administrator"):
        authority = principal.authority  # a coordinator's webhooks are their authority's
    elif (
        authority is not None
        and authority not in current_app.extensions["concerto.registry"].authorities
    ):
        errors["authority"] = "authority"
        authority = None
    kinds = [kind for kind in values.get("kinds") or [] if isinstance(kind, str)]
    offered = {kind for _r, _l, pairs in kind_choices(authority) for kind, _label in pairs}
    if not kinds:
        errors["kinds"] = "kinds_required"
    elif set(kinds) - set(KINDS):
        errors["kinds"] = "kinds_unknown"
    elif not set(kinds) & offered:
        # Only meetings, decisions or goals, for one authority: it would hear of nothing.
        errors["kinds"] = "kinds_no_authority"
    # Records of no authority, ticked for a webhook of one authority (the form offers them to
    # an administrator before the authority is chosen), do not apply: left out.
    kinds = [kind for kind in kinds if kind in offered]
    if errors:
        raise Invalid(errors)
    return {
        "url": url,
        "description": description or "",
        "authority_code": authority,
        "kinds": [kind for kind in KINDS if kind in kinds],
    }


def _url_problem(url: str, settings: dict) -> str | None:
    if len(url) > 2000:
        return "length"
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return "url_invalid"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        return "url_invalid"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return "url_scheme_http" if settings["webhook_allow_http"] else "url_scheme"
    if scheme == "http" and not settings["webhook_allow_http"]:
        return "url_scheme"
    host = parts.hostname or ""
    if not host or (transport.literal_address(host) is None and "." not in host):
        return "url_invalid"
    if parts.username or parts.password:
        return "url_credentials"
    literal = transport.literal_address(host)
    if literal is not None and not transport.address_allowed(literal, transport.networks(settings)):
        return "url_private"
    return None


def register(session: Session, principal: Principal, values: dict) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of ``principal``'s, hearing of what happens from now on; returns it and
    its secret (shown to the person once)."""
    cleaned = clean(values, principal)
    if not can(principal, "webhooks.manage", cleaned["authority_code"] or EVERY_AUTHORITY):
        raise Invalid({"authority": "authority"})
    start = log.end_of_log(session)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        **cleaned,
        owner_user_id=principal.user_id,
        owner_identity_id=principal.identity_id,
        secret=secret,
        enabled=True,
        cursor_tx=start.tx,
        cursor_id=start.id,
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


class _EveryAuthority:
    """The record a webhook of every authority stands for in the rule: it belongs to no
    authority, so only administrators keep it."""

    authority_code = None


EVERY_AUTHORITY = _EveryAuthority()


def guarded(endpoint: WebhookEndpoint) -> object:
    """What core.permissions' rule looks at for ``endpoint``."""
    return endpoint if endpoint.authority_code else EVERY_AUTHORITY


def owner_principal(session: Session, endpoint: WebhookEndpoint) -> Principal | None:
    """Who the endpoint's events are read as: its owner, with the roles they hold now; None
    when they can no longer keep it (gone, disabled, no longer a coordinator there)."""
    identity = (
        session.get(Identity, endpoint.owner_identity_id) if endpoint.owner_identity_id else None
    )
    if identity is None or identity.user.disabled:
        return None
    registry = current_app.extensions["concerto.registry"]
    principal = principal_for(identity, registry=registry)
    return principal if can(principal, "webhooks.manage", guarded(endpoint)) else None


def update_endpoint(
    session: Session, endpoint: WebhookEndpoint, principal: Principal, values: dict
) -> None:
    cleaned = clean({"authority": endpoint.authority_code, **values}, principal)
    if not principal.has("administrator"):
        cleaned["authority_code"] = endpoint.authority_code
    if cleaned["authority_code"] != endpoint.authority_code and not can(
        principal, "webhooks.manage", cleaned["authority_code"] or EVERY_AUTHORITY
    ):
        raise Invalid({"authority": "authority"})
    for key, value in cleaned.items():
        setattr(endpoint, key, value)
    if owner_principal(session, endpoint) is None:
        # Its registrant left or may no longer keep it: whoever saves it takes it over, so
        # that its messages leave again, read with their rights.
        endpoint.owner_user_id = principal.user_id
        endpoint.owner_identity_id = principal.identity_id
    session.flush()


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> str:
    """A new secret, in force for the next attempt; the old one signs nothing more."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = utcnow()
    session.flush()
    return endpoint.secret


def disable(session: Session, endpoint: WebhookEndpoint) -> None:
    if endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = utcnow()
        endpoint.disabled_reason = "person"
        session.flush()


def enable(session: Session, endpoint: WebhookEndpoint) -> None:
    """On again, from its place in the log: what happened meanwhile is sent too. Deliveries
    that were waiting are due at once, and the failure count starts again."""
    if endpoint.enabled:
        return
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.failing_since = None
    endpoint.consecutive_failures = 0
    now = utcnow()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == "pending")
        .values(next_attempt_at=now, attempts=0)
    )
    session.flush()


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    session.delete(endpoint)
    session.flush()


def redeliver(session: Session, delivery: WebhookDelivery) -> None:
    """Send the delivery again at the next run, whatever became of it, with attempts counted
    from the start (the earlier ones stay in its log)."""
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claimed_until = None
    delivery.delivered_at = None
    session.flush()


def endpoints_for(session: Session, principal: Principal) -> list[WebhookEndpoint]:
    """The endpoints ``principal`` keeps: all for an administrator, their authority's for a
    coordinator."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id)
    if not principal.has("administrator"):
        if not principal.has("coordinator") or principal.authority is None:
            return []
        query = query.where(WebhookEndpoint.authority_code == principal.authority)
    return session.scalars(query).all()


def events_of(session: Session, deliveries: list[WebhookDelivery]) -> dict[int, Event]:
    ids = {delivery.event_id for delivery in deliveries}
    return {event.id: event for event in session.scalars(select(Event).where(Event.id.in_(ids)))}


def deliveries_of(
    session: Session, endpoint: WebhookEndpoint, limit: int = 50
) -> list[WebhookDelivery]:
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .options(selectinload(WebhookDelivery.attempt_log))
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
