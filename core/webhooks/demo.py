"""A webhook in the demo data: the Flemish Community's subsidy administration hears of its
services' changes. Switched off (its address is an example that leads nowhere), with a few
messages in its log, delivered at once, after a retry, and failed, so that its page shows
what a person meets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
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
    events = session.scalars(
        select(Event)
        .where(Event.authority_code == "vlaams", Event.kind.in_(endpoint.kinds))
        .order_by(Event.id.desc())
        .limit(3)
    ).all()
    # Each as it went: taken at once; taken at the second attempt; refused until given up.
    stories = [
        [(200, 140, None)],
        [(503, 2100, "status: 503"), (200, 180, None)],
        [(None, 5000, "timeout: no answer in time")] * 3 + [(500, 90, "status: 500")],
    ]
    for number, (event, story) in enumerate(zip(events, stories, strict=False)):
        delivered = story[-1][2] is None
        at = now - timedelta(days=3 + number)
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event.id,
            state="delivered" if delivered else "failed",
            created_at=at,
            attempts=len(story),
            delivered_at=at + timedelta(minutes=2 ** len(story)) if delivered else None,
        )
        session.add(delivery)
        session.flush()
        for attempt, (status, duration, error) in enumerate(story):
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    at=at + timedelta(minutes=2**attempt - 1),
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
