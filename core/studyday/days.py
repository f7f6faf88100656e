"""The events and their programme: checking and saving an event and its sessions, when
it is open, the places held and the offers made to the waiting lists when places free up,
and the private links of registrations (no Flask here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import WALL_CLOCK as CLOCK
from core.clock import in_brussels, local_time, utcnow
from core.studyday.models import (
    AUDIENCES,
    EVENT_KINDS,
    SESSION_KINDS,
    WORKSHOP_LANGUAGES,
    Registration,
    StudyDay,
    Workshop,
    WorkshopChoice,
)
from core.validation import (
    Invalid,
    date_field,
    text_problem,
    whole_field,
)

MAX_WORKSHOPS = 2
HOLDING = ("pending", "confirmed", "offered")  # registrations that hold a place of the day
SEATED = ("confirmed", "offered")  # workshop choices that hold a seat
GONE = ("cancelled", "expired")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- private links ---------------------------------------------------------------------------


def private_token(registration: Registration, key: str) -> str:
    """The secret of a registration's private link. An HMAC of its id and nonce under the
    platform's secret key: a job can write it into a later e-mail without keeping the
    secret, and the database only holds its hash. A new nonce ends every earlier link."""
    if not registration.link_nonce:
        registration.link_nonce = secrets.token_hex(16)
    mac = hmac.new(
        key.encode(),
        f"study-day-registration:{registration.id}:{registration.link_nonce}".encode(),
        hashlib.sha256,
    ).digest()
    token = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    registration.token_hash = digest(token)
    return token


def by_token(session: Session, token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    found = session.scalar(select(Registration).where(Registration.token_hash == digest(token)))
    return None if found is None or found.anonymised_at else found


# --- the day and its programme ---------------------------------------------------------------


def take_the_lock(session: Session, day: StudyDay) -> None:
    session.execute(
        update(StudyDay)
        .where(StudyDay.id == day.id)
        .values(registrations_version=StudyDay.registrations_version + 1)
        .execution_options(synchronize_session=False)
    )


def edit_deadline(day: StudyDay) -> datetime:
    return day.edit_deadline or day.closes_at


def is_open(day: StudyDay, now: datetime | None = None) -> bool:
    return day.opens_at <= (now or utcnow()) <= day.closes_at


def is_over(day: StudyDay, now: datetime | None = None) -> bool:
    return in_brussels(now or utcnow()).date() > day.held_on


def workshops_of(day: StudyDay) -> list[Workshop]:
    return [w for w in day.workshops if w.kind == "workshop"]


def _clock(raw: Any, key: str, errors: dict[str, str]) -> str | None:
    clock = str(raw or "").strip()
    if not CLOCK.match(clock):
        errors[key] = "required" if not clock else "clock"
        return None
    return clock


def refuse_control(values: dict[str, Any], errors: dict[str, str], single=(), multi=()) -> None:
    """Control characters in these text fields: one-line fields take none, multi-line ones
    line feeds and tabs only."""
    for keys, multiline in ((single, False), (multi, True)):
        for key in keys:
            value = values.get(key)
            if isinstance(value, str) and text_problem(value, multiline=multiline):
                errors[key] = text_problem(value, multiline=multiline)


def _titles(values: dict[str, Any], errors: dict[str, str], field: str = "title") -> dict:
    titles = {
        f"{field}_{lang}": (str(values.get(f"{field}_{lang}") or "").strip() or None)
        for lang in ("nl", "fr", "en")
    }
    for lang in ("nl", "fr"):
        if not titles[f"{field}_{lang}"]:
            errors[f"{field}_{lang}"] = "required"
    refuse_control(values, errors, single=list(titles))
    return titles


def check_day(values: dict[str, Any]) -> dict[str, Any]:
    """An event's fields from a form or the API; dates are Brussels dates. Without a kind it
    is a study day (as every event was before trainings); a training says whom it is for."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = _titles(values, errors)
    kind = values.get("kind") or "study_day"
    if kind not in EVENT_KINDS:
        errors["kind"] = "choice"
    audience = values.get("audience") or None
    if kind == "training" and audience is None:
        errors["audience"] = "required"
    elif audience is not None and audience not in AUDIENCES:
        errors["audience"] = "choice"
    cleaned["kind"] = kind
    cleaned["audience"] = audience if kind == "training" else None
    for lang in ("nl", "fr", "en"):
        cleaned[f"description_{lang}"] = (
            str(values.get(f"description_{lang}") or "").strip() or None
        )
    held_on = date_field(values, "held_on", errors, required=True)
    opens = date_field(values, "opens_on", errors, required=True)
    closes = date_field(values, "closes_on", errors, required=True)
    deadline = date_field(values, "edit_deadline", errors)
    venue = str(values.get("venue") or "").strip()
    if not venue:
        errors["venue"] = "required"
    descriptions = [f"description_{lang}" for lang in ("nl", "fr", "en")]
    refuse_control(values, errors, single=["venue"], multi=descriptions)
    capacity = whole_field(values, "capacity", errors, 1, 100_000, required=True)
    if held_on and opens and closes:
        if closes < opens:
            errors["closes_on"] = "before_start"
        elif closes > held_on:
            errors["closes_on"] = "after_day"
        if deadline and not closes <= deadline <= held_on:
            errors["edit_deadline"] = "deadline"
    if errors:
        raise Invalid(errors)
    return {
        **cleaned,
        "year": held_on.year,
        "held_on": held_on,
        "venue": venue[:300],
        "capacity": capacity,
        "opens_at": local_time(opens, "00:00"),
        # Registration closes at the end of its last day, Brussels time.
        "closes_at": local_time(closes, "23:59"),
        "edit_deadline": local_time(deadline, "23:59") if deadline else None,
    }


