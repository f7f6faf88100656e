"""Events of several kinds (issue 24, goals 6.1 and 6.2): several reciprocal trainings a year
beside the one study day, on the same registration, waiting list, check-in and certificates;
figures per kind; the indicators of goal 6.1; the study day's old addresses by year still
lead to it. On SQLite and PostgreSQL where the database decides."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.clock import in_brussels, utcnow
from core.goals.yearly import source_labels, sources
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay
from tests.conftest import make_app
from tests.logins import csrf_token, login_as


@pytest.fixture
def events_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _db(app):
    return app.extensions["concerto.db"].session()


def _values(kind: str, held_on: date, **more) -> dict:
    today = in_brussels(utcnow()).date()
    return {
        "kind": kind,
        "title_nl": f"{kind} {held_on}",
        "title_fr": f"{kind} {held_on} (fr)",
        "held_on": held_on.isoformat(),
        "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": held_on.isoformat(),
        "venue": "Haren",
        "capacity": "30",
        **more,
    }


def test_two_trainings_in_a_year_and_one_study_day_only(events_app):
    with _db(events_app) as db:
        first = studyday.create_day(db, _values("training", date(2033, 3, 1), audience="prison"))
        second = studyday.create_day(
            db, _values("training", date(2033, 10, 1), audience="external")
        )
        studyday.create_day(db, _values("study_day", date(2033, 11, 20)))
        assert first.year == second.year == 2033
        assert (first.kind, first.audience, second.audience) == ("training", "prison", "external")
        with pytest.raises(studyday.Invalid) as refused:
            studyday.create_day(db, _values("study_day", date(2033, 5, 5)))
        assert refused.value.errors == {"held_on": "one_per_year"}
        # An event of another kind that year is fine; a training names whom it is for.
        studyday.create_day(db, _values("other", date(2033, 6, 6)))
        with pytest.raises(studyday.Invalid) as refused:
            studyday.create_day(db, _values("training", date(2033, 7, 7)))
        assert refused.value.errors == {"audience": "required"}
        with pytest.raises(studyday.Invalid) as refused:
            studyday.create_day(db, _values("party", date(2033, 7, 7)))
        assert refused.value.errors["kind"] == "choice"
        # Moving a training into the study day's year is fine; making it a study day is not.
        with pytest.raises(studyday.Invalid) as refused:
            studyday.update_day(db, first, _values("study_day", date(2033, 3, 1)))
        assert refused.value.errors == {"held_on": "one_per_year"}


def test_the_database_holds_one_study_day_a_year_too(events_app):
    """The unique index on the study days' year, for two organisers saving at once."""
    now = utcnow()

    def event(kind: str) -> StudyDay:
        return StudyDay(
            kind=kind,
            year=2034,
            title_nl="x",
            title_fr="x",
            held_on=date(2034, 5, 5),
            venue="v",
            capacity=5,
            opens_at=now,
            closes_at=now,
            registrations_version=0,
        )

    with _db(events_app) as db:
        db.add_all([event("training"), event("training"), event("study_day")])
    with pytest.raises(IntegrityError), _db(events_app) as db:
        db.add(event("study_day"))


def test_a_training_registers_waits_checks_in_and_certifies(events_app):
    today = in_brussels(utcnow()).date()
    with _db(events_app) as db:
        training = studyday.create_day(
            db,
            _values("training", today + timedelta(days=5), audience="both", capacity="1"),
            organiser="vlaams",
        )
        training_id = training.id
        first = studyday.register(
            db, training, {"email": "a@example.be", "name": "Anna"}, confirmed=True
        )
        second = studyday.register(
            db, training, {"email": "b@example.be", "name": "Bert"}, confirmed=True
        )
        assert (first.state, second.state) == ("confirmed", "waiting")
        assert studyday.places(db, training)["day"] == {
            "capacity": 1,
            "taken": 1,
            "unconfirmed": 0,
            "waiting": 1,
            "present": 0,
        }
        offers = studyday.cancel(db, first, by_organiser=True)
        assert offers == [second] and second.state == "offered"
        assert studyday.confirm(db, second) == "confirmed"
        studyday.check_in(db, second, True)
        with pytest.raises(studyday.Refused):
            studyday.check_in(db, first, True)
    with _db(events_app) as db:
        training = db.get(StudyDay, training_id)
        assert training.authority_code == "vlaams" and training.kind == "training"
        present = [r for r in studyday.registrations_of(db, training) if r.present_at]
        assert [r.name for r in present] == ["Bert"]
        with events_app.test_request_context():
            from core.studyday import documents

            pdf = PdfReader(io.BytesIO(documents.certificates(training, present)))
        text = pdf.pages[0].extract_text()
        assert "Bert" in text and training.title_nl.split()[0] in text


