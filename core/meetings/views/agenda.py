"""The agenda of a meeting: items, their order and their attachments."""

from __future__ import annotations

from flask import Response, current_app, flash, render_template, request
from flask_babel import gettext as _

from core.db import db_session
from core.downloads import content_disposition
from core.i18n import show_file_size
from core.links.forms import picker_context, searching
from core.meetings import services as meetings
from core.meetings.errors import ERRORS
from core.meetings.models import AgendaItem, Attachment, Meeting
from core.meetings.views.common import back_to, blueprint, form_errors, keep, not_stored, step_back
from core.meetings.views.meetings import meeting_page, parents_of
from core.permissions import current, require
from core.web import attempt, get_or_404

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
        parents=parents_of(meeting) if item is None else [],
        link_picker=picker_context(
            db_session(), current(), form, "links", item.links if item else []
        ),
    ), 422 if errors else 200


@blueprint.post("/meetings/<int(max=2147483647):meeting_id>/items")
def add_item(meeting_id: int):
    require("meetings.read")
    found = get_or_404(Meeting, meeting_id)
    keep(found)
    if searching(request.form):  # "Search" for a link without JavaScript: nothing is saved
        return _item_form(found, None, request.form.to_dict(), {}, request.form)
    outcome = attempt(
        lambda session: meetings.add_item(session, found, _item_values(request.form), current())
    )
    if outcome.invalid is not None:
        errors = form_errors(outcome)
        return _item_form(found, None, request.form.to_dict(), errors, request.form)
    if outcome.ok:
        flash(_("The item was added to the agenda."), "success")
    else:
        flash(not_stored(outcome), "error")
    return back_to(found, "#agenda")


@blueprint.route("/agenda/<int(max=2147483647):item_id>", methods=["GET", "POST"])
def edit_item(item_id: int):
    require("meetings.read")
    item = get_or_404(AgendaItem, item_id)
    keep(item)
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
        outcome = attempt(
            lambda session: meetings.update_item(session, item, _item_values(form), current())
        )
        if outcome.invalid is not None:
            errors = form_errors(outcome)
        else:
            if outcome.ok:
                flash(_("The item was saved."), "success")
            else:
                flash(not_stored(outcome), "error")
            return back_to(item.meeting, "#agenda")
    return _item_form(item.meeting, item, values, errors, form)


@blueprint.post("/agenda/<int(max=2147483647):item_id>/move")
def move_item(item_id: int):
    require("meetings.read")
    item = get_or_404(AgendaItem, item_id)
    keep(item)
    step = -1 if request.form.get("direction") == "up" else 1
    return step_back(
        lambda _session: meetings.move_item(item, step), None, back_to(item.meeting, "#agenda")
    )


@blueprint.post("/agenda/<int(max=2147483647):item_id>/delete")
def remove_item(item_id: int):
    require("meetings.read")
    item = get_or_404(AgendaItem, item_id)
    keep(item)
    back = back_to(item.meeting, "#agenda")
    return step_back(
        lambda session: meetings.remove_item(session, item),
        _("The item was removed from the agenda."),
        back,
    )


@blueprint.post("/agenda/<int(max=2147483647):item_id>/attachments")
def attach(item_id: int):
    require("meetings.read")
    item = get_or_404(AgendaItem, item_id)
    keep(item)
    upload = request.files.get("file")
    settings = current_app.config["CONCERTO"]
    outcome = attempt(
        lambda session: meetings.attach(
            session,
            item,
            upload.filename if upload else "",
            upload.read(settings["attachment_max_bytes"] + 1) if upload else b"",
            allowed_types=settings["attachment_types"],
            max_bytes=settings["attachment_max_bytes"],
            uploaded_by=current().label,
        )
    )
    if outcome.ok:
        flash(_("The document was attached."), "success")
    elif outcome.invalid is not None:
        code = outcome.invalid.get("file")
        message = str(ERRORS.get(code, code))
        if code == "too_large":
            message = _(
                "This file is larger than the limit of %(size)s.",
                size=show_file_size(settings["attachment_max_bytes"]),
            )
        flash(message, "error")
        # The page itself, not a redirect, so that the refusal keeps its status code.
        return meeting_page(item.meeting), 413 if code == "too_large" else 422
    else:
        flash(not_stored(outcome), "error")
    return back_to(item.meeting, f"#item-{item.id}")


@blueprint.get("/attachments/<int(max=2147483647):attachment_id>")
def download_attachment(attachment_id: int):
    require("meetings.read")
    found = get_or_404(Attachment, attachment_id)
    return Response(
        found.content,
        mimetype=found.content_type,
        headers={
            "Content-Disposition": content_disposition(found.filename),
            "X-Content-Type-Options": "nosniff",
            "Digest": f"sha-256={found.sha256}",
        },
    )
