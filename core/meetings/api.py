"""Meetings in /api/v1: bodies, meetings with their agenda, minutes with attendance and
decisions, and the register of actions. The same functions and rules as the pages."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from core.api.problems import http_problem, problem
from core.clock import in_brussels, today, utcnow
from core.db import db_session
from core.identity.models import User
from core.meetings import services as meetings
from core.meetings.errors import MESSAGES
from core.meetings.models import ActionItem, Body, Meeting, Minutes, Remark
from core.meetings.representations import (
    body_of_action,
    body_of_body,
    body_of_decision,
    body_of_meeting,
    body_of_minutes,
    body_of_remark,
    body_of_remarks,
    body_of_round,
)
from core.permissions import can, current, require
from core.security import csrf
from core.web import api_write, etag, expected_version, json_object

blueprint = Blueprint("meetings_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


# Refusals that are about the person, not the record's state: 403, not 409.
NOT_YOURS = ("not_attendee", "not_author")


def _get(model, ident: int):
    found = db_session().get(model, ident)
    if found is None:
        return None
    return found


def _not_found():
    return problem(404, _("Not found."))


@blueprint.get("/bodies")
def list_bodies():
    require("meetings.read")
    bodies = db_session().scalars(select(Body).order_by(Body.id)).all()
    return jsonify({"items": [body_of_body(b) for b in bodies]})


@blueprint.get("/meetings")
def list_meetings():
    require("meetings.read")
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        return problem(422, _("Give a year between 2000 and 2100."))
    query = meetings.listed_meetings(body_code=request.args.get("body") or None, year=year)
    return jsonify({"items": [body_of_meeting(m) for m in db_session().scalars(query)]})


@blueprint.post("/meetings")
@api_write(messages=MESSAGES)
def create_meeting():
    require("meetings.read")
    principal = current()
    # Who keeps no body at all may plan nothing, whatever they send.
    if not (
        can(principal, "meetings.manage")
        or can(principal, "meetings.manage", principal.authority or "")
    ):
        require("meetings.manage")
    values = json_object()
    session = db_session()
    body = session.scalar(select(Body).where(Body.code == str(values.get("body", ""))[:64]))
    if body is None:
        raise meetings.Invalid({"body": "unknown"})
    require("meetings.manage", body)
    meeting, clashes = meetings.create_meeting(session, body, values)
    session.commit()
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
@api_write(messages=MESSAGES)
def add_agenda_item(meeting_id: int):
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    require("meetings.manage", meeting)
    values = json_object()
    session = db_session()
    item = meetings.add_item(session, meeting, values, current())
    session.commit()
    return jsonify({"id": item.id, **body_of_meeting(meeting, with_agenda=True)}), 201


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>/minutes")
def get_minutes(meeting_id: int):
    """The approved minutes; the secretariat also sees a draft, marked as such."""
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    session = db_session()
    may_manage = can(current(), "meetings.manage", meeting)
    minutes = meetings.minutes_for(session, meeting, may_manage=may_manage, latest_first=True)
    if minutes is None:
        return _not_found()
    response = jsonify(body_of_minutes(minutes))
    response.headers["ETag"] = f'"{minutes.version}"'
    return response


# --- the round of remarks on draft minutes ---------------------------------------------------


def _attendee(minutes: Minutes):
    principal = current()
    user = db_session().get(User, principal.user_id) if principal.user_id else None
    return meetings.attendance_of_user(
        minutes, principal.user_id, user.email if user else None, principal.authority
    )


def _readable(minutes: Minutes):
    """The caller's attendance row, or the problem to answer when they may not read the
    minutes' remarks (a draft is for the secretariat and, once sent, those present)."""
    attendee = _attendee(minutes)
    if not meetings.may_read_remarks(minutes, attendee, can(current(), "meetings.manage", minutes)):
        return attendee, problem(403, str(MESSAGES["not_attendee"]), code="not_attendee")
    return attendee, None


def _remark_answer(remark: Remark, attendee, status: int = 200):
    response = jsonify(body_of_remark(remark, attendee))
    response.status_code = status
    response.headers["ETag"] = f'"{remark.version}"'
    return response


@blueprint.get("/minutes/<int(max=2147483647):minutes_id>/remarks")
def list_remarks(minutes_id: int):
    """The remarks of one revision, with its round and the earlier revisions' remarks."""
    require("meetings.read")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    attendee, refused = _readable(minutes)
    if refused is not None:
        return refused
    response = jsonify(body_of_remarks(db_session(), minutes, attendee))
    response.headers["ETag"] = f'"{minutes.version}"'
    return response


@blueprint.get("/minutes")
def list_rounds():
    """The draft minutes out for remarks that the caller may read, oldest meeting first: for
    the secretariat every one, for others those they were present for (where their remarks
    are asked)."""
    require("meetings.read")
    principal = current()
    drafts = meetings.drafts_for_remarks(db_session())
    return jsonify(
        {
            "items": [
                {"meeting_id": minutes.meeting_id, "revision": minutes.revision}
                | body_of_round(minutes)
                for minutes in drafts
                if can(principal, "meetings.manage", minutes) or _attendee(minutes) is not None
            ]
        }
    )


@blueprint.get("/minutes/<int(max=2147483647):minutes_id>/round")
def get_round(minutes_id: int):
    """Whether and until when a revision is out for remarks, with the minutes' version as
    ETag (what sending it again needs)."""
    require("meetings.read")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    _attendee_row, refused = _readable(minutes)
    if refused is not None:
        return refused
    response = jsonify(body_of_round(minutes))
    response.headers["ETag"] = f'"{minutes.version}"'
    return response


