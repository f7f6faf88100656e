"""Pages that keep the inventory true (issue 23), on the inventory's blueprint: likely
duplicates and their side-by-side comparison, confirming that a service is still true, and
the errors the public reports. The logic is in core.inventory.duplicates, .verification and
.error_reports; these views only read the request, check who may, and word the outcome."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from core.db import db_session
from core.i18n import authority_name, current_language
from core.inventory import duplicates, error_reports, verification
from core.inventory import services as inventory
from core.inventory.changes import (
    LABELS,
    Names,
    describe_extra,
    describe_value,
    field_label,
)
from core.inventory.models import ErrorReport, Organization, Service, ServiceAssurance
from core.inventory.schedules import in_words
from core.inventory.views import WORKFLOW, _registry, blueprint, service_or_404
from core.permissions import can, current, require
from core.site.antispam import anonymous_form_limit, caught_by_honeypot
from core.validation import MESSAGES, Invalid, Refused

REFUSALS = {
    "not_published": _l(
        "Only a published service can be confirmed or reported on; a draft is confirmed when "
        "the committee approves it."
    ),
    "same_service": _l("A service cannot be compared with itself."),
    "not_comparable": _l(
        "These two services share neither a prison and a domain nor an organisation: they are "
        "never proposed as duplicates."
    ),
    "already_dismissed": _l("A reviewer already marked these two services as not duplicates."),
    "report_closed": _l("This report was closed already."),
}
REPORT_ERRORS = {
    **MESSAGES,
    "type": _l("This value has the wrong form."),
    "report_empty": _l("Write what is wrong in this service."),
    "report_too_short": _l("Say a little more: what is wrong, and what would be right?"),
    "report_too_long": _l("Write at most 2,000 characters."),
}


def _refused(refusal: Refused) -> str:
    return str(REFUSALS.get(refusal.code) or WORKFLOW.get(refusal.code) or refusal.code)


def _public(service: Service) -> bool:
    return service.published_at is not None and service.active and service.state != "withdrawn"


def _kbo(number: str | None) -> str:
    return f"{number[:4]}.{number[4:7]}.{number[7:]}" if number else ""


# --- on the service's page ---------------------------------------------------------------------


def likely_duplicates_of(session, service: Service) -> list[dict]:
    """The likely duplicates of ``service`` the reader may see, as the pages list them."""
    found = duplicates.find(session, [service]).get(service.id, [])
    shown = duplicates.visible(found, session, current())
    others = {
        other.id: other
        for other in session.scalars(
            select(Service).where(Service.id.in_([match.other_id for match in shown]))
        )
    }
    return [
        {"match": match, "service": others[match.other_id]}
        for match in shown
        if match.other_id in others
    ]


def service_page_extras(service: Service) -> dict:
    """What the service's page shows of this feature: its last confirmation, the button to
    confirm it, its likely duplicates (for who edits or reviews it), its open reports (for
    who handles them) and the form to report an error (for everyone, once published)."""
    session = db_session()
    principal = current()
    public = _public(service)
    assurance = session.get(ServiceAssurance, service.id)
    since = verification.year_start(verification.this_year())
    may_edit = can(principal, "inventory.edit", service)
    may_review = can(principal, "inventory.review")
    handles = can(principal, "inventory.handle_reports", service)
    return {
        "assurance": assurance,
        "confirmed_this_year": verification.confirmed_since(assurance, since),
        "may_confirm": public and can(principal, "inventory.confirm", service),
        "reportable": public,
        "report_values": {},
        "report_errors": {},
        "likely_duplicates": likely_duplicates_of(session, service)
        if (may_edit or may_review) and service.state != "withdrawn"
        else [],
        "open_reports": session.scalar(
            select(func.count())
            .select_from(ErrorReport)
            .where(ErrorReport.service_id == service.id, ErrorReport.status == "open")
        )
        if handles
        else 0,
    }


def review_extras(session, waiting: list[Service]) -> dict:
    """What the review queue shows of this feature: each waiting service's likely
    duplicates and last confirmation, and how many published services of each authority
    wait for confirmation this year."""
    found = duplicates.find(session, waiting)
    ids = {match.other_id for matches in found.values() for match in matches}
    others = (
        {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(sorted(ids))))}
        if ids
        else {}
    )
    year = verification.this_year()
    since = verification.year_start(year)
    return {
        "duplicates": {
            service_id: [
                {"match": match, "service": others[match.other_id]}
                for match in matches
                if match.other_id in others
            ]
            for service_id, matches in found.items()
        },
        "assured": verification.assurances(session, (service.id for service in waiting)),
        "since": since,
        "year": year,
        "verification_counts": verification.counts(session, since),
    }


def tell_likely_duplicates(service_id: int) -> None:
    """After a submission: a notice to the coordinator when the service looks like others
    already in the inventory (the committee will see them too). Not a refusal."""
    session = db_session()
    service = session.get(Service, service_id)
    if service is None or service.state != "submitted":
        return
    found = likely_duplicates_of(session, service)
    if found:
        flash(
            ngettext(
                "This service looks like %(num)d other service in the inventory, listed below. "
                "The committee sees it beside yours; if it is the same offer, change yours or "
                "tell the committee.",
                "This service looks like %(num)d other services in the inventory, listed "
                "below. The committee sees them beside yours; if one is the same offer, change "
                "yours or tell the committee.",
                len(found),
            ),
            "warning",
        )


@blueprint.post("/services/<int(max=2147483647):service_id>/confirm")
def confirm_service(service_id: int):
    """One click: the service is still true as it stands."""
    service = service_or_404(service_id)
    require("inventory.confirm", service)
    session = db_session()
    try:
        verification.confirm(session, service, current())
        session.commit()
        flash(_("Thank you: the service is marked as still true today."), "success")
    except Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "warning")
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
    session = db_session()
    values = {key: request.form.get(key, "") for key in ("text", "contact_email")}
    try:
        error_reports.report(session, service, values, current(), current_language())
        session.commit()
    except Invalid as invalid:
        session.rollback()
        from core.inventory.views import service_page

        errors = {key: str(REPORT_ERRORS.get(code, code)) for key, code in invalid.errors.items()}
        return service_page(service, 422, report_values=values, report_errors=errors)
    except Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "warning")
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
        for code in sorted(_registry().authorities)
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
    try:
        error_reports.close(session, found, current(), request.form.get("note"))
        session.commit()
        flash(_("The report was closed."), "success")
    except Invalid as invalid:
        session.rollback()
        code = invalid.errors.get("note", "")
        flash(
            _("The report was not closed: %(problem)s", problem=REPORT_ERRORS.get(code, code)),
            "warning",
        )
    except Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "warning")
    return redirect(url_for("inventory.error_reports_list", **_kept_authority()))


def _kept_authority() -> dict:
    asked = (request.form.get("authority") or "").strip()[:32]
    return {"authority": asked} if asked in _registry().authorities else {}


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
    if committee and asked in _registry().authorities:
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
    "target_groups",
    "languages",
    "delivery",
    "setting",
    "access",
    "free_of_charge",
    "waiting_list",
    "capacity",
    "typical_wait_days",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def side_by_side(session, first: Service, second: Service) -> list[dict]:
    """The two services field by field, in the reader's language and in words: one row per
    field either of them fills in, saying whether they are the same."""
    names = Names.load(session, current_language())
    records = [_record(first), _record(second)]
    authorities = [_registry().authorities.get(s.authority_code) for s in (first, second)]
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
    session = db_session()
    try:
        duplicates.dismiss(session, first, second, current())
        session.commit()
        flash(
            _("Noted: these two are not duplicates. They will not be proposed again."),
            "success",
        )
    except Refused as refusal:
        session.rollback()
        flash(_refused(refusal), "warning")
    return redirect(url_for("inventory.compare_services", service_id=service_id, other_id=other_id))
