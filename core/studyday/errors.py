"""The events' error codes and refusals with their messages in the reader's language, beside
their services: the pages (core.studyday.views) and the API (core.studyday.api) word them
from here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.meetings.errors import ERRORS as MEETING_ERRORS
from core.validation import Refused

# The forms share the meetings' words for dates, times and places.
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


def refusal_text(refusal: Refused) -> str:
    return str(REFUSALS.get(refusal.code, refusal.code))
