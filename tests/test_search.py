"""Search by what people call things: domain names, every authority's category names and
the synonyms of core/inventory/synonyms.toml, in nl, fr and en; name matches first; the
matched words marked on the page and in the API; answered by the full-text index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text, update

from core.inventory import lexicon, search
from core.inventory.models import Service
from core.inventory.services import Filters, find
from core.reference.models import ServiceDomain
from tests.conftest import make_app
from tests.logins import api_token, login

OURS = ("zz", "zp")  # the code and pair tokens, which the first version did not write
LABOUR = {"VG-10", "VG-11", "CF-06", "CF-07", "CF-08", "JU-06", "JU-07", "JU-13"}
DRUGS = {"VG-14", "CF-11", "CF-12", "CC-07", "CC-08"}


@pytest.fixture
def backend_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _search(client, query: str, lang: str = "en", **extra) -> list[dict]:
    answer = client.get(
        "/api/v1/services",
        query_string={"q": query, "per_page": 250, **extra},
        headers={"Accept-Language": lang},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["items"]


def _ids(items: list[dict]) -> list[str]:
    return [item["external_id"] for item in items]


def test_a_word_finds_its_synonyms_in_every_language_and_its_domain(backend_app):
    client = backend_app.test_client()
    # Before, "emploi" found 1 of the 8 labour-market services and "drogue" 2 of 5.
    assert set(_ids(_search(client, "emploi", "fr"))) == LABOUR
    assert set(_ids(_search(client, "drogue", "fr"))) == DRUGS
    assert set(_ids(_search(client, "werk", "nl"))) >= LABOUR
    assert set(_ids(_search(client, "addiction"))) == DRUGS
    # Accents, case and plural endings do not matter.
    assert set(_ids(_search(client, "ASSUETUDES", "fr"))) == DRUGS


def test_every_domain_name_in_every_language_finds_the_domains_services(backend_app):
    client = backend_app.test_client()
    with backend_app.extensions["concerto.db"].session() as db:
        domains = db.scalars(select(ServiceDomain)).all()
        public = db.execute(
            select(Service.domain_code, Service.external_id).where(
                Service.published_at.is_not(None), Service.active.is_(True)
            )
        ).all()
    for domain in domains:
        wanted = {external_id for code, external_id in public if code == domain.code}
        for lang in ("nl", "fr", "en"):
            name = getattr(domain, f"name_{lang}")
            assert set(_ids(_search(client, name, lang))) >= wanted, name


def test_an_authoritys_category_name_finds_its_services_though_no_text_holds_it(backend_app):
    client = backend_app.test_client()
    worship = {"JU-02", "JU-03", "JU-04", "JU-05"}  # justitie's "Erediensten en ..."
    with backend_app.extensions["concerto.db"].session() as db:
        texts = " ".join(
            " ".join(value or "" for value in (*service.texts("name").values(),))
            + " ".join(value or "" for value in service.texts("description").values())
            for service in db.scalars(select(Service))
        )
    assert "eredienst" not in texts.lower() and "cultes" not in texts.lower()
    assert set(_ids(_search(client, "erediensten", "nl"))) == worship
    assert set(_ids(_search(client, "cultes", "fr"))) == worship
    # The label in another language than the reader's counts too.
    assert set(_ids(_search(client, "erediensten", "fr"))) == worship


def test_names_that_match_come_first_then_synonyms_in_names(backend_app):
    client = backend_app.test_client()
    found = _ids(_search(client, "emploi", "fr"))
    assert found[0] == "VG-11"  # "Accompagnement vers l'emploi": the word as typed
    # Then names with a synonym ("Insertion socioprofessionnelle"), before services found
    # through their domain only ("Formation de cariste").
    assert found.index("CF-06") < found.index("JU-13")
    # "werk" also names the domain "Herstelgericht werken ...": those come after the
    # services of the labour market, the domain "werk" is a synonym of.
    werk = _ids(_search(client, "werk", "nl"))
    restorative = {"CF-09", "CC-05", "JU-09", "VG-12"}
    assert restorative <= set(werk)
    assert max(werk.index(i) for i in LABOUR) < min(werk.index(i) for i in restorative)
    # Another order asked for is kept.
    by_name = _ids(_search(client, "emploi", "fr", sort="name"))
    assert set(by_name) == set(found) and by_name != found


def test_stopwords_and_word_order_do_not_narrow_a_search(backend_app):
    client = backend_app.test_client()
    plain = _ids(_search(client, "cours néerlandais", "fr"))
    assert "VG-03" in plain
    assert _ids(_search(client, "cours de néerlandais", "fr")) == plain
    assert set(_ids(_search(client, "néerlandais cours", "fr"))) == set(plain)


def test_every_word_still_counts(backend_app):
    client = backend_app.test_client()
    assert set(_ids(_search(client, "sport haren"))) == {"VG-09", "FW-09", "JU-08"}
    assert _ids(_search(client, "sport vorst")) == []  # no sport in Vorst


def test_the_api_gives_a_snippet_with_the_matched_words_marked(backend_app):
    client = backend_app.test_client()
    items = {item["external_id"]: item for item in _search(client, "emploi", "fr")}
    described = items["VG-11"]  # "Accompagnement vers l'emploi (VDAB) : proposé par ..."
    assert "<mark>emploi</mark>" in described["snippet"]
    assert described["snippet_language"] == "fr"
    # Found through its authority's category, "Travail pénitentiaire": the label, marked.
    coded = items["JU-13"]["snippet"]
    assert re.match("Catégorie[ \u00a0]: ", coded)
    assert "<mark>Travail</mark> <mark>pénitentiaire</mark>" in coded
    # Found through the domain the synonyms of "emploi" name: the domain's name, marked.
    assert re.fullmatch(
        "Domaine[ \u00a0]: <mark>Réinsertion</mark> <mark>socioprofessionnelle</mark>",
        items["CF-08"]["snippet"],
    )
    # Where no word of the domain's name is a synonym, the name still says why.
    werk = {item["external_id"]: item for item in _search(client, "werk", "nl")}
    assert werk["CF-08"]["snippet"] == "Domein: Arbeidsmarktgerichte re-integratie"
    # Without a search, no snippet.
    plain = client.get("/api/v1/services?per_page=5").get_json()["items"]
    assert all("snippet" not in item for item in plain)


def test_the_page_marks_names_and_snippets_and_sorts_by_best_match(backend_app):
    client = backend_app.test_client()
    page = client.get("/services?q=drogue", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "<mark>drogues</mark>" in page  # "Aide en matière de drogues (CAD)"
    assert 'class="snippet"' in page
    assert re.search(r'<option value="relevance"\s+selected>', page)
    first = re.search(r'<h3><a href="/services/\d+"[^>]*>(.*?)</a>', page).group(1)
    assert "<mark>" in first
    # Nothing is marked, and no best-match order is offered, without a search.
    plain = client.get("/services").get_data(as_text=True)
    assert "<mark>" not in plain and 'value="relevance"' not in plain


def test_a_snippet_escapes_the_text_around_the_marks(backend_app):
    client = backend_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    token = api_token(backend_app, "vlaams-lotte")
    created = client.post(
        "/api/v1/services",
        json={
            "external_id": "VG-98",
            "category": "sport",
            "name_nl": "Klimmen",
            "name_fr": "Escalade",
            "description_fr": "Grimper <b>sans</b> drogue & sans alcool.",
            "locations": [{"prison": "haren"}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    with backend_app.extensions["concerto.db"].session() as db:
        service = db.get(Service, created.get_json()["id"])
        found, _total = find(
            db,
            Filters(
                query="drogue",
                public_only=False,
                vocabulary=lexicon.vocabulary_of(backend_app.extensions["concerto.registry"]),
            ),
        )
        assert service.id in {s.id for s in found}
    from core.inventory import snippets

    bare = lexicon.Lexicon(labels=[], synonyms=lexicon.synonyms())
    marker = snippets.Marker(lexicon.expand("drogue", bare), bare, "fr")
    with backend_app.test_request_context(headers={"Accept-Language": "fr"}):
        shown = marker.snippet(service)
    assert str(shown.html) == (
        "Grimper &lt;b&gt;sans&lt;/b&gt; <mark>drogue</mark> &amp; sans <mark>alcool</mark>."
    )


def test_a_changed_service_is_found_by_its_new_category_at_once(backend_app):
    client = backend_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    bearer = {"Authorization": f"Bearer {api_token(backend_app, 'vlaams-lotte')}"}
    created = client.post(
        "/api/v1/services",
        json={
            "external_id": "VG-97",
            "category": "cultuur_bibliotheek",
            "name_nl": "Leesclub",
            "name_fr": "Club de lecture",
            "locations": [{"prison": "haren"}],
        },
        headers=bearer,
    )
    service_id = created.get_json()["id"]
    vocabulary = lexicon.vocabulary_of(backend_app.extensions["concerto.registry"])

    def found(query: str) -> bool:
        with backend_app.extensions["concerto.db"].session() as db:
            filters = Filters(query=query, public_only=False, vocabulary=vocabulary)
            return service_id in {s.id for s in find(db, filters)[0]}

    assert found("bibliotheek") and not found("sportactiviteiten")
    changed = client.patch(
        f"/api/v1/services/{service_id}",
        json={"category": "sport"},
        headers={**bearer, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert found("sport") and not found("bibliotheek")


def test_a_renamed_domain_is_found_by_its_new_name_without_reindexing(backend_app):
    client = backend_app.test_client()
    assert _search(client, "lichaamsbeweging", "nl") == []  # cached as nothing
    with backend_app.extensions["concerto.db"].session() as db:
        db.execute(
            update(ServiceDomain)
            .where(ServiceDomain.code == "sport")
            .values(name_nl="Sport en lichaamsbeweging")
        )
    assert set(_ids(_search(client, "lichaamsbeweging", "nl"))) == {"VG-09", "FW-09", "JU-08"}


def test_documents_of_an_older_format_are_rebuilt_by_the_upgrade(backend_app):
    from core.cli import upgrade_all

    database = backend_app.extensions["concerto.db"]
    with database.session() as db:
        # As the first version wrote them: one document per service, no codes, no names row.
        db.execute(text("DELETE FROM service_search WHERE rowid <= 0"))
        rows = db.execute(text("SELECT rowid, document FROM service_search")).all()
        db.execute(text("DELETE FROM service_search"))
        db.execute(
            text("INSERT INTO service_search (rowid, document) VALUES (:id, :document)"),
            [
                {"id": rowid, "document": " ".join(w for w in doc.split() if w[:2] not in OURS)}
                for rowid, doc in rows
            ],
        )
        assert not search.is_current(db)
    client = backend_app.test_client()
    assert set(_ids(_search(client, "emploi", "fr"))) < LABOUR
    upgrade_all(backend_app)
    with database.session() as db:
        assert search.is_current(db)
        names = db.scalar(text("SELECT count(*) FROM service_search WHERE rowid < 0"))
        assert names == db.scalar(text("SELECT count(*) FROM services"))
    assert set(_ids(_search(client, "emploi", "fr"))) == LABOUR


def _scans(db) -> dict[str, int]:
    """PostgreSQL's counts of the ways service_search was read, up to now."""
    db.execute(text("SELECT pg_stat_clear_snapshot()"))
    table = db.execute(
        text("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'service_search'")
    ).scalar()
    indexes = db.execute(
        text(
            "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes "
            "WHERE relname = 'service_search'"
        )
    ).all()
    return {"sequential": table, **dict(indexes)}


