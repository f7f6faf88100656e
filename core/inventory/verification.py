"""Is it still true? When and by whom each published service was last confirmed (issue 23).

A coordinator of the service's authority confirms it in one click from its page, or changes
it: the committee's approval of a change they submitted confirms it too, in the name of who
submitted it. The HSDS export carries the last confirmation as ``assured_date`` and
``assurer_email``.

The state of affairs is a year's: a service counts as confirmed for a year when it was
confirmed in that year (in Brussels), so the request of each year and the count in that
year's state of affairs agree. Each year on ``verification_campaign_date`` (a month before
the state of affairs at the year's end, by default) a scheduled job asks each authority
whose services still wait, once per year and authority however often and in however many
processes it runs; the notifier e-mails it and My work shows the list (``unconfirmed``).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit.services import acting_as
from core.clock import BRUSSELS, this_year, utcnow
from core.clock import today as brussels_today
from core.events import services as events
from core.identity.models import User
from core.inventory.models import (
    Service,
    ServiceAssurance,
    ServiceVersion,
    VerificationCampaign,
)
from core.permissions import Principal, system
from core.scheduler import job_app
from core.validation import Refused

CONFIRMED, APPROVED = "confirmed", "approved"


def year_start(year: int) -> datetime:
    """The first moment of ``year`` in Brussels, in UTC: what "confirmed this year" counts
    from."""
    return datetime(year, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)


def _public(service: Service) -> bool:
    return service.published_at is not None and service.active and service.state != "withdrawn"


def _email_of(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.email if user is not None and user.email else None


def _assure(
    session: Session, service: Service, how: str, actor: str, user_id: int | None
) -> ServiceAssurance:
    assurance = session.get(ServiceAssurance, service.id)
    if assurance is None:
        assurance = ServiceAssurance(service_id=service.id)
        session.add(assurance)
    assurance.assured_at = utcnow()
    assurance.how = how
    assurance.actor = actor[:200]
    assurance.user_id = user_id
    assurance.assurer_email = _email_of(session, user_id)
    return assurance


def confirm(session: Session, service: Service, principal: Principal) -> ServiceAssurance:
    """The coordinator says the published service is still true as it stands. (Who may is
    the caller's check: ``inventory.confirm`` on the service.)"""
    if not _public(service):
        raise Refused("not_published")
    return _assure(session, service, CONFIRMED, principal.label, principal.user_id)


def confirmed_by_approval(session: Session, service: Service, approver: Principal) -> None:
    """An approved change confirms the service, in the name of who submitted it (they vouch
    for what it says; the reviewer checked it reads well), else of the approver."""
    submitter = session.execute(
        select(ServiceVersion.user_id, ServiceVersion.actor)
        .where(ServiceVersion.service_id == service.id, ServiceVersion.action == "submit")
        .order_by(ServiceVersion.number.desc())
        .limit(1)
    ).first()
    if submitter is not None:
        _assure(session, service, APPROVED, submitter.actor, submitter.user_id)
    else:
        _assure(session, service, APPROVED, approver.label, approver.user_id)


def assurances(session: Session, service_ids) -> dict[int, ServiceAssurance]:
    ids = sorted(set(service_ids))
    if not ids:
        return {}
    found = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found |= {
            row.service_id: row
            for row in session.scalars(
                select(ServiceAssurance).where(ServiceAssurance.service_id.in_(chunk))
            )
        }
    return found


def confirmed_since(assurance: ServiceAssurance | None, since: datetime) -> bool:
    return assurance is not None and assurance.assured_at >= since


def _waiting(authority: str | None, since: datetime):
    statement = (
        select(Service)
        .outerjoin(ServiceAssurance, ServiceAssurance.service_id == Service.id)
        .where(
            Service.published_at.is_not(None),
            Service.active.is_(True),
            Service.state != "withdrawn",
            or_(ServiceAssurance.assured_at.is_(None), ServiceAssurance.assured_at < since),
        )
    )
    if authority is not None:
        statement = statement.where(Service.authority_code == authority)
    return statement


def unconfirmed(session: Session, authority: str, since: datetime | None = None) -> list[Service]:
    """The authority's published services not confirmed since ``since`` (by default the start
    of this year in Brussels): what its coordinators are asked to confirm or update. Oldest
    confirmation first, never confirmed before all."""
    since = since or year_start(this_year())
    return list(
        session.scalars(
            _waiting(authority, since)
            .options(selectinload(Service.locations))
            .order_by(
                ServiceAssurance.assured_at.is_not(None),
                ServiceAssurance.assured_at,
                Service.id,
            )
        )
    )


def counts(session: Session, since: datetime) -> dict[str, tuple[int, int]]:
    """Per authority: its published services, and how many of them wait for confirmation."""
    total = dict(
        session.execute(
            select(Service.authority_code, func.count())
            .where(
                Service.published_at.is_not(None),
                Service.active.is_(True),
                Service.state != "withdrawn",
            )
            .group_by(Service.authority_code)
        ).all()
    )
    waiting = dict(
        session.execute(
            _waiting(None, since)
            .with_only_columns(Service.authority_code, func.count())
            .group_by(Service.authority_code)
        ).all()
    )
    return {code: (count, waiting.get(code, 0)) for code, count in sorted(total.items())}


def stamp_rows(session: Session, rows: list[dict], year: int) -> None:
    """A state of affairs' rows (core.inventory.services.freeze) with whether each service
    was confirmed in its year: the yearly figures count the others."""
    found = assurances(session, (row["id"] for row in rows))
    since = year_start(year)
    for row in rows:
        row["confirmed"] = confirmed_since(found.get(row["id"]), since)


def snapshot_counts(rows: list[dict]) -> dict[str, Counter] | None:
    """Per authority, the services of a state of affairs confirmed in its year and not;
    None for a state frozen before confirmations were counted."""
    if not rows or "confirmed" not in rows[0]:
        return None
    per: dict[str, Counter] = {}
    for row in rows:
        per.setdefault(row["authority"], Counter())[
            "confirmed" if row["confirmed"] else "unconfirmed"
        ] += 1
    return dict(sorted(per.items()))


# --- the yearly campaign ---------------------------------------------------------------------


def campaign_day(year: int, setting: str) -> date:
    """The day of ``year`` named by ``verification_campaign_date`` (MM-DD)."""
    month, day = (int(part) for part in setting.split("-"))
    return date(year, month, day)


def campaign(session: Session, year: int, authority: str) -> VerificationCampaign | None:
    return session.scalar(
        select(VerificationCampaign).where(
            VerificationCampaign.year == year, VerificationCampaign.authority_code == authority
        )
    )


def request_confirmations(session: Session, year: int, authorities) -> list[str]:
    """Ask each of ``authorities`` (codes) to confirm the services it has not confirmed in
    ``year``: a ``verification_requested`` event per authority with services waiting, once per
    year and authority (a unique row per pair; a second run or a second process records
    nothing). Returns the authorities asked now."""
    actor = system("job", "verification campaign")
    since = year_start(year)
    asked = []
    for code in authorities:
        if campaign(session, year, code) is not None:
            continue
        waiting = session.scalar(
            _waiting(code, since).with_only_columns(func.count()).order_by(None)
        )
        try:
            with session.begin_nested():  # another process asking at the same moment
                session.add(
                    VerificationCampaign(
                        year=year, authority_code=code, requested_at=utcnow(), waiting=waiting
                    )
                )
        except IntegrityError:
            continue
        if waiting:
            events.record(
                session,
                "verification_requested",
                record_kind="authority",
                record_id=0,
                authority=code,
                actor=actor,
                year=year,
                waiting=waiting,
            )
            asked.append(code)
    return asked


def run_campaign() -> list[str]:
    """The scheduled job (daily): from ``verification_campaign_date`` on, this year's request
    to every enabled authority, once."""
    app = job_app()
    today = brussels_today()
    if today < campaign_day(today.year, app.config["CONCERTO"]["verification_campaign_date"]):
        return []
    codes = sorted(app.extensions["concerto.registry"].authorities)
    with (
        app.app_context(),
        acting_as(system("job", "verification campaign")),
        app.extensions["concerto.db"].session() as session,
    ):
        asked = request_confirmations(session, today.year, codes)
        session.commit()
    return asked
