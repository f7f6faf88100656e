"""What the meetings pages share: the blueprint, the labels every template reads, and small
helpers for forms, rights and steps."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db_session
from core.i18n import current_language, show_datetime
from core.identity.models import User
from core.meetings import calendars
from core.meetings import services as meetings
from core.meetings.errors import ERRORS, REFUSALS
from core.meetings.models import ACTION_LABELS, Body, Meeting
from core.partners.services import choices as partner_choices
from core.partners.services import involved_word
from core.permissions import can, require
from core.reference.models import Authority, Prison
from core.reference.services import prisons_open
from core.web import Outcome, attempt, field_messages, why_not_stored

blueprint = Blueprint("meetings", __name__)

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


def refusal_text(refusal: meetings.Refused) -> str:
    return str(REFUSALS.get(refusal.code, refusal.code))


def email_of(principal) -> str | None:
    """The address the person logged in with, by which an unlinked membership is theirs."""
    user = db_session().get(User, principal.user_id) if principal.user_id else None
    return user.email if user is not None else None


def place_choices(year: int | None = None, keep: str | None = None) -> dict:
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


def partner_options() -> list[tuple[str, str]]:
    """The register's outside partners for the choice of whom a member or an action's owner
    acts for, beside the authorities (core.partners)."""
    return [(involved_word(pid), label) for pid, label in partner_choices(db_session())]


def on_behalf_value(record) -> str:
    """The choice a member or an action acts for, as the form's select holds it."""
    if record.partner_id is not None:
        return involved_word(record.partner_id)
    return record.authority_code or ""


def step_back(action, done: str | None, back):
    """One change from a button: carried out and committed with a message, or refused with
    the reason (core.web.attempt rolls it back), and back to the page it came from."""
    outcome = attempt(action)
    if outcome.ok:
        if done:
            flash(done, "success")
    else:
        flash(not_stored(outcome), "error")
    return back


def not_stored(outcome: Outcome) -> str:
    """Why a step was not stored, in the reader's language (core.web.why_not_stored)."""
    return why_not_stored(outcome, ERRORS, REFUSALS)


def form_errors(outcome: Outcome) -> dict[str, str]:
    """What a form shows again after a step that was not stored: each field's message; a
    refusal or a stale record is said above the form."""
    if outcome.invalid is not None:
        return field_messages(outcome.invalid, ERRORS)
    flash(not_stored(outcome), "error")
    return {}


def back_to(meeting: Meeting, anchor: str = ""):
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id) + anchor)


def keep(record) -> None:
    """Stop unless the person keeps ``record``'s body: the secretariat the committee's
    bodies, an authority's coordinators that authority's own (core.permissions)."""
    require("meetings.manage", record)


def kept_bodies(principal) -> list[Body]:
    """The bodies the person keeps, to plan a meeting for."""
    bodies = db_session().scalars(select(Body).order_by(Body.id))
    return [body for body in bodies if can(principal, "meetings.manage", body)]


def owner_choices(principal) -> list[tuple[str, str]]:
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


def overlap_warning(clashes: list[Meeting]) -> None:
    if clashes:
        when = ", ".join(
            sorted(
                {calendars.meeting_title(m, current_language()) + " " + moment(m) for m in clashes}
            )
        )
        flash(
            _("Warning: this overlaps other meetings of the body: %(when)s.", when=when), "warning"
        )


def moment(meeting: Meeting) -> str:
    return show_datetime(meeting.starts_at)


def last_place(body: Body) -> dict:
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


def remarks_by_item(remarks) -> dict[int | None, list]:
    """Remarks by agenda item; None holds those on the minutes as a whole."""
    found: dict[int | None, list] = {}
    for remark in remarks:
        found.setdefault(remark.item_id, []).append(remark)
    return found