def test_figures_per_kind_and_the_indicators_of_goal_6_1(events_app):
    """The demo's three trainings: one last year (17 present), one this year by the Flemish
    coordinator for prison staff (12 present), one to come, full with a waiting list."""
    today = in_brussels(utcnow()).date()
    with _db(events_app) as db:
        figures = {(row["kind"], row["year"]): row for row in studyday.figures_by_kind(db)}
        trainings = list(db.scalars(select(StudyDay).where(StudyDay.kind == "training")))
        assert len(trainings) == 3
        study_days = db.scalar(select(func.count()).where(StudyDay.kind == "study_day"))
        assert sum(r["events"] for k, r in figures.items() if k[0] == "study_day") == study_days
        assert figures[("training", today.year - 1)]["present"] == 17
        upcoming = next(t for t in trainings if t.held_on > today)
        assert figures[("training", upcoming.year)]["waiting"] >= 3
        # Figures count each registration once, by its event's kind and year.
        registered = db.scalar(select(func.count()).where(Registration.state == "confirmed"))
        assert sum(r["registered"] for r in figures.values()) == registered
        # goal 6.1: held means held by today; the one to come is not counted yet.
        found = sources(db)
        assert found["trainings_held"](db, today.year - 1) == 1
        held_this_year = [t for t in trainings if t.year == today.year and t.held_on <= today]
        assert found["trainings_held"](db, today.year) == len(held_this_year)
        assert found["training_present"](db, today.year - 1) == 17
        assert found["training_present:audience:external"](db, today.year - 1) == 17
        assert found["training_present:audience:prison"](db, today.year - 1) == 0
        # The study day's own indicator counts the study day only, not the trainings.
        day = db.scalar(
            select(StudyDay).where(StudyDay.kind == "study_day", StudyDay.year == today.year - 1)
        )
        assert (
            found["studyday_present"](db, today.year - 1)
            == studyday.places(db, day)["day"]["present"]
        )
        with events_app.test_request_context():
            labels = source_labels(db)
        # In the platform's first language when no reader's language is known.
        assert labels["trainings_held"] == "Wederzijdse vormingen gehouden in het jaar"
        assert "penitentiair personeel" in labels["training_present:audience:prison"]


