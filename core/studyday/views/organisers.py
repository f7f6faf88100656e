"""The organisers' pages: an event's and a session's forms, the registrations, check-in,
lists, badges and certificates, and the workshop reports."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.clock import in_brussels
from core.db import db_session
from core.links import services as links
from core.links.forms import picker_context, searching
from core.permissions import can, current, require
from core.studyday import documents, messages
from core.studyday import services as studyday
from core.studyday.errors import ERRORS
from core.studyday.models import StudyDay, Workshop
from core.studyday.views.common import (
    AUDIENCES,
    EVENT_KINDS,
    blueprint,
    day_of,
    event_or_404,
    file_stem,
    pdf_answer,
    registration_or_404,
    said,
    settings,
)
from core.validation import Invalid
from core.web import attempt, field_messages, get_or_404

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

        def step(session) -> StudyDay:
            if found is None:
                return studyday.create_day(
                    session, values, organiser=None if committee else principal.authority
                )
            offers = studyday.update_day(session, found, values, settings()["studyday_offer_hours"])
            messages.tell_offers(session, offers)
            return found

        outcome = attempt(step)
        if outcome.ok:
            flash(_("The event was saved."), "success")
            return redirect(url_for("studyday.day", event_id=outcome.result.id))
        errors = field_messages(outcome.invalid or {}, ERRORS)
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
    return _day_form(event_or_404(event_id))


def _workshop_form(found: StudyDay, workshop: Workshop | None):
    require("studyday.organise", found)

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

        def step(session) -> None:
            if workshop is None:
                studyday.add_workshop(session, found, values)
            else:
                offers = studyday.update_workshop(
                    session, workshop, values, settings()["studyday_offer_hours"]
                )
                messages.tell_offers(session, offers)

        outcome = attempt(step)
        if outcome.ok:
            flash(_("The programme was saved."), "success")
            return redirect(url_for("studyday.day", event_id=found.id) + "#programme")
        errors = field_messages(outcome.invalid or {}, ERRORS)
    return render_template(
        "studyday/workshop_form.html", day=found, workshop=workshop, values=values, errors=errors
    ), 422 if errors else 200


@blueprint.route("/events/<int(max=2147483647):event_id>/sessions/new", methods=["GET", "POST"])
def new_workshop(event_id: int):
    return _workshop_form(event_or_404(event_id), None)


@blueprint.route("/workshops/<int(max=2147483647):workshop_id>/edit", methods=["GET", "POST"])
def edit_workshop(workshop_id: int):
    workshop = get_or_404(Workshop, workshop_id)
    return _workshop_form(day_of(workshop), workshop)


@blueprint.get("/events/<int(max=2147483647):event_id>/registrations")
def registrations(event_id: int):
    found = event_or_404(event_id)
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
    found = registration_or_404(registration_id)
    day = session.get(StudyDay, found.study_day_id)
    require("studyday.organise", day)

    def step(session) -> None:
        offers = studyday.cancel(
            session, found, by_organiser=True, offer_hours=settings()["studyday_offer_hours"]
        )
        messages.tell(session, found)
        messages.tell_offers(session, offers)

    said(
        attempt(step),
        _("The registration is cancelled; the waiting list was offered its places."),
    )
    return redirect(url_for("studyday.registrations", event_id=day.id))


@blueprint.get("/events/<int(max=2147483647):event_id>/check-in")
def check_in_page(event_id: int):
    found = event_or_404(event_id)
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
    found = registration_or_404(registration_id)
    day = session.get(StudyDay, found.study_day_id)
    require("studyday.organise", day)
    present = request.form.get("present", "1") == "1"
    said(
        attempt(lambda s: studyday.check_in(s, found, present)),
        _("%(name)s is marked present.", name=found.name)
        if present
        else _("%(name)s is no longer marked present.", name=found.name),
    )
    return redirect(
        url_for("studyday.check_in_page", event_id=day.id, q=request.form.get("q", "")) + "#results"
    )


@blueprint.get("/events/<int(max=2147483647):event_id>/attendance.<any(xlsx,pdf):fmt>")
def attendance_list(event_id: int, fmt: str):
    found = event_or_404(event_id)
    require("studyday.organise", found)
    session = db_session()
    listed = [r for r in studyday.registrations_of(session, found) if r.state == "confirmed"]
    if fmt == "xlsx":
        return Response(
            documents.attendance_xlsx(found, listed),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="attendance-{file_stem(found)}.xlsx"'
            },
        )
    return pdf_answer(documents.attendance_pdf(found, listed), f"attendance-{file_stem(found)}.pdf")


@blueprint.get("/events/<int(max=2147483647):event_id>/badges.pdf")
def badges(event_id: int):
    found = event_or_404(event_id)
    require("studyday.organise", found)
    listed = [r for r in studyday.registrations_of(db_session(), found) if r.state == "confirmed"]
    return pdf_answer(documents.badges(found, listed), f"badges-{file_stem(found)}.pdf")


@blueprint.get("/events/<int(max=2147483647):event_id>/certificates.pdf")
def certificates(event_id: int):
    found = event_or_404(event_id)
    require("studyday.organise", found)
    present = [r for r in studyday.registrations_of(db_session(), found) if r.present_at]
    return pdf_answer(
        documents.certificates(found, present), f"certificates-{file_stem(found)}.pdf"
    )


# A workshop report names the goals it feeds and the needs it brings up.
REPORT_KINDS = ("goal", "need")


@blueprint.route("/workshops/<int(max=2147483647):workshop_id>/report", methods=["GET", "POST"])
def report(workshop_id: int):
    session = db_session()
    workshop = get_or_404(Workshop, workshop_id)
    found = day_of(workshop)
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

        def step(session) -> None:
            if problem:
                raise Invalid(problem)
            studyday.save_report(session, workshop, values, values.get("version"))

        outcome = attempt(step)
        if outcome.ok:
            flash(_("The workshop report was saved."), "success")
            return redirect(url_for("studyday.day", event_id=found.id) + f"#workshop-{workshop.id}")
        if outcome.stale:
            flash(
                _(
                    "Someone else saved this report in the meantime. Nothing was overwritten: "
                    "the form now shows their version; make your change again."
                ),
                "error",
            )
            return redirect(url_for("studyday.report", workshop_id=workshop.id))
        # A goal or a need that is gone is a link not found, said at the picker.
        found_errors = dict(outcome.invalid or {})
        missing = [found_errors.pop(key, None) for key in ("goals", "needs")]
        if any(missing):
            found_errors.setdefault("links", "link")
        errors = field_messages(found_errors, ERRORS)
    return render_template(
        "studyday/report_form.html",
        day=found,
        workshop=workshop,
        values=values,
        errors=errors,
        link_picker=picker_context(session, current(), form, "links", stored, kinds=REPORT_KINDS),
    ), 422 if errors else 200
