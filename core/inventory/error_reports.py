"""Report an error (issue 23): anyone reading a published service, without logging in, says
what is wrong in it; the coordinators of the service's authority read the report in their
work list and close it once dealt with.

The report is about the service, never about a detainee: the form says so, and the text is
kept short. The reporter may leave an address to be answered at; it is kept with the report
only (not in the audit log) and goes when the report is deleted with its service.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.clock import utcnow
from core.events import services as events
from core.inventory.models import ErrorReport, Service
from core.permissions import Principal
from core.validation import EMAIL, Invalid, Refused, clean_text, normalise_email

MOST_CHARACTERS = 2000
LEAST_CHARACTERS = 10  # "wrong" alone says nothing the coordinator can act on
NOTE_CHARACTERS = 2000


def check(values: dict[str, Any]) -> dict[str, Any]:
    """The report's text and optional address, cleaned, or Invalid naming each field."""
    errors: dict[str, str] = {}
    text, problem = clean_text(values.get("text"), limit=MOST_CHARACTERS, multiline=True)
    if problem:
        errors["text"] = "report_too_long" if problem == "length" else problem
    elif not text:
        errors["text"] = "report_empty"
    elif len(text) < LEAST_CHARACTERS:
        errors["text"] = "report_too_short"
    email, problem = clean_text(values.get("contact_email"), limit=320)
    if problem:
        errors["contact_email"] = problem
    elif email:
        email = normalise_email(email)
        if not EMAIL.match(email):
            errors["contact_email"] = "email"
    if errors:
        raise Invalid(errors)
    return {"text": text, "contact_email": email or None}


def report(
    session: Session,
    service: Service,
    values: dict[str, Any],
    principal: Principal,
    language: str,
) -> ErrorReport:
    """Store a report on a published service and tell its authority's coordinators (an
    ``error_reported`` event the notifier and My work read)."""
    if service.published_at is None or service.state == "withdrawn" or not service.active:
        raise Refused("not_published")
    cleaned = check(values)
    found = ErrorReport(
        service_id=service.id,
        text=cleaned["text"],
        contact_email=cleaned["contact_email"],
        language=language if language in ("nl", "fr", "en") else "nl",
        created_at=utcnow(),
        status="open",
    )
    session.add(found)
    session.flush()
    events.record(
        session,
        "error_reported",
        record_kind="service",
        record_id=service.id,
        authority=service.authority_code,
        actor=principal,
        report_id=found.id,
    )
    return found


def open_reports(session: Session, authority: str | None) -> list[ErrorReport]:
    """The open reports on the services of ``authority`` (every authority's with None), oldest
    first, each with its service: what My work lists for the authority's coordinators."""
    statement = (
        select(ErrorReport)
        .join(Service, Service.id == ErrorReport.service_id)
        .where(ErrorReport.status == "open")
        .options(selectinload(ErrorReport.service))
        .order_by(ErrorReport.created_at, ErrorReport.id)
    )
    if authority is not None:
        statement = statement.where(Service.authority_code == authority)
    return list(session.scalars(statement))


def closed_reports(session: Session, authority: str | None, limit: int = 50) -> list[ErrorReport]:
    """The latest closed reports, for the record of what was done."""
    statement = (
        select(ErrorReport)
        .join(Service, Service.id == ErrorReport.service_id)
        .where(ErrorReport.status == "closed")
        .options(selectinload(ErrorReport.service))
        .order_by(ErrorReport.closed_at.desc(), ErrorReport.id.desc())
        .limit(limit)
    )
    if authority is not None:
        statement = statement.where(Service.authority_code == authority)
    return list(session.scalars(statement))


def close(
    session: Session, found: ErrorReport, principal: Principal, note: str | None = None
) -> ErrorReport:
    """Close a report, with what was done if said. (Who may is the caller's check:
    ``inventory.handle_reports`` on the service.)"""
    if found.status != "open":
        raise Refused("report_closed")
    cleaned, problem = clean_text(note, limit=NOTE_CHARACTERS, multiline=True)
    if problem:
        raise Invalid({"note": problem})
    found.status = "closed"
    found.closed_at = utcnow()
    found.closed_by = principal.label[:200]
    found.closed_by_user_id = principal.user_id
    found.note = cleaned
    return found
