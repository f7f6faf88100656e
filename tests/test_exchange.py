"""Importing and exporting services: all or nothing, idempotent, errors by row and column in
the reader's language, spreadsheet formulas neutralised, files read back by independent
readers."""

from __future__ import annotations

import csv
import io
import json
import re
import time

from odf.opendocument import load as load_ods
from odf.table import TableCell, TableRow
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.audit.services import acting_as
from core.inventory import exchange
from core.inventory import services as inventory
from core.inventory.models import Service
from core.permissions import Principal
from tests.conftest import FIVE, make_app, run_cli
from tests.logins import csrf_token, login

HEADER = "external_id,category,name_nl,name_fr,prisons,schedule,target_groups,languages"
GOOD = [
    "VG-50,sport,Zwemmen,Natation,haren,FREQ=WEEKLY;BYDAY=MO,sentenced,nl|fr",
    "VG-51,onderwijs,Wiskunde,Mathématiques,haren|sint_gillis,,sentenced|remand,nl",
]


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _upload(client, data: bytes, name: str, dry_run: bool):
    """Send a file, then follow the job's page until the background check is done."""
    form = {"csrf_token": csrf_token(client, "/services/import"), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "1"
    sent = client.post("/services/import", data=form, content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    for _ in range(200):
        page = client.get(sent.location)
        if "hx-trigger" not in page.get_data(as_text=True):
            return page
        time.sleep(0.05)
    raise AssertionError("the import never finished")


def _services(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(Service))


def test_a_dry_run_checks_and_stores_nothing_then_the_import_stores_all(app, client):
    login(client, "vlaams", "vlaams-lotte")
    before = _services(app)
    checked = _upload(client, _csv(*GOOD), "nieuw.csv", dry_run=True)
    assert checked.status_code == 200
    assert "2 new, 0 changed, 0 unchanged" in checked.get_data(as_text=True)
    assert _services(app) == before
    stored = _upload(client, _csv(*GOOD), "nieuw.csv", dry_run=False)
    assert "2 new" in stored.get_data(as_text=True)
    assert _services(app) == before + 2
    # The same file again changes nothing.
    again = _upload(client, _csv(*GOOD), "nieuw.csv", dry_run=False)
    assert "0 new, 0 changed, 2 unchanged" in again.get_data(as_text=True)
    assert _services(app) == before + 2
    with app.extensions["concerto.db"].session() as db:
        service = db.scalar(select(Service).where(Service.external_id == "VG-51"))
        assert sorted(service.prison_codes()) == ["haren", "sint_gillis"]
        assert service.state == "draft" and service.authority_code == "vlaams"


def test_one_bad_row_stores_nothing_and_every_problem_is_named_in_the_readers_language(app, client):
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/fr")
    before = _services(app)
    response = _upload(
        client,
        _csv(
            GOOD[0],
            "VG-52,geen-categorie,Iets,Quelque chose,haren,elke dinsdag,,nl",
            "VG-53,sport,Lopen,Course,nergens,,,xx",
        ),
        "fouten.csv",
        dry_run=False,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _services(app) == before, "all or nothing"
    assert "rien n'a été enregistré" in page
    rows = set(re.findall(r'<td class="number"[^>]*>(\d+)</td><td[^>]*><code>([^<]*)</code>', page))
    assert rows == {
        ("2", "category"),
        ("2", "locations.0.schedule"),
        ("3", "languages"),
        ("3", "locations.0.prison"),
    }
    assert "Choisissez une des catégories de votre autorité." in page


def test_files_with_a_wrong_encoding_unknown_columns_or_duplicates_are_refused(app, client):
    login(client, "vlaams", "vlaams-lotte")
    before = _services(app)
    latin = _csv("VG-60,sport,Één,Un,haren,,,nl").decode().encode("latin-1")
    cases = {
        "latin.csv": (latin, "not in UTF-8"),
        "extra.csv": (
            b"external_id,category,colour\nVG-61,sport,red\n",
            "This column is not known",
        ),
        "twice.csv": (_csv(GOOD[0], GOOD[0]), "appears twice"),
        "big.csv": (b"x" * (5 * 1024 * 1024 + 10), "larger than 5 MB"),
        "notes.txt": (b"hello", "Send a CSV, XLSX or JSON file"),
    }
    for name, (data, message) in cases.items():
        response = _upload(client, data, name, dry_run=False)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert _services(app) == before


def test_xlsx_and_json_import_the_same_way(app, client):
    login(client, "vlaams", "vlaams-lotte")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["VG-70", "sport", "Yoga", "Yoga", "haren", None, "women", "nl|fr"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    stored = _upload(client, buffer.getvalue(), "yoga.xlsx", dry_run=False)
    assert "1 new" in stored.get_data(as_text=True)
    document = json.dumps(
        {
            "services": [
                {
                    "external_id": "VG-71",
                    "category": "sport",
                    "name_nl": "Dans",
                    "name_fr": "Danse",
                    "locations": [{"prison": "haren", "places": 6}],
                }
            ]
        }
    ).encode()
    stored = _upload(client, document, "dans.json", dry_run=False)
    assert "1 new" in stored.get_data(as_text=True)
    with app.extensions["concerto.db"].session() as db:
        dance = db.scalar(select(Service).where(Service.external_id == "VG-71"))
        assert dance.locations[0].places == 6


def test_only_coordinators_import_and_only_for_their_own_authority(app, client):
    login(client, "vlaams", "vlaams-sofie")  # a member
    assert client.get("/services/import").status_code == 403


def test_the_page_shows_the_progress_of_a_long_import(app, client, monkeypatch):
    login(client, "vlaams", "vlaams-lotte")
    # Checking a row takes well under a millisecond; a slower check makes the 600 rows take
    # long enough for the page to be polled while they are being checked.
    check = inventory.check

    def slow_check(*args, **kwargs):
        time.sleep(0.003)
        return check(*args, **kwargs)

    monkeypatch.setattr(inventory, "check", slow_check)
    rows = [f"VG-{n},sport,Sport {n},Sport {n},haren,,,nl" for n in range(1000, 1600)]
    form = {
        "csrf_token": csrf_token(client, "/services/import"),
        "file": (io.BytesIO(_csv(*rows)), "groot.csv"),
        "dry_run": "1",
    }
    sent = client.post("/services/import", data=form, content_type="multipart/form-data")
    seen = set()
    for _ in range(400):
        answer = client.get(sent.location + "/progress")
        fragment = answer.get_data(as_text=True)
        assert answer.status_code == 200, fragment[:3000]
        if "hx-trigger" not in fragment:
            break  # the job ended: the result replaced the progress
        # Before its rows are checked the job waits for a worker, without a progress bar.
        found = re.search(r'<progress id="job-progress" max="(\d+)" value="(\d+)"', fragment)
        if found:
            seen.add((int(found.group(1)), int(found.group(2))))
        time.sleep(0.02)
    assert "600 new" in fragment
    assert any(0 < done < total for total, done in seen), f"progress was shown: {sorted(seen)}"
    other = app.test_client()
    login(other, "vlaams", "vlaams-jonas")
    assert other.get(sent.location).status_code == 404, "a job is its owner's"


def test_exports_are_read_back_by_independent_readers_with_formulas_neutralised(app, client):
    with app.extensions["concerto.db"].session() as db:
        service = db.scalar(select(Service).where(Service.external_id == "VG-07"))
        service.contact_name = '=HYPERLINK("http://evil")'
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/services/export.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert len(rows) == 59
    library = next(row for row in rows if row["external_id"] == "VG-07")
    assert library["contact_name"].startswith("'=")
    workbook = load_workbook(io.BytesIO(client.get("/services/export.xlsx").data))
    values = list(workbook.active.iter_rows(values_only=True))
    assert len(values) == 60 and values[0][0] == "external_id"
    assert any(str(cell).startswith("'=HYPERLINK") for row in values for cell in row if cell)
    document = load_ods(io.BytesIO(client.get("/services/export.ods").data))
    table_rows = document.spreadsheet.getElementsByType(TableRow)
    assert len(table_rows) == 60
    first_cells = [str(cell) for cell in table_rows[0].getElementsByType(TableCell)][:2]
    assert first_cells == ["external_id", "category"]
    body = client.get("/services/export.json?authority=cocof").get_json()
    assert {row["external_id"][:2] for row in body["services"]} == {"CF"}


def test_the_command_line_imports_with_a_dry_run_and_exports(database_url, tmp_path):
    path = tmp_path / "nieuw.csv"
    path.write_bytes(_csv(*GOOD))
    env = {"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)}
    dry = run_cli("import", "--authority", "vlaams", "--dry-run", str(path), env=env)
    assert dry.returncode == 0, dry.stderr
    assert "2 new, 0 changed, 0 unchanged; checked only" in dry.stdout
    stored = run_cli("import", "--authority", "vlaams", str(path), env=env)
    assert "2 new" in stored.stdout and "stored" in stored.stdout
    bad = tmp_path / "fout.csv"
    bad.write_bytes(_csv("VG-90,sport,X,X,nergens,,,nl"))
    refused = run_cli(
        "import", "--authority", "vlaams", str(bad), env={**env, "LANG": "fr_BE.UTF-8"}
    )
    assert refused.returncode == 1
    assert (
        "row 1, column locations.0.prison: Cette valeur est inconnue. (nergens)" in refused.stderr
    )
    out = tmp_path / "hsds.json"
    exported = run_cli("export", "--format", "hsds", "--language", "fr", "-o", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(out.read_text())["services"]) == 60


def test_a_row_names_its_organisation_by_the_organisations_own_identifier(database_url):
    """The organisation that provides a service is named in a file by its own identifier,
    one of the authority's: stored as that organisation, an unknown one (or another
    authority's) refused with the row's other problems, an empty cell for none. The export
    writes the identifier, so an exported row imports unchanged."""
    app = make_app(database_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    lotte = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )

    def run(data: bytes) -> exchange.Report:
        rows = exchange.read_rows(data, "services.csv")
        with database.session() as session, acting_as(lotte):
            report = exchange.import_services(session, authority, rows, lotte, dry_run=False)
            if report.committed:
                session.commit()
        return report

    def lines(*rows: str) -> bytes:
        header = "external_id,category,name_nl,name_fr,prisons,organization"
        return ("\n".join([header, *rows]) + "\n").encode()

    swim = "VG-80,sport,Zwemmen,Natation,haren,VG-ORG-1"
    refused = run(lines(swim, "VG-81,sport,Lopen,Course,nergens,CF-ORG-1"))
    assert not refused.committed
    assert {(p.row, p.column, p.code, p.value) for p in refused.problems} == {
        (2, "organization", "unknown", "CF-ORG-1"),  # COCOF's, not the Flemish Community's
        (2, "locations.0.prison", "unknown", "nergens"),
    }
    stored = run(lines(swim, "VG-81,sport,Lopen,Course,haren,"))
    assert stored.committed and stored.created == ["VG-80", "VG-81"]
    with database.session() as session:
        found = {
            s.external_id: s
            for s in session.scalars(select(Service).where(Service.external_id.like("VG-8_")))
        }
        assert found["VG-80"].organization.external_id == "VG-ORG-1"
        assert found["VG-81"].organization_id is None
        exported = {
            row["external_id"]: row
            for row in exchange.export_rows(session, inventory.Filters(authority="vlaams"))
        }
    # The demo's VG-01 is provided by VG-ORG-1, its library VG-07 by none of them.
    assert exported["VG-01"]["organization"] == "VG-ORG-1"
    assert exported["VG-07"]["organization"] == ""
    again = run(exchange.to_csv([exported["VG-01"], exported["VG-07"]]))
    assert again.committed and again.unchanged == ["VG-01", "VG-07"] and not again.updated
    cleared = run(lines("VG-80,sport,Zwemmen,Natation,haren,"))
    assert cleared.updated == ["VG-80"]
    with database.session() as session:
        swimming = session.scalar(select(Service).where(Service.external_id == "VG-80"))
        assert swimming.organization_id is None
