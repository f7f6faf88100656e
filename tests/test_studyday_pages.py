"""The study day through its pages, e-mails, jobs and API: a guest registers and confirms by
the link in the e-mail, lands on a waiting list, is offered the place when someone cancels
and takes it; organisers export lists, badges and certificates and check people in; the
deadline, expired links, closed registration and retention are answered clearly."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import vobject
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from core.clock import utcnow
from core.goals.models import Goal
from core.identity.models import Identity
from core.identity.services import create_token
from core.mail.models import OutboxMessage
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay, Workshop, WorkshopChoice
from tests.conftest import make_app
from tests.forms import check_summary
from tests.logins import csrf_token, login, login_as


def _db(app):
    return app.extensions["concerto.db"].session()


def _this_year(app) -> StudyDay:
    with _db(app) as db:
        return db.scalar(
            select(StudyDay).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )


def _workshop(app, year: int, title_fr: str) -> Workshop:
    with _db(app) as db:
        return db.scalar(
            select(Workshop)
            .join(StudyDay)
            .where(
                StudyDay.kind == "study_day",
                StudyDay.year == year,
                Workshop.title_fr == title_fr,
            )
        )


def _mails(app, recipient: str) -> list[OutboxMessage]:
    with _db(app) as db:
        return list(
            db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            )
        )


def _link(message: OutboxMessage) -> str:
    return re.search(r"https?://\S+(/studyday/r/[A-Za-z0-9_-]+)", message.body).group(1)


def _registration(app, email: str) -> Registration:
    with _db(app) as db:
        found = db.scalar(select(Registration).where(Registration.email == email))
        found.choice_states = {c.workshop.title_fr: c.state for c in found.choices}
        return found


def _guest_registers(
    client, event_id: int, email: str, workshops: list[int], language="fr", csrf=None
):
    csrf = csrf or csrf_token(client, f"/events/{event_id}")
    return client.post(
        f"/events/{event_id}/register",
        data={
            "csrf_token": csrf,
            "name": "Nouvelle Venue",
            "email": email,
            "organisation": "Service d'aide aux justiciables",
            "language": language,
            "workshops": [str(w) for w in workshops],
            "on_participant_list": "1",
        },
    )


def test_a_guest_confirms_waits_is_offered_the_place_and_takes_it(app, client):
    day = _this_year(app)
    full = _workshop(app, day.year, "Le lien entre l'intérieur et l'extérieur")
    free = _workshop(app, day.year, "Le trajet du détenu")
    page = client.get(f"/events/{day.id}").get_data(as_text=True)
    assert "full, you join the waiting list" in page and "Register" in page

    answer = _guest_registers(client, day.id, "Nouvelle.Venue@example.be", [full.id, free.id])
    assert answer.status_code == 201
    assert "Check your e-mail" in answer.get_data(as_text=True)
    guest = _registration(app, "nouvelle.venue@example.be")
    assert guest.state == "pending" and guest.confirmed_at is None
    assert guest.choice_states == {
        "Le lien entre l'intérieur et l'extérieur": "waiting",
        "Le trajet du détenu": "confirmed",
    }
    (ask,) = _mails(app, "nouvelle.venue@example.be")
    assert ask.language == "fr" and ask.kind == "studyday_confirm_address"
    assert "Veuillez confirmer" in ask.subject or "confirm" in ask.subject.lower()
    link = _link(ask)

    # The link opens a page; only the button confirms (mail scanners follow links).
    assert client.get(link).status_code == 200
    assert _registration(app, "nouvelle.venue@example.be").state == "pending"
    again = _guest_registers(client, day.id, "NOUVELLE.venue@example.be", [free.id])
    assert again.status_code == 302
    assert "already registered" in client.get(again.location).get_data(as_text=True)

    client.post(f"{link}/confirm", data={"csrf_token": csrf_token(client, link)})
    guest = _registration(app, "nouvelle.venue@example.be")
    assert guest.state == "confirmed" and guest.confirmed_at is not None
    confirmed = _mails(app, "nouvelle.venue@example.be")[-1]
    assert confirmed.kind == "studyday_confirmed"
    (calendar_part,) = confirmed.attachments
    event = vobject.readOne(calendar_part["text"]).vevent
    assert event.dtstart.value.tzinfo is not None
    assert event.dtstart.value.strftime("%H:%M") == "09:00"  # Brussels wall clock
    assert event.summary.value.startswith("Journée d'étude")

    # Someone in the full workshop cancels: the place is offered to the guest, by e-mail.
    login_as(client, app, "secretary")
    with _db(app) as db:
        leaving = db.scalar(
            select(Registration)
            .join(WorkshopChoice)
            .where(WorkshopChoice.workshop_id == full.id, WorkshopChoice.state == "confirmed")
            .order_by(Registration.id)
        )
        leaving_id = leaving.id
    page = f"/events/{day.id}/registrations"
    client.post(
        f"/registrations/{leaving_id}/cancel", data={"csrf_token": csrf_token(client, page)}
    )
    offer = _mails(app, "nouvelle.venue@example.be")[-1]
    assert offer.kind == "studyday_offer" and _link(offer) == link
    assert _registration(app, "nouvelle.venue@example.be").choice_states[full.title_fr] == (
        "offered"
    )
    client.post(f"{link}/confirm", data={"csrf_token": csrf_token(client, link)})
    assert set(_registration(app, "nouvelle.venue@example.be").choice_states.values()) == {
        "confirmed"
    }
    with _db(app) as db:
        places = studyday.places(db, db.get(StudyDay, day.id))["workshops"][full.id]
    assert places["taken"] == places["capacity"] == full.capacity


def test_an_offer_not_taken_in_time_passes_to_the_next_by_the_job(app, client, monkeypatch):
    from core.studyday.jobs import expire_places

    monkeypatch.setattr("core.scheduler._app", app)  # as the scheduler process binds it
    day = _this_year(app)
    full = _workshop(app, day.year, "Le lien entre l'intérieur et l'extérieur")
    for n in range(2):
        _guest_registers(client, day.id, f"w{n}@example.be", [full.id])
        (ask,) = _mails(app, f"w{n}@example.be")
        client.post(f"{_link(ask)}/confirm", data={"csrf_token": csrf_token(client, _link(ask))})
    with _db(app) as db:
        first = db.scalar(
            select(Registration)
            .join(WorkshopChoice)
            .where(WorkshopChoice.workshop_id == full.id, WorkshopChoice.state == "confirmed")
        )
        studyday.cancel(db, first, by_organiser=True, offer_hours=48)
    assert _registration(app, "w0@example.be").choice_states[full.title_fr] == "offered"
    assert _registration(app, "w1@example.be").choice_states[full.title_fr] == "waiting"
    with _db(app) as db:  # the deadline passes
        db.execute(
            update(WorkshopChoice)
            .where(WorkshopChoice.state == "offered")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert expire_places() == 1
    assert expire_places() == 0  # run again: nothing more, nothing sent twice
    assert _registration(app, "w0@example.be").choice_states[full.title_fr] == "expired"
    assert _registration(app, "w1@example.be").choice_states[full.title_fr] == "offered"
    assert _mails(app, "w1@example.be")[-1].kind == "studyday_offer"
    # w0's link still opens, but the offer is gone, said plainly.
    link = _link(_mails(app, "w0@example.be")[0])
    assert "offer lapsed" in client.get(link).get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Adresse e-mail :"), ("nl", "E-mailadres:")]
)
def test_a_refused_registration_sums_up_its_errors_by_label_and_keeps_the_input(
    app, client, language, label
):
    day = _this_year(app)
    workshops = [w.id for w in studyday.workshops_of(_load_day(app, day.year))]
    client.get(f"/language/{language}")
    answer = _guest_registers(client, day.id, "not-an-address", workshops[:3])
    assert answer.status_code == 422
    page = check_summary(answer.get_data(as_text=True), absent=("email:", "workshops:"))
    assert label in page.summary
    assert {"#f-email", "#f-workshops"} <= {href for href, _ in page.links}
    assert page.values["name"] == ["Nouvelle Venue"]
    assert page.values["email"] == ["not-an-address"]
    assert page.values["workshops"] == [str(w) for w in workshops[:3]]
    assert page.values["on_participant_list"] == ["1"]


def test_bad_input_deadlines_closed_registration_and_dead_links_are_answered_clearly(app, client):
    day = _this_year(app)
    workshops = [w.id for w in studyday.workshops_of(_load_day(app, day.year))]
    answer = _guest_registers(client, day.id, "not-an-address", workshops[:3])
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="e-email"' in page and 'id="e-workshops"' in page
    assert "Choose at most two workshops." in page
    with _db(app) as db:
        assert db.scalar(select(Registration).where(Registration.name == "Nouvelle Venue")) is None

    assert client.get("/studyday/r/not-a-real-link").status_code == 404
    assert "not, or no longer, valid" in client.get("/studyday/r/nope").get_data(as_text=True)

    csrf = csrf_token(client, f"/events/{day.id}")
    _guest_registers(client, day.id, "late@example.be", [workshops[0]])
    link = _link(_mails(app, "late@example.be")[0])
    with _db(app) as db:
        db.execute(
            update(StudyDay)
            .where(StudyDay.id == day.id)
            .values(edit_deadline=utcnow() - timedelta(minutes=1))
        )
    page = client.get(link).get_data(as_text=True)
    assert "The deadline for changes has passed" in page and "Cancel my registration" not in page
    refused = client.post(f"{link}/cancel", data={"csrf_token": csrf_token(client, link)})
    assert "The deadline for changes has passed" in client.get(refused.location).get_data(
        as_text=True
    )
    assert _registration(app, "late@example.be").state == "pending"

    with _db(app) as db:
        db.execute(
            update(StudyDay)
            .where(StudyDay.id == day.id)
            .values(closes_at=utcnow() - timedelta(minutes=1))
        )
    assert "Registration is closed." in client.get(f"/events/{day.id}").get_data(as_text=True)
    closed = _guest_registers(client, day.id, "later@example.be", [], csrf=csrf)
    assert "Registration for this event is closed." in client.get(closed.location).get_data(
        as_text=True
    )


def _load_day(app, year: int) -> StudyDay:
    with _db(app) as db:
        day = db.scalar(select(StudyDay).where(StudyDay.kind == "study_day", StudyDay.year == year))
        day.workshops  # noqa: B018 - loaded before the session closes
        return day


def test_organisers_list_export_check_in_and_certify(app, client):
    day = _this_year(app)
    _guest_registers(client, day.id, "cert@example.be", [])
    link = _link(_mails(app, "cert@example.be")[0])
    client.post(f"{link}/confirm", data={"csrf_token": csrf_token(client, link)})
    login_as(client, app, "secretary")
    page = client.get(f"/events/{day.id}/registrations").get_data(as_text=True)
    assert "Nouvelle Venue" in page and "<svg" in page

    sheet = load_workbook(io.BytesIO(client.get(f"/events/{day.id}/attendance.xlsx").data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    with _db(app) as db:
        confirmed = db.scalars(
            select(Registration.name).where(
                Registration.study_day_id == day.id, Registration.state == "confirmed"
            )
        ).all()
    assert sorted(names) == sorted(confirmed) and "Nouvelle Venue" in names
    signed = PdfReader(io.BytesIO(client.get(f"/events/{day.id}/attendance.pdf").data))
    assert "Nouvelle Venue" in "".join(p.extract_text() for p in signed.pages)
    badges = PdfReader(io.BytesIO(client.get(f"/events/{day.id}/badges.pdf").data))
    assert len(badges.pages) == -(-len(confirmed) // 8)

    search = client.get(f"/events/{day.id}/check-in?q=venue").get_data(as_text=True)
    assert "Mark present" in search and "Nouvelle Venue" in search
    guest = _registration(app, "cert@example.be")
    csrf = csrf_token(client, f"/events/{day.id}/check-in")
    client.post(f"/registrations/{guest.id}/check-in", data={"csrf_token": csrf, "present": "1"})
    assert _registration(app, "cert@example.be").present_at is not None

    # Before the day is over there is no certificate; after it, the guest downloads theirs.
    assert client.get(f"{link}/certificate.pdf").status_code == 404
    with _db(app) as db:
        db.execute(
            update(StudyDay)
            .where(StudyDay.id == day.id)
            .values(held_on=day.held_on - timedelta(days=30))
        )
    assert "certificate of attendance" in client.get(link).get_data(as_text=True).lower()
    own = PdfReader(io.BytesIO(client.get(f"{link}/certificate.pdf").data))
    text = own.pages[0].extract_text()
    assert "Attestation de présence" in text and "Nouvelle Venue" in text  # in her language
    everyone = PdfReader(io.BytesIO(client.get(f"/events/{day.id}/certificates.pdf").data))
    assert len(everyone.pages) == 1  # only she is marked present


def test_retention_anonymises_registrations_and_ends_their_links(app, client, monkeypatch):
    from core.studyday.jobs import anonymise_registrations

    monkeypatch.setattr("core.scheduler._app", app)
    day = _this_year(app)
    _guest_registers(client, day.id, "gone@example.be", [])
    link = _link(_mails(app, "gone@example.be")[0])
    assert anonymise_registrations() == 0  # the day is still to come
    with _db(app) as db:
        db.execute(
            update(StudyDay)
            .where(StudyDay.id == day.id)
            .values(held_on=day.held_on - timedelta(days=400))
        )
        before = studyday.statistics(db)
    assert anonymise_registrations() > 0
    with _db(app) as db:
        assert (
            db.scalar(select(Registration).where(Registration.email == "gone@example.be")) is None
        )
        left = db.scalars(select(Registration).where(Registration.study_day_id == day.id)).all()
        assert all(r.name == "" and r.accessibility is None for r in left)
        assert studyday.statistics(db) == before  # the figures stay
    assert client.get(link).status_code == 404


def test_statistics_reports_and_the_indicator_source(app, client):
    page = client.get("/events/statistics").get_data(as_text=True)
    with _db(app) as db:
        rows = studyday.statistics(db)
        goal = db.scalar(select(Goal).where(Goal.code == "6.2"))
    assert len(rows) == 3 and all(str(r["year"]) in page for r in rows)
    assert rows[0]["present"] > 0 and rows[0]["attendance_rate"] < 1
    assert client.get("/api/v1/study-days/statistics").get_json()["items"] == rows
    goal_page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Study-day workshop report" in goal_page
    from core.goals.yearly import sources

    with _db(app) as db:
        assert sources(db)["studyday_present"](db, rows[0]["year"]) == rows[0]["present"]

    # Two organisers write the same report: the second is told, nothing is overwritten.
    login_as(client, app, "secretary")
    workshop = _workshop(app, rows[-1]["year"], "Le trajet du détenu")
    form = f"/workshops/{workshop.id}/report"
    csrf = csrf_token(client, form)
    first = client.post(form, data={"csrf_token": csrf, "text_nl": "Eerste", "version": ""})
    assert first.status_code == 302
    with _db(app) as db:
        version = db.get(Workshop, workshop.id).report.version
    client.post(form, data={"csrf_token": csrf, "text_fr": "Deuxième", "version": version})
    stale = client.post(form, data={"csrf_token": csrf, "text_nl": "Derde", "version": version})
    assert "Someone else saved this report" in client.get(stale.location).get_data(as_text=True)
    with _db(app) as db:
        assert db.get(Workshop, workshop.id).report.text_fr == "Deuxième"
    missing = client.post(form, data={"csrf_token": csrf, "goals": "999999"})
    assert missing.status_code == 422


def test_the_api_registers_the_caller_and_serves_organisers(app, client):
    day = _this_year(app)
    assert client.get("/api/v1/study-days").get_json()["items"][-1]["year"] == day.year
    programme = client.get(f"/api/v1/study-days/{day.year}").get_json()
    workshops = [s for s in programme["sessions"] if s["kind"] == "workshop"]
    assert len(workshops) == 4 and any(s["taken"] == s["capacity"] for s in workshops)

    def token(authority, subject, roles):
        login(client, authority, subject)
        with _db(app) as db:
            identity = db.scalar(select(Identity).where(Identity.subject == subject))
            secret, _ = create_token(db, identity, "t", roles, 1)
        return {"Authorization": f"Bearer {secret}"}

    lotte = token("vlaams", "vlaams-lotte", ["coordinator"])
    answer = client.post(
        f"/api/v1/study-days/{day.year}/registrations",
        json={"workshops": [workshops[0]["id"]], "language": "nl"},
        headers=lotte,
    )
    assert answer.status_code == 201, answer.get_json()
    mine = answer.get_json()
    assert mine["state"] == "confirmed" and mine["authority"] == "vlaams"
    twice = client.post(f"/api/v1/study-days/{day.year}/registrations", json={}, headers=lotte)
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_registered"
    bad = client.post(
        f"/api/v1/study-days/{day.year}/registrations",
        json={"workshops": [workshops[0]["id"], workshops[1]["id"]]},
        headers=token("cocof", "cocof-camille", ["coordinator"]),
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["workshops"]  # same time
    assert (
        client.get(f"/api/v1/study-days/{day.year}/registrations", headers=lotte).status_code == 403
    )
    login_as(client, app, "secretary")
    with _db(app) as db:
        identity = db.scalar(select(Identity).where(Identity.subject == "cocom-secretariaat"))
        secret, _ = create_token(db, identity, "s", list(identity.access_roles) or ["viewer"], 1)
    organiser = {"Authorization": f"Bearer {secret}"}
    listed = client.get(
        f"/api/v1/study-days/{day.year}/registrations", headers=organiser
    ).get_json()["items"]
    assert any(r["id"] == mine["id"] for r in listed)
    present = client.post(
        f"/api/v1/registrations/{mine['id']}/check-in", json={"present": True}, headers=organiser
    )
    assert present.status_code == 200 and present.get_json()["present_at"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/study-days/{year}/registrations" in spec["paths"]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_messages_follow_the_registrants_language(sqlite_url, providers, language):
    application = make_app(sqlite_url, **providers.settings())
    try:
        client = application.test_client()
        day = _this_year(application)
        _guest_registers(client, day.id, f"{language}@example.be", [], language=language)
        (message,) = _mails(application, f"{language}@example.be")
        expected = {"nl": "Bevestig", "fr": "confirmer"}[language]
        assert expected.lower() in (message.subject + message.body).lower()
    finally:
        application.extensions["concerto.db"].engine.dispose()


def test_organisers_pages_and_files_are_for_organisers_only(app, client):
    day = _this_year(app)
    paths = [
        f"/events/{day.id}/registrations",
        f"/events/{day.id}/check-in",
        f"/events/{day.id}/attendance.xlsx",
        f"/events/{day.id}/attendance.pdf",
        f"/events/{day.id}/badges.pdf",
        f"/events/{day.id}/certificates.pdf",
        f"/events/{day.id}/edit",
        f"/events/{day.id}/sessions/new",
        "/workshops/2/edit",
        "/workshops/2/report",
    ]
    assert {client.get(p).status_code for p in paths} <= {302, 401}
    assert client.get(f"/events/{day.id}/participants").status_code in (302, 401)
    assert client.get("/events/new?kind=training").status_code in (302, 401)
    login_as(client, app, ("vlaams", "coordinator"))
    assert {client.get(p).status_code for p in paths} == {403}
    # A coordinator plans a training of their own authority, never the committee's study day.
    form = client.get("/events/new?kind=study_day").get_data(as_text=True)
    assert "Plan a training" in form and 'value="study_day"' not in form
    participants = client.get(f"/events/{day.id}/participants").get_data(as_text=True)
    with _db(app) as db:
        listed = studyday.participants(db, db.get(StudyDay, day.id))
        hidden = db.scalar(
            select(Registration).where(
                Registration.on_participant_list.is_(False), Registration.name != ""
            )
        )
    assert listed and all(r.name in participants for r in listed)
    assert hidden.name not in participants  # no consent, not listed
    login_as(client, app, "secretary")
    assert {client.get(p).status_code for p in paths} == {200}
