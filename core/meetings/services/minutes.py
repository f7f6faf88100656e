"""Minutes: revisions, texts per item, decisions and actions, approval and corrections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.clock import in_brussels, utcnow
from core.events import services as events

# The one goal lookup by id or by code in the current plan, as needs and plans use it.
from core.goals.lookup import goal_id_of
from core.meetings.models import (
    ACTION_STATES,
    OPEN_ACTION_STATES,
    PRESENCE,
    ActionItem,
    Attendance,
    Decision,
    Meeting,
    Minutes,
    MinuteText,
    Remark,
)
from core.meetings.services.agenda_items import parse_links
from core.meetings.services.bodies import on_behalf_of
from core.meetings.services.checks import LANGUAGES, _choice, _text
from core.meetings.services.meetings import invitees
from core.permissions import Principal
from core.validation import EMAIL, Invalid, Refused, Stale, check_version, date_field

# --- minutes -------------------------------------------------------------------------------------


def revisions(session: Session, meeting: Meeting) -> list[Minutes]:
    return list(
        session.scalars(
            select(Minutes)
            .where(Minutes.meeting_id == meeting.id)
            .options(
                selectinload(Minutes.texts),
                selectinload(Minutes.attendance),
                selectinload(Minutes.decisions),
                selectinload(Minutes.remarks),
                selectinload(Minutes.remark_round),
            )
            .order_by(Minutes.revision)
        )
    )


def latest_minutes(session: Session, meeting: Meeting) -> Minutes | None:
    found = revisions(session, meeting)
    return found[-1] if found else None


def approved_minutes(session: Session, meeting: Meeting) -> Minutes | None:
    found = [m for m in revisions(session, meeting) if m.approved]
    return found[-1] if found else None


def minutes_for(
    session: Session, meeting: Meeting, *, may_manage: bool, latest_first: bool = False
) -> Minutes | None:
    """The minutes of ``meeting`` a reader may see: the approved ones; who keeps the body
    (``may_manage``) also the draft. ``latest_first``: the keeper gets the latest revision even
    when an earlier one is approved (what the API hands to edit); otherwise the approved text
    comes first and the draft only while nothing is approved (the minutes as a document)."""
    if may_manage and latest_first:
        return latest_minutes(session, meeting)
    found = approved_minutes(session, meeting)
    if found is None and may_manage:
        found = latest_minutes(session, meeting)
    return found


def start_minutes(session: Session, meeting: Meeting) -> Minutes:
    """The first draft, with attendance filled in from the replies to the invitation."""
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.starts_at > utcnow():
        raise Refused("not_started")
    if latest_minutes(session, meeting) is not None:
        raise Refused("minutes_exist")
    if meeting.state in ("planned", "invited"):
        meeting.state = "held"
    minutes = Minutes(meeting_id=meeting.id, revision=1)
    replies = {i.membership_id: i.reply for i in meeting.invitations}
    for membership in invitees(meeting):
        presence = {"attend": "present", "excused": "excused"}.get(replies.get(membership.id))
        minutes.attendance.append(
            Attendance(
                membership_id=membership.id,
                name=membership.name,
                authority_code=membership.authority_code,
                partner_id=membership.partner_id,
                presence=presence or "absent",
            )
        )
    session.add(minutes)
    session.flush()
    return minutes


def _draft(minutes: Minutes) -> None:
    if minutes.approved:
        raise Refused("minutes_approved")


def save_minutes(
    session: Session,
    minutes: Minutes,
    texts: dict[int, dict[str, str | None]],
    presence: dict[int, str],
    expected_version: int | None,
) -> None:
    """Write the text per agenda item and the attendance of a draft revision."""
    check_version(minutes, expected_version)
    _draft(minutes)
    errors: dict[str, str] = {}
    items = {item.id for item in minutes.meeting.items}
    current = {text.item_id: text for text in minutes.texts}
    for item_id, by_language in texts.items():
        if item_id not in items:
            errors[f"text.{item_id}"] = "unknown"
            continue
        found: dict[str, str] = {}
        cleaned = {
            lang: _text(by_language, lang, found, limit=50_000, multiline=True)
            for lang in ("nl", "fr")
        }
        # Named as the form names the field, so the message stands beside the right text.
        errors.update({f"text_{lang}_{item_id}": code for lang, code in found.items()})
        text = current.get(item_id)
        if text is None:
            text = MinuteText(item_id=item_id)
            minutes.texts.append(text)
        text.text_nl, text.text_fr = cleaned["nl"], cleaned["fr"]
    rows = {row.id: row for row in minutes.attendance}
    for row_id, value in presence.items():
        if row_id not in rows:
            errors[f"attendance.{row_id}"] = "unknown"
        elif value not in PRESENCE:
            errors[f"attendance.{row_id}"] = "choice"
        else:
            rows[row_id].presence = value
    if errors:
        raise Invalid(errors)
    _next_version(session, minutes)


def _next_version(session: Session, minutes: Minutes) -> None:
    """Minutes are written in their child rows, so the version moves explicitly, compared and
    set in one statement: of two people saving the same draft, the second is told."""
    session.flush()
    moved = session.execute(
        update(Minutes)
        .where(Minutes.id == minutes.id, Minutes.version == minutes.version)
        .values(version=minutes.version + 1)
    )
    if moved.rowcount != 1:
        raise Stale(session.scalar(select(Minutes.version).where(Minutes.id == minutes.id)))
    set_committed_value(minutes, "version", minutes.version + 1)


def add_decision(
    session: Session, minutes: Minutes, values: dict[str, Any], principal: Principal | None = None
) -> Decision:
    _draft(minutes)
    errors: dict[str, str] = {}
    item_id = values.get("item_id")
    item = next((i for i in minutes.meeting.items if str(i.id) == str(item_id)), None)
    if item is None:
        errors["item_id"] = "unknown"
    texts = {
        f"text_{lang}": _text(values, f"text_{lang}", errors, limit=10_000, multiline=True)
        for lang in LANGUAGES
    }
    if not (texts["text_nl"] or texts["text_fr"]) and "text_nl" not in errors:
        errors["text_nl"] = "one_text"
    goal_id = goal_id_of(session, values.get("goal"), errors)
    linked = parse_links(session, values.get("links"), errors, principal)
    if errors:
        raise Invalid(errors)
    number = max((d.number for d in minutes.decisions), default=0) + 1
    decision = Decision(item_id=item.id, number=number, goal_id=goal_id, links=linked, **texts)
    minutes.decisions.append(decision)
    session.flush()
    return decision


def remove_decision(session: Session, decision: Decision) -> None:
    _draft(decision.minutes)
    session.delete(decision)


def check_action(session: Session, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if creating:
        cleaned = {
            f"title_{lang}": _text(values, f"title_{lang}", errors, limit=1000)
            for lang in LANGUAGES
        }
        if not (cleaned["title_nl"] or cleaned["title_fr"]) and "title_nl" not in errors:
            errors["title_nl"] = "one_title"
        authority, partner = on_behalf_of(session, values, errors)
        # An outside partner's action is its contact person's, at its contact address,
        # unless another person of the partner is named (notices._owner tells them).
        cleaned["owner_name"] = _text(
            values, "owner_name", errors, required=partner is None, limit=200
        )
        cleaned["owner_email"] = _text(values, "owner_email", errors, limit=320)
        if cleaned["owner_email"] and not EMAIL.match(cleaned["owner_email"]):
            errors["owner_email"] = "email"
        if partner is not None and not cleaned["owner_name"] and "owner_name" not in errors:
            cleaned["owner_name"] = partner.contact_name
            cleaned["owner_email"] = cleaned["owner_email"] or partner.email
        cleaned["authority_code"] = authority
        cleaned["partner_id"] = partner.id if partner is not None else None
        cleaned["goal_id"] = goal_id_of(session, values.get("goal"), errors)
    if "due_on" in values or creating:
        cleaned["due_on"] = date_field(values, "due_on", errors)
    if "status" in values or creating:
        cleaned["status"] = _choice(values, "status", errors, ACTION_STATES, default="open")
    if "note" in values:
        cleaned["note"] = _text(values, "note", errors, limit=5000, multiline=True)
    if errors:
        raise Invalid(errors)
    return cleaned


def add_action(session: Session, minutes: Minutes, values: dict[str, Any]) -> ActionItem:
    """An action agreed in the meeting, written with its draft minutes."""
    _draft(minutes)
    cleaned = check_action(session, values, creating=True)
    item_id = values.get("item_id") or None
    item = next((i for i in minutes.meeting.items if str(i.id) == str(item_id)), None)
    if item_id is not None and item is None:
        raise Invalid({"item_id": "unknown"})
    action = ActionItem(meeting_id=minutes.meeting_id, item_id=item and item.id, **cleaned)
    session.add(action)
    session.flush()
    _tell_owner(session, "action_assigned", action)
    return action


def _tell_owner(session: Session, kind: str, action: ActionItem, **data) -> None:
    """The step as an event, in this transaction: the notifier tells the action's owner."""
    events.record(
        session,
        kind,
        record_kind="action_item",
        record_id=action.id,
        authority=action.authority_code,
        **data,
    )


