"""Writing to the log of events (core.events.models)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit.services import who
from core.events.models import Event
from core.permissions import Principal


def record(
    session: Session,
    kind: str,
    *,
    record_kind: str,
    record_id: int,
    authority: str | None,
    actor: Principal | None = None,
    key: str | None = None,
    visibility: str | None = None,
    **data,
) -> Event | None:
    """Log ``kind`` for the record, in the caller's transaction: the event exists exactly
    when the change it tells about was committed. With a ``key``, once: None when an event
    with that key is already there (a job run twice, or by two processes). Without an
    ``actor``, whoever acts now (the request's person, or the job's ``acting_as``)."""
    actor = actor or who()
    # Who may see it (core.events.log): by default the record's authority and the committee.
    visibility = visibility or (f"authority:{authority}" if authority else "committee")
    event = Event(
        kind=kind,
        record_kind=record_kind,
        record_id=record_id,
        authority_code=authority,
        actor_user_id=actor.user_id,
        channel=actor.channel,
        visibility=visibility,
        key=key,
        data=data,
    )
    if key is None:
        session.add(event)
        return event
    if session.scalar(select(Event.id).where(Event.key == key)) is not None:
        return None
    try:
        with session.begin_nested():  # a concurrent writer of the same key costs only this
            session.add(event)
    except IntegrityError:
        return None
    return event
