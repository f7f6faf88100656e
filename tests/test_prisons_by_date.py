"""Prisons by date, everywhere (issue 20): Vorst/Forest and Berkendael closed in 2022 and Haren
opened that year, so a year's coverage, indicator, exports and reports list the prisons open in
it. For 2021, 2022 (all four) and 2026 the indicator of goal 4.3, the /coverage page, its CSV, the API and each
authority's report (read back with openpyxl, odfpy, pypdf, csv and json) name the same gaps,
computed here from the stored services and the prisons' dates; the forms offer and accept only
prisons open when it matters."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core.goals import yearly
from core.goals.models import Indicator
from core.inventory.models import Need, Service, ServiceLocation
from core.reference.models import Prison, ServiceDomain
from core.reference.services import prisons_open
from tests.conftest import make_app
from tests.logins import csrf_token, login_as

# The prisons open in each year, from the reference data's dates written out by hand: the
# functions under test must arrive at the same lists.
OPEN = {
    2021: {"sint_gillis", "vorst", "berkendael"},
    2022: {"sint_gillis", "vorst", "berkendael", "haren"},
    2026: {"sint_gillis", "haren"},
}
CLOSED_IN_2022 = {"vorst", "berkendael"}


@pytest.fixture
def app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _db(app):
    return app.extensions["concerto.db"].session()


# --- the one function -----------------------------------------------------------------------


def test_the_prisons_open_in_a_year_or_on_a_day(app):
    with _db(app) as db:
        for year, expected in OPEN.items():
            assert {p.code for p in prisons_open(db, year)} == expected, year
        # Vorst closed on 31 October 2022, Haren opened on 30 September 2022.
        assert {p.code for p in prisons_open(db, on=date(2022, 10, 31))} == OPEN[2022]
        assert {p.code for p in prisons_open(db, on=date(2022, 11, 1))} == OPEN[2026]
        assert {p.code for p in prisons_open(db, on=date(2022, 9, 29))} == OPEN[2021]
        assert {p.code for p in prisons_open(db)} == OPEN[2026]  # today, in the demo's year
        vorst = db.get(Prison, "vorst")
        assert vorst.is_open_in(2022) and not vorst.is_open_in(2023)
        # A new indicator may follow a prison open today; Vorst's figures stay computable.
        with app.test_request_context():
            offered = {
                key.rpartition(":")[2] for key in yearly.source_labels(db) if ":prison:" in key
            }
        assert offered == OPEN[2026]
        assert "published_services:prison:vorst" in yearly.sources(db)


# --- the gaps, everywhere -------------------------------------------------------------------

# Services published in 2021 that still list a prison closed since: they cover Vorst and
# Berkendael in 2021 and only Sint-Gillis afterwards.
OLD_SERVICES = [
    ("cocof", "OLD-COCOF", ["vorst", "sint_gillis"], datetime(2021, 3, 1, tzinfo=UTC)),
    ("vlaams", "OLD-VLAAMS", ["berkendael"], datetime(2021, 5, 1, tzinfo=UTC)),
    ("federatie_wb", "OLD-FWB", ["vorst"], datetime(2021, 9, 1, tzinfo=UTC)),
    # Published after 2021: not part of 2021's coverage.
    ("justitie", "NEW-JUST", ["sint_gillis"], datetime(2023, 2, 1, tzinfo=UTC)),
]


def _add_old_services(app) -> None:
    registry = app.extensions["concerto.registry"]
    with _db(app) as db:
        for authority, external_id, prisons, published in OLD_SERVICES:
            term = registry.authorities[authority].vocabulary[0]
            service = Service(
                authority_code=authority,
                external_id=external_id,
                category=term.code,
                domain_code=term.domain,
                state="published",
                active=True,
                name_nl=f"Dienst {external_id}",
                name_fr=f"Service {external_id}",
                target_groups=[],
                languages=["nl", "fr"],
                extra={},
                published_at=published,
                updated_at=published,
            )
            service.locations = [ServiceLocation(prison_code=code) for code in prisons]
            db.add(service)
        db.commit()


def _expected(app, year: int, authority: str | None = None) -> set[tuple[str, str]]:
    """The gaps of ``year`` from the stored rows: every (prison open that year, domain) that
    no active service published by the year's end covers."""
    end = datetime(year + 1, 1, 1, tzinfo=UTC)  # Brussels midnight is earlier: no service
    with _db(app) as db:  # of ours is published within those hours
        domains = set(db.scalars(select(ServiceDomain.code)))
        query = (
            select(ServiceLocation.prison_code, Service.domain_code)
            .join(Service, Service.id == ServiceLocation.service_id)
            .where(Service.published_at.is_not(None), Service.published_at < end)
            .where(Service.active.is_(True))
        )
        if authority:
            query = query.where(Service.authority_code == authority)
        covered = {tuple(row) for row in db.execute(query)}
    return {(p, d) for p in OPEN[year] for d in domains} - covered


