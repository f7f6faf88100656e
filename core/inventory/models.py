"""The shared inventory of services offered in the prisons, aligned with HSDS 3.0.

A service belongs to one authority (the one funding or organising it) and is described in
that authority's words (``category``, from its plugin's vocabulary) and, through that
category, in the common words of the nine domains (``domain_code``), so the inventory is
harmonised while each authority keeps its own. Texts written by people are stored per
language. No personal data about detainees is ever stored: services, places, staff
contacts only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.goals.models import Goal
from core.i18n import LocalizedMixin

# The life of a record in the committee's workflow.
STATES = ("draft", "submitted", "returned", "published", "withdrawn")
DELIVERY = ("individual", "group", "both")  # individual or group work
SETTINGS = ("inside", "outside", "both")  # inside the prison, at an office outside
ACCESS = ("on_request", "referral", "both")  # the detainee asks, or is referred
# ISO 639-1 codes of languages services are commonly offered in, in Brussels prisons.
LANGUAGE_CODES = ("nl", "fr", "en", "ar", "es", "tr", "ro", "pl", "ru", "sq", "pt", "de", "it")


# A service's facts beside its names and texts, in the order the form asks for them: the
# export's columns, the change history's rows and the side-by-side comparison keep it.
SERVICE_FACTS = (
    "target_groups",
    "languages",
    "delivery",
    "setting",
    "access",
    "free_of_charge",
    "waiting_list",
    "capacity",
    "typical_wait_days",
    "contact_name",
    "contact_email",
    "contact_phone",
)


class Organization(LocalizedMixin, Base):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("authority_code", "external_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    kbo_number: Mapped[str | None] = mapped_column(String(12))  # KBO/BCE, 10 digits
    legal_form: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Service(LocalizedMixin, Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("authority_code", "external_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"), index=True)
    # The authority's own identifier: what an import matches on, so re-importing is
    # idempotent.
    external_id: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    category: Mapped[str] = mapped_column(String(64))
    domain_code: Mapped[str] = mapped_column(ForeignKey("domains.code"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name_nl: Mapped[str | None] = mapped_column(String(300))
    name_fr: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    application_process_nl: Mapped[str | None] = mapped_column(Text)
    application_process_fr: Mapped[str | None] = mapped_column(Text)
    application_process_en: Mapped[str | None] = mapped_column(Text)
    eligibility_nl: Mapped[str | None] = mapped_column(Text)
    eligibility_fr: Mapped[str | None] = mapped_column(Text)
    eligibility_en: Mapped[str | None] = mapped_column(Text)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery: Mapped[str] = mapped_column(String(16), default="individual")
    setting: Mapped[str] = mapped_column(String(16), default="inside")
    access: Mapped[str] = mapped_column(String(16), default="on_request")
    free_of_charge: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=False)
    typical_wait_days: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # The authority's own fields (hook service_fields), validated against its plugin.
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    # Once published, the columns hold what the public sees; a coordinator's later changes
    # wait here, field by field, until the committee approves them.
    pending: Mapped[dict | None] = mapped_column(JSON)
    review_comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization | None] = relationship()
    locations: Mapped[list[ServiceLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceLocation.id"
    )

    def prison_codes(self) -> list[str]:
        return [location.prison_code for location in self.locations]


# The order of names in each reading language (a missing name falls back to another
# language's), as one expression that both the search's ORDER BY and an index use: the index
# serves a sorted page by walking its first entries instead of sorting every matching service.
NAME_FALLBACKS = {"nl": ("nl", "fr"), "fr": ("fr", "nl"), "en": ("en", "nl", "fr")}


def name_order(language: str):
    columns = [getattr(Service, f"name_{code}") for code in NAME_FALLBACKS[language]]
    return func.lower(func.coalesce(*columns))


for _language in NAME_FALLBACKS:
    Index(f"ix_services_name_order_{_language}", name_order(_language), Service.id)
# "Latest changes first": an import gives thousands of services one moment, the id orders them.
Index("ix_services_updated_at", Service.updated_at, Service.id)


class ServiceLocation(LocalizedMixin, Base):
    """A service at one prison (HSDS service_at_location): when, where inside, how many."""

    __tablename__ = "service_locations"
    __table_args__ = (UniqueConstraint("service_id", "prison_code"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    prison_code: Mapped[str] = mapped_column(ForeignKey("prisons.code"), index=True)
    schedule: Mapped[str | None] = mapped_column(String(300))  # an RFC 5545 RRULE
    notes_nl: Mapped[str | None] = mapped_column(Text)  # wing or section
    notes_fr: Mapped[str | None] = mapped_column(Text)
    notes_en: Mapped[str | None] = mapped_column(Text)
    places: Mapped[int | None] = mapped_column(Integer)

    service: Mapped[Service] = relationship(back_populates="locations")


class ServiceVersion(Base):
    """Every change of a service: who, when, what (field by field) and the whole record."""

    __tablename__ = "service_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # create, update, submit, approve, return
    changes: Mapped[dict] = mapped_column(JSON)  # field -> [before, after]
    comment: Mapped[str | None] = mapped_column(Text)
    record: Mapped[dict] = mapped_column(JSON)


class ServiceComment(Base):
    """A remark on a service by the committee or the service's authority, beside its review:
    a question, an answer, a suggestion. It never changes the service; it is never public."""

    __tablename__ = "service_comments"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200))
    authority_code: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Snapshot(Base):
    """The inventory as published on a day, frozen: the yearly state of affairs."""

    __tablename__ = "inventory_snapshots"
    __audited__ = True
    # The frozen inventory is the published services, each audited when it changed.
    __audit_exclude__ = ("services",)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by: Mapped[str] = mapped_column(String(200))
    services: Mapped[list[dict]] = mapped_column(JSON)


NEED_STATES = ("open", "being_addressed", "answered", "closed")

need_services = Table(
    "need_services",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Need(LocalizedMixin, Base):
    """An unmet need signalled in a prison (operational goals 5.1 and 5.2): what is missing,
    for whom, in which language, who signalled it, and the services that answer it."""

    __tablename__ = "needs"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_code: Mapped[str] = mapped_column(ForeignKey("prisons.code"), index=True)
    domain_code: Mapped[str] = mapped_column(ForeignKey("domains.code"), index=True)
    target_group: Mapped[str | None] = mapped_column(ForeignKey("target_groups.code"))
    language: Mapped[str | None] = mapped_column(String(8))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    signalled_by: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    # Other records the need relates to (core.links), beside the services that answer it.
    links: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(secondary=need_services, order_by="Service.id")
    goal: Mapped[Goal | None] = relationship()


class ImportJob(Base):
    """An uploaded import, checked and stored in the background so that the page can show
    its progress; kept in the database so any app server can report on it."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"))
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(300))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once the job is done
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # running, done, failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- keeping the inventory true (issue 23): confirmations, duplicates, reported errors -------


