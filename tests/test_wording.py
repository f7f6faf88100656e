"""Words, not codes, in the reader's language: authorities by name on pages, charts, exports
and e-mails; texts stored per language shown in the reader's one; plurals, genders and dates
written one way; CSV figures with the decimal comma where the separator is a semicolon."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core.meetings.models import Body
from core.studyday.models import StudyDay
from tests.logins import login_as

PLAN = "brussels_2014_2019"
CODES = ("FEDERATIE_WB", "VLAAMS", "JUSTITIE", "COCOF ", "(COCOF)", "federatie_wb", "vlaams")


def _db(app):
    return app.extensions["concerto.db"].session()


def _french(client):
    client.get("/language/fr")
    return client


def _svg(page: str) -> str:
    return "".join(re.findall(r"<svg.*?</svg>", page, re.S))


def test_the_dashboard_chart_names_the_authorities_in_the_readers_language(client):
    page = _french(client).get(f"/plans/{PLAN}/dashboard").get_data(as_text=True)
    chart = _svg(page)
    # The committee's plan (the Flemish Community's own steps are in its own plan, issue 24).
    assert "FWB" in chart
    assert "FEDERATIE_WB" not in chart.upper().replace("FWB", "")
    assert "Fédération Wallonie-Bruxelles" in page


def test_the_dashboard_spreadsheet_and_pdf_name_the_authorities(client):
    _french(client)
    book = load_workbook(io.BytesIO(client.get(f"/plans/{PLAN}/dashboard.xlsx").data))
    leads = [row[0] for row in book.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert "Fédération Wallonie-Bruxelles" in leads and "federatie_wb" not in leads
    pdf = PdfReader(io.BytesIO(client.get(f"/plans/{PLAN}/dashboard.pdf").data))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Fédération Wallonie-Bruxelles" in text and "federatie_wb" not in text


def test_attendance_per_authority_names_them_in_the_chart(app, client):
    login_as(client, app, ("vlaams", "viewer"))
    with _db(app) as db:
        committee = db.scalars(select(Body).order_by(Body.id)).first()
    _french(client)
    page = client.get(f"/bodies/{committee.id}/attendance").get_data(as_text=True)
    chart = _svg(page)
    assert "Flandre" in chart and "SPF Justice" in chart
    assert not any(code in chart for code in CODES)


def test_the_registrations_list_and_its_files_name_the_authority(app, client):
    login_as(client, app, "secretary")
    with _db(app) as db:
        event_id = db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )
    _french(client)
    page = client.get(f"/events/{event_id}/registrations").get_data(as_text=True)
    assert "CAW Brussel (Flandre)" in page
    assert "(VLAAMS)" not in page and "(FEDERATIE_WB)" not in page
    sheet = load_workbook(io.BytesIO(client.get(f"/events/{event_id}/attendance.xlsx").data)).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "Communauté flamande" in cells and not {"VLAAMS", "vlaams", "FEDERATIE_WB"} & cells
    assert "néerlandais" in cells and "nl" not in cells
    # The list is in the reader's language, each badge in its bearer's.
    for document, name in (("attendance.pdf", "Flandre"), ("badges.pdf", "Vlaanderen")):
        pdf = PdfReader(io.BytesIO(client.get(f"/events/{event_id}/{document}").data))
        text = "".join(p.extract_text() for p in pdf.pages)
        assert name in text and "VLAAMS" not in text, document


def test_coverage_counts_one_service_in_the_singular(client):
    page = _french(client).get("/coverage").get_data(as_text=True)
    hidden = re.findall(r'<span class="visually-hidden">([^<]*)</span>', page)
    assert "1 service" in hidden and "1 services" not in hidden
    assert "2 services" in hidden


def test_filters_offer_all_of_a_kind_in_agreement(client):
    page = _french(client).get("/coverage").get_data(as_text=True)
    assert ">Toutes les autorités</option>" in page and ">Toutes les langues</option>" in page
    assert ">tous</option>" not in page
    search = client.get("/services").get_data(as_text=True)
    assert ">Tous les domaines</option>" in search and ">tous</option>" not in search


def test_attendance_chart_agrees_in_number(app, client):
    login_as(client, app, ("vlaams", "viewer"))
    with _db(app) as db:
        committee = db.scalars(select(Body).order_by(Body.id)).first()
    _french(client)
    chart = _svg(client.get(f"/bodies/{committee.id}/attendance").get_data(as_text=True))
    said = re.findall(r">(\d+) (présents?|excusés?|absents?)</text>", chart)
    assert said and all((int(n) > 1) == word.endswith("s") for n, word in said)


def test_the_outbox_has_a_name_in_dutch(app, client):
    login_as(client, app, "secretary")
    client.get("/language/nl")
    page = client.get("/outbox").get_data(as_text=True)
    assert "<h1>Uitgaande berichten</h1>" in page and "Outbox" not in page


def test_an_invitation_says_the_meeting_and_its_date_as_the_page_does(app, client):
    from core.mail.models import OutboxMessage
    from core.meetings.models import Meeting
    from tests.logins import csrf_token

    login_as(client, app, "secretary")
    with _db(app) as db:
        meeting = db.scalar(
            select(Meeting).where(Meeting.state == "planned", Meeting.with_prison_directors)
        )
        meeting_id = meeting.id
    client.post(
        f"/meetings/{meeting_id}/invite", data={"csrf_token": csrf_token(client, "/meetings")}
    )
    with _db(app) as db:
        sent = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "meeting_invitation")
        ).all()
        french = next(m for m in sent if m.language == "fr")
        dutch = next(m for m in sent if m.language == "nl")
    for language, message, sentence, wrong in (
        ("fr", french, "Vous êtes invité à la réunion suivante : Comité de concertation", "(e)"),
        (
            "nl",
            dutch,
            "U bent uitgenodigd voor de volgende vergadering: Overlegcomité",
            "op Overleg",
        ),
    ):
        client.get(f"/language/{language}")
        page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
        shown = re.search(r"<title>[^,]*, (\d[\d/: ]+\d)", page).group(1)
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", shown)
        assert message.subject.endswith(shown), (message.subject, shown)
        assert sentence in message.body and wrong not in message.body
        assert f"{shown}." in message.body


def test_a_semicolon_csv_writes_decimals_with_a_comma(app, client):
    import csv

    login_as(client, app, ("justitie", "coordinator"))
    response = client.get("/reports/justitie/statistieken_csv/2026", query_string={"lang": "fr"})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    rate = rows[0].index("Taux de surpopulation (%)")
    values = [row[rate] for row in rows[1:] if row[rate]]
    assert values and all(re.fullmatch(r"-?\d+(,\d+)?", v) for v in values), values
    assert any("," in v for v in values)


def test_every_authoritys_categories_are_named_in_three_languages(app):
    registry = app.extensions["concerto.registry"]
    for authority in registry.authorities.values():
        for term in authority.vocabulary:
            assert all(term.labels.get(lang) for lang in ("nl", "fr", "en")), (
                authority.code,
                term.code,
            )


def test_a_french_service_page_shows_its_french_name_and_category_only(app, client):
    from core.inventory.models import Service

    with _db(app) as db:
        service = db.scalar(
            select(Service)
            .where(
                Service.authority_code == "vlaams",
                Service.category == "psychosociale_hulp",
                Service.published_at.is_not(None),
                Service.name_fr.is_not(None),
            )
            .order_by(Service.id)
        )
        names = (service.name_nl, service.name_fr, service.name_en)
    page = _french(client).get(f"/services/{service.id}").get_data(as_text=True)
    main = page[page.index("<main") :]
    assert f"<h1>{names[1]}</h1>" in main
    assert names[0] not in main and (not names[2] or names[2] not in main)
    assert "Aide psychosociale (CAW)" in main and "Psychosociale hulpverlening" not in main


def test_snapshot_comparisons_name_services_and_fields_in_the_readers_language(app, client):
    login_as(client, app, "secretary")
    _french(client)
    page = client.get("/snapshots", query_string={"from": 2025, "to": 2026}).get_data(as_text=True)
    changed = page[page.index("<h3>Services modifiés</h3>") :]
    items = re.findall(r"<li>(.*?)</li>", changed, re.S)
    assert items and items[0] != "aucun"
    for item in items:
        name, _sep, fields = item.rpartition(": ")
        assert 'lang="nl"' not in name, item
        assert not re.search(
            r"\b(prisons|target_groups|languages|capacity|name_nl|domain)\b", fields
        )


def test_a_sessions_theme_is_shown_in_the_readers_language(app, client):
    with _db(app) as db:
        event_id = db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )
    page = _french(client).get(f"/events/{event_id}").get_data(as_text=True)
    assert "<td>Coopération</td>" in page and "Samenwerking</td>" not in page
    client.get("/language/nl")
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "<td>Samenwerking</td>" in page


def test_the_coverage_csv_names_domains_and_prisons(client):
    import csv

    text = _french(client).get("/coverage.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Domaine" and "Prison de Haren" in rows[0]
    assert "Sport" in [row[0] for row in rows] and "sport" not in [row[0] for row in rows]
    assert "Aide sociale et psychologique" in [row[0] for row in rows]


def test_french_headings_put_a_space_before_the_colon(app, client):
    login_as(client, app, "secretary")
    with _db(app) as db:
        event_id = db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )
        committee = db.scalars(select(Body).order_by(Body.id)).first()
    _french(client)
    page = client.get(f"/events/{event_id}/registrations").get_data(as_text=True)
    assert "<h1>Inscriptions : Journée d" in page
    assert "<title>Inscriptions : Journée d" in page
    page = client.get(f"/bodies/{committee.id}/attendance").get_data(as_text=True)
    assert re.search(r"<h1>Présences par autorité \d{4} : Comité de concertation</h1>", page)
