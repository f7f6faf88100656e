"""Events in /api/v1: the events of every kind (``/events``, by id) and the study days by
year (``/study-days``, as before there were other kinds), each with its programme and
places, registering the calling person, the organisers' list of registrations, check-in and
cancellation, and the figures over the years and per kind. The same functions and rules as
the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from core.api.problems import http_problem, problem
from core.db import db_session
from core.identity.models import User
from core.permissions import current, require
from core.security import csrf
from core.studyday import messages
from core.studyday import services as studyday
from core.studyday.errors import ERRORS, REFUSALS
from core.studyday.models import Registration, StudyDay
from core.validation import Invalid
from core.web import api_write, json_object

blueprint = Blueprint("studyday_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


# The codes a write may answer with, worded. A refusal and a field may share a code
# ("deadline": the form's edit deadline, or a change after it); the writes here refuse
# registrations and check-ins, so a refusal's words come first.
MESSAGES = {**ERRORS, **REFUSALS}


def _day(year: int) -> StudyDay | None:
    return db_session().scalar(
        select(StudyDay)
        .where(StudyDay.kind == "study_day", StudyDay.year == year)
        .options(selectinload(StudyDay.workshops))
    )


def _event(event_id: int) -> StudyDay | None:
    return db_session().scalar(
        select(StudyDay).where(StudyDay.id == event_id).options(selectinload(StudyDay.workshops))
    )


def body_of_day(day: StudyDay, with_programme: bool = False) -> dict:
    answer = {
        "id": day.id,
        "kind": day.kind,
        "audience": day.audience,
        "organiser": day.authority_code,
        "year": day.year,
        "title": day.texts("title"),
        "held_on": day.held_on.isoformat(),
        "venue": day.venue,
        "capacity": day.capacity,
        "registration_opens_at": day.opens_at.isoformat(),
        "registration_closes_at": day.closes_at.isoformat(),
        "edit_deadline": studyday.edit_deadline(day).isoformat(),
    }
    if with_programme:
        places = studyday.places(db_session(), day)
        answer["places"] = places["day"]
        answer["sessions"] = [
            {
                "id": w.id,
                "kind": w.kind,
                "title": w.texts("title"),
                "theme": w.texts("theme"),
                "starts_at": w.starts_at.isoformat(),
                "ends_at": w.ends_at.isoformat(),
                "room": w.room,
                "language": w.language,
                "capacity": w.capacity if w.kind == "workshop" else None,
                "taken": places["workshops"][w.id]["taken"] if w.kind == "workshop" else None,
                "waiting": places["workshops"][w.id]["waiting"] if w.kind == "workshop" else None,
            }
            for w in day.workshops
        ]
    return answer


def body_of_registration(registration: Registration) -> dict:
    return {
        "id": registration.id,
        "name": registration.name,
        "email": registration.email,
        "organisation": registration.organisation,
        "authority": registration.authority_code,
        "language": registration.language,
        "accessibility": registration.accessibility,
        "on_participant_list": registration.on_participant_list,
        "state": registration.state,
        "expires_at": registration.expires_at.isoformat() if registration.expires_at else None,
        "present_at": registration.present_at.isoformat() if registration.present_at else None,
        "workshops": [
            {"id": c.workshop_id, "state": c.state}
            for c in registration.choices
            if c.state != "cancelled"
        ],
    }


@blueprint.get("/study-days")
def list_days():
    days = (
        db_session()
        .scalars(select(StudyDay).where(StudyDay.kind == "study_day").order_by(StudyDay.year))
        .all()
    )
    return jsonify({"items": [body_of_day(d) for d in days]})


@blueprint.get("/events")
def list_events():
    """Every event, oldest first; ``kind`` keeps one kind."""
    query = select(StudyDay).order_by(StudyDay.held_on, StudyDay.id)
    kind = request.args.get("kind")
    if kind:
        query = query.where(StudyDay.kind == kind)
    return jsonify({"items": [body_of_day(d) for d in db_session().scalars(query)]})


@blueprint.get("/study-days/<int(min=2000,max=2100):year>")
def get_day(year: int):
    day = _day(year)
    if day is None:
        return problem(404, _("Not found."))
    return jsonify(body_of_day(day, with_programme=True))


@blueprint.get("/events/<int(max=2147483647):event_id>")
def get_event(event_id: int):
    day = _event(event_id)
    if day is None:
        return problem(404, _("Not found."))
    return jsonify(body_of_day(day, with_programme=True))


@blueprint.get("/study-days/statistics")
def get_statistics():
    """The study days year by year, and every kind of event per year."""
    session = db_session()
    return jsonify(
        {"items": studyday.statistics(session), "by_kind": studyday.figures_by_kind(session)}
    )


@blueprint.get("/events/statistics")
def get_event_statistics():
    """Per kind and year: events, registered, waiting, present; and event by event."""
    session = db_session()
    return jsonify(
        {
            "by_kind": studyday.figures_by_kind(session),
            "events": [
                row
                for kind in ("study_day", "training", "other")
                for row in studyday.statistics(session, kind)
            ],
        }
    )


@blueprint.post("/study-days/<int(min=2000,max=2100):year>/registrations")
@api_write(messages=MESSAGES)
def register(year: int):
    """Register the calling person for the study day of ``year``."""
    return _register(_day(year))


@blueprint.post("/events/<int(max=2147483647):event_id>/registrations")
@api_write(messages=MESSAGES)
def register_for_event(event_id: int):
    """Register the calling person for an event of any kind."""
    return _register(_event(event_id))


def _register(day: StudyDay | None):
    """Register the calling person, with the address their identity provider gave."""
    require("studyday.participants")
    if day is None:
        return problem(404, _("Not found."))
    values = json_object()
    session = db_session()
    principal = current()
    user = session.get(User, principal.user_id)
    registration = studyday.register(
        session,
        day,
        {**values, "email": user.email or "", "name": user.display_name},
        confirmed=True,
        user_id=user.id,
        authority=principal.authority,
    )
    studyday.private_token(registration, current_app.config["SECRET_KEY"])
    messages.tell(session, registration)
    session.commit()
    return jsonify(body_of_registration(registration)), 201


@blueprint.get("/study-days/<int(min=2000,max=2100):year>/registrations")
def list_registrations(year: int):
    return _registrations(_day(year))


@blueprint.get("/events/<int(max=2147483647):event_id>/registrations")
def list_event_registrations(event_id: int):
    return _registrations(_event(event_id))


def _registrations(day: StudyDay | None):
    if day is None:
        require("studyday.organise")
        return problem(404, _("Not found."))
    require("studyday.organise", day)
    listed = studyday.registrations_of(db_session(), day, request.args.get("q", "")[:100])
    return jsonify({"items": [body_of_registration(r) for r in listed]})


@blueprint.post("/registrations/<int(max=2147483647):registration_id>/check-in")
@api_write(messages=MESSAGES)
def check_in(registration_id: int):
    registration = db_session().get(Registration, registration_id)
    if registration is None:
        require("studyday.organise")
        return problem(404, _("Not found."))
    require("studyday.organise", db_session().get(StudyDay, registration.study_day_id))
    values = json_object()
    if not isinstance(values.get("present", True), bool):
        raise Invalid({"present": "type"})
    studyday.check_in(db_session(), registration, values.get("present", True))
    db_session().commit()
    return jsonify(body_of_registration(registration))


@blueprint.post("/registrations/<int(max=2147483647):registration_id>/cancel")
@api_write(messages=MESSAGES)
def cancel(registration_id: int):
    registration = db_session().get(Registration, registration_id)
    if registration is None:
        require("studyday.organise")
        return problem(404, _("Not found."))
    require("studyday.organise", db_session().get(StudyDay, registration.study_day_id))
    session = db_session()
    offers = studyday.cancel(
        session,
        registration,
        by_organiser=True,
        offer_hours=current_app.config["CONCERTO"]["studyday_offer_hours"],
    )
    messages.tell(session, registration)
    messages.tell_offers(session, offers)
    session.commit()
    return jsonify(body_of_registration(registration))
