"""The shared inventory: the review workflow from draft to public page, validation,
concurrency, search and facets, coverage, snapshots, and HSDS 3.0."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import event, func, select

from core.inventory.models import Service, ServiceVersion
from core.reference.models import Authority
from core.validation import Refused
from tests.conftest import ROOT
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login

HSDS = ROOT.parent / "shared" / "hsds-3.0"
if not HSDS.exists():  # a checkout beside shared/, as in CI, or inside it
    HSDS = Path("/work/shared/hsds-3.0")

NEW_SERVICE = {
    "external_id": "VG-99",
    "category": "sport",
    "name_nl": "Klimmen in de sportzaal",
    "name_fr": "Escalade en salle de sport",
    "description_nl": "Wekelijkse klimsessies voor beginners.",
    "description_fr": "Séances d'escalade hebdomadaires pour débutants.",
    "delivery": "group",
    "setting": "inside",
    "access": "on_request",
    "free_of_charge": "1",
    "target_groups": ["sentenced"],
    "languages": ["nl", "fr"],
    "capacity": "8",
}


def _form(values: dict, csrf: str, prisons=("sint_gillis",)) -> dict:
    form = {"csrf_token": csrf, **values}
    for prison in prisons:
        form[f"loc_{prison}"] = "1"
        form[f"loc_{prison}_schedule"] = "FREQ=WEEKLY;BYDAY=WE"
        form[f"loc_{prison}_places"] = "8"
    return form


def _count(client, path: str) -> int:
    page = client.get(path).get_data(as_text=True)
    return int(re.search(r'id="results-heading">(\d+) service', page).group(1))


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


def _id(app, external_id: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service.id).where(Service.external_id == external_id))


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


# --- search, facets, coverage ------------------------------------------------------------------


def test_search_finds_every_language_without_accents_with_facet_counts(database_url, providers):
    from tests.conftest import make_app

    app = make_app(database_url, **providers.settings())
    client = app.test_client()
    assert _count(client, "/services?q=mediation") == _count(client, "/services?q=médiation") > 0
    assert _count(client, "/services?q=bemiddeling") >= 1
    # Two COCOF services have it in their Dutch names; its synonyms find the other three
    # drug services (tests/test_search.py has the rest).
    assert _count(client, "/services?q=verslaving") == 5
    total = _count(client, "/services")
    assert total == 59  # 60 published, one of them closed
    page = client.get("/services?domain=drugs").get_data(as_text=True)
    drugs = _count(client, "/services?domain=drugs")
    # Each facet shows how many a choice would give, the other filters applied.
    option = re.search(r'<option value="haren"[^>]*>[^<]*\((\d+)\)', page).group(1)
    assert int(option) == _count(client, "/services?domain=drugs&prison=haren") <= drugs
    app.extensions["concerto.db"].engine.dispose()


def test_search_pages_are_shareable_and_sorted(client):
    first = client.get("/services?per_page=10&page=2").get_data(as_text=True)
    assert "Page 2 of 6" in first
    assert 'href="/services?page=3&amp;per_page' in first or "page=3" in first
    names = re.findall(r'<h3><a href="/services/\d+"[^>]*>([^<]+)</a>', first)
    assert len(names) == 10


def test_list_pages_make_as_many_queries_for_250_services_as_for_25(app, client):
    engine = app.extensions["concerto.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    # Totals and facet counts are cached until the services change: warm them, so that both
    # sizes are measured alike and only the pages' own queries are compared.
    for path in ("/services", "/api/v1/services", "/hsds/services"):
        client.get(f"{path}?per_page=25")
    event.listen(engine, "before_cursor_execute", count)
    counts = {}
    try:
        for size in (25, 250):
            statements.clear()
            for path in ("/services", "/api/v1/services", "/hsds/services"):
                response = client.get(f"{path}?per_page={size}")
                assert response.status_code == 200, path
            counts[size] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[25] == counts[250]


def test_cached_totals_and_facet_counts_follow_each_committed_change_at_once(app):
    from core.inventory import generation
    from core.inventory.finding import Filters, _facet_counts, facet_counts, find

    database = app.extensions["concerto.db"]
    everything = Filters(public_only=True)
    with database.session() as reader:
        before, total = facet_counts(reader, everything), find(reader, everything)[1]
        counter = generation.current(reader)
        sport = before["domain"]["sport"]
    # Another worker's transaction moves two published services to another domain.
    with database.session() as writer:
        moved = writer.scalars(
            select(Service)
            .where(Service.domain_code == "sport", Service.published_at.is_not(None))
            .limit(2)
        ).all()
        for service in moved:
            service.domain_code = "drugs"
    with database.session() as reader:
        assert generation.current(reader) == counter + 1  # one transaction, one step
        after = facet_counts(reader, everything)
        assert after["domain"]["sport"] == sport - 2
        assert after["domain"]["drugs"] == before["domain"]["drugs"] + 2
        assert after == _facet_counts(reader, everything)  # the cache holds what a count gives
        assert find(reader, everything)[1] == total
    # A change that is rolled back leaves the counter and the cached figures as they were.
    with database.session() as writer:
        writer.scalars(select(Service).limit(1)).one().domain_code = "sport"
        writer.flush()
        writer.rollback()
    with database.session() as reader:
        assert generation.current(reader) == counter + 1


def test_coverage_marks_gaps_and_filters_by_target_group(client):
    page = client.get("/coverage").get_data(as_text=True)
    assert page.count('class="gap"') >= 1
    women = client.get("/api/v1/coverage?target_group=women").get_json()["cells"]
    everyone = client.get("/api/v1/coverage").get_json()["cells"]
    assert sum(c["count"] for c in women) < sum(c["count"] for c in everyone)
    csv_text = client.get("/coverage.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("\ufeffDomain,")
    assert len(csv_text.splitlines()) == 10  # header and nine domains


# --- snapshots --------------------------------------------------------------------------------


def test_the_2025_and_2026_states_of_affairs_compare(client):
    page = client.get("/snapshots?from=2025&to=2026").get_data(as_text=True)
    assert "From 2025 to 2026" in page
    # The demo added services in 2026, closed one (CC-04) and moved one (FW-07).
    assert "Taallessen Frans en Nederlands" in page  # removed
    assert "Schrijfatelier</span>: Prisons" in page  # changed, its field named by its label
    assert "Filmclub" in page  # added


def test_only_the_secretariat_freezes_a_year_and_only_once(app):
    member, secretary = app.test_client(), app.test_client()
    from tests.logins import login_as

    login(member, "cocof", "cocof-julien")
    refused = member.post("/snapshots", data={"csrf_token": csrf_token(member), "year": "2027"})
    assert refused.status_code == 403
    login_as(secretary, app, "secretary")
    secretary.post("/snapshots", data={"csrf_token": csrf_token(secretary), "year": "2027"})
    again = secretary.post(
        "/snapshots",
        data={"csrf_token": csrf_token(secretary), "year": "2027"},
        follow_redirects=True,
    )
    assert "already frozen" in again.get_data(as_text=True)


# --- HSDS -------------------------------------------------------------------------------------


def _validator():
    schema = json.loads((HSDS / "compiled" / "service.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


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
