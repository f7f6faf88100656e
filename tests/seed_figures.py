"""The seeds' own figures as the tests enter and read them (tests/test_seed_figures_*.py): the
tables quoted from seed 002 (population per prison, FTE per function, the 2015 budget, the
CGG's care periods), a figure as the seed writes it, and the figures page and report helpers
(enter rows as the form sends them, download a report, read a sheet)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.logins import csrf_token


def _d(seed: str) -> Decimal:
    """A figure as the seed writes it (a decimal comma, thousands grouped by points)."""
    return Decimal(seed.replace(".", "").replace(",", "."))


# Seed 002, table 1 ("overzichtstabel populatie ... DG EPI 2013"), the Brussels rows as
# printed: capacity, average daily population, overcrowding, admissions, M, Vr, B, V, G,
# Ander ("" where the table's cell is empty).
TABLE_1 = {
    "sint_gillis": ("587", "836,9", "42,6", "730", "836,9", "", "351", "483", "1,8", "1,2"),
    "vorst": ("405", "619", "52,8", "2502", "619", "", "394,3", "130,2", "91,3", "3,2"),
    "berkendael": ("64", "92,2", "44", "283", "", "92,2", "44,7", "37,5", "9,7", "0,3"),
}
BREAKDOWN = ("men", "women", "remand", "sentenced", "internees", "other_status")

# Seed 002, table 2 ("Personeelsinzet 2014", VTE), for all prisons together.
TABLE_2 = [
    ("beleidscoordinator", "Beleidscoördinator", "17"),
    ("organisatieondersteuner", "Organisatieondersteuner", "16,85"),
    ("onderwijscoordinator", "Onderwijscoördinator", "10,35"),
    ("sportfunctionaris_dra", "Sportfunctionaris DRA", "5,1"),
    ("cultuurcoordinator_dra", "Cultuurcoördinator DRA", "0,825"),
    ("ondersteuning_justitiepersoneel", "Ondersteuning door Justitiepersoneel", "12,9"),
    ("trajectbegeleider", "Trajectbegeleiders", "62,1"),
    ("medewerker_cgg", "Medewerkers CGG", "17,9"),
    ("medewerker_cap", "Medewerker CAP", "1,5"),
    ("detentieconsulent_vdab", "Detentieconsulent VDAB", "10,85"),
    ("bibliotheekmedewerker", "Gevangenisbibliotheekmedewerkers", "6,2"),
    ("sociaal_cultureel_werker", "Sociaal-cultureel werker", "2,775"),
]
TABLE_2_TOTAL = "164,35"

DECREE_2013 = (
    "Decreet van 8 maart 2013 betreffende de organisatie van de hulp- en dienstverlening aan "
    "gedetineerden"
)
ADULT_EDUCATION = "Decreet van 15 juni 2007 betreffende het volwassenenonderwijs"
PARTICIPATION = (
    "Decreet van 18 januari 2008 houdende flankerende en stimulerende maatregelen ter "
    "bevordering van de participatie in cultuur, jeugdwerk en sport"
)
SECRETARY_GENERAL = (
    "Besluit van de secretaris-generaal tot toekenning van een subsidie van de Vlaamse Gemeenschap"
)
# Seed 002, "Budgettair overzicht" (amounts of the 2015 budget), as the plan writes them:
# policy domain, item, regulation, budget allocation, note, amount.
BUDGET_2015 = [
    ("welzijn", "Coördinatie personeel", DECREE_2013, "GBO/GA-D-2-Z/LO – ESR 11", "",
     "1.125.634"),
    ("welzijn", "Coördinatie werking (o.a. Gedetineerden Opvolgsysteem, vorming, …)",
     DECREE_2013, "GBO/1GC-D-2-D/WT ba GCO19", "", "36.000"),
    ("welzijn", "Subsidiëring Justitieel Welzijnswerk",
     "Decreet en Besluit Vlaamse Regering Algemeen Welzijnswerk; erkenningsbesluiten van de "
     "centra voor algemeen welzijnswerk", "GBO/1GC-D-2-D/WT ba GC020",
     "78,95 VTE à rato van 64.420,61 euro per VTE", "5086007,16"),
    ("welzijn", "Ondersteuning Steunpunt Algemeen Welzijnswerk",
     "Overeenkomst tussen de Vlaamse overheid en de vzw Steunpunt Algemeen Welzijnswerk",
     "GBO/1GC-D-2-D/WT ba GBO CG020 3300", "Totale subsidie voor al haar opdrachten",
     "1.164.666,15"),
    ("welzijn", "Subsidie Slachtoffer in Beeld aan De Rode Antraciet vzw", SECRETARY_GENERAL,
     "GBO/1GC-D-2-D/WT ba GC067 3300", "", "142.000"),
    ("welzijn", "Subsidie herstel aan Suggnomè vzw (herstelbemiddeling in de fase van de "
     "strafuitvoering)", SECRETARY_GENERAL, "GBO/1GC-D-2-D/WT ba GC066 3300", "", "182.000"),
    ("welzijn", "Subsidiëring diensten Vlaams Agentschap voor Personen met een Handicap",
     "Ministerieel besluit van 24 april 1973 en ministerieel besluit van 18 juni 1975",
     "GG000 4141", "Open Lucht Opvoeding, 't Zwart Goor, OBRA en de tehuizen voor "
     "geïnterneerden", "4.530.000"),
    ("gezondheid", "Subsidie Centra Geestelijke Gezondheidszorg voor forensische teams met "
     "opdracht in de gevangenis", "Decreet van 18 mei 1999 betreffende de geestelijke "
     "gezondheidszorg", "GE0/1GD-D-2-AC/WT ba 1 GD 331", "", "1.088.000"),
    ("onderwijs", "Coördinatie door consortia volwassenenonderwijs", ADULT_EDUCATION,
     "FD0-1FFE2AE-WT ba FF208 3300", "4/12 van 800.000 euro", "266.667"),
    ("onderwijs", "Coördinatie door Vlaams Ondersteuningscentrum Volwassenenonderwijs",
     ADULT_EDUCATION, "FD0-1FFE2AE-WT ba FF209 3300", "8/12 van 800.000 euro", "533.333"),
    ("onderwijs", "Onderwijsaanbod binnen de muren", ADULT_EDUCATION, "",
     "1.759.589 euro + 160.000 euro + 21.213 euro", "1.940.802"),
    ("werk", "VDAB-detentieconsulenten", "Besluit van 5 juni 2009 houdende de organisatie van "
     "de arbeidsbemiddeling en beroepsopleiding", "JBO JD1304140", "11,9 VTE", "833.000"),
    ("cultuur_sport", "De Rode Antraciet – subsidiëring voor culturele en sportieve "
     "participatie", "Het " + PARTICIPATION[0].lower() + PARTICIPATION[1:],
     "HC0/1HD-I-2-AE/WT", "", "1.152.838,66"),
    ("cultuur_sport", "Subsidiëring van lokale besturen ter ondersteuning van "
     "bibliotheekwerkingen in gevangenissen", "Het " + PARTICIPATION[0].lower()
     + PARTICIPATION[1:], "HD-130", "", "370.000"),
]  # fmt: skip
DOMAIN_NAMES = {
    "welzijn": "Welzijn",
    "gezondheid": "Gezondheid",
    "onderwijs": "Onderwijs",
    "werk": "Werk",
    "cultuur_sport": "Cultuur en sport",
}
# Seed 002, footnote 12: "De therapeuten van de betrokken CGG namen in 2013 twaalfhonderd
# zorgperiodes op."
CGG_CARE_PERIODS_2013 = 1200


def _read_as(page: str) -> str:
    return page.split('name="read_as" value="')[1].split('"')[0]


def _enter(client, authority: str, table: str, year: int, rows: list[dict]):
    """Post ``rows`` on the figures page as its form sends them, read just before."""
    path = f"/authorities/{authority}/figures/{table}/{year}"
    form = {
        "csrf_token": csrf_token(client, path),
        "read_as": _read_as(client.get(path).get_data(as_text=True)),
        "rows": str(len(rows)),
    }
    for number, row in enumerate(rows, start=1):
        form |= {f"r{number}-{name}": value for name, value in row.items()}
    return client.post(path, data=form)


def _download(client, authority: str, code: str, year: int, lang: str | None = None) -> bytes:
    response = client.get(
        f"/reports/{authority}/{code}/{year}", query_string={"lang": lang} if lang else {}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _sheet(content: bytes, name: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return [
        row for row in book[name].iter_rows(values_only=True) if any(v is not None for v in row)
    ]


def _number(cell) -> Decimal:
    return Decimal(str(cell))
