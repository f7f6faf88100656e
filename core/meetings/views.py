"""Pages of the meetings feature: bodies and members, meetings and series, the agenda,
invitations and replies, minutes with decisions and actions, the register of actions,
attendance figures, calendar feeds and the outbox."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from core.clock import in_brussels, local_time, utcnow
from core.db import db_session
from core.downloads import content_disposition
from core.goals.models import Goal
from core.i18n import current_language, pick, show_date, show_datetime
from core.identity.models import User
from core.inventory import schedules
from core.links import services as links
from core.links.forms import picker_context, searching
from core.mail.models import OutboxMessage
from core.mail.services import reason as failure_reason
from core.meetings import calendars, documents, messages
from core.meetings import services as meetings
from core.meetings.models import (
    ACTION_LABELS,
    PRESENCE,
    ActionItem,
    AgendaItem,
    Attachment,
    Body,
    Decision,
    Meeting,
    Membership,
    Minutes,
)
from core.partners.models import Partner
from core.partners.services import choices as partner_choices
from core.partners.services import involved_word
from core.partners.services import name_of as partner_name
from core.permissions import can, current, require
from core.reference.models import Authority, Prison
from core.reference.services import prisons_open
from core.validation import MESSAGES

blueprint = Blueprint("meetings", __name__)

NO_ATTENDEES = _l(
    "Nobody is marked present in the attendance of these minutes. Mark who attended, "
    "then send the draft for remarks."
)
ERRORS = {
    **MESSAGES,
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "one_of": _l("Choose an authority or an outside partner, not both."),
    "duplicate": _l("This value is already used."),
    "type": _l("This value has the wrong form."),
    "integer": _l("Give a whole number."),
    "range": _l("This number is outside the allowed range."),
    "choice": _l("Choose one of the options."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "closed": _l("This prison is not open on the meeting's date."),
    "clock": _l("Give a time as HH:MM, for example 14:00."),
    "code": _l("Use 2 to 64 lower-case letters, digits or underscores."),
    "before_start": _l("This date comes before the start."),
    "too_far": _l("A series covers at most three years; plan the rest later."),
    "months": _l("Give month numbers from 1 to 12."),
    **schedules.MESSAGES,
    "no_dates": _l("This schedule gives no date between the first and the last day."),
    "one_title": _l("Give a title in Dutch or in French."),
    "one_name": _l("Give a name in Dutch or in French."),
    "one_text": _l("Give the text in Dutch or in French."),
    "depth": _l("A sub-item cannot have sub-items of its own."),
    **links.ERRORS,
    "too_large": _l("This file is larger than the limit."),
    "file_type": _l(
        "This type of file is not accepted. Accepted: PDF, ODF, Office, text, CSV, PNG, JPEG."
    ),
    "file_content": _l("The file's content does not match its type."),
    "not_future": _l("Give a day after today, so that those present have time to read."),
    "round_too_far": _l("Give a day within a year from today."),
    "reason_required": _l("Say in a few words why the remark is not taken in."),
    "no_attendees": NO_ATTENDEES,
    "remark_changed": _l(
        "The author changed this remark after you opened the page. Read it again, then mark it."
    ),
}
REFUSALS = {
    "cancelled": _l("This meeting is cancelled."),
    "minutes_approved": _l(
        "The minutes of this meeting are approved and can no longer change. "
        "To change them, propose a correction with its reason; the next meeting approves it."
    ),
    "already_held": _l("This meeting has already been held."),
    "not_started": _l("This meeting has not started yet."),
    "minutes_exist": _l("Minutes for this meeting already exist."),
    "has_decisions": _l("This item has decisions in the minutes and cannot be removed."),
    "not_next_meeting": _l("Minutes are approved at a later meeting of the same body."),
    "approving_not_started": _l(
        "Minutes are approved on the day of the approving meeting, not before."
    ),
    "not_approved": _l("Only approved minutes can be corrected."),
    "correction_pending": _l("A correction of these minutes is already waiting for approval."),
    "past": _l("This meeting is over; replies are closed."),
    "has_remarks": _l("This item has remarks on the draft minutes and cannot be removed."),
    "remarks_unhandled": _l(
        "Some remarks of those present are not dealt with yet. Mark each one as taken in or "
        "not taken in (with a word why) in the draft minutes, then approve them."
    ),
    "remarks_frozen": _l("These minutes are approved: their remarks can no longer change."),
    "not_sent": _l("These draft minutes have not been sent for remarks."),
    "remarks_closed": _l(
        "The closing day for remarks on these minutes has passed: nothing was saved. "
        "Tell the secretariat if your remark still matters."
    ),
    "no_attendees": NO_ATTENDEES,
    "not_attendee": _l("Only those present at the meeting leave remarks on its minutes."),
    "not_author": _l("Only its author may change or withdraw a remark."),
    "remark_exists": _l("You already left a remark on this item: change that one instead."),
}
STALE = _l(
    "Someone else saved this in the meantime. Nothing was overwritten: "
    "the page now shows their version; make your change again."
)
KIND_LABELS = {
    "committee": _l("committee"),
    "steering_group": _l("steering group"),
    "working_group": _l("working group"),
    "policy_team": _l("local policy team"),
    "coordination_team": _l("local coordination team"),
    "other": _l("other"),
}
ROLE_LABELS = {
    "chair": _l("chair"),
    "secretary": _l("secretary"),
    "member": _l("member"),
    "observer": _l("observer"),
    "prison_director": _l("prison director (meetings with prison directors)"),
}
STATE_LABELS = {
    "planned": _l("planned"),
    "invited": _l("invited"),
    "held": _l("held"),
    "minutes_approved": _l("minutes approved"),
}
PLACE_LABELS = {
    "prison": _l("in a prison"),
    "office": _l("at an office"),
    "online": _l("online"),
}
PURPOSE_LABELS = {
    "information": _l("information"),
    "advice": _l("advice"),
    "decision": _l("decision"),
}
PRESENCE_LABELS = {"present": _l("present"), "excused": _l("excused"), "absent": _l("absent")}
REPLY_LABELS = {"attend": _l("I will attend"), "excused": _l("I am excused")}
HANDLING_LABELS = {"taken_in": _l("taken in"), "not_taken_in": _l("not taken in")}
REMARK_LANGUAGE_LABELS = {"nl": _l("in Dutch"), "fr": _l("in French")}


@blueprint.app_context_processor
def _labels():
    return {
        "body_kinds": KIND_LABELS,
        "member_roles": ROLE_LABELS,
        "meeting_states": STATE_LABELS,
        "place_kinds": PLACE_LABELS,
        "purposes": PURPOSE_LABELS,
        "presences": PRESENCE_LABELS,
        "reply_labels": REPLY_LABELS,
        "action_states": ACTION_LABELS,
        "handlings": HANDLING_LABELS,
        "remark_languages": REMARK_LANGUAGE_LABELS,
    }


def _errors(invalid: meetings.Invalid) -> dict[str, str]:
    return {key: str(ERRORS.get(code, code)) for key, code in invalid.errors.items()}


def _refused(refusal: meetings.Refused) -> str:
    return str(REFUSALS.get(refusal.code, refusal.code))


def _today() -> date:
    return in_brussels(utcnow()).date()


def _email_of(principal) -> str | None:
    """The address the person logged in with, by which an unlinked membership is theirs."""
    user = db_session().get(User, principal.user_id) if principal.user_id else None
    return user.email if user is not None else None


def _get(model, ident: int):
    # An id no integer column holds (a crafted form field) is simply not found.
    found = db_session().get(model, ident) if 0 < ident < 2**31 else None
    if found is None:
        abort(404)
    return found


def _choices(year: int | None = None, keep: str | None = None) -> dict:
    """Authorities and prisons as (code, name in the reader's language) for select fields:
    the prisons open in ``year`` (today without one), and ``keep``, the meeting's own, even
    when it has closed since, marked so."""
    session = db_session()
    prisons = [(p.code, str(p.local("name"))) for p in prisons_open(session, year=year)]
    kept = session.get(Prison, keep) if keep else None
    if kept is not None and keep not in dict(prisons):
        prisons.append((kept.code, f"{kept.local('name')} {_('(closed)')}"))
    return {
        "authorities": [
            (a.code, str(a.local("name")))
            for a in session.scalars(select(Authority).order_by(Authority.code))
        ],
        "prisons": prisons,
    }


def _partner_choices() -> list[tuple[str, str]]:
    """The register's outside partners for the choice of whom a member or an action's owner
    acts for, beside the authorities (core.partners)."""
    return [(involved_word(pid), label) for pid, label in partner_choices(db_session())]


def _on_behalf_value(record) -> str:
    """The choice a member or an action acts for, as the form's select holds it."""
    if record.partner_id is not None:
        return involved_word(record.partner_id)
    return record.authority_code or ""


def _step(action, done: str | None, back):
    """One change from a button: carried out and committed with a message, or refused with
    the reason, and back to the page it came from either way."""
    session = db_session()
    try:
        action(session)
        session.commit()
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
        return back
    if done:
        flash(done, "success")
    return back


def _back_to(meeting: Meeting, anchor: str = ""):
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id) + anchor)


