"""Pages of the reports: the list of every authority's reports for a year (with a word when a
year holds no data, and a report's last failure for administrators), the download of one
report, and the page on which an authority enters the figures of one of its tables."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from core.clock import in_brussels, utcnow
from core.db import db_session
from core.i18n import current_language
from core.permissions import can, current, require
from core.reports import figures as figure_tables
from core.reports import services as reports
from core.reports.data import prisons
from core.validation import MESSAGES
from core.web import attempt

blueprint = Blueprint("reports", __name__)

FIGURE_ERRORS = {
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "integer": _l("Give a whole number."),
    "number": _l("Give a number, such as 12.5."),
    "range": _l("This number is outside the allowed range."),
    "duplicate": _l("This row repeats another one."),
    "closed": _l("This prison was not open in that year."),
    "choose": _l("Choose one of the values the list offers."),
    **MESSAGES,
}
BLANK_ROWS = 3  # empty rows under the year's rows, to add new ones
MAX_ROWS = 2000  # more rows than any table of a year holds


def _registry():
    return current_app.extensions["concerto.registry"]


def _year() -> int:
    year = request.args.get("year", type=int) or in_brussels(utcnow()).year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@blueprint.get("/reports")
def index():
    require("account.use")
    session = db_session()
    year = _year()
    principal = current()
    listed = []
    for code, authority in sorted(_registry().authorities.items()):
        if not authority.reports and not authority.figure_tables:
            continue
        listed.append(
            {
                "code": code,
                "authority": authority,
                "may_read": can(principal, "reports.read", code),
                "may_enter": can(principal, "figures.edit", code),
                "has_data": reports.has_data(session, _registry(), code, year),
            }
        )
    return render_template(
        "reports/index.html",
        listed=listed,
        year=year,
        failures=reports.failures(session) if can(principal, "admin.plugins") else {},
    )


@blueprint.get("/reports/<code>/<report_code>/<int(min=2000,max=2100):year>")
def download(code: str, report_code: str, year: int):
    report = reports.report_of(_registry(), code, report_code)
    if report is None:
        abort(404)
    require("reports.read", code)
    language = request.args.get("lang") or report.languages[0]
    if language not in report.languages:
        abort(404)
    try:
        content = reports.make(db_session(), code, report, year, language)
    except reports.ReportFailed:
        return render_template("reports/failed.html", report=report, year=year), 500
    filename = f"{code}-{report.code}-{year}-{language}.{report.extension}"
    return Response(
        content,
        mimetype=report.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _prison_choices(session, table, year: int, *row_lists) -> dict[str, str]:
    """The prisons open in the year to choose from, by name; a prison closed before it that
    a row still names stays, marked closed, so the row reads as entered and saving it says
    what is wrong."""
    language = current_language()
    choices = prisons(session, language, year)
    every = prisons(session, language)
    columns = [c.name for c in table.columns if c.kind == "prison"]
    for rows in row_lists:
        for row in rows or []:
            for name in columns:
                code = row.get(name)
                if code in every and code not in choices:
                    choices[code] = f"{every[code]} {_('(closed)')}"
    return choices


def _figure_error(table, key: str, message) -> str:
    """A problem of one cell in the reader's language: a core code, or a plugin's message."""
    if not isinstance(message, str):
        return str(message)
    if message == "places":
        column = next(c for c in table.columns if c.name == key.partition(":")[2])
        return ngettext(
            "Give at most %(num)d decimal place.",
            "Give at most %(num)d decimal places.",
            column.places,
        )
    return str(FIGURE_ERRORS.get(message, message))


def _figure_table(code: str, table_code: str):
    authority = _registry().authorities.get(code)
    found = next(
        (t for t in authority.figure_tables if t.code == table_code) if authority else (), None
    )
    if found is None:
        abort(404)
    return authority, found


@blueprint.route(
    "/authorities/<code>/figures/<table_code>/<int(min=2000,max=2100):year>",
    methods=["GET", "POST"],
)
def figures(code: str, table_code: str, year: int):
    authority, table = _figure_table(code, table_code)
    require("reports.read", code)
    may_enter = can(current(), "figures.edit", code)
    session = db_session()
    rows = figure_tables.rows_of(session, table, year)
    has_rows = bool(rows)
    errors: dict[str, str] = {}
    read_as = figure_tables.fingerprint(rows)
    theirs, status = None, 200
    if request.method == "POST":
        require("figures.edit", code)
        confirm_removal = False
        count = min(max(request.form.get("rows", type=int, default=0), 0), MAX_ROWS)
        submitted = [
            {c.name: request.form.get(f"r{n}-{c.name}", "") for c in table.columns}
            for n in range(1, count + 1)
        ]
        outcome = attempt(
            lambda session: figure_tables.save_rows(
                session,
                table,
                year,
                submitted,
                request.form.get("read_as"),
                remove_all=request.form.get("remove_all") == "1",
                authority=code,
            )
        )
        if outcome.ok:
            stored = outcome.result
            flash(ngettext("%(num)d row was saved.", "%(num)d rows were saved.", stored), "success")
            return redirect(url_for("reports.figures", code=code, table_code=table_code, year=year))
        if outcome.invalid is not None:
            errors = {
                key: _figure_error(table, key, message) for key, message in outcome.invalid.items()
            }
            rows = submitted
        elif outcome.refused is not None:
            if outcome.refused == "read_as_missing":
                flash(
                    _(
                        "Nothing was saved: the form did not say which figures it was based "
                        "on, so it could have overwritten someone else's. The page shows the "
                        "stored figures; enter yours again."
                    ),
                    "error",
                )
                status = 400
            else:
                flash(
                    _(
                        "Nothing was saved: every row is empty. To remove every row of this "
                        "year, tick “Remove every row of this year” and save again."
                    ),
                    "error",
                )
                status, rows, confirm_removal = 422, submitted, True
            return render_template(
                "reports/figures.html",
                authority=authority,
                table=table,
                year=year,
                rows=list(rows) + [{}] * BLANK_ROWS,
                errors={},
                read_as=read_as,
                may_enter=may_enter,
                confirm_removal=confirm_removal,
                has_rows=has_rows,
                prisons=_prison_choices(session, table, year, rows),
                options=figure_tables.options(session, table, code, current_language(), rows),
            ), status
        else:
            # As a wiki's edit conflict: their figures are shown above, the form keeps what
            # this person typed and now reads as theirs, so saving again is a deliberate choice.
            flash(
                _(
                    "Someone else saved these figures while you were typing. Nothing was "
                    "overwritten. Their figures are shown first; the form below still holds "
                    "yours. Compare them, then save to replace theirs with the form."
                ),
                "error",
            )
            theirs, rows = figure_tables.rows_of(session, table, year), submitted
            read_as = figure_tables.fingerprint(theirs)
            has_rows, status = bool(theirs), 409
    return render_template(
        "reports/figures.html",
        authority=authority,
        table=table,
        year=year,
        rows=list(rows) + [{}] * (BLANK_ROWS if may_enter else 0),
        errors=errors,
        read_as=read_as,
        may_enter=may_enter,
        has_rows=has_rows,
        theirs=theirs,
        prisons=_prison_choices(session, table, year, rows, theirs),
        options=figure_tables.options(
            session, table, code, current_language(), [*rows, *(theirs or [])]
        ),
    ), 422 if errors else status
