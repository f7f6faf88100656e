"""Following a record: a person follows a service, a need, a goal, a body or a meeting and
hears of what happens to it as they chose for the kind "followed" (by default in the daily
digest). What happens to a meeting reaches who follows its body; to a decision, an action or
minutes, who follows its meeting (and its goal); to a plan action, who follows its goal.

A person may follow only what they may read (core.links' rules, as the record's page applies
them), and hears only of what they may still read when it happens.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.events.kinds import About, Kind, reachable
from core.events.models import Event
from core.goals.models import Goal, PlanAction
from core.i18n import show_datetime
from core.identity.models import User
from core.identity.services import principal_for
from core.inventory.models import Need, Service
from core.links import services as links
from core.mail.services import base_url
from core.meetings.calendars import meeting_title
from core.meetings.models import ActionItem, Body, Decision, Meeting, Minutes
from core.notifications.models import Follow
from core.permissions import Principal, can
from core.validation import Invalid, Refused

KINDS = ("service", "need", "goal", "body", "meeting")
MODELS = {"service": Service, "need": Need, "goal": Goal, "body": Body, "meeting": Meeting}
KIND_LABELS = {
    "service": _l("Service"),
    "need": _l("Need"),
    "goal": _l("Goal"),
    "body": _l("Body"),
    "meeting": _l("Meeting"),
}
PAGES = {
    "service": "/services/{}",
    "need": "/needs/{}",
    "goal": "/goals/{}",
    "body": "/bodies/{}",
    "meeting": "/meetings/{}",
}


def may_read(principal: Principal, kind: str, record) -> bool:
    if kind == "body":
        return can(principal, "meetings.read")
    return links.readable(principal, kind, record)


def find(session: Session, kind: str, record_id) -> object | None:
    model = MODELS.get(kind)
    if model is None or not str(record_id).isdecimal() or not 0 < int(record_id) < 2**31:
        return None
    return session.get(model, int(record_id))


def follow(session: Session, user_id: int, principal: Principal, kind: str, record_id) -> Follow:
    """``user_id`` follows the record (once; following again changes nothing). Refused when the
    record does not exist or the person may not read it."""
    record = find(session, kind, record_id)
    if record is None:
        raise Invalid({"record": "unknown"})
    if not may_read(principal, kind, record):
        raise Refused("unreadable")
    existing = following(session, user_id, kind, record.id)
    if existing is not None:
        return existing
    row = Follow(user_id=user_id, record_kind=kind, record_id=record.id)
    try:
        with session.begin_nested():  # a double click from two tabs
            session.add(row)
    except IntegrityError:
        return following(session, user_id, kind, record.id)
    return row


def unfollow(session: Session, user_id: int, kind: str, record_id) -> bool:
    row = following(session, user_id, kind, record_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def following(session: Session, user_id: int | None, kind: str, record_id) -> Follow | None:
    if user_id is None or not str(record_id).isdecimal():
        return None
    return session.scalar(
        select(Follow).where(
            Follow.user_id == user_id,
            Follow.record_kind == kind,
            Follow.record_id == int(record_id),
        )
    )


def followed_by(session: Session, user_id: int) -> list[Follow]:
    return session.scalars(
        select(Follow).where(Follow.user_id == user_id).order_by(Follow.created_at.desc())
    ).all()


# --- who hears of an event -------------------------------------------------------------------


def _followed_records(session: Session, event: Event) -> list[tuple[str, int]]:
    """The followable records an event concerns: its own, and those above it."""
    kind, ident = event.record_kind, event.record_id
    if kind in ("service", "need", "goal", "body"):
        return [(kind, ident)]
    if kind == "meeting":
        meeting = session.get(Meeting, ident)
        return [("meeting", ident)] + ([("body", meeting.body_id)] if meeting else [])
    if kind in ("minutes", "decision", "action_item", "action"):
        model = {"minutes": Minutes, "decision": Decision}.get(kind, ActionItem)
        record = session.get(model, ident)
        if record is None:
            return []
        meeting_id = record.minutes.meeting_id if kind == "decision" else record.meeting_id
        found = [("meeting", meeting_id)]
        goal_id = getattr(record, "goal_id", None)
        return found + ([("goal", goal_id)] if goal_id else [])
    if kind == "plan_action":
        action = session.get(PlanAction, ident)
        return [("goal", action.goal_id)] if action is not None else []
    return []


def all_followed(session: Session) -> set[tuple[str, int]]:
    """Every followed record, once: few (people times what they follow), read once per run
    so that the many changes nobody follows cost no query."""
    return set(session.execute(select(Follow.record_kind, Follow.record_id).distinct()).all())


def followers(
    session: Session, event: Event, registry, followed: set[tuple[str, int]] | None = None
) -> list[User]:
    """The people following a record the event concerns who may read it now."""
    direct = event.record_kind in ("service", "need", "goal")
    if followed is not None and direct and (event.record_kind, event.record_id) not in followed:
        return []  # the common case, without a query
    pairs = [
        pair for pair in _followed_records(session, event) if followed is None or pair in followed
    ]
    if not pairs:
        return []
    rows = session.scalars(
        select(Follow).where(
            Follow.record_kind.in_({kind for kind, _ in pairs}),
            Follow.record_id.in_({ident for _, ident in pairs}),
        )
    ).all()
    wanted = set(pairs)
    found: list[User] = []
    for row in rows:
        if (row.record_kind, row.record_id) not in wanted:
            continue
        user = session.get(User, row.user_id)
        record = find(session, row.record_kind, row.record_id)
        if user is None or record is None or user in found:
            continue
        if any(
            may_read(principal_for(identity, registry=registry), row.record_kind, record)
            for identity in user.identities
        ):
            found.append(user)
    return reachable(found)


def title(session: Session, kind: str, record, language: str) -> str:
    if kind == "meeting":
        return f"{meeting_title(record, language)}, {show_datetime(record.starts_at)}"
    if kind == "goal":
        return f"{record.code} {record.local('title', language).text}"
    field = {"need": "description"}.get(kind, "name")
    return record.local(field, language).text[:120]


def about(session: Session, event: Event, language: str) -> About | None:
    """A followed record's change as the e-mail names it: the record followed, and what
    happened to it in words."""
    for kind, ident in _followed_records(session, event):
        record = find(session, kind, ident)
        if record is not None:
            return About(
                title=title(session, kind, record, language),
                link=base_url() + PAGES[kind].format(ident),
                detail=str(happened(event)),
            )
    return None


HAPPENED = {
    "created": _l("created"),
    "changed": _l("changed"),
    "published": _l("published"),
    "approved": _l("approved"),
    "withdrawn": _l("withdrawn"),
    "deleted": _l("deleted"),
}
# A service's review steps, as its change events carry them (data["state"]: [before, after]).
STEPS = {
    "submitted": _l("submitted for review"),
    "returned": _l("returned to its authors"),
}


def happened(event: Event):
    """What happened, in words: change events are named "<record>.<what>"
    (core.events.changes); a service's review step is read from its state."""
    state = (event.data or {}).get("state")
    if isinstance(state, list) and len(state) == 2 and state[1] in STEPS:
        return STEPS[state[1]]
    return HAPPENED.get(event.kind.rpartition(".")[2], HAPPENED["changed"])


FOLLOWED = Kind(
    "followed",
    _l("Something changed in a record I follow"),
    "daily",
    followers,  # for change events only, read by the notifier from its place in the log
    about,
    "notifications/mail/followed.txt",
)