def _current_round(minutes_id: int) -> dict | None:
    minutes = db_session().get(Minutes, minutes_id)
    return body_of_round(minutes) if minutes is not None else None


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/round")
@api_write(messages=MESSAGES, current=_current_round, about_the_person=NOT_YOURS)
def send_for_remarks(minutes_id: int):
    """Send a draft to those present for remarks until a day (or move that day)."""
    require("meetings.read")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    require("meetings.manage", minutes)
    values = json_object()
    expected = expected_version()
    session = db_session()
    meetings.send_for_remarks(session, minutes, values, current(), expected)
    session.commit()
    response = jsonify(body_of_round(minutes))
    response.headers["ETag"] = etag(minutes)
    return response


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/remarks")
@api_write(messages=MESSAGES, about_the_person=NOT_YOURS)
def add_remark(minutes_id: int):
    """A remark of someone present, on an agenda item or (no item) the minutes as a whole."""
    require("minutes.remark")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    values = json_object()
    session = db_session()
    attendee = _attendee(minutes)
    remark = meetings.add_remark(session, minutes, attendee, values, current())
    session.commit()
    return _remark_answer(remark, attendee, 201)


def _remark(remark_id: int):
    """The remark and the caller's attendance row, or the problem to answer."""
    remark = _get(Remark, remark_id)
    if remark is None:
        return None, None, _not_found()
    attendee, refused = _readable(remark.minutes)
    return remark, attendee, refused


@blueprint.get("/remarks/<int(max=2147483647):remark_id>")
def get_remark(remark_id: int):
    require("meetings.read")
    remark, attendee, refused = _remark(remark_id)
    if refused is not None:
        return refused
    return _remark_answer(remark, attendee)


def _current_remark(remark_id: int) -> dict | None:
    remark = db_session().get(Remark, remark_id)
    return body_of_remark(remark, _attendee(remark.minutes)) if remark is not None else None


def _change(remark_id: int, step, answer):
    """A write on one remark with If-Match: the step, committed, and its answer; or the
    problem (403 not theirs, 409 closed or approved, 412 stale, 422 invalid, 428), which
    the routes' ``api_write`` answers."""
    require("meetings.read")
    remark, attendee, refused = _remark(remark_id)
    if refused is not None:
        return refused
    expected = expected_version()
    session = db_session()
    step(session, remark, attendee, expected)
    session.commit()
    return answer(remark, attendee)


@blueprint.patch("/remarks/<int(max=2147483647):remark_id>")
@api_write(messages=MESSAGES, current=_current_remark, about_the_person=NOT_YOURS)
def change_remark(remark_id: int):
    """Its author changes a remark's text or language until the closing day."""
    require("meetings.read")
    values = json_object()
    return _change(
        remark_id,
        lambda session, remark, attendee, expected: meetings.change_remark(
            session, remark, attendee, values, expected
        ),
        _remark_answer,
    )


@blueprint.delete("/remarks/<int(max=2147483647):remark_id>")
@api_write(messages=MESSAGES, current=_current_remark, about_the_person=NOT_YOURS)
def withdraw_remark(remark_id: int):
    """Its author withdraws a remark until the closing day."""
    return _change(
        remark_id,
        lambda session, remark, attendee, expected: meetings.withdraw_remark(
            session, remark, attendee, expected
        ),
        lambda _remark, _attendee: ("", 204),
    )


@blueprint.put("/remarks/<int(max=2147483647):remark_id>/handling")
@api_write(messages=MESSAGES, current=_current_remark, about_the_person=NOT_YOURS)
def handle_remark(remark_id: int):
    """The secretariat marks a remark taken in, or not taken in with the reason; null puts it
    back among those waiting."""
    require("meetings.read")
    remark = _get(Remark, remark_id)
    if remark is None:
        return _not_found()
    require("meetings.manage", remark)
    values = json_object()
    return _change(
        remark_id,
        lambda session, remark, _attendee, expected: meetings.handle_remark(
            session, remark, values, current(), expected
        ),
        _remark_answer,
    )


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
    today = in_brussels(utcnow()).date()
    filters = meetings.ActionFilters(
        authority=request.args.get("authority") or None,
        status=(request.args.get("status") or "open")[:16],
        owner=request.args.get("owner") or None,
    )
    found = meetings.find_actions(db_session(), filters, today)
    return jsonify({"items": [body_of_action(a, today) for a in found]})


def _current_action(action_id: int) -> dict | None:
    action = db_session().get(ActionItem, action_id)
    return body_of_action(action, today()) if action is not None else None


@blueprint.patch("/actions/<int(max=2147483647):action_id>")
@api_write(messages=MESSAGES, current=_current_action)
def patch_action(action_id: int):
    action = _get(ActionItem, action_id)
    if action is None:
        require("meetings.read")
        return _not_found()
    require("actions.update", action)
    values = json_object()
    expected = expected_version()
    session = db_session()
    meetings.update_action(
        session,
        action,
        {k: values[k] for k in ("status", "due_on", "note") if k in values},
        expected,
    )
    session.commit()
    response = jsonify(body_of_action(action, today()))
    response.headers["ETag"] = etag(action)
    return response


@blueprint.get("/actions/<int(max=2147483647):action_id>")
def get_action(action_id: int):
    require("meetings.read")
    action = _get(ActionItem, action_id)
    if action is None:
        return _not_found()
    response = jsonify(body_of_action(action, in_brussels(utcnow()).date()))
    response.headers["ETag"] = f'"{action.version}"'
    return response
