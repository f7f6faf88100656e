"""The published inventory as HSDS 3.0 (Open Referral), one language per document.

Identifiers are UUIDs derived from our ids (uuid5), so they stay the same from one export
to the next. The nine common domains, each authority's own categories and the target
groups are HSDS taxonomies; a service carries its terms as attributes. An authority with
no organisation recorded for a service stands as its organisation.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from dateutil.rrule import rrulestr
from flask_babel import force_locale
from sqlalchemy import LargeBinary, case, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.clock import BRUSSELS
from core.events.models import Event
from core.i18n import LocalizedMixin, pick
from core.inventory import hsds_store, schedules, verification
from core.inventory.models import Organization, Service, ServiceLocation
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("6f1d2d0e-6c3b-5d0a-9a41-3b2c6f3c2a11")
FREQUENCIES = {3: "WEEKLY", 2: "WEEKLY", 1: "MONTHLY"}  # dateutil: MONTHLY=1, WEEKLY=2, DAILY=3
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


# Records with a numeric id get a UUID that carries it, so /hsds/services/{id} finds the
# service without a lookup table; everything else gets a name-based UUID.
# Parts of a service (its attributes, languages, schedules, contact) carry the service's id
# and their place in it; building them this way costs nothing, where a name-based UUID per
# part was a third of the export's time.
KINDS = {
    "service": "5e7c0001",
    "organization": "5e7c0002",
    "service_at_location": "5e7c0003",
    "attribute": "5e7c0004",
    "language": "5e7c0005",
    "schedule": "5e7c0006",
    "contact": "5e7c0007",
}


def uid(kind: str, key: Any, part: int = 0) -> str:
    if kind in KINDS and isinstance(key, int):
        return f"{KINDS[kind]}-{part:04x}-4000-8000-{key:012x}"
    return _named(kind, str(key))


@lru_cache(maxsize=4096)
def _named(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def id_of(kind: str, value: str) -> int | None:
    """Our id inside an HSDS identifier made by ``uid``, or None."""
    try:
        parsed = str(uuid.UUID(value))
    except ValueError:
        return None
    if not parsed.startswith(KINDS[kind] + "-0000-4000-8000-"):
        return None
    return int(parsed[-12:], 16)


def _text(texts: dict[str, str | None], language: str) -> str:
    return pick(texts, language).text


class Catalogue:
    """Reference names and taxonomies, read once per export."""

    def __init__(self, session: Session, registry, language: str) -> None:
        self.session = session
        self.language = language
        self.registry = registry
        self.domains = {d.code: d for d in session.scalars(select(ServiceDomain))}
        self.target_groups = {t.code: t for t in session.scalars(select(TargetGroup))}
        self.prisons = {p.code: p for p in session.scalars(select(Prison))}
        self.authorities = {a.code: a for a in session.scalars(select(Authority))}
        # Terms and organisations repeat across services: built once per export.
        self._terms: dict[tuple[str, str], dict[str, Any]] = {}
        self._organizations: dict[tuple[str, Any], dict[str, Any]] = {}
        # Each service's last confirmation (assured_date, assurer_email), read per batch.
        self._assured: dict[int, tuple[str, str | None] | None] = {}
        self.held: list[Organization] = []  # the export's current batch of organisations

    def load_assurances(self, service_ids) -> None:
        """Read the last confirmation of these services in one query."""
        ids = [ident for ident in service_ids if ident not in self._assured]
        found = verification.assurances(self.session, ids)
        for ident in ids:
            assurance = found.get(ident)
            self._assured[ident] = (
                (
                    assurance.assured_at.astimezone(BRUSSELS).date().isoformat(),
                    assurance.assurer_email,
                )
                if assurance is not None
                else None
            )

    def assurance(self, service: Service) -> tuple[str | None, str | None]:
        """When the service was last confirmed (a date) and the address of who did; the
        authority's own address when the platform itself confirmed it (an approval without
        a person, such as an import of the demo)."""
        if service.id not in self._assured:
            self.load_assurances([service.id])
        found = self._assured[service.id]
        if found is None:
            return None, None
        day, email = found
        if not email:
            authority = self.authorities.get(service.authority_code)
            email = authority.contact_email if authority is not None else None
        return day, email

    def taxonomies(self) -> list[dict[str, Any]]:
        found = [
            {
                "id": uid("taxonomy", "domains"),
                "name": "Concerto domains",
                "description": "The nine common domains of the Brussels strategic plan.",
                "version": "2014-2019",
            },
            {
                "id": uid("taxonomy", "target_groups"),
                "name": "Concerto target groups",
                "description": "Groups of people the services are meant for.",
            },
        ]
        for code, authority in self.authorities.items():
            found.append(
                {
                    "id": uid("taxonomy", f"vocabulary:{code}"),
                    "name": f"{_text(authority.texts('name'), self.language)}: categories",
                    "description": "The authority's own categories of service.",
                }
            )
        return found

    def term(self, kind: str, code: str) -> dict[str, Any]:
        key = (kind, code)
        if key not in self._terms:
            self._terms[key] = self._term(kind, code)
        return self._terms[key]

    def _term(self, kind: str, code: str) -> dict[str, Any]:
        if kind == "domain":
            name = _text(self.domains[code].texts("name"), self.language)
            taxonomy = "domains"
        elif kind == "target_group":
            name = _text(self.target_groups[code].texts("name"), self.language)
            taxonomy = "target_groups"
        else:  # an authority's category, "authority:code"
            authority_code, category = code.split(":", 1)
            authority = self.registry.authorities.get(authority_code)
            term = next(
                (t for t in (authority.vocabulary if authority else []) if t.code == category),
                None,
            )
            name = pick(term.labels, self.language).text if term else category
            taxonomy = f"vocabulary:{authority_code}"
        return {
            "id": uid(f"term:{kind}", code),
            "code": code,
            "name": name,
            "description": name,
            "taxonomy_id": uid("taxonomy", taxonomy),
            "language": self.language,
        }

    def organization(self, service: Service) -> dict[str, Any]:
        key = (
            ("organization", service.organization_id)
            if service.organization_id
            else (
                "authority",
                service.authority_code,
            )
        )
        if key not in self._organizations:
            self._organizations[key] = self._organization(service)
        return self._organizations[key]

    def _organization(self, service: Service) -> dict[str, Any]:
        # From the identity map when the service was loaded with its organisation.
        found = service.organization_id
        org = self.session.get(Organization, found) if found else None
        if org is not None:
            description = _text(org.texts("description"), self.language) or org.name
            found = {
                "id": uid("organization", org.id),
                "name": org.name,
                "description": description,
                "website": org.website,
                "email": org.email,
                "legal_status": org.legal_form,
                "tax_id": org.kbo_number,
            }
            return {k: v for k, v in found.items() if v}
        authority = self.authorities[service.authority_code]
        name = _text(authority.texts("name"), self.language)
        found = {
            "id": uid("authority", authority.code),
            "name": name,
            "description": _text(authority.texts("description"), self.language) or name,
            "website": authority.website,
            "email": authority.contact_email,
        }
        return {k: v for k, v in found.items() if v}


@lru_cache(maxsize=1024)
def _rule_parts(text: str) -> tuple[tuple[str, Any], ...]:
    """freq, interval, byday and the opening hours of a stored schedule, parsed once per
    distinct schedule."""
    # dateutil keeps a rule's parts in underscored attributes; it has no public reader.
    try:
        rule, duration, _holidays = schedules.split(text)
        parsed = rrulestr(rule, ignoretz=True)
    except (ValueError, TypeError):
        return ()
    frequency = FREQUENCIES.get(parsed._freq)
    if parsed._freq not in (1, 2) or not frequency:
        return ()
    parts: list[tuple[str, Any]] = [("freq", frequency), ("interval", parsed._interval)]
    if parsed._byweekday:
        parts.append(("byday", ",".join(DAYS[day] for day in sorted(parsed._byweekday))))
    elif parsed._bynweekday:  # the n-th weekday of the month: "2TU"
        parts.append(("byday", ",".join(f"{n}{DAYS[day]}" for day, n in parsed._bynweekday)))
    choices = schedules.picked(text) or {}
    if choices.get("starts"):
        parts.append(("opens_at", choices["starts"]))
    if choices.get("ends"):
        parts.append(("closes_at", choices["ends"]))
    return tuple(parts)


@lru_cache(maxsize=1024)
def _said(rule: str, language: str) -> str:
    """The schedule in words, once per distinct schedule and language (an export repeats a
    few schedules over thousands of services)."""
    with force_locale(language):
        return schedules.in_words(rule, language)


def _schedule(
    rule: str | None, location_id: int, link_id: str, language: str
) -> list[dict[str, Any]]:
    if not rule:
        return []
    schedule = {
        "id": uid("schedule", location_id),
        "service_at_location_id": link_id,
        "description": _said(rule, language),  # in words; the rule's parts follow for machines
        **dict(_rule_parts(rule)),
        "timezone": 1,  # Europe/Brussels, UTC+1 in winter; the rule is local time
    }
    return [schedule]


def service_document(service: Service, catalogue: Catalogue) -> dict[str, Any]:
    language = catalogue.language
    service_id = uid("service", service.id)
    attributes = []
    terms = [("domain", service.domain_code)]
    terms.append(("category", f"{service.authority_code}:{service.category}"))
    terms += [("target_group", code) for code in service.target_groups or []]
    for number, (kind, code) in enumerate(terms):
        term = catalogue.term(kind, code)
        attributes.append(
            {
                "id": uid("attribute", service.id, number),
                "link_id": service_id,
                "link_type": kind,
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "value": code,
                "taxonomy_term": term,
            }
        )
    locations = []
    for location in service.locations:
        link_id = uid("service_at_location", location.id)
        prison = catalogue.prisons[location.prison_code]
        entry = {
            "id": link_id,
            "service_id": service_id,
            "location_id": uid("prison", prison.code),
            "description": _text(location.texts("notes"), language) or "",
            "schedules": _schedule(location.schedule, location.id, link_id, language),
            "location": {
                "id": uid("prison", prison.code),
                "location_type": "physical",
                "name": _text(prison.texts("name"), language),
                "external_identifier": prison.code,
                "external_identifier_type": "concerto prison code",
            },
        }
        locations.append(entry)
    organization = catalogue.organization(service)
    document = {
        "id": service_id,
        "name": _text(service.texts("name"), language),
        "description": _text(service.texts("description"), language),
        "status": "active" if service.active and service.state != "withdrawn" else "inactive",
        "application_process": _text(service.texts("application_process"), language),
        "eligibility_description": _text(service.texts("eligibility"), language),
        "fees_description": "" if not service.free_of_charge else "free",
        "wait_time": f"P{service.typical_wait_days}D" if service.typical_wait_days else "",
        "email": service.contact_email,
        "last_modified": service.updated_at.isoformat(),
        **dict(zip(("assured_date", "assurer_email"), catalogue.assurance(service), strict=True)),
        "languages": [
            {"id": uid("language", service.id, number), "service_id": service_id, "code": code}
            for number, code in enumerate(service.languages or [])
        ],
        "service_at_locations": locations,
        "organization": organization,
        "organization_id": organization["id"],
        "contacts": [
            {
                "id": uid("contact", service.id),
                "service_id": service_id,
                "name": service.contact_name,
                "email": service.contact_email,
            }
        ]
        if service.contact_email
        else [],
        "attributes": attributes,
    }
    return {key: value for key, value in document.items() if value not in (None, "")}


def published(session: Session, modified_after: datetime | None = None):
    """The services ever published (a withdrawn one stays, with status inactive); with
    ``modified_after``, those whose public record changed since: edited then, or changed in
    the public inventory then (an approval, a withdrawal), as the log of changes says."""
    statement = (
        select(Service)
        .where(Service.published_at.is_not(None))
        .options(selectinload(Service.locations), selectinload(Service.organization))
        .order_by(Service.id)
    )
    if modified_after is not None:
        statement = statement.where(
            or_(
                Service.updated_at >= modified_after,
                Service.id.in_(_public_changes(modified_after).with_only_columns(Event.record_id)),
            )
        )
    return statement


def _public_changes(modified_after: datetime):
    return select(Event).where(
        Event.record_kind == "service",
        Event.visibility == "public",
        Event.occurred_at >= modified_after,
    )


def last_public_changes(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When each of these services last changed in the public inventory."""
    if not ids:
        return {}
    found = session.execute(
        select(Event.record_id, func.max(Event.occurred_at))
        .where(
            Event.record_kind == "service",
            Event.visibility == "public",
            Event.record_id.in_(ids),
        )
        .group_by(Event.record_id)
    )
    return dict(found.all())


