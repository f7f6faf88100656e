"""Scheduled work of the study day: places whose deadline passed go to the next on the
waiting list (with an e-mail offering them), and registrants' personal data is anonymised a
configured time after the day. Both may run again at any time without harm."""

from __future__ import annotations

from sqlalchemy import select

from core.audit.services import acting_as
from core.clock import in_brussels, utcnow
from core.permissions import system
from core.scheduler import job_app
from core.studyday import messages
from core.studyday import services as studyday
from core.studyday.models import StudyDay


def expire_places() -> int:
    """Unconfirmed guests and unanswered offers past their deadline lose the place; the next
    waiting are offered it. Returns the number of offers made."""
    app = job_app()
    settings = app.config["CONCERTO"]
    now = utcnow()
    offered = 0
    with (
        app.app_context(),
        acting_as(system("job", "study day: pass on expired places")),
        app.extensions["concerto.db"].session() as session,
    ):
        today = in_brussels(now).date()
        for day in session.scalars(select(StudyDay).where(StudyDay.held_on >= today)).all():
            lapsed, offers = studyday.expire(session, day, now, settings["studyday_offer_hours"])
            for registration in lapsed:
                messages.tell(session, registration)
            offered += messages.tell_offers(session, offers)
    return offered


def anonymise_registrations() -> int:
    app = job_app()
    with (
        app.app_context(),
        acting_as(system("job", "study day: anonymise registrations")),
        app.extensions["concerto.db"].session() as session,
    ):
        return studyday.anonymise(
            session, utcnow(), app.config["CONCERTO"]["studyday_retention_days"]
        )