def _keep(record) -> None:
    """Stop unless the person keeps ``record``'s body: the secretariat the committee's
    bodies, an authority's coordinators that authority's own (core.permissions)."""
    require("meetings.manage", record)


def _kept_bodies(principal) -> list[Body]:
    """The bodies the person keeps, to plan a meeting for."""
    bodies = db_session().scalars(select(Body).order_by(Body.id))
    return [body for body in bodies if can(principal, "meetings.manage", body)]


def _owner_choices(principal) -> list[tuple[str, str]]:
    """Whom a new body may belong to, as (value, words): the committee (value "") for the
    secretariat, the person's own authority for its coordinators."""
    choices = []
    if can(principal, "meetings.manage"):
        choices.append(("", _("the committee")))
    own = principal.authority
    if own and can(principal, "meetings.manage", own):
        found = db_session().get(Authority, own)
        choices.append((own, str(found.local("name")) if found else own))
    return choices


# --- meetings and bodies -------------------------------------------------------------------------


@blueprint.get("/meetings")
def index():
    """Upcoming meetings first, whatever their year (a meeting planned for next January is
    in view in December), then the past ones by year, newest first; ``?year=`` shows one
    year."""
    require("meetings.read")
    session = db_session()
    body_id = request.args.get("body", type=int)
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    now = utcnow()
    query = select(Meeting).options(selectinload(Meeting.body)).order_by(Meeting.starts_at)
    if body_id:
        query = query.where(Meeting.body_id == body_id)
    if year is not None:
        start = local_time(date(year, 1, 1), "00:00")
        end = local_time(date(year + 1, 1, 1), "00:00")
        upcoming = []
        past = session.scalars(query.where(Meeting.starts_at >= start, Meeting.starts_at < end))
    else:
        # The past shown by default: this year and the last; older years are one link away.
        since = local_time(date(_today().year - 1, 1, 1), "00:00")
        upcoming = session.scalars(query.where(Meeting.ends_at >= now)).all()
        past = session.scalars(query.where(Meeting.ends_at < now, Meeting.starts_at >= since))
    by_year: dict[int, list[Meeting]] = {}
    for meeting in sorted(past, key=lambda m: m.starts_at, reverse=year is None):
        by_year.setdefault(in_brussels(meeting.starts_at).year, []).append(meeting)
    # The years before the ones shown, newest first, back to the first meeting's.
    first = session.scalar(select(func.min(Meeting.starts_at)))
    shown_from = year if year is not None else _today().year - 1
    first_year = in_brussels(first).year if first else shown_from
    principal = current()
    user = session.get(User, principal.user_id) if principal.user_id else None
    return render_template(
        "meetings/index.html",
        upcoming=upcoming,
        by_year=by_year,
        older_years=range(shown_from - 1, first_year - 1, -1),
        bodies=session.scalars(select(Body).order_by(Body.id)).all(),
        body_id=body_id,
        year=year,
        now=now,
        user=user,
        may_plan=bool(_kept_bodies(principal)),
        may_create_body=bool(_owner_choices(principal)),
        may_read_outbox=can(principal, "outbox.read"),
    )


@blueprint.post("/calendar/token")
def new_calendar_token():
    require("meetings.read")
    session = db_session()
    user = _get(User, current().user_id)
    user.calendar_token = secrets.token_urlsafe(24)
    session.commit()
    flash(_("Your calendar has a new private address; the old one no longer works."), "success")
    return redirect(url_for("meetings.index"))


@blueprint.route("/bodies/new", methods=["GET", "POST"])
def new_body():
    """A new body of the committee (the secretariat) or of the person's own authority (its
    coordinators); one who may do both chooses."""
    require("meetings.read")
    owners = _owner_choices(current())
    if not owners:
        abort(403)
    errors, values = {}, {"owner": owners[0][0]}
    if request.method == "POST":
        values = request.form.to_dict()
        owner = values.setdefault("owner", owners[0][0])
        if owner not in dict(owners):
            abort(403)
        session = db_session()
        try:
            body = meetings.create_body(session, values, owner or None)
            session.commit()
            flash(_("The body was created."), "success")
            return redirect(url_for("meetings.body", body_id=body.id))
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "meetings/body_form.html",
        body=None,
        values=values,
        errors=errors,
        owners=owners,
        **_choices(),
    ), 422 if errors else 200


@blueprint.route("/bodies/<int(max=2147483647):body_id>/edit", methods=["GET", "POST"])
def edit_body(body_id: int):
    require("meetings.read")
    body = _get(Body, body_id)
    _keep(body)
    errors = {}
    values = {
        "kind": body.kind,
        "public_calendar": body.public_calendar,
        "prison": body.prison_code,
        **{f"name_{lang}": getattr(body, f"name_{lang}") for lang in ("nl", "fr", "en")},
    }
    if request.method == "POST":
        values = request.form.to_dict()
        session = db_session()
        try:
            meetings.update_body(session, body, values)
            session.commit()
            flash(_("The body was saved."), "success")
            return redirect(url_for("meetings.body", body_id=body.id))
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "meetings/body_form.html",
        body=body,
        values=values,
        errors=errors,
        owners=[],
        **_choices(keep=body.prison_code),
    ), 422 if errors else 200


