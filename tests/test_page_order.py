"""The order of a search's services is read from an index, kept, and every page cut from it.

Sorted by name, the order walks the index of names in the reader's language
(``core.inventory.models.name_order``: the same expression in the query and in the index,
or the database sorts every matching service's whole row, 90 ms at 50,000); "latest changes
first" walks the index of changes backwards. The order is kept until the next change to the
services (``core.inventory.generation``), so a later page or reader reads only its 25
services; a filter or a search is a bitmap of the services it finds, put in that order. Every page lists the same services in the same order as a sort in Python would.
The figures at 10,000 and 50,000 services are in bench/RESULTS.md.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from core.inventory import generation
from core.inventory.finding import Filters, find
from core.inventory.models import NAME_FALLBACKS, Service
from tests.conftest import make_app


@pytest.fixture
def order_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _plan(session, filters: Filters) -> tuple[list[Service], str]:
    """The page ``find`` reads, and the database's plan for its statement of services."""
    seen: list[tuple[str, object]] = []
    engine = session.get_bind()

    def note(_connection, _cursor, statement, parameters, _context, _many):
        if statement.startswith("SELECT services.id") and "ORDER BY" in statement:
            seen.append((statement, parameters))

    generation.clear()  # the order of a search is kept: read it from the database once more
    event.listen(engine, "before_cursor_execute", note)
    try:
        services, _total = find(session, filters)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    [(statement, parameters)] = seen
    connection = session.connection()
    if engine.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return services, "\n".join(row[-1] for row in rows)
    # The demo's 62 services are fewer than a page of the table: PostgreSQL would rightly read
    # them all. Told that sorting is dear, it shows whether the index can give the order.
    connection.execute(text("SET LOCAL enable_sort = off"))
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return services, "\n".join(row[0] for row in rows)


def _name(service: Service, language: str) -> str:
    names = (getattr(service, f"name_{code}") for code in NAME_FALLBACKS[language])
    return next(name for name in names if name is not None).lower()


@pytest.mark.parametrize("language", sorted(NAME_FALLBACKS))
def test_a_page_by_name_walks_the_index_of_names_in_the_readers_language(order_app, language):
    with order_app.extensions["concerto.db"].session() as session:
        whole = Filters(public_only=True, reading=language, per_page=250)
        everything = find(session, whole)[0]
        expected = sorted(everything, key=lambda service: (_name(service, language), service.id))
        assert [s.id for s in everything] == [s.id for s in expected]
        second, plan = _plan(session, Filters(public_only=True, reading=language, page=2))
        assert f"ix_services_name_order_{language}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # SQLite: no sort
        assert [s.id for s in second] == [s.id for s in expected[25:50]]


def test_latest_changes_first_walks_the_index_of_changes(order_app):
    with order_app.extensions["concerto.db"].session() as session:
        # An import gives many services one moment: the latest id comes first among them.
        moment = session.scalar(text("SELECT max(updated_at) FROM services"))
        session.execute(
            text("UPDATE services SET updated_at = :moment WHERE id % 3 = 0"), {"moment": moment}
        )
        whole = find(session, Filters(public_only=False, sort="updated", per_page=250))[0]
        expected = sorted(whole, key=lambda s: (s.updated_at, s.id), reverse=True)
        assert [s.id for s in whole] == [s.id for s in expected]
        page, plan = _plan(session, Filters(public_only=False, sort="updated", page=2))
        assert "ix_services_updated_at" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        assert [s.id for s in page] == [s.id for s in expected[25:50]]


def test_a_filtered_page_keeps_the_order_and_reads_no_place_to_filter(order_app):
    with order_app.extensions["concerto.db"].session() as session:
        everything = find(session, Filters(public_only=True, per_page=250))[0]
        in_haren = [s for s in everything if "haren" in s.prison_codes()]
        assert len(in_haren) > 5
        first, plan = _plan(session, Filters(public_only=True, prison="haren", per_page=5))
        assert [s.id for s in first] == [s.id for s in in_haren[:5]]
        # The prison is a bitmap of the services held there (core.inventory.facet_bits), kept
        # with the others: the order is the index of names, nothing read per service.
        assert "ix_services_name_order_nl" in plan and "service_locations" not in plan, plan


def test_the_order_is_kept_until_a_service_changes_and_a_page_reads_only_its_rows(order_app):
    statements: list[str] = []
    engine = order_app.extensions["concerto.db"].engine

    def note(_connection, _cursor, statement, _parameters, _context, _many):
        statements.append(statement)

    with order_app.extensions["concerto.db"].session() as session:
        first = find(session, Filters(public_only=True, per_page=10))[0]
    event.listen(engine, "before_cursor_execute", note)
    try:
        with order_app.extensions["concerto.db"].session() as session:
            second, total = find(session, Filters(public_only=True, per_page=10, page=2))
        assert len(second) == 10 and total > 20
        assert not [s for s in statements if "ORDER BY" in s and "FROM services" in s]
        statements.clear()
        with order_app.extensions["concerto.db"].session() as session:
            renamed = session.get(Service, second[0].id)
            renamed.name_nl = "Aaa eerst in de lijst"  # not flushed yet: it counts all the same
            # The transaction that renamed it sees its own order, never a kept one.
            assert find(session, Filters(public_only=True, per_page=10))[0][0].id == renamed.id
            session.rollback()
        with order_app.extensions["concerto.db"].session() as session:
            again = find(session, Filters(public_only=True, per_page=10))[0]
            assert [s.id for s in again] == [s.id for s in first]  # the rollback left no trace
            session.get(Service, second[0].id).name_nl = "Aaa eerst in de lijst"
        with order_app.extensions["concerto.db"].session() as session:
            after = find(session, Filters(public_only=True, per_page=10))[0]
        assert after[0].id == second[0].id  # committed: the next reader sees it at once
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_service_committed_meanwhile_by_another_worker_breaks_no_order(order_app):
    """The order kept by an earlier request and the bitmaps read after another worker's
    commit, in a request that read the counter before it: the new service comes last for
    that one request (never a 500), and in its place for the next."""
    from sqlalchemy import select

    from core.inventory.generation import current

    sessions = order_app.extensions["concerto.db"].sessions
    generation.clear()
    with order_app.app_context():
        earlier, meanwhile, reader = sessions(), sessions(), sessions()
        find(earlier, Filters(public_only=True))  # keeps the order of names
        earlier.commit()
        # ... and not its bitmaps (pushed out of the smaller cache by other searches), which
        # the reader then reads after the other worker's commit.
        with generation._lock:
            for key in [key for key in generation._cache if key[2] == ("facet-bitmaps",)]:
                del generation._cache[key]
        current(reader)  # the reader's request has read the counter
        model = meanwhile.scalars(select(Service).limit(1)).one()
        meanwhile.add(
            Service(
                authority_code=model.authority_code,
                external_id="MEANWHILE-1",
                domain_code=model.domain_code,
                category=model.category,
                name_nl="Aaa nieuw",
                state="draft",
            )
        )
        meanwhile.commit()
        found, total = find(reader, Filters(public_only=False, per_page=250))
        assert found[-1].external_id == "MEANWHILE-1"
        reader.commit()
        again, _total = find(reader, Filters(public_only=False, per_page=250))
        assert again[0].external_id == "MEANWHILE-1"  # "Aaa" first by name
        for session in (earlier, meanwhile, reader):
            session.close()