def deleted_since(session: Session, modified_after: datetime) -> list[Event]:
    """Tombstones of the published services deleted since: HSDS services with status
    ``defunct``, their name as it was, in the catalogue's language."""
    events = session.scalars(
        _public_changes(modified_after)
        .where(Event.kind == "service.deleted")
        .order_by(Event.record_id, Event.id)
    ).all()
    latest = {event.record_id: event for event in events}
    still = set(session.scalars(select(Service.id).where(Service.id.in_(list(latest)))))
    return [event for ident, event in latest.items() if ident not in still]


def tombstone(event, language: str) -> dict[str, Any]:
    return {
        "id": uid("service", event.record_id),
        "name": pick((event.data or {}).get("title") or {}, language).text or "",
        "status": "defunct",
        "last_modified": event.occurred_at.isoformat(),
    }


EXPORT_BATCH = 500  # services read per query by the export; memory stays flat
# Stored documents are compact: the export writes them out as they are.
COMPACT = {"ensure_ascii": False, "separators": (",", ":")}


class _Row(LocalizedMixin):
    """A row read without the ORM, with what ``service_document`` reads of a service or of
    one of its places: the columns as attributes, and their texts per language. Building
    ORM objects (identity map, change tracking) was most of the export's time."""

    def __init__(self, values) -> None:
        self.__dict__.update(values)


