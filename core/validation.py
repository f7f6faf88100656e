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
