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
from core.clock import in_brussels, local_time, utcnow
from core.db import db_session
from core.identity.models import User
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Body,
    Decision,
    Meeting,
    Minutes,
    Remark,
)
from core.meetings.views import ERRORS, REFUSALS
from core.permissions import can, current, require
from core.security import csrf

blueprint = Blueprint("meetings_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
blueprint.register_error_handler(HTTPException, http_problem)


def _invalid(invalid: meetings.Invalid):
    return invalid_fields(invalid.errors, ERRORS)


# Refusals that are about the person, not the record's state.
NOT_YOURS = ("not_attendee", "not_author")


def _refused(refusal: meetings.Refused):
    status = 403 if refusal.code in NOT_YOURS else 409
    return problem(status, str(REFUSALS.get(refusal.code, refusal.code)), code=refusal.code)


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
        # A name not given is null, never an empty text (core.meetings.models.Body).
        "name": {lang: text or None for lang, text in body.texts("name").items()},
        "public_calendar": body.public_calendar,
        # The owner: an authority's code, or null for the committee (issue 24).
        "authority": body.authority_code,
        "prison": body.prison_code,
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
            {
                "name": a.name,
                "authority": a.authority_code,
                "partner": a.partner_id,
                "presence": a.presence,
            }
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
        "partner": action.partner_id,
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
            Meeting.starts_at >= local_time(date(year, 1, 1), "00:00"),
            Meeting.starts_at < local_time(date(year + 1, 1, 1), "00:00"),
        )
    return jsonify({"items": [body_of_meeting(m) for m in db_session().scalars(query)]})


@blueprint.post("/meetings")
def create_meeting():
    require("meetings.read")
    principal = current()
    # Who keeps no body at all may plan nothing, whatever they send.
    if not (
        can(principal, "meetings.manage")
        or can(principal, "meetings.manage", principal.authority or "")
    ):
        require("meetings.manage")
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    session = db_session()
    body = session.scalar(select(Body).where(Body.code == str(values.get("body", ""))[:64]))
    if body is None:
        return _invalid(meetings.Invalid({"body": "unknown"}))
    require("meetings.manage", body)
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
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    if meeting is None:
        return _not_found()
    require("meetings.manage", meeting)
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
    if can(current(), "meetings.manage", meeting):
        minutes = meetings.latest_minutes(session, meeting)
    else:
        minutes = meetings.approved_minutes(session, meeting)
    if minutes is None:
        return _not_found()
    response = jsonify(body_of_minutes(minutes))
    response.headers["ETag"] = f'"{minutes.version}"'
    return response


# --- the round of remarks on draft minutes ---------------------------------------------------


def _json_object():
    values = request.get_json(silent=True)
    return values if isinstance(values, dict) else None


def _if_match():
    """The version the caller read, from If-Match; or the problem to answer instead."""
    expected = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not expected:
        return None, problem(428, _("Send If-Match with the version you read (the ETag)."))
    if not expected.isdecimal():
        return None, problem(412, _("This record was changed since you read it."))
    return int(expected), None


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
        return attendee, problem(403, str(REFUSALS["not_attendee"]), code="not_attendee")
    return attendee, None


def body_of_remark(remark: Remark, attendee=None) -> dict:
    return {
        "id": remark.id,
        "minutes_id": remark.minutes_id,
        "item_id": remark.item_id,
        "author": remark.author_name,
        "authority": remark.authority_code,
        "language": remark.language,
        "text": remark.text,
        "created_at": remark.created_at.isoformat(),
        "updated_at": remark.updated_at.isoformat(),
        "handling": remark.handling,
        "reason": remark.reason,
        "handled_at": remark.handled_at.isoformat() if remark.handled_at else None,
        "mine": attendee is not None and remark.membership_id == attendee.membership_id,
        "version": remark.version,
    }


