"""``GET /api/v1/me/work``: the My work page for a script or another tool. The same sections
as the page (core/work/services.py), each with its heading in the caller's language, its
count and its records with their address and facts; dates in ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import HTTPException

from core.api.problems import DETAILS, http_problem, problem
from core.db import db_session
from core.permissions import current
from core.security import csrf
from core.work import services
from core.work.addresses import address, title
from core.work.entries import Entry, Section
from core.work.words import GROUP_LABELS, SECTION_LABELS

blueprint = Blueprint("work_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)

# Facts that are records themselves: the API gives what identifies them instead.
_RECORD_FACTS = {"meeting", "approving", "day", "report"}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _id(entry: Entry) -> int | str:
    """A record's id; what has no row of its own is named: a plugin, a job, a report."""
    if entry.kind == "plugin":
        return entry.record.name
    if entry.kind == "job":
        return entry.record
    if entry.kind == "report":
        return "/".join(entry.record)
    return entry.record.id


def entry_body(entry: Entry) -> dict[str, Any]:
    record = entry.record
    name = title(entry)
    body: dict[str, Any] = {
        "kind": entry.kind,
        "id": _id(entry),
        "title": name.text,
        "title_language": name.lang,
        "url": address(entry),
    }
    for key, value in entry.facts.items():
        if key not in _RECORD_FACTS:
            body[key] = _plain(value)
    facts = entry.facts
    if "meeting" in facts:
        body["meeting_id"] = facts["meeting"].id
    if "approving" in facts:
        body["approving_meeting_id"] = facts["approving"].id
    if "day" in facts:
        body["study_day"] = facts["day"].year
    if "report" in facts:
        body["report"] = entry.record[1]
    if entry.kind in ("service", "need", "action_item", "plan_action", "registration"):
        body["authority"] = getattr(record, "authority_code", None)
    return body


def section_body(section: Section) -> dict[str, Any]:
    heading, empty = SECTION_LABELS[(section.group, section.key)]
    return {
        "group": section.group,
        "group_title": str(GROUP_LABELS[section.group]),
        "key": section.key,
        "title": str(heading),
        "empty_text": str(empty),
        "count": section.count,
        "items": [entry_body(entry) for entry in section.entries],
    }


@blueprint.get("/me/work")
def my_work():
    principal = current()
    if principal.user_id is None:
        return problem(401, DETAILS[401]())
    work = services.work_of(db_session(), principal, current_app.extensions["concerto.registry"])
    return jsonify(
        {
            "authority": principal.authority,
            "roles": sorted(principal.roles),
            "platform_roles": sorted(principal.platform_roles),
            "sections": [section_body(section) for section in work.sections],
        }
    )
