"""The logic of meetings, shared by pages, API, command line and jobs (no Flask here).

Times are stored in UTC and planned in Brussels time: a series "third Tuesday at 14:00"
stays at 14:00 in Brussels on both sides of a daylight-saving change.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.clock import WALL_CLOCK, in_brussels, local_time, utcnow
from core.clock import today as brussels_today
from core.events import services as events
from core.inventory import schedules
from core.links import services as links
from core.meetings.models import (
    ACTION_STATES,
    BODY_KINDS,
    HANDLINGS,
    MEMBER_ROLES,
    OPEN_ACTION_STATES,
    PLACE_KINDS,
    PRESENCE,
    PURPOSES,
    REMARK_LANGUAGES,
    REPLIES,
    ActionItem,
    AgendaItem,
    Attachment,
    Attendance,
    Body,
    Decision,
    Invitation,
    Meeting,
    MeetingSeries,
    Membership,
    Minutes,
    MinuteText,
    Remark,
    RemarkRound,
)
from core.permissions import Principal
from core.reference.models import Authority, Prison
from core.validation import (
    EMAIL,
    WEB_ADDRESS,
    Invalid,
    Refused,
    Stale,
    clean_text,
    date_field,
    whole_field,
)

LANGUAGES = ("nl", "fr", "en")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CODE = re.compile(r"^[a-z0-9_]{2,64}$")
LONGEST_SERIES_DAYS = 3 * 366
LONGEST_MEETING_MINUTES = 12 * 60
MAX_AGENDA_DEPTH = 2  # items and sub-items


# --- small checks ------------------------------------------------------------------------------


def _text(values, key, errors, *, required=False, limit=5000, multiline=False) -> str | None:
    value, problem = clean_text(values.get(key), limit=limit, multiline=multiline)
    if problem:
        errors[key] = problem
    elif value is None and required:
        errors[key] = "required"
    return value


def _choice(values, key, errors, options, *, required=True, default=None) -> str | None:
    value = values.get(key) or default
    if value is None:
        if required:
            errors[key] = "required"
        return None
    if value not in options:
        errors[key] = "choice"
        return None
    return value


def _flag(values, key) -> bool:
    return values.get(key) in (True, "1", "on", "true", "yes")


def _check_version(record, expected: int | str | None) -> None:
    # Compared as text: a version that is no whole number ("1,5", "1e400") was never read
    # from us, so it is as stale as an old one, not a reason to fail.
    if expected is not None and str(expected).strip() != str(record.version):
        raise Stale(record.version)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- bodies and memberships --------------------------------------------------------------------


def check_body(
    values: dict[str, Any],
    *,
    creating: bool,
    owner: str | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """A body's fields. The committee's bodies are named in Dutch and French; an authority's
    own (``owner``) in at least one of them, its own language being enough. ``prison``: the
    prison a local team works in (known to ``session``), or nothing."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if creating:
        code = (values.get("code") or "").strip()
        if not code:
            errors["code"] = "required"
        elif not CODE.match(code):
            errors["code"] = "code"
        cleaned["code"] = code
    cleaned["kind"] = _choice(values, "kind", errors, BODY_KINDS)
    for lang in LANGUAGES:
        cleaned[f"name_{lang}"] = _text(
            values, f"name_{lang}", errors, required=owner is None and lang != "en", limit=300
        )
    named = cleaned["name_nl"] or cleaned["name_fr"]
    if owner is not None and not named and "name_nl" not in errors and "name_fr" not in errors:
        errors["name_nl"] = "one_name"
    # The French name's column holds no NULL (core.meetings.models.Body).
    cleaned["name_nl"] = cleaned["name_nl"] or ""
    cleaned["name_fr"] = cleaned["name_fr"] or ""
    cleaned["public_calendar"] = _flag(values, "public_calendar")
    prison = values.get("prison") or None
    if prison is not None and (
        not isinstance(prison, str) or session is None or session.get(Prison, prison) is None
    ):
        errors["prison"] = "unknown"
    cleaned["prison_code"] = prison
    if errors:
        raise Invalid(errors)
    return cleaned


