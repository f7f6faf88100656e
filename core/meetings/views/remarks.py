"""The round of remarks: the page where those present comment on draft minutes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import db_session
from core.i18n import current_language
from core.meetings import services as meetings
from core.meetings.models import Minutes
from core.meetings.views.common import blueprint, email_of, form_errors, not_stored, remarks_by_item
from core.permissions import can, current, require
from core.web import attempt, get_or_404

# --- the round of remarks (the page of those present) ---------------------------------------


def _attendee_of(minutes: Minutes):
    principal = current()
    return meetings.attendance_of_user(
        minutes, principal.user_id, email_of(principal), principal.authority
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
    minutes = get_or_404(Minutes, minutes_id)
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
        outcome = attempt(
            lambda session: meetings.save_my_remarks(session, minutes, attendee, slots, current())
        )
        if outcome.ok:
            flash(
                _("Your remarks were saved.") if outcome.result else _("Nothing was changed."),
                "success",
            )
            return redirect(url_for("meetings.remarks", minutes_id=minutes.id))
        if outcome.invalid is not None:
            values, errors, status = {**values, **form}, form_errors(outcome), 422
        else:
            flash(not_stored(outcome), "error")
            status = 409
            # Once the round is over there is no box left to type in: what was typed is
            # shown beside each item to copy from, never thrown away.
            unsaved = {
                slot: text
                for slot in (slot for _item, slot in _slots(minutes))
                if (text := (form.get(f"text_{slot}") or "").strip())
                and text != (values.get(f"text_{slot}") or "").strip()
            }
        minutes = get_or_404(Minutes, minutes_id)
    open_now = meetings.round_open(minutes)
    return render_template(
        "meetings/remarks.html",
        meeting=minutes.meeting,
        minutes=minutes,
        agenda=meetings.agenda(minutes.meeting),
        texts={t.item_id: t for t in minutes.texts},
        remarks=remarks_by_item(minutes.remarks),
        earlier=meetings.earlier_remarks(session, minutes),
        attendee=attendee,
        writing=attendee is not None and open_now,
        open_now=open_now,
        may_manage=may_manage,
        values=values,
        errors=errors,
        unsaved=unsaved,
    ), status
