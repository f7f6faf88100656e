"""What the register of partners refuses, by code, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.validation import MESSAGES

ERRORS = {
    **MESSAGES,
    "required": _l("This field is required."),
    "one_name": _l("Give the partner's name in Dutch or in French."),
    "choice": _l("Choose one of the options."),
    "duplicate": _l("A partner with this name is already in the register."),
}
