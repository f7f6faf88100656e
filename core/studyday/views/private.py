"""The private page of a registration, reached by the link in its e-mail: confirm, take
an offer, change, cancel, and the certificate."""

from __future__ import annotations

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.clock import utcnow
from core.db import db_session
from core.studyday import documents, messages
from core.studyday import services as studyday
from core.studyday.errors import ERRORS
from core.studyday.models import Registration, StudyDay
from core.studyday.views.common import blueprint, file_stem, pdf_answer, said, settings
from core.web import attempt, field_messages

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
    found = _by_token(token)
    if found is None:
        return _invalid_link()

    def and_tell(session) -> str:
        done = step(session, found)
        messages.tell(session, found)
        return done

    outcome = attempt(and_tell)
    said(outcome, outcome.result)
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
        offers = studyday.cancel(session, found, offer_hours=settings()["studyday_offer_hours"])
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

    def step(session) -> None:
        offers = studyday.change(
            session, found, values, offer_hours=settings()["studyday_offer_hours"]
        )
        messages.tell_offers(session, offers)
        messages.tell(session, found)

    outcome = attempt(step)
    if outcome.invalid is not None:
        found = _by_token(token)
        day = session.get(StudyDay, found.study_day_id)
        return render_template(
            "studyday/registration.html",
            **_private_page(session, found, day, utcnow()),
            values=values,
            errors=field_messages(outcome.invalid, ERRORS),
            token=token,
        ), 422
    said(outcome, _("Your changes are saved."))
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
    return pdf_answer(documents.certificates(day, [found]), f"certificate-{file_stem(day)}.pdf")
