"""Small checks the meetings' services share: texts, choices, flags, versions; and the
constants of the feature."""

from __future__ import annotations

import hashlib
import re

from core.validation import clean_text

LANGUAGES = ("nl", "fr", "en")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CODE = re.compile(r"^[a-z0-9_]{2,64}$")
LONGEST_SERIES_DAYS = 3 * 366
LONGEST_MEETING_MINUTES = 12 * 60
MAX_AGENDA_DEPTH = 2  # items and sub-items


# --- small checks ------------------------------------------------------------------------------


def _text(values, key, errors, *, required=False, limit=5000, multiline=False) -> str | None:
    value, problem = clean_text(values.get(key), limit=limit, multiline=multiline)
    if problem:
        errors[key] = problem
    elif value is None and required:
        errors[key] = "required"
    return value


def _choice(values, key, errors, options, *, required=True, default=None) -> str | None:
    value = values.get(key) or default
    if value is None:
        if required:
            errors[key] = "required"
        return None
    if value not in options:
        errors[key] = "choice"
        return None
    return value


def _flag(values, key) -> bool:
    return values.get(key) in (True, "1", "on", "true", "yes")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
