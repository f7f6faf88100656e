"""What the feeds read from the log of changes (core.events), and how they word it.

Three readers, one log: ``/api/v1/changes`` pages through every change the caller may see
with an opaque cursor; the public Atom feeds give the latest changes of the published
inventory (all authorities, or one) in one language; a committee member's private Atom feed
gives every change they may see, by an address holding a secret token (revocable, only its
fingerprint kept). Visibility is the log's (core.events.log), decided by core.permissions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.events import changes, log
from core.events.models import Event
from core.feeds.models import FeedToken
from core.i18n import pick, show_date
from core.identity.models import Identity, User
from core.identity.services import principal_for
from core.inventory.changes import field_label
from core.permissions import Principal, can
from core.validation import Invalid

LANGS = ("nl", "fr", "en")
DEFAULT_LIMIT = 100
LONGEST_PAGE = 500
ENTRIES = 50  # entries of an Atom feed: the latest changes
TOKEN_BYTES = 32

# What the public inventory feed holds: every public change of a service.
INVENTORY = changes.WHATS["service"]


ERRORS = {
    "since": _l("This cursor was not given by this platform. Start without one, or use next."),
    "kinds": _l(
        "Unknown kind of change. Give kinds such as service.withdrawn, or a record such as "
        "service, separated by commas."
    ),
    "limit": _l("Give a whole number between 1 and 500."),
}


# --- the API's page of changes ------------------------------------------------------------------


def parse_kinds(raw: str | None) -> list[str] | None:
    """The kinds asked for: kinds ("service.withdrawn") or records ("service", every kind of
    change of a service); None for all. Raises Invalid for an unknown one."""
    if raw is None or not raw.strip():
        return None
    wanted = []
    for part in raw.split(","):
        name = part.strip()
        if name in changes.CHANGE_KINDS:
            wanted.append(name)
        elif name in changes.RECORD_KINDS:
            wanted.append(name + ".")
        else:
            raise Invalid({"kinds": "kinds"})
    return wanted


def parse_since(raw: str | None) -> log.Position:
    if raw is None or raw == "":
        return log.START
    position = log.decode(raw)
    if position is None:
        raise Invalid({"since": "since"})
    return position


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdecimal() or not 1 <= int(raw) <= LONGEST_PAGE:
        raise Invalid({"limit": "limit"})
    return int(raw)


@dataclass
class Page:
    events: list[Event]
    next: log.Position
    more: bool


def changes_after(
    session: Session,
    principal: Principal,
    since: log.Position,
    kinds: list[str] | None,
    limit: int,
) -> Page:
    """The changes after ``since`` that ``principal`` may see, in the log's order; ``next``
    is where the following page starts (``since`` itself when nothing is new yet)."""
    found = log.read(
        session,
        since,
        principal=principal,
        kinds=kinds or [kind + "." for kind in changes.RECORD_KINDS],
        limit=limit + 1,
    )
    more = len(found) > limit
    found = found[:limit]
    return Page(found, log.position_of(found[-1]) if found else since, more)


API_PATHS = {
    "service": "/api/v1/services/{}",
    "meeting": "/api/v1/meetings/{}",
    "action_item": "/api/v1/actions/{}",
    "goal": "/api/v1/goals/{}",
    "plan_action": "/api/v1/plan-actions/{}",
}
PAGE_PATHS = {
    "service": "/services/{}",
    "need": "/needs/{}",
    "meeting": "/meetings/{}",
    "action_item": "/actions/{}",
    "goal": "/goals/{}",
    "plan_action": "/plan-actions/{}",
}


def page_path(event: Event) -> str | None:
    """The record's page, for those who may read it; none for what was deleted."""
    if event.kind.endswith(".deleted"):
        return None
    if event.record_kind == "decision":
        meeting = (event.data or {}).get("meeting_id")
        return f"/meetings/{meeting}#decision-{event.record_id}" if meeting else None
    path = PAGE_PATHS.get(event.record_kind)
    return path.format(event.record_id) if path else None