def create_body(session: Session, values: dict[str, Any], owner: str | None = None) -> Body:
    """A new body of the committee, or of the authority ``owner``."""
    if owner is not None and session.get(Authority, owner) is None:
        raise Invalid({"owner": "unknown"})
    cleaned = check_body(values, creating=True, owner=owner, session=session)
    if session.scalar(select(Body.id).where(Body.code == cleaned["code"])) is not None:
        raise Invalid({"code": "duplicate"})
    body = Body(**cleaned, authority_code=owner, calendar_token=secrets.token_urlsafe(24))
    session.add(body)
    session.flush()
    return body


def update_body(session: Session, body: Body, values: dict[str, Any]) -> Body:
    cleaned = check_body(values, creating=False, owner=body.authority_code, session=session)
    for key, value in cleaned.items():
        setattr(body, key, value)
    return body


def local_plans_of(session: Session, body: Body) -> list:
    """The action plans of a local team's prison, its owner's first (seed 002: the local
    policy teams write a local action plan for their prison); none for a body in no prison."""
    if body.prison_code is None:
        return []
    from core.goals.models import Plan

    plans = session.scalars(
        select(Plan).where(Plan.prison_code == body.prison_code).order_by(Plan.start_year)
    ).all()
    return sorted(plans, key=lambda plan: plan.authority_code != body.authority_code)


def on_behalf_of(session: Session, values: dict[str, Any], errors: dict[str, str]):
    """(authority code, partner) a member or an action's owner acts for: exactly one. The
    form's one choice "authority" holds an authority's code or "partner:<id>"; the API may
    send "partner" (an id) instead."""
    from core.partners.services import INVOLVED_PREFIX, partner_of

    authority = values.get("authority") or None
    raw_partner = values.get("partner") or None
    if isinstance(authority, str) and authority.startswith(INVOLVED_PREFIX):
        raw_partner, authority = authority[len(INVOLVED_PREFIX) :], None
    if authority is not None and raw_partner is not None:
        errors["authority"] = "one_of"
        return None, None
    if raw_partner is not None:
        partner = partner_of(session, raw_partner)
        if partner is None:
            errors["authority"] = "unknown"
        return None, partner
    if authority is None:
        errors["authority"] = "required"
    elif not isinstance(authority, str) or session.get(Authority, authority) is None:
        errors["authority"] = "unknown"
    return authority, None


