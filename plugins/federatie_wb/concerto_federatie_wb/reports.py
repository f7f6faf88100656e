"""The French Community's rapport d'activités, in French, as ODT and as PDF: its services, the
socio-cultural activities held per prison, and the participation in the study day's
workshops. The activities are its own figures, entered on the core's figures page into the
plugin's table ``federatie_wb_activities``."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from core.db import Base
from core.reports import data, writers
from core.reports.figures import FigureColumn, FigureTable

CODE = "federatie_wb"

activities = Table(
    "federatie_wb_activities",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("prison_code", String(32), nullable=False),
    Column("activity", String(200), nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("participants", Integer, nullable=False),
    extend_existing=True,
)

ACTIVITIES = FigureTable(
    code="activities",
    labels={
        "nl": "Socioculturele activiteiten per gevangenis",
        "fr": "Activités socioculturelles par prison",
        "en": "Socio-cultural activities per prison",
    },
    table=activities,
    columns=[
        FigureColumn("prison_code", "prison", {"nl": "Gevangenis", "fr": "Prison", "en": "Prison"}),
        FigureColumn("activity", "text", {"nl": "Activiteit", "fr": "Activité", "en": "Activity"}),
        FigureColumn("sessions", "integer", {"nl": "Sessies", "fr": "Séances", "en": "Sessions"}, 0, 1000),
        FigureColumn(
            "participants", "integer",
            {"nl": "Deelnemers", "fr": "Participants", "en": "Participants"}, 0, 100000,
        ),
    ],
    demo_rows={
        2026: [
            {"prison_code": "haren", "activity": "Atelier théâtre", "sessions": 24, "participants": 18},
            {"prison_code": "haren", "activity": "Ciné-club", "sessions": 40, "participants": 65},
            {"prison_code": "haren", "activity": "Atelier d'écriture", "sessions": 30, "participants": 22},
        ]
    },
)  # fmt: skip


def _blocks(session, year: int) -> list[tuple]:
    domains = data.domains(session, "fr")
    prisons = data.prisons(session, "fr", year)  # open in the year only
    services = data.services_of(session, CODE, year)
    blocks: list[tuple] = [("h", "Services de la Fédération Wallonie-Bruxelles")]
    if services:
        blocks.append(
            (
                "table",
                [["Service", "Domaine", "Prisons"]]
                + [
                    [
                        data.service_name(s, "fr"),
                        domains.get(s.domain_code, s.domain_code),
                        ", ".join(data.places(s, prisons)),
                    ]
                    for s in services
                ],
            )
        )
    else:
        blocks.append(("p", f"Aucune donnée : aucun service publié en {year}."))
    blocks.append(("h", "Activités socioculturelles par prison"))
    rows = [
        row
        for row in session.execute(
            activities.select()
            .where(activities.c.year == year)
            .order_by(activities.c.prison_code, activities.c.activity)
        ).mappings()
        if row["prison_code"] in prisons  # the figures page refuses a closed prison
    ]
    if rows:
        blocks.append(
            (
                "table",
                [["Prison", "Activité", "Séances", "Participants"]]
                + [
                    [prisons.get(r["prison_code"], r["prison_code"]), r["activity"],
                     r["sessions"], r["participants"]]
                    for r in rows
                ]
                + [["Total", "", sum(r["sessions"] for r in rows),
                    sum(r["participants"] for r in rows)]],
            )
        )  # fmt: skip
    else:
        blocks.append(("p", f"Aucune donnée : les activités de {year} ne sont pas encodées."))
    blocks.append(("h", "Participation aux ateliers de la journée d'étude"))
    workshops = data.study_day_participation(session, year)
    if workshops:
        blocks.append(
            (
                "table",
                [["Atelier", "Inscrits", "Présents"]] + [list(w) for w in workshops],
            )
        )
    else:
        blocks.append(("p", f"Aucune donnée : pas de journée d'étude en {year}."))
    return blocks


def _title(year: int) -> str:
    return f"Rapport d'activités {year} : aide et services aux détenus à Bruxelles"


def as_odt(session, year: int, language: str) -> bytes:
    return writers.odt(_title(year), _blocks(session, year))


def as_pdf(session, year: int, language: str) -> bytes:
    return writers.pdf(_title(year), _blocks(session, year), "fr")


LABELS = {
    "nl": "Activiteitenverslag (in het Frans)",
    "fr": "Rapport d'activités",
    "en": "Activity report (in French)",
}
REPORTS = [
    {
        "code": "rapport_activites_odt",
        "labels": LABELS,
        "extension": "odt",
        "media_type": "application/vnd.oasis.opendocument.text",
        "languages": ["fr"],
        "render": as_odt,
        "figures": [ACTIVITIES],
    },
    {
        "code": "rapport_activites_pdf",
        "labels": LABELS,
        "extension": "pdf",
        "media_type": "application/pdf",
        "languages": ["fr"],
        "render": as_pdf,
        "figures": [ACTIVITIES],
    },
]