def update_action(
    session: Session, action: ActionItem, values: dict[str, Any], expected_version: int | None
) -> None:
    """Keep the register up to date: status, due date, a note."""
    check_version(action, expected_version)
    cleaned = check_action(session, values, creating=False)
    was = (action.status, action.due_on)
    for key, value in cleaned.items():
        setattr(action, key, value)
    if action.status in OPEN_ACTION_STATES:
        action.closed_at = None
    elif action.closed_at is None:
        action.closed_at = utcnow()
    session.flush()
    if (action.status, action.due_on) != was:
        _tell_owner(session, "action_changed", action)


def approve(session: Session, minutes: Minutes, approving: Meeting, principal: Principal) -> None:
    """Approve minutes at a later meeting of the same body; from then on they never change.
    Every remark of the attendees must have been dealt with first: the approving meeting
    approves the minutes knowing what became of each remark (it sees the list)."""
    _draft(minutes)
    if unhandled(minutes):
        raise Refused("remarks_unhandled")
    meeting = minutes.meeting
    if (
        approving.body_id != meeting.body_id
        or approving.starts_at <= meeting.starts_at
        or approving.cancelled
    ):
        raise Refused("not_next_meeting")
    # From the day of the approving meeting on, so the secretariat can record it during the
    # meeting itself.
    if in_brussels(approving.starts_at).date() > in_brussels(utcnow()).date():
        raise Refused("approving_not_started")
    minutes.state = "approved"
    minutes.approved_at = utcnow()
    minutes.approved_in_meeting_id = approving.id
    minutes.approved_by = principal.label
    meeting.state = "minutes_approved"
    if approving.state in ("planned", "invited"):
        approving.state = "held"
    session.flush()


