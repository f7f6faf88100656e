"""The rooms' logic, for the pages, the API, the demo and the tests alike: the register of
rooms, booking a room once or on a schedule with conflicts refused, the week of a prison and
the rooms' use as figures of goal 6.3 (shared use of prison rooms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.i18n import pick, show_date
from core.inventory import schedules
from core.inventory.models import LANGUAGE_CODES, Service, ServiceLocation
from core.permissions import Principal, can
from core.reference.models import Prison
from core.rooms.errors import ERRORS
from core.rooms.models import Room, RoomBooking
from core.validation import Invalid, date_field, text_problem

# A recurring booking covers at most two years: the room's use is planned again after that.
LONGEST_DAYS = 731
LARGEST_ROOM = 1000


class Conflict(Invalid):
    """The room is already booked at that time: ``other`` is the booking in the way and
    ``day`` the first day both would hold the room."""

    def __init__(self, field: str, other: RoomBooking, day: date) -> None:
        super().__init__({field: "conflict"})
        self.field, self.other, self.day = field, other, day


def conflict_words(conflict: Conflict) -> str:
    """The refusal in the reader's language, naming the booking in the way."""
    other = conflict.other
    return _(
        "This room is already booked on %(day)s from %(starts)s to %(ends)s for "
        "“%(service)s”. Choose another time, day or room.",
        day=day_words(conflict.day),
        starts=other.starts,
        ends=other.ends,
        service=service_name(other.service),
    )


def messages(invalid: Invalid) -> dict[str, str]:
    """Each field's problem in the reader's language."""
    words = {key: str(ERRORS.get(code, ERRORS["choice"])) for key, code in invalid.errors.items()}
    if isinstance(invalid, Conflict):
        words[invalid.field] = conflict_words(invalid)
    return words


def day_words(day: date) -> str:
    """ "Tuesday 19/01/2027": a weekday helps to see a day in a week."""
    return f"{format_date(day, 'EEEE')} {show_date(day)}"


def short_day(day: date) -> str:
    """ "Tue 19/1", for a column of the week."""
    return format_date(day, "EEE d/M")


def service_name(service: Service) -> str:
    return str(pick(service.texts("name")))


def language_names(codes: list[str], language: str) -> list[str]:
    """Language codes in words, in the reader's language (Dutch, néerlandais), as the
    inventory's pages name a service's languages."""
    return [Locale.parse(code).get_display_name(language) or code for code in codes]


# --- the register ----------------------------------------------------------------------------


def _text(values: dict[str, Any], key: str, errors: dict[str, str], limit: int) -> str | None:
    value = str(values.get(key) or "").strip()
    if not value:
        return None
    problem = text_problem(value)
    if problem:
        errors[key] = problem
    elif len(value) > limit:
        errors[key] = "length"
    return value


