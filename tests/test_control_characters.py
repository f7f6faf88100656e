"""Control characters (issue 18, points 1 and 6): one-line fields refuse them at the field
with a clear message, multi-line fields keep line feeds and tabs only, and text that is
stored anyway never breaks an export."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core.inventory.models import Service
from core.validation import clean_text, one_line
from tests.logins import api_token, csrf_token, login, login_as

PLACEMENT_FORM = "/vlaams/placement-sites/apply"
ONE_LINE_MESSAGE = "Write this on one line, without line breaks, tabs or invisible control"


def _placement(**changes) -> dict:
    return {
        "organisation": "Sportclub De Pijl",
        "legal_form": "non_profit",
        "kbo_number": "",
        "province": "brussel",
        "address": "Kanaalstraat 1, 1000 Brussel",
        "contact_name": "Ann Peeters",
        "contact_email": "ann@depijl.example",
        "language": "fr",
        "supervision": "Een vaste begeleider is elke dag aanwezig.",
        "work_offered": "Onderhoud van de sportvelden.",
        "daily_supervision": "1",
        "useful_work": "1",
        "hours_checked": "1",
        **changes,
    }


def _placement_sites(app) -> list[dict]:
    from concerto_vlaams.placements import placement_sites

    with app.extensions["concerto.db"].session() as db:
        return [dict(r._mapping) for r in db.execute(select(placement_sites))]


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("Org\r\nBcc: evil@x.example", False, (None, "one_line")),
        ("tab\there", False, (None, "one_line")),
        ("escape \x1b[31m", False, (None, "one_line")),
        ("C1 \x85 next line", False, (None, "one_line")),
        ("separator \u2028 line", False, (None, "one_line")),
        ("  Sportclub De Pijl  ", False, ("Sportclub De Pijl", None)),
        ("Lines\r\nof a text area\tand a tab", True, ("Lines\nof a text area\tand a tab", None)),
        ("vertical \x0b tab", True, (None, "control")),
        ("bell \x07", True, (None, "control")),
    ],
)
def test_the_shared_text_check_refuses_control_characters(value, multiline, expected):
    assert clean_text(value, limit=100, multiline=multiline) == expected


def test_a_mail_subject_is_kept_on_one_line_whatever_was_stored():
    assert one_line("Org\r\nBcc: evil@x.example") == "Org Bcc: evil@x.example"
    assert one_line("Name\x1b\x0b end") == "Name end"


def test_the_public_placement_form_refuses_a_line_break_in_the_organisation(app, client):
    client.get("/language/en")
    csrf = csrf_token(client, PLACEMENT_FORM)
    refused = client.post(
        PLACEMENT_FORM,
        data={"csrf_token": csrf, **_placement(organisation="Org\r\nBcc: evil@x.example")},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="e-organisation"' in page and ONE_LINE_MESSAGE in page
    assert _placement_sites(app) == []
    client.get("/language/nl")
    dutch = client.post(
        PLACEMENT_FORM, data={"csrf_token": csrf, **_placement(contact_name="Ann\x1bPeeters")}
    ).get_data(as_text=True)
    assert "Schrijf dit op één regel" in dutch
    # A text area's lines, as a browser sends them, are kept as lines.
    accepted = client.post(
        PLACEMENT_FORM,
        data={"csrf_token": csrf, **_placement(supervision="Elke dag.\r\nOok in het weekend.")},
    )
    assert accepted.status_code == 201
    (site,) = _placement_sites(app)
    assert site["supervision"] == "Elke dag.\nOok in het weekend."


def test_a_study_day_registration_refuses_control_characters_in_the_name(app, client):
    from core.studyday.models import Registration, StudyDay

    with app.extensions["concerto.db"].session() as db:
        event_id = db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )
        before = db.scalar(select(func.count()).select_from(Registration))
    client.get("/language/fr")
    answer = client.post(
        f"/events/{event_id}/register",
        data={
            "csrf_token": csrf_token(client, f"/events/{event_id}"),
            "name": "Nouvelle\x1b[2J Venue",
            "email": "nouvelle@example.be",
            "language": "fr",
        },
    )
    assert answer.status_code == 422
    assert "Écrivez ceci sur une seule ligne" in answer.get_data(as_text=True)
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(Registration)) == before


def test_the_api_refuses_a_control_character_in_a_service_name_and_keeps_text_lines(app):
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    headers = {"Authorization": f"Bearer {api_token(app, 'vlaams-lotte')}"}
    service = {
        "external_id": "VG-CTRL",
        "category": "sport",
        "name_nl": "Klimmen\x0b in de sportzaal",
        "name_fr": "Escalade",
        "description_nl": "Eerste regel.\nTweede regel.",
        "delivery": "group",
        "setting": "inside",
        "access": "on_request",
        "target_groups": ["sentenced"],
        "languages": ["nl"],
        "locations": [{"prison": "haren"}],
    }
    refused = client.post("/api/v1/services", json=service, headers=headers)
    assert refused.status_code == 422
    (error,) = refused.get_json()["errors"]
    assert (error["field"], error["code"]) == ("name_nl", "one_line")
    assert error["message"].startswith(ONE_LINE_MESSAGE)
    created = client.post(
        "/api/v1/services", json={**service, "name_nl": "Klimmen"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    with app.extensions["concerto.db"].session() as db:
        stored = db.scalar(select(Service).where(Service.external_id == "VG-CTRL"))
        assert stored.description_nl == "Eerste regel.\nTweede regel."


def test_stored_control_characters_never_break_an_export(app, client):
    """Text stored before the forms refused control characters: the exports leave out what
    a spreadsheet cannot hold instead of answering 500."""
    from openpyxl import load_workbook

    from core.studyday.models import Registration, StudyDay

    with app.extensions["concerto.db"].session() as db:
        service = db.scalar(select(Service).where(Service.external_id == "VG-07"))
        service.name_nl = "Bibliotheek\x0b in\x1b de gevangenis"
        event_id = db.scalar(
            select(StudyDay.id).where(StudyDay.kind == "study_day").order_by(StudyDay.year.desc())
        )
        day = db.get(StudyDay, event_id)
        registration = db.scalar(
            select(Registration).where(Registration.study_day_id == day.id).limit(1)
        )
        registration.name = "Esc\x1bape Name"
    login_as(client, app, "secretary")
    services = client.get("/services/export.xlsx")
    assert services.status_code == 200
    cells = {c for row in load_workbook(io.BytesIO(services.data)).active.values for c in row}
    assert "Bibliotheek in de gevangenis" in cells
    attendance = client.get(f"/events/{event_id}/attendance.xlsx")
    assert attendance.status_code == 200
    sheet = load_workbook(io.BytesIO(attendance.data)).active
    assert "Escape Name" in [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
