"""New plans, and the goal tree in and out of a CSV or XLSX file."""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.db import db_session
from core.goals import exchange
from core.goals.errors import exchange_message
from core.goals.models import (
    Plan,
)
from core.goals.views.common import action_statuses, blueprint, plan_or_404
from core.permissions import can, current, require
from core.reference.services import prisons_open
from core.validation import Invalid, printable_row
from core.web import attempt


def _new_plan_owner() -> str | None:
    """A coordinator's new plan is their authority's; the secretariat's, the committee's."""
    principal = current()
    if principal.has("coordinator") and not can(principal, "plan.manage", Plan()):
        return principal.authority
    return None


@blueprint.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    require("plan.manage")
    owner = _new_plan_owner()
    require("plan.manage", owner or Plan())
    values, errors = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        outcome = attempt(lambda s: exchange.create_plan(s, values, owner=owner))
        if outcome.ok:
            flash(_("The plan was created; import or add its goals."), "success")
            return redirect(url_for("goals.import_goals", code=outcome.result.code))
        errors = {k: exchange_message(v) for k, v in (outcome.invalid or {}).items()}
    return render_template(
        "goals/plan_form.html",
        values=values,
        errors=errors,
        owner=owner,
        prisons=[(p.code, str(p.local("name"))) for p in prisons_open(db_session())]
        if owner
        else [],
    ), (422 if errors else 200)


@blueprint.route("/plans/<code>/import", methods=["GET", "POST"])
def import_goals(code: str):
    require("plan.manage")
    found = plan_or_404(code)
    require("plan.manage", found)
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        upload = request.files.get("file")
        errors: dict[str, str] = {}
        try:
            if upload is None or not upload.filename:
                raise Invalid({"file": "required"})
            rows = exchange.read_rows(upload.filename, upload.read())
        except Invalid as invalid:
            errors = invalid.errors
        except (UnicodeDecodeError, csv.Error, ValueError):
            problems = [("file", _("The file cannot be read as CSV (UTF-8) or XLSX."))]
        else:
            outcome = attempt(lambda s: exchange.import_goals(s, found, rows, action_statuses()))
            if outcome.ok:
                _say_imported(outcome.result)
                return redirect(url_for("reference.plan", code=found.code))
            errors = outcome.invalid or {}
        problems += [
            (where, exchange_message(code_))
            for where, code_ in sorted(errors.items(), key=lambda e: _row_order(e[0]))
        ]
    return render_template("goals/import.html", plan=found, problems=problems), (
        422 if problems else 200
    )


def _say_imported(counts: dict[str, int]) -> None:
    steps = (
        " "
        + _(
            "%(created)d steps added and %(updated)d updated.",
            created=counts["steps_created"],
            updated=counts["steps_updated"],
        )
        if counts["steps_created"] or counts["steps_updated"]
        else ""
    )
    flash(
        _(
            "%(created)d goals added and %(updated)d updated.",
            created=counts["created"],
            updated=counts["updated"],
        )
        + steps,
        "success",
    )


def _row_order(where: str) -> tuple[int, str]:
    number = where.split(":")[0].removeprefix("row ").strip()
    return (int(number) if number.isdecimal() else 0, where)


@blueprint.get("/plans/<code>/goals.<fmt>")
def export_goals(code: str, fmt: str):
    found = plan_or_404(code)
    rows = exchange.export_rows(db_session(), found)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        data, mimetype = buffer.getvalue().encode("utf-8-sig"), "text/csv"
    elif fmt == "xlsx":
        # openpyxl is heavy: loaded only when a spreadsheet is written
        from openpyxl import Workbook

        book = Workbook()
        for row in rows:
            book.active.append(printable_row(row))
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="goals-{found.code}.{fmt}"'},
    )
