"""Likely duplicates in the inventory (issue 23): which services are compared (those that
share a prison and a domain, or whose organisations have the same KBO/BCE number), which of
them are alike enough (``core.inventory.likeness`` scores two names), which pairs a
reviewer dismissed, and dismissing one. A pair at or above ``THRESHOLD`` is a likely
duplicate; a reviewer who judges otherwise marks it, and the pair is not proposed again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, any_, bindparam, false, func, or_, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.inventory import generation
from core.inventory.likeness import (
    LANGS,
    MOST_SHOWN,
    MOST_TERMS,
    Entry,
    comparable,
    likely_duplicates,
    likeness,
)

# The pages and their tests read the threshold here, beside the likely duplicates it decides.
from core.inventory.likeness import THRESHOLD as THRESHOLD
from core.inventory.models import DuplicateDismissal, Organization, Service, ServiceLocation
from core.inventory.services import working_copy
from core.permissions import Principal, can
from core.validation import Refused

# --- in the inventory --------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A likely duplicate of a service: the other one, the likeness in percent, and why they
    were compared."""

    other_id: int
    percent: int
    same_organisation: bool
    same_place: bool


def entry_of(service: Service, kbo: str | None, values: dict | None = None) -> Entry:
    """The service as the comparison reads it; ``values``: its working copy (a published
    service's changes waiting for review), else its columns."""
    values = values or {}
    names = {lang: values.get(f"name_{lang}", getattr(service, f"name_{lang}")) for lang in LANGS}
    locations = values.get("locations")
    prisons = (
        {item["prison"] for item in locations}
        if locations is not None
        else set(service.prison_codes())
    )
    return Entry(
        id=service.id,
        authority=service.authority_code,
        domain=values.get("domain_code") or service.domain_code,
        prisons=frozenset(prisons),
        kbo=kbo,
        names={lang: name for lang, name in names.items() if name},
    )


def _kbo_of(session: Session, organization_id: int | None) -> str | None:
    if organization_id is None:
        return None
    return session.scalar(select(Organization.kbo_number).where(Organization.id == organization_id))


def _candidates(session: Session, targets: list[Entry]) -> dict[int, Entry]:
    """The services that share a prison and a domain, or an organisation's number, with any
    of ``targets``: read as plain rows, in one query whatever their number."""
    places = {(prison, target.domain) for target in targets for prison in target.prisons}
    numbers = {target.kbo for target in targets if target.kbo}
    conditions = []
    if places:
        by_domain: dict[str, set[str]] = defaultdict(set)
        for prison, domain in places:
            by_domain[domain].add(prison)
        alike = _named_alike(session, targets)
        conditions += [
            (Service.domain_code == domain)
            & (ServiceLocation.prison_code.in_(sorted(prisons)))
            & (alike if alike is not None else true())
            for domain, prisons in by_domain.items()
        ]
    if numbers:
        conditions.append(Organization.kbo_number.in_(sorted(numbers)))
    if not conditions:
        return {}
    rows = session.execute(
        select(
            Service.id,
            Service.authority_code,
            Service.domain_code,
            Service.name_nl,
            Service.name_fr,
            Service.name_en,
            Organization.kbo_number,
            ServiceLocation.prison_code,
        )
        .outerjoin(ServiceLocation, ServiceLocation.service_id == Service.id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(Service.state != "withdrawn", Service.active.is_(True), or_(*conditions))
    )
    # One row per service and prison it was found at; the prisons that matter are those:
    # a pair is compared for a prison both list, and every target's prisons were asked for.
    found: dict[int, tuple] = {}
    prisons: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        found.setdefault(row[0], row)
        if row[7] is not None:
            prisons[row[0]].add(row[7])
    return {
        service_id: Entry(
            id=service_id,
            authority=authority,
            domain=domain,
            prisons=frozenset(prisons[service_id]),
            kbo=kbo,
            names={
                lang: name
                for lang, name in (("nl", name_nl), ("fr", name_fr), ("en", name_en))
                if name
            },
        )
        for service_id, (
            _id,
            authority,
            domain,
            name_nl,
            name_fr,
            name_en,
            kbo,
            _prison,
        ) in found.items()
    }


def _named_alike(session: Session, targets: list[Entry]):
    """A condition on Service.id: the services whose names the full-text index says may be
    ``related`` to a target's (core.inventory.search keeps each service's names, folded as
    here, at minus its id): a word beginning like a meaningful word of the target, the target's
    initialisms, or the initials of its runs of words (a candidate's initialism). None when a
    target writes an initialism another name may spell out: the index cannot find those, so
    its whole prison and domain is read. A superset of the related names; ``related`` decides."""
    prefixes: set[str] = set()
    exact: set[str] = set()
    for target in targets:
        if target.acronyms():
            return None
        prefixes |= target.keys()
        for name in target.names_read():
            exact |= {initials for initials in name.initials if len(initials) <= 6}
    if not prefixes:
        return false()
    if len(prefixes) > MOST_TERMS:  # whole words are cheap to look up; beginnings are not
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        terms = [f'"{key}"*' for key in sorted(prefixes)] + [f'"{word}"' for word in sorted(exact)]
        # Names only (at minus the ids): the whole documents hold the names too.
        query = text(
            "SELECT -rowid FROM service_search WHERE service_search MATCH :q AND rowid < 0"
        )
        return Service.id.in_(query.bindparams(q=" OR ".join(terms)))
    terms = [f"{key}:*" for key in sorted(prefixes)] + sorted(exact)
    # As core.inventory.search.look_up: the full-text index, never every document in turn.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        found = session.scalars(
            text(
                "SELECT -rowid FROM service_search "
                "WHERE terms @@ to_tsquery('simple', :q) AND rowid < 0"
            ).bindparams(q=" | ".join(terms))
        ).all()
    finally:
        session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))
    ids = [ident for ident in found if ident > 0]
    return Service.id == any_(bindparam("alike", ids, type_=ARRAY(Integer)))


