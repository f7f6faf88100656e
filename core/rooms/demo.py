"""Demo rooms: three in Haren and two in Saint-Gilles, with a few bookings by services offered
there (one recurring every Tuesday afternoon except on public holidays, the others once, this
week and next), booked through the same checks as the pages. Dates follow the day the demo is
seeded, so the week view always shows something."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.inventory.models import Service, ServiceLocation
from core.permissions import system
from core.reference.models import Prison
from core.rooms import services as rooms
from core.rooms.models import Room

ROOMS = [
    (
        "haren",
        "Polyvalente zaal A",
        "Salle polyvalente A",
        20,
        "projector, whiteboard, geluid",
        ["nl", "fr", "en"],
    ),
    ("haren", "Gespreksruimte 1", "Local d'entretien 1", 4, "tafel, 4 stoelen", ["nl", "fr"]),
    ("haren", "Leslokaal 2", "Salle de cours 2", 12, "whiteboard, 12 computers", ["nl", "fr"]),
    ("sint_gillis", "Bibliotheek", "Bibliothèque", 10, "boeken, 2 computers", ["fr", "nl", "ar"]),
    ("sint_gillis", "Vergaderzaal", "Salle de réunion", 16, "projecteur", ["fr", "nl"]),
]


def _services_at(session: Session, prison_code: str) -> list[Service]:
    return list(
        session.scalars(
            select(Service)
            .join(ServiceLocation, ServiceLocation.service_id == Service.id)
            .where(
                ServiceLocation.prison_code == prison_code,
                Service.active.is_(True),
                Service.state == "published",
            )
            .order_by(Service.id)
        ).unique()
    )


def seed_demo_rooms(session: Session, today: date | None = None) -> None:
    if session.scalar(select(Room.id).limit(1)) is not None:
        return
    today = today or date.today()
    made: list[Room] = []
    for prison, name_nl, name_fr, capacity, equipment, languages in ROOMS:
        if session.get(Prison, prison) is None:
            continue
        made.append(
            rooms.create_room(
                session,
                {
                    "prison_code": prison,
                    "name_nl": name_nl,
                    "name_fr": name_fr,
                    "capacity": str(capacity),
                    "equipment": equipment,
                    "signage_languages": languages,
                },
            )
        )
    operator = system("cli", "demo")
    monday = rooms.monday_of(today)
    by_prison: dict[str, list[Room]] = {}
    for room in made:
        by_prison.setdefault(room.prison_code, []).append(room)
    haren, gillis = by_prison.get("haren", []), by_prison.get("sint_gillis", [])
    at_haren, at_gillis = _services_at(session, "haren"), _services_at(session, "sint_gillis")
    wanted = []
    if haren and at_haren:
        wanted.append(
            (
                haren[0],
                {
                    "service_id": at_haren[0].id,
                    "kind": "recurring",
                    "first_day": date(today.year, 1, 1).isoformat(),
                    "last_day": date(today.year + 1, 12, 31).isoformat(),
                    "schedule": {
                        "repeat": "weekly",
                        "days": ["TU"],
                        "starts": "14:00",
                        "ends": "16:00",
                        "skip_holidays": "1",
                    },
                },
            )
        )
        for room, service, offset, starts, ends in (
            (haren[0], at_haren[-1], 3, "09:30", "12:00"),
            (haren[-1], at_haren[len(at_haren) // 2], 8, "13:00", "15:30"),
        ):
            wanted.append((room, _once(service, monday + timedelta(days=offset), starts, ends)))
    if gillis and at_gillis:
        wanted.append(
            (gillis[0], _once(at_gillis[0], monday + timedelta(days=2), "10:00", "12:00"))
        )
    for room, values in wanted:
        try:
            rooms.book(session, room, values, operator)
        except rooms.Invalid:
            continue  # a day the prison is closed or taken: the demo does without it
    session.commit()


def _once(service: Service, day: date, starts: str, ends: str) -> dict:
    return {
        "service_id": service.id,
        "kind": "once",
        "day": day.isoformat(),
        "starts": starts,
        "ends": ends,
    }
