"""The shared inventory's search, facets, coverage and snapshots: search finds every language
without accents with facet counts, search pages are shareable and sorted, list pages make as
many queries for 250 services as for 25, cached totals follow each change at once, coverage
marks gaps, and the yearly states of affairs compare and are frozen once."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from core.inventory.models import Service
from tests.logins import csrf_token, login


def _count(client, path: str) -> int:
    page = client.get(path).get_data(as_text=True)
    return int(re.search(r'id="results-heading">(\d+) service', page).group(1))


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
    # sizes are measured alike and only the pages' own queries are compared. The pages are
    # not kept (core.inventory.page_cache): what a page costs when it is built is measured.
    app.config["CONCERTO"]["page_cache_megabytes"] = 0
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


def test_facet_counts_from_bitmaps_are_what_each_choice_would_find(app):
    """core.inventory.facet_bits against counting by hand: for each facet and value, the
    services that pass every other filter and have that value; public and committee, with
    and without a query, with filters chosen."""
    from sqlalchemy.orm import selectinload

    from core.db import db_session
    from core.inventory import finding, generation
    from core.inventory.models import LANGUAGE_CODES
    from core.reference.models import TargetGroup

    def value_sets(service) -> dict:
        return {
            "domain": {service.domain_code},
            "authority": {service.authority_code},
            "delivery": {service.delivery},
            "state": {service.state},
            "target_group": set(service.target_groups or ()),
            "language": set(service.languages or ()),
            "prison": {place.prison_code for place in service.locations},
        }

    asked = [
        {},
        {"q": "drug"},
        {"q": "werk", "prison": "haren"},
        {"domain": "drugs", "language": "fr"},
        {"authority": "vlaams", "target_group": "women", "delivery": "group"},
        {"prison": "sint_gillis", "q": "formation"},
    ]
    with app.test_request_context():
        session = db_session()
        generation.clear()
        everything = session.scalars(select(Service).options(selectinload(Service.locations))).all()
        known = {
            "target_group": set(session.scalars(select(TargetGroup.code))),
            "language": set(LANGUAGE_CODES),
        }
        for public_only in (True, False):
            for args in asked:
                filters = finding.Filters.from_args(args, public_only=public_only)
                found = filters.found(session)
                ids = set(found.service_ids) if found is not None else None
                visible = [
                    s
                    for s in everything
                    if (not public_only or (s.published_at is not None and s.active))
                    and (ids is None or s.id in ids)
                ]
                chosen = {n: getattr(filters, n) for n in finding.FACETS if getattr(filters, n)}
                counts = finding.facet_counts(session, filters)
                for name in counts:
                    expected: dict = {}
                    for service in visible:
                        values = value_sets(service)
                        if all(v in values[n] for n, v in chosen.items() if n != name):
                            for value in values[name]:
                                expected[value] = expected.get(value, 0) + 1
                    if name in known:  # codes of the reference only
                        expected = {k: v for k, v in expected.items() if k in known[name]}
                    assert dict(counts[name]) == {k: v for k, v in expected.items() if v}, (
                        public_only,
                        args,
                        name,
                    )
            assert counts["domain"] and counts["prison"]  # some choice finds something


def test_a_list_that_is_not_a_list_of_codes_and_a_code_like_a_pattern_find_nothing(app):
    """A list column holding JSON null (written around the services' checks) is in no
    language's count and breaks no search; a language asked as "_r" or "%" is no pattern,
    on the page (bitmaps) and in the downloads (SQL) alike."""
    from sqlalchemy import func, text

    from core.db import db_session
    from core.inventory import finding, generation

    with app.test_request_context():
        session = db_session()
        odd = session.scalar(select(func.min(Service.id)))
        session.execute(text("UPDATE services SET languages = 'null' WHERE id = :id"), {"id": odd})
        generation.bump(session)
        session.commit()
        filters = finding.Filters(public_only=False)
        counts = finding.facet_counts(session, filters)
        assert counts["language"] and odd in [
            s.id for s in finding.find(session, finding.Filters(public_only=False, per_page=250))[0]
        ]
        for pattern in ("_r", "%", "f%"):
            asked = finding.Filters(public_only=False, language=pattern)
            assert finding.find(session, asked)[1] == 0, pattern
            statement = (
                select(func.count())
                .select_from(Service)
                .where(*finding._conditions(session, asked))
            )
            assert session.scalar(statement) == 0, pattern
        french = finding.Filters(public_only=False, language="fr")
        assert finding.find(session, french)[1] == counts["language"]["fr"] > 0
