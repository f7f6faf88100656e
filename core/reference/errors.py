"""What an authority's profile refuses, in the reader's language, by error code: for the
profile's page and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.validation import MESSAGES

PROFILE_ERRORS = {
    **MESSAGES,
    "type": _l("This value must be text."),
    "unknown": _l("This field does not exist."),
}
