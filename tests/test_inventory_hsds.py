"""The shared inventory in HSDS 3.0 and its organisations: the export of the whole inventory
validates in each language, the streamed export gives each service as the API does, the HSDS
API pages and filters by modification time, the demo inventory is realistic; KBO numbers,
organisations linked to services, schedules in the reader's language and an authority's own
fields beside the core fields."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.inventory.models import Service
from core.reference.models import Authority
from tests.hsds import _validator
from tests.inventory_forms import NEW_SERVICE
from tests.logins import api_token, csrf_token, login

# --- HSDS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_hsds_export_of_the_whole_inventory_validates(client, language):
    document = json.loads(client.get(f"/hsds/export.json?lang={language}").get_data(as_text=True))
    validator = _validator()
    assert len(document["services"]) == 60
    errors = [
        f"{service['name']}: {error.message} at {list(error.path)}"
        for service in document["services"]
        for error in validator.iter_errors(service)
    ]
    assert errors == []
    names = {service["name"] for service in document["services"]}
    expected = {"nl": "Bibliotheek Haren", "fr": "Bibliothèque de Haren", "en": "Haren library"}
    assert expected[language] in names
    assert len({service["id"] for service in document["services"]}) == 60


def test_the_streamed_export_gives_each_service_as_the_api_does(client):
    """The export reads rows without the ORM, the API reads ORM objects: one document."""
    exported = json.loads(client.get("/hsds/export.json?lang=fr").get_data(as_text=True))
    services = exported["services"]
    assert any("organization" in s and s["organization"].get("tax_id") for s in services)
    assert any(len(s.get("service_at_locations", [])) > 1 for s in services)
    for document in services:
        assert client.get(f"/hsds/services/{document['id']}?lang=fr").get_json() == document


def test_the_hsds_validator_does_catch_a_broken_service(client):
    document = client.get("/hsds/services?per_page=1").get_json()["contents"][0]
    broken = {**document, "status": "open", "id": "not-a-uuid"}
    assert len(list(_validator().iter_errors(broken))) == 2


def test_the_hsds_api_pages_and_filters_by_modification_time(app, client):
    page = client.get("/hsds/services?per_page=7&page=3").get_json()
    assert (page["total_items"], page["total_pages"], page["page_number"]) == (60, 9, 3)
    assert page["size"] == 7 and not page["first_page"] and not page["last_page"]
    one = page["contents"][0]
    assert client.get(f"/hsds/services/{one['id']}").get_json()["name"] == one["name"]
    with app.extensions["concerto.db"].session() as db:
        newest = db.scalar(
            select(func.max(Service.updated_at)).where(Service.published_at.is_not(None))
        )
    recent = client.get(
        "/hsds/services", query_string={"modified_after": newest.isoformat()}
    ).get_json()
    assert 1 <= recent["total_items"] < 60
    assert client.get("/hsds/services?modified_after=yesterday").status_code == 400
    assert client.get("/hsds/taxonomies").get_json()["total_items"] == 7  # domains, groups, 5
    assert client.get("/hsds/").get_json()["version"] == "3.0"


def test_the_demo_inventory_is_realistic(app):
    with app.extensions["concerto.db"].session() as db:
        services = db.scalars(select(Service)).all()
        assert len(services) >= 60
        assert {s.authority_code for s in services} == {
            "cocom",
            "vlaams",
            "federatie_wb",
            "cocof",
            "justitie",
        }
        assert len({s.domain_code for s in services}) == 9
        assert len({lang for s in services for lang in s.languages}) >= 6
        assert db.get(Authority, "vlaams") is not None


# --- organisations -----------------------------------------------------------------------------


def test_kbo_numbers_are_checked_with_their_check_digits():
    from core.inventory.organizations import normalise_kbo

    assert normalise_kbo("0412.345.654") is None  # wrong check digits
    assert normalise_kbo("BE 0412.345.614") == "0412345614"
    assert normalise_kbo("2412345614") is None  # must start with 0 or 1
    assert normalise_kbo("abc") is None


def test_a_coordinator_adds_an_organisation_and_links_a_service_to_it(app, client):
    login(client, "cocof", "cocof-camille")
    refused = client.post(
        "/organizations/new",
        data={
            "csrf_token": csrf_token(client, "/organizations/new"),
            "external_id": "X",
            "name": "Ateliers du Midi",
            "kbo_number": "0412.345.654",
        },
    )
    assert refused.status_code == 422
    assert 'id="e-kbo_number"' in refused.get_data(as_text=True)
    saved = client.post(
        "/organizations/new",
        data={
            "csrf_token": csrf_token(client, "/organizations/new"),
            "external_id": "X",
            "name": "Ateliers du Midi",
            "kbo_number": "0412.345.614",
            "legal_form": "asbl",
        },
    )
    assert saved.status_code == 302
    token = api_token(app, "cocof-camille")
    with app.extensions["concerto.db"].session() as db:
        from core.inventory.models import Organization

        ours = db.scalar(select(Organization.id).where(Organization.name == "Ateliers du Midi"))
        theirs = db.scalar(select(Organization.id).where(Organization.authority_code == "vlaams"))
        service = db.scalar(select(Service).where(Service.external_id == "CF-05"))
    script = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "If-Match": f'"{service.version}"'}
    wrong = script.patch(
        f"/api/v1/services/{service.id}", json={"organization_id": theirs}, headers=headers
    )
    assert wrong.status_code == 422
    linked = script.patch(
        f"/api/v1/services/{service.id}", json={"organization_id": ours}, headers=headers
    )
    assert linked.status_code == 200 and linked.get_json()["pending"] == {"organization_id": ours}
    listing = client.get("/organizations").get_data(as_text=True)
    assert "0412.345.614" in listing


def test_an_organisation_appears_in_hsds_with_its_kbo_number(client):
    document = json.loads(client.get("/hsds/export.json?lang=nl").get_data(as_text=True))
    caw = [s for s in document["services"] if s["organization"]["name"].startswith("Centrum Alg")]
    assert len(caw) == 3
    assert caw[0]["organization"]["tax_id"] == "0412345614"
    validator = _validator()
    assert [list(validator.iter_errors(service)) for service in caw] == [[], [], []]


def test_schedules_are_written_out_in_the_readers_language(client):
    service_id = None
    with client.application.extensions["concerto.db"].session() as db:
        service_id = db.scalar(select(Service.id).where(Service.external_id == "CF-02"))
    expected = {
        "nl": "elke maandag, woensdag en vrijdag",
        "fr": "chaque lundi, mercredi et vendredi",
        "en": "every Monday, Wednesday and Friday",
    }
    for language, words in expected.items():
        client.get(f"/language/{language}")
        assert words in client.get(f"/services/{service_id}").get_data(as_text=True)


def test_an_authoritys_own_fields_are_checked_and_kept_beside_the_core_fields(app):
    token = _api_token_after_login(app, "vlaams", "vlaams-lotte")
    script = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = {**NEW_SERVICE, "locations": ["haren"]}
    wrong = script.post(
        "/api/v1/services",
        json={**base, "extra": {"part_of_trajectory": "maybe", "name_nl": "x"}},
        headers=headers,
    )
    assert wrong.status_code == 422
    fields = {e["field"]: e["code"] for e in wrong.get_json()["errors"]}
    assert fields == {"extra.part_of_trajectory": "boolean", "extra.name_nl": "unknown"}
    made = script.post(
        "/api/v1/services", json={**base, "extra": {"part_of_trajectory": True}}, headers=headers
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["extra"] == {"part_of_trajectory": True}
    assert body["name_nl"] == NEW_SERVICE["name_nl"]


def _api_token_after_login(app, authority: str, subject: str) -> str:
    login(app.test_client(), authority, subject)
    return api_token(app, subject)
