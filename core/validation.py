"""Checks and messages that several features' forms share: e-mail addresses, web
addresses, text length. Each feature adds its own codes beside these."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\.\S+$")

MESSAGES = {
    "url": _l("Give a web address starting with http:// or https://."),
    "email": _l("Give an e-mail address such as name@example.be."),
    "length": _l("This text is too long."),
}


class Invalid(ValueError):
    """Values that cannot be stored: ``errors`` maps a field (or "row N: column") to an error
    code; the pages and the API turn codes into messages in the reader's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        self.errors = errors


class Refused(Exception):
    """A step the record's state does not allow; ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Stale(Exception):
    """Someone else saved the record since it was read: nothing was overwritten."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the record is at version {current_version}")
        self.current_version = current_version


def date_field(
    values: dict[str, Any], key: str, errors: dict[str, str], *, required: bool = False
) -> date | None:
    """An ISO date (YYYY-MM-DD) from a form or JSON; the problem goes into ``errors``."""
    value = values.get(key)
    if isinstance(value, date):
        return value
    if not value:
        if required:
            errors[key] = "required"
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[key] = "date"
        return None


def whole_field(
    values: dict[str, Any],
    key: str,
    errors: dict[str, str],
    low: int,
    high: int,
    *,
    required: bool = False,
) -> int | None:
    """A whole number between ``low`` and ``high``; the problem goes into ``errors``."""
    value = values.get(key)
    if value in (None, ""):
        if required:
            errors[key] = "required"
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = "integer"
        return None
    if isinstance(value, bool) or not low <= number <= high:
        errors[key] = "range"
        return None
    return number
