"""The Flemish Community's annual report (jaarverslag), in Dutch, as XLSX: per prison its
services by domain and target group, the staffing in full-time equivalents per function (the
shape of table 2 of the 2015 strategic plan), and the progress of the actions it leads.

The staffing is the Flemish Community's own figure, entered on the core's figures page into
the plugin's table ``vlaams_staffing``."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import Column, Integer, Numeric, String, Table

from core.db import Base
from core.reports import data, writers
from core.reports.figures import FigureColumn, FigureTable

CODE = "vlaams"

staffing = Table(
    "vlaams_staffing",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("prison_code", String(32), nullable=False),
    Column("function", String(120), nullable=False),
    Column("fte", Numeric(6, 2), nullable=False),
    extend_existing=True,
)

# Table 2 of the plan (2014), spread over the Brussels prisons open in the demo's year:
# the Vorst and Berkendael teams moved to Haren when those two closed in 2022.
DEMO_STAFFING = [
    ("sint_gillis", "Beleidscoördinator", "1"),
    ("sint_gillis", "Trajectbegeleider", "3.5"),
    ("sint_gillis", "Medewerker CGG", "1.2"),
    ("sint_gillis", "Gevangenisbibliotheekmedewerker", "0.5"),
    ("haren", "Beleidscoördinator", "2"),
    ("haren", "Trajectbegeleider", "7.6"),
    ("haren", "Detentieconsulent VDAB", "0.8"),
    ("haren", "Sportfunctionaris", "0.5"),
]

STAFFING = FigureTable(
    code="staffing",
    labels={
        "nl": "Personeelsinzet in voltijdse equivalenten",
        "fr": "Effectifs en équivalents temps plein",
        "en": "Staffing in full-time equivalents",
    },
    table=staffing,
    columns=[
        FigureColumn("prison_code", "prison", {"nl": "Gevangenis", "fr": "Prison", "en": "Prison"}),
        FigureColumn("function", "text", {"nl": "Functie", "fr": "Fonction", "en": "Function"}),
        FigureColumn("fte", "decimal", {"nl": "VTE", "fr": "ETP", "en": "FTE"}, 0, 200),
    ],
    demo_rows={
        2026: [{"prison_code": p, "function": f, "fte": Decimal(v)} for p, f, v in DEMO_STAFFING]
    },
)


def annual_report(session, year: int, language: str) -> bytes:
    prisons = data.prisons(session, "nl", year)  # open in the year only
    domains = data.domains(session, "nl")
    groups = data.target_groups(session, "nl")
    services = data.services_of(session, CODE, year)
    offer: list[tuple] = [("h", f"Aanbod van de Vlaamse Gemeenschap in {year}")]
    by_prison = data.per_prison(services, prisons)
    if not by_prison:
        offer.append(("p", f"Geen gegevens: er zijn geen gepubliceerde diensten in {year}."))
    for prison, offered in sorted(by_prison.items()):
        counts = Counter(
            (service.domain_code, group)
            for service in offered
            for group in (service.target_groups or [""])
        )
        offer.append(("h", f"{prisons.get(prison, prison)}: {len(offered)} diensten"))
        offer.append(
            (
                "table",
                [["Domein", "Doelgroep", "Aantal diensten"]]
                + [
                    [domains.get(d, d), groups.get(g, "alle doelgroepen"), n]
                    for (d, g), n in sorted(counts.items())
                ],
            )
        )

    fte: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in session.execute(staffing.select().where(staffing.c.year == year)).mappings():
        if row["prison_code"] in prisons:  # the figures page refuses a closed prison
            fte[row["function"]][row["prison_code"]] = row["fte"]
    staff_prisons = [p for p in prisons if any(p in row for row in fte.values())]
    people: list[tuple] = [("h", f"Personeelsinzet {year} in VTE")]
    if fte:
        header = ["Functie", *(prisons.get(p, p) for p in staff_prisons), "Totaal"]
        rows = [
            [function, *(row.get(p, Decimal(0)) for p in staff_prisons), sum(row.values())]
            for function, row in sorted(fte.items())
        ]
        totals = ["Totaal", *(sum(r[i + 1] for r in rows) for i in range(len(staff_prisons)))]
        people.append(("table", [header, *rows, [*totals, sum(totals[1:])]]))
    else:
        people.append(("p", f"Geen gegevens: de personeelsinzet voor {year} is niet ingevuld."))

    led = data.plan_actions_led_by(session, CODE, "nl")
    actions: list[tuple] = [("h", "Acties van het strategisch plan onder leiding van Vlaanderen")]
    if led:
        actions.append(
            (
                "table",
                [["Doelstelling", "Actie", "Status", "Voortgang (%)"]]
                + [[a["goal"], a["title"], a["status"], round(a["progress"] or 0)] for a in led],
            )
        )
    else:
        actions.append(("p", "Geen gegevens: Vlaanderen leidt geen acties."))
    return writers.xlsx([("Aanbod", offer), ("Personeel", people), ("Acties", actions)])


REPORTS = [
    {
        "code": "jaarverslag",
        "labels": {
            "nl": "Jaarverslag",
            "fr": "Rapport annuel (en néerlandais)",
            "en": "Annual report (in Dutch)",
        },
        "extension": "xlsx",
        "media_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "languages": ["nl"],
        "render": annual_report,
        "figures": [STAFFING],
    }
]