def _services(session: Session, catalogue: Catalogue, where) -> list[_Row]:
    """The published services matching ``where``, in id order, read without the ORM, each
    with its places and its stamp (``document_stamp``, read in the same statement as the
    row, before anything else the document is built from); their organisations and
    confirmations loaded into the catalogue."""
    services, places = Service.__table__, ServiceLocation.__table__
    stamps = hsds_store.service_stamps
    found = session.execute(
        select(services, func.coalesce(stamps.c.stamp, 0).label("document_stamp"))
        .select_from(services.outerjoin(stamps, stamps.c.service_id == services.c.id))
        .where(services.c.published_at.is_not(None), *where)
        .order_by(services.c.id)
        .limit(EXPORT_BATCH)
    )
    names = list(found.keys())
    batch = [_Row(zip(names, row, strict=True)) for row in found]
    if not batch:
        return batch
    located: dict[int, list[_Row]] = {service.id: [] for service in batch}
    rows = session.execute(
        select(places)
        .where(places.c.service_id.in_(located))
        .order_by(places.c.service_id, places.c.id)
    )
    names = list(rows.keys())
    for row in rows:
        place = _Row(zip(names, row, strict=True))
        located[place.service_id].append(place)
    # The batch's organisations in one query, into the identity map the catalogue reads
    # them from (the map holds them weakly: the catalogue keeps them).
    catalogue.held = session.scalars(
        select(Organization).where(
            Organization.id.in_({s.organization_id for s in batch if s.organization_id})
        )
    ).all()
    catalogue._assured.clear()  # only this batch's: memory stays flat
    catalogue.load_assurances(located)
    for service in batch:
        service.locations = located[service.id]
    return batch


