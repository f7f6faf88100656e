"""Meetings in /api/v1: bodies, meetings with their agenda, minutes with attendance and
decisions, and the register of actions. The same functions and rules as the pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.api.problems import invalid_fields, problem
from core.api.views import http_problem
from core.db import db_session, utcnow
from core.meetings import services as meetings
from core.meetings.models import ActionItem, Body, Decision, Meeting, Minutes
from core.meetings.views import ERRORS, REFUSALS
from core.permissions import current, require
from core.security import csrf

blueprint = Blueprint("meetings_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


def _invalid(invalid: meetings.Invalid):
    return invalid_fields(invalid.errors, ERRORS)


def _refused(refusal: meetings.Refused):
    return problem(409, str(REFUSALS.get(refusal.code, refusal.code)), code=refusal.code)


def _get(model, ident: int):
    found = db_session().get(model, ident)
    if found is None:
        return None
    return found


def _not_found():
    return problem(404, _("Not found."))


def body_of_body(body: Body) -> dict:
    return {
        "id": body.id,
        "code": body.code,
        "kind": body.kind,
        "name": body.texts("name"),
        "public_calendar": body.public_calendar,
    }


def body_of_meeting(meeting: Meeting, with_agenda: bool = False) -> dict:
    found = {
        "id": meeting.id,
        "body": meeting.body.code,
        "uid": meeting.uid,
        "title": meeting.texts("title"),
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "place_kind": meeting.place_kind,
        "prison": meeting.prison_code,
        "place_text": meeting.place_text,
        "with_prison_directors": meeting.with_prison_directors,
        "state": meeting.state,
        "cancelled": meeting.cancelled,
        "version": meeting.version,
    }
    if with_agenda:
        found["agenda"] = [
            {
                "id": item.id,
                "number": number,
                "parent_id": item.parent_id,
                "title": item.texts("title"),
                "purpose": item.purpose,
                "duration_minutes": item.duration_minutes,
                "presenter": item.presenter,
                "links": item.links,
                "attachments": [
                    {
                        "id": a.id,
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                    }
                    for a in item.attachments
                ],
            }
            for number, item, _depth in meetings.agenda(meeting)
        ]
    return found


def body_of_decision(decision: Decision) -> dict:
    return {
        "id": decision.id,
        "number": decision.number,
        "item_id": decision.item_id,
        "text": decision.texts("text"),
        "goal_id": decision.goal_id,
        "links": decision.links or [],
    }


def body_of_minutes(minutes: Minutes) -> dict:
    return {
        "id": minutes.id,
        "meeting_id": minutes.meeting_id,
        "revision": minutes.revision,
        "state": minutes.state,
        "version": minutes.version,
        "correction_reason": minutes.correction_reason,
        "approved_at": minutes.approved_at.isoformat() if minutes.approved_at else None,
        "approved_in_meeting_id": minutes.approved_in_meeting_id,
        "texts": [{"item_id": t.item_id, "nl": t.text_nl, "fr": t.text_fr} for t in minutes.texts],
        "attendance": [
            {"name": a.name, "authority": a.authority_code, "presence": a.presence}
            for a in minutes.attendance
        ],
        "decisions": [body_of_decision(d) for d in minutes.decisions],
    }


def body_of_action(action: ActionItem, today) -> dict:
    return {
        "id": action.id,
        "meeting_id": action.meeting_id,
        "item_id": action.item_id,
        "title": action.texts("title"),
        "owner": action.owner_name,
        "authority": action.authority_code,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "overdue": action.overdue(today),
        "goal_id": action.goal_id,
        "note": action.note,
        "version": action.version,
    }


@blueprint.get("/bodies")
def list_bodies():
    require("meetings.read")
    bodies = db_session().scalars(select(Body).order_by(Body.id)).all()
    return jsonify({"items": [body_of_body(b) for b in bodies]})


@blueprint.get("/meetings")
def list_meetings():
    require("meetings.read")
    query = select(Meeting).options(selectinload(Meeting.body)).order_by(Meeting.starts_at)
    body_code = request.args.get("body")
    if body_code:
        query = query.join(Body).where(Body.code == body_code[:64])
    year = request.args.get("year", type=int)
    if year is not None:
        if not 2000 <= year <= 2100:
            return problem(422, _("Give a year between 2000 and 2100."))
        query = query.where(
            Meeting.starts_at >= meetings.local_time(date(year, 1, 1), "00:00"),
            Meeting.starts_at < meetings.local_time(date(year + 1, 1, 1), "00:00"),
        )
    return jsonify({"items": [body_of_meeting(m) for m in db_session().scalars(query)]})


@blueprint.post("/meetings")
def create_meeting():
    require("meetings.manage")
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    session = db_session()
    body = session.scalar(select(Body).where(Body.code == str(values.get("body", ""))[:64]))
    if body is None:
        return _invalid(meetings.Invalid({"body": "unknown"}))
    try:
        meeting, clashes = meetings.create_meeting(session, body, values)
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    answer = body_of_meeting(meeting, with_agenda=True)
    answer["overlaps"] = [m.id for m in clashes]
    return jsonify(answer), 201


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>")
def get_meeting(meeting_id: int):
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    return jsonify(body_of_meeting(meeting, with_agenda=True))


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/agenda")
def add_agenda_item(meeting_id: int):
    require("meetings.manage")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    session = db_session()
    try:
        item = meetings.add_item(session, meeting, values, current())
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except meetings.Refused as refusal:
        session.rollback()
        return _refused(refusal)
    return jsonify({"id": item.id, **body_of_meeting(meeting, with_agenda=True)}), 201


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>/minutes")
def get_minutes(meeting_id: int):
    """The approved minutes; the secretariat also sees a draft, marked as such."""
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    session = db_session()
    from core.permissions import can

    if can(current(), "meetings.manage"):
        minutes = meetings.latest_minutes(session, meeting)
    else:
        minutes = meetings.approved_minutes(session, meeting)
    if minutes is None:
        return _not_found()
    return jsonify(body_of_minutes(minutes))


@blueprint.get("/decisions")
def list_decisions():
    """Decisions of approved minutes (the latest approved revision of each meeting)."""
    require("meetings.read")
    session = db_session()
    approved = session.scalars(
        select(Minutes)
        .where(Minutes.state == "approved")
        .options(selectinload(Minutes.decisions))
        .order_by(Minutes.meeting_id, Minutes.revision)
    ).all()
    latest = {m.meeting_id: m for m in approved}
    return jsonify(
        {
            "items": [
                {"meeting_id": meeting_id, **body_of_decision(d)}
                for meeting_id, minutes in sorted(latest.items())
                for d in minutes.decisions
            ]
        }
    )


@blueprint.get("/actions")
def list_actions():
    require("meetings.read")
    today = meetings.in_brussels(utcnow()).date()
    filters = meetings.ActionFilters(
        authority=request.args.get("authority") or None,
        status=(request.args.get("status") or "open")[:16],
        owner=request.args.get("owner") or None,
    )
    found = meetings.find_actions(db_session(), filters, today)
    return jsonify({"items": [body_of_action(a, today) for a in found]})


@blueprint.patch("/actions/<int(max=2147483647):action_id>")
def patch_action(action_id: int):
    action = _get(ActionItem, action_id)
    if action is None:
        require("meetings.read")
        return _not_found()
    require("actions.update", action)
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    expected = request.headers.get("If-Match", "").strip('W/"') or None
    if expected is None:
        return problem(428, _("Send If-Match with the version you read (the ETag)."))
    if not expected.isdecimal():
        return problem(412, _("This record was changed since you read it."))
    session = db_session()
    try:
        meetings.update_action(
            session,
            action,
            {k: values[k] for k in ("status", "due_on", "note") if k in values},
            int(expected),
        )
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except (meetings.Stale, StaleDataError):
        session.rollback()
        return problem(412, _("This record was changed since you read it."))
    today = meetings.in_brussels(utcnow()).date()
    response = jsonify(body_of_action(action, today))
    response.headers["ETag"] = f'"{action.version}"'
    return response


@blueprint.get("/actions/<int(max=2147483647):action_id>")
def get_action(action_id: int):
    require("meetings.read")
    action = _get(ActionItem, action_id)
    if action is None:
        return _not_found()
    response = jsonify(body_of_action(action, meetings.in_brussels(utcnow()).date()))
    response.headers["ETag"] = f'"{action.version}"'
    return response
