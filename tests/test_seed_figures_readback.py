"""The seeds' own figures, entered on the figures pages as a coordinator types them and read
back from the report they belong to with an independent reader (csv, json, openpyxl, pypdf):
seed 002's table 1 (population per prison by sex and status, in Justice's statistics), its
table 2 (FTE per function from a fixed list, in the Flemish jaarverslag), the CGG's care
periods (reach per service) and its budget per policy domain, and COCOM's subsidies in its
bilingual report. The checks by row and column are in test_seed_figures_checks.py, the
migrations in test_seed_figures_migrations.py."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from pypdf import PdfReader

from tests.logins import login_as
from tests.seed_figures import (
    BREAKDOWN,
    BUDGET_2015,
    CGG_CARE_PERIODS_2013,
    DOMAIN_NAMES,
    TABLE_1,
    TABLE_2,
    TABLE_2_TOTAL,
    _d,
    _download,
    _enter,
    _number,
    _sheet,
)


def test_seed_002_table_1_reads_back_exactly_from_justices_statistics(any_app):
    app, client = any_app, any_app.test_client()
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


def test_seed_002_table_2_reads_back_exactly_from_the_jaarverslag(any_app):
    app, client = any_app, any_app.test_client()
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


def test_the_cggs_care_periods_and_the_budget_read_back_from_the_jaarverslag(any_app):
    from core.audit.services import acting_as
    from core.inventory import services as inventory
    from core.permissions import system

    app, client = any_app, any_app.test_client()
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


def test_cocoms_subsidies_read_back_from_its_bilingual_report(any_app):
    app, client = any_app, any_app.test_client()
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
