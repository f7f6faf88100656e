"""What the events' pages share: the blueprint, the labels every template reads, and
finding an event or a registration or answering 404."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db_session
from core.permissions import current
from core.studyday import services as studyday
from core.studyday.errors import ERRORS, REFUSALS
from core.studyday.models import Registration, StudyDay, Workshop, WorkshopReport
from core.web import Outcome, get_or_404, say

blueprint = Blueprint("studyday", __name__)

REGISTRATION_STATES = {
    "pending": _l("waiting for confirmation of the e-mail address"),
    "confirmed": _l("confirmed"),
    "waiting": _l("on the waiting list"),
    "offered": _l("a place is offered"),
    "cancelled": _l("cancelled"),
    "expired": _l("lapsed"),
}
CHOICE_STATES = {
    "confirmed": _l("place confirmed"),
    "waiting": _l("on the waiting list"),
    "offered": _l("a place is offered"),
    "cancelled": _l("given up"),
    "expired": _l("offer lapsed"),
}
SESSION_LANGUAGES = {
    "nl": _l("in Dutch"),
    "fr": _l("in French"),
    "bilingual": _l("bilingual, with interpretation"),
}
SESSION_KINDS = {"plenary": _l("plenary session"), "workshop": _l("workshop")}
EVENT_KINDS = {
    "study_day": _l("Study day"),
    "training": _l("Reciprocal training"),
    "other": _l("Other event"),
}
# The same kinds as headings of the list of events.
EVENT_KINDS_PLURAL = {
    "study_day": _l("Study days"),
    "training": _l("Reciprocal trainings"),
    "other": _l("Other events"),
}
AUDIENCES = {
    "external": _l("External staff"),
    "prison": _l("Prison staff"),
    "both": _l("External and prison staff"),
}


@blueprint.app_context_processor
def _labels():
    return {
        "registration_states": REGISTRATION_STATES,
        "choice_states": CHOICE_STATES,
        "session_languages": SESSION_LANGUAGES,
        "session_kinds": SESSION_KINDS,
        "event_kinds": EVENT_KINDS,
        "event_kinds_plural": EVENT_KINDS_PLURAL,
        "audiences": AUDIENCES,
    }


def settings() -> dict:
    return current_app.config["CONCERTO"]


def event_or_404(event_id: int) -> StudyDay:
    # The workshops with their reports and the reports' links: the day's page shows them all.
    reports = selectinload(StudyDay.workshops).selectinload(Workshop.report)
    day = db_session().scalar(
        select(StudyDay)
        .where(StudyDay.id == event_id)
        .options(
            reports.selectinload(WorkshopReport.goals), reports.selectinload(WorkshopReport.needs)
        )
    )
    if day is None:
        abort(404)
    return day


def registration_or_404(registration_id: int) -> Registration:
    return get_or_404(Registration, registration_id)


def mine(session, day: StudyDay) -> Registration | None:
    principal = current()
    if principal.user_id is None:
        return None
    return session.scalar(
        select(Registration).where(
            Registration.study_day_id == day.id,
            Registration.user_id == principal.user_id,
            Registration.state.not_in(studyday.GONE),
        )
    )


def file_stem(found: StudyDay) -> str:
    """A file name's start: the year for a study day (as before), the year and the event's
    number for the others, of which a year has several."""
    if found.kind == "study_day":
        return f"study-day-{found.year}"
    return f"event-{found.year}-{found.id}"


def pdf_answer(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def day_of(workshop: Workshop) -> StudyDay:
    return db_session().get(StudyDay, workshop.study_day_id)


def said(outcome: Outcome, done: str) -> Outcome:
    """Say on the page gone back to what became of a step (core.web.say)."""
    return say(outcome, ERRORS, done=done, refusals=REFUSALS)