def propose_correction(session: Session, minutes: Minutes, reason: str) -> Minutes:
    """A new draft revision copying approved minutes, with the reason for the correction;
    the approved revision stays as it was until the correction is approved in turn."""
    if not minutes.approved:
        raise Refused("not_approved")
    if latest_minutes(session, minutes.meeting).id != minutes.id:
        raise Refused("correction_pending")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "required"})
    if len(reason) > 2000:
        raise Invalid({"reason": "length"})
    draft = Minutes(
        meeting_id=minutes.meeting_id, revision=minutes.revision + 1, correction_reason=reason
    )
    draft.texts = [
        MinuteText(item_id=t.item_id, text_nl=t.text_nl, text_fr=t.text_fr) for t in minutes.texts
    ]
    draft.attendance = [
        Attendance(
            membership_id=a.membership_id,
            name=a.name,
            authority_code=a.authority_code,
            partner_id=a.partner_id,
            presence=a.presence,
        )
        for a in minutes.attendance
    ]
    draft.decisions = [
        Decision(
            item_id=d.item_id,
            number=d.number,
            text_nl=d.text_nl,
            text_fr=d.text_fr,
            text_en=d.text_en,
            goal_id=d.goal_id,
            links=list(d.links or []),
        )
        for d in minutes.decisions
    ]
    session.add(draft)
    session.flush()
    return draft


def minutes_to_approve(session: Session, meeting: Meeting) -> list[Minutes]:
    """Draft minutes of earlier meetings of the same body, which this meeting may approve."""
    return list(
        session.scalars(
            select(Minutes)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(
                Meeting.body_id == meeting.body_id,
                Meeting.starts_at < meeting.starts_at,
                Minutes.state == "draft",
            )
            .order_by(Meeting.starts_at)
        )
    )


def unhandled(minutes: Minutes) -> list[Remark]:
    """The remarks the secretariat has not marked yet."""
    return [remark for remark in minutes.remarks if remark.handling is None]
