"""What the notification settings refuse, by code, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ERRORS = {
    "unknown": _l("This kind of message is not known."),
    "choice": _l("Choose one of the options."),
}
