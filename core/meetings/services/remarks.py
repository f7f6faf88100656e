"""The round of remarks on draft minutes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import today as brussels_today
from core.clock import utcnow
from core.events import services as events
from core.identity.models import Identity, User
from core.meetings.models import (
    HANDLINGS,
    REMARK_LANGUAGES,
    AgendaItem,
    Attendance,
    Meeting,
    Minutes,
    Remark,
    RemarkRound,
)
from core.meetings.services.checks import _choice, _text
from core.meetings.services.minutes import revisions
from core.permissions import Principal
from core.validation import Invalid, Refused, check_version, date_field

# --- the round of remarks on draft minutes -------------------------------------------------------
#
# The secretariat sends a draft revision to those present at the meeting with a closing day;
# until that day (Brussels time) each of them leaves a remark per agenda item and one on the
# minutes as a whole, in Dutch or French, and may change or withdraw it. The secretariat marks
# each remark taken in or not (with a word why); the approving meeting sees the list, and the
# minutes are approved only once every remark was dealt with. Remarks belong to the revision
# they read and never change once it is approved.

# Who is asked for remarks: those marked present in the revision's attendance. They heard
# what the minutes report; the notifier tells the same people (attendees_to_tell).
ATTENDING = ("present",)
# The latest closing day a round may have: further is a typing error, not a plan.
LONGEST_ROUND_DAYS = 366
REMARK_LIMIT = 10_000


def attendees(minutes: Minutes) -> list[Attendance]:
    """The revision's attendance rows of those present, each with its membership."""
    return [row for row in minutes.attendance if row.presence in ATTENDING and row.membership_id]


def attendance_of_user(
    minutes: Minutes, user_id: int | None, email: str | None = None, authority: str | None = None
) -> Attendance | None:
    """The person's row among those present: by a membership linked to their account or, not
    linked yet, one of their own authority written with the address its provider gave them
    (as invitation_of_user finds an invitation)."""
    if user_id is None:
        return None
    # A remark is kept under an authority: an outside partner's attendee leaves none here.
    rows = [row for row in attendees(minutes) if row.membership is not None and row.authority_code]
    for row in rows:
        if row.membership.user_id == user_id:
            return row
    address = (email or "").strip().lower()
    for row in rows if address and authority else []:
        membership = row.membership
        if (
            membership.user_id is None
            and membership.authority_code == authority
            and (membership.email or "").strip().lower() == address
        ):
            return row
    return None


def attendees_to_tell(session: Session, minutes: Minutes) -> list:
    """The accounts of those asked for remarks on ``minutes`` (enabled, with an address), as
    attendance_of_user recognises them: the account a membership is linked to, or else the
    accounts of the membership's authority with its address. A member without an account
    cannot leave remarks on the platform and is not among them."""
    found: dict[int, User] = {}
    for row in attendees(minutes):
        membership = row.membership
        if membership is None:
            continue
        if membership.user_id is not None:
            users = [session.get(User, membership.user_id)]
        elif membership.email:
            users = session.scalars(
                select(User)
                .join(Identity, Identity.user_id == User.id)
                .where(
                    Identity.authority_code == membership.authority_code,
                    func.lower(User.email) == membership.email.strip().lower(),
                )
            ).all()
        else:
            users = []
        for user in users:
            if user is not None and not user.disabled and user.email:
                found.setdefault(user.id, user)
    return [found[key] for key in sorted(found)]


def drafts_for_remarks(session: Session) -> list[Minutes]:
    """Draft revisions sent for remarks (their round open or closed), the oldest meeting
    first; attendance_of_user tells whose remarks each asks (My work, the API's list)."""
    return list(
        session.scalars(
            select(Minutes)
            .join(RemarkRound)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(Minutes.state == "draft")
            .options(
                selectinload(Minutes.attendance).selectinload(Attendance.membership),
                selectinload(Minutes.remark_round),
            )
            .order_by(Meeting.starts_at, Minutes.id)
        )
    )


def may_read_remarks(minutes: Minutes, attendee: Attendance | None, may_manage: bool) -> bool:
    """Approved minutes and their remarks are for every reader; a draft for the secretariat,
    and for those present once it is sent to them."""
    return (
        minutes.approved
        or may_manage
        or (attendee is not None and minutes.remark_round is not None)
    )


def round_open(minutes: Minutes, today: date | None = None) -> bool:
    """Whether remarks are taken on ``minutes`` today."""
    sent = minutes.remark_round
    return (
        not minutes.approved and sent is not None and (today or brussels_today()) <= sent.closes_on
    )


