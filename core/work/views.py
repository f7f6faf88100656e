"""The My work page: the person's sections, worded and linked (core/work/services.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from core.clock import today as brussels_today
from core.db import db_session
from core.permissions import current, require
from core.work import services
from core.work.addresses import address, title
from core.work.words import (
    GROUP_LABELS,
    REGISTRATION_LABELS,
    REPLY_LABELS,
    SECTION_LABELS,
    lack_words,
)

blueprint = Blueprint("work", __name__)


@blueprint.get("/work")
def page():
    require("account.use")
    principal = current()
    work = services.work_of(db_session(), principal, current_app.extensions["concerto.registry"])
    return render_template(
        "work/page.html",
        work=work,
        today=brussels_today(),
        group_labels=GROUP_LABELS,
        section_labels=SECTION_LABELS,
        reply_labels=REPLY_LABELS,
        registration_labels=REGISTRATION_LABELS,
        address=address,
        title=title,
        lack_words=lack_words,
    )
