"""Pages of the inventory: search with facets, a service, its form, the review queue, its
history, the coverage matrix and the yearly snapshots."""

from __future__ import annotations

import csv
import io
from datetime import date

from babel import Locale
from babel.lists import format_list
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.clock import this_year
from core.db import db_session
from core.i18n import current_language, pick
from core.inventory import comments as service_comments
from core.inventory import exchange, imports, organizations, schedules, snippets
from core.inventory import needs as register
from core.inventory import services as inventory
from core.inventory.changes import (
    CHOICE_LABELS,
    STATE_LABELS,
    Names,
    describe_changes,
    field_label,
    step_label,
)
from core.inventory.lexicon import vocabulary_of
from core.inventory.models import (
    ACCESS,
    DELIVERY,
    LANGUAGE_CODES,
    SETTINGS,
    ImportJob,
    Need,
    Organization,
    Service,
    ServiceVersion,
    Snapshot,
)
from core.inventory.schedules import in_words
from core.inventory.verification import snapshot_counts
from core.links import services as links
from core.links.forms import picker_context, searching
from core.permissions import can, current, require
from core.reference.models import Prison, ServiceDomain, TargetGroup
from core.reference.services import prisons_open
from core.validation import MESSAGES, Invalid, Refused

blueprint = Blueprint("inventory", __name__)

ERRORS = {
    **MESSAGES,
    **links.ERRORS,
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "duplicate": _l("This value is already used."),
    "type": _l("This value has the wrong form."),
    "integer": _l("Give a whole number."),
    "range": _l("Give a number between 0 and 100,000."),
    "too_many_places": _l("That is more places than the prison holds people."),
    "closed": _l("This prison is closed: choose one that is open."),
    "boolean": _l("Give yes or no."),
    "choice": _l("Choose one of the options."),
    "category": _l("Choose one of your authority's categories."),
    **schedules.MESSAGES,
    "date": _l("Give a date as YYYY-MM-DD."),
    "fixed": _l("The identifier cannot change; create a new service instead."),
}
WORKFLOW = {
    "not_a_draft": _l("Only a draft or a returned service can be submitted."),
    "not_submitted": _l("Only a submitted service can be reviewed."),
    "own_change": _l("You made the last change yourself: another committee member reviews it."),
    "withdrawn": _l("A withdrawn service cannot be changed."),
    "snapshot_exists": _l("That year's state of affairs is already frozen."),
    # Disabling a plugin keeps its authority's services in the shared inventory, readable.
    "plugin_disabled": _l(
        "The plugin of this service's authority is not enabled: its services can be read, "
        "not changed."
    ),
}


def _registry():
    return current_app.extensions["concerto.registry"]


def _reference_lists(session):
    """Domains, prisons and target groups, read once per request: the page's own lists and
    the names its templates look up come from the same three queries."""
    if "reference_lists" not in g:
        g.reference_lists = {
            "domains": session.scalars(
                select(ServiceDomain).order_by(ServiceDomain.position)
            ).all(),
            "prisons": session.scalars(
                select(Prison).order_by(Prison.opened_on, Prison.code)
            ).all(),
            "target_groups": session.scalars(
                select(TargetGroup).order_by(TargetGroup.position)
            ).all(),
        }
    return g.reference_lists


@blueprint.app_template_filter("state_label")
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@blueprint.app_template_filter("choice_label")
def choice_label(value: str) -> str:
    return str(CHOICE_LABELS.get(value, value))


def _may_see(service: Service) -> bool:
    return service.published_at is not None or can(current(), "inventory.read_unpublished", service)


def service_or_404(service_id: int) -> Service:
    """The service, if the caller may see it; an unpublished one is not even shown to exist."""
    service = db_session().get(Service, service_id, options=[selectinload(Service.locations)])
    if service is None or not _may_see(service):
        abort(404)
    return service


# --- search --------------------------------------------------------------------------------


