"""Events and who is told about them.

``record`` writes an event beside the change, in the caller's transaction. ``notify_pending``
(a scheduled job, core.notifications.jobs) reads the events not yet told, works out who each
concerns, and writes one e-mail per person to the outbox in that person's language, under the
key ``event:<event>:<user>``: a second run, or two scheduler processes, write nothing twice,
and an event is marked told in the same transaction as its e-mails.

Each person chooses per kind of event how to hear of it (``HOWS``): at once, in the daily or
the weekly digest, or not at all; without a choice, the kind's default (``DEFAULTS``). A
digest groups what waited by kind, one e-mail per person and period, never empty, keyed
``digest:<how>:<period>:<user>`` so that two scheduler processes or a restart send it once.
Every e-mail carries a signed link to the person's settings (no login needed); digests carry
RFC 8058 one-click unsubscribe headers.

Told today (the inventory's review loop):
- a service submitted: to every committee member who may review it, never to whoever
  submitted or last edited it (they cannot approve their own change);
- a service returned (with the reviewer's comment) or approved: to the people who edited or
  submitted it, never to the reviewer.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.events.models import Event
from core.i18n import LANGUAGES
from core.identity.models import User
from core.identity.services import principal_for
from core.mail.services import base_url, queue
from core.notifications.models import DigestEntry, NotificationSetting
from core.permissions import can
from core.validation import Invalid

# Each kind of event a person can be told of, as the settings page names it.
KINDS = {
    "service_submitted": _l("A service waits for a review I may give"),
    "service_returned": _l("A service I edited was returned"),
    "service_approved": _l("A service I edited was published"),
}
HOWS = {
    "now": _l("at once"),
    "daily": _l("in the daily digest"),
    "weekly": _l("in the weekly digest"),
    "off": _l("not at all"),
}
# Reviewers hear of submissions once a day (there can be many); authors at once of their own.
DEFAULTS = {"service_submitted": "daily", "service_returned": "now", "service_approved": "now"}
DIGESTS = ("daily", "weekly")

# The authorities whose people read French first; the others Dutch (as the overdue reminders).
FRENCH_FIRST = ("federatie_wb", "cocof")


def language_of(user: User) -> str:
    if user.default_language in LANGUAGES:
        return user.default_language
    first = user.identities[0].authority_code if user.identities else None
    return "fr" if first in FRENCH_FIRST else "nl"


def _people(session: Session) -> list[User]:
    return session.scalars(
        select(User)
        .where(User.disabled.is_(False), User.email.is_not(None))
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.id)
    ).all()


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
    for user in _people(session):
        if user.id in editors or user.id == event.actor_user_id:
            continue
        if any(
            can(principal_for(identity, registry=registry), "inventory.review", service)
            for identity in user.identities
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


# --- settings ---------------------------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notification-settings")


def settings_token(user: User) -> str:
    """The signed part of a person's settings link: whoever holds the e-mail may change how
    they are told, nothing else."""
    return _signer().dumps(user.id)


def user_of_token(session: Session, token: str) -> User | None:
    try:
        user_id = _signer().loads(token)
    except BadSignature:
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and not user.disabled else None


def settings_link(user: User) -> str:
    return f"{base_url()}/notifications/{settings_token(user)}"


def settings_of(session: Session, user: User) -> dict[str, str]:
    chosen = dict(
        session.execute(
            select(NotificationSetting.kind, NotificationSetting.how).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in KINDS}


def save_settings(session: Session, user: User, values: dict[str, str]) -> dict[str, str]:
    """Store how ``user`` wants to hear of each kind in ``values``; refuses an unknown kind or
    way (nothing is stored then)."""
    errors = {}
    for kind, how in values.items():
        if kind not in KINDS:
            errors[kind] = "unknown"
        elif how not in HOWS:
            errors[kind] = "choice"
    if errors:
        raise Invalid(errors)
    stored = {
        row.kind: row
        for row in session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    for kind, how in values.items():
        if kind in stored:
            stored[kind].how = how
        else:
            session.add(NotificationSetting(user_id=user.id, kind=kind, how=how))
    session.flush()
    return settings_of(session, user)


def unsubscribe(session: Session, user: User, how: str) -> None:
    """One click in a digest: every kind told in that digest is told no more."""
    current = settings_of(session, user)
    save_settings(session, user, {kind: "off" for kind, way in current.items() if way == how})


# --- telling --------------------------------------------------------------------------------


def _message(session: Session, event: Event, user: User) -> tuple[str, str, str]:
    """Subject, body and language of the e-mail telling ``user`` about ``event``."""
    language = language_of(user)
    with force_locale(language):
        text = render_template(
            f"notifications/mail/{event.kind}.txt", **_about(session, event, user, language)
        )
        text += render_template("notifications/mail/_footer.txt", link=settings_link(user))
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n"), language


def _about(session: Session, event: Event, user: User, language: str) -> dict:
    from core.inventory.models import Service

    service = session.get(Service, event.record_id)
    return {
        "event": event,
        "user": user,
        "service": service,
        "name": service.local("name", language).text if service else "",
        "language": language,
        "link": f"{base_url()}/services/{event.record_id}",
    }


def notify_pending(session: Session, limit: int = 200) -> int:
    """Tell the people concerned about the events not yet told: at once, or kept for their
    digest. Returns the e-mails written."""
    registry = current_app.extensions["concerto.registry"]
    events = session.scalars(
        select(Event).where(Event.notified_at.is_(None)).order_by(Event.id).limit(limit)
    ).all()
    written = 0
    for event in events:
        find = RECIPIENTS.get(event.kind)
        for user in find(session, event, registry) if find else []:
            how = settings_of(session, user).get(event.kind, "off")
            if how in DIGESTS:
                session.add(DigestEntry(user_id=user.id, event_id=event.id, how=how))
                continue
            if how != "now":
                continue
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
        session.flush()
    return written


def send_digests(session: Session, how: str, period: str) -> int:
    """One e-mail per person with what waited for their ``how`` digest, grouped by kind;
    ``period`` (2026-12-03, 2026-W49) names the digest in its key. Returns the e-mails."""
    entries = session.scalars(
        select(DigestEntry)
        .where(DigestEntry.how == how, DigestEntry.sent_at.is_(None))
        .order_by(DigestEntry.user_id, DigestEntry.event_id)
    ).all()
    by_user: dict[int, list[DigestEntry]] = {}
    for entry in entries:
        by_user.setdefault(entry.user_id, []).append(entry)
    written = 0
    for user_id, waiting in by_user.items():
        user = session.get(User, user_id)
        reachable = user is not None and user.email and not user.disabled
        sent = reachable and _digest(session, user, how, period, waiting)
        # Marked only with the digest that holds them (or when nobody can be written to):
        # when this period's digest already went (another process, a second run), they wait
        # for the next one instead of being lost.
        if sent or not reachable:
            for entry in waiting:
                entry.sent_at = utcnow()
        written += bool(sent)
    session.flush()
    return written


def _digest(session: Session, user: User, how: str, period: str, waiting) -> bool:
    language = language_of(user)
    groups: dict[str, list[dict]] = {}
    for entry in waiting:
        event = session.get(Event, entry.event_id)
        groups.setdefault(event.kind, []).append(_about(session, event, user, language))
    token = settings_token(user)
    with force_locale(language):
        text = render_template(
            "notifications/mail/digest.txt",
            how=how,
            groups=[(KINDS[kind], items) for kind, items in groups.items() if kind in KINDS],
            user=user,
            count=len(waiting),
        )
        text += render_template("notifications/mail/_footer.txt", link=settings_link(user))
    subject, _, body = text.partition("\n")
    unsubscribe_url = f"{base_url()}/notifications/{token}/unsubscribe/{how}"
    return (
        queue(
            session,
            key=f"digest:{how}:{period}:{user.id}",
            kind=f"digest_{how}",
            recipient=user.email,
            language=language,
            subject=subject.strip(),
            body=body.lstrip("\n"),
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        is not None
    )