def _names(app, language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Name -> code of the prisons and the domains in ``language``."""
    with _db(app) as db:
        prisons = {p.local("name", language).text: p.code for p in db.scalars(select(Prison))}
        domains = {
            d.local("name", language).text: d.code for d in db.scalars(select(ServiceDomain))
        }
    return prisons, domains


def _page_gaps(client, app, year: int, authority: str = "") -> tuple[set, set, str]:
    """The /coverage page in Dutch: its gaps and its covered cells as codes, and its text."""
    prisons, domains = _names(app, "nl")
    response = client.get("/coverage", query_string={"year": year, "authority": authority})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = page[page.index('<table class="coverage">') : page.index("</table>")]
    header = [html.unescape(h) for h in re.findall(r'<th scope="col">([^<]*)</th>', table)]
    columns = [prisons[name] for name in header[1:]]
    gaps, covered = set(), set()
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S):
        domain = domains[html.unescape(row[: row.index("</th>")])]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert len(cells) == len(columns)
        for prison, cell in zip(columns, cells, strict=True):
            (gaps if 'class="gap"' in cell else covered).add((prison, domain))
    return gaps, covered, page


def _csv_gaps(client, app, year: int) -> set:
    prisons, domains = _names(app, "nl")
    response = client.get("/coverage.csv", query_string={"year": year})
    assert response.status_code == 200
    assert f"concerto-coverage-{year}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    columns = [prisons[name] for name in rows[0][1:]]
    return {
        (prison, domains[row[0]])
        for row in rows[1:]
        for prison, count in zip(columns, row[1:], strict=True)
        if count == "0"
    }


def _report(client, authority: str, code: str, year: int, lang: str | None = None) -> bytes:
    response = client.get(
        f"/reports/{authority}/{code}/{year}", query_string={"lang": lang} if lang else {}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _odf_rows(content: bytes, name: str | None = None) -> list[list[str]]:
    """The rows of the document's tables (of the one called ``name``), as text."""
    document = load(io.BytesIO(content))
    rows = []
    for table in document.getElementsByType(Table):
        if name is None or table.getAttribute("name") == name:
            for row in table.getElementsByType(TableRow):
                rows.append([teletype.extractText(c) for c in row.getElementsByType(TableCell)])
    return rows


def _covered_by_listing(rows, domains, prisons, domain_at: int, prisons_at: int) -> set:
    """(prison, domain) covered according to a report's list of services, each with its
    domain and its prisons joined by commas."""
    found = set()
    for row in rows:
        if len(row) > prisons_at and row[domain_at] in domains:
            for name in filter(None, (n.strip() for n in row[prisons_at].split(","))):
                found.add((prisons[name], domains[row[domain_at]]))
    return found


@pytest.mark.parametrize("year", [2021, 2022, 2026])
def test_indicator_page_csv_api_and_every_report_agree_on_the_gaps(app, year):
    _add_old_services(app)
    client = app.test_client()
    expected = _expected(app, year)
    assert expected, "the year has gaps to compare"
    closed = {p for p, _d in _expected(app, 2021)} - OPEN[year]
    assert closed == (CLOSED_IN_2022 if year == 2026 else set())

    # The indicator of goal 4.3.
    with _db(app) as db:
        indicator = db.scalar(select(Indicator).where(Indicator.source == "coverage_gaps"))
        assert yearly.live_values(db, [indicator], year)[indicator.id] == len(expected)

    # The page, its CSV and the API.
    client.get("/language/nl")
    gaps, covered, page = _page_gaps(client, app, year)
    assert gaps == expected
    assert f"{len(expected)} {'leemte' if len(expected) == 1 else 'leemtes'} in {year}." in page
    if year == 2026:
        assert (
            "Niet open in 2026, dus niet in de tabel: Gevangenis van Berkendael en Gevangenis van Vorst."
            in page
        )
    assert _csv_gaps(client, app, year) == expected
    api = client.get("/api/v1/coverage", query_string={"year": year}).get_json()
    assert set(api["prisons"]) == OPEN[year]
    assert {(g["prison"], g["domain"]) for g in api["gaps"]} == expected

    login_as(client, app, "secretary")
    client.get("/language/nl")

    # COCOM: the bilingual PDF lists the gaps, Dutch beside French.
    text = "\n".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(_report(client, "cocom", "verslag_rapport", year))).pages
    )
    for language in ("nl", "fr"):
        prisons, _domains = _names(app, language)
        for name, code in prisons.items():
            listed = len(re.findall(re.escape(name), text))
            assert listed == sum(1 for p, _d in expected if p == code), (language, name)

    # Justitie: every prison open in the year, a 0 under a domain is a gap.
    for language in ("nl", "fr"):
        prisons, domains = _names(app, language)
        content = _report(client, "justitie", "statistieken_csv", year, language)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        header = rows[0]
        listed = {prisons[row[0]] for row in rows[1:]}
        assert listed == OPEN[year]
        zeros = {
            (prisons[row[0]], domains[name])
            for row in rows[1:]
            for name, value in zip(header, row, strict=True)
            if name in domains and value == "0"
        }
        assert zeros == expected, language
    statistics = json.loads(_report(client, "justitie", "statistieken_json", year, "nl"))
    assert {p["code"] for p in statistics["prisons"]} == OPEN[year]

    # The other authorities list their own services: the (prison, domain) pairs they cover
    # are those /coverage shows covered for the authority, in open prisons only.
    with _db(app) as db:
        every_pair = {(p, d) for p in OPEN[year] for d in db.scalars(select(ServiceDomain.code))}
    for authority in ("vlaams", "cocof", "federatie_wb"):
        _gaps, covered, _page = _page_gaps(client, app, year, authority)
        assert covered == every_pair - _expected(app, year, authority), authority

        if authority == "vlaams":
            prisons, domains = _names(app, "nl")
            book = load_workbook(io.BytesIO(_report(client, "vlaams", "jaarverslag", year)))
            offer = [r for r in book["Aanbod"].iter_rows(values_only=True) if r and r[0]]
            found, prison = set(), None
            for row in offer:
                heading = re.match(r"(.+): \d+ diensten$", str(row[0]))
                if heading:
                    prison = prisons[heading.group(1)]
                elif prison and row[0] in domains:
                    found.add((prison, domains[row[0]]))
            staffing = [r for r in book["Personeel"].iter_rows(values_only=True) if r and r[0]]
            staffed = next((r for r in staffing if r[0] == "Functie"), ())
            assert {prisons[n] for n in staffed[1:-1]} <= OPEN[year]
        elif authority == "cocof":
            prisons, domains = _names(app, "fr")
            content = _report(client, "cocof", "rapport_action_sociale", year)
            found = _covered_by_listing(_odf_rows(content, "Services"), domains, prisons, 2, 3)
        else:
            prisons, domains = _names(app, "fr")
            content = _report(client, "federatie_wb", "rapport_activites_odt", year)
            rows = _odf_rows(content)
            found = _covered_by_listing(rows, domains, prisons, 1, 2)
            activities = [r for r in rows if len(r) == 4 and r[0] in prisons]
            assert {prisons[r[0]] for r in activities} <= OPEN[year]
            pdf = "\n".join(
                p.extract_text()
                for p in PdfReader(
                    io.BytesIO(_report(client, "federatie_wb", "rapport_activites_pdf", year))
                ).pages
            )
            for name, code in prisons.items():
                if code not in OPEN[year]:
                    assert name not in pdf
        assert found == covered, authority


