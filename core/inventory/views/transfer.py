"""Importing services from a file (checked by a job in the background, its page polled
while it runs) and exporting the published inventory as CSV, XLSX, ODS or JSON."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from core.db import db_session
from core.i18n import current_language
from core.inventory import exchange, imports
from core.inventory import services as inventory
from core.inventory.errors import describe
from core.inventory.export import Exported
from core.inventory.lexicon import vocabulary_of
from core.inventory.models import ImportJob
from core.inventory.views.common import blueprint, own_authority, registry
from core.permissions import current


@blueprint.route("/services/import", methods=["GET", "POST"])
def import_services():
    authority = own_authority()
    if request.method == "GET":
        return render_template("inventory/import.html", authority=authority, job=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to import."), "warning")
        return render_template("inventory/import.html", authority=authority, job=None), 422
    session = db_session()
    principal = current()

    def create_job() -> int:
        job = ImportJob(
            authority_code=authority.code,
            user_id=principal.user_id,
            actor=principal.label[:200],
            filename=upload.filename[:300],
            data=upload.read(exchange.MAX_BYTES + 1),
            dry_run=bool(request.form.get("dry_run")),
            status="waiting",
            done=0,
            total=0,
            report=imports.stamp(),
        )
        session.add(job)
        session.commit()
        return job.id

    try:
        job_id = imports.queue_of(current_app).submit(create_job)
    except imports.Busy:
        # Refused before the file is stored or read: a burst of uploads costs nothing.
        flash(
            _(
                "Too many imports are being checked right now; your file was not sent. "
                "Send it again in a minute."
            ),
            "warning",
        )
        page = render_template("inventory/import.html", authority=authority, job=None)
        return page, 503, {"Retry-After": "60"}
    return redirect(url_for("inventory.import_job", job_id=job_id))


blueprint.add_app_template_global(imports.progress_of, "progress_of")


def _job(job_id: int) -> ImportJob:
    session = db_session()
    job = session.get(ImportJob, job_id)
    if job is None or job.user_id != current().user_id:
        abort(404)
    held = imports.queue_of(current_app).held()
    if imports.abandoned(job, held):
        # Nobody runs it any more (its process stopped): the page says so instead of
        # waiting for ever.
        imports.end_abandoned(current_app.extensions["concerto.db"], held, [job.id])
        session.refresh(job)
    return job


@blueprint.get("/services/import/<int(max=2147483647):job_id>")
def import_job(job_id: int):
    authority = own_authority()
    job = _job(job_id)
    status = 422 if job.status == "refused" or (job.status == "done" and _problems(job)) else 200
    return render_template(
        "inventory/import.html",
        authority=authority,
        job=job,
        describe=describe,
    ), status


def _problems(job: ImportJob) -> list:
    return (job.report or {}).get("problems") or []


@blueprint.get("/services/import/<int(max=2147483647):job_id>/progress")
def import_progress(job_id: int):
    """The part of the job's page that changes, polled by htmx while the job runs."""
    own_authority()
    return render_template("inventory/import_progress.html", job=_job(job_id), describe=describe)


@blueprint.get("/services/export.<fmt>")
def export(fmt: str):
    """The published services the filters find, streamed a chunk at a time as they are read
    (the request's session stays open until the last one: stream_with_context)."""
    if fmt not in exchange.FORMATS:
        abort(404)
    write, mimetype = exchange.FORMATS[fmt]
    filters = inventory.Filters.from_args(
        request.args,
        public_only=True,
        reading=current_language(),
        vocabulary=vocabulary_of(registry()),
    )
    exported = Exported(db_session(), filters)  # the columns, before the answer starts
    return Response(
        stream_with_context(write(exported)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="concerto-services.{fmt}"'},
    )
