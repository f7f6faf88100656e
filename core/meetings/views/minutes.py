"""The minutes editor: texts per item, attendance, and sending the draft for remarks."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.db import db_session
from core.forms import FormFields
from core.i18n import show_date
from core.links.forms import picker_context, searching
from core.meetings import services as meetings
from core.meetings.models import ActionItem, Meeting, Minutes
from core.meetings.views.common import (
    back_to,
    blueprint,
    form_errors,
    keep,
    not_stored,
    partner_options,
    place_choices,
    remarks_by_item,
)
from core.permissions import current, require
from core.web import attempt, get_or_404

# --- minutes ------------------------------------------------------------------------------------


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/minutes/start")
def start_minutes(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    keep(found)
    outcome = attempt(lambda session: meetings.start_minutes(session, found))
    if not outcome.ok:
        flash(not_stored(outcome), "error")
        return back_to(found)
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
    part = FormFields(texts=fields, prefix=prefix).read(request.form)
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
        sent.closes_on if sent else clock.today() + timedelta(days=ROUND_DAYS)
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
    found = get_or_404(Meeting, meeting_id)
    keep(found)
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
        intent = request.form.get("intent", "")
        outcome = attempt(lambda session: _write_minutes(session, found, minutes, intent))
        if outcome.ok:
            done, anchor = outcome.result
            flash(done, "success")
            return redirect(url_for("meetings.minutes_editor", meeting_id=found.id) + anchor)
        if outcome.refused is not None:
            flash(not_stored(outcome), "error")
            status = 409
        elif outcome.stale:
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
        else:
            errors, status, unsaved = form_errors(outcome), 422, True
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
        remarks=remarks_by_item(minutes.remarks),
        earlier=meetings.earlier_remarks(session, minutes),
        present=len(meetings.attendees(minutes)),
        waiting=len(meetings.unhandled(minutes)),
        today=clock.today(),
        actions=session.scalars(
            select(ActionItem).where(ActionItem.meeting_id == found.id).order_by(ActionItem.id)
        ).all(),
        errors=errors,
        decision_picker=picker_context(
            session, current(), request.form if request.method == "POST" else None, "decision_links"
        ),
        partner_choices=partner_options(),
        **place_choices(),
    ), status
