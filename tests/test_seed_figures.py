"""The seeds' own figures, entered on the figures pages as a coordinator types them and read
back from the report they belong to with an independent reader (csv, json, openpyxl, pypdf):
seed 002's table 1 (population per prison by sex and status, in Justice's statistics), its
table 2 (FTE per function from a fixed list, in the Flemish jaarverslag), the CGG's care
periods (reach per service) and its budget per policy domain. Also: the checks by row and
column, worded in the reader's language; the staffing's free-text functions migrated to the
list without losing any; and COCOM's subsidies, the table its first migration created."""

from __future__ import annotations

import csv
import html
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, text

from core import create_app
from core.db import downgrade, histories, upgrade
from tests.conftest import app_config, make_app
from tests.logins import csrf_token, login_as


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


@pytest.fixture
def figures_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


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


def test_seed_002_table_1_reads_back_exactly_from_justices_statistics(figures_app):
    app, client = figures_app, figures_app.test_client()
    login_as(client, app, ("justitie", "coordinator"))
    rows = [
        {
            "prison_code": prison,
            "capacity": figures[0],
            "average_population": figures[1],
            "admissions": figures[3],
            **dict(zip(BREAKDOWN, figures[4:], strict=True)),
        }
        for prison, figures in TABLE_1.items()
    ]
    saved = _enter(client, "justitie", "prison_statistics", 2013, rows)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]

    names = {"sint_gillis": "Sint-Gillis", "vorst": "Vorst", "berkendael": "Berkendael"}
    text = _download(client, "justitie", "statistieken_csv", 2013, "nl").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = table[0]
    columns = [
        "Capaciteit", "Gemiddelde dagelijkse bevolking", "Overbevolkingsgraad (%)",
        "Opsluitingen per jaar", "Mannen", "Vrouwen", "Beklaagden", "Veroordeelden",
        "Geïnterneerden", "Ander statuut",
    ]  # fmt: skip
    found = {}
    for prison, figures in TABLE_1.items():
        (line,) = [r for r in table[1:] if r[0] == f"Gevangenis van {names[prison]}"]
        found[prison] = line
        for column, seed in zip(columns, figures, strict=True):
            cell = line[header.index(column)]
            if column == "Overbevolkingsgraad (%)":
                # Computed, not entered: the seed rounds it to a tenth, Berkendael's to a unit.
                places = Decimal("0.1") if "," in seed else Decimal(1)
                assert _d(cell).quantize(places) == _d(seed), (prison, cell, seed)
            elif seed == "":
                assert cell == "", (prison, column, cell)
            else:
                assert _d(cell) == _d(seed), (prison, column, cell, seed)
    # Haren opened in 2022: not a row of 2013.
    assert not any("Haren" in r[0] for r in table[1:])

    document = json.loads(_download(client, "justitie", "statistieken_json", 2013, "fr"))
    assert document["labels"]["remand"] == "Prévenus"
    by_code = {p["code"]: p for p in document["prisons"]}
    for prison, figures in TABLE_1.items():
        entered = dict(zip(("capacity", "average_population"), figures[:2], strict=True))
        entered |= {"admissions": figures[3], **dict(zip(BREAKDOWN, figures[4:], strict=True))}
        for name, seed in entered.items():
            value = by_code[prison][name]
            assert (value is None) if seed == "" else Decimal(str(value)) == _d(seed), name


