"""Checks and messages that several features' forms share: e-mail addresses, web
addresses, text length. Each feature adds its own codes beside these."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\.\S+$")

# C0 and C1 control characters and DEL, and the Unicode line and paragraph separators: none
# belongs in a name, a title or an address, where a line break would split a mail header or
# a calendar line. Multi-line texts keep their line feeds and tabs.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_RUN = re.compile(
    "\\s*[\x00-\x1f\x7f-\x9f\u2028\u2029][\\s\x00-\x1f\x7f-\x9f\u2028\u2029]*"
)

MESSAGES = {
    "url": _l("Give a web address starting with http:// or https://."),
    "email": _l("Give an e-mail address such as name@example.be."),
    "length": _l("This text is too long."),
    "one_line": _l(
        "Write this on one line, without line breaks, tabs or invisible control characters."
    ),
    "control": _l("Remove the invisible control characters from this text."),
    "date_range": _l("Give a date between 2000 and 2100."),
}

# Dates the platform's records can have (meetings, memberships, study days, due dates): far
# outside, a date is a typing error, and at year 1 or 9999 a time-zone shift leaves the
# calendar Python can count in.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def normalise_email(value: Any) -> str:
    """One spelling per address: surrounding blanks trimmed, the domain in lower case and
    without the trailing dot DNS allows, so that ``x@Y.example.`` is ``x@y.example``."""
    address = str(value or "").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"{local}@{domain.lower().rstrip('.')}"


def one_line(value: str) -> str:
    """``value`` with every run of control characters turned into one space: for text that
    must stay on one line whatever was stored (a mail subject, a header)."""
    return _CONTROL_RUN.sub(" ", value)


# What XML 1.0, and so an XLSX or ODS file, cannot hold at all (openpyxl's
# ILLEGAL_CHARACTERS_RE, with lone surrogates and the two non-characters).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(value: Any) -> Any:
    """``value`` with what XML cannot hold removed, for every document writer: text stored
    before the forms refused control characters must not make an export fail."""
    return XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


def printable_row(values: Any) -> list:
    """A spreadsheet row, each text made ``printable``."""
    return [printable(value) for value in values]


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """The error code for control characters in ``value``, or None: a single-line text takes
    none ("one_line"); a multi-line text takes line feeds and tabs only ("control")."""
    if multiline:
        return "control" if CONTROL_IN_LINES.search(normalise_lines(value)) else None
    return "one_line" if CONTROL.search(value) else None


def normalise_lines(value: str) -> str:
    """Line ends as line feeds: browsers send a text area's lines with CR LF, and text pasted
    from some documents carries Unicode line separators."""
    return re.sub("\r\n?|[\u2028\u2029]", "\n", value)


def clean_text(value: Any, *, limit: int, multiline: bool = False) -> tuple[str | None, str | None]:
    """A text field's value, stripped, None when empty, and the problem's code or None:
    "type" for what is not text, "one_line" or "control" for control characters (see
    ``text_problem``), "length" beyond ``limit`` characters."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "type"
    value = normalise_lines(value).strip() if multiline else value.strip()
    problem = text_problem(value, multiline=multiline)
    if problem:
        return None, problem
    if len(value) > limit:
        return None, "length"
    return value or None, None


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


def check_version(record: Any, expected: str | int | None) -> None:
    """``Stale`` unless ``expected`` is the record's version (None: not asked). Compared as
    text: a version that is no whole number ("1,5", "1e400") was never read from us, so it is
    as stale as an old one, not a reason to fail."""
    if expected is not None and str(expected).strip() != str(record.version):
        raise Stale(record.version)


def date_field(
    values: dict[str, Any], key: str, errors: dict[str, str], *, required: bool = False
) -> date | None:
    """An ISO date (YYYY-MM-DD) from 2000 to 2100, from a form or JSON; the problem goes into
    ``errors``."""
    value = values.get(key)
    if not isinstance(value, date):
        if not value:
            if required:
                errors[key] = "required"
            return None
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors[key] = "date"
            return None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        errors[key] = "date_range"
        return None
    return value


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
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        errors[key] = "integer"
        return None
    if isinstance(value, bool) or not low <= number <= high:
        errors[key] = "range"
        return None
    return number
