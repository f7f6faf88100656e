"""Exporting services as a file (CSV, XLSX, ODS or JSON), in the flat shape an import reads:
one row per service, lists joined by "|", the prisons with one schedule and number of places
for all of them, the organisation by its own identifier. Cells that a spreadsheet would run
as a formula are made harmless."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.inventory import finding, sheets
from core.inventory import services as inventory
from core.inventory.models import (
    SERVICE_FACTS,
    Organization,
    Service,
    ServiceLocation,
    name_order,
)
from core.validation import XML_ILLEGAL, printable

LIST_SEPARATOR = "|"
# The flat shape of a service in a spreadsheet: one row per service, lists joined by "|",
# the prisons with one schedule and number of places for all of them, the organisation that
# provides it by the organisation's own identifier (one of the authority's).
COLUMNS = [
    "external_id",
    "category",
    *inventory.TEXT_FIELDS,
    *SERVICE_FACTS,
    "organization",
    "prisons",
    "schedule",
    "places",
]


# --- export ------------------------------------------------------------------------------------


# The columns read as they are from the service (the others are worked out below).
AS_STORED = [name for name in COLUMNS if name in inventory.FIELDS]


def flat(service: Service) -> dict[str, Any]:
    """The service as one flat row; ``service`` an ORM object or a row read by
    ``export_rows`` (its attributes as ``inventory.record_of`` reads them)."""
    row = {name: getattr(service, name) for name in AS_STORED}
    locations = service.locations
    row["target_groups"] = LIST_SEPARATOR.join(service.target_groups or [])
    row["languages"] = LIST_SEPARATOR.join(service.languages or [])
    row["organization"] = _organization_of(service)
    row["prisons"] = LIST_SEPARATOR.join(location.prison_code for location in locations)
    schedules = {location.schedule for location in locations if location.schedule}
    row["schedule"] = schedules.pop() if len(schedules) == 1 else ""
    places = {location.places for location in locations if location.places}
    row["places"] = places.pop() if len(places) == 1 else ""
    for name, value in (service.extra or {}).items():
        row[f"extra.{name}"] = value
    return {key: "" if value is None else value for key, value in row.items()}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a text starting with =, +, - or @ (or a tab or
    carriage return) is prefixed with an apostrophe, so a spreadsheet shows it as text.
    What XML cannot hold is left out."""
    value = printable(value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _cells(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[list[Any]]:
    """Each row's values in the order of ``columns``, made ``safe_cell``; a text with
    nothing to neutralise (nearly all) is passed on without a substitution."""
    for row in rows:
        values = []
        for name in columns:
            value = row.get(name, "")
            if value.__class__ is str and value:
                if value[:1] in FORMULA_STARTS or XML_ILLEGAL.search(value):
                    value = safe_cell(value)
            elif value.__class__ is not str:
                value = safe_cell(value)
            values.append(value)
        yield values


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    extra = sorted({key for row in rows for key in row if key.startswith("extra.")})
    return COLUMNS + extra


def _organization_of(service) -> str | None:
    if not service.organization_id:
        return None
    if hasattr(service, "organization_external_id"):  # a row read by export_rows
        return service.organization_external_id
    return service.organization.external_id


EXPORT_BATCH = 500  # services read per query


def _ordered_ids(session: Session, filters: inventory.Filters) -> list[int]:
    """The ids of the services ``filters`` find, in the order asked for; with a query, in
    name order (a file has no use for the search page's ranking)."""
    if filters.sort == "updated":
        order = [Service.updated_at.desc(), Service.id]
    elif filters.sort == "authority":
        order = [Service.authority_code, Service.id]
    else:
        order = [name_order(filters.reading), Service.id]
    conditions = finding._conditions(session, filters)
    return list(session.scalars(select(Service.id).where(*conditions).order_by(*order)))


def export_rows(session: Session, filters: inventory.Filters) -> list[dict[str, Any]]:
    """The services ``filters`` find as flat rows, read a batch at a time as plain rows:
    building ORM objects (identity map, change tracking) for each service and place was
    three quarters of an export's time."""
    services, places = Service.__table__, ServiceLocation.__table__
    organizations = Organization.__table__
    rows: list[dict[str, Any]] = []
    ids = _ordered_ids(session, filters)
    for start in range(0, len(ids), EXPORT_BATCH):
        chunk = ids[start : start + EXPORT_BATCH]
        result = session.execute(
            select(services, organizations.c.external_id.label("organization_external_id"))
            .select_from(
                services.outerjoin(organizations, organizations.c.id == services.c.organization_id)
            )
            .where(services.c.id.in_(chunk))
        )
        names = list(result.keys())
        found = {}
        for values in result:
            service = SimpleNamespace(**dict(zip(names, values, strict=True)))
            service.locations = []
            found[service.id] = service
        for place in session.execute(
            select(places).where(places.c.service_id.in_(chunk)).order_by(places.c.id)
        ):
            found[place.service_id].locations.append(place)
        rows += [flat(found[ident]) for ident in chunk if ident in found]
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(_cells(rows, columns))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    return sheets.xlsx("services", columns, _cells(rows, columns))


def to_ods(rows: list[dict[str, Any]]) -> bytes:
    columns = _columns(rows)
    return sheets.ods("services", columns, _cells(rows, columns))


def to_json(rows: list[dict[str, Any]]) -> bytes:
    # Without indentation: json's C encoder, three times faster than its Python one.
    return json.dumps({"services": rows}, ensure_ascii=False).encode("utf-8")


FORMATS = {
    "csv": (to_csv, "text/csv"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": (to_ods, "application/vnd.oasis.opendocument.spreadsheet"),
    "json": (to_json, "application/json"),
}
