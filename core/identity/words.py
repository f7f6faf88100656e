"""The roles of people in words, for the account page, the administration and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "coordinator": _l("coordinator"),
    "member": _l("committee member"),
    "viewer": _l("viewer"),
    "secretary": _l("committee secretary"),
    "administrator": _l("administrator"),
}