def test_the_database_index_answers_a_search_without_reading_every_document(backend_app):
    # What a transaction that changed the inventory asks (core.inventory.search.look_up):
    # the other searches are answered from the terms each process keeps (term_bits).
    vocabulary = lexicon.vocabulary_of(backend_app.extensions["concerto.registry"])
    database = backend_app.extensions["concerto.db"]
    postgres = database.engine.dialect.name == "postgresql"
    asked: list[tuple[str, object]] = []

    def note(_connection, _cursor, statement, parameters, _context, _many):
        if "service_search" in statement:
            asked.append((statement, parameters))

    if postgres:
        with database.session() as db:
            before = _scans(db)
    with database.session() as db:
        filters = Filters(query="emploi werk", vocabulary=vocabulary, sort="relevance")
        expansion = filters.expansion(db)
        event.listen(database.engine, "before_cursor_execute", note)
        try:
            found = search.look_up(db, expansion, ranked=True)
        finally:
            event.remove(database.engine, "before_cursor_execute", note)
        # Asked once for documents and names with synonyms, once for names as typed; the
        # order, the total and the facets are given the ids.
        assert len(asked) == 2
        assert found.service_ids and found.names_as_typed
        if postgres:
            db.execute(text("SELECT pg_stat_force_next_flush()"))
        else:
            for statement, parameters in asked:
                explained = db.connection().exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                plan = [row[3] for row in explained]
                assert any("VIRTUAL TABLE INDEX" in step for step in plan), plan
    if postgres:
        with database.session() as db:
            after = _scans(db)
        # Two questions to the full-text index, none by reading the documents one by one,
        # even among 63 where that is cheaper.
        assert after["ix_service_search_terms"] - before["ix_service_search_terms"] == 2
        assert after["sequential"] == before["sequential"]
        assert after["service_search_pkey"] == before["service_search_pkey"]


