"""Each authority's own report, made from the shared data and its own figures, opened with
an independent reader (openpyxl, odfpy, pypdf, csv, json) and checked against the data; the
figures pages refuse what is out of range, by row and column; a report that raises leaves
the others working and shows the reason to the administrator."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableRow
from odf.text import H, P
from openpyxl import load_workbook
from pypdf import PdfReader

from core.reports import data
from tests.conftest import make_app
from tests.logins import csrf_token, login_as

YEAR = 2026


@pytest.fixture
def reports_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _db(app):
    return app.extensions["concerto.db"].session()


def _download(client, authority, code, year=YEAR, lang=None):
    response = client.get(
        f"/reports/{authority}/{code}/{year}", query_string={"lang": lang} if lang else {}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _odf_text(content: bytes) -> str:
    document = load(io.BytesIO(content))
    return "\n".join(
        teletype.extractText(e) for kind in (H, P) for e in document.getElementsByType(kind)
    )


def test_each_authority_downloads_its_report_for_the_year(reports_app):
    app, client = reports_app, reports_app.test_client()
    from concerto_federatie_wb.reports import activities
    from concerto_justitie.reports import statistics
    from concerto_vlaams.figures import FUNCTIONS
    from concerto_vlaams.reports import staffing

    with _db(app) as db:
        fte: dict[str, Decimal] = {}
        for row in db.execute(staffing.select().where(staffing.c.year == YEAR)):
            function = FUNCTIONS[row.function]["nl"]  # the report names the list's functions
            fte[function] = fte.get(function, Decimal(0)) + row.fte
        vlaams_services = data.services_of(db, "vlaams", YEAR)
        cocof_services = data.services_of(db, "cocof", YEAR)
        haren = db.execute(
            statistics.select().where(
                statistics.c.year == YEAR, statistics.c.prison_code == "haren"
            )
        ).one()
        participants = sum(
            r.participants for r in db.execute(activities.select().where(activities.c.year == YEAR))
        )
    assert fte and vlaams_services and cocof_services and participants

    login_as(client, app, ("vlaams", "coordinator"))
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "/reports/vlaams/jaarverslag/2026" in page
    book = load_workbook(io.BytesIO(_download(client, "vlaams", "jaarverslag")))
    people = [row for row in book["Personeel"].iter_rows(values_only=True) if any(row)]
    header = next(r for r in people if r[0] == "Functie")
    table = {r[0]: r for r in people[people.index(header) + 1 :]}
    for function, total in fte.items():
        assert Decimal(str(table[function][-1])) == total
    assert Decimal(str(table["Totaal"][-1])) == sum(fte.values())
    offer = [row for row in book["Aanbod"].iter_rows(values_only=True) if row and row[0]]
    per_prison = data.per_prison(vlaams_services)
    with _db(app) as db:
        names = data.prisons(db, "nl")
    for prison, services in per_prison.items():
        assert (f"{names[prison]}: {len(services)} diensten",) == next(
            r[:1] for r in offer if str(r[0]).startswith(names[prison] + ":")
        )
    assert client.get(f"/reports/cocof/rapport_action_sociale/{YEAR}").status_code == 403

    login_as(client, app, ("federatie_wb", "coordinator"))
    odt = _odf_text(_download(client, "federatie_wb", "rapport_activites_odt"))
    assert "Atelier théâtre" in odt and str(participants) in odt
    assert "Participation aux ateliers de la journée d'étude" in odt
    pdf = _pdf_text(_download(client, "federatie_wb", "rapport_activites_pdf"))
    assert "Rapport d'activités 2026" in pdf and "Ciné-club" in pdf

    login_as(client, app, ("cocof", "coordinator"))
    sheet = load(io.BytesIO(_download(client, "cocof", "rapport_action_sociale")))
    tables = {t.getAttribute("name"): t for t in sheet.spreadsheet.getElementsByType(Table)}
    assert set(tables) == {"Services", "Organisations", "Langues", "Listes d'attente"}
    rows = [
        [teletype.extractText(c) for c in row.childNodes]
        for row in tables["Services"].getElementsByType(TableRow)
    ]
    header = rows.index(["Service", "Organisation", "Domaine", "Prisons", "Langues"])
    listed = [r for r in rows[header + 1 :] if r and r[0]]
    assert len(listed) == len(cocof_services)

    login_as(client, app, ("cocom", "coordinator"))
    both = _pdf_text(_download(client, "cocom", "verslag_rapport"))
    assert "Geharmoniseerde inventaris 2026" in both and "Inventaire harmonisé 2026" in both

    login_as(client, app, ("justitie", "coordinator"))
    for language, header in (
        ("nl", "Overbevolkingsgraad (%)"),
        ("fr", "Taux de surpopulation (%)"),
    ):
        text = _download(client, "justitie", "statistieken_csv", lang=language).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert header in rows[0]
        row = next(r for r in rows if "Haren" in r[0])
        rate = float(row[rows[0].index(header)].replace(",", "."))
        assert rate == round(float(haren.average_population) / haren.capacity * 100 - 100, 1)
    statistics_json = json.loads(_download(client, "justitie", "statistieken_json", lang="fr"))
    found = next(p for p in statistics_json["prisons"] if p["code"] == "haren")
    assert found["capacity"] == haren.capacity and statistics_json["language"] == "fr"


def test_a_year_without_data_says_so_on_the_page_and_in_the_file(reports_app):
    app, client = reports_app, reports_app.test_client()
    login_as(client, app, ("justitie", "coordinator"))
    page = client.get("/reports?year=2001").get_data(as_text=True)
    assert "There are no data for 2001 yet" in page
    text = _download(client, "justitie", "statistieken_csv", year=2001, lang="nl").decode(
        "utf-8-sig"
    )
    assert "Geen gegevens voor dit jaar." in text
    login_as(client, app, ("vlaams", "coordinator"))
    book = load_workbook(io.BytesIO(_download(client, "vlaams", "jaarverslag", year=2001)))
    assert any(
        str(row[0]).startswith("Geen gegevens")
        for row in book["Personeel"].iter_rows(values_only=True)
        if row[0]
    )


def test_the_bilingual_report_splits_a_long_table_across_pages(reports_app):
    # In 2001 no service existed, so every prison open then (Haren was not) and domain is a
    # gap: a table longer than a page, which once failed to lay out when the two languages'
    # tables sat in one cell.
    app, client = reports_app, reports_app.test_client()
    login_as(client, app, ("cocom", "coordinator"))
    pages = PdfReader(io.BytesIO(_download(client, "cocom", "verslag_rapport", year=2001))).pages
    texts = [page.extract_text() for page in pages]
    gaps = [text for text in texts if "Gevangenis van " in text]
    assert len(gaps) >= 2, "the table of gaps goes on over the next page"
    assert all("Prison de " in text for text in gaps), "French beside Dutch on each page"
    assert not any("Haren" in text for text in texts), "Haren opened in 2022"


def _rows(form: dict) -> dict:
    return {"rows": str(1 + max(int(k[1 : k.index("-")]) for k in form)), **form}


def test_figures_out_of_range_are_refused_by_row_and_nothing_is_saved(reports_app):
    app, client = reports_app, reports_app.test_client()
    from concerto_justitie.reports import statistics
    from concerto_vlaams.reports import staffing

    path = "/authorities/vlaams/figures/staffing/2027"
    assert client.get(path).status_code in (302, 401)
    login_as(client, app, ("justitie", "coordinator"))
    assert client.get(path).status_code == 403
    login_as(client, app, ("vlaams", "coordinator"))
    page = client.get(path).get_data(as_text=True)
    read_as = page.split('name="read_as" value="')[1].split('"')[0]
    csrf = csrf_token(client, path)
    bad = client.post(
        path,
        data={
            "csrf_token": csrf,
            "read_as": read_as,
            **_rows(
                {
                    "r1-prison_code": "haren", "r1-function": "trajectbegeleider", "r1-fte": "2.5",
                    "r2-prison_code": "vorst", "r2-function": "beleidscoordinator", "r2-fte": "-1",
                    "r3-prison_code": "atlantis", "r3-function": "X", "r3-fte": "1",
                }
            ),
        },
    )  # fmt: skip
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="e2-fte"' in text and 'id="e3-prison_code"' in text and 'id="e1-fte"' not in text
    assert "This number is outside the allowed range." in text
    with _db(app) as db:
        assert db.execute(staffing.select().where(staffing.c.year == 2027)).first() is None
    good = {"r1-prison_code": "haren", "r1-function": "trajectbegeleider", "r1-fte": "2,5"}
    saved = client.post(path, data={"csrf_token": csrf, "read_as": read_as, **_rows(good)})
    assert saved.status_code == 302
    with _db(app) as db:
        (row,) = db.execute(staffing.select().where(staffing.c.year == 2027)).all()
        assert row.fte == Decimal("2.5")
    # A second form read before that save may not overwrite it, and loses nothing typed: the
    # page shows the other person's figures and keeps these in the form, now read as theirs.
    stale = client.post(
        path, data={"csrf_token": csrf, "read_as": read_as, **_rows({**good, "r1-fte": "9,75"})}
    )
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "Someone else saved these figures while you were typing" in text
    theirs = text[text.index('id="theirs"') : text.index("Your figures, not saved")]
    assert "2,5" in theirs and "9,75" not in theirs  # en_BE writes a decimal comma too
    assert 'name="r1-fte" value="9,75"' in text
    with _db(app) as db:
        assert db.execute(staffing.select().where(staffing.c.year == 2027)).one().fte == Decimal(
            "2.5"
        )
    again = text.split('name="read_as" value="')[1].split('"')[0]
    assert again != read_as
    replaced = client.post(
        path, data={"csrf_token": csrf, "read_as": again, **_rows({**good, "r1-fte": "9,75"})}
    )
    assert replaced.status_code == 302
    with _db(app) as db:
        assert db.execute(staffing.select().where(staffing.c.year == 2027)).one().fte == Decimal(
            "9.75"
        )
    client.get("/language/fr")
    assert 'value="9,75"' in client.get(path).get_data(as_text=True)  # as a French reader writes it

    login_as(client, app, ("justitie", "coordinator"))
    path = "/authorities/justitie/figures/prison_statistics/2027"
    csrf = csrf_token(client, path)
    read_as = (
        client.get(path).get_data(as_text=True).split('name="read_as" value="')[1].split('"')[0]
    )
    crowded = {"r1-prison_code": "haren", "r1-capacity": "100", "r1-average_population": "1001"}
    refused = client.post(path, data={"csrf_token": csrf, "read_as": read_as, **_rows(crowded)})
    assert refused.status_code == 422
    assert "over ten times the capacity" in refused.get_data(as_text=True)
    with _db(app) as db:
        assert db.execute(statistics.select().where(statistics.c.year == 2027)).first() is None


def test_a_report_that_raises_leaves_the_others_working(
    reports_app, database_url, providers, monkeypatch
):
    app, client = reports_app, reports_app.test_client()
    registry = app.extensions["concerto.registry"]
    broken = registry.authorities["cocof"].reports[0]

    def fails(session, year, language):
        raise RuntimeError("the spreadsheet template is missing")

    monkeypatch.setattr(broken, "render", fails)
    login_as(client, app, "administrator")
    failed = client.get(f"/reports/cocof/rapport_action_sociale/{YEAR}")
    assert failed.status_code == 500
    assert "This report could not be made" in failed.get_data(as_text=True)
    assert _pdf_text(_download(client, "cocom", "verslag_rapport"))  # the others still work
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "the spreadsheet template is missing" in page
    # Another worker (another app on the same database) shows the administrator the same.
    other = make_app(database_url, **providers.settings())
    try:
        admin = other.test_client()
        login_as(admin, other, "administrator")
        assert "the spreadsheet template is missing" in admin.get(f"/reports?year={YEAR}").get_data(
            as_text=True
        )
    finally:
        other.extensions["concerto.db"].engine.dispose()
    # Mended, the report is made again and the failure is no longer shown.
    monkeypatch.undo()
    assert client.get(f"/reports/cocof/rapport_action_sociale/{YEAR}").status_code == 200
    page = client.get(f"/reports?year={YEAR}").get_data(as_text=True)
    assert "the spreadsheet template is missing" not in page


def test_concerto_report_writes_the_file_the_extension_asks_for(database_url, tmp_path):
    from tests.conftest import FIVE, run_cli

    env = {"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)}

    def report(*args):
        return run_cli("report", *args, env=env)

    output = tmp_path / "justitie.json"
    result = report("justitie", "--year", "2026", "--language", "nl", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert json.loads(output.read_text())["labels"]["rate"] == "Overbevolkingsgraad (%)"
    odt = tmp_path / "rapport.odt"
    assert report("federatie_wb", "--year", "2026", "-o", str(odt)).returncode == 0
    assert zipfile.is_zipfile(odt)
    wrong = report("justitie", "--year", "2026", "-o", str(tmp_path / "x.docx"))
    assert wrong.returncode != 0 and "csv, json" in wrong.stderr


def test_reports_name_authorities_and_states_in_words_not_codes(reports_app):
    app, client = reports_app, reports_app.test_client()
    login_as(client, app, ("cocom", "coordinator"))
    text = _pdf_text(_download(client, "cocom", "verslag_rapport"))
    for code in ("VLAAMS", "FEDERATIE_WB", "COCOF ", "in_progress"):
        assert code not in text, code
    assert "uitgevoerd" in text, "an action item's state in Dutch on the Dutch side"
    login_as(client, app, ("vlaams", "coordinator"))
    book = load_workbook(io.BytesIO(_download(client, "vlaams", "jaarverslag")))
    statuses = {row[2] for row in book["Acties"].iter_rows(min_row=3, values_only=True) if row[2]}
    assert statuses & {"gepland", "gestart", "lopend", "uitgevoerd"}
    assert not statuses & {"planned", "started", "ongoing", "done", "postponed"}