def _one_study_day_a_year(session: Session, cleaned: dict[str, Any], day_id: int | None) -> None:
    """The study day is yearly (goal 6.2): a second one in a year is refused at its date.
    The unique index on the year of the study days holds against two organisers at once."""
    if cleaned["kind"] != "study_day":
        return
    other = session.scalar(
        select(StudyDay.id).where(
            StudyDay.kind == "study_day",
            StudyDay.year == cleaned["year"],
            StudyDay.id != (day_id or 0),
        )
    )
    if other is not None:
        raise Invalid({"held_on": "one_per_year"})


def create_day(session: Session, values: dict[str, Any], organiser: str | None = None) -> StudyDay:
    """A new event. ``organiser``: the authority whose coordinator plans it (a training or
    another event; the study day is the committee's), None for the committee."""
    cleaned = check_day(values)
    if organiser is not None and cleaned["kind"] == "study_day":
        raise Invalid({"kind": "committee_only"})
    _one_study_day_a_year(session, cleaned, None)
    day = StudyDay(**cleaned, authority_code=organiser, registrations_version=0)
    session.add(day)
    session.flush()
    return day


def update_day(
    session: Session, day: StudyDay, values: dict[str, Any], offer_hours: int = 48
) -> list:
    """Returns the offers a larger capacity made possible."""
    cleaned = check_day({**values, "kind": values.get("kind") or day.kind})
    if day.authority_code is not None and cleaned["kind"] == "study_day":
        raise Invalid({"kind": "committee_only"})
    _one_study_day_a_year(session, cleaned, day.id)
    take_the_lock(session, day)
    if cleaned["capacity"] < holding(session, day):
        raise Invalid({"capacity": "below_taken"})
    for key, value in cleaned.items():
        setattr(day, key, value)
    session.flush()
    return promote(session, day, utcnow(), offer_hours)


def check_workshop(day: StudyDay, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = _titles(values, errors)
    for lang in ("nl", "fr", "en"):
        cleaned[f"description_{lang}"] = (
            str(values.get(f"description_{lang}") or "").strip() or None
        )
    kind = values.get("kind") or "workshop"
    if kind not in SESSION_KINDS:
        errors["kind"] = "choice"
    language = values.get("language") or "bilingual"
    if language not in WORKSHOP_LANGUAGES:
        errors["language"] = "choice"
    starts = _clock(values.get("starts"), "starts", errors)
    ends = _clock(values.get("ends"), "ends", errors)
    if starts and ends and ends <= starts:
        errors["ends"] = "before_start"
    descriptions = [f"description_{lang}" for lang in ("nl", "fr", "en")]
    themes = [f"theme_{lang}" for lang in ("nl", "fr", "en")]
    refuse_control(values, errors, single=[*themes, "room"], multi=descriptions)
    capacity = (
        whole_field(values, "capacity", errors, 1, 100_000, required=True)
        if kind == "workshop"
        else day.capacity
    )
    if errors:
        raise Invalid(errors)
    return {
        **cleaned,
        "kind": kind,
        "language": language,
        **{key: (str(values.get(key) or "").strip()[:200] or None) for key in themes},
        "room": (str(values.get("room") or "").strip()[:200] or None),
        "starts_at": local_time(day.held_on, starts),
        "ends_at": local_time(day.held_on, ends),
        "capacity": capacity,
    }


def add_workshop(session: Session, day: StudyDay, values: dict[str, Any]) -> Workshop:
    workshop = Workshop(study_day_id=day.id, **check_workshop(day, values))
    session.add(workshop)
    session.flush()
    session.refresh(day)
    return workshop


def update_workshop(
    session: Session, workshop: Workshop, values: dict[str, Any], offer_hours: int = 48
) -> list:
    day = session.get(StudyDay, workshop.study_day_id)
    cleaned = check_workshop(day, values)
    take_the_lock(session, day)
    if cleaned["capacity"] < seated(session, workshop.id):
        raise Invalid({"capacity": "below_taken"})
    for key, value in cleaned.items():
        setattr(workshop, key, value)
    session.flush()
    return promote(session, day, utcnow(), offer_hours)


def holding(session: Session, day: StudyDay) -> int:
    return session.scalar(
        select(func.count()).where(
            Registration.study_day_id == day.id, Registration.state.in_(HOLDING)
        )
    )


def seated(session: Session, workshop_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            WorkshopChoice.workshop_id == workshop_id, WorkshopChoice.state.in_(SEATED)
        )
    )


def promote(session: Session, day: StudyDay, now: datetime, offer_hours: int) -> list:
    """Offer freed places to the waiting lists, first come first served, each offer held
    until its deadline. Returns the offers: registrations offered a place of the day and
    workshop choices offered a seat."""
    offers: list = []
    deadline = now + timedelta(hours=offer_hours)
    free = day.capacity - holding(session, day)
    if free > 0 and not is_over(day, now):
        for waiting in session.scalars(
            select(Registration)
            .where(Registration.study_day_id == day.id, Registration.state == "waiting")
            .order_by(Registration.created_at, Registration.id)
            .limit(free)
        ):
            waiting.state, waiting.expires_at = "offered", deadline
            offers.append(waiting)
    session.flush()
    for workshop in workshops_of(day):
        room = workshop.capacity - seated(session, workshop.id)
        if room <= 0 or is_over(day, now):
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
            choice.state, choice.expires_at = "offered", deadline
            offers.append(choice)
    session.flush()
    return offers
