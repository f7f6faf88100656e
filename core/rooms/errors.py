"""What the rooms' forms refuse, by code, in the reader's language (the register of rooms and the bookings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.inventory import schedules
from core.validation import MESSAGES

ERRORS = {
    **MESSAGES,
    **schedules.MESSAGES,
    "required": _l("This field is required."),
    "one_name": _l("Give the room's name in Dutch or in French."),
    "integer": _l("Give a whole number."),
    "range": _l("Give a number from 1 to 1000."),
    "choice": _l("Choose one of the options."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "clock": _l("Give a time as HH:MM, for example 14:00."),
    "end_before_start": _l("The end time must come after the start time."),
    "before_start": _l("This date comes before the first day."),
    "too_far": _l("A recurring booking covers at most two years; book the rest later."),
    "no_dates": _l("This schedule gives no day between the first and the last day."),
    "no_service": _l("Choose the service that uses the room."),
    "closed": _l("This prison is not open on that day."),
}
