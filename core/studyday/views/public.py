"""The events as everyone sees them: the list by kind, an event's programme with the
registration form, its calendar file, the participants, the figures over the years, and
the study day's old addresses by year."""

from __future__ import annotations

from flask import (
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
from sqlalchemy import select

from core.clock import in_brussels, utcnow
from core.db import db_session
from core.i18n import current_language
from core.identity.models import User
from core.permissions import can, current, require
from core.reference.models import Authority
from core.site.antispam import anonymous_form_limit, caught_by_honeypot
from core.studyday import messages
from core.studyday import services as studyday
from core.studyday.errors import ERRORS, REFUSALS
from core.studyday.models import StudyDay
from core.studyday.views.common import (
    EVENT_KINDS,
    blueprint,
    event_or_404,
    file_stem,
    mine,
    settings,
)
from core.validation import normalise_email
from core.web import attempt, field_messages, message

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
    found = event_or_404(event_id)
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
        mine=mine(session, found),
    )


def _organiser_name(found: StudyDay) -> str | None:
    if found.authority_code is None:
        return None
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
    found = event_or_404(event_id)
    if caught_by_honeypot():  # a robot: the page a guest sees, and nothing stored or sent
        email = normalise_email(request.form.get("email", ""))[:320]
        return render_template("studyday/check_mail.html", day=found, email=email), 201
    principal = current()
    values = request.form.to_dict()
    values["workshops"] = request.form.getlist("workshops")
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is not None and user.email:
        values["email"] = user.email  # the address the identity provider vouches for

    def step(session):
        registration = studyday.register(
            session,
            found,
            values,
            confirmed=user is not None and bool(user.email),
            user_id=user.id if user else None,
            authority=principal.authority,
            hold_hours=settings()["studyday_unconfirmed_hold_hours"],
        )
        token = studyday.private_token(registration, current_app.config["SECRET_KEY"])
        messages.tell(session, registration)
        return registration, token

    outcome = attempt(step)
    if outcome.invalid is not None:
        return render_template(
            "studyday/day.html",
            **_day_page(session, event_or_404(event_id)),
            values=values,
            errors=field_messages(outcome.invalid, ERRORS),
            mine=None,
        ), 422
    if not outcome.ok:
        flash(message(outcome.refused, REFUSALS), "error")
        return redirect(url_for("studyday.day", event_id=event_id) + "#register")
    registration, token = outcome.result
    if registration.state == "pending" or not registration.confirmed_at:
        return render_template("studyday/check_mail.html", day=found, email=registration.email), 201
    flash(_("You are registered. We sent you an e-mail with the details."), "success")
    return redirect(url_for("studyday.registration", token=token))


@blueprint.get("/events/<int(max=2147483647):event_id>.ics")
def day_calendar(event_id: int):
    found = event_or_404(event_id)
    return Response(
        messages.day_calendar(found, current_language()),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{file_stem(found)}.ics"'},
    )


@blueprint.get("/events/<int(max=2147483647):event_id>/participants")
def participants(event_id: int):
    require("studyday.participants")
    found = event_or_404(event_id)
    return render_template(
        "studyday/participants.html",
        day=found,
        people=studyday.participants(db_session(), found),
    )


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