def body_of_remarks(session, minutes: Minutes, attendee=None) -> dict:
    sent = minutes.remark_round
    return {
        "minutes_id": minutes.id,
        "meeting_id": minutes.meeting_id,
        "revision": minutes.revision,
        "state": minutes.state,
        "version": minutes.version,
        "round": body_of_round(minutes) if sent else None,
        "attendee": attendee is not None,
        "remarks": [body_of_remark(r, attendee) for r in minutes.remarks],
        "earlier": [
            {
                "minutes_id": earlier.id,
                "revision": earlier.revision,
                "remarks": [body_of_remark(r, attendee) for r in earlier.remarks],
            }
            for earlier in meetings.earlier_remarks(session, minutes)
        ],
    }


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


def body_of_round(minutes: Minutes) -> dict:
    sent = minutes.remark_round
    return {
        "minutes_id": minutes.id,
        "version": minutes.version,
        "state": minutes.state,
        "closes_on": sent.closes_on.isoformat() if sent else None,
        "sent_at": sent.sent_at.isoformat() if sent else None,
        "open": meetings.round_open(minutes),
    }


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


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/round")
def send_for_remarks(minutes_id: int):
    """Send a draft to those present for remarks until a day (or move that day)."""
    require("meetings.read")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    require("meetings.manage", minutes)
    values = _json_object()
    if values is None:
        return problem(400, _("Send a JSON object."))
    expected, missing = _if_match()
    if missing is not None:
        return missing
    session = db_session()
    try:
        meetings.send_for_remarks(session, minutes, values, current(), expected)
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except meetings.Refused as refusal:
        session.rollback()
        return _refused(refusal)
    except meetings.Stale:
        session.rollback()
        return problem(412, _("This record was changed since you read it."))
    response = jsonify(body_of_round(minutes))
    response.headers["ETag"] = f'"{minutes.version}"'
    return response


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/remarks")
def add_remark(minutes_id: int):
    """A remark of someone present, on an agenda item or (no item) the minutes as a whole."""
    require("minutes.remark")
    minutes = _get(Minutes, minutes_id)
    if minutes is None:
        return _not_found()
    values = _json_object()
    if values is None:
        return problem(400, _("Send a JSON object."))
    session = db_session()
    attendee = _attendee(minutes)
    try:
        remark = meetings.add_remark(session, minutes, attendee, values, current())
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except meetings.Refused as refusal:
        session.rollback()
        return _refused(refusal)
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


def _change(remark_id: int, step, answer):
    """A write on one remark with If-Match: the step, committed, and its answer; or the
    problem (403 not theirs, 409 closed or approved, 412 stale, 422 invalid, 428)."""
    require("meetings.read")
    remark, attendee, refused = _remark(remark_id)
    if refused is not None:
        return refused
    expected, missing = _if_match()
    if missing is not None:
        return missing
    session = db_session()
    try:
        step(session, remark, attendee, expected)
        session.commit()
    except meetings.Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except meetings.Refused as refusal:
        session.rollback()
        return _refused(refusal)
    except (meetings.Stale, StaleDataError):
        session.rollback()
        return problem(412, _("This record was changed since you read it."))
    return answer(remark, attendee)


@blueprint.patch("/remarks/<int(max=2147483647):remark_id>")
def change_remark(remark_id: int):
    """Its author changes a remark's text or language until the closing day."""
    values = _json_object()
    if values is None:
        require("meetings.read")
        return problem(400, _("Send a JSON object."))
    return _change(
        remark_id,
        lambda session, remark, attendee, expected: meetings.change_remark(
            session, remark, attendee, values, expected
        ),
        _remark_answer,
    )


@blueprint.delete("/remarks/<int(max=2147483647):remark_id>")
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
def handle_remark(remark_id: int):
    """The secretariat marks a remark taken in, or not taken in with the reason; null puts it
    back among those waiting."""
    require("meetings.read")
    remark = _get(Remark, remark_id)
    if remark is None:
        return _not_found()
    require("meetings.manage", remark)
    values = _json_object()
    if values is None:
        return problem(400, _("Send a JSON object."))
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
    today = in_brussels(utcnow()).date()
    response = jsonify(body_of_action(action, today))
    response.headers["ETag"] = f'"{action.version}"'
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