class ServiceAssurance(Base):
    """When and by whom a service was last confirmed as still true (HSDS 3.0 ``assured_date``
    and ``assurer_email``): one click of a coordinator of its authority, or the committee's
    approval of a change one of them submitted. One row per service, replaced each time; the
    audit log keeps the earlier ones."""

    __tablename__ = "service_assurances"
    __audited__ = True

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    assured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    how: Mapped[str] = mapped_column(String(16))  # confirmed, approved
    actor: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    # The person's address as their identity provider gave it; None for the platform itself
    # (the export then names the authority's own address).
    assurer_email: Mapped[str | None] = mapped_column(String(320))


class VerificationCampaign(Base):
    """The yearly request to an authority's coordinators to confirm or update its services
    before the state of affairs: one row per year and authority, so the job asks once however
    often and in however many processes it runs."""

    __tablename__ = "verification_campaigns"
    __table_args__ = (UniqueConstraint("year", "authority_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waiting: Mapped[int] = mapped_column(Integer, default=0)  # services still to confirm then


class DuplicateDismissal(Base):
    """Two services a reviewer judged not to be duplicates: the pair is never proposed again.
    The lower id first, so a pair has one row whichever of the two was being reviewed."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (UniqueConstraint("first_id", "second_id"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)  # the likeness the reviewer saw, in percent
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)


ERROR_REPORT_STATES = ("open", "closed")


class ErrorReport(Base):
    """An error in a published service that someone of the public reported (no login), for
    the coordinators of the service's authority to read and close. Never about a detainee:
    the form says so. The reporter's address, if given, stays out of the audit log so that
    deleting the report forgets it."""

    __tablename__ = "error_reports"
    __audited__ = True
    __audit_exclude__ = ("contact_email",)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))  # of the page it was sent from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_by_user_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # what was done, for the other coordinators

    service: Mapped[Service] = relationship()
