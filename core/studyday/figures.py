"""The events' figures: places, registrations and participants of an event, statistics
over the years by kind, and the indicators of goal 6.1 (no Flask here)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import in_brussels, utcnow
from core.studyday.days import HOLDING, SEATED, workshops_of
from core.studyday.models import (
    EVENT_KINDS,
    Registration,
    StudyDay,
    Workshop,
    WorkshopChoice,
)

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
