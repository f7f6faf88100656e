"""What keeps a stranger from filling the platform through its public forms (the study-day
registration, the placement-site application): a limit per client address on what such a form
accepts, counted in the same storage as the login limit, and a honeypot field that people
never see and robots fill in.

A view of such a form is decorated with ``anonymous_form_limit``; people who are logged in
are not limited by it. A view calls ``caught_by_honeypot()`` first and, when it is true,
answers exactly as on success without storing or sending anything.
"""

from __future__ import annotations

import logging

from flask import current_app, request

from core.operations.ratelimits import limiter
from core.permissions import current

log = logging.getLogger("concerto.antispam")

# The honeypot's name: no browser or password manager fills a field called this.
HONEYPOT = "leave_this_empty"


def _anonymous_limit() -> str:
    return current_app.config["CONCERTO"]["anonymous_form_rate_limit"]


def _logged_in() -> bool:
    return current().user_id is not None


def anonymous_form_limit(view):
    """At most ``anonymous_form_rate_limit`` sendings of this form per client address, for
    anyone not logged in; the page itself (GET) is not counted. Beyond it: 429."""
    return limiter.limit(_anonymous_limit, methods=["POST"], exempt_when=_logged_in)(view)


def caught_by_honeypot() -> bool:
    """The hidden field was filled in: a robot. Logged, never told."""
    if request.form.get(HONEYPOT, "").strip():
        log.warning("honeypot filled on %s; nothing stored", request.path)
        return True
    return False
