"""The demo's inventory: a realistic picture of the offer in the Brussels prisons, by the
five authorities, in all nine domains, with gaps; and the 2025 and 2026 states of affairs.

The services themselves are data, one file per authority in the import's own format
(``data/demo-services-<authority>.csv``), loaded through the import a coordinator uses, so
the demo runs its checks and its write. The organisations and the needs have no import of
their own and are plain data files beside them. What stays here is what happens over time:
which services started in 2026, what changed during 2026, the work in progress, the errors
readers reported.

The services are typical of the offer the plans describe (seed documents); the people
behind them are not real, and nothing here is about any detainee.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.audit.services import acting_as
from core.clock import BRUSSELS
from core.demo_parts import DemoParts
from core.inventory import error_reports, exchange, organizations
from core.inventory import services as inventory
from core.inventory.models import Need, Service, ServiceAssurance
from core.permissions import ANONYMOUS, Principal, system

DATA = Path(__file__).parent / "data"
# The authorities in the order their services are created, which gives the services their
# ids (/services/1 is the Flemish Community's first).
AUTHORITIES = ("vlaams", "cocof", "cocom", "federatie_wb", "justitie")
# Started during 2026: created after the 2025 state of affairs was frozen.
STARTED_IN_2026 = {"VG-12", "CF-08", "CC-08", "FW-08", "JU-13"}
# Not published at the demo's "now" (_work_in_progress, _submitted_twice).
IN_PROGRESS = {"VG-20", "VG-21", "VG-22", "CF-13"}


def _read(name: str) -> list[dict[str, Any]]:
    return exchange.read_rows((DATA / name).read_bytes(), name)


def services_of(code: str) -> dict[str, dict[str, Any]]:
    """The rows of an authority's demo file, by identifier, in the file's order."""
    return {row["external_id"]: row for row in _read(f"demo-services-{code}.csv")}


def _import(session, authority, row: dict[str, Any], demo: Principal) -> Service:
    """One row through the import, as a coordinator's upload: every check of an upload,
    then stored as a draft, in the transaction the caller goes on with. One row at a time,
    so that each service is created, reviewed and published in turn, as the demo's history
    has always read."""
    session.commit()  # the import checks in short transactions of its own, then writes
    report = exchange.import_services(session, authority, [row], demo, dry_run=False)
    if report.problems or not report.committed:
        raise RuntimeError(f"demo service {row['external_id']} refused: {report.problems}")
    return session.scalar(
        select(Service).where(
            Service.authority_code == authority.code, Service.external_id == row["external_id"]
        )
    )


def _organizations(session, registry) -> None:
    """The demo's organisations (the service import names them by identifier but does not
    carry them), each saved with the checks of the organisation form."""
    for row in _read("demo-organizations.csv"):
        code = row.pop("authority")
        if code in registry.authorities:
            organizations.save(session, code, row)


def seed_demo_inventory(session, registry, parts: DemoParts | None = None) -> int:
    """Create and publish the demo services once; freeze 2025 before the services that
    started in 2026 exist, then 2026. Returns how many services were created. Only the
    enabled authorities' services; ``parts`` notes the others, at every start."""
    _note_left_out(parts or DemoParts.of(registry))
    if session.scalar(select(Service.id).limit(1)) is not None:
        return 0
    demo = system("cli", "concerto demo")
    rows = {code: services_of(code) for code in AUTHORITIES if code in registry.authorities}
    created = 0
    with acting_as(demo):
        _organizations(session, registry)
        for year in (2025, 2026):
            for code, found in rows.items():
                authority = registry.authorities[code]
                for key, row in found.items():
                    if key in IN_PROGRESS or (key in STARTED_IN_2026) != (year == 2026):
                        continue
                    service = _import(session, authority, row, demo)
                    inventory.submit(session, authority, service, demo)
                    inventory.approve(session, authority, service, demo)
                    created += 1
            if year == 2025:
                inventory.freeze(session, 2025, demo)
                _changes_during_2026(session, registry, demo)
        _confirmed_in_2025(session)
        inventory.freeze(session, 2026, demo)
        _work_in_progress(session, registry, demo, rows)
        _submitted_twice(session, registry, demo, rows)
        _errors_reported(session)
    return created


# Confirmed as still true in 2026 already; the others were last confirmed in November 2025,
# so the yearly request has work to show (issue 23).
CONFIRMED_IN_2026 = {"VG-01", "VG-02", "VG-07", "CF-01", "CF-02", "CC-01", "FW-01", "JU-01"}


def _confirmed_in_2025(session) -> None:
    last_year = datetime(2025, 11, 20, 10, 0, tzinfo=BRUSSELS).astimezone(UTC)
    kept = CONFIRMED_IN_2026 | STARTED_IN_2026 | IN_PROGRESS
    for service in session.scalars(select(Service).where(Service.external_id.not_in(kept))):
        assurance = session.get(ServiceAssurance, service.id)
        if assurance is not None:
            assurance.assured_at = last_year


