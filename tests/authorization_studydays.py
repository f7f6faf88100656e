"""The authorization matrix's writes on study days and trainings: planning and editing
them and their sessions, registering, cancelling, checking in and workshop reports.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.studyday.models import Registration, StudyDay, Workshop, WorkshopReport
from tests.authorization_people import (
    Who,
    Write,
    api_request,
    first_of,
    is_coordinator,
    is_secretariat,
)
from tests.logins import csrf_token


def _next_study_day(app) -> StudyDay:
    return first_of(app, StudyDay, StudyDay.kind == "study_day", StudyDay.held_on >= date.today())


def _study_year(app) -> int:
    return _next_study_day(app).year


def _plan_study_day(client, app, who, csrf):
    return client.post(
        "/events/new",
        data={
            "csrf_token": csrf,
            "kind": "study_day",
            "title_nl": f"Studiedag van {who.label}",
            "title_fr": "Journée d'étude",
            "held_on": "2035-11-20",
            "opens_on": "2035-09-01",
            "closes_on": "2035-11-10",
            "venue": "Brussel",
            "capacity": "100",
        },
    )


def _study_day_planned(app, who):
    return first_of(app, StudyDay, StudyDay.title_nl == f"Studiedag van {who.label}") is not None


def _plan_training(client, app, who, csrf):
    return client.post(
        "/events/new",
        data={
            "csrf_token": csrf,
            "kind": "training",
            "audience": "both",
            "title_nl": f"Vorming van {who.label}",
            "title_fr": "Formation",
            "held_on": "2035-03-20",
            "opens_on": "2035-02-01",
            "closes_on": "2035-03-10",
            "venue": "Haren",
            "capacity": "20",
        },
    )


def _training_planned(app, who):
    found = first_of(app, StudyDay, StudyDay.title_nl == f"Vorming van {who.label}")
    # A coordinator's training is their authority's; the secretariat's the committee's.
    expected = who.authority if "coordinator" in who.roles else None
    return found is not None and found.kind == "training" and found.authority_code == expected


def _training_of(authority: str | None):
    def find(app) -> StudyDay:
        return first_of(
            app,
            StudyDay,
            StudyDay.kind == "training",
            StudyDay.authority_code.is_(None)
            if authority is None
            else StudyDay.authority_code == authority,
        )

    return find


def _edit_training(find):
    def attempt(client, app, who, csrf):
        training = find(app)
        return client.post(
            f"/events/{training.id}/edit",
            data={
                "csrf_token": csrf,
                "kind": "training",
                "audience": training.audience,
                "title_nl": f"Vorming bewerkt door {who.label}",
                "title_fr": training.title_fr,
                "held_on": training.held_on.isoformat(),
                "opens_on": f"{training.held_on.year - 1}-12-01",
                "closes_on": training.held_on.isoformat(),
                "venue": training.venue,
                "capacity": "60",
            },
        )

    return attempt


def _training_edited(find):
    def changed(app, who):
        return find(app).title_nl == f"Vorming bewerkt door {who.label}"

    return changed


def _absent_at_flemish_training(app) -> Registration:
    training = _training_of("vlaams")(app)
    return first_of(
        app,
        Registration,
        Registration.study_day_id == training.id,
        Registration.state == "confirmed",
        Registration.present_at.is_(None),
    )


def _check_in_at_flemish_training(client, app, who, csrf):
    registration = _absent_at_flemish_training(app)
    return client.post(
        f"/registrations/{registration.id}/check-in", data={"csrf_token": csrf, "present": "1"}
    )


def _checked_in_at_flemish_training(app, who):
    training = _training_of("vlaams")(app)
    with app.extensions["concerto.db"].session() as db:
        present = db.scalar(
            select(func.count()).where(
                Registration.study_day_id == training.id, Registration.present_at.is_not(None)
            )
        )
    return present > 12  # the demo marks twelve of its fifteen present


def _keeps_flemish_events(who: Who) -> bool:
    return is_secretariat(who) or (is_coordinator(who) and who.authority == "vlaams")


def _add_session(client, app, who, csrf):
    return client.post(
        f"/events/{_next_study_day(app).id}/sessions/new",
        data={
            "csrf_token": csrf,
            "kind": "workshop",
            "title_nl": f"sessie {who.label}",
            "title_fr": "séance",
            "starts": "16:00",
            "ends": "17:00",
            "capacity": "20",
            "language": "nl",
        },
    )


def _session_added(app, who):
    return first_of(app, Workshop, Workshop.title_nl == f"sessie {who.label}") is not None


def _edit_study_day(client, app, who, csrf):
    day = _next_study_day(app)
    return client.post(
        f"/events/{day.id}/edit",
        data={
            "csrf_token": csrf,
            "title_nl": f"Studiedag bewerkt door {who.label}",
            "title_fr": "Journée d'étude",
            "held_on": day.held_on.isoformat(),
            "opens_on": f"{day.year}-01-01",
            "closes_on": day.held_on.isoformat(),
            "venue": "Brussel",
            "capacity": "150",
        },
    )


def _study_day_edited(app, who):
    return (
        first_of(app, StudyDay, StudyDay.title_nl == f"Studiedag bewerkt door {who.label}")
        is not None
    )


def _edit_session(client, app, who, csrf):
    return client.post(
        "/workshops/2/edit",
        data={
            "csrf_token": csrf,
            "kind": "workshop",
            "title_nl": f"bewerkt door {who.label}",
            "title_fr": "atelier",
            "starts": "10:00",
            "ends": "11:30",
            "capacity": "40",
            "language": "bilingual",
        },
    )


def _session_edited(app, who):
    return first_of(app, Workshop, Workshop.title_nl == f"bewerkt door {who.label}") is not None


def _register_on_the_page(client, app, who, csrf):
    return client.post(
        f"/events/{_next_study_day(app).id}/register",
        data={
            "csrf_token": csrf or _anonymous_csrf(client, app),
            "name": f"matrix {who.label}",
            "email": f"{who.label}@matrix.example",
            "language": "fr",
        },
    )


def _anonymous_csrf(client, app):
    return csrf_token(client, f"/events/{_next_study_day(app).id}")


def _registered_on_the_page(app, who):
    return first_of(app, Registration, Registration.name == f"matrix {who.label}") is not None


def _register_by_api(client, app, who, csrf):
    # The page's registration above used the person's own address: set it aside first.
    with app.extensions["concerto.db"].session() as db:
        for registration in db.scalars(
            select(Registration).where(Registration.name == f"matrix {who.label}")
        ):
            registration.state = "cancelled"
    return api_request(
        client,
        "POST",
        f"/api/v1/study-days/{_study_year(app)}/registrations",
        {"organisation": f"api {who.label}"},
    )


def _registered_by_api(app, who):
    return first_of(app, Registration, Registration.organisation == f"api {who.label}") is not None


def _demo_registration(app) -> Registration:
    return first_of(app, Registration, Registration.email == "deelnemer2@federatie_wb.demo.invalid")


def _organiser_cancels(channel: str):
    def attempt(client, app, who, csrf):
        registration = _demo_registration(app)
        path = f"/registrations/{registration.id}/cancel"
        if channel == "api":
            return api_request(client, "POST", f"/api/v1{path}", {})
        return client.post(path, data={"csrf_token": csrf})

    return attempt


def _demo_registration_cancelled(app, who):
    return _demo_registration(app).state == "cancelled"


def _check_in(channel: str):
    def attempt(client, app, who, csrf):
        registration = _demo_registration(app)
        path = f"/registrations/{registration.id}/check-in"
        if channel == "api":
            return api_request(client, "POST", f"/api/v1{path}", {"present": True})
        return client.post(path, data={"csrf_token": csrf, "present": "1"})

    return attempt


def _checked_in(app, who):
    return _demo_registration(app).present_at is not None


def _write_report(client, app, who, csrf):
    return client.post(
        "/workshops/3/report", data={"csrf_token": csrf, "text_nl": f"verslag {who.label}"}
    )


def _report_written(app, who):
    report = first_of(app, WorkshopReport, WorkshopReport.workshop_id == 3)
    return report is not None and report.text_nl == f"verslag {who.label}"


def _cancel_without_the_link(client, app, who, csrf):
    return client.post(
        "/studyday/r/guessed-link/cancel", data={"csrf_token": csrf or _anonymous_csrf(client, app)}
    )


def _anyone_cancelled(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).where(Registration.state == "cancelled")) > 0


STUDY_DAY_WRITES = [
    Write(
        "cancel a registration without its private link (page)",
        lambda who: False,
        _cancel_without_the_link,
        _anyone_cancelled,
    ),
    Write("plan a study day (page)", is_secretariat, _plan_study_day, _study_day_planned),
    Write(
        "plan a reciprocal training (page)",
        lambda who: is_secretariat(who) or is_coordinator(who),
        _plan_training,
        _training_planned,
    ),
    Write(
        "edit the Flemish coordinator's training (page)",
        _keeps_flemish_events,
        _edit_training(_training_of("vlaams")),
        _training_edited(_training_of("vlaams")),
    ),
    Write(
        "edit a training of the committee (page)",
        is_secretariat,
        _edit_training(_training_of(None)),
        _training_edited(_training_of(None)),
    ),
    Write(
        "check a participant in at the Flemish training (page)",
        _keeps_flemish_events,
        _check_in_at_flemish_training,
        _checked_in_at_flemish_training,
    ),
    Write("add a study-day session (page)", is_secretariat, _add_session, _session_added),
    Write("edit the study day (page)", is_secretariat, _edit_study_day, _study_day_edited),
    Write("edit a study-day session (page)", is_secretariat, _edit_session, _session_edited),
    Write(
        "register for the study day (page, guests too)",
        lambda who: True,
        _register_on_the_page,
        _registered_on_the_page,
    ),
    Write(
        "register oneself for the study day (API token)",
        lambda who: who.login is not None,
        _register_by_api,
        _registered_by_api,
    ),
    Write("check a participant in (page)", is_secretariat, _check_in("page"), _checked_in),
    Write("check a participant in (API token)", is_secretariat, _check_in("api"), _checked_in),
    Write("write a workshop report (page)", is_secretariat, _write_report, _report_written),
    Write(
        "cancel someone's registration as organiser (page)",
        is_secretariat,
        _organiser_cancels("page"),
        _demo_registration_cancelled,
    ),
    Write(
        "cancel someone's registration as organiser (API token)",
        is_secretariat,
        _organiser_cancels("api"),
        _demo_registration_cancelled,
    ),
]