def _head(language: str) -> bytes:
    head = json.dumps({"hsds_version": HSDS_VERSION, "language": language})
    return (head[:-1] + ', "services": [').encode()  # the object stays open for the services


def _tail(catalogue: Catalogue) -> bytes:
    taxonomies = json.dumps(catalogue.taxonomies(), ensure_ascii=False)
    return ('], "taxonomies": ' + taxonomies + "}").encode()


def export(session: Session, registry, language: str) -> Iterator[bytes]:
    """The whole published inventory as one HSDS JSON document in UTF-8, streamed a batch of
    services at a time (keyset pagination on the id), so that memory does not grow with the
    size of the inventory. Each service's document comes as stored when it is current
    (core.inventory.hsds_store), else it is built, written out and stored for next time."""
    catalogue = Catalogue(session, registry, language)
    fingerprint = hsds_store.fingerprint(session, registry, language)
    services, stamps, documents = (
        Service.__table__,
        hsds_store.service_stamps,
        hsds_store.hsds_documents,
    )
    # SQLite hands the stored UTF-8 over as it is when asked for a BLOB: no decoding it into
    # text to encode it again for the response (two thirds of the export's time).
    raw = session.get_bind().dialect.name == "sqlite"
    document = cast(documents.c.document, LargeBinary) if raw else documents.c.document
    current = func.coalesce(stamps.c.stamp, 0)
    usable = case(
        ((documents.c.stamp == current) & (documents.c.fingerprint == fingerprint), document)
    )
    yield _head(language)
    first, last = True, 0
    while True:
        found = session.execute(
            select(services.c.id, usable)
            .select_from(
                services.outerjoin(stamps, stamps.c.service_id == services.c.id).outerjoin(
                    documents,
                    (documents.c.service_id == services.c.id) & (documents.c.language == language),
                )
            )
            .where(services.c.published_at.is_not(None), services.c.id > last)
            .order_by(services.c.id)
            .limit(EXPORT_BATCH)
        ).all()
        if not found:
            break
        last = found[-1][0]
        texts = dict(found)
        stale = [ident for ident, text in found if text is None]
        if stale:
            built = [
                {
                    "service_id": service.id,
                    "stamp": service.document_stamp,
                    "document": json.dumps(service_document(service, catalogue), **COMPACT),
                }
                for service in _services(session, catalogue, [services.c.id.in_(stale)])
            ]
            hsds_store.store(session, language, fingerprint, built)
            texts |= {
                item["service_id"]: item["document"].encode() if raw else item["document"]
                for item in built
            }
        # A service unpublished or deleted between the two reads is left out.
        present = [text for text in texts.values() if text is not None]
        if not present:
            continue
        if not first:
            yield b","
        first = False
        yield b",".join(present) if raw else ",".join(present).encode()
    yield _tail(catalogue)


def export_from_scratch(session: Session, registry, language: str) -> Iterator[bytes]:
    """The same export with every document built anew, nothing read from or stored in
    ``hsds_documents``: what the stored documents must always equal (the tests compare)."""
    catalogue = Catalogue(session, registry, language)
    services = Service.__table__
    yield _head(language)
    separator, last = b"", 0
    while batch := _services(session, catalogue, [services.c.id > last]):
        last = batch[-1].id
        for service in batch:
            yield separator + json.dumps(service_document(service, catalogue), **COMPACT).encode()
            separator = b","
    yield _tail(catalogue)