def test_seed_002_table_2_reads_back_exactly_from_the_jaarverslag(figures_app):
    app, client = figures_app, figures_app.test_client()
    login_as(client, app, ("vlaams", "coordinator"))
    rows = [{"prison_code": "*", "function": code, "fte": fte} for code, _nl, fte in TABLE_2]
    saved = _enter(client, "vlaams", "staffing", 2014, rows)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]

    people = _sheet(_download(client, "vlaams", "jaarverslag", 2014), "Personeel")
    header = next(r for r in people if r[0] == "Functie")
    assert list(header) == ["Functie", "Alle gevangenissen samen", "Totaal"]
    listed = people[people.index(header) + 1 :]
    assert [r[0] for r in listed] == [nl for _code, nl, _fte in TABLE_2] + ["Totaal"]
    for (_code, nl, fte), row in zip(TABLE_2, listed, strict=False):
        assert (row[0], _number(row[1]), _number(row[2])) == (nl, _d(fte), _d(fte))
    assert _number(listed[-1][2]) == _d(TABLE_2_TOTAL)

    # The function is a choice shown in the reader's language; the page writes FTE as they do.
    path = "/authorities/vlaams/figures/staffing/2014"
    client.get("/language/fr")
    french = client.get(path).get_data(as_text=True)
    assert 'value="trajectbegeleider" selected>Accompagnateurs de trajet</option>' in french
    assert 'value="0,825"' in french and "Toutes les prisons ensemble" in french
    client.get("/language/nl")
    dutch = client.get(path).get_data(as_text=True)
    assert 'value="trajectbegeleider" selected>Trajectbegeleiders</option>' in dutch
    assert "Alle gevangenissen samen" in dutch


def test_the_cggs_care_periods_and_the_budget_read_back_from_the_jaarverslag(figures_app):
    from core.audit.services import acting_as
    from core.inventory import services as inventory
    from core.permissions import system

    app, client = figures_app, figures_app.test_client()
    registry = app.extensions["concerto.registry"]
    with app.extensions["concerto.db"].session() as db, acting_as(system("cli", "test")):
        who = system("cli", "test")
        values = {
            "external_id": "VG-CGG",
            "category": "drughulpverlening",
            "name_nl": "Centrum Geestelijke Gezondheidszorg: forensisch team",
            "name_fr": "Centre de santé mentale : équipe médico-légale",
            "name_en": "Mental health centre: forensic team",
            "target_groups": ["sentenced", "remand"],
            "languages": ["nl", "fr"],
            "delivery": "individual",
            "locations": [{"prison": "sint_gillis", "schedule": "FREQ=WEEKLY;BYDAY=MO,WE,FR"}],
        }
        authority = registry.authorities["vlaams"]
        service = inventory.create_service(db, authority, values, who)
        inventory.submit(db, authority, service, who)
        inventory.approve(db, authority, service, who)
        cgg = service.id

    login_as(client, app, ("vlaams", "coordinator"))
    path = "/authorities/vlaams/figures/reach/2013"
    client.get("/language/fr")  # the services by their names in the reader's language
    page = client.get(path).get_data(as_text=True)
    assert f'<option value="{cgg}">Centre de santé mentale : équipe médico-légale<' in page
    saved = _enter(
        client, "vlaams", "reach", 2013, [{"service_id": str(cgg), "care_periods": "1.200"}]
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    budget = [
        {
            "policy_domain": domain,
            "item": item,
            "regulation": regulation,
            "budget_allocation": allocation,
            "note": note,
            "amount_eur": amount,
        }
        for domain, item, regulation, allocation, note, amount in BUDGET_2015
    ]
    saved = _enter(client, "vlaams", "budget", 2015, budget)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]

    reach = _sheet(_download(client, "vlaams", "jaarverslag", 2013), "Bereik")
    header = next(r for r in reach if r[0] == "Dienst")
    (line,) = [r for r in reach if r[0] == "Centrum Geestelijke Gezondheidszorg: forensisch team"]
    assert line[header.index("Zorgperiodes (CGG)")] == CGG_CARE_PERIODS_2013
    assert line[header.index("Bereikte gedetineerden")] is None

    lines = _sheet(_download(client, "vlaams", "jaarverslag", 2015), "Budget")
    header = next(r for r in lines if r[0] == "Beleidsdomein")
    amount = header.index("Bedrag (euro)")
    by_item = {r[1]: r for r in lines[lines.index(header) + 1 :] if r[1]}
    for domain, item, regulation, allocation, note, seed in BUDGET_2015:
        found = by_item[item]
        assert found[0] == DOMAIN_NAMES[domain]
        assert _number(found[amount]) == _d(seed), (item, found[amount], seed)
        assert (found[2], found[3] or "", found[4] or "") == (regulation, allocation, note)
    totals = {r[0]: _number(r[amount]) for r in lines if str(r[0]).startswith("Totaal")}
    for domain, name in DOMAIN_NAMES.items():
        expected = sum(_d(line[-1]) for line in BUDGET_2015 if line[0] == domain)
        assert totals[f"Totaal {name}"] == expected
    assert totals["Totaal"] == sum(_d(line[-1]) for line in BUDGET_2015)
    assert totals["Totaal"] == Decimal("18450947.97")