def earlier_remarks(session: Session, minutes: Minutes) -> list[Minutes]:
    """The meeting's earlier revisions that have remarks, oldest first: a correction shows
    them beside its own, as they were."""
    return [
        earlier
        for earlier in revisions(session, minutes.meeting)
        if earlier.revision < minutes.revision and earlier.remarks
    ]


def send_for_remarks(
    session: Session,
    minutes: Minutes,
    values: dict[str, Any],
    principal: Principal,
    expected_version: int | str | None = None,
    today: date | None = None,
) -> RemarkRound:
    """Send a draft to those present for remarks until ``closes_on`` (a day after today);
    sending again moves the day. Logs ``minutes_sent_for_remarks`` for the notifier."""
    check_version(minutes, expected_version)
    if minutes.approved:
        raise Refused("remarks_frozen")
    today = today or brussels_today()
    errors: dict[str, str] = {}
    closes_on = date_field(values, "closes_on", errors, required=True)
    if closes_on is not None and closes_on <= today:
        errors["closes_on"] = "not_future"
    elif closes_on is not None and (closes_on - today).days > LONGEST_ROUND_DAYS:
        errors["closes_on"] = "round_too_far"
    if errors:
        raise Invalid(errors)
    if not attendees(minutes):
        raise Refused("no_attendees")
    sent = minutes.remark_round
    if sent is None:
        sent = RemarkRound(minutes_id=minutes.id, closes_on=closes_on, sent_by=principal.label)
        minutes.remark_round = sent
    sent.closes_on, sent.sent_at, sent.sent_by = closes_on, utcnow(), principal.label
    session.flush()
    events.record(
        session,
        "minutes_sent_for_remarks",
        record_kind="minutes",
        record_id=minutes.id,
        authority=None,
        actor=principal,
        meeting_id=minutes.meeting_id,
        closes_on=closes_on.isoformat(),
    )
    return sent


def _taking_remarks(minutes: Minutes, today: date | None) -> None:
    if minutes.approved:
        raise Refused("remarks_frozen")
    if minutes.remark_round is None:
        raise Refused("not_sent")
    if not round_open(minutes, today):
        raise Refused("remarks_closed")


def check_remark(values: dict[str, Any], errors: dict[str, str]) -> dict:
    """A remark's text and language; problems go into ``errors``."""
    return {
        "text": _text(values, "text", errors, required=True, limit=REMARK_LIMIT, multiline=True),
        "language": _choice(values, "language", errors, REMARK_LANGUAGES),
    }


def _item_of(minutes: Minutes, raw: Any, errors: dict[str, str]) -> AgendaItem | None:
    """The agenda item a remark is on; None (no item) is the remark on the whole."""
    if raw in (None, ""):
        return None
    item = next((i for i in minutes.meeting.items if str(i.id) == str(raw)), None)
    if item is None:
        errors["item_id"] = "unknown"
    return item


def _own(remark: Remark, attendee: Attendance | None) -> None:
    if attendee is None:
        raise Refused("not_attendee")
    if remark.membership_id != attendee.membership_id:
        raise Refused("not_author")


def add_remark(
    session: Session,
    minutes: Minutes,
    attendee: Attendance | None,
    values: dict[str, Any],
    principal: Principal,
    today: date | None = None,
) -> Remark:
    """A remark of someone present (``attendee``, from attendance_of_user) on an agenda item
    (``item_id``) or on the whole (no item); one per person and item, changed afterwards."""
    if attendee is None:
        raise Refused("not_attendee")
    _taking_remarks(minutes, today)
    errors: dict[str, str] = {}
    item = _item_of(minutes, values.get("item_id"), errors)
    cleaned = check_remark(values, errors)
    if errors:
        raise Invalid(errors)
    item_id = item.id if item is not None else None
    if any(
        r.membership_id == attendee.membership_id and r.item_id == item_id for r in minutes.remarks
    ):
        raise Refused("remark_exists")
    remark = Remark(
        item_id=item_id,
        membership_id=attendee.membership_id,
        user_id=principal.user_id,
        author_name=attendee.name,
        authority_code=attendee.authority_code,
        **cleaned,
    )
    minutes.remarks.append(remark)
    session.flush()
    return remark