def _submitted_twice(session, registry, demo, rows) -> None:
    """COCOF submits the bicycle repair training the Flemish Community submitted too: the
    review shows them as likely duplicates (issue 23)."""
    authority = registry.authorities.get("cocof")
    if authority is None or "vlaams" not in registry.authorities:
        return
    service = _import(session, authority, rows["cocof"]["CF-13"], demo)
    inventory.submit(session, authority, service, demo)


# Errors readers of the public inventory reported (issue 23): open, and one dealt with.
ERRORS_REPORTED = [
    (
        "VG-09",
        "nl",
        "De fitnesszaal is sinds september op dinsdag gesloten: het uurrooster op deze pagina "
        "klopt niet meer.",
        None,
        None,
    ),
    (
        "CF-08",
        "fr",
        "La formation a lieu le jeudi et non le mardi, et elle est aussi ouverte aux femmes "
        "de l'aile D.",
        "lecteur@example.org",
        None,
    ),
    (
        "CC-02",
        "fr",
        "Le numéro de téléphone indiqué ne répond plus.",
        None,
        "Numéro corrigé. / Nummer aangepast.",
    ),
]


def _errors_reported(session) -> None:
    for external_id, language, text, email, closed in ERRORS_REPORTED:
        service = session.scalar(select(Service).where(Service.external_id == external_id))
        if service is None:
            continue
        found = error_reports.report(
            session, service, {"text": text, "contact_email": email}, ANONYMOUS, language
        )
        if closed:
            error_reports.close(session, found, system("cli", "concerto demo"), closed)


def _note_left_out(parts: DemoParts) -> None:
    for code in sorted(AUTHORITIES):
        if not parts.has(code):
            count = len(services_of(code).keys() - IN_PROGRESS)
            parts.leave_out(f"{count} demo services of {code}, with their organisations", [code])
    if not parts.has("cocom"):
        parts.leave_out("a service closed during 2026", ["cocom"])
    if not parts.has("federatie_wb"):
        parts.leave_out("a service moved to another prison during 2026", ["federatie_wb"])
    if not parts.has("vlaams"):
        parts.leave_out("services in draft, waiting for review and returned", ["vlaams"])
    if not (parts.has("vlaams") and parts.has("cocof")):
        parts.leave_out("a service submitted by two authorities", ["vlaams", "cocof"])


def _changes_during_2026(session, registry, demo) -> None:
    """A service closed and another moved, so the two years differ in every way (each
    when its authority is enabled)."""
    closed = session.scalar(select(Service).where(Service.external_id == "CC-04"))
    if closed is not None:
        closed.active = False
    moved = session.scalar(select(Service).where(Service.external_id == "FW-07"))
    if moved is None:
        return
    authority = registry.authorities["federatie_wb"]
    inventory.update_service(
        session,
        authority,
        moved,
        {"locations": [{"prison": "haren", "schedule": "FREQ=WEEKLY;BYDAY=TH", "places": 10}]},
        moved.version,
        demo,
    )
    inventory.submit(session, authority, moved, demo)
    inventory.approve(session, authority, moved, demo)


def _work_in_progress(session, registry, demo, rows) -> None:
    """A draft, a submitted and a returned service, so the review queue and the
    coordinator's lists have something to show in each state."""
    authority = registry.authorities.get("vlaams")
    if authority is None:
        return
    found = rows["vlaams"]
    _import(session, authority, found["VG-20"], demo)
    service = _import(session, authority, found["VG-21"], demo)
    inventory.submit(session, authority, service, demo)
    service = _import(session, authority, found["VG-22"], demo)
    inventory.submit(session, authority, service, demo)
    inventory.return_to_author(
        session,
        authority,
        service,
        demo,
        "Welke afdeling? Vermeld ook of de kinderen mee mogen naar de bibliotheek. / "
        "Quelle section ? Précisez aussi si les enfants peuvent venir à la bibliothèque.",
    )


def seed_demo_needs(session, parts: DemoParts | None = None) -> None:
    """Needs the committee has heard of, and where the answer stands. There is no import of
    needs (the secretariat signals them one by one, on the page or by the API), so they are
    a plain data file, stored as they were signalled."""
    needs = json.loads((DATA / "demo-needs.json").read_text(encoding="utf-8"))
    # The committee's secretariat signals them, and it sits with COCOM.
    if parts is not None and not parts.has("cocom"):
        parts.leave_out(f"{len(needs)} needs signalled by the committee's secretariat", ["cocom"])
        return
    if session.scalar(select(Need.id).limit(1)) is not None:
        return
    secretary = system("cli", "concerto demo")
    with acting_as(secretary):
        for need in needs:
            answers = need["services"]
            services = session.scalars(select(Service).where(Service.external_id.in_(answers)))
            session.add(
                Need(
                    prison_code=need["prison"],
                    domain_code=need["domain"],
                    target_group=need["target_group"],
                    language=need["language"],
                    description_nl=need["description_nl"],
                    description_fr=need["description_fr"],
                    status=need["status"],
                    authority_code="cocom",
                    signalled_by="Secretariaat Overlegcomité",
                    services=list(services),
                )
            )
        session.flush()
