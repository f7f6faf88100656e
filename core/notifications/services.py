"""Who is told of what happened, and how.

The features record events (core.events) in the transaction of each change, and declare
beside their services what each kind means to people (``core/<feature>/notices.py``: label,
default, who is concerned, what the e-mail says). ``notify_pending`` (a scheduled job,
core.notifications.jobs) reads the events not yet told, works out who each concerns (the
kind's recipients, and the people who follow the record, core.notifications.follows), and
writes one e-mail per person to the outbox in that person's language, under the key
``event:<event>:<person>``: a second run, or two scheduler processes, write nothing twice,
and an event is marked told in the same transaction as its e-mails.

Each person chooses per kind how to hear of it (``HOWS``): at once, in the daily or the
weekly digest, or not at all; without a choice, the kind's default. Someone concerned without
an account (an action's owner known by address) is told at once. A digest groups what waited
by kind, one e-mail per person and period, never empty, keyed ``digest:<how>:<period>:<user>``
so that two scheduler processes or a restart send it once. Every e-mail to an account carries
a signed link to its settings (no login needed); digests carry RFC 8058 one-click unsubscribe
headers.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.events import log
from core.events.changes import RECORD_KINDS
from core.events.kinds import About, Address, Kind, Recipient
from core.events.models import Event
from core.i18n import LANGUAGES, language_of_authority
from core.identity.models import User
from core.inventory import notices as inventory_notices
from core.mail.services import base_url, queue
from core.meetings import notices as meeting_notices
from core.notifications import follows
from core.notifications.models import DigestEntry, NotificationSetting
from core.signals import notices as signal_notices
from core.validation import Invalid

# Every kind a person can be told of, in the order the settings page shows them.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        *inventory_notices.KINDS,
        *meeting_notices.KINDS,
        *signal_notices.KINDS,
        follows.FOLLOWED,
    )
}
HOWS = {
    "now": _l("at once"),
    "daily": _l("in the daily digest"),
    "weekly": _l("in the weekly digest"),
    "off": _l("not at all"),
}
DIGESTS = ("daily", "weekly")
# The notifier's place in the log of changes, for the people who follow records.
FOLLOWERS_READER = "notifier:followed"


def language_of(person: Recipient) -> str:
    if isinstance(person, Address):
        return person.language if person.language in LANGUAGES else "nl"
    if person.default_language in LANGUAGES:
        return person.default_language
    first = person.identities[0].authority_code if person.identities else None
    return language_of_authority(first)


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
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


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


def _render(template: str, footer_link: str | None, **context) -> tuple[str, str]:
    text = render_template(template, **context)
    if footer_link:
        text += render_template("notifications/mail/_footer.txt", link=footer_link)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")


def _own_people(session: Session, event: Event, registry) -> list[Recipient]:
    """Who the event's kind concerns, each once, never whoever acted."""
    found: list[Recipient] = []
    seen: set = set()
    for person in KINDS[event.kind].recipients(session, event, registry):
        key = person.id if isinstance(person, User) else person.email.lower()
        if key in seen or (isinstance(person, User) and person.id == event.actor_user_id):
            continue
        seen.add(key)
        found.append(person)
    return found


def _about(session: Session, event: Event, told_as: str, language: str) -> About | None:
    if told_as == follows.FOLLOWED.name:
        return follows.about(session, event, language)
    return KINDS[told_as].about(session, event, language)


_SETTINGS_READ = "notifications_settings_read"


def notify_pending(session: Session, limit: int = 500) -> int:
    """Tell the people concerned about what happened since the last run: each kind's own
    people of the events not yet told, and the followers of the records that changed; at
    once, or kept for their digest. Returns the e-mails written."""
    registry = current_app.extensions["concerto.registry"]
    own_kinds = [name for name in KINDS if name != follows.FOLLOWED.name]
    events = session.scalars(
        select(Event)
        .where(Event.notified_at.is_(None), Event.kind.in_(own_kinds))
        .order_by(Event.id)
        .limit(limit)
    ).all()
    written = 0
    for event in events:
        for person in _own_people(session, event, registry):
            written += _deliver(session, event, event.kind, person)
        event.notified_at = utcnow()
        session.flush()
    written += _tell_followers(session, registry, limit)
    session.info.pop(_SETTINGS_READ, None)  # a later run reads the settings again
    return written


