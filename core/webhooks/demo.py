"""A webhook in the demo data: the Flemish Community's subsidy administration hears of its
services' changes. Switched off (its address is an example that leads nowhere), with a few
messages in its log: delivered at once, delivered after a retry, and one still waiting after
failed attempts, so that its page shows what a person meets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.demo_parts import DemoParts
from core.events import log
from core.events.models import Event
from core.identity.models import Identity, PlatformRole
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.webhooks.services import new_secret

ADDRESS = "https://subsidies.vlaanderen.example/concerto/webhooks"


def seed_demo_webhooks(session: Session, parts: DemoParts | None = None) -> None:
    if parts is not None and not parts.has("vlaams"):
        parts.leave_out("the Flemish Community's webhook", ["vlaams"])
        return
    if session.scalar(select(WebhookEndpoint.id).limit(1)) is not None:
        return
    start = log.end_of_log(session)
    now = utcnow()
    endpoint = WebhookEndpoint(
        url=ADDRESS,
        description="Subsidieadministratie",
        kinds=["service.created", "service.changed", "service.published", "service.withdrawn"],
        authority_code="vlaams",
        secret=new_secret(),
        created_at=now - timedelta(days=20),
        enabled=False,
        disabled_at=now - timedelta(days=2),
        disabled_reason="person",
        cursor_tx=start.tx,
        cursor_id=start.id,
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    # The latest event of three services, each told as it went: taken at once; taken at the
    # second attempt; refused four times, waiting for its next try.
    events = []
    for event in session.scalars(
        select(Event)
        .where(Event.authority_code == "vlaams", Event.kind.in_(endpoint.kinds))
        .order_by(Event.id.desc())
    ):
        if all(event.record_id != seen.record_id for seen in events):
            events.append(event)
        if len(events) == 3:
            break
    stories = [
        [(200, 140, None)],
        [(503, 2100, "status: 503"), (200, 180, None)],
        [(None, 5000, "timeout: no answer in time")] * 3 + [(500, 90, "status: 500")],
    ]
    for event, story in zip(events, stories, strict=False):
        delivered = story[-1][2] is None
        # Attempts after the event: a second, then the waits of the retries (1, 2, 4 minutes).
        times = [
            event.occurred_at + timedelta(seconds=1 + 60 * (2**n - 1)) for n in range(len(story))
        ]
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event.id,
            # The one refused still waits: the webhook was switched off before its next try.
            state="delivered" if delivered else "pending",
            created_at=event.occurred_at,
            attempts=len(story),
            delivered_at=times[-1] if delivered else None,
            next_attempt_at=None if delivered else times[-1] + timedelta(minutes=8),
        )
        session.add(delivery)
        session.flush()
        for at, (status, duration, error) in zip(times, story, strict=True):
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    at=at,
                    status_code=status,
                    duration_ms=duration,
                    error=error,
                    response_excerpt="Service Unavailable" if status == 503 else None,
                )
            )
    session.flush()


def adopt_demo_webhooks(session: Session) -> None:
    """In `concerto demo`, the administrator (who exists once the providers run) registered
    the demo's webhooks, so that their pages name a person."""
    administrator = session.scalar(
        select(Identity)
        .join(PlatformRole, PlatformRole.user_id == Identity.user_id)
        .where(PlatformRole.role == "administrator")
        .order_by(Identity.id)
        .limit(1)
    )
    if administrator is None:
        return
    for endpoint in session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.owner_user_id.is_(None))
    ):
        endpoint.owner_user_id = administrator.user_id
        endpoint.owner_identity_id = administrator.id
    session.flush()
