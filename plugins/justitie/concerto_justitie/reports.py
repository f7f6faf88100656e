"""Federal Justice's statistics per prison, in Dutch or French, as CSV and as JSON: capacity,
average daily population and overcrowding rate (the shape of table 1 of the 2015 strategic
plan), admissions, and the services available per domain.

Capacity, population and admissions are Justice's own figures, entered on the core's
figures page into the plugin's table ``justitie_prison_statistics``."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Numeric, String, Table

from core.db import Base
from core.reports import data, writers
from core.reports.figures import FigureColumn, FigureTable

statistics = Table(
    "justitie_prison_statistics",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("prison_code", String(32), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("average_population", Numeric(8, 1), nullable=False),
    Column("admissions", Integer),
    extend_existing=True,
)

# Table 1 of the plan (DG EPI, 2013) for the Brussels prisons; Haren replaced them in 2022.
DEMO_FIGURES = {
    2013: [("sint_gillis", 587, "836.9", 730), ("vorst", 405, "619", 2502),
           ("berkendael", 64, "92.2", 283)],
    2026: [("haren", 1190, "1302.4", 3105)],
}  # fmt: skip

LABELS = {
    "nl": {
        "prison": "Gevangenis",
        "capacity": "Capaciteit",
        "population": "Gemiddelde dagelijkse bevolking",
        "rate": "Overbevolkingsgraad (%)",
        "admissions": "Opsluitingen per jaar",
        "total": "Diensten in totaal",
        "none": "Geen gegevens voor dit jaar.",
    },
    "fr": {
        "prison": "Prison",
        "capacity": "Capacité",
        "population": "Population journalière moyenne",
        "rate": "Taux de surpopulation (%)",
        "admissions": "Écrous par an",
        "total": "Services au total",
        "none": "Aucune donnée pour cette année.",
    },
}


def _population_check(row: dict[str, Any]) -> dict[str, Any]:
    from concerto_justitie import _l

    if row["capacity"] and row["average_population"] > 10 * row["capacity"]:
        return {
            "average_population": _l("A population over ten times the capacity is not plausible.")
        }
    return {}


STATISTICS = FigureTable(
    code="prison_statistics",
    labels={
        "nl": "Capaciteit en bevolking per gevangenis",
        "fr": "Capacité et population par prison",
        "en": "Capacity and population per prison",
    },
    table=statistics,
    columns=[
        FigureColumn("prison_code", "prison", {"nl": "Gevangenis", "fr": "Prison", "en": "Prison"}),
        FigureColumn("capacity", "integer", {"nl": "Capaciteit", "fr": "Capacité", "en": "Capacity"}, 1, 5000),
        FigureColumn(
            "average_population",
            "decimal",
            {"nl": "Gemiddelde dagelijkse bevolking", "fr": "Population journalière moyenne",
             "en": "Average daily population"},
            0,
            50000,
        ),
        FigureColumn(
            "admissions", "integer", {"nl": "Opsluitingen", "fr": "Écrous", "en": "Admissions"},
            0, 100000, required=False,
        ),
    ],
    check=_population_check,
    demo_rows={
        year: [
            {"prison_code": p, "capacity": c, "average_population": Decimal(a), "admissions": n}
            for p, c, a, n in rows
        ]
        for year, rows in DEMO_FIGURES.items()
    },
)  # fmt: skip


def overcrowding(capacity: int, population: Decimal) -> float:
    """How far the population is above (or below) the capacity, in percent of it."""
    return round(float(population) / capacity * 100 - 100, 1)


def per_prison(session, year: int, language: str) -> list[dict[str, Any]]:
    """Every prison open in the year, with figures or not: a domain counted 0 is a gap of
    /coverage, and a prison closed before the year is not listed."""
    prisons = data.prisons(session, language, year)
    domains = data.domains(session, language)
    offered = {
        prison: Counter(s.domain_code for s in services)
        for prison, services in data.per_prison(
            data.services_of(session, None, year), prisons
        ).items()
    }
    figures = {
        row["prison_code"]: row
        for row in session.execute(statistics.select().where(statistics.c.year == year)).mappings()
    }
    if not figures and not offered:
        return []  # the report says the year has no data
    rows = []
    for code in prisons:
        found = figures.get(code)
        counts = offered.get(code, Counter())
        rows.append(
            {
                "code": code,
                "prison": prisons.get(code, code),
                "capacity": found["capacity"] if found else None,
                "average_population": found["average_population"] if found else None,
                "overcrowding_rate": (
                    overcrowding(found["capacity"], found["average_population"]) if found else None
                ),
                "admissions": found["admissions"] if found else None,
                "services": {domains[d]: counts.get(d, 0) for d in domains},
                "services_total": sum(counts.values()),
            }
        )
    return rows


def as_csv(session, year: int, language: str) -> bytes:
    words = LABELS[language]
    rows = per_prison(session, year, language)
    domains = list(data.domains(session, language).values())
    header = [words["prison"], words["capacity"], words["population"], words["rate"],
              words["admissions"], *domains, words["total"]]  # fmt: skip
    if not rows:
        return writers.csv_table([header, [words["none"]]])
    return writers.csv_table(
        [header]
        + [
            [r["prison"], r["capacity"], r["average_population"], r["overcrowding_rate"],
             r["admissions"], *(r["services"][d] for d in domains), r["services_total"]]
            for r in rows
        ]
    )  # fmt: skip


def as_json(session, year: int, language: str) -> bytes:
    rows = per_prison(session, year, language)
    return writers.json_document(
        {
            "year": year,
            "language": language,
            "labels": LABELS[language],
            "prisons": rows,
            **({"note": LABELS[language]["none"]} if not rows else {}),
        }
    )


REPORTS = [
    {
        "code": "statistieken_csv",
        "labels": {
            "nl": "Statistieken per gevangenis",
            "fr": "Statistiques par prison",
            "en": "Statistics per prison",
        },
        "extension": "csv",
        "media_type": "text/csv",
        "languages": ["nl", "fr"],
        "render": as_csv,
        "figures": [STATISTICS],
    },
    {
        "code": "statistieken_json",
        "labels": {
            "nl": "Statistieken per gevangenis (JSON)",
            "fr": "Statistiques par prison (JSON)",
            "en": "Statistics per prison (JSON)",
        },
        "extension": "json",
        "media_type": "application/json",
        "languages": ["nl", "fr"],
        "render": as_json,
        "figures": [STATISTICS],
    },
]
