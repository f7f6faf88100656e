"""The shared inventory's review workflow: a service goes from draft to the public page (by
page and by API), the member who edited cannot approve their own change, names in Dutch and
French come before review, changes to a published service wait for the committee, and a
service sent back carries its comment to its author. Validation and concurrency are in
test_inventory_validation.py, search in test_inventory_search.py, HSDS in
test_inventory_hsds.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.inventory.models import Service, ServiceVersion
from core.validation import Refused
from tests.inventory_forms import NEW_SERVICE, _form, _id
from tests.logins import api_token, csrf_token, login


def _cell(client, prison: str, domain: str) -> int:
    cells = client.get("/api/v1/coverage").get_json()["cells"]
    return next((c["count"] for c in cells if (c["prison"], c["domain"]) == (prison, domain)), 0)


def test_a_service_goes_from_draft_to_the_public_page(app, providers):
    coordinator, member, public = app.test_client(), app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocof", "cocof-julien")
    sport_in_sint_gillis = _cell(public, "sint_gillis", "sport")
    created = coordinator.post(
        "/services/new", data=_form(NEW_SERVICE, csrf_token(coordinator, "/services/new"))
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:3000]
    service_id = int(created.location.rsplit("/", 1)[1])
    # A draft is not public.
    assert public.get(f"/services/{service_id}").status_code == 404
    assert "Klimmen" not in public.get("/services?q=klimmen").get_data(as_text=True)
    submitted = coordinator.post(
        f"/services/{service_id}/submit", data={"csrf_token": csrf_token(coordinator)}
    )
    assert submitted.status_code == 302
    assert "Klimmen in de sportzaal" in member.get("/services/review").get_data(as_text=True)
    approved = member.post(
        f"/services/{service_id}/approve", data={"csrf_token": csrf_token(member)}
    )
    assert approved.status_code == 302
    # The public reads it in both languages, finds it, and the coverage counts it.
    public.get("/language/nl")
    assert "Klimmen in de sportzaal" in public.get(f"/services/{service_id}").get_data(as_text=True)
    public.get("/language/fr")
    page = public.get(f"/services/{service_id}").get_data(as_text=True)
    assert "Escalade en salle de sport" in page and 'lang="fr"' in page
    assert "Escalade" in public.get("/services?q=escalade").get_data(as_text=True)
    assert _cell(public, "sint_gillis", "sport") == sport_in_sint_gillis + 1
    with app.extensions["concerto.db"].session() as db:
        actions = db.scalars(
            select(ServiceVersion.action)
            .where(ServiceVersion.service_id == service_id)
            .order_by(ServiceVersion.number)
        ).all()
        assert actions == ["create", "submit", "approve"]


def test_a_coordinator_submits_through_the_api_but_cannot_approve(app):
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    token = api_token(app, "vlaams-lotte")
    created = client.post(
        "/api/v1/services",
        json={**NEW_SERVICE, "locations": [{"prison": "haren"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    service_id = created.get_json()["id"]
    submit = client.post(
        f"/api/v1/services/{service_id}/submit", headers={"Authorization": f"Bearer {token}"}
    )
    assert submit.status_code == 200 and submit.get_json()["state"] == "submitted"
    # A coordinator may not review at all.
    refused = client.post(
        f"/api/v1/services/{service_id}/approve", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403


def test_a_member_who_edited_cannot_approve_the_same_change(app):
    from core.inventory import services as inventory
    from core.permissions import Principal

    registry = app.extensions["concerto.registry"]
    authority = registry.authorities["vlaams"]
    member = Principal(
        channel="page",
        label="M",
        user_id=77,
        authority="vlaams",
        roles=frozenset({"coordinator", "member"}),
    )
    with app.extensions["concerto.db"].session() as db:
        service = inventory.create_service(
            db, authority, {**NEW_SERVICE, "locations": ["haren"]}, member
        )
        inventory.submit(db, authority, service, member)
        with pytest.raises(Refused) as refused:
            inventory.approve(db, authority, service, member)
        assert refused.value.code == "own_change"


def test_a_service_needs_its_dutch_and_french_names_before_review(app):
    client = app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    values = {k: v for k, v in NEW_SERVICE.items() if k != "name_fr"}
    created = client.post("/services/new", data=_form(values, csrf_token(client, "/services/new")))
    service_id = int(created.location.rsplit("/", 1)[1])
    client.post(f"/services/{service_id}/submit", data={"csrf_token": csrf_token(client)})
    page = client.get(f"/services/{service_id}").get_data(as_text=True)
    assert "not complete yet" in page and "Name (French)" in page and "name_fr" not in page
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Service, service_id).state == "draft"


def test_changes_to_a_published_service_wait_for_the_committee(app):
    coordinator, member, public = app.test_client(), app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "justitie", "justitie-nathalie")
    with app.extensions["concerto.db"].session() as db:
        service = db.scalar(select(Service).where(Service.external_id == "VG-09"))
        service_id, version, name = service.id, service.version, service.name_nl
    token = api_token(app, "vlaams-lotte")
    changed = coordinator.patch(
        f"/api/v1/services/{service_id}",
        json={"name_nl": "Sport en fitness (nieuw)"},
        headers={"Authorization": f"Bearer {token}", "If-Match": f'"{version}"'},
    )
    assert changed.status_code == 200
    assert changed.get_json()["pending"] == {"name_nl": "Sport en fitness (nieuw)"}
    public.get("/language/nl")
    assert name in public.get(f"/services/{service_id}").get_data(as_text=True)
    coordinator.post(f"/services/{service_id}/submit", data={"csrf_token": csrf_token(coordinator)})
    member.post(f"/services/{service_id}/approve", data={"csrf_token": csrf_token(member)})
    assert "Sport en fitness (nieuw)" in public.get(f"/services/{service_id}").get_data(
        as_text=True
    )


def test_returning_a_service_needs_a_comment_and_shows_it_to_the_author(app):
    coordinator, member = app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocom", "cocom-marc")
    service_id = _id(app, "VG-21")
    empty = member.post(
        f"/services/{service_id}/return", data={"csrf_token": csrf_token(member), "comment": ""}
    )
    assert empty.status_code == 302
    member.post(
        f"/services/{service_id}/return",
        data={"csrf_token": csrf_token(member), "comment": "Voeg het uurrooster toe."},
    )
    page = coordinator.get(f"/services/{service_id}").get_data(as_text=True)
    assert "Voeg het uurrooster toe." in page
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Service, service_id).state == "returned"
