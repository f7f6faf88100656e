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
import json
import os
import random
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from standardwebhooks import Webhook

from core.clock import utcnow
from core.events import changes, log
from core.events.models import Event
from core.identity.models import Identity, User
from core.identity.services import principal_for
from core.mail.services import base_url, queue
from core.permissions import Principal, can
from core.validation import Invalid, clean_text
from core.webhooks import transport
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# --- the kinds of change an endpoint may ask for, in words ------------------------------------

RECORDS = {
    "service": _l("Services"),
    "need": _l("Needs"),
    "action_item": _l("Action items"),
    "plan_action": _l("Actions of the strategic plan"),
    "meeting": _l("Meetings"),
    "decision": _l("Decisions"),
    "goal": _l("Goals of the strategic plan"),
}
# Nouns, not participles: "Services: addition, change" reads in French and Dutch whatever the
# record's gender or number.
WHATS = {
    "created": _l("addition"),
    "changed": _l("change"),
    "published": _l("publication (also again after a withdrawal)"),
    "withdrawn": _l("withdrawal from the published inventory"),
    "approved": _l("approval with the minutes"),
    "deleted": _l("deletion"),
}
# What changes of each record the log holds (core.events.changes writes them), in the order
# the form offers them: an authority's own records first.
CHANGES = {
    record: changes.WHATS.get(record, ("created", "changed", "deleted"))
    for record in sorted(changes.RECORD_KINDS, key=list(RECORDS).index)
}
KINDS = [f"{record}.{what}" for record, whats in CHANGES.items() for what in whats]
# Records that belong to one authority: the only ones an authority's webhook can hear of.
OF_AN_AUTHORITY = ("service", "need", "action_item", "plan_action")
# Where a person reads each record, for the link in a message.
PAGES = {
    "service": "/services/{}",
    "need": "/needs/{}",
    "action_item": "/actions/{}",
    "plan_action": "/plan-actions/{}",
    "meeting": "/meetings/{}",
    "goal": "/goals/{}",
}


def kind_choices(authority_code: str | None) -> list[tuple[str, object, list[tuple[str, object]]]]:
    """The kinds offered on the form, grouped by record: (record, label, [(kind, label)]).
    A webhook of one authority is offered only the records that belong to an authority."""
    records = OF_AN_AUTHORITY if authority_code else tuple(CHANGES)
    return [
        (record, RECORDS[record], [(f"{record}.{what}", WHATS[what]) for what in CHANGES[record]])
        for record in records
    ]


def kinds_in_words(kinds: list[str]) -> list[tuple[object, list[object]]]:
    """The chosen kinds as a person reads them: per record, what happens to it."""
    grouped = []
    for record, whats in CHANGES.items():
        chosen = [WHATS[what] for what in whats if f"{record}.{what}" in kinds]
        if chosen:
            grouped.append((RECORDS[record], chosen))
    return grouped


def kind_label(kind: str) -> str:
    """ "Services: changed", with the colon as the reader's language writes it."""
    record, _, what = kind.partition(".")
    if record in RECORDS and what in WHATS:
        return gettext("%(label)s: %(message)s", label=RECORDS[record], message=WHATS[what])
    return kind


# --- messages for the forms and the delivery log --------------------------------------------

