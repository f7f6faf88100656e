"""Pages of one meeting: planning, changing, invitations and replies."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from core import clock
from core.clock import in_brussels, utcnow
from core.db import db_session
from core.goals.models import Goal
from core.i18n import current_language
from core.links import services as links
from core.links.forms import picker_context
from core.meetings import calendars, messages
from core.meetings import services as meetings
from core.meetings.models import ActionItem, Body, Meeting, Minutes
from core.meetings.views.common import (
    back_to,
    blueprint,
    email_of,
    form_errors,
    keep,
    kept_bodies,
    last_place,
    not_stored,
    overlap_warning,
    place_choices,
    refusal_text,
    step_back,
)
from core.permissions import can, current, require
from core.web import attempt, get_or_404


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
    found = get_or_404(Body, body_id)
    keep(found)
    return _plan_meeting(found)


@blueprint.route("/meetings/new", methods=["GET", "POST"])
def plan_meeting():
    """ "Plan a meeting" from the list of meetings: the same form, with the body to choose
    among those the person keeps."""
    require("meetings.read")
    if not kept_bodies(current()):
        abort(403)
    return _plan_meeting(None)


def _plan_meeting(found: Body | None):
    session = db_session()
    bodies = None if found else kept_bodies(current())
    values = {"start_time": "14:00", "duration_minutes": "120"}
    values.update(last_place(found) if found else {"place_kind": "office"})
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        chosen = request.form.get("body_id", type=int) or 0
        # An id no integer column holds (a crafted form field) is simply no body.
        body = found or (session.get(Body, chosen) if 0 < chosen < 2**31 else None)
        if body is not None:
            keep(body)

        def plan(session):
            if body is None:  # the other fields' problems too, with the body's
                try:
                    meetings.check_meeting(session, values)
                    problems = {}
                except meetings.Invalid as invalid:
                    problems = invalid.errors
                raise meetings.Invalid({**problems, "body_id": "required"})
            return meetings.create_meeting(session, body, values)

        outcome = attempt(plan)
        if outcome.ok:
            meeting, clashes = outcome.result
            flash(_("The meeting was planned."), "success")
            overlap_warning(clashes)
            return back_to(meeting)
        errors = form_errors(outcome)
    return render_template(
        "meetings/meeting_form.html",
        body=found,
        bodies=bodies,
        meeting=None,
        values=values,
        errors=errors,
        **place_choices(),
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
        if not kept_bodies(current()):  # no body chosen yet: who plans for some body
            abort(403)
    else:
        keep(found)
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
    meeting = get_or_404(Meeting, meeting_id)
    keep(meeting)
    values, errors, status = _meeting_values(meeting), {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        outcome = attempt(
            lambda session: meetings.update_meeting(session, meeting, form, form.get("version"))
        )
        if outcome.ok:
            flash(_("The meeting was saved."), "success")
            overlap_warning(outcome.result)
            return back_to(meeting)
        if outcome.invalid is not None:
            values, errors, status = form, form_errors(outcome), 422
        elif outcome.stale:
            db_session().refresh(meeting)
            flash(not_stored(outcome), "error")
            values, status = _meeting_values(meeting), 409
        else:
            flash(not_stored(outcome), "error")
            return back_to(meeting)
    return render_template(
        "meetings/meeting_form.html",
        body=meeting.body,
        meeting=meeting,
        values=values,
        errors=errors,
        **place_choices(in_brussels(meeting.starts_at).year, meeting.prison_code),
    ), status


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>")
def meeting(meeting_id: int):
    require("meetings.read")
    return meeting_page(get_or_404(Meeting, meeting_id))


def meeting_page(found: Meeting):
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
            draft, principal.user_id, email_of(principal), principal.authority
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
            found, principal.user_id, email_of(principal), principal.authority
        ),
        may_manage=may_manage,
        started=found.starts_at <= utcnow(),
        linked=_linked_records(found, all_minutes),
        new_item_picker=picker_context(session, principal, None, "links") if may_manage else None,
        parents=parents_of(found),
        goals=_goals_by_id(session, all_minutes),
        attendee=attendee,
        today=clock.today(),
    )


def _goals_by_id(session, all_minutes: list[Minutes]) -> dict[int, Goal]:
    ids = {d.goal_id for m in all_minutes for d in m.decisions if d.goal_id}
    if not ids:
        return {}
    return {g.id: g for g in session.scalars(select(Goal).where(Goal.id.in_(ids)))}


def parents_of(meeting: Meeting) -> list[tuple[int, str]]:
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
    found = get_or_404(Meeting, meeting_id)
    keep(found)
    outcome = attempt(
        lambda session: messages.send_invitations(session, found, meetings.invite(session, found))
    )
    if not outcome.ok:
        flash(not_stored(outcome), "error")
        return back_to(found)
    count = outcome.result
    flash(
        ngettext(
            "%(num)d invitation was written to the outbox.",
            "%(num)d invitations were written to the outbox.",
            count,
        ),
        "success",
    )
    return back_to(found)


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/cancel")
def cancel(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    keep(found)

    def step(session):
        meetings.cancel(found, request.form.get("reason"))
        messages.send_cancellation(session, found)

    return step_back(step, _("The meeting was cancelled; those invited are told."), back_to(found))


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/held")
def held(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    keep(found)
    return step_back(
        lambda _session: meetings.mark_held(found),
        _("The meeting is marked as held."),
        back_to(found),
    )


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/reply")
def reply_as_member(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    principal = current()
    invitation = meetings.invitation_of_user(
        found, principal.user_id, email_of(principal), principal.authority
    )
    if invitation is None:
        abort(403)
    outcome = attempt(lambda _session: meetings.answer(invitation, request.form.get("reply", "")))
    if outcome.ok:
        flash(_("Your reply was recorded."), "success")
    else:
        flash(not_stored(outcome), "error")
    return back_to(found)


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
        problem, status = refusal_text(meetings.Refused("cancelled")), 409
    if request.method == "POST" and problem is None:
        outcome = attempt(
            lambda _session: meetings.answer(invitation, request.form.get("reply", ""))
        )
        if outcome.ok:
            flash(_("Your reply was recorded."), "success")
            return redirect(url_for("meetings.reply_by_link", token=token))
        problem, status = not_stored(outcome), 422 if outcome.invalid is not None else 409
    return render_template("meetings/reply.html", invitation=invitation, problem=problem), status