def change_body(event: Event, root: str) -> dict:
    """One change as the API gives it. ``root``: the platform's address, for the links."""
    data = event.data or {}
    tombstone = changes.is_tombstone(event.kind)
    api = API_PATHS.get(event.record_kind)
    page = page_path(event)
    return {
        "id": event.id,
        "cursor": log.encode(log.position_of(event)),
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "record": {
            "kind": event.record_kind,
            "id": event.record_id,
            "api_url": None if tombstone or api is None else root + api.format(event.record_id),
            "page_url": None if page is None else root + page,
        },
        "tombstone": tombstone,
        "authority": event.authority_code,
        "channel": event.channel,
        "visibility": event.visibility,
        "fields": data.get("fields", []),
        "title": data.get("title") or {},
    }


# --- words -------------------------------------------------------------------------------------

# How a change is named in a feed, per kind (French agrees with the record's gender).
PHRASES = {
    "service.created": _l("New service (draft): %(title)s"),
    "service.changed": _l("Service changed: %(title)s"),
    "service.published": _l("Service published: %(title)s"),
    "service.withdrawn": _l("Service withdrawn: %(title)s"),
    "service.deleted": _l("Service removed: %(title)s"),
    "need.created": _l("Need signalled: %(title)s"),
    "need.changed": _l("Need changed: %(title)s"),
    "need.deleted": _l("Need removed: %(title)s"),
    "decision.created": _l("Decision written: %(title)s"),
    "decision.changed": _l("Decision changed: %(title)s"),
    "decision.approved": _l("Decision approved: %(title)s"),
    "decision.deleted": _l("Decision removed: %(title)s"),
    "action_item.created": _l("Action agreed: %(title)s"),
    "action_item.changed": _l("Action changed: %(title)s"),
    "action_item.deleted": _l("Action removed: %(title)s"),
    "meeting.created": _l("Meeting planned: %(title)s"),
    "meeting.changed": _l("Meeting changed: %(title)s"),
    "meeting.deleted": _l("Meeting removed: %(title)s"),
    "goal.created": _l("Goal added: %(title)s"),
    "goal.changed": _l("Goal changed: %(title)s"),
    "goal.deleted": _l("Goal removed: %(title)s"),
    "plan_action.created": _l("Plan action added: %(title)s"),
    "plan_action.changed": _l("Plan action changed: %(title)s"),
    "plan_action.deleted": _l("Plan action removed: %(title)s"),
}
# The public feed speaks of the inventory: a service's first appearance there is news.
PUBLIC_PHRASES = {
    "service.created": _l("New service: %(title)s"),
    "service.published": _l("Service published: %(title)s"),
}


def title_of(event: Event, language: str) -> str:
    """The record's name as the event keeps it, in ``language`` or another one."""
    data = event.data or {}
    text = pick(data.get("title") or {}, language).text
    colon = _(":") + " "  # as the reader's language writes it (French: a space before it)
    if event.record_kind == "decision":
        number = data.get("number")
        return _("Decision %(number)s", number=number) + (f"{colon}{text}" if text else "")
    if event.record_kind == "meeting":
        body = pick(data.get("body") or {}, language).text
        starts = data.get("starts_at")
        day = show_date(datetime.fromisoformat(starts).date()) if starts else ""
        name = colon.join(part for part in (body, text) if part)
        return ", ".join(part for part in (name, day) if part) or _("a meeting")
    if event.record_kind == "goal" and data.get("code"):
        return f"{data['code']} {text}".strip()
    return text or _("(no title)")


def phrase(event: Event, language: str, public: bool = False) -> str:
    words = (PUBLIC_PHRASES if public else {}).get(event.kind) or PHRASES.get(event.kind)
    title = title_of(event, language)
    return str(words % {"title": title}) if words is not None else title


def what_changed(event: Event, registry) -> str:
    """The fields a change touched, as the form names them; empty when it names none."""
    fields = (event.data or {}).get("fields") or []
    if not fields:
        return ""
    authority = registry.authorities.get(event.authority_code) if registry else None
    if event.record_kind == "service":
        labels = []
        for name in fields:
            label = str(field_label(name, authority))
            if label not in labels:
                labels.append(label)
    else:
        labels = [str(FIELD_WORDS.get(name, _l("details"))) for name in fields]
        labels = list(dict.fromkeys(labels))
    return _("What changed: %(fields)s", fields=", ".join(labels))


