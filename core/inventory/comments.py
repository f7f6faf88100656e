"""Comments on a service: the committee and the service's authority discuss it beside the
review (a question before approving, an answer, a suggestion). A comment changes nothing in
the service and is never public; who may read the service's drafts reads and writes them
(core.permissions' "inventory.read_unpublished"). Each comment is an event, told to the
people who edited the service and those who commented before (core.inventory.notices)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import services as events
from core.inventory.models import Service, ServiceComment
from core.permissions import Principal, can
from core.validation import Invalid, Refused, clean_text

LONGEST = 4000


def comments_of(session: Session, service: Service) -> list[ServiceComment]:
    return session.scalars(
        select(ServiceComment)
        .where(ServiceComment.service_id == service.id)
        .order_by(ServiceComment.created_at, ServiceComment.id)
    ).all()


def add(session: Session, service: Service, text, principal: Principal) -> ServiceComment:
    """Keep ``text`` as the principal's comment on ``service``. Refused for whoever may not
    read the service's drafts; an empty or too long text is refused at the field."""
    if not can(principal, "inventory.read_unpublished", service) or principal.user_id is None:
        raise Refused("comment_not_allowed")
    cleaned, problem = clean_text(text, limit=LONGEST, multiline=True)
    if problem or not cleaned:
        raise Invalid({"comment_text": problem or "required"})
    comment = ServiceComment(
        service_id=service.id,
        user_id=principal.user_id,
        author_name=principal.label[:200],
        authority_code=principal.authority,
        text=cleaned,
    )
    session.add(comment)
    session.flush()
    events.record(
        session,
        "service_commented",
        record_kind="service",
        record_id=service.id,
        authority=service.authority_code,
        actor=principal,
        comment_id=comment.id,
    )
    return comment
