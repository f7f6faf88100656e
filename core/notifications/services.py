"""Events and who is told about them.

``record`` writes an event beside the change, in the caller's transaction. ``notify_pending``
(a scheduled job, core.notifications.jobs) reads the events not yet told, works out who each
concerns, and writes one e-mail per person to the outbox in that person's language, under the
key ``event:<event>:<user>``: a second run, or two scheduler processes, write nothing twice,
and an event is marked told in the same transaction as its e-mails.

Told today (the inventory's review loop):
- a service submitted: to every committee member who may review it, never to whoever
  submitted or last edited it (they cannot approve their own change);
- a service returned (with the reviewer's comment) or approved: to the people who edited or
  submitted it, never to the reviewer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.i18n import LANGUAGES
from core.identity.models import Identity, User
from core.identity.services import principal_for
from core.mail.services import queue
from core.notifications.models import Event
from core.permissions import Principal, can

# The authorities whose people read French first; the others Dutch (as the overdue reminders).
FRENCH_FIRST = ("federatie_wb", "cocof")


def record(
    session: Session,
    kind: str,
    *,
    record_kind: str,
    record_id: int,
    authority: str | None,
    actor: Principal,
    **data,
) -> Event:
    """Log ``kind`` for the record, in the caller's transaction."""
    event = Event(
        kind=kind,
        record_kind=record_kind,
        record_id=record_id,
        authority_code=authority,
        actor_user_id=actor.user_id,
        data=data,
    )
    session.add(event)
    return event


def language_of(user: User) -> str:
    if user.default_language in LANGUAGES:
        return user.default_language
    first = user.identities[0].authority_code if user.identities else None
    return "fr" if first in FRENCH_FIRST else "nl"


def _people(session: Session) -> Iterable[tuple[User, list[Identity]]]:
    users = session.scalars(
        select(User)
        .where(User.disabled.is_(False), User.email.is_not(None))
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.id)
    ).all()
    return [(user, user.identities) for user in users]


def _reviewers(session: Session, event: Event, registry) -> list[User]:
    """Committee members who may review the service, without its last editor and submitter."""
    from core.inventory.models import Service, ServiceVersion

    service = session.get(Service, event.record_id)
    if service is None or service.state != "submitted":
        return []  # already reviewed, or gone: nothing waits any more
    editors = set(
        session.scalars(
            select(ServiceVersion.user_id).where(
                ServiceVersion.service_id == service.id,
                ServiceVersion.action.in_(("create", "update", "submit")),
                ServiceVersion.number > _last_review_number(session, service.id),
            )
        )
    )
    found = []
    for user, identities in _people(session):
        if user.id in editors or user.id == event.actor_user_id:
            continue
        if any(
            can(principal_for(identity, registry=registry), "inventory.review", service)
            for identity in identities
        ):
            found.append(user)
    return found


def _last_review_number(session: Session, service_id: int) -> int:
    from core.inventory.models import ServiceVersion

    number = session.scalar(
        select(ServiceVersion.number)
        .where(
            ServiceVersion.service_id == service_id,
            ServiceVersion.action.in_(("approve", "return")),
            ServiceVersion.number
            < session.scalar(
                select(ServiceVersion.number)
                .where(
                    ServiceVersion.service_id == service_id,
                    ServiceVersion.action == "submit",
                )
                .order_by(ServiceVersion.number.desc())
                .limit(1)
            ),
        )
        .order_by(ServiceVersion.number.desc())
        .limit(1)
    )
    return number or 0


def _editors(session: Session, event: Event, _registry) -> list[User]:
    """Who edited or submitted the service since it was last reviewed, but the reviewer."""
    from core.inventory.models import ServiceVersion

    versions = session.scalars(
        select(ServiceVersion)
        .where(ServiceVersion.service_id == event.record_id)
        .order_by(ServiceVersion.number.desc())
    ).all()
    ids: list[int] = []
    for version in versions[1:]:  # the newest is the review itself
        if version.action in ("approve", "return"):
            break
        if version.user_id is not None and version.user_id not in ids:
            ids.append(version.user_id)
    users = [session.get(User, user_id) for user_id in ids if user_id != event.actor_user_id]
    return [u for u in users if u is not None and not u.disabled and u.email]


RECIPIENTS: dict[str, Callable[[Session, Event, object], list[User]]] = {
    "service_submitted": _reviewers,
    "service_returned": _editors,
    "service_approved": _editors,
}


def _base_url() -> str:
    settings = current_app.config["CONCERTO"]
    return (settings["public_url"] or f"http://{settings['host']}:{settings['port']}").rstrip("/")


def _message(session: Session, event: Event, user: User) -> tuple[str, str, str]:
    """Subject, body and language of the e-mail telling ``user`` about ``event``."""
    from core.inventory.models import Service

    language = language_of(user)
    service = session.get(Service, event.record_id)
    with force_locale(language):
        text = render_template(
            f"notifications/mail/{event.kind}.txt",
            event=event,
            user=user,
            service=service,
            name=service.local("name", language).text if service else "",
            language=language,
            link=f"{_base_url()}/services/{event.record_id}",
        )
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n"), language


def notify_pending(session: Session, limit: int = 200) -> int:
    """Tell the people concerned about the events not yet told; returns the e-mails written."""
    registry = current_app.extensions["concerto.registry"]
    events = session.scalars(
        select(Event).where(Event.notified_at.is_(None)).order_by(Event.id).limit(limit)
    ).all()
    written = 0
    for event in events:
        find = RECIPIENTS.get(event.kind)
        for user in find(session, event, registry) if find else []:
            subject, body, language = _message(session, event, user)
            written += (
                queue(
                    session,
                    key=f"event:{event.id}:{user.id}",
                    kind=event.kind,
                    recipient=user.email,
                    language=language,
                    subject=subject,
                    body=body,
                )
                is not None
            )
        event.notified_at = utcnow()
    return written
