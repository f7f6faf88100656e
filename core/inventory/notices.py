"""The inventory's events as people are told of them (core.events.kinds): a service waiting
for a review, a service returned or published, a need answered.

- a service submitted: to every committee member who may review it, never to whoever
  submitted or last edited it (they cannot approve their own change);
- a service returned (with the reviewer's comment) or approved: to the people who edited or
  submitted it since its last review, never to the reviewer;
- a comment on a service: to who edited it or commented on it before and may read it;
- a need answered: to the person who signalled it, unless they answered it themselves;
- the yearly request to confirm the authority's services, and an error in a published
  service reported by someone of the public: to the authority's coordinators.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.events.kinds import About, Kind, reachable
from core.events.models import Event
from core.identity.models import User
from core.identity.services import principal_for
from core.inventory.models import ErrorReport, Need, Service, ServiceComment, ServiceVersion
from core.mail.services import base_url
from core.permissions import can


def _people(session: Session) -> list[User]:
    return session.scalars(
        select(User)
        .where(User.disabled.is_(False), User.email.is_not(None))
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.id)
    ).all()


def _reviewers(session: Session, event: Event, registry) -> list[User]:
    """Committee members who may review the service, without its editors since the last
    review and without whoever submitted it."""
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
    last_submit = (
        select(ServiceVersion.number)
        .where(ServiceVersion.service_id == service_id, ServiceVersion.action == "submit")
        .order_by(ServiceVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    number = session.scalar(
        select(ServiceVersion.number)
        .where(
            ServiceVersion.service_id == service_id,
            ServiceVersion.action.in_(("approve", "return")),
            ServiceVersion.number < last_submit,
        )
        .order_by(ServiceVersion.number.desc())
        .limit(1)
    )
    return number or 0


def _editors(session: Session, event: Event, _registry) -> list[User]:
    """Who edited or submitted the service since it was last reviewed, but the reviewer."""
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
    return reachable(session.get(User, i) for i in ids if i != event.actor_user_id)


def _service(session: Session, event: Event, language: str) -> About | None:
    service = session.get(Service, event.record_id)
    if service is None:
        return None
    return About(
        title=service.local("name", language).text,
        link=f"{base_url()}/services/{service.id}",
        detail=event.data.get("comment") or "",
        extra={"authority": service.authority_code},
    )


def _coordinators(session: Session, event: Event, registry) -> list[User]:
    """The coordinators of the event's authority."""
    found = []
    for user in _people(session):
        for identity in user.identities:
            principal = principal_for(identity, registry=registry)
            if principal.authority == event.authority_code and principal.has("coordinator"):
                found.append(user)
                break
    return found


def _to_confirm(_session: Session, event: Event, language: str) -> About:
    waiting = int(event.data.get("waiting") or 0)
    return About(
        title=ngettext(
            "%(num)d service to confirm or update",
            "%(num)d services to confirm or update",
            waiting,
        ),
        link=f"{base_url()}/services/verification",
        detail=str(event.data.get("year", "")),
    )


def _reported(session: Session, event: Event, language: str) -> About | None:
    service = session.get(Service, event.record_id)
    report = session.get(ErrorReport, event.data.get("report_id") or 0)
    if service is None or report is None:
        return None
    return About(
        title=service.local("name", language).text,
        link=f"{base_url()}/services/error-reports",
        detail=report.text[:300],
    )


def _in_the_conversation(session: Session, event: Event, registry) -> list[User]:
    """Who edited the service or commented on it before, and may still read its drafts."""
    service = session.get(Service, event.record_id)
    if service is None:
        return []
    ids = set(
        session.scalars(
            select(ServiceVersion.user_id).where(ServiceVersion.service_id == service.id)
        )
    )
    ids |= set(
        session.scalars(
            select(ServiceComment.user_id).where(
                ServiceComment.service_id == service.id,
                ServiceComment.id < (event.data.get("comment_id") or 0),
            )
        )
    )
    found = []
    for user in reachable(session.get(User, i) for i in sorted(i for i in ids if i)):
        if any(
            can(principal_for(identity, registry=registry), "inventory.read_unpublished", service)
            for identity in user.identities
        ):
            found.append(user)
    return found


def _commented(session: Session, event: Event, language: str) -> About | None:
    service = session.get(Service, event.record_id)
    comment = session.get(ServiceComment, event.data.get("comment_id") or 0)
    if service is None or comment is None:
        return None
    return About(
        title=service.local("name", language).text,
        link=f"{base_url()}/services/{service.id}#comments",
        detail=comment.text[:300],
        extra={"author": comment.author_name},
    )


def _signaller(session: Session, event: Event, _registry) -> list[User]:
    need = session.get(Need, event.record_id)
    if need is None or need.user_id is None or need.user_id == event.actor_user_id:
        return []
    return reachable([session.get(User, need.user_id)])


def _need(session: Session, event: Event, language: str) -> About | None:
    need = session.get(Need, event.record_id)
    if need is None:
        return None
    return About(
        title=need.local("description", language).text[:120],
        link=f"{base_url()}/needs/{need.id}",
    )


KINDS = (
    Kind(
        "service_submitted",
        _l("A service waits for a review I may give"),
        "daily",  # there can be many: reviewers hear of them once a day
        _reviewers,
        _service,
        "notifications/mail/service_submitted.txt",
    ),
    Kind(
        "service_returned",
        _l("A service I edited was returned"),
        "now",
        _editors,
        _service,
        "notifications/mail/service_returned.txt",
    ),
    Kind(
        "service_approved",
        _l("A service I edited was published"),
        "now",
        _editors,
        _service,
        "notifications/mail/service_approved.txt",
    ),
    Kind(
        "service_commented",
        _l("Someone commented on a service I edited or commented on"),
        "now",
        _in_the_conversation,
        _commented,
        "notifications/mail/service_commented.txt",
    ),
    Kind(
        "need_answered",
        _l("A need I signalled was answered"),
        "now",
        _signaller,
        _need,
        "notifications/mail/need_answered.txt",
    ),
    Kind(
        "verification_requested",
        _l("My authority's services wait to be confirmed"),
        "now",
        _coordinators,
        _to_confirm,
        "notifications/mail/verification_requested.txt",
    ),
    Kind(
        "error_reported",
        _l("Someone reported an error in a service of my authority"),
        "daily",
        _coordinators,
        _reported,
        "notifications/mail/error_reported.txt",
    ),
)