def change_remark(
    session: Session,
    remark: Remark,
    attendee: Attendance | None,
    values: dict[str, Any],
    expected_version: int | str | None,
    today: date | None = None,
) -> None:
    """The author changes their remark's text or language; a changed remark waits for the
    secretariat again (what was taken in was the earlier text)."""
    _own(remark, attendee)
    check_version(remark, expected_version)
    _taking_remarks(remark.minutes, today)
    errors: dict[str, str] = {}
    cleaned = check_remark(
        {"text": remark.text, "language": remark.language}
        | {k: values[k] for k in ("text", "language") if k in values},
        errors,
    )
    if errors:
        raise Invalid(errors)
    if (cleaned["text"], cleaned["language"]) == (remark.text, remark.language):
        return
    remark.text, remark.language = cleaned["text"], cleaned["language"]
    remark.updated_at = utcnow()
    remark.handling = remark.reason = remark.handled_at = remark.handled_by = None
    session.flush()


def withdraw_remark(
    session: Session,
    remark: Remark,
    attendee: Attendance | None,
    expected_version: int | str | None,
    today: date | None = None,
) -> None:
    _own(remark, attendee)
    check_version(remark, expected_version)
    _taking_remarks(remark.minutes, today)
    remark.minutes.remarks.remove(remark)
    session.flush()


def save_my_remarks(
    session: Session,
    minutes: Minutes,
    attendee: Attendance | None,
    slots: dict[int | None, dict[str, Any]],
    principal: Principal,
    today: date | None = None,
) -> int:
    """The remarks page sends one text and language per agenda item (None: the whole): a new
    text is added, a changed one changed, an emptied one withdrawn. All or nothing; errors
    are named ``text_<item>``/``language_<item>`` (``general`` for the whole). Returns how
    many remarks changed."""
    if attendee is None:
        raise Refused("not_attendee")
    _taking_remarks(minutes, today)
    items = {item.id for item in minutes.meeting.items}
    mine = {r.item_id: r for r in minutes.remarks if r.membership_id == attendee.membership_id}
    errors: dict[str, str] = {}
    changes = 0
    for item_id, values in slots.items():
        slot = "general" if item_id is None else str(item_id)
        if item_id is not None and item_id not in items:
            errors[f"text_{slot}"] = "unknown"
            continue
        remark = mine.get(item_id)
        if not (values.get("text") or "").strip():
            if remark is not None:
                minutes.remarks.remove(remark)
                changes += 1
            continue
        found: dict[str, str] = {}
        cleaned = check_remark(values, found)
        if found:
            errors.update({f"{key}_{slot}": code for key, code in found.items()})
            continue
        if remark is None:
            minutes.remarks.append(
                Remark(
                    item_id=item_id,
                    membership_id=attendee.membership_id,
                    user_id=principal.user_id,
                    author_name=attendee.name,
                    authority_code=attendee.authority_code,
                    **cleaned,
                )
            )
            changes += 1
        elif (cleaned["text"], cleaned["language"]) != (remark.text, remark.language):
            remark.text, remark.language = cleaned["text"], cleaned["language"]
            remark.updated_at = utcnow()
            remark.handling = remark.reason = remark.handled_at = remark.handled_by = None
            changes += 1
    if errors:
        raise Invalid(errors)
    session.flush()
    return changes


def check_handling(values: dict[str, Any]) -> dict[str, Any]:
    """How a remark was dealt with: taken in, or not with the reason why; none (or "") puts
    it back among those waiting."""
    errors: dict[str, str] = {}
    handling = values.get("handling") or None
    if handling is not None and handling not in HANDLINGS:
        errors["handling"] = "choice"
    reason = _text(values, "reason", errors, limit=2000, multiline=True)
    if handling == "not_taken_in" and reason is None and "reason" not in errors:
        errors["reason"] = "reason_required"
    if errors:
        raise Invalid(errors)
    return {"handling": handling, "reason": reason if handling else None}


def handle_remark(
    session: Session,
    remark: Remark,
    values: dict[str, Any],
    principal: Principal,
    expected_version: int | str | None,
) -> bool:
    """The secretariat marks a remark taken in or not (the reason is required when not).
    Returns whether anything changed. The version is checked only for a change: a remark
    its author changed meanwhile is marked again by someone who read the new text."""
    if remark.minutes.approved:
        raise Refused("remarks_frozen")
    cleaned = check_handling(values)
    if (cleaned["handling"], cleaned["reason"]) == (remark.handling, remark.reason):
        return False
    check_version(remark, expected_version)
    remark.handling, remark.reason = cleaned["handling"], cleaned["reason"]
    remark.handled_at = utcnow() if cleaned["handling"] else None
    remark.handled_by = principal.label if cleaned["handling"] else None
    session.flush()
    return True