# Fields of the other records, named in words (the rest are "details").
FIELD_WORDS = {
    "status": _l("status"),
    "due_on": _l("due date"),
    "note": _l("note"),
    "agenda": _l("agenda"),
    "minutes": _l("minutes"),
    "starts_at": _l("date and time"),
    "ends_at": _l("date and time"),
    "state": _l("status"),
    "cancelled_at": _l("cancellation"),
    "progress": _l("progress"),
    "services": _l("services that answer it"),
    **{f"title_{lang}": _l("title") for lang in LANGS},
    **{f"text_{lang}": _l("text") for lang in LANGS},
    **{f"description_{lang}": _l("description") for lang in LANGS},
}


# --- Atom --------------------------------------------------------------------------------------


def inventory_events(session: Session, authority: str | None = None) -> list[Event]:
    """The latest public changes of the inventory, newest first."""
    statement = select(Event).where(
        Event.record_kind == "service",
        Event.visibility == log.PUBLIC,
        Event.kind.in_([f"service.{what}" for what in INVENTORY]),
    )
    if authority is not None:
        statement = statement.where(Event.authority_code == authority)
    return session.scalars(statement.order_by(Event.id.desc()).limit(ENTRIES)).all()


def committee_events(session: Session, principal: Principal) -> list[Event]:
    """The latest changes ``principal`` may see, newest first."""
    statement = (
        select(Event)
        .where(log.of_kinds([kind + "." for kind in changes.RECORD_KINDS]))
        .where(log.visible_to(principal))
        .order_by(Event.id.desc())
        .limit(ENTRIES)
    )
    return session.scalars(statement).all()


@dataclass
class Feed:
    title: str
    feed_id: str  # a permanent IRI
    self_url: str
    alternate_url: str
    language: str
    public: bool


def atom(feed: Feed, events: list[Event], root: str, registry) -> bytes:
    """An Atom document (RFC 4287) of ``events`` (newest first), worded in the feed's
    language."""
    generator = FeedGenerator()
    with force_locale(feed.language):
        generator.id(feed.feed_id)
        generator.title(feed.title)
        generator.author({"name": _("Concerto, the consultation committee's platform")})
        generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
        generator.link(href=feed.alternate_url, rel="alternate", type="text/html")
        generator.language(feed.language)
        generator.updated(events[0].occurred_at if events else _epoch())
        # feedgen puts the entry added last first: add the oldest first.
        for event in reversed(events):
            entry = generator.add_entry()
            entry.id(f"{feed.feed_id.rstrip('/')}/event/{event.id}")
            entry.title(phrase(event, feed.language, public=feed.public))
            entry.updated(event.occurred_at)
            page = page_path(event)
            entry.link(href=root + (page or "/services"), rel="alternate", type="text/html")
            summary = what_changed(event, registry)
            if changes.is_tombstone(event.kind):
                summary = _("No longer in the inventory.") if feed.public else summary
            if summary:
                entry.summary(summary)
        return generator.atom_str(pretty=True)


def _epoch() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


# --- private feed addresses ----------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_have_feed(principal: Principal) -> bool:
    """Committee members, the secretariat and administrators keep a private feed."""
    return can(principal, "shared.read")


def token_of(session: Session, user_id: int) -> FeedToken | None:
    return session.scalar(select(FeedToken).where(FeedToken.user_id == user_id))


def new_token(session: Session, user_id: int) -> str:
    """A new secret for the person's private feed; the previous address stops working.
    Returns the secret (shown once: only its fingerprint is kept)."""
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    found = token_of(session, user_id)
    if found is None:
        found = FeedToken(user_id=user_id)
        session.add(found)
    found.token_hash = _digest(secret)
    found.created_at = utcnow()
    found.used_at = None
    session.flush()
    return secret


def revoke(session: Session, user_id: int) -> bool:
    found = token_of(session, user_id)
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def reader_of(session: Session, secret: str, registry) -> tuple[User, Principal] | None:
    """Whose private feed this secret opens, as they may read now (their roles as their
    last login gave them); None for an unknown or revoked secret, a disabled account, or
    someone no longer on the committee."""
    if not secret or len(secret) > 100:
        return None
    found = session.scalar(select(FeedToken).where(FeedToken.token_hash == _digest(secret)))
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if user is None or user.disabled:
        return None
    identities = session.scalars(
        select(Identity)
        .where(Identity.user_id == user.id)
        .order_by(Identity.last_login_at.desc().nulls_last(), Identity.id)
    ).all()
    for identity in identities:
        principal = principal_for(identity, registry=registry)
        if may_have_feed(principal):
            found.used_at = utcnow()
            return user, principal
    return None