@blueprint.get("/bodies/<int(max=2147483647):body_id>")
def body(body_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Body, body_id)
    today = _today()
    return render_template(
        "meetings/body.html",
        body=found,
        today=today,
        members=[m for m in found.memberships if m.ends_on is None or m.ends_on >= today],
        former=[m for m in found.memberships if m.ends_on is not None and m.ends_on < today],
        may_manage=can(current(), "meetings.manage", found),
        prison=session.get(Prison, found.prison_code) if found.prison_code else None,
        local_plans=meetings.local_plans_of(session, found),
    )


def _membership_form(body: Body, membership: Membership | None):
    _keep(body)
    session = db_session()
    errors = {}
    if membership is None:
        values = {"starts_on": _today().isoformat(), "language": "nl", "role": "member"}
    else:
        values = {
            "name": membership.name,
            "email": membership.email,
            "language": membership.language,
            "role": membership.role,
            "authority": _on_behalf_value(membership),
            "starts_on": membership.starts_on.isoformat(),
            "ends_on": membership.ends_on.isoformat() if membership.ends_on else "",
            "user_id": membership.user_id or "",
        }
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            if membership is None:
                meetings.add_membership(session, body, values)
            else:
                meetings.update_membership(session, membership, values)
            session.commit()
            flash(_("The membership was saved."), "success")
            return redirect(url_for("meetings.body", body_id=body.id))
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "meetings/membership_form.html",
        body=body,
        membership=membership,
        values=values,
        errors=errors,
        users=[
            (u.id, u.display_name)
            for u in session.scalars(select(User).order_by(User.display_name))
        ],
        partner_choices=_partner_choices(),
        **_choices(),
    ), 422 if errors else 200


@blueprint.route("/bodies/<int(max=2147483647):body_id>/members/new", methods=["GET", "POST"])
def new_membership(body_id: int):
    require("meetings.read")
    return _membership_form(_get(Body, body_id), None)


@blueprint.route("/memberships/<int(max=2147483647):membership_id>", methods=["GET", "POST"])
def edit_membership(membership_id: int):
    require("meetings.read")
    membership = _get(Membership, membership_id)
    return _membership_form(membership.body, membership)


def _overlap_warning(clashes: list[Meeting]) -> None:
    if clashes:
        when = ", ".join(
            sorted(
                {calendars.meeting_title(m, current_language()) + " " + _moment(m) for m in clashes}
            )
        )
        flash(
            _("Warning: this overlaps other meetings of the body: %(when)s.", when=when), "warning"
        )


def _moment(meeting: Meeting) -> str:
    return show_datetime(meeting.starts_at)


@blueprint.route("/bodies/<int(max=2147483647):body_id>/series/new", methods=["GET", "POST"])
def new_series(body_id: int):
    require("meetings.read")
    found = _get(Body, body_id)
    _keep(found)
    year = _today().year + 1
    values = {
        # The committee's usual rhythm: the third Tuesday, 14:00 to 16:00, not in August.
        "schedule": {
            "repeat": "monthly",
            "week": "3",
            "days": ["TU"],
            "starts": "14:00",
            "ends": "16:00",
            "skip_months": ["8"],
            "skip_holidays": "1",
        },
        "directors_months": ["3", "6", "9", "12"],
        "first_day": f"{year}-01-01",
        "last_day": f"{year}-12-31",
        **_last_place(found),
    }
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        # The page offers the picker only; a form without it chose no schedule.
        picked = schedules.from_form(request.form, "schedule")
        values["schedule"] = picked if isinstance(picked, dict) else {}
        values["directors_months"] = request.form.getlist("directors_months")
        session = db_session()
        try:
            _series, planned, clashes = meetings.plan_series(session, found, values)
            session.commit()
            flash(
                ngettext(
                    "%(num)d meeting was planned.", "%(num)d meetings were planned.", len(planned)
                ),
                "success",
            )
            _overlap_warning(clashes)
            return redirect(url_for("meetings.index", body=found.id, year=values["first_day"][:4]))
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "meetings/series_form.html",
        body=found,
        values=values,
        errors=errors,
        **_choices(),
    ), 422 if errors else 200


def _last_place(body: Body) -> dict:
    """Where the body met last: the usual place is the likely one."""
    last = db_session().scalar(
        select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.starts_at.desc())
    )
    if last is None:
        return {"place_kind": "office"}
    open_today = {p.code for p in prisons_open(db_session())}
    return {
        "place_kind": last.place_kind,
        "prison": last.prison_code if last.prison_code in open_today else None,
        "place_text": last.place_text,
        "online_url": last.online_url,
    }


def _meeting_values(meeting: Meeting) -> dict:
    local = in_brussels(meeting.starts_at)
    return {
        "date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        "place_kind": meeting.place_kind,
        "prison": meeting.prison_code,
        "place_text": meeting.place_text,
        "online_url": meeting.online_url,
        "with_prison_directors": meeting.with_prison_directors,
        "version": meeting.version,
        **{f"title_{lang}": getattr(meeting, f"title_{lang}") for lang in ("nl", "fr", "en")},
    }


@blueprint.route("/bodies/<int(max=2147483647):body_id>/meetings/new", methods=["GET", "POST"])
def new_meeting(body_id: int):
    require("meetings.read")
    found = _get(Body, body_id)
    _keep(found)
    return _plan_meeting(found)


@blueprint.route("/meetings/new", methods=["GET", "POST"])
def plan_meeting():
    """ "Plan a meeting" from the list of meetings: the same form, with the body to choose
    among those the person keeps."""
    require("meetings.read")
    if not _kept_bodies(current()):
        abort(403)
    return _plan_meeting(None)


def _plan_meeting(found: Body | None):
    session = db_session()
    bodies = None if found else _kept_bodies(current())
    values = {"start_time": "14:00", "duration_minutes": "120"}
    values.update(_last_place(found) if found else {"place_kind": "office"})
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        chosen = request.form.get("body_id", type=int) or 0
        # An id no integer column holds (a crafted form field) is simply no body.
        body = found or (session.get(Body, chosen) if 0 < chosen < 2**31 else None)
        if body is not None:
            _keep(body)
        try:
            if body is None:  # the other fields' problems too, with the body's
                try:
                    meetings.check_meeting(session, values)
                    problems = {}
                except meetings.Invalid as invalid:
                    problems = invalid.errors
                raise meetings.Invalid({**problems, "body_id": "required"})
            meeting, clashes = meetings.create_meeting(session, body, values)
            session.commit()
            flash(_("The meeting was planned."), "success")
            _overlap_warning(clashes)
            return _back_to(meeting)
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
    return render_template(
        "meetings/meeting_form.html",
        body=found,
        bodies=bodies,
        meeting=None,
        values=values,
        errors=errors,
        **_choices(),
    ), 422 if errors else 200


