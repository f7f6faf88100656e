"""Registering for an event: places and workshop seats counted one at a time, waiting
lists with offers that expire, changes, cancellations, check-in, and the anonymisation of
registrants' data afterwards (no Flask here).

Places are never given twice: every registration, change, cancellation, offer and expiry
first bumps a counter on the study day's row. That single UPDATE takes the row's lock on
PostgreSQL and the write lock on SQLite, so places are counted and handed out one at a time,
whatever the number of app servers and workers."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import in_brussels, utcnow
from core.studyday.days import (
    GONE,
    HOLDING,
    MAX_WORKSHOPS,
    digest,
    edit_deadline,
    holding,
    is_open,
    promote,
    refuse_control,
    seated,
    take_the_lock,
    workshops_of,
)
from core.studyday.models import (
    Registration,
    StudyDay,
    Workshop,
    WorkshopChoice,
)
from core.validation import (
    EMAIL,
    Invalid,
    Refused,
    normalise_email,
)

# --- registering -----------------------------------------------------------------------------


def _chosen(day: StudyDay, raw: Any, errors: dict[str, str]) -> list[Workshop]:
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    offered = {w.id: w for w in workshops_of(day)}
    try:
        chosen = [offered[int(i)] for i in dict.fromkeys(raw or [])]
    except (KeyError, TypeError, ValueError):
        errors["workshops"] = "unknown"
        return []
    if len(chosen) > MAX_WORKSHOPS:
        errors["workshops"] = "too_many"
        return chosen
    for first in chosen:
        for second in chosen:
            if (
                first.id < second.id
                and first.starts_at < second.ends_at
                and second.starts_at < first.ends_at
            ):
                errors["workshops"] = "same_time"
    return chosen


def check(session: Session, day: StudyDay, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    # One spelling per person: X@Y.example. is x@y.example, already registered.
    email = normalise_email(values.get("email")).lower()
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
    chosen = _chosen(day, values.get("workshops"), errors)
    refuse_control(
        values, errors, single=["name", "email", "organisation"], multi=["accessibility"]
    )
    if errors:
        raise Invalid(errors)
    return {
        "email": email,
        "name": name,
        "language": language,
        "organisation": (str(values.get("organisation") or "").strip()[:300] or None),
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
    hold_hours: int = 2,
) -> Registration:
    """Register someone. ``confirmed`` for a logged-in person, whose address is known; a
    guest's place is held (state pending) until the link in the e-mail proves the address,
    only for ``hold_hours`` (the setting studyday_unconfirmed_hold_hours), so that strangers
    cannot keep the places from people for long. A full day or workshop puts the person on
    its waiting list."""
    now = now or utcnow()
    if not is_open(day, now):
        raise Refused("closed" if now > day.closes_at else "not_open")
    cleaned = check(session, day, values)
    chosen = cleaned.pop("workshops")
    take_the_lock(session, day)
    existing = session.scalar(
        select(Registration).where(
            Registration.study_day_id == day.id, Registration.email == cleaned["email"]
        )
    )
    if existing is not None and existing.state not in GONE:
        raise Refused("already_registered")
    has_place = holding(session, day) < day.capacity
    state = ("confirmed" if confirmed else "pending") if has_place else "waiting"
    if existing is not None:  # came back after cancelling: a new registration in its place
        session.delete(existing)
        session.flush()
    registration = Registration(
        study_day_id=day.id,
        state=state,
        # Replaced by the private link's hash as soon as the id exists (private_token).
        token_hash=digest(secrets.token_urlsafe(24)),
        user_id=user_id,
        authority_code=authority,
        confirmed_at=now if confirmed else None,
        expires_at=now + timedelta(hours=hold_hours) if state == "pending" else None,
        created_at=now,
        **cleaned,
    )
    session.add(registration)
    for workshop in chosen:
        free = has_place and seated(session, workshop.id) < workshop.capacity
        registration.choices.append(
            WorkshopChoice(
                workshop_id=workshop.id, state="confirmed" if free else "waiting", created_at=now
            )
        )
        session.flush()  # so the next choice's count sees this one
    session.flush()
    return registration


def _deadline_passed(day: StudyDay, now: datetime) -> None:
    if now > edit_deadline(day):
        raise Refused("deadline")


def confirm(session: Session, registration: Registration, now: datetime | None = None) -> str:
    """The registrant's "yes" from the private link: it proves the address (double opt-in)
    and takes every place offered to them, if its deadline has not passed."""
    now = now or utcnow()
    day = session.get(StudyDay, registration.study_day_id)
    take_the_lock(session, day)
    if registration.state in GONE:
        raise Refused(registration.state)
    offered = [c for c in registration.choices if c.state == "offered"]
    if registration.state in ("pending", "offered") and registration.expires_at < now:
        raise Refused("offer_expired")
    if any(c.expires_at < now for c in offered):
        raise Refused("offer_expired")
    registration.confirmed_at = registration.confirmed_at or now
    if registration.state in ("pending", "offered"):
        registration.state = "confirmed"
        registration.expires_at = None
    for choice in offered:
        choice.state = "confirmed"
        choice.expires_at = None
    session.flush()
    return registration.state


def change(
    session: Session,
    registration: Registration,
    values: dict[str, Any],
    now: datetime | None = None,
    offer_hours: int = 48,
) -> list:
    """Change name, organisation, language, needs, consent and workshops until the edit
    deadline. A workshop kept keeps its place; one given up goes to the next waiting."""
    now = now or utcnow()
    day = session.get(StudyDay, registration.study_day_id)
    _deadline_passed(day, now)
    if registration.state in GONE:
        raise Refused(registration.state)
    cleaned = check(session, day, {**values, "email": registration.email})
    chosen = cleaned.pop("workshops")
    cleaned.pop("email")
    take_the_lock(session, day)
    for key, value in cleaned.items():
        setattr(registration, key, value)
    wanted = {w.id: w for w in chosen}
    by_workshop = {c.workshop_id: c for c in registration.choices}
    for choice in registration.choices:
        if choice.workshop_id not in wanted and choice.state not in GONE:
            choice.state, choice.expires_at = "cancelled", None
    session.flush()
    holds = registration.state in HOLDING
    for workshop in chosen:
        choice = by_workshop.get(workshop.id)
        if choice is not None and choice.state not in GONE:
            continue  # kept as it was: its place or its turn on the waiting list
        free = holds and seated(session, workshop.id) < workshop.capacity
        if choice is None:
            choice = WorkshopChoice(workshop_id=workshop.id)
            registration.choices.append(choice)
        choice.state, choice.created_at = ("confirmed" if free else "waiting"), now
        session.flush()
    return promote(session, day, now, offer_hours)


def cancel(
    session: Session,
    registration: Registration,
    now: datetime | None = None,
    *,
    by_organiser: bool = False,
    offer_hours: int = 48,
) -> list:
    """Give the places back; the first on each waiting list is offered them. Registrants
    cancel until the edit deadline, organisers at any time. Returns the offers made."""
    now = now or utcnow()
    day = session.get(StudyDay, registration.study_day_id)
    if not by_organiser:
        _deadline_passed(day, now)
    take_the_lock(session, day)
    if registration.state in GONE:
        raise Refused(registration.state)
    registration.state, registration.expires_at = "cancelled", None
    for choice in registration.choices:
        if choice.state not in GONE:
            choice.state, choice.expires_at = "cancelled", None
    session.flush()
    return promote(session, day, now, offer_hours)


def expire(
    session: Session, day: StudyDay, now: datetime, offer_hours: int
) -> tuple[list[Registration], list]:
    """Let places whose deadline passed go: unconfirmed guests and unanswered offers. The
    next on the waiting list is offered them. Returns the registrations that lapsed and the
    new offers, for their messages."""
    take_the_lock(session, day)
    lapsed = list(
        session.scalars(
            select(Registration).where(
                Registration.study_day_id == day.id,
                Registration.state.in_(("pending", "offered")),
                Registration.expires_at < now,
            )
        )
    )
    for registration in lapsed:
        registration.state = "expired"
        for choice in registration.choices:
            if choice.state not in GONE:
                choice.state, choice.expires_at = "cancelled", None
    for choice in session.scalars(
        select(WorkshopChoice)
        .join(Registration, WorkshopChoice.registration_id == Registration.id)
        .where(
            Registration.study_day_id == day.id,
            WorkshopChoice.state == "offered",
            WorkshopChoice.expires_at < now,
        )
    ):
        choice.state = "expired"
    session.flush()
    return lapsed, promote(session, day, now, offer_hours)


def check_in(
    session: Session, registration: Registration, present: bool, now: datetime | None = None
) -> None:
    if registration.state != "confirmed":
        raise Refused("not_confirmed")
    registration.present_at = (now or utcnow()) if present else None
    session.flush()


# --- privacy ---------------------------------------------------------------------------------


def anonymise(session: Session, now: datetime, retention_days: int) -> int:
    """Remove names, addresses and needs from the registrations of study days held more
    than ``retention_days`` ago; what is left (organisation, authority, states, presence)
    still counts in the statistics. Private links stop working. Returns how many."""
    last_day = in_brussels(now).date() - timedelta(days=retention_days)
    done = 0
    for registration in session.scalars(
        select(Registration)
        .join(StudyDay, Registration.study_day_id == StudyDay.id)
        .where(StudyDay.held_on < last_day, Registration.anonymised_at.is_(None))
    ):
        registration.name = ""
        registration.email = f"anonymised-{registration.id}@invalid"
        registration.accessibility = None
        registration.on_participant_list = False
        registration.link_nonce = None
        registration.token_hash = digest(secrets.token_urlsafe(24))
        registration.anonymised_at = now
        done += 1
    session.flush()
    return done
