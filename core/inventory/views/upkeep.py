"""Pages that keep the inventory true (issue 23): confirming that a service is still true,
the errors the public reports, the committee's view of the year's confirmations, and
likely duplicates side by side. The logic is in core.inventory.duplicates, .verification
and .error_reports; these views only read the request, check who may, and word the
outcome."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import db_session
from core.i18n import authority_name, current_language
from core.inventory import duplicates, error_reports, verification
from core.inventory import services as inventory
from core.inventory.access import service_or_404
from core.inventory.changes import (
    LABELS,
    Names,
    describe_extra,
    describe_value,
    field_label,
)
from core.inventory.errors import REFUSALS, REPORT_ERRORS, WORKFLOW
from core.inventory.models import SERVICE_FACTS, ErrorReport, Organization, Service
from core.inventory.schedules import in_words
from core.inventory.views.common import blueprint, registry, say_why
from core.inventory.views.service_page import service_page
from core.permissions import can, current, require
from core.site.antispam import anonymous_form_limit, caught_by_honeypot
from core.web import attempt, field_messages, message

# What these pages may have to refuse: their own refusals, and the workflow's.
REFUSED = {**WORKFLOW, **REFUSALS}


def _kbo(number: str | None) -> str:
    return f"{number[:4]}.{number[4:7]}.{number[7:]}" if number else ""


@blueprint.post("/services/<int(max=2147483647):service_id>/confirm")
def confirm_service(service_id: int):
    """One click: the service is still true as it stands."""
    service = service_or_404(service_id)
    require("inventory.confirm", service)
    outcome = attempt(lambda session: verification.confirm(session, service, current()))
    if outcome.ok:
        flash(_("Thank you: the service is marked as still true today."), "success")
    else:
        say_why(outcome, REFUSED)
    if request.form.get("back") == "verification":
        return redirect(url_for("inventory.verification_list") + f"#s{service_id}")
    return redirect(url_for("inventory.show", service_id=service_id))


# --- report an error --------------------------------------------------------------------------


@blueprint.post("/services/<int(max=2147483647):service_id>/report")
@anonymous_form_limit
def report_error(service_id: int):
    service = service_or_404(service_id)
    if caught_by_honeypot():  # a robot: the thank-you page, and nothing stored or told
        return redirect(url_for("inventory.error_reported", service_id=service_id))
    values = {key: request.form.get(key, "") for key in ("text", "contact_email")}
    outcome = attempt(
        lambda session: error_reports.report(
            session, service, values, current(), current_language()
        )
    )
    if outcome.invalid is not None:
        errors = field_messages(outcome.invalid, REPORT_ERRORS)
        return service_page(service, 422, report_values=values, report_errors=errors)
    if not outcome.ok:
        say_why(outcome, REFUSED)
        return redirect(url_for("inventory.show", service_id=service_id))
    return redirect(url_for("inventory.error_reported", service_id=service_id))


@blueprint.get("/services/<int(max=2147483647):service_id>/reported")
def error_reported(service_id: int):
    """The thank-you page (also what a robot caught by the honeypot sees)."""
    service = service_or_404(service_id)
    return render_template("inventory/error_reported.html", service=service)


def _handled_authorities() -> tuple[str | None, list[str]]:
    """Whose reports the page lists, and whose the person may handle: a coordinator their own
    authority's; the secretariat every authority's (all, or one asked for with
    ?authority=)."""
    principal = current()
    if not principal.is_authenticated:
        abort(401)
    codes = [
        code
        for code in sorted(registry().authorities)
        if can(principal, "inventory.handle_reports", code)
    ]
    if not codes:
        abort(403)
    asked = (request.args.get("authority") or "").strip()[:32]
    if asked in codes:
        return asked, codes
    return (codes[0] if len(codes) == 1 else None), codes


@blueprint.get("/services/error-reports")
def error_reports_list():
    authority, codes = _handled_authorities()
    session = db_session()
    return render_template(
        "inventory/error_reports.html",
        authority=authority,
        open_reports=error_reports.open_reports(session, authority),
        closed_reports=error_reports.closed_reports(session, authority),
        choices=codes if len(codes) > 1 else [],
    )


@blueprint.post("/error-reports/<int(max=2147483647):report_id>/close")
def close_error_report(report_id: int):
    session = db_session()
    found = session.get(ErrorReport, report_id)
    if found is None:
        abort(404)
    require("inventory.handle_reports", found.service)
    outcome = attempt(
        lambda session: error_reports.close(session, found, current(), request.form.get("note"))
    )
    if outcome.ok:
        flash(_("The report was closed."), "success")
    elif outcome.invalid is not None:
        code = outcome.invalid.get("note", "")
        flash(
            _("The report was not closed: %(problem)s", problem=message(code, REPORT_ERRORS)),
            "warning",
        )
    else:
        say_why(outcome, REFUSED)
    return redirect(url_for("inventory.error_reports_list", **_kept_authority()))


def _kept_authority() -> dict:
    asked = (request.form.get("authority") or "").strip()[:32]
    return {"authority": asked} if asked in registry().authorities else {}


# --- verification -----------------------------------------------------------------------------


@blueprint.get("/services/verification")
def verification_list():
    """A coordinator's services still to confirm this year, each in one click; for the
    committee, how far each authority is (and one authority's list on asking)."""
    principal = current()
    if not principal.is_authenticated:
        abort(401)
    committee = can(principal, "inventory.review")
    own = principal.authority if principal.has("coordinator") else None
    if not committee and own is None:
        abort(403)
    session = db_session()
    year = verification.this_year()
    since = verification.year_start(year)
    asked = (request.args.get("authority") or "").strip()[:32]
    shown = own
    if committee and asked in registry().authorities:
        shown = asked
    waiting = verification.unconfirmed(session, shown, since) if shown else []
    return render_template(
        "inventory/verification.html",
        year=year,
        shown=shown,
        own=own,
        waiting=waiting,
        assured=verification.assurances(session, (service.id for service in waiting)),
        campaign=verification.campaign(session, year, shown) if shown else None,
        # By the authority's name in the reader's language, as people look for it.
        counts=dict(
            sorted(
                verification.counts(session, since).items(),
                key=lambda item: authority_name(item[0]).lower(),
            )
        )
        if committee
        else {},
        committee=committee,
    )


# --- duplicates ---------------------------------------------------------------------------------


def _record(service: Service) -> dict:
    """The service as the reader may see it: with its changes waiting for review for those
    who may read them, as published for the others."""
    if can(current(), "inventory.read_unpublished", service):
        return inventory.working_copy(service)
    return inventory.record_of(service)


SIDE_FIELDS = (
    "category",
    "domain_code",
    *SERVICE_FACTS,
)


def side_by_side(session, first: Service, second: Service) -> list[dict]:
    """The two services field by field, in the reader's language and in words: one row per
    field either of them fills in, saying whether they are the same."""
    names = Names.load(session, current_language())
    records = [_record(first), _record(second)]
    authorities = [registry().authorities.get(s.authority_code) for s in (first, second)]
    organizations = [
        session.get(Organization, record.get("organization_id"))
        if record.get("organization_id")
        else None
        for record in records
    ]
    rows: list[dict] = []

    def add(label, values, same=None):
        if all(value in (None, "") for value in values):
            return
        if same is None:
            same = str(values[0]) == str(values[1])
        rows.append({"label": label, "values": values, "same": same})

    add(
        _("Authority"),
        [authority_name(first.authority_code), authority_name(second.authority_code)],
    )
    add(
        _("Organisation that provides it"),
        [
            (f"{org.name} (KBO/BCE {_kbo(org.kbo_number)})" if org.kbo_number else org.name)
            if org is not None
            else None
            for org in organizations
        ],
        same=None
        if not all(organizations)
        else bool(organizations[0].kbo_number)
        and organizations[0].kbo_number == organizations[1].kbo_number,
    )
    for lang in ("nl", "fr", "en"):
        key = f"name_{lang}"
        add(
            field_label(key),
            [
                describe_value(key, record.get(key), authority, names)
                for record, authority in zip(records, authorities, strict=True)
            ],
        )
    prisons = [[item["prison"] for item in record.get("locations") or []] for record in records]
    add(
        str(LABELS["locations"]),
        [
            ", ".join(str(names.prisons.get(code, code)) for code in codes) or None
            for codes in prisons
        ],
        same=set(prisons[0]) == set(prisons[1]),
    )
    for code in dict.fromkeys(prisons[0] + prisons[1]):
        schedules = [
            next(
                (
                    item.get("schedule")
                    for item in record.get("locations") or []
                    if item["prison"] == code
                ),
                None,
            )
            for record in records
        ]
        add(
            _("Schedule: %(prison)s", prison=names.prisons.get(code, code)),
            [
                _("not offered there") if code not in codes else (schedule_words(rule) or None)
                for rule, codes in zip(schedules, prisons, strict=True)
            ],
        )
    for key in SIDE_FIELDS:
        values = [
            describe_value(key, record.get(key), authority, names)
            for record, authority in zip(records, authorities, strict=True)
        ]
        if key in ("target_groups", "languages"):
            # The same groups or languages in another order are the same.
            raw = [sorted(record.get(key) or []) for record in records]
            add(field_label(key), values, same=raw[0] == raw[1])
        else:
            add(field_label(key), values)
    for stem in ("description", "application_process", "eligibility"):
        for lang in ("nl", "fr", "en"):
            key = f"{stem}_{lang}"
            add(
                field_label(key),
                [describe_value(key, record.get(key), None, names) for record in records],
            )
    for index, (record, authority) in enumerate(zip(records, authorities, strict=True)):
        for name, value in (record.get("extra") or {}).items():
            values = [None, None]
            values[index] = describe_extra(name, value, authority, names)
            add(field_label(f"extra.{name}", authority), values, same=False)
    return rows


def schedule_words(rule: str | None) -> str:
    return in_words(rule, current_language()) if rule else ""


@blueprint.get("/services/<int(max=2147483647):service_id>/compare/<int(max=2147483647):other_id>")
def compare_services(service_id: int, other_id: int):
    """Two services side by side, with how alike they look and why they were compared; a
    reviewer can say they are not the same offer."""
    first, second = service_or_404(service_id), service_or_404(other_id)
    if first.id == second.id:
        abort(404)
    session = db_session()
    match = duplicates.compare(session, first, second)
    dismissal = duplicates.dismissal_of(session, first.id, second.id)
    return render_template(
        "inventory/compare.html",
        first=first,
        second=second,
        match=match,
        likely=match is not None and match.percent >= round(duplicates.THRESHOLD * 100),
        threshold=round(duplicates.THRESHOLD * 100),
        rows=side_by_side(session, first, second),
        dismissal=dismissal,
        may_dismiss=can(current(), "inventory.review") and match is not None and not dismissal,
    )


@blueprint.post(
    "/services/<int(max=2147483647):service_id>/compare/<int(max=2147483647):other_id>"
    "/not-a-duplicate"
)
def dismiss_duplicate(service_id: int, other_id: int):
    """A reviewer's judgement: not the same offer. Remembered; the pair is not proposed
    again."""
    first, second = service_or_404(service_id), service_or_404(other_id)
    require("inventory.review")
    outcome = attempt(lambda session: duplicates.dismiss(session, first, second, current()))
    if outcome.ok:
        flash(
            _("Noted: these two are not duplicates. They will not be proposed again."),
            "success",
        )
    else:
        say_why(outcome, REFUSED)
    return redirect(url_for("inventory.compare_services", service_id=service_id, other_id=other_id))
