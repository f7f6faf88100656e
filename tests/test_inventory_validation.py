"""The shared inventory's validation and concurrency: the error summary words each field by its
label and links to it (the series form, with the schedule picker), the API refuses bad values
field by field in the caller's language and needs If-Match, refusing a stale one, and two
editors of one service lose nothing."""

from __future__ import annotations

import re

import pytest

from tests.forms import check_summary
from tests.inventory_forms import NEW_SERVICE, _form, _id
from tests.logins import api_token, csrf_token, login


@pytest.mark.parametrize(
    ("language", "category", "places", "title"),
    [("fr", "Catégorie :", "Places :", "Erreur :"), ("nl", "Categorie:", "Plaatsen:", "Fout:")],
)
def test_the_error_summary_words_each_field_by_its_label_and_links_to_it(
    client, language, category, places, title
):
    login(client, "vlaams", "vlaams-lotte")
    client.get(f"/language/{language}")
    bad = {**NEW_SERVICE, "external_id": "", "category": "", "capacity": "veel"}
    bad |= {"contact_email": "nee", "target_groups": ["nobody"], "name_en": "Climbing"}
    form = _form(bad, csrf_token(client, "/services/new"), prisons=("sint_gillis", "haren"))
    # A schedule whose end comes before its start, chosen with the picker.
    form["loc_sint_gillis_schedule_repeat"] = "monthly"
    form["loc_sint_gillis_schedule_week"] = "-1"
    form["loc_sint_gillis_schedule_days"] = ["TU", "TH"]
    form["loc_sint_gillis_schedule_starts"] = "16:00"
    form["loc_sint_gillis_schedule_ends"] = "14:00"
    form["loc_sint_gillis_schedule_skip_months"] = ["7", "8"]
    form["loc_haren_places"] = "-3"
    form["loc_haren_notes_fr"] = "Aile B"
    response = client.post("/services/new", data=form)
    assert response.status_code == 422
    page = check_summary(
        response.get_data(as_text=True),
        absent=("category", "external_id", "capacity", "contact_email", "locations.", "target_"),
    )
    assert page.title.startswith(title)
    assert category in page.summary
    assert f"Haren – {places}" in page.summary
    links = dict(page.links)
    for target in ("#f-category", "#f-external_id", "#f-capacity", "#f-contact_email"):
        assert target in links, target
    assert "#loc-haren-places" in links and "#loc-sint_gillis-schedule" in links
    assert any(href.startswith("#tg-") for href in links), "a group links to its first box"
    # the bad row carries its own mark and message; the good row's input does not
    haren = page.elements["loc-haren-places"]
    assert haren.attrs["aria-invalid"] == "true"
    assert page.elements[haren.attrs["aria-describedby"]].text.strip()
    assert "aria-invalid" not in page.elements["loc-haren-schedule"].attrs
    assert "aria-invalid" not in page.elements["loc-sint_gillis-places"].attrs
    # everything typed is shown again, the rows included
    for name in ("name_nl", "name_fr", "name_en", "description_nl", "capacity", "contact_email"):
        assert page.values[name] == [form[name]], name
    assert page.values["loc_haren_places"] == ["-3"]
    assert page.values["loc_haren_notes_fr"] == ["Aile B"]
    assert "end time must come after the start time" in page.summary or language != "en"
    assert page.elements["loc-sint_gillis-schedule"].attrs["aria-invalid"] == "true"
    chosen = {
        key: page.values[f"loc_sint_gillis_schedule_{key}"]
        for key in ("repeat", "week", "days", "starts", "ends", "skip_months")
    }
    assert chosen == {
        "repeat": ["monthly"],
        "week": ["-1"],
        "days": ["TU", "TH"],
        "starts": ["16:00"],
        "ends": ["14:00"],
        "skip_months": ["7", "8"],
    }
    assert page.values["loc_haren"] == ["1"] and page.values["loc_sint_gillis"] == ["1"]
    assert page.values["languages"] == ["nl", "fr"] and page.values["delivery"] == ["group"]


def test_the_api_rejects_bad_values_field_by_field_in_the_callers_language(app, client):
    login(client, "vlaams", "vlaams-lotte")
    token = api_token(app, "vlaams-lotte")
    response = client.post(
        "/api/v1/services",
        json={
            "external_id": "X",
            "category": "sport",
            "name_nl": "X",
            "languages": ["xx"],
            "colour": "red",
            "locations": [{"prison": "nowhere"}],
        },
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert {e["field"] for e in body["errors"]} == {"languages", "colour", "locations.0.prison"}
    assert body["title"] == "Données non valides"


def test_the_api_needs_if_match_and_refuses_a_stale_one(app, client):
    login(client, "vlaams", "vlaams-lotte")
    token = api_token(app, "vlaams-lotte")
    bearer = {"Authorization": f"Bearer {token}"}
    service_id = _id(app, "VG-20")
    read = client.get(f"/api/v1/services/{service_id}", headers=bearer)
    etag = read.headers["ETag"]
    assert (
        client.patch(f"/api/v1/services/{service_id}", json={}, headers=bearer).status_code == 428
    )
    ok = client.patch(
        f"/api/v1/services/{service_id}",
        json={"capacity": 10},
        headers={**bearer, "If-Match": etag},
    )
    assert ok.status_code == 200 and ok.get_json()["capacity"] == 10
    stale = client.patch(
        f"/api/v1/services/{service_id}",
        json={"capacity": 4},
        headers={**bearer, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.get_json()["current"]["capacity"] == 10


def test_two_editors_of_one_service_lose_nothing(app):
    first, second = app.test_client(), app.test_client()
    login(first, "vlaams", "vlaams-lotte")
    login(second, "vlaams", "vlaams-jonas")
    service_id = _id(app, "VG-20")
    form = first.get(f"/services/{service_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    values = {
        "name_nl": "Yoga voor vrouwen",
        "name_fr": "Yoga pour femmes",
        "category": "sport",
        "delivery": "group",
        "setting": "inside",
        "access": "on_request",
    }
    jonas = _form(
        {**values, "description_nl": "Versie van Jonas", "version": version},
        csrf_token(second),
        prisons=("haren",),
    )
    saved = second.post(f"/services/{service_id}/edit", data={**jonas, "loc_haren_places": "10"})
    assert saved.status_code == 302
    clash = first.post(
        f"/services/{service_id}/edit",
        data=_form(
            {**values, "description_nl": "Versie van Lotte", "version": version},
            csrf_token(first),
            prisons=("haren",),
        ),
    )
    page = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Versie van Lotte" in page and "Versie van Jonas" in page
    # Only what differs is shown as saved meanwhile: a field empty in both versions is not.
    saved = re.findall(r'id="t-([^"]+)">Saved meanwhile: ([^<]*)<', page)
    assert saved[0] == ("description_nl", "Versie van Jonas")
    # where Jonas's version offers it, in words (Lotte kept 8 places, Jonas made it 10);
    # nothing else is shown, since the rest is the same in both versions
    assert saved[1:] == [("locations", "Haren prison: every Wednesday, 10 places")]
