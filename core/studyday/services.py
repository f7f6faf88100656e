"""Registration for the study day, shared by pages, API and jobs (no Flask here).

Places are never given twice: every registration, cancellation and promotion first bumps a
counter on the study day's row. That single UPDATE takes the row's lock on PostgreSQL and the
write lock on SQLite, so the places are counted and given out one registration at a time,
whatever the number of app servers and workers."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.studyday.models import Registration, StudyDay, WorkshopChoice
from core.validation import EMAIL, Invalid, Refused

MAX_WORKSHOPS = 2
HOLDING = ("pending", "confirmed")  # registrations that hold a place


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _take_the_lock(session: Session, day: StudyDay) -> None:
    session.execute(
        update(StudyDay)
        .where(StudyDay.id == day.id)
        .values(registrations_version=StudyDay.registrations_version + 1)
        .execution_options(synchronize_session=False)
    )


def _holding(session: Session, day: StudyDay) -> int:
    return session.scalar(
        select(func.count()).where(
            Registration.study_day_id == day.id, Registration.state.in_(HOLDING)
        )
    )


def _taken(session: Session, workshop_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            WorkshopChoice.workshop_id == workshop_id, WorkshopChoice.state == "confirmed"
        )
    )


def check(session: Session, day: StudyDay, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    email = str(values.get("email") or "").strip().lower()
    if not email:
        errors["email"] = "required"
    elif not EMAIL.match(email) or len(email) > 320:
        errors["email"] = "email"
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "length"
    language = values.get("language") or "nl"
    if language not in ("nl", "fr", "en"):
        errors["language"] = "choice"
    raw = values.get("workshops") or []
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    offered = {w.id: w for w in day.workshops}
    try:
        chosen = [offered[int(i)] for i in dict.fromkeys(raw)]
    except (KeyError, TypeError, ValueError):
        errors["workshops"] = "unknown"
        chosen = []
    if len(chosen) > MAX_WORKSHOPS:
        errors["workshops"] = "too_many"
    for first in chosen:
        for second in chosen:
            if (
                first.id < second.id
                and first.starts_at < second.ends_at
                and second.starts_at < first.ends_at
            ):
                errors["workshops"] = "same_time"
    if errors:
        raise Invalid(errors)
    return {
        "email": email,
        "name": name,
        "language": language,
        "organisation": (str(values.get("organisation") or "").strip() or None),
        "accessibility": (str(values.get("accessibility") or "").strip()[:2000] or None),
        "on_participant_list": values.get("on_participant_list") in (True, "1", "on", "yes"),
        "workshops": chosen,
    }


def register(
    session: Session,
    day: StudyDay,
    values: dict[str, Any],
    *,
    confirmed: bool,
    now: datetime | None = None,
    user_id: int | None = None,
    authority: str | None = None,
) -> tuple[Registration, str]:
    """Register someone; ``confirmed`` for a logged-in person, else the registration waits
    for the link in the e-mail (double opt-in). Returns the registration and its private
    link's secret. A full day or workshop puts the person on its waiting list."""
    now = now or utcnow()
    if not day.opens_at <= now <= day.closes_at:
        raise Refused("closed")
    cleaned = check(session, day, values)
    chosen = cleaned.pop("workshops")
    _take_the_lock(session, day)
    existing = session.scalar(
        select(Registration).where(
            Registration.study_day_id == day.id, Registration.email == cleaned["email"]
        )
    )
    if existing is not None and existing.state != "cancelled":
        raise Refused("already_registered")
    secret = secrets.token_urlsafe(24)
    has_place = _holding(session, day) < day.capacity
    state = ("confirmed" if confirmed else "pending") if has_place else "waiting"
    if existing is not None:  # came back after cancelling: a new registration in its place
        session.delete(existing)
        session.flush()
    registration = Registration(
        study_day_id=day.id,
        state=state,
        token_hash=digest(secret),
        user_id=user_id,
        authority_code=authority,
        # A logged-in person's address needs no confirmation, even on the waiting list.
        confirmed_at=now if confirmed else None,
        **cleaned,
    )
    for workshop in chosen:
        free = has_place and _taken(session, workshop.id) < workshop.capacity
        registration.choices.append(
            WorkshopChoice(workshop_id=workshop.id, state="confirmed" if free else "waiting")
        )
        session.flush()  # so the next choice's count sees this one
    session.add(registration)
    session.flush()
    return registration, secret


def cancel(session: Session, registration: Registration) -> list[WorkshopChoice]:
    """Give the places back; the first on each waiting list gets them. Returns the workshop
    places given to others, for their messages."""
    day = session.get(StudyDay, registration.study_day_id)
    _take_the_lock(session, day)
    if registration.state == "cancelled":
        raise Refused("cancelled")
    registration.state = "cancelled"
    for choice in registration.choices:
        choice.state = "cancelled"
    session.flush()
    return promote(session, day)


def promote(session: Session, day: StudyDay) -> list[WorkshopChoice]:
    """Fill freed places from the waiting lists, first come first served."""
    promoted: list[WorkshopChoice] = []
    free = day.capacity - _holding(session, day)
    if free > 0:
        for waiting in session.scalars(
            select(Registration)
            .where(Registration.study_day_id == day.id, Registration.state == "waiting")
            .order_by(Registration.created_at, Registration.id)
            .limit(free)
        ):
            waiting.state = "confirmed" if waiting.confirmed_at or waiting.user_id else "pending"
    session.flush()
    for workshop in day.workshops:
        room = workshop.capacity - _taken(session, workshop.id)
        if room <= 0:
            continue
        for choice in session.scalars(
            select(WorkshopChoice)
            .join(Registration, WorkshopChoice.registration_id == Registration.id)
            .where(
                WorkshopChoice.workshop_id == workshop.id,
                WorkshopChoice.state == "waiting",
                Registration.state.in_(HOLDING),
            )
            .order_by(WorkshopChoice.created_at, WorkshopChoice.id)
            .limit(room)
        ):
            choice.state = "confirmed"
            promoted.append(choice)
    session.flush()
    return promoted


def places(session: Session, day: StudyDay) -> dict[str, Any]:
    """Taken and waiting, for the day and for each workshop."""
    return {
        "day": {
            "capacity": day.capacity,
            "taken": _holding(session, day),
            "waiting": session.scalar(
                select(func.count()).where(
                    Registration.study_day_id == day.id, Registration.state == "waiting"
                )
            ),
        },
        "workshops": {
            w.id: {
                "capacity": w.capacity,
                "taken": _taken(session, w.id),
                "waiting": session.scalar(
                    select(func.count()).where(
                        WorkshopChoice.workshop_id == w.id, WorkshopChoice.state == "waiting"
                    )
                ),
            }
            for w in day.workshops
        },
    }