def test_a_search_makes_as_many_statements_for_250_results_as_for_25(app, client):
    engine = app.extensions["concerto.db"].engine
    statements: list[str] = []
    for path in ("/services", "/api/v1/services"):
        client.get(f"{path}?q=sociale&per_page=25")  # warm the cached counts
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counts = {}
    for size in (3, 40):
        statements.clear()
        for path in ("/services", "/api/v1/services"):
            assert client.get(f"{path}?q=sociale&per_page={size}").status_code == 200
        counts[size] = len(statements)
    assert counts[3] == counts[40]


def test_the_synonyms_file_is_checked_when_it_is_read():
    assert lexicon.synonyms().subjects  # the shipped file reads
    with pytest.raises(ValueError, match=r"\[x\] domains has unknown codes \['jobs'\]"):
        lexicon.Synonyms.parse({"x": {"fr": ["emploi"], "domains": ["jobs"]}})
    with pytest.raises(ValueError, match=r"\[x\] has unknown keys \['de'\]"):
        lexicon.Synonyms.parse({"x": {"de": ["Arbeit"]}})
    with pytest.raises(ValueError, match=r"\[x\] nl has an empty term"):
        lexicon.Synonyms.parse({"x": {"nl": ["werk", " - "]}})
    with pytest.raises(ValueError, match=r"\[x\] has no terms"):
        lexicon.Synonyms.parse({"x": {"domains": ["sport"]}})