@blueprint.get("/meetings/overlaps")
def overlaps():
    """The warning the meeting form shows while it is filled (htmx): the body's meetings at
    the time typed so far, before anything is saved."""
    require("meetings.read")
    session = db_session()
    body_id = request.args.get("body_id", type=int) or 0
    but = request.args.get("but", type=int)
    clashes = []
    # Ids no id column holds (a crafted address) name no body and no meeting.
    found = session.get(Body, body_id) if 0 < body_id < 2**31 else None
    if found is None:
        if not _kept_bodies(current()):  # no body chosen yet: who plans for some body
            abort(403)
    else:
        _keep(found)
        clashes = meetings.clashes_of(
            session, body_id, request.args.to_dict(), but if but and 0 < but < 2**31 else None
        )
    return render_template(
        "meetings/_overlaps.html",
        clashes=clashes,
        titles={m.id: calendars.meeting_title(m, current_language()) for m in clashes},
    )


@blueprint.route("/meetings/<int(max=2147483647):meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(meeting_id: int):
    require("meetings.read")
    meeting = _get(Meeting, meeting_id)
    _keep(meeting)
    values, errors, status = _meeting_values(meeting), {}, 200
    if request.method == "POST":
        session = db_session()
        form = request.form.to_dict()
        try:
            clashes = meetings.update_meeting(session, meeting, form, form.get("version"))
            session.commit()
            flash(_("The meeting was saved."), "success")
            _overlap_warning(clashes)
            return _back_to(meeting)
        except meetings.Invalid as invalid:
            session.rollback()
            values, errors, status = form, _errors(invalid), 422
        except (meetings.Stale, StaleDataError):
            session.rollback()
            session.refresh(meeting)
            flash(str(STALE), "error")
            values, status = _meeting_values(meeting), 409
        except meetings.Refused as refusal:
            session.rollback()
            flash(_refused(refusal), "error")
            return _back_to(meeting)
    return render_template(
        "meetings/meeting_form.html",
        body=meeting.body,
        meeting=meeting,
        values=values,
        errors=errors,
        **_choices(in_brussels(meeting.starts_at).year, meeting.prison_code),
    ), status


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>")
def meeting(meeting_id: int):
    require("meetings.read")
    return _meeting_page(_get(Meeting, meeting_id))


def _meeting_page(found: Meeting):
    session = db_session()
    principal = current()
    may_manage = can(principal, "meetings.manage", found)
    all_minutes = meetings.revisions(session, found)
    approved = [m for m in all_minutes if m.approved]
    # Only approved minutes are shown as the minutes; a draft lives in its editor.
    shown = approved[-1] if approved else None
    draft = all_minutes[-1] if all_minutes and not all_minutes[-1].approved else None
    to_approve = meetings.minutes_to_approve(session, found) if may_manage else []
    # Those present see the draft once it is sent to them for remarks.
    attendee = (
        meetings.attendance_of_user(
            draft, principal.user_id, _email_of(principal), principal.authority
        )
        if draft is not None and draft.remark_round is not None
        else None
    )
    return render_template(
        "meetings/meeting.html",
        meeting=found,
        agenda=meetings.agenda(found),
        minutes=shown,
        draft=draft,
        revisions=all_minutes,
        to_approve=to_approve,
        earlier_agendas={m.id: meetings.agenda(m.meeting) for m in to_approve},
        actions=session.scalars(
            select(ActionItem).where(ActionItem.meeting_id == found.id).order_by(ActionItem.id)
        ).all(),
        mine=meetings.invitation_of_user(
            found, principal.user_id, _email_of(principal), principal.authority
        ),
        may_manage=may_manage,
        started=found.starts_at <= utcnow(),
        linked=_linked_records(found, all_minutes),
        new_item_picker=picker_context(session, principal, None, "links") if may_manage else None,
        parents=_parents(found),
        goals=_goals_by_id(session, all_minutes),
        attendee=attendee,
        today=_today(),
    )


def _goals_by_id(session, all_minutes: list[Minutes]) -> dict[int, Goal]:
    ids = {d.goal_id for m in all_minutes for d in m.decisions if d.goal_id}
    if not ids:
        return {}
    return {g.id: g for g in session.scalars(select(Goal).where(Goal.id.in_(ids)))}


def _parents(meeting: Meeting) -> list[tuple[int, str]]:
    return [
        (item.id, item.local("title").labelled(f"{number}. "))
        for number, item, depth in meetings.agenda(meeting)
        if depth == 0
    ]


def _linked_records(meeting: Meeting, all_minutes: list[Minutes]) -> dict[tuple[str, int], list]:
    """The links of the agenda's items and of the minutes' decisions as the reader sees them
    (core.links: a deleted record or one the reader may not read says so, never its name),
    by ("item", id) and ("decision", id)."""
    session, principal, language = db_session(), current(), current_language()
    described = {
        ("item", item.id): links.describe(session, principal, item.links, language)
        for item in meeting.items
        if item.links
    }
    for minutes in all_minutes:
        for decision in minutes.decisions:
            if decision.links:
                described[("decision", decision.id)] = links.describe(
                    session, principal, decision.links, language
                )
    return described


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/invite")
def invite(meeting_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Meeting, meeting_id)
    _keep(found)
    try:
        issued = meetings.invite(session, found)
        count = messages.send_invitations(session, found, issued)
        session.commit()
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
        return _back_to(found)
    flash(
        ngettext(
            "%(num)d invitation was written to the outbox.",
            "%(num)d invitations were written to the outbox.",
            count,
        ),
        "success",
    )
    return _back_to(found)


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/cancel")
def cancel(meeting_id: int):
    require("meetings.read")
    found = _get(Meeting, meeting_id)
    _keep(found)

    def step(session):
        meetings.cancel(found, request.form.get("reason"))
        messages.send_cancellation(session, found)

    return _step(step, _("The meeting was cancelled; those invited are told."), _back_to(found))


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/held")
def held(meeting_id: int):
    require("meetings.read")
    found = _get(Meeting, meeting_id)
    _keep(found)
    return _step(
        lambda _session: meetings.mark_held(found),
        _("The meeting is marked as held."),
        _back_to(found),
    )


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/reply")
def reply_as_member(meeting_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Meeting, meeting_id)
    principal = current()
    invitation = meetings.invitation_of_user(
        found, principal.user_id, _email_of(principal), principal.authority
    )
    if invitation is None:
        abort(403)
    try:
        meetings.answer(invitation, request.form.get("reply", ""))
        session.commit()
        flash(_("Your reply was recorded."), "success")
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
    except meetings.Invalid:
        session.rollback()
        flash(str(ERRORS["choice"]), "error")
    return _back_to(found)


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def reply_by_link(token: str):
    """The link in the invitation: no login needed, the secret in the address is the key."""
    session = db_session()
    invitation = meetings.invitation_by_token(session, token)
    if invitation is None:
        return render_template(
            "meetings/reply.html",
            invitation=None,
            problem=_(
                "This reply link is not valid (any more). A newer invitation may have replaced it."
            ),
        ), 404
    problem, status = None, 200
    if invitation.meeting.cancelled:
        problem, status = _refused(meetings.Refused("cancelled")), 409
    if request.method == "POST" and problem is None:
        try:
            meetings.answer(invitation, request.form.get("reply", ""))
            session.commit()
            flash(_("Your reply was recorded."), "success")
            return redirect(url_for("meetings.reply_by_link", token=token))
        except meetings.Refused as refusal:
            session.rollback()
            problem, status = _refused(refusal), 409
        except meetings.Invalid:
            session.rollback()
            problem, status = str(ERRORS["choice"]), 422
    return render_template("meetings/reply.html", invitation=invitation, problem=problem), status


# --- agenda -----------------------------------------------------------------------------------


def _item_values(form) -> dict:
    """An agenda item's fields as the form sends them, its chosen links as a list."""
    return {**form.to_dict(), "links": form.getlist("links")}


def _item_form(meeting: Meeting, item: AgendaItem | None, values: dict, errors: dict, form=None):
    """The agenda item's form; shown again, it keeps what was typed and the chosen links."""
    return render_template(
        "meetings/item_form.html",
        meeting=meeting,
        item=item,
        values=values,
        errors=errors,
        parents=_parents(meeting) if item is None else [],
        link_picker=picker_context(
            db_session(), current(), form, "links", item.links if item else []
        ),
    ), 422 if errors else 200


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/items")
def add_item(meeting_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Meeting, meeting_id)
    _keep(found)
    if searching(request.form):  # "Search" for a link without JavaScript: nothing is saved
        return _item_form(found, None, request.form.to_dict(), {}, request.form)
    try:
        meetings.add_item(session, found, _item_values(request.form), current())
        session.commit()
        flash(_("The item was added to the agenda."), "success")
        return _back_to(found, "#agenda")
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
        return _back_to(found, "#agenda")
    except meetings.Invalid as invalid:
        session.rollback()
        return _item_form(found, None, request.form.to_dict(), _errors(invalid), request.form)


@blueprint.route("/agenda/<int(max=2147483647):item_id>", methods=["GET", "POST"])
def edit_item(item_id: int):
    require("meetings.read")
    session = db_session()
    item = _get(AgendaItem, item_id)
    _keep(item)
    values = {
        **{f"title_{lang}": getattr(item, f"title_{lang}") for lang in ("nl", "fr", "en")},
        "purpose": item.purpose,
        "duration_minutes": item.duration_minutes or "",
        "presenter": item.presenter,
    }
    errors, form = {}, None
    if request.method == "POST":
        values, form = request.form.to_dict(), request.form
        if searching(form):
            return _item_form(item.meeting, item, values, {}, form)
        try:
            meetings.update_item(session, item, _item_values(form), current())
            session.commit()
            flash(_("The item was saved."), "success")
            return _back_to(item.meeting, "#agenda")
        except meetings.Invalid as invalid:
            session.rollback()
            errors = _errors(invalid)
        except meetings.Refused as refusal:
            session.rollback()
            flash(_refused(refusal), "error")
            return _back_to(item.meeting, "#agenda")
    return _item_form(item.meeting, item, values, errors, form)


@blueprint.post("/agenda/<int(max=2147483647):item_id>/move")
def move_item(item_id: int):
    require("meetings.read")
    item = _get(AgendaItem, item_id)
    _keep(item)
    step = -1 if request.form.get("direction") == "up" else 1
    return _step(
        lambda _session: meetings.move_item(item, step), None, _back_to(item.meeting, "#agenda")
    )


@blueprint.post("/agenda/<int(max=2147483647):item_id>/delete")
def remove_item(item_id: int):
    require("meetings.read")
    item = _get(AgendaItem, item_id)
    _keep(item)
    back = _back_to(item.meeting, "#agenda")
    return _step(
        lambda session: meetings.remove_item(session, item),
        _("The item was removed from the agenda."),
        back,
    )


@blueprint.post("/agenda/<int(max=2147483647):item_id>/attachments")
def attach(item_id: int):
    require("meetings.read")
    session = db_session()
    item = _get(AgendaItem, item_id)
    _keep(item)
    upload = request.files.get("file")
    settings = current_app.config["CONCERTO"]
    try:
        meetings.attach(
            session,
            item,
            upload.filename if upload else "",
            upload.read(settings["attachment_max_bytes"] + 1) if upload else b"",
            allowed_types=settings["attachment_types"],
            max_bytes=settings["attachment_max_bytes"],
            uploaded_by=current().label,
        )
        session.commit()
        flash(_("The document was attached."), "success")
    except meetings.Invalid as invalid:
        session.rollback()
        code = invalid.errors.get("file")
        message = str(ERRORS.get(code, code))
        if code == "too_large":
            message = _(
                "This file is larger than the limit of %(size)s.",
                size=_size(settings["attachment_max_bytes"]),
            )
        flash(message, "error")
        # The page itself, not a redirect, so that the refusal keeps its status code.
        return _meeting_page(item.meeting), 413 if code == "too_large" else 422
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
    return _back_to(item.meeting, f"#item-{item.id}")


def _size(count: int) -> str:
    from flask_babel import format_decimal

    return f"{format_decimal(round(count / 1024 / 1024, 1))} MB"


@blueprint.app_template_filter("month_name")
def month_name(month: int) -> str:
    return get_locale().months["stand-alone"]["wide"][month]


@blueprint.app_template_filter("file_size")
def file_size(count: int) -> str:
    from flask_babel import format_decimal

    if count < 1024 * 1024:
        return f"{format_decimal(round(count / 1024, 1))} kB"
    return _size(count)


@blueprint.get("/attachments/<int(max=2147483647):attachment_id>")
def download_attachment(attachment_id: int):
    require("meetings.read")
    found = _get(Attachment, attachment_id)
    return Response(
        found.content,
        mimetype=found.content_type,
        headers={
            "Content-Disposition": content_disposition(found.filename),
            "X-Content-Type-Options": "nosniff",
            "Digest": f"sha-256={found.sha256}",
        },
    )


# --- minutes ------------------------------------------------------------------------------------


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/minutes/start")
def start_minutes(meeting_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Meeting, meeting_id)
    _keep(found)
    try:
        meetings.start_minutes(session, found)
        session.commit()
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
        return _back_to(found)
    return redirect(url_for("meetings.minutes_editor", meeting_id=found.id))


def _draft_of(meeting: Meeting) -> Minutes:
    draft = meetings.latest_minutes(db_session(), meeting)
    if draft is None:
        abort(404)
    return draft


# The minutes editor is one form: every button sends everything typed on the page, and the
# minutes, a decision or an action typed but not yet recorded, and the step the button asks
# for are written in one transaction or not at all.
DECISION_FIELDS = ("item_id", "text_nl", "text_fr", "goal")
ACTION_FIELDS = (
    "item_id",
    "title_nl",
    "title_fr",
    "owner_name",
    "owner_email",
    "authority",
    "due_on",
    "goal",
)
# Fields that show something was typed; the choice of agenda item and authority alone is not.
DECISION_TYPED = ("text_nl", "text_fr", "goal", "links")
ACTION_TYPED = ("title_nl", "title_fr", "owner_name", "owner_email", "due_on", "goal")
# The usual time those present get to read a draft, offered as its last day for remarks.
ROUND_DAYS = 14
MINUTES_STALE = _l(
    "Someone else saved these minutes in the meantime. Nothing was overwritten: the fields "
    "now show their version, and under each text you changed you find yours, to copy from. "
    "Your decision and action are still filled in. Save again when you are done."
)


def _part(prefix: str, fields: tuple[str, ...]) -> dict:
    """One part of the minutes form; its chosen links (a decision's) as a list."""
    part: dict = {name: request.form.get(f"{prefix}_{name}", "") for name in fields}
    if prefix == "decision":
        part["links"] = request.form.getlist("decision_links")
    return part


def _typed(part: dict, fields: tuple[str, ...]) -> bool:
    return any(
        part[name] if isinstance(part.get(name), list) else part.get(name, "").strip()
        for name in fields
    )


def _minutes_values(meeting: Meeting, minutes: Minutes) -> dict[str, str]:
    """The stored minutes as the form shows them: an empty text is an empty field. The last
    day for remarks is the round's, or two weeks from today, the usual time to read."""
    texts = {t.item_id: t for t in minutes.texts}
    values: dict[str, str] = {"version": str(minutes.version)}
    sent = minutes.remark_round
    values["remarks_until"] = (
        sent.closes_on if sent else _today() + timedelta(days=ROUND_DAYS)
    ).isoformat()
    for remark in minutes.remarks:
        values[f"handling_{remark.id}"] = remark.handling or ""
        values[f"reason_{remark.id}"] = remark.reason or ""
    for item in meeting.items:
        text = texts.get(item.id)
        for lang in ("nl", "fr"):
            stored = getattr(text, f"text_{lang}") if text else None
            values[f"text_{lang}_{item.id}"] = stored or ""
    for row in minutes.attendance:
        values[f"presence_{row.id}"] = row.presence
    return values


def _write_minutes(session, meeting: Meeting, minutes: Minutes, intent: str) -> tuple[str, str]:
    """Save what the form carries and do what its button asks; the message and the anchor to
    return to. Raises Invalid with the form's field names, Stale or Refused."""
    texts = {
        item.id: {
            "nl": request.form.get(f"text_nl_{item.id}"),
            "fr": request.form.get(f"text_fr_{item.id}"),
        }
        for item in meeting.items
        if f"text_nl_{item.id}" in request.form or f"text_fr_{item.id}" in request.form
    }
    presence = {
        row.id: request.form[f"presence_{row.id}"]
        for row in minutes.attendance
        if f"presence_{row.id}" in request.form
    }
    errors: dict[str, str] = {}
    try:
        meetings.save_minutes(session, minutes, texts, presence, request.form.get("version"))
    except meetings.Invalid as invalid:
        errors.update(invalid.errors)
    done, anchor = [_("The minutes were saved.")], ""
    decision = _part("decision", DECISION_FIELDS)
    if intent == "decision" or _typed(decision, DECISION_TYPED):
        try:
            meetings.add_decision(session, minutes, decision, current())
            done.append(_("The decision was recorded."))
        except meetings.Invalid as invalid:
            errors.update({f"decision_{k}": code for k, code in invalid.errors.items()})
        anchor = "#decisions"
    action = _part("action", ACTION_FIELDS)
    if intent == "action" or _typed(action, ACTION_TYPED):
        try:
            meetings.add_action(session, minutes, action)
            done.append(_("The action was recorded."))
        except meetings.Invalid as invalid:
            errors.update({f"action_{k}": code for k, code in invalid.errors.items()})
        anchor = "#actions"
    if intent.startswith("remove:"):
        removed = next((d for d in minutes.decisions if str(d.id) == intent[7:]), None)
        if removed is not None:
            meetings.remove_decision(session, removed)
            done.append(_("Decision %(number)d was removed.", number=removed.number))
        anchor = "#decisions"
    if _handle_remarks(session, minutes, errors):
        done.append(_("How the remarks are dealt with was saved."))
    if intent == "send_remarks":
        try:
            sent = meetings.send_for_remarks(
                session, minutes, {"closes_on": request.form.get("remarks_until")}, current()
            )
            done.append(
                _(
                    "The draft was sent for remarks until %(day)s; those present are told "
                    "by e-mail.",
                    day=show_date(sent.closes_on),
                )
            )
        except meetings.Invalid as invalid:
            errors["remarks_until"] = invalid.errors["closes_on"]
        except meetings.Refused as refusal:
            if refusal.code != "no_attendees":
                raise
            # Said at the day's field, the page as typed: the attendance is on the same page.
            errors["remarks_until"] = "no_attendees"
        anchor = "#remarks-round"
    if errors:
        raise meetings.Invalid(errors)
    return " ".join(done), anchor


def _handle_remarks(session, minutes: Minutes, errors: dict[str, str]) -> int:
    """The marks the form carries for the remarks (taken in or not, and why); how many
    changed. Problems go into ``errors`` under the form's names."""
    changed = 0
    for remark in list(minutes.remarks):
        if f"handling_{remark.id}" not in request.form:
            continue
        try:
            changed += meetings.handle_remark(
                session,
                remark,
                {
                    "handling": request.form.get(f"handling_{remark.id}"),
                    "reason": request.form.get(f"reason_{remark.id}"),
                },
                current(),
                request.form.get(f"remark_version_{remark.id}"),
            )
        except meetings.Invalid as invalid:
            errors.update({f"{key}_{remark.id}": code for key, code in invalid.errors.items()})
        except meetings.Stale:
            errors[f"handling_{remark.id}"] = "remark_changed"
    return changed


@blueprint.route("/meetings/<int(max=2147483647):meeting_id>/minutes", methods=["GET", "POST"])
def minutes_editor(meeting_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(Meeting, meeting_id)
    _keep(found)
    minutes = _draft_of(found)
    errors, status, unsaved = {}, 200, False
    values = {
        **_minutes_values(found, minutes),
        **{f"decision_{name}": "" for name in DECISION_FIELDS},
        **{f"action_{name}": "" for name in ACTION_FIELDS},
    }
    mine: dict[str, str] = {}
    if request.method == "POST" and searching(request.form):
        # "Search" for a decision's link without JavaScript: shown again, nothing saved.
        values, unsaved = {**values, **request.form.to_dict()}, True
    elif request.method == "POST":
        try:
            done, anchor = _write_minutes(session, found, minutes, request.form.get("intent", ""))
            session.commit()
            flash(done, "success")
            return redirect(url_for("meetings.minutes_editor", meeting_id=found.id) + anchor)
        except meetings.Refused as refusal:
            session.rollback()
            flash(_refused(refusal), "error")
            status = 409
        except meetings.Stale:
            session.rollback()
            flash(str(MINUTES_STALE), "error")
            status, unsaved = 409, True
            # Their version in the fields, the typed text beside it, the rest as typed.
            saved = _minutes_values(found, _draft_of(found))
            mine = {
                key: value
                for key, value in request.form.items()
                if key.startswith("text_") and key in saved and value.strip() != saved[key].strip()
            }
            values = {**values, **request.form.to_dict(), **saved}
        except meetings.Invalid as invalid:
            session.rollback()
            errors, status, unsaved = _errors(invalid), 422, True
            values = {**values, **request.form.to_dict()}
        minutes = _draft_of(found)
    agenda = meetings.agenda(found)
    items = [(item.id, item.local("title").labelled(f"{number}. ")) for number, item, _d in agenda]
    return render_template(
        "meetings/minutes_form.html",
        meeting=found,
        minutes=minutes,
        agenda=agenda,
        items=items,
        values=values,
        mine=mine,
        unsaved=unsaved,
        remarks=_remarks_by_item(minutes.remarks),
        earlier=meetings.earlier_remarks(session, minutes),
        present=len(meetings.attendees(minutes)),
        waiting=len(meetings.unhandled(minutes)),
        today=_today(),
        actions=session.scalars(
            select(ActionItem).where(ActionItem.meeting_id == found.id).order_by(ActionItem.id)
        ).all(),
        errors=errors,
        decision_picker=picker_context(
            session, current(), request.form if request.method == "POST" else None, "decision_links"
        ),
        partner_choices=_partner_choices(),
        **_choices(),
    ), status


def _remarks_by_item(remarks) -> dict[int | None, list]:
    """Remarks by agenda item; None holds those on the minutes as a whole."""
    found: dict[int | None, list] = {}
    for remark in remarks:
        found.setdefault(remark.item_id, []).append(remark)
    return found


# --- the round of remarks (the page of those present) ---------------------------------------


def _attendee_of(minutes: Minutes):
    principal = current()
    return meetings.attendance_of_user(
        minutes, principal.user_id, _email_of(principal), principal.authority
    )


def _slots(minutes: Minutes) -> list[tuple[int | None, str]]:
    """The remark boxes of the page: one per agenda item, then the minutes as a whole."""
    return [
        *((item.id, str(item.id)) for _n, item, _d in meetings.agenda(minutes.meeting)),
        (None, "general"),
    ]


def _remark_values(minutes: Minutes, attendee) -> dict[str, str]:
    """The person's own remarks as the form shows them; a new one in the language of the
    page (Dutch or French), or else of their membership."""
    language = current_language()
    if language not in ("nl", "fr"):
        membership = attendee.membership if attendee is not None else None
        language = (
            membership.language if membership and membership.language in ("nl", "fr") else "nl"
        )
    mine = {
        r.item_id: r
        for r in minutes.remarks
        if attendee is not None and r.membership_id == attendee.membership_id
    }
    values = {}
    for item_id, slot in _slots(minutes):
        remark = mine.get(item_id)
        values[f"text_{slot}"] = remark.text if remark else ""
        values[f"language_{slot}"] = remark.language if remark else language
    return values


@blueprint.route("/minutes/<int(max=2147483647):minutes_id>/remarks", methods=["GET", "POST"])
def remarks(minutes_id: int):
    """The draft as those present read it, with everyone's remarks beside each item, and a
    box per item for their own (one form: every remark is saved at once)."""
    require("meetings.read")
    session = db_session()
    minutes = _get(Minutes, minutes_id)
    attendee = _attendee_of(minutes)
    may_manage = can(current(), "meetings.manage", minutes)
    if not meetings.may_read_remarks(minutes, attendee, may_manage):
        abort(403)
    values, errors, status = _remark_values(minutes, attendee), {}, 200
    unsaved: dict[str, str] = {}
    if request.method == "POST":
        require("minutes.remark")
        if attendee is None:
            abort(403)
        form = request.form.to_dict()
        intent = form.get("intent", "")
        if intent.startswith("withdraw:"):
            form[f"text_{intent[9:]}"] = ""
        slots = {
            item_id: {"text": form.get(f"text_{slot}"), "language": form.get(f"language_{slot}")}
            for item_id, slot in _slots(minutes)
            if f"text_{slot}" in form
        }
        try:
            changed = meetings.save_my_remarks(session, minutes, attendee, slots, current())
            session.commit()
            flash(
                _("Your remarks were saved.") if changed else _("Nothing was changed."),
                "success",
            )
            return redirect(url_for("meetings.remarks", minutes_id=minutes.id))
        except meetings.Refused as refusal:
            session.rollback()
            flash(_refused(refusal), "error")
            status = 409
            # Once the round is over there is no box left to type in: what was typed is
            # shown beside each item to copy from, never thrown away.
            unsaved = {
                slot: text
                for slot in (slot for _item, slot in _slots(minutes))
                if (text := (form.get(f"text_{slot}") or "").strip())
                and text != (values.get(f"text_{slot}") or "").strip()
            }
        except meetings.Invalid as invalid:
            session.rollback()
            values, errors, status = {**values, **form}, _errors(invalid), 422
        minutes = _get(Minutes, minutes_id)
    open_now = meetings.round_open(minutes)
    return render_template(
        "meetings/remarks.html",
        meeting=minutes.meeting,
        minutes=minutes,
        agenda=meetings.agenda(minutes.meeting),
        texts={t.item_id: t for t in minutes.texts},
        remarks=_remarks_by_item(minutes.remarks),
        earlier=meetings.earlier_remarks(session, minutes),
        attendee=attendee,
        writing=attendee is not None and open_now,
        open_now=open_now,
        may_manage=may_manage,
        values=values,
        errors=errors,
        unsaved=unsaved,
    ), status


def _record_in_minutes(minutes_id: int, record, done: str, anchor: str):
    """A decision or an action written into draft minutes from the minutes editor."""
    require("meetings.read")
    session = db_session()
    minutes = _get(Minutes, minutes_id)
    _keep(minutes)
    try:
        record(session, minutes, request.form.to_dict())
        session.commit()
        flash(done, "success")
    except meetings.Invalid as invalid:
        session.rollback()
        flash(" ".join(_errors(invalid).values()), "error")
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
    return redirect(url_for("meetings.minutes_editor", meeting_id=minutes.meeting_id) + anchor)


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/decisions")
def add_decision(minutes_id: int):
    return _record_in_minutes(
        minutes_id, meetings.add_decision, _("The decision was recorded."), "#decisions"
    )


@blueprint.post("/decisions/<int(max=2147483647):decision_id>/delete")
def remove_decision(decision_id: int):
    require("meetings.read")
    decision = _get(Decision, decision_id)
    _keep(decision)
    back = redirect(
        url_for("meetings.minutes_editor", meeting_id=decision.minutes.meeting_id) + "#decisions"
    )
    return _step(lambda session: meetings.remove_decision(session, decision), None, back)


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/actions")
def add_action(minutes_id: int):
    return _record_in_minutes(
        minutes_id, meetings.add_action, _("The action was recorded."), "#actions"
    )


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/approve")
def approve(minutes_id: int):
    require("meetings.read")
    minutes = _get(Minutes, minutes_id)
    _keep(minutes)
    approving = _get(Meeting, request.form.get("meeting", type=int) or 0)
    return _step(
        lambda session: meetings.approve(session, minutes, approving, current()),
        _("The minutes are approved; from now on they cannot change."),
        _back_to(approving),
    )


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/correction")
def propose_correction(minutes_id: int):
    require("meetings.read")
    session = db_session()
    minutes = _get(Minutes, minutes_id)
    _keep(minutes)
    try:
        meetings.propose_correction(session, minutes, request.form.get("reason", ""))
        session.commit()
        flash(_("A corrected version was started; a later meeting approves it."), "success")
        return redirect(url_for("meetings.minutes_editor", meeting_id=minutes.meeting_id))
    except meetings.Invalid:
        session.rollback()
        flash(_("Give the reason for the correction."), "error")
    except meetings.Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "error")
    return _back_to(minutes.meeting, "#minutes")


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>/minutes.<fmt>")
def minutes_document(meeting_id: int, fmt: str):
    require("meetings.read")
    if fmt not in documents.FORMATS:
        abort(404)
    language = request.args.get("language", "both")
    if language not in documents.LAYOUTS:
        abort(404)
    session = db_session()
    found = _get(Meeting, meeting_id)
    minutes = meetings.approved_minutes(session, found)
    if minutes is None and can(current(), "meetings.manage", found):
        minutes = meetings.latest_minutes(session, found)
    if minutes is None:
        abort(404)
    content = documents.render(session, minutes, language, fmt)
    name = f"minutes-{in_brussels(found.starts_at).date().isoformat()}-{language}.{fmt}"
    return Response(
        content,
        mimetype=documents.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- actions and attendance -------------------------------------------------------------------


@blueprint.get("/actions")
def actions():
    require("meetings.read")
    session = db_session()
    filters = meetings.ActionFilters(
        authority=(request.args.get("authority") or None),
        status=(request.args.get("status") or "open")[:16],
        owner=(request.args.get("owner") or None),
    )
    today = _today()
    return render_template(
        "meetings/actions.html",
        actions=meetings.find_actions(session, filters, today),
        summary=meetings.action_summary(session, today),
        filters=filters,
        today=today,
        **_choices(),
    )


@blueprint.route("/actions/<int(max=2147483647):action_id>", methods=["GET", "POST"])
def action(action_id: int):
    require("meetings.read")
    session = db_session()
    found = _get(ActionItem, action_id)
    errors, status = {}, 200
    if request.method == "POST":
        require("actions.update", found)
        form = request.form.to_dict()
        try:
            meetings.update_action(
                session,
                found,
                {k: form.get(k) for k in ("status", "due_on", "note")},
                form.get("version"),
            )
            session.commit()
            flash(_("The action was updated."), "success")
            return redirect(url_for("meetings.action", action_id=found.id))
        except meetings.Invalid as invalid:
            session.rollback()
            errors, status = _errors(invalid), 422
        except (meetings.Stale, StaleDataError):
            session.rollback()
            session.refresh(found)
            flash(str(STALE), "error")
            status = 409
    return render_template(
        "meetings/action.html",
        action=found,
        errors=errors,
        today=_today(),
        may_update=can(current(), "actions.update", found),
    ), status


@blueprint.get("/bodies/<int(max=2147483647):body_id>/attendance")
def attendance(body_id: int):
    require("meetings.read")
    found = _get(Body, body_id)
    year = request.args.get("year", type=int) or _today().year
    if not 2000 <= year <= 2100:
        abort(404)
    session = db_session()
    figures = meetings.attendance_by_authority(session, found.id, year)
    # Outside partners apart: they are not among the authorities whose presence is compared.
    by_partner = meetings.attendance_by_partner(session, found.id, year)
    partner_figures = sorted(
        ((session.get(Partner, pid), counts) for pid, counts in by_partner.items()),
        key=lambda pair: partner_name(pair[0]).casefold(),
    )
    most = max((sum(v[k] for k in PRESENCE) for v in figures.values()), default=0)
    return render_template(
        "meetings/attendance.html",
        body=found,
        year=year,
        figures=figures,
        partner_figures=partner_figures,
        most=most,
        authorities=dict(_choices()["authorities"]),
    )


# --- calendar feeds ------------------------------------------------------------------------------


def _ics(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
    )


def _meeting_url(meeting: Meeting) -> str:
    return url_for("meetings.meeting", meeting_id=meeting.id, _external=True)


@blueprint.get("/bodies/<code>/calendar.ics")
def body_feed(code: str):
    """A body's meetings; public bodies for anyone, the others with their private token."""
    session = db_session()
    found = session.scalar(select(Body).where(Body.code == code[:64]))
    if found is None:
        abort(404)
    token = request.args.get("token", "")
    private = bool(token) and secrets.compare_digest(token, found.calendar_token)
    if not (found.public_calendar or private):
        abort(404)
    language = request.args.get("language") or current_language()
    if language not in ("nl", "fr", "en"):
        language = "nl"
    listed = session.scalars(
        select(Meeting)
        .where(Meeting.body_id == found.id)
        .options(selectinload(Meeting.items), selectinload(Meeting.body))
        .order_by(Meeting.starts_at)
    ).all()
    name = str(pick(found.texts("name"), language))
    return _ics(
        calendars.feed(name, listed, language, private=private, link=_meeting_url), found.code
    )


@blueprint.get("/calendar/<token>.ics")
def personal_feed(token: str):
    """The meetings of every body the person is a member of, by a private address."""
    session = db_session()
    user = session.scalar(select(User).where(User.calendar_token == token[:64])) if token else None
    if user is None:
        abort(404)
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    body_ids = {m.body_id for m in memberships}
    listed = session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_(body_ids))
        .options(selectinload(Meeting.items), selectinload(Meeting.body))
        .order_by(Meeting.starts_at)
    ).all()
    listed = [
        m
        for m in listed
        if any(
            mem.body_id == m.body_id
            and mem.active_on(in_brussels(m.starts_at).date())
            and (mem.role != "prison_director" or m.with_prison_directors)
            for mem in memberships
        )
    ]
    language = user.default_language or "nl"
    return _ics(
        calendars.feed("Concerto", listed, language, private=True, link=_meeting_url), "concerto"
    )


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>.ics")
def meeting_file(meeting_id: int):
    require("meetings.read")
    found = _get(Meeting, meeting_id)
    language = current_language()
    return _ics(
        calendars.calendar(
            calendars.meeting_title(found, language),
            [calendars.event_of(found, language, private=True, link=_meeting_url(found))],
            "PUBLISH",
        ),
        f"meeting-{found.id}",
    )