def _errors(response) -> dict[str, str]:
    """Each cell's error on the page, by the cell's id (e<row>-<column>)."""
    page = response.get_data(as_text=True)
    found = {}
    for part in page.split('<span class="error" id="e')[1:]:
        cell, _, rest = part.partition('">')
        found[cell] = html.unescape(rest.split("</span>")[0])
    return found


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "fr",
            {
                "sex": "Hommes et femmes ensemble font 737,0",
                "choose": "Choisissez",
                "more": "plus de participants",
                "places": "2 décimales",
                "company": "numéro d'entreprise",
            },
        ),
        (
            "nl",
            {
                "sex": "Mannen en vrouwen samen maken 737,0",
                "choose": "Kies",
                "more": "meer deelnemers",
                "places": "2 decimalen",
                "company": "ondernemingsnummer",
            },
        ),
    ],
)
def test_figures_are_checked_by_row_and_column_in_the_readers_language(
    figures_app, language, words
):
    from concerto_cocom.figures import subsidies
    from concerto_justitie.reports import statistics
    from concerto_vlaams.figures import budget, reach, staffing

    app, client = figures_app, figures_app.test_client()
    client.get(f"/language/{language}")

    def stored(table, year: int) -> int:
        with app.extensions["concerto.db"].session() as db:
            return len(db.execute(table.select().where(table.c.year == year)).all())

    login_as(client, app, ("justitie", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client, "justitie", "prison_statistics", 2012,
        [
            {"prison_code": "sint_gillis", "capacity": "587", "average_population": "836,9",
             "men": "837", "remand": "351", "sentenced": "483", "internees": "1,8",
             "other_status": "1,2"},
            {"prison_code": "vorst", "capacity": "405", "average_population": "619",
             "men": "619", "remand": "394,3", "sentenced": "130,2", "internees": "91,3",
             "other_status": "30,2"},
            {"prison_code": "berkendael", "capacity": "64", "average_population": "92,25"},
        ],
    )  # fmt: skip
    assert refused.status_code == 422
    errors = _errors(refused)
    # Row 1: 837 men for 836,9 is rounding, and accepted; row 2's statuses make 646,0.
    assert set(errors) == {"2-remand", "3-average_population"}, errors
    assert "646,0" in errors["2-remand"] and "619,0" in errors["2-remand"]
    assert "1 " in errors["3-average_population"]  # "at most 1 decimal place"
    assert stored(statistics, 2012) == 0
    sex = _enter(
        client, "justitie", "prison_statistics", 2012,
        [{"prison_code": "sint_gillis", "capacity": "587", "average_population": "836,9",
          "men": "700", "women": "37"}],
    )  # fmt: skip
    assert words["sex"] in _errors(sex)["1-men"]
    # Where only women are held, the error stands at the figure that was given.
    women = _enter(
        client, "justitie", "prison_statistics", 2012,
        [{"prison_code": "berkendael", "capacity": "64", "average_population": "92,2",
          "women": "80"}],
    )  # fmt: skip
    assert set(_errors(women)) == {"1-women"}

    login_as(client, app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client,
        "vlaams",
        "staffing",
        2012,
        [
            {"prison_code": "sint_gillis", "function": "Psycholoog", "fte": "1"},
            {"prison_code": "*", "function": "trajectbegeleider", "fte": "1,2345"},
            {"prison_code": "", "function": "medewerker_cgg", "fte": "2"},
        ],
    )
    assert set(_errors(refused)) == {"1-function", "2-fte", "3-prison_code"}
    assert words["choose"] in _errors(refused)["1-function"]
    assert stored(staffing, 2012) == 0

    with app.extensions["concerto.db"].session() as db:
        from core.inventory.models import Service

        service = db.scalar(
            select(Service.id).where(
                Service.authority_code == "vlaams", Service.published_at.is_not(None)
            )
        )
        cocof_service = db.scalar(select(Service.id).where(Service.authority_code == "cocof"))
    refused = _enter(
        client,
        "vlaams",
        "reach",
        2012,
        [
            {"service_id": str(service), "reached": "40", "participants": "41"},
            {"service_id": str(cocof_service), "reached": "5"},
        ],
    )
    errors = _errors(refused)
    assert set(errors) == {"1-participants", "2-service_id"}
    assert words["more"] in errors["1-participants"]
    assert stored(reach, 2012) == 0

    refused = _enter(
        client,
        "vlaams",
        "budget",
        2012,
        [
            {"policy_domain": "welzijn", "item": "Coördinatie", "amount_eur": "12,345"},
            {"policy_domain": "defensie", "item": "Tanks", "amount_eur": "1"},
            {"policy_domain": "welzijn", "item": "Coördinatie", "amount_eur": "2"},
        ],
    )
    errors = _errors(refused)
    assert set(errors) == {"1-amount_eur", "2-policy_domain", "3-item"}
    assert words["places"] in errors["1-amount_eur"]
    assert stored(budget, 2012) == 0

    login_as(client, app, ("cocom", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client,
        "cocom",
        "subsidies",
        2012,
        [{"organisation": "Sociaal onthaal", "company_number": "0545.678.944", "amount_eur": "5"}],
    )
    assert words["company"] in _errors(refused)["1-company_number"]
    assert stored(subsidies, 2012) == 0


def test_cocoms_subsidies_read_back_from_its_bilingual_report(figures_app):
    app, client = figures_app, figures_app.test_client()
    login_as(client, app, ("cocom", "coordinator"))
    saved = _enter(
        client, "cocom", "subsidies", 2027,
        [
            {"organisation": "Sociaal onthaal Brusselse gevangenissen",
             "company_number": "BE 0545.678.943", "amount_eur": "412.500"},
            {"organisation": "Bemiddeling Brussel", "company_number": "",
             "amount_eur": "86 250,50"},
        ],
    )  # fmt: skip
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    content = _download(client, "cocom", "verslag_rapport", 2027)
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    pdf = pdf.replace("\xa0", " ")
    assert "Subsidies van de GGC per organisatie" in pdf
    assert "Subsides de la COCOM par organisation" in pdf
    assert "0545.678.943" in pdf
    assert "412.500,00" in pdf and "412 500,00" in pdf  # Dutch, then French
    assert "86.250,50" in pdf and "86 250,50" in pdf
    assert "498.750,50" in pdf and "498 750,50" in pdf  # the total


def _by_prison(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: (row[0] or "", row[1]))


def test_free_text_functions_move_to_the_list_and_none_is_lost(database_url, providers):
    """The upgrade maps what was typed to the list, keeps what it cannot map, and the
    downgrade gives every row back in the older schema's terms."""
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    vlaams = next(h for h in histories(app.extensions["concerto.registry"]) if h.code == "vlaams")
    downgrade(engine, vlaams, "vlaams_0002")
    typed = [
        (2031, "haren", "Trajectbegeleider", "2.5"),
        (2031, "haren", "trajectbegeleiders", "1"),  # the same function again: kept as typed
        (2031, "haren", "  medewerker  CGG ", "1.2"),
        (2031, "haren", "Psycholoog", "0.8"),
        (2031, "sint_gillis", "Beleidscoördinator", "1"),
        (2031, "sint_gillis", "Sportfunctionaris", "0.5"),
    ]
    with engine.begin() as connection:
        for row in typed:
            connection.execute(
                text(
                    "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                    "VALUES (:y, :p, :f, :v)"
                ),
                dict(zip("ypfv", row, strict=True)),
            )

    def stored() -> list[tuple]:
        with engine.connect() as connection:
            return sorted(
                (
                    (r.prison_code, r.function, Decimal(str(r.fte)))
                    for r in connection.execute(
                        text(
                            "SELECT prison_code, function, fte FROM vlaams_staffing WHERE year = 2031"
                        )
                    )
                ),
                key=lambda row: (row[0] or "", row[1]),
            )

    upgrade(engine, vlaams)
    assert stored() == _by_prison(
        [
            ("haren", "trajectbegeleider", Decimal("2.5")),
            ("haren", "trajectbegeleiders", Decimal("1")),
            ("haren", "medewerker_cgg", Decimal("1.2")),
            ("haren", "Psycholoog", Decimal("0.8")),
            ("sint_gillis", "beleidscoordinator", Decimal("1")),
            ("sint_gillis", "sportfunctionaris_dra", Decimal("0.5")),
        ]
    )

    # The page shows what stayed outside the list, marked; saving it unchanged keeps it.
    application = make_app(database_url, **providers.settings())
    client = application.test_client()
    login_as(client, application, ("vlaams", "coordinator"))
    path = "/authorities/vlaams/figures/staffing/2031"
    page = client.get(path).get_data(as_text=True)
    assert "Psycholoog (not in the list)</option>" in page
    assert "trajectbegeleiders (not in the list)</option>" in page
    form = {"csrf_token": csrf_token(client, path), "read_as": _read_as(page)}
    rows = page.split('name="rows" value="')[1].split('"')[0]
    form["rows"] = rows
    for number in range(1, int(rows) + 1):
        for name in ("prison_code", "function", "fte"):
            marker = f'name="r{number}-{name}"'
            chunk = page.split(marker)[1]
            if name == "fte":
                form[f"r{number}-{name}"] = chunk.split('value="')[1].split('"')[0]
            else:
                select_html = chunk.split("</select>")[0]
                chosen = [o for o in select_html.split("<option")[1:] if " selected" in o]
                form[f"r{number}-{name}"] = (
                    chosen[0].split('value="')[1].split('"')[0] if chosen else ""
                )
    assert client.post(path, data=form).status_code == 302
    assert len(stored()) == len(typed)
    report = _sheet(_download(client, "vlaams", "jaarverslag", 2031), "Personeel")
    assert any(r[0] == "Psycholoog (vrije tekst, niet uit de lijst)" for r in report)
    application.extensions["concerto.db"].engine.dispose()

    # Down again: the list's codes become the plan's Dutch words, nothing is dropped.
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                "VALUES (2031, NULL, 'medewerker_cap', 0.825)"
            )
        )
    downgrade(engine, vlaams, "vlaams_0002")
    assert stored() == _by_prison(
        [
            ("haren", "Trajectbegeleiders", Decimal("2.5")),
            ("haren", "trajectbegeleiders", Decimal("1")),
            ("haren", "Medewerkers CGG", Decimal("1.2")),
            ("haren", "Psycholoog", Decimal("0.8")),
            ("sint_gillis", "Beleidscoördinator", Decimal("1")),
            ("sint_gillis", "Sportfunctionaris DRA", Decimal("0.5")),
            ("", "Medewerker CAP", Decimal("0.825")),
        ]
    )
    upgrade(engine, vlaams)
    assert ("haren", "trajectbegeleider", Decimal("2.5")) in stored()
    assert (None, "medewerker_cap", Decimal("0.825")) in stored()  # all prisons together again
    engine.dispose()


def test_the_population_breakdown_migration_keeps_each_rows_other_figures(database_url):
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    justitie = next(
        h for h in histories(app.extensions["concerto.registry"]) if h.code == "justitie"
    )
    query = text(
        "SELECT year, prison_code, capacity, average_population, admissions "
        "FROM justitie_prison_statistics ORDER BY year, prison_code"
    )

    def rows(connection) -> list[tuple]:
        return [
            (r.year, r.prison_code, r.capacity, Decimal(str(r.average_population)), r.admissions)
            for r in connection.execute(query)
        ]

    with engine.connect() as connection:
        before = rows(connection)
    assert len(before) == 4  # the demo's 2013 table 1 and Haren's 2026
    downgrade(engine, justitie, "justitie_0001")
    with engine.connect() as connection:
        assert rows(connection) == before
    upgrade(engine, justitie)
    with engine.connect() as connection:
        assert rows(connection) == before
        assert (
            connection.execute(
                text("SELECT count(*) FROM justitie_prison_statistics WHERE men IS NOT NULL")
            ).scalar()
            == 0
        )  # the breakdowns entered since are what the older schema cannot hold
    engine.dispose()
