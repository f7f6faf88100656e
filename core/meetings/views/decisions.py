"""Decisions and actions written into minutes, approval and corrections, the minutes as a
document, the register of actions and the attendance figures."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import clock
from core.clock import in_brussels
from core.db import db_session
from core.meetings import documents
from core.meetings import services as meetings
from core.meetings.models import PRESENCE, ActionItem, Body, Decision, Meeting, Minutes
from core.meetings.views.common import (
    back_to,
    blueprint,
    form_errors,
    keep,
    not_stored,
    place_choices,
    step_back,
)
from core.partners.models import Partner
from core.partners.services import name_of as partner_name
from core.permissions import can, current, require
from core.web import attempt, get_or_404


def _record_in_minutes(minutes_id: int, record, done: str, anchor: str):
    """A decision or an action written into draft minutes from the minutes editor."""
    require("meetings.read")
    minutes = get_or_404(Minutes, minutes_id)
    keep(minutes)
    values = request.form.to_dict()
    outcome = attempt(lambda session: record(session, minutes, values))
    if outcome.ok:
        flash(done, "success")
    else:
        flash(not_stored(outcome), "error")
    return redirect(url_for("meetings.minutes_editor", meeting_id=minutes.meeting_id) + anchor)


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/decisions")
def add_decision(minutes_id: int):
    return _record_in_minutes(
        minutes_id, meetings.add_decision, _("The decision was recorded."), "#decisions"
    )


@blueprint.post("/decisions/<int(max=2147483647):decision_id>/delete")
def remove_decision(decision_id: int):
    require("meetings.read")
    decision = get_or_404(Decision, decision_id)
    keep(decision)
    back = redirect(
        url_for("meetings.minutes_editor", meeting_id=decision.minutes.meeting_id) + "#decisions"
    )
    return step_back(lambda session: meetings.remove_decision(session, decision), None, back)


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/actions")
def add_action(minutes_id: int):
    return _record_in_minutes(
        minutes_id, meetings.add_action, _("The action was recorded."), "#actions"
    )


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/approve")
def approve(minutes_id: int):
    require("meetings.read")
    minutes = get_or_404(Minutes, minutes_id)
    keep(minutes)
    approving = get_or_404(Meeting, request.form.get("meeting", type=int) or 0)
    return step_back(
        lambda session: meetings.approve(session, minutes, approving, current()),
        _("The minutes are approved; from now on they cannot change."),
        back_to(approving),
    )


@blueprint.post("/minutes/<int(max=2147483647):minutes_id>/correction")
def propose_correction(minutes_id: int):
    require("meetings.read")
    minutes = get_or_404(Minutes, minutes_id)
    keep(minutes)
    reason = request.form.get("reason", "")
    outcome = attempt(lambda session: meetings.propose_correction(session, minutes, reason))
    if outcome.ok:
        flash(_("A corrected version was started; a later meeting approves it."), "success")
        return redirect(url_for("meetings.minutes_editor", meeting_id=minutes.meeting_id))
    if outcome.invalid is not None:
        flash(_("Give the reason for the correction."), "error")
    else:
        flash(not_stored(outcome), "error")
    return back_to(minutes.meeting, "#minutes")


@blueprint.get("/meetings/<int(max=2147483647):meeting_id>/minutes.<fmt>")
def minutes_document(meeting_id: int, fmt: str):
    require("meetings.read")
    if fmt not in documents.FORMATS:
        abort(404)
    language = request.args.get("language", "both")
    if language not in documents.LAYOUTS:
        abort(404)
    session = db_session()
    found = get_or_404(Meeting, meeting_id)
    minutes = meetings.minutes_for(
        session, found, may_manage=can(current(), "meetings.manage", found)
    )
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
    today = clock.today()
    return render_template(
        "meetings/actions.html",
        actions=meetings.find_actions(session, filters, today),
        summary=meetings.action_summary(session, today),
        filters=filters,
        today=today,
        **place_choices(),
    )


@blueprint.route("/actions/<int(max=2147483647):action_id>", methods=["GET", "POST"])
def action(action_id: int):
    require("meetings.read")
    session = db_session()
    found = get_or_404(ActionItem, action_id)
    errors, status = {}, 200
    if request.method == "POST":
        require("actions.update", found)
        form = request.form.to_dict()
        outcome = attempt(
            lambda session: meetings.update_action(
                session,
                found,
                {k: form.get(k) for k in ("status", "due_on", "note")},
                form.get("version"),
            )
        )
        if outcome.ok:
            flash(_("The action was updated."), "success")
            return redirect(url_for("meetings.action", action_id=found.id))
        if outcome.invalid is not None:
            errors, status = form_errors(outcome), 422
        else:
            if outcome.stale:
                session.refresh(found)
            flash(not_stored(outcome), "error")
            status = 409
    return render_template(
        "meetings/action.html",
        action=found,
        errors=errors,
        today=clock.today(),
        may_update=can(current(), "actions.update", found),
    ), status


@blueprint.get("/bodies/<int(max=2147483647):body_id>/attendance")
def attendance(body_id: int):
    require("meetings.read")
    found = get_or_404(Body, body_id)
    year = request.args.get("year", type=int) or clock.today().year
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
        authorities=dict(place_choices()["authorities"]),
    )