# --- the outbox -------------------------------------------------------------------------------------


@blueprint.get("/outbox")
def outbox():
    require("outbox.read")
    # Clamped: a page past the database's integer range would make the offset overflow.
    page = min(max(request.args.get("page", type=int) or 1, 1), 1_000_000)
    listed = (
        db_session()
        .scalars(
            select(OutboxMessage)
            .order_by(OutboxMessage.id.desc())
            .limit(51)
            .offset((page - 1) * 50)
        )
        .all()
    )
    return render_template(
        "meetings/outbox.html",
        messages=listed[:50],
        page=page,
        more=len(listed) > 50,
        reason=failure_reason,
    )


@blueprint.get("/outbox/<int(max=2147483647):message_id>")
def outbox_message(message_id: int):
    require("outbox.read")
    return render_template(
        "meetings/message.html", message=_get(OutboxMessage, message_id), reason=failure_reason
    )


@blueprint.get("/outbox/<int(max=2147483647):message_id>/<int(max=100):part>")
def outbox_attachment(message_id: int, part: int):
    require("outbox.read")
    message = _get(OutboxMessage, message_id)
    if part >= len(message.attachments):
        abort(404)
    found = message.attachments[part]
    return Response(
        found["text"],
        mimetype=found["content_type"],
        headers={"Content-Disposition": content_disposition(found["filename"])},
    )
