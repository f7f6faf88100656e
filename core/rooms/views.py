"""The rooms' pages: the register per prison with the year's use (goal 6.3), a room and its
bookings, adding and changing a room, booking it once or on a schedule, and a prison's week."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.clock import today
from core.db import db_session
from core.i18n import current_language
from core.inventory import schedules
from core.inventory.models import LANGUAGE_CODES, Service
from core.permissions import can, current, require
from core.reference.models import Prison
from core.reference.services import prisons_open
from core.rooms import services as rooms
from core.rooms.models import Room, RoomBooking
from core.validation import Invalid
from core.web import attempt

blueprint = Blueprint("rooms", __name__)


def _today() -> date:
    return today()


def _logged_in() -> None:
    if current().user_id is None and not current().is_system:
        abort(401)


def _room(room_id: int) -> Room:
    room = db_session().get(Room, room_id)
    if room is None:
        abort(404)
    return room


def _prisons() -> list[tuple[str, str]]:
    return [(p.code, str(p.local("name"))) for p in prisons_open(db_session())]


def _languages() -> list[tuple[str, str]]:
    names = rooms.language_names(list(LANGUAGE_CODES), current_language())
    return list(zip(LANGUAGE_CODES, names, strict=True))


@blueprint.route("/rooms")
def index():
    _logged_in()
    session = db_session()
    year = request.args.get("year", type=int) or _today().year
    if not 2000 <= year <= 2100:
        year = _today().year
    prisons = [prison for prison in prisons_open(session) if rooms.rooms_of(session, prison.code)]
    return render_template(
        "rooms/index.html",
        prisons=prisons,
        rooms_of={p.code: rooms.rooms_of(session, p.code) for p in prisons},
        use=rooms.use_in_year(session, year),
        year=year,
        may_manage=can(current(), "rooms.manage"),
        signage_language_names=rooms.language_names,
    )


def _room_form(room: Room | None):
    require("rooms.manage")
    if room is None:
        values = {"prison_code": request.args.get("prison", ""), "signage_languages": []}
    else:
        values = {
            "prison_code": room.prison_code,
            "name_nl": room.name_nl,
            "name_fr": room.name_fr,
            "capacity": room.capacity,
            "equipment": room.equipment,
            "signage_languages": room.signage_languages,
        }
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        values["signage_languages"] = request.form.getlist("signage_languages")
        if room is None:
            outcome = attempt(lambda session: rooms.create_room(session, values))
            done = _("The room was added.")
        else:
            outcome = attempt(lambda session: rooms.update_room(session, room, values))
            done = _("The room was saved.")
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("rooms.room", room_id=outcome.result.id))
        errors = rooms.messages(Invalid(outcome.invalid or {}))
    return render_template(
        "rooms/room_form.html",
        room=room,
        values=values,
        errors=errors,
        prisons=_prisons(),
        signage_choices=_languages(),
    ), 422 if errors else 200


@blueprint.route("/rooms/new", methods=["GET", "POST"])
def new_room():
    return _room_form(None)


@blueprint.route("/rooms/<int(max=2147483647):room_id>/edit", methods=["GET", "POST"])
def edit_room(room_id: int):
    return _room_form(_room(room_id))


@blueprint.route("/rooms/<int(max=2147483647):room_id>")
def room(room_id: int):
    _logged_in()
    found = _room(room_id)
    today = _today()
    bookings = (
        db_session()
        .scalars(
            select(RoomBooking)
            .where(RoomBooking.room_id == found.id, RoomBooking.last_day >= today)
            .order_by(RoomBooking.first_day, RoomBooking.starts)
        )
        .all()
    )
    return render_template(
        "rooms/room.html",
        room=found,
        bookings=bookings,
        booking_words=rooms.booking_words,
        service_name=rooms.service_name,
        signage_language_names=rooms.language_names,
        may_manage=can(current(), "rooms.manage"),
    )


@blueprint.route("/rooms/<int(max=2147483647):room_id>/book", methods=["GET", "POST"])
def book(room_id: int):
    require("rooms.manage")
    session = db_session()
    found = _room(room_id)
    principal = current()
    today = _today()
    values = {
        "kind": "once",
        "day": request.args.get("day", ""),
        "starts": "09:00",
        "ends": "11:00",
        "first_day": today.isoformat(),
        "last_day": date(today.year, 12, 31).isoformat(),
        "schedule": {"repeat": "weekly", "days": [], "skip_holidays": "1"},
    }
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        # The picker is sent back as it was, whichever kind was chosen: nothing typed is lost.
        picked = schedules.from_form(request.form, "schedule")
        values["schedule"] = picked if isinstance(picked, dict) else schedules.picked(picked) or {}
        chosen = request.form.get("service_id", "")
        service = (
            session.get(Service, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
        )
        if service is not None:
            # Booking for a service one may not book for is a refusal, not a typing error.
            require("rooms.manage", service)
        in_the_way: dict[str, str] = {}

        def book_it(session):
            try:
                return rooms.book(session, found, values, principal)
            except rooms.Conflict as conflict:
                # Worded while the booking in the way is still at hand (core.web rolls back).
                in_the_way.update(rooms.messages(conflict))
                raise

        outcome = attempt(book_it)
        if outcome.ok:
            flash(_("The room was booked."), "success")
            return redirect(
                url_for(
                    "rooms.week_view",
                    prison_code=found.prison_code,
                    day=outcome.result.first_day.isoformat(),
                )
            )
        errors = in_the_way or rooms.messages(Invalid(outcome.invalid or {}))
    services = rooms.bookable_services(session, found, principal)
    return render_template(
        "rooms/book.html",
        room=found,
        values=values,
        errors=errors,
        services=[(s.id, rooms.service_name(s)) for s in services],
    ), 422 if errors else 200


@blueprint.route("/rooms/prisons/<prison_code>")
def week_view(prison_code: str):
    _logged_in()
    session = db_session()
    prison = session.get(Prison, prison_code[:32])
    if prison is None:
        abort(404)
    try:
        asked = date.fromisoformat(request.args.get("day", ""))
        if not 2000 <= asked.year <= 2100:
            raise ValueError
    except ValueError:
        asked = _today()
    monday = rooms.monday_of(asked)
    found, days, grid = rooms.week(session, prison.code, monday)
    return render_template(
        "rooms/week.html",
        prison=prison,
        rooms=found,
        days=days,
        grid=grid,
        today=_today(),
        previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
        service_name=rooms.service_name,
        day_words=rooms.day_words,
        short_day=rooms.short_day,
    )
