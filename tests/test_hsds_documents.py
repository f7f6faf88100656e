"""The HSDS export streams stored documents (issue 25, exports near the fetch), on SQLite and
PostgreSQL: what it gives always equals the export built from scratch, in every language,
after changes made through the ORM, through plain SQL (as the synthetic seed, a restore or an
import write) and to the labels a document names; an unpublished or deleted service leaves at
once; and the number of statements grows with the batches, not with the services."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select, text

from core.inventory import hsds, hsds_store
from core.inventory.models import Service
from core.inventory.synthetic import seed_synthetic
from tests.conftest import make_app
from tests.hsds import _validator


@pytest.fixture
def hsds_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _export(app, language: str = "nl", scratch: bool = False) -> dict:
    build = hsds.export_from_scratch if scratch else hsds.export
    registry = app.extensions["concerto.registry"]
    with app.app_context(), app.extensions["concerto.db"].session() as session:
        return json.loads(b"".join(build(session, registry, language)))


def _by_id(document: dict) -> dict[str, dict]:
    return {service["id"]: service for service in document["services"]}


def _sql(app, statement: str, **values) -> None:
    with app.extensions["concerto.db"].engine.begin() as connection:
        connection.execute(text(statement), values)


def _stored(app, language: str = "nl") -> int:
    with app.extensions["concerto.db"].engine.connect() as connection:
        return connection.scalar(
            select(func.count())
            .select_from(hsds_store.hsds_documents)
            .where(hsds_store.hsds_documents.c.language == language)
        )


def _a_service(app, **where) -> Service:
    with app.extensions["concerto.db"].session() as session:
        query = select(Service).where(Service.published_at.is_not(None)).order_by(Service.id)
        for name, value in where.items():
            query = query.where(getattr(Service, name) == value)
        return session.scalars(query.limit(1)).one()


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_export_from_stored_documents_equals_the_export_built_from_scratch(hsds_app, language):
    scratch = _export(hsds_app, language, scratch=True)
    assert _stored(hsds_app, language) == 0  # building from scratch stores nothing
    first = _export(hsds_app, language)  # builds every document and keeps it
    assert _stored(hsds_app, language) == len(scratch["services"]) == 60
    second = _export(hsds_app, language)  # every document as stored
    assert first == second == scratch
    assert [s["id"] for s in second["services"]] == [s["id"] for s in scratch["services"]]
    validator = _validator()
    assert [e.message for s in second["services"] for e in validator.iter_errors(s)] == []


def test_the_export_over_http_gives_the_stored_documents(hsds_app):
    client = hsds_app.test_client()
    for _ in range(2):  # built, then stored
        answer = client.get("/hsds/export.json?lang=fr")
        assert json.loads(answer.get_data(as_text=True)) == _export(hsds_app, "fr", scratch=True)


def test_a_change_to_a_service_or_its_parts_shows_in_the_next_export(hsds_app):
    _export(hsds_app)
    service = _a_service(hsds_app)
    uid = hsds.uid("service", service.id)
    # Through the ORM.
    with hsds_app.extensions["concerto.db"].session() as session:
        session.get(Service, service.id).name_nl = "Nieuwe naam van de dienst"
    assert _by_id(_export(hsds_app))[uid]["name"] == "Nieuwe naam van de dienst"
    # Through plain SQL, as the synthetic seed, a restore or an import write: the service's
    # row, one of its places, its confirmation.
    _sql(
        hsds_app,
        "UPDATE services SET contact_email = 'nieuw@example.be' WHERE id = :id",
        id=service.id,
    )
    assert _by_id(_export(hsds_app))[uid]["email"] == "nieuw@example.be"
    _sql(
        hsds_app,
        "UPDATE service_locations SET notes_nl = 'Enkel op dinsdag' WHERE service_id = :id",
        id=service.id,
    )
    places = _by_id(_export(hsds_app))[uid]["service_at_locations"]
    assert places and {place["description"] for place in places} == {"Enkel op dinsdag"}
    _sql(hsds_app, "DELETE FROM service_locations WHERE service_id = :id", id=service.id)
    assert _by_id(_export(hsds_app))[uid]["service_at_locations"] == []
    _sql(hsds_app, "DELETE FROM service_assurances WHERE service_id = :id", id=service.id)
    assert "assured_date" not in _by_id(_export(hsds_app))[uid]
    assert _export(hsds_app) == _export(hsds_app, scratch=True)


def test_a_change_to_an_organisation_shows_in_the_export_of_its_services(hsds_app):
    _export(hsds_app)
    with hsds_app.extensions["concerto.db"].engine.connect() as connection:
        organization_id = connection.scalar(
            text(
                "SELECT organization_id FROM services WHERE published_at IS NOT NULL AND organization_id IS NOT NULL LIMIT 1"
            )
        )
    _sql(
        hsds_app,
        "UPDATE organizations SET name = 'Hernoemde vzw' WHERE id = :id",
        id=organization_id,
    )
    names = {
        s["organization"]["name"]
        for s in _export(hsds_app)["services"]
        if s["organization_id"] == hsds.uid("organization", organization_id)
    }
    assert names == {"Hernoemde vzw"}


def test_a_change_to_a_label_a_document_names_shows_in_the_next_export(hsds_app):
    """Domains, prisons and the plugins' categories are not part of a service's rows: the
    fingerprint of the labels a document was built with sends it back to be built."""
    _export(hsds_app, "fr")
    _sql(hsds_app, "UPDATE domains SET name_fr = 'Sport et détente' WHERE code = 'sport'")
    _sql(
        hsds_app,
        "UPDATE prisons SET name_fr = 'Prison de Haren (nouveau nom)' WHERE code = 'haren'",
    )
    exported = _export(hsds_app, "fr")
    terms = {
        a["taxonomy_term"]["name"]
        for s in exported["services"]
        for a in s["attributes"]
        if a["link_type"] == "domain" and a["value"] == "sport"
    }
    assert terms == {"Sport et détente"}
    prisons = {
        p["location"]["name"]
        for s in exported["services"]
        for p in s.get("service_at_locations", [])
        if p["location"]["external_identifier"] == "haren"
    }
    assert prisons == {"Prison de Haren (nouveau nom)"}
    # A plugin's category is named by the plugin's vocabulary, in memory.
    registry = hsds_app.extensions["concerto.registry"]
    category = next(
        a for s in exported["services"] for a in s["attributes"] if a["link_type"] == "category"
    )
    authority, code = category["value"].split(":", 1)
    term = next(t for t in registry.authorities[authority].vocabulary if t.code == code)
    before = dict(term.labels)
    term.labels["fr"] = "Catégorie renommée"
    try:
        names = {
            a["taxonomy_term"]["name"]
            for s in _export(hsds_app, "fr")["services"]
            for a in s["attributes"]
            if a["value"] == category["value"]
        }
        assert names == {"Catégorie renommée"}
    finally:
        term.labels.clear()
        term.labels.update(before)
    assert _export(hsds_app, "fr") == _export(hsds_app, "fr", scratch=True)


def test_a_withdrawn_service_turns_inactive_and_an_unpublished_or_deleted_one_leaves_at_once(
    hsds_app,
):
    _export(hsds_app)
    first, second, third = (
        _export(hsds_app)["services"][0]["id"],
        _export(hsds_app)["services"][1]["id"],
        _export(hsds_app)["services"][2]["id"],
    )
    ids = [hsds.id_of("service", value) for value in (first, second, third)]
    with hsds_app.extensions["concerto.db"].session() as session:
        session.get(Service, ids[0]).active = False
    _sql(hsds_app, "UPDATE services SET published_at = NULL WHERE id = :id", id=ids[1])
    _sql(hsds_app, "DELETE FROM services WHERE id = :id", id=ids[2])
    exported = _by_id(_export(hsds_app))
    assert exported[first]["status"] == "inactive"
    assert second not in exported and third not in exported
    assert len(exported) == 58


def test_services_written_by_the_synthetic_seed_are_exported_as_built_from_scratch(hsds_app):
    """The seed inserts rows with SQL, past the ORM: the export builds what it finds
    missing, whoever wrote the rows."""
    for language in ("nl", "en"):
        _export(hsds_app, language)
    registry = hsds_app.extensions["concerto.registry"]
    with hsds_app.extensions["concerto.db"].session() as session:
        seed_synthetic(session, registry, 40)
    for language in ("nl", "en"):
        exported = _export(hsds_app, language)
        assert len(exported["services"]) == 100
        assert exported == _export(hsds_app, language, scratch=True)
        assert _stored(hsds_app, language) == 100


def _statements(app, action) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = app.extensions["concerto.db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_the_export_runs_statements_per_batch_not_per_service(hsds_app, monkeypatch):
    monkeypatch.setattr(hsds, "EXPORT_BATCH", 50)
    registry = hsds_app.extensions["concerto.registry"]
    building = _statements(hsds_app, lambda: _export(hsds_app))  # 60 services: 2 batches
    stored = _statements(hsds_app, lambda: _export(hsds_app))
    with hsds_app.extensions["concerto.db"].session() as session:
        seed_synthetic(session, registry, 30)  # 90 services: still 2 batches
    building_more = _statements(hsds_app, lambda: _export(hsds_app))
    stored_more = _statements(hsds_app, lambda: _export(hsds_app))
    assert len(stored_more) == len(stored)
    assert len(stored) < len(building)
    # Building adds a few statements per batch (places, organisations, confirmations, the
    # store), whatever the batch holds.
    assert len(building_more) <= len(building)
    assert not any("hsds_documents" in s and "INSERT" in s.upper() for s in stored_more)
