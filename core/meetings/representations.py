"""The meetings' records as the API gives them (/api/v1): one representation per record,
the same in every answer, also as the "current" record of a 412."""

from __future__ import annotations

from core.meetings import services as meetings
from core.meetings.models import ActionItem, Body, Decision, Meeting, Minutes, Remark


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