def _dismissed(session: Session, ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = sorted(set(ids))
    if not ids:
        return set()
    rows = session.execute(
        select(DuplicateDismissal.first_id, DuplicateDismissal.second_id).where(
            or_(DuplicateDismissal.first_id.in_(ids), DuplicateDismissal.second_id.in_(ids))
        )
    )
    return {(first, second) for first, second in rows}


def pair(first_id: int, second_id: int) -> tuple[int, int]:
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def find(session: Session, services: list[Service]) -> dict[int, list[Match]]:
    """The likely duplicates of each service, best first, across every authority, without
    the pairs a reviewer dismissed. Each service is read with its changes waiting for
    review; the others as they stand. Kept until a service, an organisation or a reviewer's
    judgement changes (the review queue and a service's page ask again on every visit)."""
    if not services:
        return {}
    marks = session.execute(
        select(
            select(func.max(DuplicateDismissal.id)).scalar_subquery(),
            select(func.max(Organization.updated_at)).scalar_subquery(),
        )
    ).one()
    key = ("duplicates", tuple(sorted((s.id, s.version) for s in services)), tuple(marks))
    return generation.cached(session, key, lambda: _find(session, services))


def _find(session: Session, services: list[Service]) -> dict[int, list[Match]]:
    targets = [
        entry_of(
            service,
            _kbo_of(session, working_copy(service).get("organization_id")),
            working_copy(service),
        )
        for service in services
    ]
    candidates = _candidates(session, targets)
    by_place: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    by_number: dict[str, list[Entry]] = defaultdict(list)
    for entry in candidates.values():
        for prison in entry.prisons:
            by_place[(prison, entry.domain)].append(entry)
        if entry.kbo:
            by_number[entry.kbo].append(entry)
    dismissed = _dismissed(session, (target.id for target in targets))
    found: dict[int, list[Match]] = {}
    for target in targets:
        others = {
            entry.id: entry
            for key in [(prison, target.domain) for prison in target.prisons]
            for entry in by_place.get(key, ())
        }
        if target.kbo:
            others |= {entry.id: entry for entry in by_number.get(target.kbo, ())}
        matches = []
        for other in others.values():
            if other.id == target.id or pair(target.id, other.id) in dismissed:
                continue
            likely, score = likely_duplicates(target, other)
            if likely:
                matches.append(
                    Match(
                        other_id=other.id,
                        percent=round(score * 100),
                        same_organisation=target.kbo is not None and target.kbo == other.kbo,
                        same_place=target.domain == other.domain
                        and bool(target.prisons & other.prisons),
                    )
                )
        matches.sort(key=lambda match: (-match.percent, match.other_id))
        found[target.id] = matches[:MOST_SHOWN]
    return found


def visible(matches: list[Match], session: Session, principal: Principal) -> list[Match]:
    """Of ``matches``, those whose other service the person may read: a published one, or
    an unpublished one of their own authority (the committee reads them all)."""
    if not matches:
        return []
    rows = session.execute(
        select(Service.id, Service.authority_code, Service.published_at).where(
            Service.id.in_([match.other_id for match in matches])
        )
    ).all()
    readable = {
        row.id
        for row in rows
        if row.published_at is not None
        or can(principal, "inventory.read_unpublished", row.authority_code)
    }
    return [match for match in matches if match.other_id in readable]


def compare(session: Session, first: Service, second: Service) -> Match | None:
    """The two services' likeness, whether or not it reaches the threshold (the side-by-side
    page shows it for any pair a link led to); None when they are no comparable pair."""
    entries = [
        entry_of(
            service,
            _kbo_of(session, working_copy(service).get("organization_id")),
            working_copy(service),
        )
        for service in (first, second)
    ]
    if not comparable(*entries):
        return None
    return Match(
        other_id=second.id,
        percent=round(likeness(*entries) * 100),
        same_organisation=entries[0].kbo is not None and entries[0].kbo == entries[1].kbo,
        same_place=entries[0].domain == entries[1].domain
        and bool(entries[0].prisons & entries[1].prisons),
    )


def dismissal_of(session: Session, first_id: int, second_id: int) -> DuplicateDismissal | None:
    """The reviewer's "not a duplicate" for this pair, if one was given."""
    low, high = pair(first_id, second_id)
    return session.scalar(
        select(DuplicateDismissal).where(
            DuplicateDismissal.first_id == low, DuplicateDismissal.second_id == high
        )
    )


def dismiss(
    session: Session, first: Service, second: Service, principal: Principal
) -> DuplicateDismissal:
    """Remember that the two are not duplicates (a reviewer's judgement): the pair is not
    proposed again, on the review page or on submission."""
    if first.id == second.id:
        raise Refused("same_service")
    match = compare(session, first, second)
    if match is None:
        raise Refused("not_comparable")
    low, high = pair(first.id, second.id)
    if dismissal_of(session, low, high) is not None:
        raise Refused("already_dismissed")
    dismissal = DuplicateDismissal(
        first_id=low,
        second_id=high,
        score=match.percent,
        dismissed_at=utcnow(),
        actor=principal.label[:200],
        user_id=principal.user_id,
    )
    try:
        with session.begin_nested():  # two reviewers at once: the second finds it done
            session.add(dismissal)
    except IntegrityError:
        raise Refused("already_dismissed") from None
    return dismissal
