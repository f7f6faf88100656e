"""The link picker in a form (templates/links/_picker.html).

A form with a picker sends its chosen links as ``<field>`` = "kind:id" values and its
search words as ``<field>_q``. Without JavaScript, the picker's "Search" button submits
the whole form with ``link_search`` = the field: the form's view then shows the form again,
everything typed kept, with the results as checkboxes (``picker_context``); nothing is saved.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.i18n import current_language
from core.links import services as links
from core.permissions import Principal


def searching(form) -> str | None:
    """The picker field whose "Search" button sent the form (without JavaScript), if its
    search box holds words; an empty search box is a save (Enter in another field)."""
    field = form.get("link_search")
    if field and (form.get(f"{field}_q") or "").strip():
        return field
    return None


def picker_context(
    session: Session,
    principal: Principal,
    form,
    field: str,
    stored: list[dict] | None = None,
    kinds=links.KINDS,
) -> dict:
    """What the picker partial shows: the chosen links described (from the form if it was
    sent, else the stored ones), and, after a plain "Search", the results and the words.
    Links the person may not link to are left out of a form sent back, so that saving
    again works; the field's message says why."""
    language = current_language()
    sent = form is not None and (field in form or f"{field}_q" in form)
    if sent:
        chosen = []
        for kind, ident in links.pairs_of(form.getlist(field)):
            record = links.find(session, kind, ident) if kind in kinds else None
            described = links.describe_record(principal, kind, record, language)
            # A link stored before stays even if this person may not read its target.
            kept = described.state == "unreadable" and {"kind": kind, "id": described.id} in (
                stored or []
            )
            if (described.state == "ok" or kept) and described.value not in {
                c.value for c in chosen
            }:
                chosen.append(described)
    else:
        chosen = links.describe(session, principal, stored or [], language)
    query = (form.get(f"{field}_q") or "").strip()[: links.LONGEST_QUERY] if sent else ""
    results = None
    if sent and form.get("link_search") == field and query:
        values = {c.value for c in chosen}
        results = [
            r
            for r in links.search(session, principal, query, language, kinds)
            if r.value not in values
        ]
    return {"field": field, "chosen": chosen, "results": results, "query": query, "kinds": kinds}
