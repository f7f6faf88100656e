"""The kinds of change an endpoint may ask for, in words: what the form offers, what an
endpoint's page lists, and where a message links to."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from core.events import changes

RECORDS = {
    "service": _l("Services"),
    "need": _l("Needs"),
    "action_item": _l("Action items"),
    "plan_action": _l("Actions of the strategic plan"),
    "meeting": _l("Meetings"),
    "decision": _l("Decisions"),
    "goal": _l("Goals of the strategic plan"),
}
# Nouns, not participles: "Services: addition, change" reads in French and Dutch whatever the
# record's gender or number.
WHATS = {
    "created": _l("addition"),
    "changed": _l("change"),
    "published": _l("publication (also again after a withdrawal)"),
    "withdrawn": _l("withdrawal from the published inventory"),
    "approved": _l("approval with the minutes"),
    "deleted": _l("deletion"),
}
# What changes of each record the log holds (core.events.changes writes them), in the order
# the form offers them: an authority's own records first.
CHANGES = {
    record: changes.WHATS.get(record, ("created", "changed", "deleted"))
    for record in sorted(changes.RECORD_KINDS, key=list(RECORDS).index)
}
KINDS = [f"{record}.{what}" for record, whats in CHANGES.items() for what in whats]
# Records that belong to one authority: the only ones an authority's webhook can hear of.
OF_AN_AUTHORITY = ("service", "need", "action_item", "plan_action")
# Where a person reads each record, for the link in a message.
PAGES = {
    "service": "/services/{}",
    "need": "/needs/{}",
    "action_item": "/actions/{}",
    "plan_action": "/plan-actions/{}",
    "meeting": "/meetings/{}",
    "goal": "/goals/{}",
}


def kind_choices(authority_code: str | None) -> list[tuple[str, object, list[tuple[str, object]]]]:
    """The kinds offered on the form, grouped by record: (record, label, [(kind, label)]).
    A webhook of one authority is offered only the records that belong to an authority."""
    records = OF_AN_AUTHORITY if authority_code else tuple(CHANGES)
    return [
        (record, RECORDS[record], [(f"{record}.{what}", WHATS[what]) for what in CHANGES[record]])
        for record in records
    ]


def kinds_in_words(kinds: list[str]) -> list[tuple[object, list[object]]]:
    """The chosen kinds as a person reads them: per record, what happens to it."""
    grouped = []
    for record, whats in CHANGES.items():
        chosen = [WHATS[what] for what in whats if f"{record}.{what}" in kinds]
        if chosen:
            grouped.append((RECORDS[record], chosen))
    return grouped


def kind_label(kind: str) -> str:
    """ "Services: changed", with the colon as the reader's language writes it."""
    record, _, what = kind.partition(".")
    if record in RECORDS and what in WHATS:
        return gettext("%(label)s: %(message)s", label=RECORDS[record], message=WHATS[what])
    return kind
