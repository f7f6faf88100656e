"""The meetings feature's error codes and refusals with their messages in the reader's
language, beside its services: the pages (core.meetings.views), the API (core.meetings.api) and
the study day's forms word them from here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.inventory import schedules
from core.links import services as links
from core.validation import MESSAGES

NO_ATTENDEES = _l(
    "Nobody is marked present in the attendance of these minutes. Mark who attended, "
    "then send the draft for remarks."
)
ERRORS = {
    **MESSAGES,
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "one_of": _l("Choose an authority or an outside partner, not both."),
    "duplicate": _l("This value is already used."),
    "type": _l("This value has the wrong form."),
    "integer": _l("Give a whole number."),
    "range": _l("This number is outside the allowed range."),
    "choice": _l("Choose one of the options."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "closed": _l("This prison is not open on the meeting's date."),
    "clock": _l("Give a time as HH:MM, for example 14:00."),
    "code": _l("Use 2 to 64 lower-case letters, digits or underscores."),
    "before_start": _l("This date comes before the start."),
    "too_far": _l("A series covers at most three years; plan the rest later."),
    "months": _l("Give month numbers from 1 to 12."),
    **schedules.MESSAGES,
    "no_dates": _l("This schedule gives no date between the first and the last day."),
    "one_title": _l("Give a title in Dutch or in French."),
    "one_name": _l("Give a name in Dutch or in French."),
    "one_text": _l("Give the text in Dutch or in French."),
    "depth": _l("A sub-item cannot have sub-items of its own."),
    **links.ERRORS,
    "too_large": _l("This file is larger than the limit."),
    "file_type": _l(
        "This type of file is not accepted. Accepted: PDF, ODF, Office, text, CSV, PNG, JPEG."
    ),
    "file_content": _l("The file's content does not match its type."),
    "not_future": _l("Give a day after today, so that those present have time to read."),
    "round_too_far": _l("Give a day within a year from today."),
    "reason_required": _l("Say in a few words why the remark is not taken in."),
    "no_attendees": NO_ATTENDEES,
    "remark_changed": _l(
        "The author changed this remark after you opened the page. Read it again, then mark it."
    ),
}
REFUSALS = {
    "cancelled": _l("This meeting is cancelled."),
    "minutes_approved": _l(
        "The minutes of this meeting are approved and can no longer change. "
        "To change them, propose a correction with its reason; the next meeting approves it."
    ),
    "already_held": _l("This meeting has already been held."),
    "not_started": _l("This meeting has not started yet."),
    "minutes_exist": _l("Minutes for this meeting already exist."),
    "has_decisions": _l("This item has decisions in the minutes and cannot be removed."),
    "not_next_meeting": _l("Minutes are approved at a later meeting of the same body."),
    "approving_not_started": _l(
        "Minutes are approved on the day of the approving meeting, not before."
    ),
    "not_approved": _l("Only approved minutes can be corrected."),
    "correction_pending": _l("A correction of these minutes is already waiting for approval."),
    "past": _l("This meeting is over; replies are closed."),
    "has_remarks": _l("This item has remarks on the draft minutes and cannot be removed."),
    "remarks_unhandled": _l(
        "Some remarks of those present are not dealt with yet. Mark each one as taken in or "
        "not taken in (with a word why) in the draft minutes, then approve them."
    ),
    "remarks_frozen": _l("These minutes are approved: their remarks can no longer change."),
    "not_sent": _l("These draft minutes have not been sent for remarks."),
    "remarks_closed": _l(
        "The closing day for remarks on these minutes has passed: nothing was saved. "
        "Tell the secretariat if your remark still matters."
    ),
    "no_attendees": NO_ATTENDEES,
    "not_attendee": _l("Only those present at the meeting leave remarks on its minutes."),
    "not_author": _l("Only its author may change or withdraw a remark."),
    "remark_exists": _l("You already left a remark on this item: change that one instead."),
}
STALE = _l(
    "Someone else saved this in the meantime. Nothing was overwritten: "
    "the page now shows their version; make your change again."
)
# Both in one table, as core.web words an Invalid's fields and a refusal from one mapping (the
# one code in both, "no_attendees", says the same in each).
MESSAGES = {**ERRORS, **REFUSALS}
