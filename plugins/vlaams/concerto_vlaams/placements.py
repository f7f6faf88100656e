"""Placement sites for community service (werkstraf, seed 000): an organisation applies with
a public form; only the legal forms the Justice houses accept may apply; it states the daily
supervision and the work it offers. The network manager reviews the application: approved,
the site enters the inventory as a service of its own type (and goes through the committee's
review like every service); refused, with the reason. Either way the applicant is told by
e-mail in their language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale
from sqlalchemy import Column, Integer, String, Table, Text, select
from sqlalchemy.orm import Session

from concerto_vlaams.words import domain
from core.audit.services import record
from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.inventory.organizations import normalise_kbo
from core.inventory.services import create_service, submit
from core.mail.services import queue
from core.permissions import can
from core.validation import EMAIL, Invalid, Refused, clean_text, normalise_email

CATEGORY = "prestatieplaats"  # the service type in the vocabulary
# Seed 000: "openbare overheidsdienst; gemeente, provincie, gemeenschap of gewest; vzw;
# stichting met een sociaal, wetenschappelijk of cultureel oogmerk".
LEGAL_FORMS = ("public_service", "local_or_regional_government", "non_profit", "foundation")
PROVINCES = (
    "antwerpen", "limburg", "oost_vlaanderen", "vlaams_brabant", "west_vlaanderen", "brussel",
)  # fmt: skip
STATES = ("submitted", "approved", "refused")
# The plugin's own action, granted per province by the network managers' roles (see
# coordinator_roles in concerto_vlaams and core.permissions.can).
REVIEW = "vlaams:placement_sites.review"

placement_sites = Table(
    "vlaams_placement_sites",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation", String(300), nullable=False),
    Column("legal_form", String(32), nullable=False),
    Column("kbo_number", String(12)),
    Column("province", String(32), nullable=False),
    Column("address", String(300), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("language", String(2), nullable=False),
    Column("supervision", Text, nullable=False),
    Column("work_offered", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("reviewed_at", UTCDateTime),
    Column("service_id", Integer),
    extend_existing=True,
    # Written with SQL statements, which the audit listener does not see: apply and review
    # audit their writes themselves.
    info={
        "audited": "core.audit.services.record in apply() and review()",
        "label": {"nl": "Prestatieplaats", "fr": "Lieu de prestation", "en": "Placement site"},
    },
)


def check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}

    def text(key: str, limit: int, required: bool = True, multiline: bool = False) -> str | None:
        value, problem = clean_text(str(values.get(key) or ""), limit=limit, multiline=multiline)
        if problem:
            errors[key] = problem
        elif not value and required:
            errors[key] = "required"
        return value

    cleaned = {
        "organisation": text("organisation", 300),
        "address": text("address", 300),
        "contact_name": text("contact_name", 200),
        "supervision": text("supervision", 4000, multiline=True),
        "work_offered": text("work_offered", 4000, multiline=True),
        "contact_email": normalise_email(text("contact_email", 320) or "").lower(),
        "legal_form": values.get("legal_form") or "",
        "province": values.get("province") or "",
        "language": values.get("language") or "nl",
        "kbo_number": None,
    }
    if cleaned["contact_email"] and not EMAIL.match(cleaned["contact_email"]):
        errors["contact_email"] = "email"
    if cleaned["legal_form"] not in LEGAL_FORMS:
        errors["legal_form"] = "legal_form"
    if cleaned["province"] not in PROVINCES:
        errors["province"] = "choice"
    if cleaned["language"] not in ("nl", "fr", "en"):
        errors["language"] = "choice"
    if values.get("kbo_number"):
        cleaned["kbo_number"] = normalise_kbo(str(values["kbo_number"]))
        if cleaned["kbo_number"] is None:
            errors["kbo_number"] = "kbo"
    # The three duties of seed 000, each to be accepted.
    for duty in ("daily_supervision", "useful_work", "hours_checked"):
        if values.get(duty) not in ("1", "on", True):
            errors[duty] = "accept"
    if errors:
        raise Invalid(errors)
    return cleaned


def apply(session: Session, values: dict[str, Any], now: datetime | None = None) -> int:

    cleaned = check(values)
    result = session.execute(
        placement_sites.insert().values(**cleaned, state="submitted", submitted_at=now or utcnow())
    )
    site_id = result.inserted_primary_key[0]
    record(session, placement_sites.name, str(site_id), "create", None, get(session, site_id))
    return site_id


def get(session: Session, site_id: int) -> dict[str, Any] | None:
    row = session.execute(select(placement_sites).where(placement_sites.c.id == site_id)).first()
    return dict(row._mapping) if row else None


def listed(session: Session, state: str = "", province: str = "") -> list[dict[str, Any]]:
    query = select(placement_sites).order_by(placement_sites.c.submitted_at.desc())
    if state:
        query = query.where(placement_sites.c.state == state)
    if province:
        query = query.where(placement_sites.c.province == province)
    return [dict(row._mapping) for row in session.execute(query)]


def review(
    session: Session,
    site: dict[str, Any],
    approve: bool,
    reason: str,
    principal,
    authority,
) -> int | None:
    """Approve (the site becomes a service of type ``prestatieplaats``, submitted to the
    committee, who publish it like every service) or refuse (with a reason), as the network
    manager of the site's province. Returns the new service's id when approved."""
    if not can(principal, REVIEW, site["province"]):
        raise Refused("not_your_province")
    if site["state"] != "submitted":
        raise Refused("already_reviewed")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid({"reason": "required"})
    service_id = None
    if approve:
        service = create_service(
            session,
            authority,
            {
                "external_id": f"prestatieplaats-{site['id']}",
                "category": CATEGORY,
                "name_nl": f"Prestatieplaats: {site['organisation']}",
                "name_fr": f"Lieu de prestation : {site['organisation']}",
                f"description_{site['language']}": site["work_offered"],
                "setting": "outside",
                "contact_name": site["contact_name"],
                "contact_email": site["contact_email"],
            },
            principal,
        )
        submit(session, authority, service, principal)
        service_id = service.id
    session.execute(
        placement_sites.update()
        .where(placement_sites.c.id == site["id"], placement_sites.c.state == "submitted")
        .values(
            state="approved" if approve else "refused",
            reason=reason or None,
            reviewed_at=utcnow(),
            service_id=service_id,
        )
    )
    after = get(session, site["id"])
    changed = {key for key, value in after.items() if site.get(key) != value}
    record(
        session,
        placement_sites.name,
        str(site["id"]),
        "update",
        {key: site.get(key) for key in sorted(changed)},
        {key: after[key] for key in sorted(changed)},
    )
    return service_id


def tell_applicant(session: Session, site: dict[str, Any], approved: bool, reason: str) -> None:
    with force_locale(site["language"]):
        gettext = domain.gettext
        subject = (
            gettext("Your organisation is a placement site: %(name)s", name=site["organisation"])
            if approved
            else gettext(
                "Your application as a placement site: %(name)s", name=site["organisation"]
            )
        )
        body = "\n\n".join(
            [
                gettext("Dear %(name)s,", name=site["contact_name"]),
                gettext(
                    "The network manager approved your application. The Justice houses will "
                    "contact you about the first placements."
                )
                if approved
                else gettext(
                    "The network manager could not approve your application, for this reason: "
                    "%(reason)s",
                    reason=reason,
                ),
            ]
        )
    queue(
        session,
        key=f"vlaams-placement:{site['id']}:{'approved' if approved else 'refused'}",
        kind="placement_site_review",
        recipient=site["contact_email"],
        language=site["language"],
        subject=subject,
        body=body,
    )