@blueprint.get("/services")
def search():
    session = db_session()
    committee = can(current(), "inventory.review")
    filters = inventory.Filters.from_args(
        request.args,
        public_only=not committee,
        reading=current_language(),
        vocabulary=vocabulary_of(_registry()),
    )
    found, total = inventory.find(session, filters)
    facets = inventory.facet_counts(session, filters)
    expansion = filters.expansion(session)
    marked = {}
    if expansion is not None:
        marker = snippets.Marker(expansion, filters.lexicon(session), current_language())
        marked = {
            service.id: (marker.mark(service.local("name").text), marker.snippet(service))
            for service in found
        }
    reference = _reference_lists(session)
    open_today = {p.code for p in prisons_open(session)}
    return render_template(
        "inventory/search.html",
        filters=filters,
        services=found,
        marked=marked,
        total=total,
        pages=max(1, -(-total // filters.per_page)),
        facets=facets,
        authorities=_registry().authorities,
        language_codes=LANGUAGE_CODES,
        **{
            **reference,
            # A closed prison is a choice only while a service still lists it.
            "prisons": [
                p
                for p in reference["prisons"]
                if p.code in open_today or facets["prison"][p.code] or filters.prison == p.code
            ],
        },
    )


@blueprint.get("/services/<int(max=2147483647):service_id>")
def show(service_id: int):
    return service_page(service_or_404(service_id))


def service_page(service: Service, status: int = 200, **extra):
    """The service's page; ``extra`` for a form sent back with its errors (report an
    error)."""
    session = db_session()
    authority = _registry().authorities.get(service.authority_code)
    context = upkeep_views.service_page_extras(service) | extra
    return render_template(
        "inventory/service.html",
        service=service,
        authority=authority,
        category=next(
            (t for t in (authority.vocabulary if authority else []) if t.code == service.category),
            None,
        ),
        may_edit=can(current(), "inventory.edit", service),
        may_review=can(current(), "inventory.review"),
        pending=pending_changes(service) if service.pending else [],
        comments=(
            service_comments.comments_of(session, service)
            if can(current(), "inventory.read_unpublished", service)
            else None
        ),
        **_reference_lists(session),
        **context,
    ), status


@blueprint.get("/services/<int(max=2147483647):service_id>/history")
def history(service_id: int):
    service = service_or_404(service_id)
    if not can(current(), "inventory.read_unpublished", service):
        abort(403 if current().is_authenticated else 401)
    session = db_session()
    versions = session.scalars(
        select(ServiceVersion)
        .where(ServiceVersion.service_id == service.id)
        .order_by(ServiceVersion.number.desc())
    ).all()
    authority = _registry().authorities.get(service.authority_code)
    names = Names.load(session, current_language())
    described = [
        (version, step_label(version.action), describe_changes(version.changes, authority, names))
        for version in versions
    ]
    return render_template("inventory/history.html", service=service, versions=described)


def pending_changes(service: Service, names: Names | None = None) -> list:
    """What a published service's waiting changes would change, in words: what the
    committee reviews."""
    if not service.pending:
        return []
    published = inventory.record_of(service)
    return describe_changes(
        inventory.diff(published, {**published, **service.pending}),
        _registry().authorities.get(service.authority_code),
        names or Names.load(db_session(), current_language()),
    )


# --- the form --------------------------------------------------------------------------------


def _values_from_form(form, authority, prisons) -> dict:
    values = {key: form.get(key, "") for key in inventory.TEXT_FIELDS}
    values |= {key: form.get(key, "") for key in inventory.CONTACT}
    values |= {key: form.get(key, "") for key in inventory.NUMBERS}
    values |= {key: form.get(key, "") for key in inventory.CHOICES}
    values |= {key: "1" if form.get(key) else "0" for key in ("free_of_charge", "waiting_list")}
    values["category"] = form.get("category", "")
    values["organization_id"] = form.get("organization_id", "")
    values["target_groups"] = form.getlist("target_groups")
    values["languages"] = form.getlist("languages")
    values["locations"] = [
        {
            "prison": prison.code,
            "schedule": schedules.from_form(form, f"loc_{prison.code}_schedule"),
            "places": form.get(f"loc_{prison.code}_places", ""),
            "notes_nl": form.get(f"loc_{prison.code}_notes_nl", ""),
            "notes_fr": form.get(f"loc_{prison.code}_notes_fr", ""),
        }
        for prison in prisons
        if form.get(f"loc_{prison.code}")
    ]
    values["extra"] = {
        field.name: ("1" if form.get(f"extra_{field.name}") else "0")
        if field.type == "boolean"
        else form.get(f"extra_{field.name}", "")
        for field in authority.service_fields
    }
    return values


def _form(authority, values, errors, service=None, theirs=None, version=None, status=200):
    session = db_session()
    return (
        render_template(
            "inventory/form.html",
            authority=authority,
            values=values,
            errors={key: ERRORS.get(code, code) for key, code in errors.items()},
            service=service,
            theirs=theirs,
            version=version,
            choices={"delivery": DELIVERY, "setting": SETTINGS, "access": ACCESS},
            organizations=organizations.of_authority(session, authority.code),
            language_codes=LANGUAGE_CODES,
            closed_prisons={p.code for p in _reference_lists(session)["prisons"]}
            - {p.code for p in prisons_open(session)},
            kept_prisons=service.prison_codes() if service else set(),
            **_reference_lists(session),
        ),
        status,
    )


def _own_authority():
    principal = current()
    authority = _registry().authorities.get(principal.authority or "")
    require("inventory.edit", principal.authority)
    if authority is None:
        abort(404)
    return authority


@blueprint.route("/services/new", methods=["GET", "POST"])
def new():
    authority = _own_authority()
    if request.method == "GET":
        blank = {
            "delivery": "individual",
            "setting": "inside",
            "access": "on_request",
            "free_of_charge": True,
            "locations": [],
            "target_groups": [],
            "languages": [],
        }
        return _form(authority, blank, {})
    session = db_session()
    prisons = _reference_lists(session)["prisons"]
    values = _values_from_form(request.form, authority, prisons)
    values["external_id"] = request.form.get("external_id", "")
    try:
        service = inventory.create_service(session, authority, values, current())
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _form(authority, values, invalid.errors, status=422)
    flash(_("The draft was saved. Submit it when it is complete."), "success")
    return redirect(url_for("inventory.show", service_id=service.id))


@blueprint.route("/services/<int(max=2147483647):service_id>/edit", methods=["GET", "POST"])
def edit(service_id: int):
    service = service_or_404(service_id)
    require("inventory.edit", service)
    authority = _registry().authorities.get(service.authority_code)
    if authority is None:
        flash(str(WORKFLOW["plugin_disabled"]), "warning")
        return redirect(url_for("inventory.show", service_id=service_id))
    if request.method == "GET":
        return _form(
            authority, inventory.working_copy(service), {}, service, version=service.version
        )
    session = db_session()
    prisons = _reference_lists(session)["prisons"]
    values = _values_from_form(request.form, authority, prisons)
    version = request.form.get("version", type=int) or 0
    try:
        inventory.update_service(session, authority, service, values, version, current())
        session.commit()
    except inventory.InvalidService as invalid:
        session.rollback()
        return _form(authority, values, invalid.errors, service, version=version, status=422)
    except inventory.StaleService as stale:
        # Someone saved in between: their version beside this one, nothing lost.
        session.rollback()
        current_copy = inventory.working_copy(stale.current)
        return _form(
            authority,
            values,
            {},
            service,
            theirs=current_copy,
            version=stale.current.version,
            status=409,
        )
    except inventory.NotAllowedNow as refused:
        session.rollback()
        flash(str(WORKFLOW[refused.code]), "warning")
        return redirect(url_for("inventory.show", service_id=service.id))
    flash(_("Your changes were saved as a draft."), "success")
    return redirect(url_for("inventory.show", service_id=service.id))


# --- the workflow ------------------------------------------------------------------------------


def _step(service_id: int, name: str, done_message: str, **extra):
    permission, step = inventory.STEPS[name]
    service = service_or_404(service_id)
    require(permission, service)
    authority = _registry().authorities.get(service.authority_code)
    if authority is None:
        flash(str(WORKFLOW["plugin_disabled"]), "warning")
        return redirect(url_for("inventory.show", service_id=service_id))
    session = db_session()
    try:
        step(session, authority, service, current(), **extra)
        session.commit()
        flash(done_message, "success")
    except inventory.InvalidService as invalid:
        session.rollback()
        labels = dict.fromkeys(str(field_label(key, authority)) for key in sorted(invalid.errors))
        fields = format_list(list(labels), locale=str(get_locale()))
        flash(_("The service is not complete yet: %(fields)s.", fields=fields), "warning")
    except inventory.NotAllowedNow as refused:
        session.rollback()
        flash(str(WORKFLOW[refused.code]), "warning")
    return redirect(url_for("inventory.show", service_id=service_id))


@blueprint.post("/services/<int(max=2147483647):service_id>/submit")
def submit(service_id: int):
    answer = _step(service_id, "submit", _("The service was submitted to the committee."))
    upkeep_views.tell_likely_duplicates(service_id)  # a notice, not a refusal (issue 23)
    return answer


@blueprint.post("/services/<int(max=2147483647):service_id>/approve")
def approve(service_id: int):
    return _step(service_id, "approve", _("The service was approved and published."))


@blueprint.post("/services/<int(max=2147483647):service_id>/return")
def send_back(service_id: int):
    return _step(
        service_id,
        "return",
        _("The service was returned to its author with your comment."),
        comment=request.form.get("comment", ""),
    )


@blueprint.post("/services/<int(max=2147483647):service_id>/comments")
def comment(service_id: int):
    """A comment beside the review; refused, the page comes back with the text kept."""
    service = service_or_404(service_id)
    session = db_session()
    text = request.form.get("comment_text", "")
    try:
        service_comments.add(session, service, text, current())
    except Invalid as invalid:
        session.rollback()
        code = invalid.errors.get("comment_text", "")
        problem = {"required": _("Write your comment first.")}.get(code) or ERRORS.get(code, code)
        return service_page(
            service_or_404(service_id), 422, comment_error=problem, comment_text=text
        )
    except Refused:
        session.rollback()
        abort(403 if current().is_authenticated else 401)
    session.commit()
    flash(_("Your comment was added. Those who edited the service are told."), "success")
    return redirect(url_for("inventory.show", service_id=service_id, _anchor="comments"))


@blueprint.get("/services/review")
def review_queue():
    require("inventory.review")
    session = db_session()
    waiting = session.scalars(
        select(Service)
        .where(Service.state == "submitted")
        .options(selectinload(Service.locations))
        .order_by(Service.updated_at)
    ).all()
    names = Names.load(session, current_language())
    # A new service is reviewed whole; a published one, by what its changes would change.
    changes = {service.id: pending_changes(service, names) for service in waiting}
    return render_template(
        "inventory/review.html",
        services=waiting,
        changes=changes,
        **upkeep_views.review_extras(session, waiting),
    )


# --- coverage -------------------------------------------------------------------------------


def _coverage_args() -> dict[str, str]:
    return {
        "target_group": (request.args.get("target_group") or "").strip()[:32],
        "language": (request.args.get("language") or "").strip()[:8],
        "authority": (request.args.get("authority") or "").strip()[:48],
    }


def _coverage_year() -> tuple[int, str | None]:
    """The year asked for, or this year with the reason when the asked one is no year."""
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return this_year(), None
    if not raw.isdecimal() or not 2000 <= int(raw) <= 2100:
        return this_year(), _("Give a year between 2000 and 2100.")
    return int(raw), None


@blueprint.get("/coverage")
def coverage():
    session = db_session()
    args = _coverage_args()
    year, year_error = _coverage_year()
    found = inventory.coverage_of_year(session, year, **args)
    listed = {prison.code for prison in found.prisons}
    # Said beside the matrix, so a reader missing a prison knows it was closed (or not yet
    # built) that year rather than forgotten.
    not_open = [
        p.local("name").text for p in _reference_lists(session)["prisons"] if p.code not in listed
    ]
    return render_template(
        "inventory/coverage.html",
        coverage=found,
        closed=format_list(not_open, locale=str(get_locale())) if not_open else "",
        closed_count=len(not_open),
        year=year,
        year_asked=request.args.get("year", "")[:20] if year_error else year,
        year_error=year_error,
        language_codes=LANGUAGE_CODES,
        authorities=_registry().authorities,
        **args,
        target_groups=_reference_lists(session)["target_groups"],
    ), 422 if year_error else 200


@blueprint.get("/coverage.csv")
def coverage_csv():
    session = db_session()
    year, year_error = _coverage_year()
    if year_error:
        return Response(year_error, status=400, mimetype="text/plain")
    found = inventory.coverage_of_year(session, year, **_coverage_args())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Named as on the page, in the reader's language, with the prisons open in the year; the
    # byte-order mark lets spreadsheets read the accents.
    writer.writerow([_("Domain"), *[p.local("name").text for p in found.prisons]])
    for domain in found.domains:
        writer.writerow(
            [
                domain.local("name").text,
                *[found.cells.get((p.code, domain.code), 0) for p in found.prisons],
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="concerto-coverage-{year}.csv"'},
    )


# --- snapshots -------------------------------------------------------------------------------


@blueprint.route("/snapshots", methods=["GET", "POST"])
def snapshots():
    session = db_session()
    if request.method == "POST":
        require("inventory.freeze")
        year = request.form.get("year", type=int)
        if year is None or not 2000 <= year <= 2100:
            flash(_("Give a year between 2000 and 2100."), "warning")
        else:
            try:
                inventory.freeze(session, year, current())
                session.commit()
                flash(_("The state of affairs %(year)d was frozen.", year=year), "success")
            except inventory.NotAllowedNow as refused:
                session.rollback()
                flash(str(WORKFLOW[refused.code]), "warning")
        return redirect(url_for("inventory.snapshots"))
    found = session.scalars(select(Snapshot).order_by(Snapshot.year.desc())).all()
    comparison = None
    years = (request.args.get("from", type=int), request.args.get("to", type=int))
    if all(years):
        by_year = {snapshot.year: snapshot for snapshot in found}
        if years[0] in by_year and years[1] in by_year:
            comparison = inventory.compare(by_year[years[0]], by_year[years[1]])
    return render_template(
        "inventory/snapshots.html",
        snapshots=found,
        # How many services of each year's state were not confirmed in it (issue 23).
        confirmations={snapshot.year: snapshot_counts(snapshot.services) for snapshot in found},
        comparison=comparison,
        years=years,
        may_freeze=can(current(), "inventory.freeze"),
        this_year=date.today().year,
        authorities=_registry().authorities,
        domains={d.code: d for d in _reference_lists(session)["domains"]},
    )


# --- names of codes, for templates ------------------------------------------------------------


def _names() -> dict[str, dict[str, str]]:
    """Reference names in the reader's language, read once per request."""
    if "reference_names" not in g:
        session = db_session()
        lists = _reference_lists(session)
        g.reference_names = {
            "domain": {d.code: d.local("name").text for d in lists["domains"]},
            "prison": {p.code: p.local("name").text for p in lists["prisons"]},
            "target_group": {t.code: t.local("name").text for t in lists["target_groups"]},
        }
    return g.reference_names


@blueprint.app_template_global("facet_label")
def facet_label(kind: str, code: str) -> str:
    if kind in ("domain", "prison", "target_group"):
        return _names()[kind].get(code, code)
    if kind == "language":
        return language_label(code)
    if kind == "authority":
        authority = _registry().authorities.get(code)
        return pick(authority.short_names or authority.names).text if authority else code
    if kind == "state":
        return state_label(code)
    return choice_label(code)


@blueprint.app_template_filter("prison_name")
def prison_name(code: str) -> str:
    return _names()["prison"].get(code, code)


@blueprint.app_template_filter("language_label")
def language_label(code: str) -> str:
    """A language's name in the reader's language, from Babel's data (Arabic, arabe, ...)."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (ValueError, TypeError):
        return code


# --- import and export ---------------------------------------------------------------------

FILE_PROBLEMS = {
    "too_large": _l("The file is larger than 5 MB. Split it into smaller files."),
    "format": _l("Send a CSV, XLSX or JSON file."),
    "too_many_rows": _l("The file has more than 20,000 rows. Split it into smaller files."),
    "empty": _l("The file has no rows."),
    "encoding": _l("The file is not in UTF-8. Save it again as “CSV UTF-8” and send it again."),
    "unreadable": _l("The file cannot be read. Check that it is a real CSV, XLSX or JSON file."),
    "unpacked_too_large": _l(
        "Unpacked, this spreadsheet is too large. Split it into smaller files."
    ),
    "nested": _l(
        "The JSON file nests lists or objects more than 32 levels deep. Send a list of "
        "services as the export writes it."
    ),
    "unknown_column": _l("This column is not known. Rename or remove it."),
    "missing_column": _l("This column is required."),
    "beyond_columns": _l(
        "This row has more cells than the first row has column names. Remove them or name "
        "their column."
    ),
    "duplicate_row": _l("This identifier appears twice in the file."),
    "changed_meanwhile": _l(
        "Someone changed this service while the file was being checked. Send the file "
        "again to check it against the new version."
    ),
    "failed": _l(
        "The import stopped because of an error in the platform; nothing was stored. Send "
        "the file again; if this happens again, tell the platform's administrators."
    ),
    "interrupted": _l(
        "The import stopped because the platform was restarted; nothing was stored. Send "
        "the file again."
    ),
}


def describe(problem: dict) -> str:
    """A problem of an import (as stored in the job's report) in the reader's language."""
    code = problem["code"]
    return str(FILE_PROBLEMS.get(code) or ERRORS.get(code) or WORKFLOW.get(code) or code)


@blueprint.route("/services/import", methods=["GET", "POST"])
def import_services():
    authority = _own_authority()
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
    authority = _own_authority()
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
    _own_authority()
    return render_template("inventory/import_progress.html", job=_job(job_id), describe=describe)


@blueprint.get("/services/export.<fmt>")
def export(fmt: str):
    if fmt not in exchange.FORMATS:
        abort(404)
    render, mimetype = exchange.FORMATS[fmt]
    filters = inventory.Filters.from_args(
        request.args,
        public_only=True,
        reading=current_language(),
        vocabulary=vocabulary_of(_registry()),
    )
    rows = exchange.export_rows(db_session(), filters)
    return Response(
        render(rows),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="concerto-services.{fmt}"'},
    )


# --- needs ------------------------------------------------------------------------------------

NEED_STATE_LABELS = {
    "open": _l("open"),
    "being_addressed": _l("being addressed"),
    "answered": _l("answered"),
    "closed": _l("closed"),
}


@blueprint.app_template_filter("need_state")
def need_state(state: str) -> str:
    return str(NEED_STATE_LABELS.get(state, state))


def _need_form_values(form) -> dict:
    values = {
        key: form.get(key, "")
        for key in ("prison", "domain", "target_group", "language")
        + tuple(f"description_{lang}" for lang in ("nl", "fr", "en"))
    }
    if "status" in form:
        values["status"] = form.get("status")
    if "goal" in form:
        values["goal"] = form.get("goal", "")
    # The pickers (core.links): chosen records as "kind:id"; a picker whose every record was
    # unchecked sends only its search box, and that empties the list.
    if "services" in form or "services_q" in form:
        sent = [
            value.strip().removeprefix("service:")
            for value in form.getlist("services")
            if value.strip()
        ]
        # Not a number of a service: 0, which no service has, so it is refused as unknown.
        values["services"] = [
            int(ident) if ident.isdecimal() and len(ident) < 10 else 0 for ident in sent
        ]
    if "links" in form or "links_q" in form:
        values["links"] = form.getlist("links")
    return values


def _need_pickers(session, form, need: Need | None) -> dict:
    """The need's two pickers: the services that answer it, and its other links."""
    principal = current()
    stored = [{"kind": "service", "id": s.id} for s in need.services] if need else []
    return {
        "services_picker": picker_context(
            session, principal, form, "services", stored, kinds=("service",)
        ),
        "links_picker": picker_context(
            session, principal, form, "links", need.links if need else []
        ),
        "linked": links.describe(session, principal, need.links, current_language())
        if need and need.links
        else [],
    }


@blueprint.get("/needs")
def needs():
    require("needs.read")
    filters = {key: (request.args.get(key) or "")[:32] for key in ("prison", "domain", "status")}
    session = db_session()
    found = session.scalars(register.listing(session, filters)).all()
    # A closed prison is a choice only while a need of the register names it.
    named = set(session.scalars(select(Need.prison_code).distinct()))
    open_today = {p.code for p in prisons_open(session)}
    reference = _reference_lists(session)
    return render_template(
        "inventory/needs.html",
        needs=found,
        filters=filters,
        states=NEED_STATE_LABELS,
        may_signal=can(current(), "needs.signal"),
        **{
            **reference,
            "prisons": [p for p in reference["prisons"] if p.code in open_today | named],
        },
    )


@blueprint.route("/needs/new", methods=["GET", "POST"])
def signal_need():
    require("needs.signal")
    session = db_session()
    values, errors = {}, {}
    if request.method == "POST" and searching(request.form):
        values = request.form.to_dict()  # "Search" for a link without JavaScript: shown again
    elif request.method == "POST":
        values = _need_form_values(request.form)
        try:
            register.signal(session, values, current())
            session.commit()
            flash(_("The need was added to the register."), "success")
            return redirect(url_for("inventory.needs"))
        except inventory.InvalidService as invalid:
            session.rollback()
            errors = {key: ERRORS.get(code, code) for key, code in invalid.errors.items()}
    return render_template(
        "inventory/need_form.html",
        values=request.form.to_dict() if request.method == "POST" else values,
        errors=errors,
        need=None,
        language_codes=LANGUAGE_CODES,
        states=NEED_STATE_LABELS,
        **_need_pickers(session, request.form if request.method == "POST" else None, None),
        **{**_reference_lists(session), "prisons": prisons_open(session)},
    ), 422 if errors else 200


@blueprint.route("/needs/<int(max=2147483647):need_id>", methods=["GET", "POST"])
def need(need_id: int):
    require("needs.read")
    session = db_session()
    found = session.get(Need, need_id)
    if found is None:
        abort(404)
    errors, searched = {}, False
    open_today = {p.code for p in prisons_open(session)}
    if request.method == "POST" and searching(request.form):
        require("needs.edit", found)
        searched = True  # "Search" for a link without JavaScript: shown again, nothing saved
    elif request.method == "POST":
        require("needs.edit", found)
        values = _need_form_values(request.form)
        try:
            register.update(session, found, values, current())
            session.commit()
            flash(_("The need was updated."), "success")
            return redirect(url_for("inventory.need", need_id=need_id))
        except inventory.InvalidService as invalid:
            session.rollback()
            errors = {key: ERRORS.get(code, code) for key, code in invalid.errors.items()}
    return render_template(
        "inventory/need_form.html",
        values={
            "prison": found.prison_code,
            "domain": found.domain_code,
            "target_group": found.target_group,
            "language": found.language,
            "status": found.status,
            "goal": found.goal.code if found.goal else "",
            **{
                f"description_{lang}": found.texts("description")[lang]
                for lang in ("nl", "fr", "en")
            },
        },
        errors=errors,
        searched=searched,
        need=found,
        may_edit=can(current(), "needs.edit", found),
        **_need_pickers(session, request.form if request.method == "POST" else None, found),
        language_codes=LANGUAGE_CODES,
        states=NEED_STATE_LABELS,
        # The prisons open today, and the need's own if it has closed since.
        **{
            **_reference_lists(session),
            "prisons": [
                p
                for p in _reference_lists(session)["prisons"]
                if p.code == found.prison_code or p.code in open_today
            ],
        },
    ), 422 if errors else 200


# --- organisations -------------------------------------------------------------------------

ORGANIZATION_ERRORS = {"kbo": _l("Give a valid KBO/BCE number, such as 0123.456.749.")}


@blueprint.get("/organizations")
def organizations_list():
    session = db_session()
    found = session.scalars(select(Organization).order_by(Organization.name)).all()
    return render_template(
        "inventory/organizations.html",
        organizations=found,
        may_add=can(current(), "inventory.edit", current().authority),
    )


@blueprint.route("/organizations/new", methods=["GET", "POST"], defaults={"organization_id": None})
@blueprint.route(
    "/organizations/<int(max=2147483647):organization_id>/edit", methods=["GET", "POST"]
)
def organization_form(organization_id: int | None):
    session = db_session()
    found = None
    if organization_id is not None:
        found = session.get(Organization, organization_id)
        if found is None:
            abort(404)
        require("inventory.edit", found.authority_code)
        code = found.authority_code
    else:
        code = _own_authority().code
    values = {key: getattr(found, key) for key in organizations.FIELDS} if found else {}
    errors = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in organizations.FIELDS}
        if found is not None:
            values["external_id"] = found.external_id
        try:
            organizations.save(session, code, values, found)
            session.commit()
            flash(_("The organisation was saved."), "success")
            return redirect(url_for("inventory.organizations_list"))
        except inventory.InvalidService as invalid:
            session.rollback()
            errors = {
                key: ORGANIZATION_ERRORS.get(error) or ERRORS.get(error, error)
                for key, error in invalid.errors.items()
            }
    return render_template(
        "inventory/organization_form.html", organization=found, values=values, errors=errors
    ), 422 if errors else 200


@blueprint.app_template_filter("schedule_text")
def schedule_text(rule: str | None) -> str:
    """A repeat rule in words, in the reader's language: "every Tuesday, from 14.00 to 16.00"."""
    return in_words(rule, current_language())


@blueprint.app_template_filter("schedule_choices")
def schedule_choices(value):
    """The schedule picker's choices for a stored rule or a form's answer; None: keep it."""
    return schedules.picked(value)


@blueprint.app_template_global("schedule_options")
def schedule_options():
    return schedules.options(get_locale())


# The pages that keep the inventory true (issue 23) add their routes to this blueprint.
from core.inventory import upkeep_views  # noqa: E402
