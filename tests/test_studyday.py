"""Registration for the study day: places are never given twice, even to 50 people asking at
once for the last 10 on SQLite and PostgreSQL; the same e-mail is recognised; a closed
registration says so; a cancellation gives the place to the first on the waiting list."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay, Workshop, WorkshopChoice
from tests.conftest import make_app


@pytest.fixture
def day_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _day(app, capacity: int = 200, workshop_capacity: int = 30) -> tuple[int, list[int]]:
    now = utcnow()
    with app.extensions["concerto.db"].session() as db:
        day = StudyDay(
            year=2031,
            title_nl="Studiedag 2026",
            title_fr="Journée d'étude 2026",
            held_on=date(2031, 12, 10),
            venue="Brussel",
            capacity=capacity,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10),
        )
        db.add(day)
        db.flush()
        start = now + timedelta(days=16)
        workshops = [
            Workshop(
                study_day_id=day.id,
                title_nl=f"Werkgroep {n}",
                title_fr=f"Atelier {n}",
                starts_at=start + timedelta(hours=2 * n),
                ends_at=start + timedelta(hours=2 * n + 1),
                capacity=workshop_capacity,
                language="bilingual",
            )
            for n in range(2)
        ]
        db.add_all(workshops)
        db.flush()
        return day.id, [w.id for w in workshops]


def _register(app, day_id, email, workshops, confirmed=True):
    with app.extensions["concerto.db"].session() as db:
        day = db.get(StudyDay, day_id)
        registration = studyday.register(
            db,
            day,
            {"email": email, "name": email.split("@")[0], "workshops": workshops},
            confirmed=confirmed,
        )
        return registration.state, [c.state for c in registration.choices]


def test_fifty_people_asking_for_the_last_ten_places_at_once(day_app):
    day_id, (workshop, _other) = _day(day_app, workshop_capacity=30)
    for n in range(20):
        _register(day_app, day_id, f"early{n}@example.be", [workshop])
    outcomes, errors = [], []

    def ask(n: int) -> None:
        try:
            outcomes.append(_register(day_app, day_id, f"late{n}@example.be", [workshop]))
        except Exception as error:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(error))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (
        sorted(state for _registration, (state,) in outcomes)
        == ["confirmed"] * 10 + ["waiting"] * 40
    )
    with day_app.extensions["concerto.db"].session() as db:
        counts = studyday.places(db, db.get(StudyDay, day_id))["workshops"][workshop]
    assert counts == {"capacity": 30, "taken": 30, "unconfirmed": 0, "waiting": 40}


def test_the_same_email_is_recognised_and_a_closed_registration_says_so(day_app):
    day_id, (workshop, other) = _day(day_app)
    _register(day_app, day_id, "Anne@Example.be", [workshop])
    with pytest.raises(studyday.Refused, match="already_registered"):
        _register(day_app, day_id, "anne@example.BE ", [other])
    with pytest.raises(studyday.Invalid) as invalid:
        _register(day_app, day_id, "not an address", [workshop, other, 999])
    assert set(invalid.value.errors) == {"email", "workshops"}
    with day_app.extensions["concerto.db"].session() as db:
        day = db.get(StudyDay, day_id)
        with pytest.raises(studyday.Refused, match="closed"):
            studyday.register(
                db,
                day,
                {"email": "late@example.be", "name": "Late"},
                confirmed=True,
                now=day.closes_at + timedelta(minutes=1),
            )


def test_a_cancellation_offers_the_place_to_the_first_waiting_until_a_deadline(day_app):
    day_id, (workshop, _other) = _day(day_app, capacity=3, workshop_capacity=1)
    assert _register(day_app, day_id, "a@example.be", [workshop]) == ("confirmed", ["confirmed"])
    assert _register(day_app, day_id, "b@example.be", [workshop]) == ("confirmed", ["waiting"])
    assert _register(day_app, day_id, "c@example.be", [workshop]) == ("confirmed", ["waiting"])
    assert _register(day_app, day_id, "d@example.be", []) == ("waiting", [])
    with day_app.extensions["concerto.db"].session() as db:
        first = db.scalar(select(Registration).where(Registration.email == "a@example.be"))
        offers = studyday.cancel(db, first, offer_hours=48)
        # The day's place freed by a is offered to d, a's workshop seat to b.
        assert [o.email for o in offers if isinstance(o, Registration)] == ["d@example.be"]
        assert [
            db.get(Registration, o.registration_id).email
            for o in offers
            if isinstance(o, WorkshopChoice)
        ] == ["b@example.be"]

    def states():
        with day_app.extensions["concerto.db"].session() as db:
            return {
                r.email: (r.state, [c.state for c in r.choices])
                for r in db.scalars(select(Registration).where(Registration.study_day_id == day_id))
            }

    assert states() == {
        "a@example.be": ("cancelled", ["cancelled"]),
        "b@example.be": ("confirmed", ["offered"]),
        "c@example.be": ("confirmed", ["waiting"]),
        "d@example.be": ("offered", []),
    }
    with day_app.extensions["concerto.db"].session() as db:
        b = db.scalar(select(Registration).where(Registration.email == "b@example.be"))
        assert studyday.confirm(db, b) == "confirmed"
    # d lets the deadline pass: the job's expiry takes the place back; nobody else waits.
    with day_app.extensions["concerto.db"].session() as db:
        day = db.get(StudyDay, day_id)
        d = db.scalar(select(Registration).where(Registration.email == "d@example.be"))
        with pytest.raises(studyday.Refused, match="offer_expired"):
            studyday.confirm(db, d, now=d.expires_at + timedelta(seconds=1))
        lapsed, offers = studyday.expire(db, day, d.expires_at + timedelta(seconds=1), 48)
        assert offers == []
        assert [r.email for r in lapsed] == ["d@example.be"]
    assert states()["b@example.be"] == ("confirmed", ["confirmed"])
    assert states()["d@example.be"] == ("expired", [])