def test_a_year_that_is_no_year_is_said_at_the_field(app):
    client = app.test_client()
    response = client.get("/coverage?year=20x6")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give a year between 2000 and 2100." in page and 'aria-invalid="true"' in page
    assert 'value="20x6"' in page  # what was typed stays
    assert client.get("/coverage.csv?year=1999").status_code == 400
    assert client.get("/api/v1/coverage?year=3000").status_code == 400


# --- figures and forms ----------------------------------------------------------------------


def _read_as(page: str) -> str:
    return page.split('name="read_as" value="')[1].split('"')[0]


def test_figures_offer_and_accept_the_prisons_open_in_their_year(app):
    from concerto_justitie.reports import statistics

    client = app.test_client()
    login_as(client, app, ("justitie", "coordinator"))
    client.get("/language/nl")
    for year in (2021, 2026):
        path = f"/authorities/justitie/figures/prison_statistics/{year}"
        page = client.get(path).get_data(as_text=True)
        select_ = page[page.index('name="r1-prison_code"') : page.index("</select>")]
        offered = set(re.findall(r'<option value="(\w+)"', select_))
        assert offered == OPEN[year], year
    path = "/authorities/justitie/figures/prison_statistics/2026"
    page = client.get(path).get_data(as_text=True)
    row = {"r1-prison_code": "vorst", "r1-capacity": "405", "r1-average_population": "619"}
    refused = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "read_as": _read_as(page),
            "rows": "2",
            **row,
        },
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="e1-prison_code"' in text
    assert "Deze gevangenis was dat jaar niet open." in text
    # The refused row is shown as typed, its prison named and marked closed.
    assert re.search(r'value="vorst" selected>Gevangenis van Vorst \(gesloten\)<', text)
    with _db(app) as db:
        stored = db.execute(statistics.select().where(statistics.c.year == 2026)).all()
        assert [(r.prison_code, r.average_population) for r in stored] == [
            ("haren", Decimal("1302.4"))
        ]
    # The same row for 2021 is a figure of that year.
    path = "/authorities/justitie/figures/prison_statistics/2021"
    page = client.get(path).get_data(as_text=True)
    saved = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "read_as": _read_as(page),
            "rows": "2",
            **row,
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]


