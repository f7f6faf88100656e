"""The inventory seen whole: the coverage matrix (operational goal 4.3), as a page and as
CSV, and the yearly snapshots of the state of affairs."""

from __future__ import annotations

import csv
import io

from babel.lists import format_list
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.clock import this_year
from core.db import db_session
from core.inventory import services as inventory
from core.inventory.errors import WORKFLOW
from core.inventory.models import LANGUAGE_CODES, Snapshot
from core.inventory.page_cache import anonymous_page
from core.inventory.verification import snapshot_counts
from core.inventory.views.common import blueprint, reference_lists, registry, say_why
from core.permissions import can, current, require
from core.web import attempt

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
@anonymous_page
def coverage():
    session = db_session()
    args = _coverage_args()
    year, year_error = _coverage_year()
    found = inventory.coverage_of_year(session, year, **args)
    listed = {prison.code for prison in found.prisons}
    # Said beside the matrix, so a reader missing a prison knows it was closed (or not yet
    # built) that year rather than forgotten.
    not_open = [
        p.local("name").text for p in reference_lists(session)["prisons"] if p.code not in listed
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
        authorities=registry().authorities,
        **args,
        target_groups=reference_lists(session)["target_groups"],
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
            outcome = attempt(lambda work: inventory.freeze(work, year, current()))
            if outcome.ok:
                flash(_("The state of affairs %(year)d was frozen.", year=year), "success")
            else:
                say_why(outcome, WORKFLOW)
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
        this_year=this_year(),
        authorities=registry().authorities,
        domains={d.code: d for d in reference_lists(session)["domains"]},
    )
