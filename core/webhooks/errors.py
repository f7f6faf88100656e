"""What the webhook forms refuse, why an attempt failed and a delivery's state, in the
reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ERRORS = {
    "url_required": _l("Give the address the messages go to."),
    "url_invalid": _l("Give a whole web address, such as https://example.be/concerto/hooks."),
    "url_scheme": _l("The address must start with https:// (an encrypted connection)."),
    "url_scheme_http": _l("The address must start with https:// or http://."),
    "url_credentials": _l(
        "Leave the name and password out of the address: the signature proves the messages "
        "come from the platform."
    ),
    "url_private": _l(
        "This address is in a private or local network, which the platform may not reach."
    ),
    "length": _l("This text is too long."),
    "one_line": _l(
        "Write this on one line, without line breaks, tabs or invisible control characters."
    ),
    "kinds_required": _l("Choose at least one kind of change."),
    "kinds_unknown": _l("One of the chosen kinds of change is not offered here."),
    "kinds_no_authority": _l(
        "Meetings, decisions and goals of the plan belong to no authority: choose every "
        "authority above, or also changes of services, needs or actions."
    ),
    "authority": _l("Choose one of the authorities offered."),
}
# Why an attempt failed, by the code its error starts with (core.webhooks.transport).
REASONS = {
    "status": _l("The receiver answered with an error."),
    "timeout": _l("The receiver did not answer in time."),
    "connect": _l("The receiver could not be reached."),
    "resolve": _l("The name in the address could not be found."),
    "address": _l("The address leads to a private or local network, which is not allowed."),
    "tls": _l("The receiver's certificate could not be trusted."),
    "scheme": _l("The address's kind (http or https) is not allowed."),
}
STATES = {
    "pending": _l("waiting"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
}


def reason(error: str | None) -> str | None:
    if not error:
        return None
    code = error.partition(":")[0]
    return str(REASONS[code]) if code in REASONS else None
