"""Delivering: the scheduler's ``deliver`` job reads the log for each enabled endpoint, makes
its deliveries, sends those that are due (each claimed first), records each attempt, waits
longer after each failure, disables an endpoint that keeps failing and tells its owner, and
forgets old delivered messages (the whole story is in core.webhooks.services' docstring).

The job keeps its own transactions: each step commits what it decided, so a crash or a
second scheduler process loses or repeats nothing; a step that finds nothing to do ends its
read with a rollback."""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from core.clock import utcnow
from core.events import log
from core.events.models import Event
from core.identity.models import User
from core.mail.services import base_url, queue
from core.notifications.services import language_of
from core.permissions import Principal
from core.webhooks import transport
from core.webhooks.kinds import PAGES
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.webhooks.services import owner_principal

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


# --- delivering -----------------------------------------------------------------------------


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
            session.rollback()  # nothing new for this endpoint: its read ends here
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
    settings = current_app.config["CONCERTO"]
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
    session.rollback()  # the list is read; each delivery is then claimed in its own commit
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
    hours = current_app.config["CONCERTO"]["webhook_disable_after_hours"]
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
        session.rollback()  # not (or no longer) failing long enough: nothing was changed
        return False
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    session.refresh(endpoint)
    _tell_owner(session, endpoint, hours)
    session.commit()
    return True


def _tell_owner(session: Session, endpoint: WebhookEndpoint, hours: int) -> None:
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
