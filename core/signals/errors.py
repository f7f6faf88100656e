"""What the register of signals refuses, by code, in the reader's language: for its pages
and its API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.links.services import ERRORS as LINK_ERRORS
from core.validation import MESSAGES

ERRORS = {
    **MESSAGES,
    **LINK_ERRORS,
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "type": _l("This value has the wrong type."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "title_required": _l("Give a title in Dutch or in French."),
    "answer_required": _l("An answered signal needs the answer received."),
    "answered_on_required": _l("Give the date the answer was received."),
    "sent_on_required": _l("Give the date the signal was sent."),
    "before_sent": _l("The answer cannot come before the signal was sent."),
    "no_summary": _l("Write a public summary in Dutch or in French before publishing."),
    "summary_published": _l(
        "This summary is public; only the secretariat changes it (or withdraws it first)."
    ),
}
