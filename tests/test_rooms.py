"""Rooms in the prisons (issue 24, goal 6.3): the register, booking once and on a schedule,
conflicts refused at the field with the booking in the way named (and nothing stored), a
schedule that skips public holidays leaving those days free, the week of a prison, the year's
figures, and who may write."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.goals import yearly
from core.inventory import schedules
from core.inventory.models import Service, ServiceLocation
from core.rooms import services as rooms
from core.rooms.models import Room, RoomBooking
from tests.forms import check_summary
from tests.logins import csrf_token, login_as

NEXT_YEAR = date.today().year + 1


def _client(app, who, language="en"):
    client = app.test_client()
    login_as(client, app, who)
    client.get(f"/language/{language}")
    client.csrf = csrf_token(client, "/rooms")
    return client


def _db(app):
    return app.extensions["concerto.db"].session()


def _service_at(db, prison: str, authority: str) -> Service:
    return db.scalar(
        select(Service)
        .join(ServiceLocation, ServiceLocation.service_id == Service.id)
        .where(
            ServiceLocation.prison_code == prison,
            Service.authority_code == authority,
            Service.active.is_(True),
        )
        .order_by(Service.id)
    )


def _new_room(client, **extra) -> int:
    response = client.post(
        "/rooms/new",
        data={
            "csrf_token": client.csrf,
            "prison_code": "haren",
            "name_nl": "Testzaal",
            "name_fr": "Salle de test",
            "capacity": "8",
            "equipment": "beamer, whiteboard",
            "signage_languages": ["nl", "fr", "en"],
            **extra,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def _rooms(app) -> int:
    with _db(app) as db:
        return db.scalar(select(func.count()).select_from(RoomBooking))


def test_the_secretariat_adds_a_room_and_everyone_logged_in_reads_it(any_app):
    secretary = _client(any_app, "secretary")
    room_id = _new_room(secretary)
    with _db(any_app) as db:
        room = db.get(Room, room_id)
        assert (room.prison_code, room.capacity) == ("haren", 8)
        assert room.equipment_items == ["beamer", "whiteboard"]
        assert room.signage_languages == ["nl", "fr", "en"]
    viewer = _client(any_app, ("cocof", "viewer"), "fr")
    page = viewer.get(f"/rooms/{room_id}").get_data(as_text=True)
    assert "Salle de test" in page and "8 personnes" in page
    assert "néerlandais, français, anglais" in page
    assert any_app.test_client().get(f"/rooms/{room_id}").status_code in (302, 401)


def test_a_room_without_a_name_or_capacity_is_refused_keeping_what_was_typed(any_app):
    secretary = _client(any_app, "secretary")
    response = secretary.post(
        "/rooms/new",
        data={
            "csrf_token": secretary.csrf,
            "prison_code": "haren",
            "capacity": "veel",
            "equipment": "twaalf stoelen",
        },
    )
    assert response.status_code == 422
    page = check_summary(response.get_data(as_text=True))
    assert page.values["equipment"] == ["twaalf stoelen"]
    assert page.values["capacity"] == ["veel"]
    with _db(any_app) as db:
        assert db.scalar(select(Room).where(Room.equipment == "twaalf stoelen")) is None


def test_a_viewer_and_a_member_cannot_add_a_room_nor_book(any_app):
    for who in (("vlaams", "viewer"), ("cocof", "member")):
        client = _client(any_app, who)
        assert client.get("/rooms/new").status_code == 403
        before = _rooms(any_app)
        response = client.post(
            "/rooms/new",
            data={
                "csrf_token": client.csrf,
                "prison_code": "haren",
                "name_nl": "X",
                "capacity": "3",
            },
        )
        assert response.status_code == 403
        assert client.post("/rooms/1/book", data={"csrf_token": client.csrf}).status_code == 403
        assert _rooms(any_app) == before
    with _db(any_app) as db:
        assert db.scalar(select(Room).where(Room.name_nl == "X")) is None


def test_a_coordinator_books_only_for_their_own_authority(any_app):
    lotte = _client(any_app, ("vlaams", "coordinator"))
    room_id = _new_room(lotte)
    with _db(any_app) as db:
        own = _service_at(db, "haren", "vlaams")
        other = _service_at(db, "haren", "cocof")
    page = lotte.get(f"/rooms/{room_id}/book").get_data(as_text=True)
    assert f'value="{own.id}"' in page and f'value="{other.id}"' not in page
    response = lotte.post(
        f"/rooms/{room_id}/book",
        data={
            "csrf_token": lotte.csrf,
            "service_id": other.id,
            "kind": "once",
            "day": f"{NEXT_YEAR}-03-02",
            "starts": "10:00",
            "ends": "11:00",
        },
    )
    assert response.status_code == 403
    with _db(any_app) as db:
        assert db.scalar(select(RoomBooking).where(RoomBooking.room_id == room_id)) is None


def _book_once(client, room_id, service_id, day, starts, ends):
    return client.post(
        f"/rooms/{room_id}/book",
        data={
            "csrf_token": client.csrf,
            "service_id": service_id,
            "kind": "once",
            "day": day,
            "starts": starts,
            "ends": ends,
        },
    )


def _book_weekly(client, room_id, service_id, day_code, starts, ends, holidays=True):
    data = {
        "csrf_token": client.csrf,
        "service_id": service_id,
        "kind": "recurring",
        "schedule_repeat": "weekly",
        "schedule_days": [day_code],
        "schedule_starts": starts,
        "schedule_ends": ends,
        "first_day": f"{NEXT_YEAR}-01-01",
        "last_day": f"{NEXT_YEAR}-12-31",
    }
    if holidays:
        data["schedule_skip_holidays"] = "1"
    return client.post(f"/rooms/{room_id}/book", data=data)


def test_booking_once_and_on_a_schedule_and_a_conflict_named_in_the_readers_language(any_app):
    secretary = _client(any_app, "secretary", "fr")
    room_id = _new_room(secretary)
    with _db(any_app) as db:
        weekly, once = _service_at(db, "haren", "vlaams"), _service_at(db, "haren", "cocof")
        weekly_name_fr = weekly.name_fr
    assert _book_weekly(secretary, room_id, weekly.id, "TH", "14:00", "16:00").status_code == 302
    with _db(any_app) as db:
        booking = db.scalar(select(RoomBooking).where(RoomBooking.room_id == room_id))
        assert booking.schedule and "X-CONCERTO-EXCEPT:PUBLIC-HOLIDAYS" in booking.schedule
        assert (booking.starts, booking.ends) == ("14:00", "16:00")
    # Once, on a Thursday of the schedule at an overlapping time: refused at the day, naming
    # the service, the day and the time; nothing stored, everything typed shown again.
    thursday = next(
        d for d in (date(NEXT_YEAR, 3, 1) + timedelta(n) for n in range(7)) if d.weekday() == 3
    )
    before = _rooms(any_app)
    response = _book_once(secretary, room_id, once.id, thursday.isoformat(), "15:00", "17:00")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = check_summary(html)
    assert "déjà réservé" in page.summary
    assert weekly_name_fr in page.summary
    assert f"jeudi {thursday:%d/%m/%Y}" in page.summary and "de 14:00 à 16:00" in page.summary
    assert page.values["day"] == [thursday.isoformat()]
    assert page.values["starts"] == ["15:00"] and page.values["ends"] == ["17:00"]
    assert _rooms(any_app) == before
    # Right after it, the room is free.
    assert (
        _book_once(secretary, room_id, once.id, thursday.isoformat(), "16:00", "17:00").status_code
        == 302
    )
    # A schedule over a booked once: refused at the schedule, naming the first day in the way.
    response = _book_weekly(secretary, room_id, once.id, "TH", "16:30", "18:00")
    assert response.status_code == 422
    page = check_summary(response.get_data(as_text=True))
    assert f"jeudi {thursday:%d/%m/%Y}" in page.summary
    assert page.values["schedule_starts"] == ["16:30"]
    assert _rooms(any_app) == before + 1


def test_a_public_holiday_the_schedule_skips_is_free_to_book(any_app):
    secretary = _client(any_app, "secretary")
    room_id = _new_room(secretary)
    with _db(any_app) as db:
        weekly, once = _service_at(db, "haren", "vlaams"), _service_at(db, "haren", "cocof")
    holiday = next(
        d for d in sorted(schedules.belgian_public_holidays(NEXT_YEAR)) if d.weekday() < 5
    )
    code = schedules.DAYS[holiday.weekday()]
    assert _book_weekly(secretary, room_id, weekly.id, code, "09:00", "12:00").status_code == 302
    # On the holiday the weekly booking does not hold the room: a once booking goes in.
    assert (
        _book_once(secretary, room_id, once.id, holiday.isoformat(), "10:00", "11:00").status_code
        == 302
    )
    # The week after, it does.
    response = _book_once(
        secretary, room_id, once.id, (holiday + timedelta(7)).isoformat(), "10:00", "11:00"
    )
    if (holiday + timedelta(7)) not in schedules.belgian_public_holidays(NEXT_YEAR):
        assert response.status_code == 422
    # Without the exception, the holiday is taken.
    other_room = _new_room(secretary, name_nl="Tweede zaal")
    assert (
        _book_weekly(
            secretary, other_room, weekly.id, code, "09:00", "12:00", holidays=False
        ).status_code
        == 302
    )
    response = _book_once(secretary, other_room, once.id, holiday.isoformat(), "10:00", "11:00")
    assert response.status_code == 422


def test_the_week_of_a_prison_names_each_bookings_service(any_app):
    secretary = _client(any_app, "secretary", "nl")
    room_id = _new_room(secretary)
    with _db(any_app) as db:
        service = _service_at(db, "haren", "vlaams")
        name = service.name_nl
    day = date(NEXT_YEAR, 6, 9)
    assert (
        _book_once(secretary, room_id, service.id, day.isoformat(), "10:00", "11:30").status_code
        == 302
    )
    viewer = _client(any_app, ("justitie", "viewer"), "nl")
    page = viewer.get(f"/rooms/prisons/haren?day={day.isoformat()}").get_data(as_text=True)
    assert "Testzaal" in page and name in page and "10:00–11:30" in page
    monday = day - timedelta(day.weekday())
    assert f"day={(monday - timedelta(7)).isoformat()}" in page
    assert f"day={(monday + timedelta(7)).isoformat()}" in page
    later = viewer.get(f"/rooms/prisons/haren?day={(day + timedelta(7)).isoformat()}")
    assert "10:00–11:30" not in later.get_data(as_text=True)
    assert viewer.get("/rooms/prisons/nowhere").status_code == 404


def test_the_years_figures_count_hours_and_services(any_app):
    secretary = _client(any_app, "secretary")
    room_id = _new_room(secretary, prison_code="sint_gillis")
    with _db(any_app) as db:
        first = _service_at(db, "sint_gillis", "cocof") or _service_at(db, "sint_gillis", "vlaams")
        second = _service_at(db, "sint_gillis", "federatie_wb") or _service_at(
            db, "sint_gillis", "justitie"
        )
        before = {u.prison.code: u for u in rooms.use_in_year(db, NEXT_YEAR)}
        indicator = yearly.sources(db)
        hours_before = indicator["room_hours"](db, NEXT_YEAR)
        services_before = indicator["room_services"](db, NEXT_YEAR)
    assert first and second and first.id != second.id
    # Every Monday 2 hours, no holiday skipped: the year's Mondays.
    assert (
        _book_weekly(
            secretary, room_id, first.id, "MO", "10:00", "12:00", holidays=False
        ).status_code
        == 302
    )
    assert (
        _book_once(
            secretary, room_id, second.id, f"{NEXT_YEAR}-05-05", "13:00", "14:30"
        ).status_code
        == 302
    )
    mondays = sum(
        1
        for n in range(366)
        if (d := date(NEXT_YEAR, 1, 1) + timedelta(n)).year == NEXT_YEAR and d.weekday() == 0
    )
    with _db(any_app) as db:
        after = {u.prison.code: u for u in rooms.use_in_year(db, NEXT_YEAR)}
    was = before.get("sint_gillis")
    assert after["sint_gillis"].hours - (was.hours if was else 0) == mondays * 2 + 1.5
    assert after["sint_gillis"].rooms == was.rooms  # the new room was already counted, unbooked
    assert after["sint_gillis"].services == (was.services if was else 0) + 2
    # The same figures feed goal 6.3's indicators, in words where a goal's indicator is set up.
    with _db(any_app) as db:
        indicator = yearly.sources(db)
        assert indicator["room_hours"](db, NEXT_YEAR) == hours_before + mondays * 2 + 1.5
        assert indicator["room_services"](db, NEXT_YEAR) == services_before + 2
    page = secretary.get(f"/rooms?year={NEXT_YEAR}").get_data(as_text=True)
    assert "Saint-Gilles" in page or "Sint-Gillis" in page


def test_the_demo_has_rooms_in_two_prisons_with_a_recurring_booking(any_app):
    with _db(any_app) as db:
        prisons = set(db.scalars(select(Room.prison_code)))
        assert {"haren", "sint_gillis"} <= prisons
        bookings = db.scalars(select(RoomBooking)).all()
        assert any(b.schedule for b in bookings) and any(not b.schedule for b in bookings)
