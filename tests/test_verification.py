"""Is it still true? (issue 23, verification): a coordinator confirms her authority's published
service in one click, an approved change confirms it in the name of who submitted it, the HSDS
export carries assured_date and assurer_email, the yearly request is recorded once per
authority and year whoever runs it, and the state of affairs counts what was not confirmed in
its year; confirming another authority's service is refused and changes nothing. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

import core.scheduler
from core.audit.models import AuditEntry
from core.events.models import Event
from core.identity.models import Identity
from core.inventory import hsds, verification
from core.inventory import services as inventory
from core.inventory.models import Service, ServiceAssurance, Snapshot, VerificationCampaign
from core.permissions import system
from tests.conftest import make_app
from tests.logins import csrf_token, login, login_as


@pytest.fixture
def verify_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _service(app, external_id: str) -> Service:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service).where(Service.external_id == external_id))


def _assurance(app, service_id: int) -> ServiceAssurance | None:
    with app.extensions["concerto.db"].session() as db:
        return db.get(ServiceAssurance, service_id)


def _email(app, subject: str) -> str:
    with app.extensions["concerto.db"].session() as db:
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        return identity.user.email


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def test_a_coordinator_confirms_her_authoritys_service_in_one_click(verify_app):
    """The demo's Flemish sport service was last confirmed in November 2025: it waits on
    Lotte's list; one click confirms it today in her name, audited, and the HSDS export says
    so."""
    service = _service(verify_app, "VG-09")
    before = _assurance(verify_app, service.id)
    assert before.assured_at.year == 2025
    lotte = verify_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    listed = lotte.get("/services/verification")
    assert listed.status_code == 200
    assert f'id="s{service.id}"' in listed.get_data(as_text=True)
    assert "last confirmed on 20/11/2025" in _text(listed)
    done = lotte.post(
        f"/services/{service.id}/confirm",
        data={"csrf_token": csrf_token(lotte, "/services/verification"), "back": "verification"},
        follow_redirects=True,
    )
    assert "the service is marked as still true today" in _text(done)
    assert f'id="s{service.id}"' not in done.get_data(as_text=True)
    after = _assurance(verify_app, service.id)
    assert after.how == "confirmed" and datetime.now(UTC) - after.assured_at < timedelta(minutes=5)
    assert after.assurer_email == _email(verify_app, "vlaams-lotte")
    with verify_app.extensions["concerto.db"].session() as db:
        audited = db.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.table_name == "service_assurances",
                AuditEntry.record_id == str(service.id),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        assert audited is not None and audited.after["how"] == "confirmed"
    page = _text(lotte.get(f"/services/{service.id}"))
    assert "not yet confirmed this year" not in page
    document = lotte.get(f"/hsds/services/{hsds.uid('service', service.id)}").get_json()
    assert (
        document["assured_date"] == datetime.now(UTC).astimezone(hsds.BRUSSELS).date().isoformat()
    )
    assert document["assurer_email"] == _email(verify_app, "vlaams-lotte")


def test_confirming_another_authoritys_service_is_refused_and_changes_nothing(verify_app):
    cocof_service = _service(verify_app, "CF-05")
    before = _assurance(verify_app, cocof_service.id).assured_at
    for who in (("vlaams", "coordinator"), ("cocof", "member"), "secretary"):
        client = verify_app.test_client()
        login_as(client, verify_app, who)
        answer = client.post(
            f"/services/{cocof_service.id}/confirm", data={"csrf_token": csrf_token(client, "/")}
        )
        assert answer.status_code == 403, who
    stranger = verify_app.test_client()
    token = csrf_token(stranger, f"/services/{cocof_service.id}")
    answer = stranger.post(f"/services/{cocof_service.id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 302 and "/login" in answer.location
    assert _assurance(verify_app, cocof_service.id).assured_at == before
    # A draft is not confirmed by a click: its approval will confirm it.
    lotte = verify_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    draft = _service(verify_app, "VG-20")
    refused = lotte.post(
        f"/services/{draft.id}/confirm",
        data={"csrf_token": csrf_token(lotte, "/")},
        follow_redirects=True,
    )
    assert "Only a published service can be confirmed" in _text(refused)
    assert _assurance(verify_app, draft.id) is None


def test_an_approved_change_confirms_the_service_in_the_name_of_who_submitted_it(verify_app):
    service = _service(verify_app, "VG-21")  # submitted by the demo; Lotte submits it again
    lotte, julien = verify_app.test_client(), verify_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    login(julien, "cocof", "cocof-julien")
    path = f"/services/{service.id}"
    assert (
        julien.post(
            f"{path}/return", data={"csrf_token": csrf_token(julien, path), "comment": "Welke dag?"}
        ).status_code
        == 302
    )
    assert (
        lotte.post(f"{path}/submit", data={"csrf_token": csrf_token(lotte, path)}).status_code
        == 302
    )
    assert (
        julien.post(f"{path}/approve", data={"csrf_token": csrf_token(julien, path)}).status_code
        == 302
    )
    found = _assurance(verify_app, service.id)
    assert found.how == "approved"
    assert found.assurer_email == _email(verify_app, "vlaams-lotte")


def test_the_yearly_request_is_recorded_once_per_authority_and_year(verify_app, monkeypatch):
    """Two runs (a restart, a second process) ask each authority once; an authority whose
    services are all confirmed is not asked; before the configured day nothing is asked."""
    year = verification.this_year()
    db_factory = verify_app.extensions["concerto.db"]
    with verify_app.app_context(), db_factory.session() as db:
        # Justice confirms everything first: nothing to ask it.
        for service in verification.unconfirmed(db, "justitie"):
            verification.confirm(db, service, system("cli", "test"))
        db.commit()
        waiting = {
            code: len(verification.unconfirmed(db, code))
            for code in ("cocom", "vlaams", "federatie_wb", "cocof", "justitie")
        }
    assert waiting["justitie"] == 0 and all(waiting[c] for c in ("vlaams", "cocof"))
    codes = sorted(verify_app.extensions["concerto.registry"].authorities)
    with verify_app.app_context(), db_factory.session() as first, db_factory.session() as second:
        asked = verification.request_confirmations(first, year, codes)
        first.commit()
        again = verification.request_confirmations(second, year, codes)
        second.commit()
    assert sorted(asked) == sorted(code for code in codes if waiting[code]) and again == []
    with db_factory.session() as db:
        events = db.scalars(select(Event).where(Event.kind == "verification_requested")).all()
        assert sorted(e.authority_code for e in events) == sorted(asked)
        assert all(e.data == {"year": year, "waiting": waiting[e.authority_code]} for e in events)
        assert db.scalar(select(func.count()).select_from(VerificationCampaign)) == len(codes)
    # The job itself: from the configured day on, once; before it, nothing.
    monkeypatch.setattr(core.scheduler, "_app", verify_app)
    assert verification.run_campaign() == []  # asked already this year
    with db_factory.session() as db:
        db.execute(delete(VerificationCampaign))
        db.commit()
    verify_app.config["CONCERTO"]["verification_campaign_date"] = "12-31"
    today = datetime.now(hsds.BRUSSELS).date()
    if (today.month, today.day) < (12, 31):
        assert verification.run_campaign() == []
    verify_app.config["CONCERTO"]["verification_campaign_date"] = "01-01"
    assert sorted(verification.run_campaign()) == sorted(asked)
    with db_factory.session() as db:
        count = db.scalar(select(func.count()).where(Event.kind == "verification_requested"))
        assert count == 2 * len(asked)  # the first request's events, and the job's


def test_unconfirmed_services_are_marked_for_the_committee_and_counted_in_the_state(verify_app):
    julien = verify_app.test_client()
    login(julien, "cocof", "cocof-julien")
    review = _text(julien.get("/services/review"))
    with verify_app.extensions["concerto.db"].session() as db:
        since = verification.year_start(verification.this_year())
        total = sum(waiting for _all, waiting in verification.counts(db, since).values())
    assert total > 0
    assert f"{total} published services were not yet confirmed as still true in" in review
    overview = _text(julien.get("/services/verification"))
    assert "Confirmations in" in overview and "Flemish Community" in overview
    cocof = _text(julien.get("/services/verification?authority=cocof"))
    assert (
        "COCOF): still to confirm" in cocof and "Still true: confirm" not in cocof
    )  # a member reads
    # Freezing a state of affairs counts, per authority, what was not confirmed in its year.
    with verify_app.app_context(), verify_app.extensions["concerto.db"].session() as db:
        snapshot = inventory.freeze(db, 2031, system("cli", "test"))
        db.commit()
        assert all(row["confirmed"] is False for row in snapshot.services)  # none in 2031
        current = db.scalar(select(Snapshot).where(Snapshot.year == verification.this_year()))
        counted = verification.snapshot_counts(current.services)
        assert sum(c["unconfirmed"] for c in counted.values()) == total
        # Comparing two years never counts a confirmation as a change of the service.
        assert inventory.compare(current, snapshot)["changed"] == []
    secretary = verify_app.test_client()
    login_as(secretary, verify_app, "secretary")
    states = _text(secretary.get("/snapshots"))
    assert "Not confirmed in their year" in states and "services confirmed in their year" in states
