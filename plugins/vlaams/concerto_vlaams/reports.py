"""The Flemish Community's annual report (jaarverslag), in Dutch, as XLSX: per prison its
services by domain and target group, the staffing in full-time equivalents per function (the
shape of table 2 of the 2015 strategic plan), the reach and participants per service, the
budget per policy domain, and the progress of the actions it leads.

Staffing, reach and budget are the Flemish Community's own figures (``concerto_vlaams.figures``),
entered on the core's figures page into the plugin's tables."""

from __future__ import annotations

from collections import Counter

from concerto_vlaams.figures import (
    BUDGET,
    REACH,
    STAFFING,
    budget_blocks,
    reach_blocks,
    staffing,
    staffing_blocks,
)
from core.reports import data, writers

__all__ = ["BUDGET", "REACH", "REPORTS", "STAFFING", "annual_report", "staffing"]

CODE = "vlaams"


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

    people = staffing_blocks(session, year, prisons)

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
    return writers.xlsx(
        [
            ("Aanbod", offer),
            ("Personeel", people),
            ("Bereik", reach_blocks(session, year)),
            ("Budget", budget_blocks(session, year)),
            ("Acties", actions),
        ]
    )


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
        "figures": [STAFFING, REACH, BUDGET],
    }
]
