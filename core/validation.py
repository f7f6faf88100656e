"""Checks and messages that several features' forms share: e-mail addresses, web
addresses, text length. Each feature adds its own codes beside these."""

from __future__ import annotations

import re

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
