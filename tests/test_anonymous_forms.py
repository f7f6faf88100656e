"""Issue 18, point 4: what a stranger can do through the public forms. Registrations and
placement-site applications are limited per client address (counted where the login limit
is), a honeypot field catches robots quietly, an unconfirmed guest holds a place only briefly
and is counted apart, and an address has one spelling."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.config import SETTINGS
from core.mail.models import OutboxMessage
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay
from core.validation import normalise_email
from tests.conftest import make_app
from tests.logins import csrf_token, login_as
from tests.test_placement_sites import FORM, _application, _sites


def _db(app):
    return app.extensions["concerto.db"].session()


def _day(app) -> StudyDay:
    with _db(app) as db:
        return db.scalar(
            select(StudyDay).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )


def _registrations(app, email_like: str = "%") -> int:
    with _db(app) as db:
        return db.scalar(
            select(func.count()).where(func.lower(Registration.email).like(email_like))
        )


def _mails_to(app, email_like: str) -> int:
    with _db(app) as db:
        return db.scalar(select(func.count()).where(OutboxMessage.recipient.like(email_like)))


def _register(client, event_id: int, email: str, csrf: str, **extra):
    return client.post(
        f"/events/{event_id}/register",
        data={
            "csrf_token": csrf,
            "name": "Iemand Anders",
            "email": email,
            "language": "nl",
            **extra,
        },
    )


def test_the_eleventh_anonymous_registration_in_an_hour_is_refused(database_url, providers):
    app = make_app(database_url, anonymous_form_rate_limit="10 per hour", **providers.settings())
    try:
        client = app.test_client()
        client.get("/language/fr")
        event_id = _day(app).id
        csrf = csrf_token(client, f"/events/{event_id}")
        before = _registrations(app)
        for n in range(10):
            answer = _register(client, event_id, f"flood{n}@example.be", csrf)
            assert answer.status_code == 201, n
        assert _registrations(app) == before + 10
        eleventh = _register(client, event_id, "flood10@example.be", csrf)
        assert eleventh.status_code == 429
        page = eleventh.get_data(as_text=True)
        assert "Trop de formulaires ont été envoyés depuis votre adresse." in page
        assert "Rien n'a été enregistré" in page or "Rien n&#39;a été enregistré" in page
        assert _registrations(app, "flood10@%") == 0
        assert _mails_to(app, "flood10@%") == 0
        # The page itself is not counted, and another address is not limited.
        assert client.get(f"/events/{event_id}").status_code == 200
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        assert (
            _register(
                other, event_id, "elsewhere@example.be", csrf_token(other, f"/events/{event_id}")
            ).status_code
            == 201
        )
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_someone_logged_in_is_not_limited_by_the_anonymous_form_limit(sqlite_url, providers):
    app = make_app(sqlite_url, anonymous_form_rate_limit="1 per hour", **providers.settings())
    try:
        client = app.test_client()
        client.post(FORM, data={"csrf_token": csrf_token(client, FORM), **_application()})
        assert (
            client.post(
                FORM, data={"csrf_token": csrf_token(client, FORM), **_application()}
            ).status_code
            == 429
        )
        login_as(client, app, "secretary")
        event_id = _day(app).id
        answer = _register(
            client, event_id, "ignored@example.be", csrf_token(client, f"/events/{event_id}")
        )
        assert answer.status_code in (201, 302)
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_the_placement_application_is_limited_too(sqlite_url, providers):
    app = make_app(sqlite_url, anonymous_form_rate_limit="2 per hour", **providers.settings())
    try:
        client = app.test_client()
        csrf = csrf_token(client, FORM)
        for n in range(2):
            sent = client.post(
                FORM, data={"csrf_token": csrf, **_application(organisation=f"Club {n}")}
            )
            assert sent.status_code == 201
        third = client.post(FORM, data={"csrf_token": csrf, **_application(organisation="Club 3")})
        assert third.status_code == 429
        assert "Too many forms sent from your address." in third.get_data(as_text=True)
        assert [s["organisation"] for s in _sites(app) if s["organisation"].startswith("Club")] == [
            "Club 0",
            "Club 1",
        ]
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_a_filled_honeypot_stores_nothing_and_sends_nothing(app, client):
    event_id = _day(app).id
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    # Out of sight, out of the tab order, hidden from screen readers, never autofilled.
    assert 'class="honeypot" aria-hidden="true"' in page
    assert 'name="leave_this_empty" value="" tabindex="-1" autocomplete="off"' in page
    before = _registrations(app)
    answer = _register(
        client,
        event_id,
        "robot@example.be",
        csrf_token(client, f"/events/{event_id}"),
        leave_this_empty="http://spam.example",
    )
    assert answer.status_code == 201
    assert "Check your e-mail" in answer.get_data(as_text=True)  # as a guest would see
    assert _registrations(app) == before
    assert _mails_to(app, "robot@%") == 0
    # The same form with the field left empty registers.
    fine = _register(
        client,
        event_id,
        "person@example.be",
        csrf_token(client, f"/events/{event_id}"),
        leave_this_empty="",
    )
    assert fine.status_code == 201 and _registrations(app, "person@%") == 1

    form = client.get(FORM).get_data(as_text=True)
    assert 'name="leave_this_empty"' in form
    sites = len(_sites(app))
    mails = _mails_to(app, "%")
    robot = client.post(
        FORM,
        data={"csrf_token": csrf_token(client, FORM), **_application(), "leave_this_empty": "x"},
    )
    assert robot.status_code == 201
    assert len(_sites(app)) == sites and _mails_to(app, "%") == mails


def test_an_unconfirmed_hold_expires_after_the_configured_time_and_frees_the_place(
    database_url, providers
):
    assert SETTINGS["studyday_unconfirmed_hold_hours"].default == 2
    app = make_app(database_url, studyday_unconfirmed_hold_hours=3, **providers.settings())
    try:
        client = app.test_client()
        day = _day(app)
        csrf = csrf_token(client, f"/events/{day.id}")
        assert _register(client, day.id, "guest@example.be", csrf).status_code == 201
        with _db(app) as db:
            guest = db.scalar(select(Registration).where(Registration.email == "guest@example.be"))
            assert guest.state == "pending"
            assert guest.expires_at - guest.created_at == timedelta(hours=3)
            # The day is full with the guest's held place: the next one waits.
            found = db.get(StudyDay, day.id)
            found.capacity = studyday.places(db, found)["day"]["taken"]
            created = guest.created_at
        assert _register(client, day.id, "next@example.be", csrf).status_code == 201
        with _db(app) as db:
            found = db.get(StudyDay, day.id)
            places = studyday.places(db, found)
            assert places["day"]["unconfirmed"] >= 1
            taken = places["day"]["taken"]
            waiter = db.scalar(select(Registration).where(Registration.email == "next@example.be"))
            assert waiter.state == "waiting"
            lapsed, _offers = studyday.expire(
                db, found, created + timedelta(hours=2, minutes=59), 48
            )
            assert "guest@example.be" not in [r.email for r in lapsed]
            lapsed, _offers = studyday.expire(
                db, found, created + timedelta(hours=3, minutes=1), 48
            )
            assert [r.email for r in lapsed if r.email == "guest@example.be"] == [
                "guest@example.be"
            ]
            db.flush()
            db.refresh(waiter)
            assert waiter.state == "offered"  # the freed place goes to the next
            assert studyday.places(db, found)["day"]["taken"] == taken
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_unconfirmed_places_are_counted_apart_for_the_organisers(app, client):
    day = _day(app)
    with _db(app) as db:
        before = studyday.places(db, db.get(StudyDay, day.id))["day"]
    csrf = csrf_token(client, f"/events/{day.id}")
    for n in range(2):
        assert _register(client, day.id, f"apart{n}@example.be", csrf).status_code == 201
    with _db(app) as db:
        after = studyday.places(db, db.get(StudyDay, day.id))["day"]
    assert after["unconfirmed"] == before["unconfirmed"] + 2
    assert after["taken"] == before["taken"] + 2
    login_as(client, app, "secretary")
    page = client.get(f"/events/{day.id}/registrations").get_data(as_text=True)
    assert "Of which not yet confirmed" in page
    row = page.split('<th scope="row">', 2)[1]  # the day's row
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="number">')[1:5]]
    assert cells == [
        str(after["capacity"]),
        str(after["taken"]),
        str(after["unconfirmed"]),
        str(after["waiting"]),
    ]


def test_an_address_has_one_spelling(database_url, providers):
    assert normalise_email("  ann@Depijl.Example. ") == "ann@depijl.example"
    assert normalise_email("x@y.example.") == "x@y.example"
    app = make_app(database_url, **providers.settings())
    try:
        client = app.test_client()
        event_id = _day(app).id
        csrf = csrf_token(client, f"/events/{event_id}")
        assert _register(client, event_id, "x@y.example", csrf).status_code == 201
        for spelling in ("X@Y.example.", " x@y.EXAMPLE. ", "x@y.example"):
            again = _register(client, event_id, spelling, csrf)
            assert again.status_code == 302, spelling
            assert "already registered" in client.get(again.location).get_data(as_text=True)
        assert _registrations(app, "x@y.example%") == 1
        assert _mails_to(app, "x@y.example%") == 1
    finally:
        app.extensions["concerto.db"].engine.dispose()
