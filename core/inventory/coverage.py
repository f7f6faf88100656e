"""The inventory seen whole: the coverage matrix of operational goal 4.3 (how many services
each prison has in each domain, in a year) and the yearly snapshots of the state of affairs,
frozen once and compared year with year."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import BRUSSELS
from core.inventory import verification
from core.inventory.changes import diff
from core.inventory.finding import Filters, _conditions
from core.inventory.models import Service, ServiceLocation, Snapshot
from core.permissions import Principal
from core.reference.models import Prison, ServiceDomain
from core.reference.services import prisons_open
from core.validation import Refused

# --- coverage (operational goal 4.3) ------------------------------------------------------------


def coverage(
    session: Session,
    target_group: str = "",
    language: str = "",
    public_only: bool = True,
    authority: str = "",
    year: int | None = None,
) -> dict[tuple[str, str], int]:
    """Published services per (prison, domain), of every authority or of one; with a
    ``year``, those published by its end, as the authorities' reports of that year count
    them. A missing pair is a gap (``coverage_of_year`` says which pairs count)."""
    filters = Filters(
        target_group=target_group, language=language, authority=authority, public_only=public_only
    )
    conditions = _conditions(session, filters)
    if year is not None:
        end = datetime(year + 1, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        conditions.append(Service.published_at < end)
    rows = session.execute(
        select(ServiceLocation.prison_code, Service.domain_code, func.count())
        .join(Service, Service.id == ServiceLocation.service_id)
        .where(*conditions)
        .group_by(ServiceLocation.prison_code, Service.domain_code)
    )
    return {(prison, domain): count for prison, domain, count in rows}


@dataclass(frozen=True)
class Coverage:
    """The coverage of one year: the prisons open in it, the domains, and the published
    services per (prison, domain) of those prisons. The matrix, its CSV and the API, the
    indicator of goal 4.3 and the authorities' reports all read their gaps from here, so
    they agree; a prison closed before the year is no gap of it."""

    year: int
    prisons: list[Prison]
    domains: list[ServiceDomain]
    cells: dict[tuple[str, str], int]

    @property
    def gaps(self) -> list[tuple[str, str]]:
        """(prison, domain) pairs without a service, prison by prison."""
        return [
            (prison.code, domain.code)
            for prison in self.prisons
            for domain in self.domains
            if not self.cells.get((prison.code, domain.code))
        ]

    @property
    def highest(self) -> int:
        return max(self.cells.values(), default=0)


def coverage_of_year(
    session: Session,
    year: int,
    target_group: str = "",
    language: str = "",
    authority: str = "",
) -> Coverage:
    prisons = prisons_open(session, year=year)
    open_codes = {prison.code for prison in prisons}
    cells = coverage(session, target_group, language, authority=authority, year=year)
    return Coverage(
        year=year,
        prisons=prisons,
        domains=list(session.scalars(select(ServiceDomain).order_by(ServiceDomain.position))),
        # A service that still lists a prison closed before the year covers nothing there.
        cells={key: count for key, count in cells.items() if key[0] in open_codes},
    )


# --- snapshots -------------------------------------------------------------------------------


def _snapshot_row(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "authority": service.authority_code,
        "external_id": service.external_id,
        "domain": service.domain_code,
        "name_nl": service.name_nl,
        "name_fr": service.name_fr,
        "prisons": sorted(service.prison_codes()),
        "target_groups": sorted(service.target_groups or []),
        "languages": sorted(service.languages or []),
        "capacity": service.capacity,
    }


def freeze(session: Session, year: int, principal: Principal) -> Snapshot:
    """Freeze the published inventory as the state of affairs of ``year``; once only."""
    if session.scalar(select(Snapshot.id).where(Snapshot.year == year)):
        raise Refused("snapshot_exists")
    services = session.scalars(
        select(Service)
        .where(Service.published_at.is_not(None), Service.active.is_(True))
        .options(selectinload(Service.locations))
        .order_by(Service.id)
    )
    rows = [_snapshot_row(service) for service in services]
    verification.stamp_rows(session, rows, year)  # the year's figures count the unconfirmed
    snapshot = Snapshot(year=year, frozen_by=principal.label[:200], services=rows)
    session.add(snapshot)
    session.flush()
    return snapshot


def _without_confirmation(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "confirmed"}


def compare(older: Snapshot, newer: Snapshot) -> dict[str, Any]:
    """Added, removed and changed services between two snapshots, with counts per
    authority and per domain."""
    # Whether a service was confirmed in its year says nothing of what it offers.
    before = {row["id"]: _without_confirmation(row) for row in older.services}
    after = {row["id"]: _without_confirmation(row) for row in newer.services}
    added = [after[i] for i in sorted(set(after) - set(before))]
    removed = [before[i] for i in sorted(set(before) - set(after))]
    changed = [
        {"before": before[i], "after": after[i], "fields": sorted(diff(before[i], after[i]))}
        for i in sorted(set(before) & set(after))
        if before[i] != after[i]
    ]
    per: dict[str, dict[str, Counter]] = {
        "authority": defaultdict(Counter),
        "domain": defaultdict(Counter),
    }
    for kind, rows in (("added", added), ("removed", removed)):
        for row in rows:
            per["authority"][row["authority"]][kind] += 1
            per["domain"][row["domain"]][kind] += 1
    for change in changed:
        per["authority"][change["after"]["authority"]]["changed"] += 1
        per["domain"][change["after"]["domain"]]["changed"] += 1
    return {"added": added, "removed": removed, "changed": changed, "per": per}
