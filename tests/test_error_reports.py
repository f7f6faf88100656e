"""Report an error (issue 23): anyone reading a published service, without logging in, reports
what is wrong in it; the report reaches the coordinators of the service's authority (an event
for their work list and e-mail, and their page of reports), who read and close it. Bad input
is refused with a clear message and nothing stored: an empty or too long report, a wrong
address; a robot filling the hidden field gets the thank-you page and nothing is stored; a
client sending too many is stopped. Only the owning authority's coordinators and the
secretariat close a report. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.events.models import Event
from core.inventory import error_reports
from core.inventory.models import ErrorReport, Service
from tests.conftest import make_app
from tests.logins import csrf_token, login, login_as


@pytest.fixture
def report_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _service(app, external_id: str) -> Service:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service).where(Service.external_id == external_id))


def _reports(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(ErrorReport))


def _events(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).where(Event.kind == "error_reported"))


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def _send(client, service_id: int, **fields):
    path = f"/services/{service_id}"
    token = csrf_token(client, path)
    return client.post(f"{path}/report", data={"csrf_token": token, **fields})


def test_anyone_reports_an_error_and_the_authoritys_coordinators_read_it(report_app):
    service = _service(report_app, "VG-13")  # Gezondheidsvoorlichting, Flemish
    reader = report_app.test_client()
    page = reader.get(f"/services/{service.id}")
    assert "Report an error in this service" in _text(page)
    assert "no names or other personal data about detainees" in _text(page)
    assert 'name="leave_this_empty"' in page.get_data(as_text=True)
    sent = _send(
        reader,
        service.id,
        text="De sessies zijn nu op woensdag, niet meer op dinsdag.",
        contact_email="Lezer@Example.ORG",
    )
    assert sent.status_code == 302 and sent.location.endswith(f"/services/{service.id}/reported")
    thanks = reader.get(sent.location)
    assert thanks.status_code == 200 and "Thank you for your report" in _text(thanks)
    with report_app.extensions["concerto.db"].session() as db:
        report = db.scalar(select(ErrorReport).order_by(ErrorReport.id.desc()))
        assert report.service_id == service.id and report.status == "open"
        assert report.contact_email == "Lezer@example.org" and report.language == "en"
        event = db.scalar(
            select(Event).where(Event.kind == "error_reported").order_by(Event.id.desc())
        )
        assert (event.record_kind, event.record_id, event.authority_code) == (
            "service",
            service.id,
            "vlaams",
        )
        assert event.data == {"report_id": report.id} and event.actor_user_id is None
        # What My work lists for the Flemish coordinators, and not for COCOF's.
        assert report.id in {r.id for r in error_reports.open_reports(db, "vlaams")}
        assert report.id not in {r.id for r in error_reports.open_reports(db, "cocof")}
        # The reader's address stays out of the audit log.
        audited = db.scalar(
            select(AuditEntry).where(
                AuditEntry.table_name == "error_reports", AuditEntry.record_id == str(report.id)
            )
        )
        assert audited is not None and "contact_email" not in audited.after
    lotte = report_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    listed = _text(lotte.get("/services/error-reports"))
    assert "De sessies zijn nu op woensdag" in listed and "Lezer@example.org" in listed
    camille = report_app.test_client()
    login(camille, "cocof", "cocof-camille")
    assert "De sessies zijn nu op woensdag" not in _text(camille.get("/services/error-reports"))
    secretary = report_app.test_client()
    login_as(secretary, report_app, "secretary")
    assert "De sessies zijn nu op woensdag" in _text(secretary.get("/services/error-reports"))
    member = report_app.test_client()
    login(member, "cocof", "cocof-julien")
    assert member.get("/services/error-reports").status_code == 403
    assert reader.get("/services/error-reports").status_code == 302  # to the login


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"text": "   "}, "Write what is wrong in this service.", "text"),
        ({"text": "fout"}, "Say a little more", "text"),
        ({"text": "x" * 2001}, "Write at most 2,000 characters.", "text"),
        (
            {"text": "Het adres klopt niet meer.", "contact_email": "geen adres"},
            "Give an e-mail address such as name@example.be.",
            "contact_email",
        ),
        ({"text": "Het adres\x07 klopt niet."}, "Remove the invisible control characters", "text"),
    ],
    ids=["empty", "too-short", "too-long", "bad-address", "control-characters"],
)
def test_a_bad_report_is_refused_with_a_clear_message_and_nothing_stored(
    report_app, fields, message, field
):
    service = _service(report_app, "VG-13")
    before, told = _reports(report_app), _events(report_app)
    reader = report_app.test_client()
    answer = _send(reader, service.id, **fields)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert message in _text(answer)
    assert f'id="e-{field}"' in page and 'aria-invalid="true"' in page
    assert '<details class="report-error" id="report" open>' in page  # the form stays open
    if field == "contact_email":
        assert "Het adres klopt niet meer." in page  # nothing typed is lost
    assert _reports(report_app) == before and _events(report_app) == told


def test_a_robot_filling_the_hidden_field_gets_the_thank_you_page_and_nothing_is_stored(
    report_app,
):
    service = _service(report_app, "VG-13")
    before, told = _reports(report_app), _events(report_app)
    robot = report_app.test_client()
    answer = _send(robot, service.id, text="Buy cheap watches here!", leave_this_empty="spam")
    assert answer.status_code == 302 and answer.location.endswith("/reported")
    assert _reports(report_app) == before and _events(report_app) == told


def test_a_client_sending_too_many_reports_is_stopped(database_url, providers):
    app = make_app(database_url, **providers.settings(), anonymous_form_rate_limit="2 per hour")
    try:
        service = _service(app, "VG-13")
        reader = app.test_client()
        for _ in range(2):
            assert _send(reader, service.id, text="Het uurrooster klopt niet.").status_code == 302
        stored = _reports(app)
        stopped = _send(reader, service.id, text="Het uurrooster klopt niet.")
        assert stopped.status_code == 429
        assert "Too many forms sent from your address." in _text(stopped)
        assert _reports(app) == stored
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_an_unpublished_service_cannot_be_reported_on(report_app):
    draft = _service(report_app, "VG-20")
    reader = report_app.test_client()
    token = csrf_token(reader, f"/services/{_service(report_app, 'VG-13').id}")
    answer = reader.post(
        f"/services/{draft.id}/report", data={"csrf_token": token, "text": "Het klopt niet."}
    )
    assert answer.status_code == 404
    lotte = report_app.test_client()  # she sees her draft, but it offers no report form
    login(lotte, "vlaams", "vlaams-lotte")
    assert "Report an error" not in _text(lotte.get(f"/services/{draft.id}"))
    refused = lotte.post(
        f"/services/{draft.id}/report",
        data={"csrf_token": csrf_token(lotte, "/"), "text": "Het klopt niet helemaal."},
        follow_redirects=True,
    )
    assert "Only a published service can be confirmed or reported on" in _text(refused)
    with report_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).where(ErrorReport.service_id == draft.id)) == 0


def test_only_the_owning_authoritys_coordinators_and_the_secretariat_close_a_report(report_app):
    with report_app.extensions["concerto.db"].session() as db:
        flemish = db.scalar(
            select(ErrorReport)
            .join(Service)
            .where(Service.external_id == "VG-09", ErrorReport.status == "open")
        )
        report_id = flemish.id

    def status() -> str:
        with report_app.extensions["concerto.db"].session() as db:
            return db.get(ErrorReport, report_id).status

    for who in (("cocof", "coordinator"), ("vlaams", "member"), ("vlaams", "viewer")):
        client = report_app.test_client()
        login_as(client, report_app, who)
        answer = client.post(
            f"/error-reports/{report_id}/close", data={"csrf_token": csrf_token(client, "/")}
        )
        assert answer.status_code == 403, who
        assert status() == "open"
    stranger = report_app.test_client()
    token = csrf_token(stranger, "/services/1")
    assert (
        stranger.post(f"/error-reports/{report_id}/close", data={"csrf_token": token}).status_code
        == 302
    )
    assert status() == "open"
    lotte = report_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    closed = lotte.post(
        f"/error-reports/{report_id}/close",
        data={
            "csrf_token": csrf_token(lotte, "/services/error-reports"),
            "note": "Uurrooster aangepast.",
        },
        follow_redirects=True,
    )
    assert "The report was closed." in _text(closed)
    assert "Uurrooster aangepast." in _text(closed)  # among those closed recently
    assert status() == "closed"
    again = lotte.post(
        f"/error-reports/{report_id}/close",
        data={"csrf_token": csrf_token(lotte, "/services/error-reports")},
        follow_redirects=True,
    )
    assert "This report was closed already." in _text(again)
    with report_app.extensions["concerto.db"].session() as db:
        closing = db.scalar(
            select(AuditEntry).where(
                AuditEntry.table_name == "error_reports",
                AuditEntry.record_id == str(report_id),
                AuditEntry.action == "update",
            )
        )
        assert closing.after["status"] == "closed" and "Lotte" in closing.actor
