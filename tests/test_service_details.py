"""The services form offers the prisons that are open today and refuses more places than a
prison holds; the service page shows everything the form stored (phone, waiting time); the
site answers for its icon."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.inventory.models import Service, ServiceLocation
from core.reference.models import Prison
from tests.logins import csrf_token, login

SERVICE = {
    "external_id": "VG-77",
    "category": "sport",
    "name_nl": "Yoga op de wandeling",
    "name_fr": "Yoga au préau",
    "delivery": "group",
    "setting": "inside",
    "access": "on_request",
    "free_of_charge": "1",
    "languages": ["nl", "fr"],
}


def _post(client, values: dict, locations: dict[str, str], path="/services/new"):
    form = {"csrf_token": csrf_token(client, path), **values}
    for prison, places in locations.items():
        form[f"loc_{prison}"] = "1"
        form[f"loc_{prison}_places"] = places
    return client.post(path, data=form)


def _prison_boxes(page: str) -> dict[str, str]:
    """The form's prison check boxes: code -> the label's text."""
    return {
        code: re.sub(r"\s+", " ", label).strip()
        for code, label in re.findall(
            r'<input type="checkbox" id="loc-(\w+)".*?<label for="loc-\1">(.*?)</label>',
            page,
            re.S,
        )
    }


def test_the_form_offers_only_the_prisons_open_today(app, client):
    with app.extensions["concerto.db"].session() as db:
        closed = {p.code for p in db.scalars(select(Prison)) if p.closed_on is not None}
    assert {"vorst", "berkendael"} <= closed
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/nl")
    boxes = _prison_boxes(client.get("/services/new").get_data(as_text=True))
    assert {"sint_gillis", "haren"} <= set(boxes)
    assert not set(boxes) & closed


@pytest.mark.parametrize("language,word", [("nl", "(gesloten)"), ("fr", "(fermée)")])
def test_a_closed_prison_stays_on_the_service_that_has_it_marked_closed(
    app, client, language, word
):
    login(client, "vlaams", "vlaams-lotte")
    created = _post(client, SERVICE, {"haren": "5"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    service_id = int(created.location.rsplit("/", 1)[1])
    # Listed in Vorst before it closed (the form no longer adds a closed prison).
    with app.extensions["concerto.db"].session() as db:
        db.add(ServiceLocation(service_id=service_id, prison_code="vorst", places=12))
        db.commit()
    client.get(f"/language/{language}")
    boxes = _prison_boxes(client.get(f"/services/{service_id}/edit").get_data(as_text=True))
    assert boxes["vorst"].endswith(word)
    assert not boxes["haren"].endswith(word)
    assert "berkendael" not in boxes


@pytest.mark.parametrize(
    "language,message",
    [
        ("nl", "Dat zijn meer plaatsen dan de gevangenis mensen kan opnemen."),
        ("fr", "C'est plus de places que la prison ne peut accueillir de personnes."),
        ("en", "That is more places than the prison holds people."),
    ],
)
def test_more_places_than_the_prison_holds_are_refused_at_the_field(app, client, language, message):
    login(client, "vlaams", "vlaams-lotte")
    client.get(f"/language/{language}")
    response = _post(client, SERVICE, {"sint_gillis": "100000"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = re.search(r'<input id="loc-sint_gillis-places"[^>]*>', page).group(0)
    assert 'value="100000"' in field and 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1)
    assert re.search(rf'id="{described}"[^>]*>\s*{re.escape(message)}', page)
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(Service).where(Service.external_id == "VG-77")) is None


def test_places_up_to_the_prisons_capacity_or_a_thousand_are_accepted(app, client):
    login(client, "vlaams", "vlaams-lotte")
    # Haren holds 1,190 people (reference data); the limit follows the prison.
    assert _post(client, SERVICE, {"haren": "1190"}).status_code == 302
    assert _post(client, {**SERVICE, "external_id": "VG-78"}, {"haren": "1191"}).status_code == 422
    with app.extensions["concerto.db"].session() as db:
        db.get(Prison, "haren").capacity = None
        db.commit()
    assert _post(client, {**SERVICE, "external_id": "VG-79"}, {"haren": "1000"}).status_code == 302
    assert _post(client, {**SERVICE, "external_id": "VG-80"}, {"haren": "1001"}).status_code == 422


@pytest.mark.parametrize(
    "language,phone,wait,one_day",
    [
        ("nl", "Telefoon:", "ongeveer 14 dagen", "ongeveer 1 dag"),
        ("fr", "Téléphone :", "environ 14 jours", "environ 1 jour"),
        ("en", "Phone:", "about 14 days", "about 1 day"),
    ],
)
def test_the_service_page_shows_the_phone_and_the_waiting_time(
    app, client, language, phone, wait, one_day
):
    login(client, "vlaams", "vlaams-lotte")
    values = {**SERVICE, "contact_phone": "02 555 12 34", "typical_wait_days": "14"}
    created = _post(client, values, {"haren": "5"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    client.get(f"/language/{language}")
    page = client.get(created.location).get_data(as_text=True)
    line = re.search(r'<li id="phone">(.*?)</li>', page, re.S).group(1)
    assert line.startswith(phone) and 'href="tel:025551234"' in line and "02 555 12 34" in line
    line = re.search(r'<li id="waiting-time">(.*?)</li>', page, re.S).group(1)
    assert line.endswith(wait)
    with app.extensions["concerto.db"].session() as db:
        db.scalar(select(Service).where(Service.external_id == "VG-77")).typical_wait_days = 1
        db.commit()
    page = client.get(created.location).get_data(as_text=True)
    assert re.search(r'<li id="waiting-time">(.*?)</li>', page, re.S).group(1).endswith(one_day)


def test_the_site_icon_is_linked_from_every_page_and_answers(client):
    page = client.get("/").get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link
    for path in (link.group(1), "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).startswith("<svg")
    assert client.get("/events").get_data(as_text=True).count('rel="icon"') == 1
