"""Writing to the log of events (core.events.models)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events.models import Event
from core.permissions import Principal


def record(
    session: Session,
    kind: str,
    *,
    record_kind: str,
    record_id: int,
    authority: str | None,
    actor: Principal,
    visibility: str | None = None,
    **data,
) -> Event:
    """Log ``kind`` for the record, in the caller's transaction: the event exists exactly
    when the change it tells about was committed."""
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
        data=data,
    )
    session.add(event)
    return event