def test_the_service_form_refuses_to_add_a_closed_prison_but_keeps_one_already_there(app):
    client = app.test_client()
    login_as(client, app, ("vlaams", "coordinator"))
    client.get("/language/fr")
    path = "/services/new"
    form = {
        "csrf_token": csrf_token(client, path),
        "external_id": "VG-88",
        "category": app.extensions["concerto.registry"].authorities["vlaams"].vocabulary[0].code,
        "name_nl": "Schaken",
        "name_fr": "Échecs",
        "delivery": "group",
        "setting": "inside",
        "access": "on_request",
        "loc_vorst": "1",
        "loc_haren": "1",
    }
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert "Cette prison est fermée\u00a0: choisissez-en une ouverte." in refused.get_data(
        as_text=True
    )
    with _db(app) as db:
        assert db.scalar(select(Service).where(Service.external_id == "VG-88")) is None
    created = client.post(path, data={k: v for k, v in form.items() if k != "loc_vorst"})
    assert created.status_code == 302
    service_id = int(created.location.rsplit("/", 1)[1])
    with _db(app) as db:
        db.add(ServiceLocation(service_id=service_id, prison_code="vorst"))
        db.commit()
    # Kept as it was (to be taken off when the coordinator chooses), and taken off.
    edit = f"/services/{service_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    kept = client.post(
        edit, data={**form, "csrf_token": csrf_token(client, edit), "version": version}
    )
    assert kept.status_code == 302, kept.get_data(as_text=True)[:800]


def test_a_need_and_a_meeting_name_only_a_prison_open_when_it_matters(app):
    client = app.test_client()
    login_as(client, app, ("cocof", "member"))
    client.get("/language/nl")
    path = "/needs/new"
    page = client.get(path).get_data(as_text=True)
    select_ = page[
        page.index('id="f-prison"') : page.index("</select>", page.index('id="f-prison"'))
    ]
    assert set(re.findall(r'<option value="(\w+)"', select_)) == OPEN[2026]
    refused = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "prison": "berkendael",
            "domain": "sport",
            "description_nl": "Geen sport voor vrouwen.",
        },
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Deze gevangenis is gesloten: kies er een die open is." in text
    assert "Geen sport voor vrouwen." in text  # nothing typed is lost
    with _db(app) as db:
        assert db.scalar(select(Need).where(Need.prison_code == "berkendael")) is None

    login_as(client, app, "secretary")
    client.get("/language/nl")
    path = "/bodies/1/meetings/new"
    page = client.get(path).get_data(as_text=True)
    start = page.index('name="prison"')
    assert (
        set(re.findall(r'<option value="(\w+)"', page[start : page.index("</select>", start)]))
        == (OPEN[2026])
    )
    meeting = {
        "csrf_token": csrf_token(client, path),
        "title_nl": "Werkgroep vrouwen",
        "title_fr": "Groupe de travail femmes",
        "date": "2026-03-10",
        "start_time": "10:00",
        "duration_minutes": "90",
        "place_kind": "prison",
        "prison": "berkendael",
    }
    refused = client.post(path, data=meeting)
    assert refused.status_code == 422
    assert "Deze gevangenis is niet open op de datum van de vergadering." in refused.get_data(
        as_text=True
    )
    # A meeting of 2021 in Berkendael (recorded afterwards) was held where it could be.
    assert client.post(path, data={**meeting, "date": "2021-03-10"}).status_code == 302


def test_the_search_offers_a_closed_prison_only_while_a_service_lists_it(app):
    client = app.test_client()
    client.get("/language/nl")

    def offered() -> set[str]:
        page = client.get("/services").get_data(as_text=True)
        start = page.index('id="facet-prison"')
        return set(
            re.findall(r'<option value="(\w+)"', page[start : page.index("</select>", start)])
        )

    assert offered() == OPEN[2026]
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"<dt>Gevangenissen</dt><dd>2</dd>", home), "the prisons open today"
    _add_old_services(app)  # published services that still list Vorst and Berkendael
    assert offered() == OPEN[2026] | CLOSED_IN_2022
