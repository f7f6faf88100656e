"""The study day's logic, shared by pages, API, command line and jobs (no Flask here):
the programme, registrations with workshop choices, waiting lists with offers that expire,
check-in, workshop reports, statistics and the anonymisation of registrants' data.

Places are never given twice: every registration, change, cancellation, offer and expiry
first bumps a counter on the study day's row. That single UPDATE takes the row's lock on
PostgreSQL and the write lock on SQLite, so places are counted and handed out one at a time,
whatever the number of app servers and workers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

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
    WorkshopReport,
)
from core.validation import (
    EMAIL,
    Invalid,
    Refused,
    Stale,
    date_field,
    normalise_email,
    text_problem,
    whole_field,
)

__all__ = ["Invalid", "Refused", "Stale"]

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


def _take_the_lock(session: Session, day: StudyDay) -> None:
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


def _refuse_control(values: dict[str, Any], errors: dict[str, str], single=(), multi=()) -> None:
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
    _refuse_control(values, errors, single=list(titles))
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
    _refuse_control(values, errors, single=["venue"], multi=descriptions)
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
    _take_the_lock(session, day)
    if cleaned["capacity"] < _holding(session, day):
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
    _refuse_control(values, errors, single=[*themes, "room"], multi=descriptions)
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
    _take_the_lock(session, day)
    if cleaned["capacity"] < _seated(session, workshop.id):
        raise Invalid({"capacity": "below_taken"})
    for key, value in cleaned.items():
        setattr(workshop, key, value)
    session.flush()
    return promote(session, day, utcnow(), offer_hours)


# --- registering -----------------------------------------------------------------------------


def _holding(session: Session, day: StudyDay) -> int:
    return session.scalar(
        select(func.count()).where(
            Registration.study_day_id == day.id, Registration.state.in_(HOLDING)
        )
    )


def _seated(session: Session, workshop_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            WorkshopChoice.workshop_id == workshop_id, WorkshopChoice.state.in_(SEATED)
        )
    )


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
    _refuse_control(
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
    _take_the_lock(session, day)
    existing = session.scalar(
        select(Registration).where(
            Registration.study_day_id == day.id, Registration.email == cleaned["email"]
        )
    )
    if existing is not None and existing.state not in GONE:
        raise Refused("already_registered")
    has_place = _holding(session, day) < day.capacity
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
        free = has_place and _seated(session, workshop.id) < workshop.capacity
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
    _take_the_lock(session, day)
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
    _take_the_lock(session, day)
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
        free = holds and _seated(session, workshop.id) < workshop.capacity
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
    _take_the_lock(session, day)
    if registration.state in GONE:
        raise Refused(registration.state)
    registration.state, registration.expires_at = "cancelled", None
    for choice in registration.choices:
        if choice.state not in GONE:
            choice.state, choice.expires_at = "cancelled", None
    session.flush()
    return promote(session, day, now, offer_hours)


def promote(session: Session, day: StudyDay, now: datetime, offer_hours: int) -> list:
    """Offer freed places to the waiting lists, first come first served, each offer held
    until its deadline. Returns the offers: registrations offered a place of the day and
    workshop choices offered a seat."""
    offers: list = []
    deadline = now + timedelta(hours=offer_hours)
    free = day.capacity - _holding(session, day)
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
        room = workshop.capacity - _seated(session, workshop.id)
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


def expire(
    session: Session, day: StudyDay, now: datetime, offer_hours: int
) -> tuple[list[Registration], list]:
    """Let places whose deadline passed go: unconfirmed guests and unanswered offers. The
    next on the waiting list is offered them. Returns the registrations that lapsed and the
    new offers, for their messages."""
    _take_the_lock(session, day)
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


# --- figures ---------------------------------------------------------------------------------


def places(session: Session, day: StudyDay) -> dict[str, Any]:
    """Taken and waiting, for the day and for each workshop, in three queries."""
    states = Counter(
        dict(
            session.execute(
                select(Registration.state, func.count())
                .where(Registration.study_day_id == day.id)
                .group_by(Registration.state)
            ).all()
        )
    )
    seats: dict[int, Counter] = {}
    unconfirmed: Counter = Counter()  # seats held by guests who did not confirm yet
    for workshop_id, state, holder, count in session.execute(
        select(WorkshopChoice.workshop_id, WorkshopChoice.state, Registration.state, func.count())
        .join(Workshop, WorkshopChoice.workshop_id == Workshop.id)
        .join(Registration, WorkshopChoice.registration_id == Registration.id)
        .where(Workshop.study_day_id == day.id)
        .group_by(WorkshopChoice.workshop_id, WorkshopChoice.state, Registration.state)
    ):
        seats.setdefault(workshop_id, Counter())[state] += count
        if holder == "pending" and state in SEATED:
            unconfirmed[workshop_id] += count
    return {
        "day": {
            "capacity": day.capacity,
            "taken": sum(states[s] for s in HOLDING),
            "unconfirmed": states["pending"],  # of the taken: held until a guest confirms
            "waiting": states["waiting"],
            "present": session.scalar(
                select(func.count()).where(
                    Registration.study_day_id == day.id, Registration.present_at.is_not(None)
                )
            ),
        },
        "workshops": {
            w.id: {
                "capacity": w.capacity,
                "taken": sum(seats.get(w.id, Counter())[s] for s in SEATED),
                "unconfirmed": unconfirmed[w.id],
                "waiting": seats.get(w.id, Counter())["waiting"],
            }
            for w in workshops_of(day)
        },
    }


def registrations_of(session: Session, day: StudyDay, search: str = "") -> list[Registration]:
    query = (
        select(Registration)
        .where(Registration.study_day_id == day.id)
        .options(selectinload(Registration.choices).selectinload(WorkshopChoice.workshop))
        .order_by(func.lower(Registration.name), Registration.id)
    )
    words = search.strip().lower()
    if words:
        pattern = f"%{words}%"
        query = query.where(
            func.lower(Registration.name).like(pattern)
            | func.lower(Registration.email).like(pattern)
            | func.lower(func.coalesce(Registration.organisation, "")).like(pattern)
        )
    return list(session.scalars(query))


def by_organisation(registrations: list[Registration]) -> dict[str, list]:
    """Confirmed registrations counted per authority and per organisation."""
    confirmed = [r for r in registrations if r.state == "confirmed"]
    return {
        "authorities": Counter(r.authority_code or "" for r in confirmed).most_common(),
        "organisations": Counter(r.organisation or "" for r in confirmed).most_common(),
    }


def participants(session: Session, day: StudyDay) -> list[Registration]:
    """Those who agreed to appear on the participant list."""
    return list(
        session.scalars(
            select(Registration)
            .where(
                Registration.study_day_id == day.id,
                Registration.state == "confirmed",
                Registration.on_participant_list.is_(True),
                Registration.anonymised_at.is_(None),
            )
            .order_by(func.lower(Registration.name))
        )
    )


def statistics(session: Session, kind: str = "study_day") -> list[dict[str, Any]]:
    """Event by event of one kind, year over year: places, registrations, waiting, present,
    workshops, per authority."""
    rows = []
    days = session.scalars(
        select(StudyDay)
        .where(StudyDay.kind == kind)
        .options(selectinload(StudyDay.workshops))
        .order_by(StudyDay.held_on, StudyDay.id)
    ).all()
    counts: dict[int, Counter] = {}
    for day_id, state, present, count in session.execute(
        select(
            Registration.study_day_id,
            Registration.state,
            Registration.present_at.is_not(None),
            func.count(),
        ).group_by(
            Registration.study_day_id, Registration.state, Registration.present_at.is_not(None)
        )
    ):
        counter = counts.setdefault(day_id, Counter())
        counter[state] += count
        if present:
            counter["present"] += count
    authorities: dict[int, Counter] = {}
    for day_id, authority, count in session.execute(
        select(Registration.study_day_id, Registration.authority_code, func.count())
        .where(Registration.state == "confirmed")
        .group_by(Registration.study_day_id, Registration.authority_code)
    ):
        authorities.setdefault(day_id, Counter())[authority or ""] = count
    for day in days:
        counter = counts.get(day.id, Counter())
        confirmed = counter["confirmed"]
        rows.append(
            {
                "id": day.id,
                "year": day.year,
                "kind": day.kind,
                "audience": day.audience,
                "held_on": day.held_on.isoformat(),
                "title": day.texts("title"),
                "capacity": day.capacity,
                "workshops": len(workshops_of(day)),
                "confirmed": confirmed,
                "waiting": counter["waiting"],
                "cancelled": counter["cancelled"] + counter["expired"],
                "present": counter["present"],
                "attendance_rate": (counter["present"] / confirmed) if confirmed else None,
                "authorities": dict(authorities.get(day.id, Counter())),
            }
        )
    return rows


def figures_by_kind(session: Session) -> list[dict[str, Any]]:
    """Per kind of event and per year: how many events, registrations that hold a place,
    people on a waiting list and people present. Kinds in their fixed order, then years."""
    events = Counter(
        dict(
            ((kind, year), count)
            for kind, year, count in session.execute(
                select(StudyDay.kind, StudyDay.year, func.count()).group_by(
                    StudyDay.kind, StudyDay.year
                )
            )
        )
    )
    people: dict[tuple[str, int], Counter] = {}
    for kind, year, state, present, count in session.execute(
        select(
            StudyDay.kind,
            StudyDay.year,
            Registration.state,
            Registration.present_at.is_not(None),
            func.count(),
        )
        .join(StudyDay, Registration.study_day_id == StudyDay.id)
        .group_by(
            StudyDay.kind,
            StudyDay.year,
            Registration.state,
            Registration.present_at.is_not(None),
        )
    ):
        counter = people.setdefault((kind, year), Counter())
        counter[state] += count
        if present:
            counter["present"] += count
    order = {kind: n for n, kind in enumerate(EVENT_KINDS)}
    rows = []
    for kind, year in sorted(events, key=lambda key: (order.get(key[0], 99), key[1])):
        counter = people.get((kind, year), Counter())
        rows.append(
            {
                "kind": kind,
                "year": year,
                "events": events[(kind, year)],
                "registered": counter["confirmed"],
                "waiting": counter["waiting"],
                "present": counter["present"],
            }
        )
    return rows


def present_in(session: Session, year: int) -> int | None:
    """People present at the study day of ``year`` (an indicator source)."""
    day = session.scalar(
        select(StudyDay).where(StudyDay.kind == "study_day", StudyDay.year == year)
    )
    if day is None:
        return None
    return session.scalar(
        select(func.count()).where(
            Registration.study_day_id == day.id, Registration.present_at.is_not(None)
        )
    )


# --- afterwards ------------------------------------------------------------------------------


def save_report(
    session: Session, workshop: Workshop, values: dict[str, Any], version: Any = None
) -> WorkshopReport:
    """A workshop's report in Dutch and French with the needs and goals it links to.
    ``version`` is the one the writer read: a report saved since is never overwritten."""
    from core.goals.lookup import goal_id
    from core.goals.models import Goal
    from core.inventory.models import Need

    errors: dict[str, str] = {}
    texts = {
        f"text_{lang}": (str(values.get(f"text_{lang}") or "").strip() or None)
        for lang in ("nl", "fr")
    }
    if not any(texts.values()):
        errors["text_nl"] = "one_text"
    _refuse_control(values, errors, multi=list(texts))

    def entries(raw: Any) -> list:
        if isinstance(raw, str | int):
            raw = str(raw).replace(",", " ").split()
        return list(raw) if isinstance(raw, list | tuple) else []

    # Goals by number or by code in the current plan, as everywhere (core.goals.lookup).
    goal_ids = [goal_id(session, entry) for entry in entries(values.get("goals"))]
    if None in goal_ids:
        errors["goals"] = "unknown"
        goal_ids = [found for found in goal_ids if found is not None]
    try:
        need_ids = [int(i) for i in entries(values.get("needs"))]
    except (TypeError, ValueError):
        need_ids = None
    # Not numbers, or numbers no id column holds (a crafted form): none of them is a need.
    if need_ids is None or not all(0 < i < 2**31 for i in need_ids):
        errors["needs"] = "unknown"
        need_ids = []
    goals = list(session.scalars(select(Goal).where(Goal.id.in_(goal_ids)))) if goal_ids else []
    needs = list(session.scalars(select(Need).where(Need.id.in_(need_ids)))) if need_ids else []
    if len(goals) != len(set(goal_ids)):
        errors["goals"] = "unknown"
    if len(needs) != len(set(need_ids)):
        errors["needs"] = "unknown"
    if errors:
        raise Invalid(errors)
    report = workshop.report
    if report is None:
        report = WorkshopReport(workshop_id=workshop.id)
        session.add(report)
        workshop.report = report
    elif version not in (None, "") and str(report.version) != str(version):
        raise Stale(report.version)
    for key, value in texts.items():
        setattr(report, key, value)
    report.goals, report.needs = goals, needs
    session.flush()
    return report


def reports_for_goal(session: Session, goal_id: int) -> list[WorkshopReport]:
    from core.studyday.models import report_goals

    return list(
        session.scalars(
            select(WorkshopReport)
            .join(report_goals, report_goals.c.report_id == WorkshopReport.id)
            .where(report_goals.c.goal_id == goal_id)
            .options(selectinload(WorkshopReport.workshop))
        )
    )


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


# --- indicators of goal 6.1 -----------------------------------------------------------------


def _trainings_held(session: Session, year: int, now: datetime | None = None):
    """Trainings of ``year`` held by now (a training planned later in the year is not)."""
    today = in_brussels(now or utcnow()).date()
    return select(StudyDay.id).where(
        StudyDay.kind == "training", StudyDay.year == year, StudyDay.held_on <= today
    )


def trainings_held(session: Session, year: int, audience: str | None = None) -> int:
    """Reciprocal trainings held in ``year`` (an indicator source of goal 6.1), all of them
    or those for one audience."""
    query = _trainings_held(session, year)
    if audience:
        query = query.where(StudyDay.audience == audience)
    return session.scalar(select(func.count()).select_from(query.subquery()))


def present_at_trainings(session: Session, year: int, audience: str | None = None) -> int:
    """People present at the trainings held in ``year`` (an indicator source of goal 6.1),
    at all of them or at those for one audience."""
    held = _trainings_held(session, year)
    if audience:
        held = held.where(StudyDay.audience == audience)
    return session.scalar(
        select(func.count()).where(
            Registration.study_day_id.in_(held), Registration.present_at.is_not(None)
        )
    )