def test_pages_and_api_by_kind_and_the_old_addresses(events_app):
    client = events_app.test_client()
    with _db(events_app) as db:
        study_day = db.scalar(
            select(StudyDay)
            .where(StudyDay.kind == "study_day")
            .order_by(StudyDay.year.desc())
            .limit(1)
        )
        training = db.scalar(
            select(StudyDay).where(StudyDay.kind == "training").order_by(StudyDay.id.desc())
        )
    listed = client.get("/events").get_data(as_text=True)
    assert "Reciprocal trainings" in listed and "Study days" in listed
    only = client.get("/events?kind=training").get_data(as_text=True)
    assert training.title_nl in only and study_day.title_nl not in only
    page = client.get(f"/events/{training.id}").get_data(as_text=True)
    assert "Reciprocal training" in page and "External and prison staff" in page
    client.get("/language/fr")
    page = client.get(f"/events/{training.id}").get_data(as_text=True)
    assert "Formation réciproque" in page
    # The study day's addresses by year lead to it, keeping the method of a registration.
    moved = client.get(f"/studyday/{study_day.year}")
    assert moved.status_code == 308 and moved.location.endswith(f"/events/{study_day.id}")
    assert client.get(f"/studyday/{study_day.year}.ics").location.endswith(
        f"/events/{study_day.id}.ics"
    )
    posted = client.post(f"/studyday/{study_day.year}/register", data={})
    assert posted.status_code in (308, 400)  # 400: no CSRF token, refused before anything
    assert client.get("/studyday").location.endswith("/events")
    assert client.get("/studyday/statistics").location.endswith("/events/statistics")
    assert client.get("/studyday/1999").status_code == 404
    figures = client.get("/events/statistics").get_data(as_text=True)
    assert "Formation réciproque" in figures
    # The API: every kind by id, the study days by year as before, figures per kind.
    events = client.get("/api/v1/events?kind=training").get_json()["items"]
    assert {e["kind"] for e in events} == {"training"} and len(events) == 3
    one = client.get(f"/api/v1/events/{training.id}").get_json()
    assert one["audience"] == "both" and one["places"]["waiting"] >= 3
    days = client.get("/api/v1/study-days").get_json()["items"]
    assert {d["kind"] for d in days} == {"study_day"}
    by_kind = client.get("/api/v1/study-days/statistics").get_json()["by_kind"]
    assert {row["kind"] for row in by_kind} == {"study_day", "training"}


def test_a_coordinator_plans_and_runs_a_training_of_their_own(events_app):
    client = events_app.test_client()
    login_as(client, events_app, ("vlaams", "coordinator"))
    form = client.get("/events/new?kind=training")
    assert form.status_code == 200
    held_on = in_brussels(utcnow()).date() + timedelta(days=40)
    saved = client.post(
        "/events/new",
        data={
            "csrf_token": csrf_token(client, "/events/new?kind=training"),
            **_values("training", held_on, audience="prison"),
        },
    )
    assert saved.status_code == 302
    with _db(events_app) as db:
        mine = db.scalar(select(StudyDay).where(StudyDay.title_nl == f"training {held_on}"))
        study_day = db.scalar(select(StudyDay).where(StudyDay.kind == "study_day"))
    assert mine.authority_code == "vlaams" and mine.audience == "prison"
    assert client.get(f"/events/{mine.id}/registrations").status_code == 200
    assert "Organised by: Flemish Community" in client.get(f"/events/{mine.id}").get_data(
        as_text=True
    )
    # Not the committee's study day, neither to run nor as the kind of a new event.
    assert client.get(f"/events/{study_day.id}/registrations").status_code == 403
    refused = client.post(
        "/events/new",
        data={
            "csrf_token": csrf_token(client, "/events/new?kind=training"),
            **_values("study_day", held_on + timedelta(days=400)),
        },
    )
    assert refused.status_code == 403
    with _db(events_app) as db:
        mine = db.get(StudyDay, mine.id)
        # Nor by changing the kind of their own training (the form offers no study day).
        with pytest.raises(studyday.Invalid) as invalid:
            studyday.update_day(db, mine, {**_values("study_day", held_on)})
        assert invalid.value.errors == {"kind": "committee_only"}


def test_a_second_study_day_is_refused_on_the_page_in_the_readers_language(events_app, providers):
    client = events_app.test_client()
    login_as(client, events_app, "secretary")
    with _db(events_app) as db:
        day = db.scalar(
            select(StudyDay).where(StudyDay.kind == "study_day").order_by(StudyDay.held_on.desc())
        )
    for language, words in (
        ("en", "There is already a study day in this year"),
        ("fr", "Il y a déjà une journée d'étude cette année"),
        ("nl", "Er is dit jaar al een studiedag"),
    ):
        client.get(f"/language/{language}")
        answer = client.post(
            "/events/new",
            data={
                "csrf_token": csrf_token(client, "/events/new?kind=study_day"),
                **_values("study_day", day.held_on),
            },
        )
        assert answer.status_code == 422
        assert words in html.unescape(answer.get_data(as_text=True))
