"""The audit log in words: what happened, through which channel, to which kind of record.

The log stores codes (``create``, ``api``, a table's name) so that exports and scripts can
rely on them; a person reads these labels instead.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.db import Base
from core.i18n import localized

ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted")}
CHANNELS = {
    "page": _l("page"),
    "api": _l("API"),
    "cli": _l("command line"),
    "job": _l("scheduled job"),
}
RECORD_KINDS = {
    "action_items": _l("Action item"),
    "agenda_attachments": _l("Agenda attachment"),
    "agenda_items": _l("Agenda item"),
    "annual_plan_items": _l("Annual plan item"),
    "annual_plans": _l("Annual plan"),
    "api_tokens": _l("API token"),
    "attendance": _l("Attendance"),
    "authorities": _l("Authority"),
    "bodies": _l("Body"),
    "decisions": _l("Decision"),
    "evaluations": _l("Evaluation"),
    "feed_tokens": _l("Private feed address"),
    "goals": _l("Goal"),
    "identities": _l("Identity"),
    "indicator_values": _l("Indicator value"),
    "indicators": _l("Indicator"),
    "inventory_snapshots": _l("Inventory snapshot"),
    "invitations": _l("Invitation"),
    "meeting_series": _l("Meeting series"),
    "meetings": _l("Meeting"),
    "memberships": _l("Membership"),
    "minute_texts": _l("Minutes text"),
    "minutes": _l("Minutes"),
    "needs": _l("Need"),
    "organizations": _l("Organisation"),
    "plan_actions": _l("Plan action"),
    "plans": _l("Plan"),
    "platform_roles": _l("Platform role"),
    "registrations": _l("Registration"),
    "service_locations": _l("Place of a service"),
    "services": _l("Service"),
    "study_days": _l("Study day"),
    "users": _l("Person"),
    "workshop_choices": _l("Workshop choice"),
    "workshop_reports": _l("Workshop report"),
    "workshops": _l("Workshop"),
}


def record_kinds(registry) -> dict[str, str]:
    """The core's kinds, a plugin's figure tables by their labels, and a plugin's own audited
    tables by the ``label`` in their ``info``, in the reader's language."""
    kinds = {table: str(label) for table, label in RECORD_KINDS.items()}
    for authority in registry.authorities.values():
        for figures in authority.figure_tables:
            kinds[figures.table.name] = str(localized(figures.labels))
    for name, table in Base.metadata.tables.items():
        if isinstance(table.info.get("label"), dict):
            kinds[name] = str(localized(table.info["label"]))
    return kinds
