"""The Common Community Commission's bilingual report, Dutch and French side by side as the
strategic plan is printed, as PDF: the harmonised inventory of the year, the coverage gaps,
the committee's decisions and actions of the year, and the subsidies COCOM granted (its own
figures, ``concerto_cocom.figures``)."""

from __future__ import annotations

from collections import Counter

from concerto_cocom.figures import SUBSIDIES, subsidy_blocks
from core.reports import data, writers

WORDS = {
    "nl": {
        "title": "Verslag van de hulp- en dienstverlening aan gedetineerden in Brussel",
        "inventory": "Geharmoniseerde inventaris",
        "domain": "Domein",
        "services": "Diensten",
        "gaps": "Leemtes in de dekking (gevangenis zonder dienst in een domein)",
        "prison": "Gevangenis",
        "decisions": "Beslissingen van het Overlegcomité",
        "actions": "Acties",
        "due": "Tegen",
        "status": "Status",
        "none": "Geen gegevens voor dit jaar.",
        "no_gaps": "Geen leemtes.",
        "language": "nl",
        "subsidies": "Subsidies van de GGC per organisatie",
        "organisation": "Organisatie",
        "company_number": "Ondernemingsnummer",
        "amount": "Bedrag (euro)",
        "total": "Totaal",
    },
    "fr": {
        "title": "Rapport de l'aide et des services aux détenus à Bruxelles",
        "inventory": "Inventaire harmonisé",
        "domain": "Domaine",
        "services": "Services",
        "gaps": "Lacunes de couverture (prison sans service dans un domaine)",
        "prison": "Prison",
        "decisions": "Décisions du Comité de concertation",
        "actions": "Actions",
        "due": "Pour le",
        "status": "Statut",
        "none": "Aucune donnée pour cette année.",
        "no_gaps": "Aucune lacune.",
        "language": "fr",
        "subsidies": "Subsides de la COCOM par organisation",
        "organisation": "Organisation",
        "company_number": "Numéro d'entreprise",
        "amount": "Montant (euros)",
        "total": "Total",
    },
}


def _side(session, year: int, language: str) -> list[tuple]:
    words = WORDS[language]
    domains = data.domains(session, language)
    prisons = data.prisons(session, language, year)
    services = data.services_of(session, None, year)
    counts = Counter(s.domain_code for s in services)
    blocks: list[tuple] = [(("h", f"{words['inventory']} {year}"))]
    blocks.append(
        ("table", [[words["domain"], words["services"]]]
         + [[name, counts.get(code, 0)] for code, name in domains.items()])
        if services
        else ("p", words["none"])
    )  # fmt: skip
    # The gaps as /coverage shows them for the year: only prisons open in it.
    gaps = [[prisons[p], domains[d]] for p, d in data.coverage(session, year).gaps]
    blocks.append(("h", words["gaps"]))
    blocks.append(
        ("table", [[words["prison"], words["domain"]], *gaps]) if gaps else ("p", words["no_gaps"])
    )
    year_of = data.decisions_and_actions(session, year, language)
    blocks.append(("h", words["decisions"]))
    blocks.append(
        ("table", [["#", words["decisions"]]] + [[str(n), text] for _when, n, text in year_of["decisions"]])
        if year_of["decisions"]
        else ("p", words["none"])
    )  # fmt: skip
    blocks.append(("h", words["actions"]))
    blocks.append(
        ("table", [[words["actions"], "", words["due"], words["status"]]]
         + [[t, a, due.strftime("%d/%m/%Y") if due else "", s] for t, a, due, s in year_of["actions"]])
        if year_of["actions"]
        else ("p", words["none"])
    )  # fmt: skip
    blocks += subsidy_blocks(session, year, words)
    return blocks


def report(session, year: int, language: str) -> bytes:
    dutch, french = _side(session, year, "nl"), _side(session, year, "fr")
    return writers.pdf_side_by_side(
        (WORDS["nl"]["title"], WORDS["fr"]["title"]), list(zip(dutch, french, strict=True))
    )


REPORTS = [
    {
        "code": "verslag_rapport",
        "labels": {
            "nl": "Tweetalig verslag",
            "fr": "Rapport bilingue",
            "en": "Bilingual report",
        },
        "extension": "pdf",
        "media_type": "application/pdf",
        "languages": ["nl", "fr"],
        "render": report,
        "figures": [SUBSIDIES],
    }
]
