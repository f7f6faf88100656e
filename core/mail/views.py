"""The outbox pages: every e-mail the platform wrote, newest first, with its delivery state,
for the secretariat (``outbox.read``). Delivery itself is core.mail.jobs."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from core.db import db_session
from core.downloads import content_disposition
from core.mail.models import OutboxMessage
from core.mail.services import reason as failure_reason
from core.permissions import require
from core.web import get_or_404

blueprint = Blueprint("mail", __name__)

PAGE = 50


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
            .limit(PAGE + 1)
            .offset((page - 1) * PAGE)
        )
        .all()
    )
    return render_template(
        "meetings/outbox.html",
        messages=listed[:PAGE],
        page=page,
        more=len(listed) > PAGE,
        reason=failure_reason,
    )


@blueprint.get("/outbox/<int(max=2147483647):message_id>")
def outbox_message(message_id: int):
    require("outbox.read")
    return render_template(
        "meetings/message.html",
        message=get_or_404(OutboxMessage, message_id),
        reason=failure_reason,
    )


@blueprint.get("/outbox/<int(max=2147483647):message_id>/<int(max=100):part>")
def outbox_attachment(message_id: int, part: int):
    require("outbox.read")
    message = get_or_404(OutboxMessage, message_id)
    if part >= len(message.attachments):
        abort(404)
    found = message.attachments[part]
    return Response(
        found["text"],
        mimetype=found["content_type"],
        headers={"Content-Disposition": content_disposition(found["filename"])},
    )
