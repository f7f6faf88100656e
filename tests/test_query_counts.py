"""No list page or API list makes more SQL statements for more rows (no N+1 anywhere).

Each list is read with the demo data, then every row of the table it lists is copied in SQL
(so there are twice as many, each with the same kinds of links, and none of the copies'
children yet), and the list is read again: the number of statements must not change. The
inventory's lists and the meetings' lists have their own tests (sizes 25 and 250, and many
meetings) in test_inventory_search.py and test_meetings_feeds_actions.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, text

from tests.conftest import STUDY_YEAR, make_app
from tests.logins import api_token, login_as

# path, who reads it, the table it lists, and how copies stay unique where the table says so
LISTS = [
    ("/needs", "secretary", "needs", {}),
    ("/api/v1/needs", "secretary", "needs", {}),
    ("/organizations", None, "organizations", {"external_id": "external_id || '-copy'"}),
    ("/hsds/organizations", None, "organizations", {"external_id": "external_id || '-copy'"}),
    ("/actions", "secretary", "action_items", {}),
    ("/api/v1/actions", "secretary", "action_items", {}),
    ("/api/v1/decisions", "secretary", "decisions", {}),
    (
        "/events/1/registrations",  # the demo's study day of STUDY_YEAR
        "secretary",
        "registrations",
        {"email": "'copy-' || email", "token_hash": "'copy-' || token_hash"},
    ),
    (
        f"/api/v1/study-days/{STUDY_YEAR}/registrations",
        "secretary",
        "registrations",
        {"email": "'copy-' || email", "token_hash": "'copy-' || token_hash"},
    ),
    ("/admin/users", "administrator", "users", {"calendar_token": "'copy-' || calendar_token"}),
    ("/outbox", "secretary", "outbox", {"key": "key || '-copy'"}),
    # My work: the services to review (each one's last editor), the action items assigned to
    # an authority (each one's decisions) and the overdue ones (issue 21).
    ("/work", "secretary", "services", {"external_id": "external_id || '-copy'"}),
    ("/api/v1/me/work", "secretary", "services", {"external_id": "external_id || '-copy'"}),
    ("/work", ("vlaams", "member"), "action_items", {}),
    ("/work", "secretary", "action_items", {}),
]


def _some_mail(app) -> None:
    """The demo sends no e-mail before its jobs run: one message with an attachment."""
    from core.mail.services import queue

    with app.extensions["concerto.db"].session() as db:
        queue(
            db,
            key="count-1",
            kind="test",
            recipient="someone@example.be",
            language="nl",
            subject="Uitnodiging",
            body="Tot dan.",
            attachments=[{"filename": "a.ics", "content_type": "text/calendar", "data": "x"}],
        )


def _double(engine, table: str, varied: dict[str, str]) -> int:
    columns = [c["name"] for c in inspect(engine).get_columns(table) if c["name"] != "id"]
    values = [varied.get(name, name) for name in columns]
    with engine.begin() as connection:
        before = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        connection.execute(
            text(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table}"
            )
        )
    return before


@pytest.mark.parametrize(("path", "who", "table", "varied"), LISTS, ids=[x[0] for x in LISTS])
def test_a_list_makes_as_many_statements_for_twice_the_rows(
    path, who, table, varied, sqlite_url, providers
):
    app = make_app(sqlite_url, **providers.settings())
    engine = app.extensions["concerto.db"].engine
    if table == "outbox":
        _some_mail(app)
    client = app.test_client()
    headers = {}
    if who is not None:
        login_as(client, app, who)
        if path.startswith("/api/"):
            subject = {"secretary": "cocom-secretariaat", "administrator": "cocom-beheer"}[who]
            headers = {"Authorization": f"Bearer {api_token(app, subject, ['member'])}"}
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def read() -> int:
        client.get(path, headers=headers)  # warm what a process keeps between requests
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        return len(statements)

    few = read()
    assert _double(engine, table, varied) > 0, f"the demo has no {table} to copy"
    many = read()
    assert many == few, f"{path}: {few} statements for the demo's {table}, {many} for twice"
    engine.dispose()


BAD_INPUT = {
    "a query of 10,000 characters": "q=" + "werk " * 2000,
    "200 values of one filter": "&".join(f"domain=d{i}" for i in range(200)),
    "page 10^9": "page=1000000000&per_page=250",
    "an unknown sort": "sort=nonsense;DROP",
}


@pytest.mark.parametrize("path", ["/services", "/api/v1/services"])
@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_on_the_public_list_stays_cheap(path, case, sqlite_url, providers):
    """Crafted search parameters answer a page (an empty one past the end) and never make
    the database walk the inventory: no statement steps through an OFFSET past the last
    service, and no more statements than an ordinary search."""
    # The pages are not kept (core.inventory.page_cache): what building them costs is measured.
    app = make_app(sqlite_url, page_cache_megabytes=0, **providers.settings())
    engine = app.extensions["concerto.db"].engine
    client = app.test_client()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def statements_for(query: str) -> list[str]:
        client.get(f"{path}?{query}")  # warm the counts kept between requests
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"{path}?{query}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, f"{path}?{query[:40]}: {response.status_code}"
        return list(statements)

    ordinary = statements_for("q=werk&domain=labour_market")
    crafted = statements_for(BAD_INPUT[case])
    assert len(crafted) <= len(ordinary)
    if case == "page 10^9":
        assert not any("OFFSET" in statement.upper() for statement in crafted)