ERRORS = {
    "url_required": _l("Give the address the messages go to."),
    "url_invalid": _l("Give a whole web address, such as https://example.be/concerto/hooks."),
    "url_scheme": _l("The address must start with https:// (an encrypted connection)."),
    "url_scheme_http": _l("The address must start with https:// or http://."),
    "url_credentials": _l(
        "Leave the name and password out of the address: the signature proves the messages "
        "come from the platform."
    ),
    "url_private": _l(
        "This address is in a private or local network, which the platform may not reach."
    ),
    "length": _l("This text is too long."),
    "one_line": _l(
        "Write this on one line, without line breaks, tabs or invisible control characters."
    ),
    "kinds_required": _l("Choose at least one kind of change."),
    "kinds_unknown": _l("One of the chosen kinds of change is not offered here."),
    "kinds_no_authority": _l(
        "Meetings, decisions and goals of the plan belong to no authority: choose every "
        "authority above, or also changes of services, needs or actions."
    ),
    "authority": _l("Choose one of the authorities offered."),
}
# Why an attempt failed, by the code its error starts with (core.webhooks.transport).
REASONS = {
    "status": _l("The receiver answered with an error."),
    "timeout": _l("The receiver did not answer in time."),
    "connect": _l("The receiver could not be reached."),
    "resolve": _l("The name in the address could not be found."),
    "address": _l("The address leads to a private or local network, which is not allowed."),
    "tls": _l("The receiver's certificate could not be trusted."),
    "scheme": _l("The address's kind (http or https) is not allowed."),
}
STATES = {
    "pending": _l("waiting"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
}


def reason(error: str | None) -> str | None:
    if not error:
        return None
    code = error.partition(":")[0]
    return str(REASONS[code]) if code in REASONS else None


# --- retries ----------------------------------------------------------------------------------

FIRST_WAIT = timedelta(minutes=1)
MAX_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 15  # about two days with the waits above: longer than the day before disabling
DISABLE_MIN_FAILURES = 5
CLAIM_MARGIN = timedelta(seconds=30)
SEND_PER_RUN = 100
READ_PER_RUN = 500


def wait_after(attempts: int, chance: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from FIRST_WAIT up
    to MAX_WAIT, less a random part of up to a quarter (jitter)."""
    full = min(FIRST_WAIT * (2 ** max(attempts - 1, 0)), MAX_WAIT)
    return full * (1 - 0.25 * chance())


# --- secrets and signatures ---------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(event_id: int) -> str:
    return f"evt_{event_id}"


def signed_headers(secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id, at, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def body_of(event: Event) -> bytes:
    """The message about ``event``: the same bytes at every attempt."""
    record = {"kind": event.record_kind, "id": event.record_id}
    page = PAGES.get(event.record_kind)
    if page:
        record["url"] = base_url() + page.format(event.record_id)
    data = {
        "event_id": event.id,
        "record": record,
        "authority": event.authority_code,
        "channel": event.channel,
        "visibility": event.visibility,
        **{key: value for key, value in (event.data or {}).items() if key in MESSAGE_DATA},
    }
    message = {
        "type": event.kind,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


# Of an event's data, what a message carries: the fields that changed, the record's title in
# each language, the state it moved between, whether a deleted record was public. Nothing
# else (a reviewer's comment stays on the platform).
MESSAGE_DATA = ("fields", "title", "state", "was_public")


# --- registering and keeping endpoints ----------------------------------------------------------


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


# --- delivering -----------------------------------------------------------------------------


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


def _wanted(endpoint: WebhookEndpoint, owner: Principal | None, event: Event) -> bool:
    if owner is None or event.kind not in endpoint.kinds:
        return False
    if endpoint.authority_code is not None and event.authority_code != endpoint.authority_code:
        return False
    return log.may_see(owner, event)


def fan_out(session: Session, limit: int = READ_PER_RUN) -> int:
    """Read each enabled endpoint's part of the log and make its deliveries; one transaction
    per endpoint, committed. Returns the deliveries made."""
    made = 0
    ids = session.scalars(
        select(WebhookEndpoint.id)
        .where(WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
    ).all()
    for endpoint_id in ids:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or not endpoint.enabled:
            continue
        place = log.Position(endpoint.cursor_tx or 0, endpoint.cursor_id or 0)
        events = log.read(session, place, limit=limit)
        if not events:
            session.rollback()
            continue
        owner = owner_principal(session, endpoint)
        now = utcnow()
        wanted = [event for event in events if _wanted(endpoint, owner, event)]
        existing = set(
            session.scalars(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.event_id.in_([event.id for event in wanted]),
                )
            )
        )
        for event in wanted:
            if event.id in existing:
                continue
            try:
                # A savepoint: another process making the same delivery costs only this row.
                with session.begin_nested():
                    session.add(
                        WebhookDelivery(
                            endpoint_id=endpoint.id,
                            event_id=event.id,
                            state="pending",
                            attempts=0,
                            next_attempt_at=now,
                        )
                    )
                made += 1
            except IntegrityError:
                continue
        last = log.position_of(events[-1])
        # Moved on only forwards: a process that read the same events after another moved
        # the place leaves it where it is.
        session.execute(
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == endpoint.id,
                or_(
                    WebhookEndpoint.cursor_tx < last.tx,
                    (WebhookEndpoint.cursor_tx == last.tx) & (WebhookEndpoint.cursor_id < last.id),
                ),
            )
            .values(cursor_tx=last.tx, cursor_id=last.id)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return made


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def send_due(session: Session, limit: int = SEND_PER_RUN) -> dict[str, int]:
    """Send the deliveries that are due, each claimed first. Returns counts."""
    settings = _settings()
    holder = _holder()
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    now = utcnow()
    due = session.scalars(
        select(WebhookDelivery.id)
        .join(WebhookEndpoint)
        .where(
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    session.rollback()
    for delivery_id in due:
        if not _claim(session, delivery_id, holder, settings):
            counts["skipped"] += 1
            continue
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = delivery.endpoint
        event = session.get(Event, delivery.event_id)
        url, secret = endpoint.url, endpoint.secret
        body = body_of(event)
        at = utcnow()
        headers = signed_headers(secret, message_id(event.id), body, at) | {
            "Content-Type": "application/json",
            "User-Agent": "Concerto-Webhooks/1",
        }
        # Nothing of the database is held while the message travels.
        session.commit()
        outcome = transport.post(url, body, headers, settings)
        _record(session, delivery_id, outcome, holder)
        counts["delivered" if outcome.ok else "failed"] += 1
    return counts


def _claim(session: Session, delivery_id: int, holder: str, settings: dict) -> bool:
    now = utcnow()
    # Long enough for a connection attempt per address and the answer; then free again.
    until = now + timedelta(seconds=4 * settings["webhook_timeout_seconds"]) + CLAIM_MARGIN
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        )
        .values(claimed_until=until, claimed_by=holder)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return claimed.rowcount == 1


def _record(session: Session, delivery_id: int, outcome: transport.Outcome, holder: str) -> None:
    """Write the attempt and what follows from it, in one transaction."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.claimed_by != holder:
        session.rollback()  # deleted meanwhile, or no longer ours to decide
        return
    now = utcnow()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
    )
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.claimed_by = None
    endpoint_id = delivery.endpoint_id
    if outcome.ok:
        delivery.state = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failing_since=None, consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )
    else:
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = "failed"
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + wait_after(delivery.attempts)
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
            .values(failing_since=now)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    if not outcome.ok:
        disable_if_failing(session, endpoint_id)


