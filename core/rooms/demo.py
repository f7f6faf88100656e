"""Demo bookings of the rooms federal Justice ships (three in Haren and two in Saint-Gilles,
plugins/justitie/concerto_justitie/data/rooms.csv) by services offered there (one recurring
every Tuesday afternoon except on public holidays, the others once, this week and next), booked through the same checks as the pages. Dates follow the day the demo is
seeded, so the week view always shows something."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo_parts import DemoParts
from core.inventory.models import Service, ServiceLocation
from core.permissions import system
from core.rooms import services as rooms
from core.rooms.models import Room, RoomBooking


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


def seed_demo_rooms(
    session: Session, today: date | None = None, parts: DemoParts | None = None
) -> None:
    """Book the rooms that federal Justice ships (its plugin's data, loaded before) for a few
    services; no rooms, no bookings."""
    if parts is not None and not parts.has("justitie"):
        parts.leave_out("the prisons' rooms and their bookings", ["justitie"])
        return
    if session.scalar(select(RoomBooking.id).limit(1)) is not None:
        return
    today = today or date.today()
    made = list(session.scalars(select(Room).order_by(Room.id)))
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