def check_room(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    prison = session.get(Prison, str(values.get("prison_code") or "")[:32])
    if prison is None:
        errors["prison_code"] = "required" if not values.get("prison_code") else "choice"
    names = {lang: _text(values, f"name_{lang}", errors, 200) for lang in ("nl", "fr")}
    if not any(names.values()) and not errors.keys() & {"name_nl", "name_fr"}:
        errors["name_nl"] = "one_name"
    raw = str(values.get("capacity") or "").strip()
    capacity = None
    if not raw:
        errors["capacity"] = "required"
    elif not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        errors["capacity"] = "integer"
    elif not 1 <= int(raw) <= LARGEST_ROOM:
        errors["capacity"] = "range"
    else:
        capacity = int(raw)
    equipment = _text(values, "equipment", errors, 500)
    languages = values.get("signage_languages") or []
    if isinstance(languages, str):
        languages = [languages]
    if set(languages) - set(LANGUAGE_CODES):
        errors["signage_languages"] = "choice"
    if errors:
        raise Invalid(errors)
    return {
        "prison_code": prison.code,
        "name_nl": names["nl"],
        "name_fr": names["fr"],
        "capacity": capacity,
        "equipment": equipment,
        "signage_languages": [code for code in LANGUAGE_CODES if code in set(languages)],
    }


def create_room(session: Session, values: dict[str, Any]) -> Room:
    room = Room(**check_room(session, values))
    session.add(room)
    session.flush()
    return room


def update_room(session: Session, room: Room, values: dict[str, Any]) -> Room:
    for key, value in check_room(session, values).items():
        setattr(room, key, value)
    session.flush()
    return room


def rooms_of(session: Session, prison_code: str) -> list[Room]:
    return list(
        session.scalars(
            select(Room).where(Room.prison_code == prison_code).order_by(Room.name_nl, Room.id)
        )
    )


# --- bookings ----------------------------------------------------------------------------------


def bookable_services(session: Session, room: Room, principal: Principal) -> list[Service]:
    """The active services at the room's prison that ``principal`` may book for: the
    secretariat any, a coordinator those of their own authority."""
    found = session.scalars(
        select(Service)
        .join(ServiceLocation, ServiceLocation.service_id == Service.id)
        .where(ServiceLocation.prison_code == room.prison_code, Service.active.is_(True))
        .order_by(Service.name_nl, Service.id)
    ).unique()
    return [service for service in found if can(principal, "rooms.manage", service)]


def occurrences(booking: RoomBooking, first: date, last: date) -> list[date]:
    """The days the booking holds the room from ``first`` to ``last``."""
    first, last = max(first, booking.first_day), min(last, booking.last_day)
    if last < first:
        return []
    if not booking.schedule:
        return [booking.first_day]
    return schedules.dates_between(booking.schedule, first, last)


def _clock(value: Any, key: str, errors: dict[str, str]) -> str | None:
    try:
        moment = schedules.clock_of(value)
    except schedules.ScheduleProblem:
        errors[key] = "clock"
        return None
    if moment is None:
        errors[key] = "required"
        return None
    return moment.strftime("%H:%M")


def check_booking(
    session: Session, room: Room, values: dict[str, Any], principal: Principal
) -> RoomBooking:
    """A booking from a form's or a request's values, not yet stored. Raises Invalid, or
    Conflict when the room is taken at that time."""
    errors: dict[str, str] = {}
    service = None
    raw_service = str(values.get("service_id") or "")
    if not raw_service:
        errors["service_id"] = "no_service"
    else:
        offered = {str(s.id): s for s in bookable_services(session, room, principal)}
        service = offered.get(raw_service)
        if service is None:
            errors["service_id"] = "choice"
    kind = values.get("kind") or "once"
    schedule = None
    if kind == "once":
        field = "day"
        first = last = date_field(values, "day", errors, required=True)
        starts = _clock(values.get("starts"), "starts", errors)
        ends = _clock(values.get("ends"), "ends", errors)
        if starts and ends and ends <= starts:
            errors["ends"] = "end_before_start"
    elif kind == "recurring":
        field = "schedule"
        first = date_field(values, "first_day", errors, required=True)
        last = date_field(values, "last_day", errors, required=True)
        if first and last and last < first:
            errors["last_day"] = "before_start"
        elif first and last and (last - first).days > LONGEST_DAYS:
            errors["last_day"] = "too_far"
        choices = values.get("schedule")
        starts = ends = None
        try:
            if isinstance(choices, dict):
                schedule = schedules.compose(choices, needs_end=True)
            else:
                schedule = str(choices or "") or None
            if schedule is None:
                raise schedules.ScheduleProblem("no_day")
            said = schedules.picked(schedule) or {}
            starts, ends = said.get("starts"), said.get("ends")
            if not starts or not ends:
                raise schedules.ScheduleProblem("no_end")
        except schedules.ScheduleProblem as problem:
            errors["schedule"] = problem.code if problem.code in ERRORS else "rrule"
    else:
        errors["kind"] = "choice"
        field, first, last, starts, ends = "day", None, None, None, None
    if first and field == "day" and "day" not in errors and not room.prison.is_open_on(first):
        errors["day"] = "closed"
    if errors:
        raise Invalid(errors)
    booking = RoomBooking(
        room_id=room.id,
        service_id=service.id,
        first_day=first,
        last_day=last,
        schedule=schedule,
        starts=starts,
        ends=ends,
        booked_by=principal.label,
    )
    booking.service = service
    days = occurrences(booking, first, last)
    if not days:
        raise Invalid({"schedule": "no_dates"})
    clash = first_clash(session, room, booking, days)
    if clash is not None:
        raise Conflict(field, *clash)
    return booking


def first_clash(
    session: Session, room: Room, booking: RoomBooking, days: list[date]
) -> tuple[RoomBooking, date] | None:
    """The room's booking that holds it at an overlapping time on one of ``days``, with the
    first such day; None when the room is free."""
    others = session.scalars(
        select(RoomBooking)
        .where(
            RoomBooking.room_id == room.id,
            RoomBooking.first_day <= booking.last_day,
            RoomBooking.last_day >= booking.first_day,
            RoomBooking.starts < booking.ends,
            RoomBooking.ends > booking.starts,
        )
        .options(selectinload(RoomBooking.service))
        .order_by(RoomBooking.first_day, RoomBooking.id)
    ).all()
    wanted = set(days)
    clashes = []
    for other in others:
        common = sorted(wanted & set(occurrences(other, booking.first_day, booking.last_day)))
        if common:
            clashes.append((common[0], other.id, other))
    if not clashes:
        return None
    day, _id, other = min(clashes)
    return other, day


def book(session: Session, room: Room, values: dict[str, Any], principal: Principal) -> RoomBooking:
    booking = check_booking(session, room, values, principal)
    session.add(booking)
    session.flush()
    return booking


def booking_words(booking: RoomBooking, language: str) -> str:
    """When a booking holds its room, in words."""
    if not booking.schedule:
        return _(
            "%(day)s, from %(starts)s to %(ends)s",
            day=day_words(booking.first_day),
            starts=booking.starts,
            ends=booking.ends,
        )
    return _(
        "%(schedule)s, from %(first)s to %(last)s",
        schedule=schedules.in_words(booking.schedule, language),
        first=show_date(booking.first_day),
        last=show_date(booking.last_day),
    )


# --- the week of a prison -----------------------------------------------------------------------


@dataclass
class Slot:
    booking: RoomBooking
    starts: str
    ends: str


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week(session: Session, prison_code: str, monday: date) -> tuple[list[Room], list[date], dict]:
    """The prison's rooms, the seven days from ``monday`` and, per room and day, the slots
    booked, earliest first."""
    days = [monday + timedelta(days=n) for n in range(7)]
    rooms = rooms_of(session, prison_code)
    grid: dict[int, dict[date, list[Slot]]] = {room.id: {day: [] for day in days} for room in rooms}
    bookings = session.scalars(
        select(RoomBooking)
        .join(Room)
        .where(
            Room.prison_code == prison_code,
            RoomBooking.first_day <= days[-1],
            RoomBooking.last_day >= days[0],
        )
        .options(selectinload(RoomBooking.service))
    ).all()
    for booking in bookings:
        for day in occurrences(booking, days[0], days[-1]):
            grid[booking.room_id][day].append(Slot(booking, booking.starts, booking.ends))
    for per_day in grid.values():
        for slots in per_day.values():
            slots.sort(key=lambda slot: (slot.starts, slot.ends))
    return rooms, days, grid


# --- figures of goal 6.3 -------------------------------------------------------------------------


@dataclass
class Use:
    prison: Prison
    rooms: int
    hours: float
    services: int


def _hours(booking: RoomBooking) -> float:
    starts = datetime.strptime(booking.starts, "%H:%M")
    ends = datetime.strptime(booking.ends, "%H:%M")
    return (ends - starts).total_seconds() / 3600


def use_in_year(session: Session, year: int) -> list[Use]:
    """Per prison with rooms: its rooms, the hours they are booked in ``year`` and the number
    of services that use them (goal 6.3's indicators)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    rooms = session.scalars(select(Room)).all()
    prisons: dict[str, Use] = {}
    services: dict[str, set[int]] = {}
    for room in rooms:
        if room.prison_code not in prisons:
            prisons[room.prison_code] = Use(session.get(Prison, room.prison_code), 0, 0.0, 0)
            services[room.prison_code] = set()
        prisons[room.prison_code].rooms += 1
    bookings = session.scalars(
        select(RoomBooking).where(RoomBooking.first_day <= last, RoomBooking.last_day >= first)
    ).all()
    room_prison = {room.id: room.prison_code for room in rooms}
    for booking in bookings:
        count = len(occurrences(booking, first, last))
        if count:
            code = room_prison[booking.room_id]
            prisons[code].hours += count * _hours(booking)
            services[code].add(booking.service_id)
    for code, use in prisons.items():
        use.services = len(services[code])
    return sorted(prisons.values(), key=lambda use: use.prison.code)


def services_booking_in(session: Session, year: int) -> int:
    """How many services hold a room at least once in ``year``, whichever prison (goal 6.3)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    bookings = session.scalars(
        select(RoomBooking).where(RoomBooking.first_day <= last, RoomBooking.last_day >= first)
    )
    return len({b.service_id for b in bookings if occurrences(b, first, last)})
