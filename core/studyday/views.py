"""Pages of the events (the study day, reciprocal trainings and other events, one engine):
the list by kind, an event's programme with the registration form, the private page of a
registration (confirm, take an offer, change, cancel, certificate), the organisers' pages
(programme, registrations and charts, lists and badges, check-in, reports) and the figures
over the years. The study day's old addresses by year lead to its page by redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.clock import in_brussels, utcnow
from core.db import db_session
from core.i18n import current_language
from core.identity.models import User
from core.links import services as links
from core.links.forms import picker_context, searching
from core.meetings.views import ERRORS as MEETING_ERRORS
from core.permissions import can, current, require
from core.site.antispam import anonymous_form_limit, caught_by_honeypot
from core.studyday import documents, messages
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay, Workshop, WorkshopReport
from core.validation import normalise_email

blueprint = Blueprint("studyday", __name__)

ERRORS = {
    **MEETING_ERRORS,
    "too_many": _l("Choose at most two workshops."),
    "same_time": _l("Two of the chosen workshops take place at the same time."),
    "after_day": _l("Registration must close on or before the study day."),
    "deadline": _l("The deadline for changes falls between the close of registration and the day."),
    "one_per_year": _l(
        "There is already a study day in this year; a second event that year can be a "
        "training or another event."
    ),
    "committee_only": _l(
        "The study day is the committee's, planned by the secretariat; choose a training or "
        "another event."
    ),
    "below_taken": _l("This is fewer places than are already taken."),
}
REFUSALS = {
    "closed": _l("Registration for this event is closed."),
    "not_open": _l("Registration for this event has not opened yet."),
    "already_registered": _l(
        "This e-mail address is already registered for this event. The e-mail we sent "
        "holds the link to change or cancel the registration."
    ),
    "deadline": _l("The deadline for changes has passed; contact the organisers."),
    "cancelled": _l("This registration is cancelled."),
    "expired": _l("This registration lapsed because its deadline passed."),
    "offer_expired": _l(
        "The deadline to take this place has passed; it went to the next person waiting."
    ),
    "not_confirmed": _l("Only confirmed registrations can be checked in."),
}
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


def _errors(invalid: studyday.Invalid) -> dict[str, str]:
    return {key: str(ERRORS.get(code, code)) for key, code in invalid.errors.items()}


def refusal_text(refusal: studyday.Refused) -> str:
    return str(REFUSALS.get(refusal.code, refusal.code))


def _settings() -> dict:
    return current_app.config["CONCERTO"]


def _day(event_id: int) -> StudyDay:
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


def _registration(registration_id: int) -> Registration:
    found = db_session().get(Registration, registration_id)
    if found is None:
        abort(404)
    return found


def _mine(session, day: StudyDay) -> Registration | None:
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


# --- public ----------------------------------------------------------------------------------


@blueprint.get("/events")
def index():
    """Every event, grouped by kind (the study days first), or those of one kind."""
    session = db_session()
    kind = request.args.get("kind", "")
    query = select(StudyDay).order_by(StudyDay.held_on.desc(), StudyDay.id.desc())
    if kind in EVENT_KINDS:
        query = query.where(StudyDay.kind == kind)
    else:
        kind = ""
    days = session.scalars(query).all()
    groups = [(k, [d for d in days if d.kind == k]) for k in EVENT_KINDS]
    return render_template(
        "studyday/index.html",
        groups=[(k, found) for k, found in groups if found],
        kind=kind,
        today=in_brussels(utcnow()).date(),
        may_organise=can(current(), "studyday.organise"),
        may_create=can(current(), "events.create"),
    )


# --- the study day's addresses by year, from before there were other events ------------------


def _study_day_of(year: int) -> StudyDay:
    found = db_session().scalar(
        select(StudyDay).where(StudyDay.kind == "study_day", StudyDay.year == year)
    )
    if found is None:
        abort(404)
    return found


# 308 keeps the method and the form: a registration posted to the old address still counts.
@blueprint.route("/studyday", methods=["GET"])
def old_index():
    return redirect(url_for("studyday.index"), 308)


@blueprint.route("/studyday/statistics", methods=["GET"])
def old_statistics():
    return redirect(url_for("studyday.statistics"), 308)


@blueprint.route("/studyday/new", methods=["GET"])
def old_new_day():
    return redirect(url_for("studyday.new_day", kind="study_day"), 308)


@blueprint.route("/studyday/<int(min=2000,max=2100):year>", methods=["GET"])
def old_day(year: int):
    return redirect(url_for("studyday.day", event_id=_study_day_of(year).id), 308)


@blueprint.route("/studyday/<int(min=2000,max=2100):year>.ics", methods=["GET"])
def old_day_calendar(year: int):
    return redirect(url_for("studyday.day_calendar", event_id=_study_day_of(year).id), 308)


@blueprint.route("/studyday/<int(min=2000,max=2100):year>/register", methods=["POST"])
def old_register(year: int):
    """A registration form of a page shown before the study day moved to its new address."""
    return redirect(url_for("studyday.register", event_id=_study_day_of(year).id), 308)


@blueprint.route("/studyday/<int(min=2000,max=2100):year>/<path:rest>", methods=["GET"])
def old_day_page(year: int, rest: str):
    target = url_for("studyday.day", event_id=_study_day_of(year).id) + "/" + rest
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, 308)


@blueprint.get("/events/<int(max=2147483647):event_id>")
def day(event_id: int):
    session = db_session()
    found = _day(event_id)
    principal = current()
    values = {"language": current_language(), "workshops": []}
    if principal.user_id:
        user = session.get(User, principal.user_id)
        values.update(name=user.display_name, email=user.email or "")
    return render_template(
        "studyday/day.html",
        **_day_page(session, found),
        values=values,
        errors={},
        mine=_mine(session, found),
    )


def _organiser_name(found: StudyDay) -> str | None:
    if found.authority_code is None:
        return None
    from core.reference.models import Authority

    authority = db_session().get(Authority, found.authority_code)
    return authority.local("name").text if authority else None


def _day_page(session, found: StudyDay) -> dict:
    now = utcnow()
    return {
        "day": found,
        "places": studyday.places(session, found),
        "workshops": studyday.workshops_of(found),
        "is_open": studyday.is_open(found, now),
        "is_over": studyday.is_over(found, now),
        "now": now,
        "may_organise": can(current(), "studyday.organise", found),
        "may_see_participants": can(current(), "studyday.participants"),
        "organiser": _organiser_name(found),
    }


@blueprint.post("/events/<int(max=2147483647):event_id>/register")
@anonymous_form_limit
def register(event_id: int):
    session = db_session()
    found = _day(event_id)
    if caught_by_honeypot():  # a robot: the page a guest sees, and nothing stored or sent
        email = normalise_email(request.form.get("email", ""))[:320]
        return render_template("studyday/check_mail.html", day=found, email=email), 201
    principal = current()
    values = request.form.to_dict()
    values["workshops"] = request.form.getlist("workshops")
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is not None and user.email:
        values["email"] = user.email  # the address the identity provider vouches for
    try:
        registration = studyday.register(
            session,
            found,
            values,
            confirmed=user is not None and bool(user.email),
            user_id=user.id if user else None,
            authority=principal.authority,
            hold_hours=_settings()["studyday_unconfirmed_hold_hours"],
        )
        token = studyday.private_token(registration, current_app.config["SECRET_KEY"])
        messages.tell(session, registration)
        session.commit()
    except studyday.Invalid as invalid:
        session.rollback()
        return render_template(
            "studyday/day.html",
            **_day_page(session, _day(event_id)),
            values=values,
            errors=_errors(invalid),
            mine=None,
        ), 422
    except studyday.Refused as refusal:
        session.rollback()
        flash(refusal_text(refusal), "error")
        return redirect(url_for("studyday.day", event_id=event_id) + "#register")
    if registration.state == "pending" or not registration.confirmed_at:
        return render_template("studyday/check_mail.html", day=found, email=registration.email), 201
    flash(_("You are registered. We sent you an e-mail with the details."), "success")
    return redirect(url_for("studyday.registration", token=token))


@blueprint.get("/events/<int(max=2147483647):event_id>.ics")
def day_calendar(event_id: int):
    found = _day(event_id)
    return Response(
        messages.day_calendar(found, current_language()),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{_stem(found)}.ics"'},
    )


@blueprint.get("/events/<int(max=2147483647):event_id>/participants")
def participants(event_id: int):
    require("studyday.participants")
    found = _day(event_id)
    return render_template(
        "studyday/participants.html",
        day=found,
        people=studyday.participants(db_session(), found),
    )


def _stem(found: StudyDay) -> str:
    """A file name's start: the year for a study day (as before), the year and the event's
    number for the others, of which a year has several."""
    if found.kind == "study_day":
        return f"study-day-{found.year}"
    return f"event-{found.year}-{found.id}"


@blueprint.get("/events/statistics")
def statistics():
    session = db_session()
    rows = studyday.statistics(session)
    return render_template(
        "studyday/statistics.html",
        rows=rows,
        by_kind=studyday.figures_by_kind(session),
        most=max((max(r["capacity"], r["confirmed"]) for r in rows), default=0),
    )


# --- the private page of a registration --------------------------------------------------------


def _by_token(token: str) -> Registration | None:
    return studyday.by_token(db_session(), token)


def _invalid_link():
    return render_template("studyday/link_invalid.html"), 404


@blueprint.get("/studyday/r/<token>")
def registration(token: str):
    session = db_session()
    found = _by_token(token)
    if found is None:
        return _invalid_link()
    day = session.get(StudyDay, found.study_day_id)
    now = utcnow()
    values = {
        "name": found.name,
        "organisation": found.organisation or "",
        "language": found.language,
        "accessibility": found.accessibility or "",
        "on_participant_list": found.on_participant_list,
        "workshops": [str(c.workshop_id) for c in found.choices if c.state not in studyday.GONE],
    }
    return render_template(
        "studyday/registration.html",
        **_private_page(session, found, day, now),
        values=values,
        errors={},
        token=token,
    )


def _private_page(session, found: Registration, day: StudyDay, now) -> dict:
    return {
        "registration": found,
        "day": day,
        "workshops": studyday.workshops_of(day),
        "places": studyday.places(session, day),
        "may_change": now <= studyday.edit_deadline(day) and found.state not in studyday.GONE,
        "edit_deadline": studyday.edit_deadline(day),
        "to_confirm": found.state in ("pending", "offered")
        or any(c.state == "offered" for c in found.choices)
        or (found.state == "waiting" and not found.confirmed_at),
        "certificate": found.present_at is not None and studyday.is_over(day, now),
    }


def _private_step(token: str, step):
    """One button on the private page: ``step`` does it and returns what to say."""
    session = db_session()
    found = _by_token(token)
    if found is None:
        return _invalid_link()
    try:
        done = step(session, found)
        messages.tell(session, found)
        session.commit()
    except studyday.Refused as refusal:
        session.rollback()
        flash(refusal_text(refusal), "error")
        return redirect(url_for("studyday.registration", token=token))
    flash(done, "success")
    return redirect(url_for("studyday.registration", token=token))


@blueprint.post("/studyday/r/<token>/confirm")
def confirm(token: str):
    def step(session, found) -> str:
        if studyday.confirm(session, found) == "waiting":
            return _("Thank you: your e-mail address is confirmed; you stay on the waiting list.")
        return _("Thank you: your registration is confirmed.")

    return _private_step(token, step)


@blueprint.post("/studyday/r/<token>/cancel")
def cancel(token: str):
    def step(session, found) -> str:
        offers = studyday.cancel(session, found, offer_hours=_settings()["studyday_offer_hours"])
        messages.tell_offers(session, offers)
        return _("Your registration is cancelled.")

    return _private_step(token, step)


@blueprint.post("/studyday/r/<token>/change")
def change(token: str):
    session = db_session()
    found = _by_token(token)
    if found is None:
        return _invalid_link()
    values = request.form.to_dict()
    values["workshops"] = request.form.getlist("workshops")
    try:
        offers = studyday.change(
            session, found, values, offer_hours=_settings()["studyday_offer_hours"]
        )
        messages.tell_offers(session, offers)
        messages.tell(session, found)
        session.commit()
    except studyday.Invalid as invalid:
        session.rollback()
        found = _by_token(token)
        day = session.get(StudyDay, found.study_day_id)
        return render_template(
            "studyday/registration.html",
            **_private_page(session, found, day, utcnow()),
            values=values,
            errors=_errors(invalid),
            token=token,
        ), 422
    except studyday.Refused as refusal:
        session.rollback()
        flash(refusal_text(refusal), "error")
        return redirect(url_for("studyday.registration", token=token))
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("studyday.registration", token=token))


@blueprint.get("/studyday/r/<token>/certificate.pdf")
def own_certificate(token: str):
    session = db_session()
    found = _by_token(token)
    if found is None:
        return _invalid_link()
    day = session.get(StudyDay, found.study_day_id)
    if found.present_at is None or not studyday.is_over(day, utcnow()):
        abort(404)
    return _pdf(documents.certificates(day, [found]), f"certificate-{_stem(day)}.pdf")


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- organisers ------------------------------------------------------------------------------


def _texts(record: StudyDay | Workshop) -> dict[str, str | None]:
    """A day's or a session's titles and descriptions in the three languages, for its form."""
    return {
        f"{field}_{lang}": getattr(record, f"{field}_{lang}")
        for field in ("title", "description", "theme")
        for lang in ("nl", "fr", "en")
        if hasattr(record, f"{field}_{lang}")
    }


def _day_form(found: StudyDay | None):
    principal = current()
    if found is None:
        require("events.create")
    else:
        require("studyday.organise", found)
    session = db_session()
    errors = {}
    # A coordinator plans for their own authority, and never the committee's study day.
    committee = can(principal, "studyday.organise")
    if found is None:
        kind = request.args.get("kind", "")
        if kind not in EVENT_KINDS or (kind == "study_day" and not committee):
            kind = "training"
        values = {
            "capacity": 150 if kind == "study_day" else 30,
            "kind": kind,
            # A reciprocal training is for both unless the organiser says otherwise.
            "audience": "both" if kind == "training" else "",
        }
    else:
        values = {
            **_texts(found),
            "kind": found.kind,
            "audience": found.audience or "",
            "held_on": found.held_on.isoformat(),
            "venue": found.venue,
            "capacity": found.capacity,
            "opens_on": in_brussels(found.opens_at).date().isoformat(),
            "closes_on": in_brussels(found.closes_at).date().isoformat(),
            "edit_deadline": (
                in_brussels(found.edit_deadline).date().isoformat() if found.edit_deadline else ""
            ),
        }
    if request.method == "POST":
        values = request.form.to_dict()
        if found is None and values.get("kind") == "study_day" and not committee:
            abort(403)  # the study day is the committee's; the form does not offer it
        try:
            if found is None:
                found = studyday.create_day(
                    session, values, organiser=None if committee else principal.authority
                )
            else:
                offers = studyday.update_day(
                    session, found, values, _settings()["studyday_offer_hours"]
                )
                messages.tell_offers(session, offers)
            session.commit()
            flash(_("The event was saved."), "success")
            return redirect(url_for("studyday.day", event_id=found.id))
        except studyday.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "studyday/day_form.html",
        day=found,
        values=values,
        errors=errors,
        kind_options=[
            (k, label) for k, label in EVENT_KINDS.items() if committee or k != "study_day"
        ],
        audience_options=list(AUDIENCES.items()),
    ), 422 if errors else 200


@blueprint.route("/events/new", methods=["GET", "POST"])
def new_day():
    return _day_form(None)


@blueprint.route("/events/<int(max=2147483647):event_id>/edit", methods=["GET", "POST"])
def edit_day(event_id: int):
    return _day_form(_day(event_id))


def _workshop_form(found: StudyDay, workshop: Workshop | None):
    require("studyday.organise", found)
    session = db_session()
    errors = {}
    if workshop is None:
        values = {"kind": "workshop", "language": "bilingual", "starts": "10:00", "ends": "12:00"}
    else:
        values = {
            **_texts(workshop),
            "kind": workshop.kind,
            "language": workshop.language,
            "room": workshop.room,
            "capacity": workshop.capacity,
            "starts": f"{in_brussels(workshop.starts_at):%H:%M}",
            "ends": f"{in_brussels(workshop.ends_at):%H:%M}",
        }
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            if workshop is None:
                studyday.add_workshop(session, found, values)
            else:
                offers = studyday.update_workshop(
                    session, workshop, values, _settings()["studyday_offer_hours"]
                )
                messages.tell_offers(session, offers)
            session.commit()
            flash(_("The programme was saved."), "success")
            return redirect(url_for("studyday.day", event_id=found.id) + "#programme")
        except studyday.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "studyday/workshop_form.html", day=found, workshop=workshop, values=values, errors=errors
    ), 422 if errors else 200


@blueprint.route("/events/<int(max=2147483647):event_id>/sessions/new", methods=["GET", "POST"])
def new_workshop(event_id: int):
    return _workshop_form(_day(event_id), None)


@blueprint.route("/workshops/<int(max=2147483647):workshop_id>/edit", methods=["GET", "POST"])
def edit_workshop(workshop_id: int):
    workshop = db_session().get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    return _workshop_form(_day_of(workshop), workshop)


def _day_of(workshop: Workshop) -> StudyDay:
    return db_session().get(StudyDay, workshop.study_day_id)


@blueprint.get("/events/<int(max=2147483647):event_id>/registrations")
def registrations(event_id: int):
    found = _day(event_id)
    require("studyday.organise", found)
    session = db_session()
    search = request.args.get("q", "")[:100]
    state = request.args.get("state", "")
    everyone = studyday.registrations_of(session, found)
    listed = studyday.registrations_of(session, found, search) if search else everyone
    return render_template(
        "studyday/registrations.html",
        day=found,
        registrations=[r for r in listed if not state or r.state == state],
        counts=studyday.by_organisation(everyone),  # the counts ignore the search
        places=studyday.places(session, found),
        workshops=studyday.workshops_of(found),
        search=search,
        state=state,
    )


@blueprint.post("/registrations/<int(max=2147483647):registration_id>/cancel")
def organiser_cancel(registration_id: int):
    session = db_session()
    found = _registration(registration_id)
    day = session.get(StudyDay, found.study_day_id)
    require("studyday.organise", day)
    try:
        offers = studyday.cancel(
            session, found, by_organiser=True, offer_hours=_settings()["studyday_offer_hours"]
        )
        messages.tell(session, found)
        messages.tell_offers(session, offers)
        session.commit()
        flash(
            _("The registration is cancelled; the waiting list was offered its places."), "success"
        )
    except studyday.Refused as refusal:
        session.rollback()
        flash(refusal_text(refusal), "error")
    return redirect(url_for("studyday.registrations", event_id=day.id))


@blueprint.get("/events/<int(max=2147483647):event_id>/check-in")
def check_in_page(event_id: int):
    found = _day(event_id)
    require("studyday.organise", found)
    session = db_session()
    search = request.args.get("q", "")[:100]
    confirmed = [
        r for r in studyday.registrations_of(session, found, search) if r.state == "confirmed"
    ]
    places = studyday.places(session, found)
    return render_template(
        "studyday/check_in.html",
        day=found,
        registrations=confirmed if search else [],
        search=search,
        present=places["day"]["present"],
        expected=places["day"]["taken"],
    )


@blueprint.post("/registrations/<int(max=2147483647):registration_id>/check-in")
def check_in(registration_id: int):
    session = db_session()
    found = _registration(registration_id)
    day = session.get(StudyDay, found.study_day_id)
    require("studyday.organise", day)
    present = request.form.get("present", "1") == "1"
    try:
        studyday.check_in(session, found, present)
        session.commit()
        flash(
            _("%(name)s is marked present.", name=found.name)
            if present
            else _("%(name)s is no longer marked present.", name=found.name),
            "success",
        )
    except studyday.Refused as refusal:
        session.rollback()
        flash(refusal_text(refusal), "error")
    return redirect(
        url_for("studyday.check_in_page", event_id=day.id, q=request.form.get("q", "")) + "#results"
    )


@blueprint.get("/events/<int(max=2147483647):event_id>/attendance.<any(xlsx,pdf):fmt>")
def attendance_list(event_id: int, fmt: str):
    found = _day(event_id)
    require("studyday.organise", found)
    session = db_session()
    listed = [r for r in studyday.registrations_of(session, found) if r.state == "confirmed"]
    if fmt == "xlsx":
        return Response(
            documents.attendance_xlsx(found, listed),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="attendance-{_stem(found)}.xlsx"'
            },
        )
    return _pdf(documents.attendance_pdf(found, listed), f"attendance-{_stem(found)}.pdf")


@blueprint.get("/events/<int(max=2147483647):event_id>/badges.pdf")
def badges(event_id: int):
    found = _day(event_id)
    require("studyday.organise", found)
    listed = [r for r in studyday.registrations_of(db_session(), found) if r.state == "confirmed"]
    return _pdf(documents.badges(found, listed), f"badges-{_stem(found)}.pdf")


@blueprint.get("/events/<int(max=2147483647):event_id>/certificates.pdf")
def certificates(event_id: int):
    found = _day(event_id)
    require("studyday.organise", found)
    present = [r for r in studyday.registrations_of(db_session(), found) if r.present_at]
    return _pdf(documents.certificates(found, present), f"certificates-{_stem(found)}.pdf")


# A workshop report names the goals it feeds and the needs it brings up.
REPORT_KINDS = ("goal", "need")


@blueprint.route("/workshops/<int(max=2147483647):workshop_id>/report", methods=["GET", "POST"])
def report(workshop_id: int):
    session = db_session()
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    found = _day_of(workshop)
    require("studyday.organise", found)
    current_report = workshop.report
    values = {
        "text_nl": current_report.text_nl if current_report else "",
        "text_fr": current_report.text_fr if current_report else "",
        "version": current_report.version if current_report else "",
    }
    stored = (
        [{"kind": "goal", "id": g.id} for g in current_report.goals]
        + [{"kind": "need", "id": n.id} for n in current_report.needs]
        if current_report
        else []
    )
    errors, form = {}, None
    if request.method == "POST":
        values, form = request.form.to_dict(), request.form
    if form is not None and not searching(form):
        # The picker's goals and needs (core.links), each to the report's own list; a form
        # without the picker may still send "goals" and "needs" (numbers or goal codes).
        sent = form.getlist("links") + [f"goal:{g}" for g in form.getlist("goals")]
        sent += [f"need:{n}" for n in form.getlist("needs")]
        chosen = links.pairs_of(sent)
        values["goals"] = [ident for kind, ident in chosen if kind == "goal"]
        values["needs"] = [ident for kind, ident in chosen if kind == "need"]
        problem: dict[str, str] = {}
        links.parse(session, current(), sent, problem, kinds=REPORT_KINDS)
        try:
            if problem:
                raise studyday.Invalid(problem)
            studyday.save_report(session, workshop, values, values.get("version"))
            session.commit()
            flash(_("The workshop report was saved."), "success")
            return redirect(url_for("studyday.day", event_id=found.id) + f"#workshop-{workshop.id}")
        except studyday.Invalid as invalid:
            session.rollback()
            # A goal or a need that is gone is a link not found, said at the picker.
            found_errors = dict(invalid.errors)
            missing = [found_errors.pop(key, None) for key in ("goals", "needs")]
            if any(missing):
                found_errors.setdefault("links", "link")
            errors = _errors(studyday.Invalid(found_errors))
        except studyday.Stale:
            session.rollback()
            flash(
                _(
                    "Someone else saved this report in the meantime. Nothing was overwritten: "
                    "the form now shows their version; make your change again."
                ),
                "error",
            )
            return redirect(url_for("studyday.report", workshop_id=workshop.id))
    return render_template(
        "studyday/report_form.html",
        day=found,
        workshop=workshop,
        values=values,
        errors=errors,
        link_picker=picker_context(session, current(), form, "links", stored, kinds=REPORT_KINDS),
    ), 422 if errors else 200