def _tell_followers(session: Session, registry, limit: int) -> int:
    """Who follows a record hears of its changes: the change events of the log
    (core.events.changes), read from the notifier's own place in it."""
    place = log.place_of(session, FOLLOWERS_READER)
    batch = log.read(session, place, kinds=[f"{kind}." for kind in RECORD_KINDS], limit=limit)
    if not batch:
        return 0
    followed = follows.all_followed(session)
    written = 0
    for event in batch if followed else ():
        for person in follows.followers(session, event, registry, followed):
            if person.id != event.actor_user_id:
                written += _deliver(session, event, follows.FOLLOWED.name, person)
    log.move_to(session, FOLLOWERS_READER, log.position_of(batch[-1]))
    session.flush()
    return written


def _deliver(session: Session, event: Event, told_as: str, person: Recipient) -> int:
    """At once, into the person's digest, or not at all, as they chose for ``told_as``."""
    if isinstance(person, User):
        # Read once per person and run: a run tells the same people of many events.
        chosen = session.info.setdefault(_SETTINGS_READ, {})
        if person.id not in chosen:
            chosen[person.id] = settings_of(session, person)
        how = chosen[person.id].get(told_as, "off")
        if how in DIGESTS:
            entry = DigestEntry(user_id=person.id, event_id=event.id, how=how, kind=told_as)
            try:
                with session.begin_nested():  # another notifier run kept it already
                    session.add(entry)
            except IntegrityError:
                pass
            return 0
        if how != "now":
            return 0
    return int(_tell_now(session, event, told_as, person))


def _tell_now(session: Session, event: Event, told_as: str, person: Recipient) -> bool:
    language = language_of(person)
    with force_locale(language):
        about = _about(session, event, told_as, language)
        if about is None:
            return False  # the record is gone: nothing to tell
        template = (
            follows.FOLLOWED.template
            if told_as == follows.FOLLOWED.name
            else KINDS[told_as].template
        )
        subject, body = _render(
            template,
            settings_link(person) if isinstance(person, User) else None,
            event=event,
            about=about,
            name=person.display_name,
            language=language,
        )
    who = person.id if isinstance(person, User) else person.email.lower()
    return (
        queue(
            session,
            key=f"event:{event.id}:{who}",
            kind=event.kind,
            recipient=person.email,
            language=language,
            subject=subject,
            body=body,
        )
        is not None
    )


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
        if sent or sent is None or not reachable:
            for entry in waiting:
                entry.sent_at = utcnow()
        written += bool(sent)
    session.flush()
    return written


def _digest(session: Session, user: User, how: str, period: str, waiting) -> bool | None:
    language = language_of(user)
    with force_locale(language):
        # By kind, then by record: what happened to one record is one line, its steps in
        # the order they happened.
        groups: dict[str, dict[tuple, tuple[About, list[str]]]] = {}
        for entry in waiting:
            event = session.get(Event, entry.event_id)
            told_as = entry.kind if entry.kind in KINDS else event.kind
            about = _about(session, event, told_as, language) if told_as in KINDS else None
            if about is None:
                continue
            records = groups.setdefault(told_as, {})
            record = (event.record_kind, event.record_id, event.authority_code)
            _first, details = records.setdefault(record, (about, []))
            if about.detail and about.detail not in details:
                details.append(about.detail)
        if not groups:
            return None  # every record is gone: nothing to tell, nothing to keep
        count = sum(len(records) for records in groups.values())
        subject, body = _render(
            "notifications/mail/digest.txt",
            settings_link(user),
            how=how,
            groups=[
                (
                    KINDS[name].label,
                    [(about, ", ".join(details)) for about, details in records.values()],
                )
                for name, records in groups.items()
            ],
            name=user.display_name,
            count=count,
        )
    unsubscribe_url = f"{base_url()}/notifications/{settings_token(user)}/unsubscribe/{how}"
    return (
        queue(
            session,
            key=f"digest:{how}:{period}:{user.id}",
            kind=f"digest_{how}",
            recipient=user.email,
            language=language,
            subject=subject,
            body=body,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        is not None
    )
