"""Federal Justice's statistics per prison, in Dutch or French, as CSV and as JSON: capacity,
average daily population and overcrowding rate, admissions, the population by sex and by
status (the shape of table 1 of the 2015 Flemish strategic plan, which takes them from the
DG EPI annual report), and the services available per domain.

These are Justice's own figures: the prison administration (DG EPI) counts its detainees, so
the population by sex and status is entered with the capacity and the average population it
breaks down, one row per prison and year on the core's figures page, into the plugin's table
``justitie_prison_statistics``. A row's breakdowns must add up to its average population."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from flask_babel import format_decimal
from sqlalchemy import Column, Integer, Numeric, String, Table

from concerto_justitie.words import _l
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
    # The average daily population by sex and by status (seed 002, table 1: M, Vr, B, V, G,
    # Ander); each breakdown adds up to average_population, up to rounding.
    Column("men", Numeric(8, 1)),
    Column("women", Numeric(8, 1)),
    Column("remand", Numeric(8, 1)),
    Column("sentenced", Numeric(8, 1)),
    Column("internees", Numeric(8, 1)),
    Column("other_status", Numeric(8, 1)),
    extend_existing=True,
)
BY_SEX = ("men", "women")
BY_STATUS = ("remand", "sentenced", "internees", "other_status")

# Table 1 of the plan (DG EPI, 2013) for the Brussels prisons; Haren replaced them in 2022
# (its 2026 figures are the demo's own). Capacity, population, admissions, then men, women,
# remand, sentenced, internees and other status (None where the plan's cell is empty).
DEMO_FIGURES = {
    2013: [
        ("sint_gillis", 587, "836.9", 730, "836.9", None, "351", "483", "1.8", "1.2"),
        ("vorst", 405, "619", 2502, "619", None, "394.3", "130.2", "91.3", "3.2"),
        ("berkendael", 64, "92.2", 283, None, "92.2", "44.7", "37.5", "9.7", "0.3"),
    ],
    2026: [("haren", 1190, "1302.4", 3105, "1190.1", "112.3", "612", "540.8", "139.4", "10.2")],
}

LABELS = {
    "nl": {
        "prison": "Gevangenis",
        "capacity": "Capaciteit",
        "population": "Gemiddelde dagelijkse bevolking",
        "rate": "Overbevolkingsgraad (%)",
        "admissions": "Opsluitingen per jaar",
        "men": "Mannen",
        "women": "Vrouwen",
        "remand": "Beklaagden",
        "sentenced": "Veroordeelden",
        "internees": "Geïnterneerden",
        "other_status": "Ander statuut",
        "total": "Diensten in totaal",
        "none": "Geen gegevens voor dit jaar.",
    },
    "fr": {
        "prison": "Prison",
        "capacity": "Capacité",
        "population": "Population journalière moyenne",
        "rate": "Taux de surpopulation (%)",
        "admissions": "Écrous par an",
        "men": "Hommes",
        "women": "Femmes",
        "remand": "Prévenus",
        "sentenced": "Condamnés",
        "internees": "Internés",
        "other_status": "Autre statut",
        "total": "Services au total",
        "none": "Aucune donnée pour cette année.",
    },
}


# Each figure is rounded to a tenth, so a sum of n of them may differ from the rounded
# average by up to n halves of a tenth, plus half a tenth for the average itself (table 1's
# own Sint-Gillis row: 351 + 483 + 1,8 + 1,2 = 837,0 for 836,9).
def _tolerance(parts: int) -> Decimal:
    return Decimal("0.05") * (parts + 1)


def _population_check(row: dict[str, Any]) -> dict[str, Any]:

    population = row["average_population"]
    if row["capacity"] and population > 10 * row["capacity"]:
        return {
            "average_population": _l("A population over ten times the capacity is not plausible.")
        }
    problems: dict[str, Any] = {}
    for parts, message in (
        (
            BY_SEX,
            _l(
                "Men and women together make %(sum)s, but the average daily population is "
                "%(population)s: they should be equal, up to rounding."
            ),
        ),
        (
            BY_STATUS,
            _l(
                "The statuses together make %(sum)s, but the average daily population is "
                "%(population)s: they should be equal, up to rounding."
            ),
        ),
    ):
        given = [name for name in parts if row.get(name) is not None]
        total = sum(row[name] for name in given)
        if given and abs(total - population) > _tolerance(len(parts)):
            # At the first figure the person gave, where they will look for it.
            problems[given[0]] = str(message) % {
                "sum": format_decimal(total, "0.0##"),
                "population": format_decimal(population, "0.0##"),
            }
    return problems


STATISTICS = FigureTable(
    code="prison_statistics",
    labels={
        "nl": "Capaciteit en bevolking per gevangenis",
        "fr": "Capacité et population par prison",
        "en": "Capacity and population per prison",
    },
    description={
        "nl": "Per gevangenis: capaciteit, gemiddelde dagelijkse bevolking en opsluitingen, en "
        "die bevolking naar geslacht en naar statuut, zoals het jaarverslag van DG EPI ze geeft. "
        "Elke verdeling telt op tot de gemiddelde dagelijkse bevolking, op afronding na.",
        "fr": "Par prison\u00a0: capacité, population journalière moyenne et écrous, et cette "
        "population par sexe et par statut, comme les donne le rapport annuel de la DG EPI. "
        "Chaque répartition totalise la population journalière moyenne, aux arrondis près.",
        "en": "Per prison: capacity, average daily population and admissions, and that "
        "population by sex and by status, as the DG EPI annual report gives them. Each "
        "breakdown adds up to the average daily population, up to rounding.",
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
            places=1,
        ),
        FigureColumn(
            "admissions", "integer", {"nl": "Opsluitingen", "fr": "Écrous", "en": "Admissions"},
            0, 100000, required=False,
        ),
        *(
            FigureColumn(name, "decimal", labels, 0, 50000, required=False, places=1)
            for name, labels in (
                ("men", {"nl": "Mannen", "fr": "Hommes", "en": "Men"}),
                ("women", {"nl": "Vrouwen", "fr": "Femmes", "en": "Women"}),
                ("remand", {"nl": "Beklaagden", "fr": "Prévenus", "en": "On remand"}),
                ("sentenced", {"nl": "Veroordeelden", "fr": "Condamnés", "en": "Sentenced"}),
                ("internees", {"nl": "Geïnterneerden", "fr": "Internés", "en": "Internees"}),
                ("other_status", {"nl": "Ander statuut", "fr": "Autre statut", "en": "Other status"}),
            )
        ),
    ],
    check=_population_check,
    key=("prison_code",),
    demo_rows={
        year: [
            {
                "prison_code": p, "capacity": c, "average_population": Decimal(a), "admissions": n,
                **{
                    name: Decimal(value) if value is not None else None
                    for name, value in zip(BY_SEX + BY_STATUS, breakdown, strict=True)
                },
            }
            for p, c, a, n, *breakdown in rows
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
                **{name: found[name] if found else None for name in BY_SEX + BY_STATUS},
                "services": {domains[d]: counts.get(d, 0) for d in domains},
                "services_total": sum(counts.values()),
            }
        )
    return rows


def as_csv(session, year: int, language: str) -> bytes:
    words = LABELS[language]
    rows = per_prison(session, year, language)
    domains = list(data.domains(session, language).values())
    breakdown = BY_SEX + BY_STATUS
    header = [words["prison"], words["capacity"], words["population"], words["rate"],
              words["admissions"], *(words[n] for n in breakdown), *domains,
              words["total"]]  # fmt: skip
    if not rows:
        return writers.csv_table([header, [words["none"]]])
    return writers.csv_table(
        [header]
        + [
            [r["prison"], r["capacity"], r["average_population"], r["overcrowding_rate"],
             r["admissions"], *(r[n] for n in breakdown), *(r["services"][d] for d in domains),
             r["services_total"]]
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