def disable_if_failing(session: Session, endpoint_id: int, now: datetime | None = None) -> bool:
    """Disable the endpoint when its attempts all failed for long enough, and tell its owner
    (once: the e-mail is keyed by the endpoint and the start of the failures)."""
    now = now or utcnow()
    hours = _settings()["webhook_disable_after_hours"]
    limit = now - timedelta(hours=hours)
    done = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.failing_since <= limit,
            WebhookEndpoint.consecutive_failures >= DISABLE_MIN_FAILURES,
        )
        .values(enabled=False, disabled_at=now, disabled_reason="failures")
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        session.rollback()
        return False
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    session.refresh(endpoint)
    _tell_owner(session, endpoint, hours)
    session.commit()
    return True


def _tell_owner(session: Session, endpoint: WebhookEndpoint, hours: int) -> None:
    from core.notifications.services import language_of

    owner = session.get(User, endpoint.owner_user_id) if endpoint.owner_user_id else None
    if owner is None or owner.disabled or not owner.email:
        return
    language = language_of(owner)
    with force_locale(language):
        text = render_template(
            "webhooks/mail/disabled.txt",
            endpoint=endpoint,
            owner=owner,
            hours=hours,
            link=f"{base_url()}/webhooks/{endpoint.id}",
        )
    subject, _, body = text.partition("\n")
    queue(
        session,
        key=f"webhook_disabled:{endpoint.id}:{endpoint.failing_since.isoformat()}",
        kind="webhook_disabled",
        recipient=owner.email,
        language=language,
        subject=subject.strip(),
        body=body.lstrip("\n"),
    )


KEEP_DELIVERED = timedelta(days=90)


def prune(session: Session, now: datetime | None = None) -> int:
    """Forget messages delivered more than KEEP_DELIVERED ago, with their attempts: the log of
    a webhook is for looking into recent trouble, not an archive. Failed and waiting ones stay
    until they are delivered."""
    limit = (now or utcnow()) - KEEP_DELIVERED
    gone = session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.state == "delivered", WebhookDelivery.delivered_at < limit)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return gone


def deliver(session: Session) -> dict[str, int]:
    """The scheduled job's work: new deliveries from the log, then what is due."""
    made = fan_out(session)
    counts = send_due(session)
    prune(session)
    return {"made": made, **counts}