def check_membership(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    authority, partner = on_behalf_of(session, values, errors)
    # A partner's member is its contact person unless another person is named.
    cleaned: dict[str, Any] = {
        "name": _text(values, "name", errors, required=partner is None, limit=200),
        "email": _text(values, "email", errors, limit=320),
        "language": _choice(values, "language", errors, LANGUAGES, default="nl"),
        "role": _choice(values, "role", errors, MEMBER_ROLES),
        "starts_on": date_field(values, "starts_on", errors, required=True),
        "ends_on": date_field(values, "ends_on", errors),
    }
    if partner is not None and not cleaned["name"] and "name" not in errors:
        cleaned["name"] = partner.contact_name
        cleaned["email"] = cleaned["email"] or partner.email
        cleaned["language"] = partner.language
    if cleaned["email"] and not EMAIL.match(cleaned["email"]):
        errors["email"] = "email"
    cleaned["authority_code"] = authority
    cleaned["partner_id"] = partner.id if partner is not None else None
    user_id = values.get("user_id") or None
    if user_id is not None:
        from core.identity.models import User

        known = str(user_id).isdecimal() and int(user_id) < 2**31
        if not known or session.get(User, int(user_id)) is None:
            errors["user_id"] = "unknown"
        else:
            user_id = int(user_id)
    cleaned["user_id"] = user_id
    if cleaned["starts_on"] and cleaned["ends_on"] and cleaned["ends_on"] < cleaned["starts_on"]:
        errors["ends_on"] = "before_start"
    if errors:
        raise Invalid(errors)
    return cleaned


def add_membership(session: Session, body: Body, values: dict[str, Any]) -> Membership:
    membership = Membership(body_id=body.id, **check_membership(session, values))
    session.add(membership)
    session.flush()
    return membership


def update_membership(session: Session, membership: Membership, values: dict[str, Any]) -> None:
    for key, value in check_membership(session, values).items():
        setattr(membership, key, value)


# --- meetings ----------------------------------------------------------------------------------


def check_place(
    session: Session, values: dict[str, Any], errors: dict[str, str], days: list[date] = ()
) -> dict:
    """Where a meeting is held; a prison must be open on each of the ``days`` it meets."""
    place = {
        "place_kind": _choice(values, "place_kind", errors, PLACE_KINDS, default="office"),
        "prison_code": values.get("prison") or None,
        "place_text": _text(values, "place_text", errors, limit=300),
        "online_url": _text(values, "online_url", errors, limit=500),
    }
    if place["place_kind"] == "prison":
        if place["prison_code"] is None:
            errors["prison"] = "required"
        elif (prison := session.get(Prison, place["prison_code"])) is None:
            errors["prison"] = "unknown"
        elif not all(prison.is_open_on(day) for day in days):
            errors["prison"] = "closed"
    else:
        place["prison_code"] = None
    if place["place_kind"] == "online" and not place["online_url"]:
        errors["online_url"] = "required"
    if place["online_url"] and not WEB_ADDRESS.match(place["online_url"]):
        errors["online_url"] = "url"
    if place["place_kind"] == "office" and not place["place_text"]:
        errors["place_text"] = "required"
    return place


def _check_when(
    values: dict[str, Any], errors: dict[str, str]
) -> tuple[date | None, datetime | None, datetime | None]:
    """The day, start and end a meeting form gives (start and end None when not readable)."""
    day = date_field(values, "date", errors, required=True)
    clock = values.get("start_time") or ""
    if not clock:
        errors["start_time"] = "required"
    elif not WALL_CLOCK.match(clock):
        errors["start_time"] = "clock"
    duration = whole_field(
        values, "duration_minutes", errors, 15, LONGEST_MEETING_MINUTES, required=True
    )
    if day is None or duration is None or {"start_time", "duration_minutes"} & set(errors):
        return day, None, None
    starts_at = local_time(day, clock)
    return day, starts_at, starts_at + timedelta(minutes=duration)


def clashes_of(
    session: Session, body_id: int, values: dict[str, Any], but: int | None = None
) -> list[Meeting]:
    """The body's meetings that the time typed so far in a meeting form overlaps, for the
    warning shown while the form is filled; nothing while the time cannot be read yet."""
    _day, starts_at, ends_at = _check_when(values, {})
    if starts_at is None:
        return []
    return overlapping(session, body_id, starts_at, ends_at, but)


def check_meeting(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    day, starts_at, ends_at = _check_when(values, errors)
    cleaned: dict[str, Any] = {
        f"title_{lang}": _text(values, f"title_{lang}", errors, limit=300) for lang in LANGUAGES
    }
    cleaned.update(check_place(session, values, errors, [day] if day else []))
    cleaned["with_prison_directors"] = _flag(values, "with_prison_directors")
    if errors:
        raise Invalid(errors)
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
    return cleaned


def overlapping(
    session: Session, body_id: int, starts_at: datetime, ends_at: datetime, but: int | None = None
) -> list[Meeting]:
    """Meetings of the same body, not cancelled, whose time overlaps this one."""
    query = select(Meeting).where(
        Meeting.body_id == body_id,
        Meeting.cancelled_at.is_(None),
        Meeting.starts_at < ends_at,
        Meeting.ends_at > starts_at,
    )
    if but is not None:
        query = query.where(Meeting.id != but)
    return list(session.scalars(query.order_by(Meeting.starts_at)))


def create_meeting(
    session: Session, body: Body, values: dict[str, Any]
) -> tuple[Meeting, list[Meeting]]:
    """A single meeting; returns it with the meetings of the body it overlaps (a warning:
    two meetings at once may be wanted, e.g. a working group splitting in two rooms)."""
    cleaned = check_meeting(session, values)
    meeting = Meeting(body_id=body.id, uid=f"{secrets.token_hex(12)}@concerto", **cleaned)
    session.add(meeting)
    session.flush()
    return meeting, overlapping(session, body.id, meeting.starts_at, meeting.ends_at, meeting.id)


def update_meeting(
    session: Session, meeting: Meeting, values: dict[str, Any], expected_version: int | None
) -> list[Meeting]:
    _check_version(meeting, expected_version)
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")
    cleaned = check_meeting(session, values)
    moved = any(
        getattr(meeting, key) != cleaned[key]
        for key in ("starts_at", "ends_at", "place_kind", "prison_code", "place_text", "online_url")
    )
    for key, value in cleaned.items():
        setattr(meeting, key, value)
    if moved:
        meeting.sequence += 1
    session.flush()
    return overlapping(session, meeting.body_id, meeting.starts_at, meeting.ends_at, meeting.id)


def mark_held(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")
    if meeting.starts_at > utcnow():
        raise Refused("not_started")
    meeting.state = "held"


# --- series --------------------------------------------------------------------------------------


def monthly_rule(weekday: str, ordinal: int, skip_months: list[int]) -> str:
    """ "third Tuesday of every month, except August" as an RRULE."""
    months = [m for m in range(1, 13) if m not in skip_months]
    rule = f"FREQ=MONTHLY;BYDAY={weekday};BYSETPOS={ordinal}"
    if len(months) < 12:
        rule += ";BYMONTH=" + ",".join(str(m) for m in months)
    return rule


def occurrences(rule: str, first_day: date, last_day: date, skipped: set[date]) -> list[date]:
    return schedules.dates_between(rule, first_day, last_day, skipped)


def _words(raw: Any) -> list:
    """A list as given (API) or written with spaces or commas (a form field)."""
    if isinstance(raw, str):
        return raw.replace(",", " ").split()
    return list(raw or [])


def _months(values: dict[str, Any], key: str, errors: dict[str, str]) -> list[int]:
    try:
        months = sorted({int(m) for m in _words(values.get(key))})
    except (TypeError, ValueError):
        months = [0]
    if any(not 1 <= m <= 12 for m in months):
        errors[key] = "months"
        return []
    return months


def _picked_rule(picked: dict[str, Any], errors: dict[str, str]) -> str | None:
    try:
        rule = schedules.compose(picked, needs_end=True)
    except schedules.ScheduleProblem as problem:
        errors["schedule"] = problem.code
        return None
    if rule is None:
        errors["schedule"] = "required"
    return rule


def _minutes_between(picked: dict[str, Any]) -> int:
    starts, ends = (schedules.clock_of(picked[key]) for key in ("starts", "ends"))
    return (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)


def check_series(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    first_day = date_field(values, "first_day", errors, required=True)
    last_day = date_field(values, "last_day", errors, required=True)
    if first_day and last_day:
        if last_day < first_day:
            errors["last_day"] = "before_start"
        elif (last_day - first_day).days > LONGEST_SERIES_DAYS:
            errors["last_day"] = "too_far"
    clock = values.get("start_time") or ""
    picked = values.get("schedule")
    if isinstance(picked, dict):
        # The picker (the series form): the rule, the start and the length in one.
        rule = _picked_rule(picked, errors)
        clock = picked.get("starts") or ""
        if rule:
            values = {**values, "duration_minutes": _minutes_between(picked)}
    else:
        rule = (values.get("rule") or "").strip().upper().removeprefix("RRULE:")
    if not rule and not isinstance(picked, dict):
        weekday = _choice(values, "weekday", errors, WEEKDAYS)
        ordinal = values.get("ordinal")
        if str(ordinal) not in ("1", "2", "3", "4", "-1"):
            errors["ordinal"] = "choice"
        skip_months = _months(values, "skip_months", errors)
        if weekday and "ordinal" not in errors:
            rule = monthly_rule(weekday, int(ordinal), skip_months)
    skipped_days: list[date] = []
    for raw in _words(values.get("skipped_days")):
        try:
            skipped_days.append(date.fromisoformat(str(raw)))
        except ValueError:
            errors["skipped_days"] = "date"
    directors_months = _months(values, "directors_months", errors)
    if not WALL_CLOCK.match(clock) and "schedule" not in errors:
        errors["schedule" if isinstance(picked, dict) else "start_time"] = (
            "clock" if clock else "required"
        )
    duration = whole_field(
        values, "duration_minutes", errors, 15, LONGEST_MEETING_MINUTES, required=True
    )
    days: list[date] = []
    if rule and first_day and last_day and not errors.keys() & {"first_day", "last_day"}:
        try:
            if "FREQ=" not in rule or "COUNT=" in rule or "UNTIL=" in rule:
                raise ValueError
            days = occurrences(rule, first_day, last_day, set(skipped_days))
        except (ValueError, TypeError):
            errors["schedule" if isinstance(picked, dict) else "rule"] = "rrule"
        else:
            if not days:
                errors["schedule" if isinstance(picked, dict) else "rule"] = "no_dates"
    place = check_place(session, values, errors, days)
    if errors:
        raise Invalid(errors)
    return {
        "rule": rule,
        "first_day": first_day,
        "last_day": last_day,
        "start_time": clock,
        "duration_minutes": duration,
        "skipped_days": [d.isoformat() for d in skipped_days],
        "directors_months": directors_months,
        "place": place,
        "days": days,
    }


def plan_series(
    session: Session, body: Body, values: dict[str, Any]
) -> tuple[MeetingSeries, list[Meeting], list[Meeting]]:
    """Create a series and plan its meetings. Returns the series, its meetings, and the
    body's existing meetings they overlap."""
    cleaned = check_series(session, values)
    days = cleaned.pop("days")
    series = MeetingSeries(body_id=body.id, **cleaned)
    session.add(series)
    session.flush()
    planned, clashes = [], []
    for day in days:
        starts_at = local_time(day, series.start_time)
        ends_at = starts_at + timedelta(minutes=series.duration_minutes)
        clashes.extend(overlapping(session, body.id, starts_at, ends_at))
        meeting = Meeting(
            body_id=body.id,
            series_id=series.id,
            uid=f"{secrets.token_hex(12)}@concerto",
            starts_at=starts_at,
            ends_at=ends_at,
            with_prison_directors=day.month in series.directors_months,
            **series.place,
        )
        session.add(meeting)
        planned.append(meeting)
    session.flush()
    return series, planned, clashes


# --- invitations -----------------------------------------------------------------------------


def invitees(meeting: Meeting) -> list[Membership]:
    """Members of the body on the day of the meeting; prison directors only when the meeting
    is one "with prison directors"."""
    day = in_brussels(meeting.starts_at).date()
    return [
        membership
        for membership in meeting.body.memberships
        if membership.active_on(day)
        and (membership.role != "prison_director" or meeting.with_prison_directors)
    ]


def invite(session: Session, meeting: Meeting) -> list[tuple[Invitation, str]]:
    """(Re)issue an invitation with a fresh reply link to every invitee; returns each
    invitation with its link secret, for the message. Earlier replies are kept."""
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state in ("held", "minutes_approved"):
        raise Refused("already_held")
    existing = {invitation.membership_id: invitation for invitation in meeting.invitations}
    issued = []
    for membership in invitees(meeting):
        secret = secrets.token_urlsafe(24)
        invitation = existing.get(membership.id)
        if invitation is None:
            invitation = Invitation(membership=membership, token_hash=digest(secret))
            meeting.invitations.append(invitation)
        else:
            invitation.token_hash = digest(secret)
            invitation.sent_at = utcnow()
        issued.append((invitation, secret))
    meeting.state = "invited"
    meeting.invited_at = utcnow()
    session.flush()
    return issued


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))


def answer(invitation: Invitation, reply: str) -> None:
    if reply not in REPLIES:
        raise Invalid({"reply": "choice"})
    meeting = invitation.meeting
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.ends_at < utcnow():
        raise Refused("past")
    invitation.reply = reply
    invitation.replied_at = utcnow()


def invitation_of_user(
    meeting: Meeting, user_id: int | None, email: str | None = None, authority: str | None = None
) -> Invitation | None:
    """The person's invitation: through a membership linked to their account, or, while the
    secretariat has not linked it, one of their own authority written with the e-mail address
    its provider gave them (so another authority's provider cannot claim it). My work finds
    invitations the same way (core/work/services.py)."""
    if user_id is None:
        return None
    for invitation in meeting.invitations:
        if invitation.membership.user_id == user_id:
            return invitation
    address = (email or "").strip().lower()
    for invitation in meeting.invitations if address and authority else []:
        membership = invitation.membership
        if (
            membership.user_id is None
            and membership.authority_code == authority
            and (membership.email or "").strip().lower() == address
        ):
            return invitation
    return None


def cancel(meeting: Meeting, reason: str | None) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state in ("held", "minutes_approved"):
        raise Refused("already_held")
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = (reason or "").strip()[:2000] or None
    meeting.sequence += 1


# --- agenda --------------------------------------------------------------------------------------


def _agenda_open(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")


def parse_links(
    session: Session,
    raw: Any,
    errors: dict[str, str],
    principal: Principal | None = None,
    keep: list[dict] | tuple = (),
) -> list[dict]:
    """Links as the picker sends them ("kind:id" values) or the API ([{"kind", "id"}], a goal
    also by its code), to records ``principal`` may read (core.links); without a principal
    (demo data, the command line) every record may be linked."""
    return links.parse(session, principal or _SYSTEM, raw, errors, keep=keep)


_SYSTEM = Principal(channel="job", label="meetings")


def check_item(
    session: Session,
    meeting: Meeting,
    values: dict[str, Any],
    principal: Principal | None = None,
    keep: list[dict] | tuple = (),
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        f"title_{lang}": _text(values, f"title_{lang}", errors, limit=500) for lang in LANGUAGES
    }
    if not (cleaned["title_nl"] or cleaned["title_fr"]) and "title_nl" not in errors:
        errors["title_nl"] = "one_title"
    cleaned["purpose"] = _choice(values, "purpose", errors, PURPOSES, default="information")
    cleaned["duration_minutes"] = whole_field(values, "duration_minutes", errors, 1, 480)
    cleaned["presenter"] = _text(values, "presenter", errors, limit=200)
    cleaned["links"] = parse_links(session, values.get("links"), errors, principal, keep)
    parent_id = values.get("parent_id") or None
    if parent_id is not None:
        parent = next((i for i in meeting.items if str(i.id) == str(parent_id)), None)
        if parent is None:
            errors["parent_id"] = "unknown"
        elif parent.parent_id is not None:
            errors["parent_id"] = "depth"
        else:
            parent_id = parent.id
    cleaned["parent_id"] = parent_id
    if errors:
        raise Invalid(errors)
    return cleaned


def add_item(
    session: Session, meeting: Meeting, values: dict[str, Any], principal: Principal | None = None
) -> AgendaItem:
    _agenda_open(meeting)
    cleaned = check_item(session, meeting, values, principal)
    siblings = [i for i in meeting.items if i.parent_id == cleaned["parent_id"]]
    item = AgendaItem(position=max((i.position for i in siblings), default=0) + 1, **cleaned)
    meeting.items.append(item)
    session.flush()
    return item


def update_item(
    session: Session, item: AgendaItem, values: dict[str, Any], principal: Principal | None = None
) -> None:
    _agenda_open(item.meeting)
    cleaned = check_item(
        session, item.meeting, values | {"parent_id": item.parent_id}, principal, item.links
    )
    for key, value in cleaned.items():
        setattr(item, key, value)


def remove_item(session: Session, item: AgendaItem) -> None:
    _agenda_open(item.meeting)
    if session.scalar(select(func.count()).where(Decision.item_id == item.id)):
        raise Refused("has_decisions")
    if session.scalar(select(func.count()).where(Remark.item_id == item.id)):
        raise Refused("has_remarks")  # the remarks would go with it
    session.delete(item)


def move_item(item: AgendaItem, step: int) -> None:
    """Swap an item with its previous (-1) or next (+1) sibling."""
    _agenda_open(item.meeting)
    siblings = sorted(
        (i for i in item.meeting.items if i.parent_id == item.parent_id), key=lambda i: i.position
    )
    index = siblings.index(item)
    other = index + step
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = (
            siblings[other].position,
            siblings[index].position,
        )


def agenda(meeting: Meeting) -> list[tuple[str, AgendaItem, int]]:
    """The agenda in order as (number, item, depth): 1, 1.1, 1.2, 2..."""
    children = defaultdict(list)
    for item in meeting.items:
        children[item.parent_id].append(item)
    rows = []
    for n, item in enumerate(sorted(children[None], key=lambda i: i.position), start=1):
        rows.append((str(n), item, 0))
        for m, child in enumerate(sorted(children[item.id], key=lambda i: i.position), start=1):
            rows.append((f"{n}.{m}", child, 1))
    return rows


# Magic numbers of the types we accept: a file whose content does not match the type its
# name claims is refused (a renamed executable is not a PDF).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


def attach(
    session: Session,
    item: AgendaItem,
    filename: str,
    content: bytes,
    *,
    allowed_types: list[str],
    max_bytes: int,
    uploaded_by: str,
) -> Attachment:
    _agenda_open(item.meeting)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not name or not content:
        raise Invalid({"file": "required"})
    if len(content) > max_bytes:
        raise Invalid({"file": "too_large"})
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type not in allowed_types:
        raise Invalid({"file": "file_type"})
    signatures = SIGNATURES.get(content_type)
    if signatures and not content.startswith(signatures):
        raise Invalid({"file": "file_content"})
    if content_type.startswith("text/"):
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid({"file": "file_content"}) from None
    attachment = Attachment(
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=uploaded_by,
    )
    item.attachments.append(attachment)
    session.flush()
    return attachment


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
    _check_version(minutes, expected_version)
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
    goal_id = _goal(session, values.get("goal"), errors)
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


def _goal(session: Session, raw: Any, errors: dict[str, str]) -> int | None:
    from core.goals.services import goal_id_of

    return goal_id_of(session, raw, errors)


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
        cleaned["goal_id"] = _goal(session, values.get("goal"), errors)
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
    _check_version(action, expected_version)
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
    from core.identity.models import Identity, User

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


def unhandled(minutes: Minutes) -> list[Remark]:
    """The remarks the secretariat has not marked yet."""
    return [remark for remark in minutes.remarks if remark.handling is None]


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
    _check_version(minutes, expected_version)
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
    _check_version(remark, expected_version)
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
    _check_version(remark, expected_version)
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
    _check_version(remark, expected_version)
    remark.handling, remark.reason = cleaned["handling"], cleaned["reason"]
    remark.handled_at = utcnow() if cleaned["handling"] else None
    remark.handled_by = principal.label if cleaned["handling"] else None
    session.flush()
    return True


# --- the register of actions and attendance figures ---------------------------------------------


@dataclass
class ActionFilters:
    authority: str | None = None
    status: str | None = None  # open (open and in progress), overdue, done, any
    owner: str | None = None


def find_actions(session: Session, filters: ActionFilters, today: date) -> list[ActionItem]:
    query = select(ActionItem).options(selectinload(ActionItem.meeting).selectinload(Meeting.body))
    if filters.authority:
        query = query.where(ActionItem.authority_code == filters.authority)
    if filters.owner:
        query = query.where(ActionItem.owner_name == filters.owner)
    if filters.status in (None, "", "open"):
        query = query.where(ActionItem.status.in_(OPEN_ACTION_STATES))
    elif filters.status == "overdue":
        query = query.where(ActionItem.status.in_(OPEN_ACTION_STATES), ActionItem.due_on < today)
    elif filters.status in ACTION_STATES:
        query = query.where(ActionItem.status == filters.status)
    return list(
        session.scalars(
            query.order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def action_summary(session: Session, today: date) -> list[dict[str, Any]]:
    """Open and overdue actions per authority and owner, for the dashboard."""
    rows: dict[tuple, dict[str, Any]] = {}
    for action in session.scalars(
        select(ActionItem).where(ActionItem.status.in_(OPEN_ACTION_STATES))
    ):
        row = rows.setdefault(
            (action.authority_code, action.partner_id, action.owner_name),
            {
                "authority": action.authority_code,
                # An outside partner's owner: the partner, for its name (core.partners).
                "partner": action.partner,
                "owner": action.owner_name,
                "open": 0,
                "overdue": 0,
            },
        )
        row["open"] += 1
        row["overdue"] += action.overdue(today)
    # Partners after the authorities, each group by owner.
    return sorted(
        rows.values(),
        key=lambda r: (-r["overdue"], r["authority"] is None, r["authority"] or "", r["owner"]),
    )


def _latest_attendance(session: Session, body_id: int, year: int) -> list[Attendance]:
    """The attendance rows of the latest minutes of each of a year's meetings of a body."""
    start = local_time(date(year, 1, 1), "00:00")
    end = local_time(date(year + 1, 1, 1), "00:00")
    meetings = session.scalars(
        select(Meeting).where(
            Meeting.body_id == body_id,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Meeting.cancelled_at.is_(None),
        )
    ).all()
    latest = {
        meeting_id: minutes_id
        for meeting_id, minutes_id in session.execute(
            select(Minutes.meeting_id, func.max(Minutes.id))
            .where(Minutes.meeting_id.in_([m.id for m in meetings]))
            .group_by(Minutes.meeting_id)
        )
    }
    return list(
        session.scalars(select(Attendance).where(Attendance.minutes_id.in_(list(latest.values()))))
    )


def _presence_counts(rows: list[Attendance], key) -> dict:
    figures: dict = {}
    represented: dict = defaultdict(set)
    for row in rows:
        counts = figures.setdefault(
            key(row), {"present": 0, "excused": 0, "absent": 0, "meetings": 0}
        )
        counts[row.presence] += 1
        if row.presence == "present":
            represented[key(row)].add(row.minutes_id)
    for code, counts in figures.items():
        counts["meetings"] = len(represented[code])
    return figures


def attendance_by_authority(session: Session, body_id: int, year: int) -> dict[str, dict]:
    """Presence per authority over a year's meetings, from each meeting's latest minutes:
    {authority: {"present": n, "excused": n, "absent": n, "meetings": n}}. Outside partners
    are counted apart (attendance_by_partner): they are not among the authorities."""
    rows = [r for r in _latest_attendance(session, body_id, year) if r.authority_code]
    return dict(sorted(_presence_counts(rows, lambda r: r.authority_code).items()))


def attendance_by_partner(session: Session, body_id: int, year: int) -> dict[int, dict]:
    """Presence per outside partner over a year's meetings, as attendance_by_authority:
    {partner id: {"present": n, "excused": n, "absent": n, "meetings": n}}."""
    rows = [r for r in _latest_attendance(session, body_id, year) if r.partner_id is not None]
    return _presence_counts(rows, lambda r: r.partner_id)
