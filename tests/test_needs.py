"""The register of unmet needs: signalled by the authorities' people, kept up to date by the
signalling authority and the secretariat, linked to the services that answer them."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.inventory.models import Need, Service
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login, login_as


def test_a_coordinator_signals_a_need_and_its_authority_answers_it(app):
    coordinator = app.test_client()
    login(coordinator, "cocof", "cocof-camille")
    refused = coordinator.post(
        "/needs/new",
        data={"csrf_token": csrf_token(coordinator, "/needs/new"), "prison": "haren"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="e-domain"' in page and 'id="e-description_nl"' in page
    created = coordinator.post(
        "/needs/new",
        data={
            "csrf_token": csrf_token(coordinator, "/needs/new"),
            "prison": "haren",
            "domain": "sport",
            "target_group": "women",
            "language": "fr",
            "description_fr": "Pas de sport en soirée pour les femmes.",
        },
    )
    assert created.status_code == 302
    with app.extensions["concerto.db"].session() as db:
        need = db.scalar(select(Need).order_by(Need.id.desc()))
        answer = db.scalar(select(Service.id).where(Service.external_id == "FW-09"))
        assert (need.authority_code, need.status, need.signalled_by) == (
            "cocof",
            "open",
            "Camille Dubois",
        )
    updated = coordinator.post(
        f"/needs/{need.id}",
        data={
            "csrf_token": csrf_token(coordinator, f"/needs/{need.id}"),
            "prison": "haren",
            "domain": "sport",
            "description_fr": "Pas de sport en soirée pour les femmes.",
            "status": "answered",
            "services": str(answer),
        },
    )
    assert updated.status_code == 302
    listing = coordinator.get("/needs?status=answered").get_data(as_text=True)
    assert "Pas de sport en soirée" in listing and "Sports classes for women" in listing


def test_a_refused_change_to_a_need_keeps_what_was_typed_and_sums_up_its_errors(app):
    coordinator = app.test_client()
    login(coordinator, "cocom", "cocom-an")
    with app.extensions["concerto.db"].session() as db:
        need_id = db.scalar(select(Need.id).where(Need.authority_code == "cocom"))
    form = {
        "csrf_token": csrf_token(coordinator, f"/needs/{need_id}"),
        "prison": "haren",
        "domain": "nowhere",
        "target_group": "",
        "language": "fr",
        "description_fr": "Un texte tout neuf, pas encore enregistré.",
        "status": "being_addressed",
        "services": "",
        "goal": "",
    }
    refused = coordinator.post(f"/needs/{need_id}", data=form)
    assert refused.status_code == 422
    page = check_summary(refused.get_data(as_text=True), absent=("domain:",))
    assert page.values["description_fr"] == [form["description_fr"]]
    assert page.values["status"] == ["being_addressed"]


def test_another_authority_reads_but_does_not_change_a_need(app):
    reader = app.test_client()
    login(reader, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        need_id = db.scalar(select(Need.id).where(Need.authority_code == "cocom"))
    page = reader.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "disabled" in page and "Save" not in re.sub(r"<title>.*?</title>", "", page)
    refused = reader.post(
        f"/needs/{need_id}",
        data={
            "csrf_token": csrf_token(reader),
            "prison": "haren",
            "domain": "sport",
            "status": "closed",
        },
    )
    assert refused.status_code == 403
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    assert (
        secretary.post(
            f"/needs/{need_id}",
            data={
                "csrf_token": csrf_token(secretary),
                "prison": "sint_gillis",
                "domain": "creative_sociocultural",
                "description_nl": "Nog steeds open.",
                "status": "being_addressed",
            },
        ).status_code
        == 302
    )


def test_the_api_lists_and_takes_needs_with_field_errors(app, client):
    login(client, "justitie", "justitie-nathalie")
    secret = api_token(app, "justitie-nathalie", ["member"])
    script = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    listed = script.get("/api/v1/needs?prison=haren", headers=bearer).get_json()
    assert listed["total"] == 3
    bad = script.post(
        "/api/v1/needs", json={"prison": "nowhere", "services": [99999]}, headers=bearer
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.get_json()["errors"]}
    assert fields == {"prison", "domain", "services", "description_nl"}
    made = script.post(
        "/api/v1/needs",
        json={"prison": "haren", "domain": "health_prevention", "description_nl": "Tandzorg"},
        headers=bearer,
    )
    assert made.status_code == 201 and made.get_json()["authority"] == "justitie"
    assert script.get("/api/v1/needs").status_code == 401
