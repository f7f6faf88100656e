"""The public inventory's pages served from a response cache (issue 25, public pages near the
floor; core.inventory.page_cache): a change shows at once, also when another worker made it;
a rolled-back change never shows; a logged-in reader never gets an anonymous page; no reader
gets another's; conditional requests answer 304; and a cached page costs one statement."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import event, func, select, update

from core.db import db_session
from core.identity.models import BrowserSession
from core.inventory import page_cache
from core.inventory.models import ErrorReport, Service
from core.reference.models import Prison, ServiceDomain
from tests.conftest import make_app
from tests.logins import login_as

SERVICE = 1  # the demo's first service: published, of the Flemish Community
PAGES = [
    "/services",
    "/services?q=drug&prison=haren",
    f"/services/{SERVICE}",
    "/coverage",
    "/api/v1/services?domain=drugs",
    "/api/v1/coverage",
    "/hsds/services",
]


@pytest.fixture
def cached_app(database_url, providers):
    page_cache.clear()
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _rename(app, name_nl: str, name_fr: str | None = None) -> None:
    """Rename the service in a transaction of its own, as another request would."""
    with app.extensions["concerto.db"].session() as db:
        service = db.get(Service, SERVICE)
        service.name_nl = name_nl
        service.name_fr = name_fr or service.name_fr
        db.commit()


def _hsds_id(client) -> str:
    return next(
        item["id"]
        for item in client.get("/hsds/services?per_page=250&lang=nl").get_json()["contents"]
        if item["name"].startswith("Justitieel welzijnswerk")
    )


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_repeated_anonymous_request_reads_only_the_change_counter(cached_app):
    engine = cached_app.extensions["concerto.db"].engine
    client = cached_app.test_client()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    paths = [*PAGES, f"/hsds/services/{_hsds_id(client)}"]
    for path in paths:
        first = client.get(path)
        assert first.status_code == 200, path
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            again = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert again.status_code == 200, path
        assert again.get_data() == first.get_data() or path.startswith("/services/"), path
        assert len(statements) == 1, f"{path}: {statements}"
        assert "inventory_generation" in statements[0]


def test_a_change_shows_at_once_also_when_another_worker_made_it(cached_app, database_url):
    client = cached_app.test_client()
    identifier = _hsds_id(client)
    before = {path: client.get(path) for path in ("/services", f"/services/{SERVICE}")}
    before["hsds"] = client.get(f"/hsds/services/{identifier}")
    assert "Justitieel welzijnswerk" in _text(client.get("/services", headers=_nl()))

    # Another worker: a second app on the same database, with its own process state.
    other = make_app(database_url)
    try:
        _rename(other, "Herschreven begeleiding", "Accompagnement réécrit")
    finally:
        other.extensions["concerto.db"].engine.dispose()

    assert "Herschreven begeleiding" in _text(client.get("/services", headers=_nl()))
    assert "Herschreven begeleiding" in _text(client.get(f"/services/{SERVICE}", headers=_nl()))
    assert "Accompagnement réécrit" in _text(client.get("/services", headers=_fr()))
    hsds = client.get(f"/hsds/services/{identifier}?lang=nl").get_json()
    assert hsds["name"] == "Herschreven begeleiding"
    # The ETags handed out before the change no longer match: a full answer, a new tag.
    for path, old in (("/services", before["/services"]), ("hsds", before["hsds"])):
        url = f"/hsds/services/{identifier}" if path == "hsds" else path
        fresh = client.get(url, headers={"If-None-Match": old.headers["ETag"]})
        assert fresh.status_code == 200, path
        assert fresh.headers["ETag"] != old.headers["ETag"]


def test_a_change_to_what_the_pages_name_shows_at_once(cached_app):
    """A prison's name is not a service, but the pages show it."""
    client = cached_app.test_client()
    assert "Gevangenis Haren" not in _text(client.get("/coverage", headers=_nl()))
    with cached_app.extensions["concerto.db"].session() as db:
        db.get(Prison, "haren").name_nl = "Gevangenis Haren"
        db.commit()
    assert "Gevangenis Haren" in _text(client.get("/coverage", headers=_nl()))
    assert "Gevangenis Haren" in _text(client.get(f"/services/{SERVICE}", headers=_nl()))
    # Also when written in bulk through a session, which skips the flush.
    with cached_app.extensions["concerto.db"].session() as db:
        db.execute(
            update(ServiceDomain).where(ServiceDomain.code == "sport").values(name_nl="Beweging")
        )
        db.commit()
    assert "Beweging" in _text(client.get("/coverage", headers=_nl()))


def test_a_rolled_back_change_never_shows(cached_app, database_url):
    client = cached_app.test_client()
    assert client.get(f"/services/{SERVICE}", headers=_nl()).status_code == 200
    # A request whose transaction renamed the service sees its own change on the page it
    # renders, then rolls back: what it saw must not be kept for anyone.
    with cached_app.test_request_context(f"/services/{SERVICE}", headers=_nl()):
        cached_app.preprocess_request()
        db_session().get(Service, SERVICE).name_nl = "Nooit bewaard"
        db_session().flush()
        view = cached_app.view_functions["inventory.show"]
        assert "Nooit bewaard" in view(service_id=SERVICE).get_data(as_text=True)
        db_session().rollback()
        g.pop("db_session").close()
    assert "Nooit bewaard" not in _text(client.get(f"/services/{SERVICE}", headers=_nl()))
    # Nor after the next committed change, when the counter reaches the number that
    # transaction had given itself.
    with cached_app.extensions["concerto.db"].session() as db:
        db.scalars(select(Service).where(Service.id != SERVICE).limit(1)).one().capacity = 7
        db.commit()
    page = _text(client.get(f"/services/{SERVICE}", headers=_nl()))
    assert "Nooit bewaard" not in page
    assert "Justitieel welzijnswerk" in page


def test_a_logged_in_reader_never_gets_the_anonymous_page(cached_app):
    visitor = cached_app.test_client()
    anonymous = {path: visitor.get(path) for path in ("/services", f"/services/{SERVICE}")}
    assert "Log out" not in _text(anonymous[f"/services/{SERVICE}"])

    coordinator = cached_app.test_client()
    login_as(coordinator, cached_app, ("vlaams", "coordinator"))
    for path, seen in anonymous.items():
        # Even with the anonymous page's ETag: their own page, whole, and no ETag of theirs.
        page = coordinator.get(path, headers={"If-None-Match": seen.headers["ETag"]})
        assert page.status_code == 200, path
        assert "ETag" not in page.headers
        assert "Log out" in _text(page), path
        assert "private" in page.headers["Cache-Control"]
    own = _text(coordinator.get(f"/services/{SERVICE}"))
    assert f'href="/services/{SERVICE}/edit"' in own
    assert f'href="/services/{SERVICE}/edit"' not in _text(visitor.get(f"/services/{SERVICE}"))
    # And the anonymous reader is not given the coordinator's page afterwards either.
    assert "Log out" not in _text(visitor.get("/services"))


def test_an_api_token_gets_its_own_answer(cached_app):
    from tests.logins import api_token

    visitor = cached_app.test_client()
    public = visitor.get("/api/v1/services?domain=drugs").get_json()
    assert all("state" not in item for item in public["items"])
    login_as(cached_app.test_client(), cached_app, "secretary")
    token = api_token(cached_app, "cocom-secretariaat", ["member"])
    answer = visitor.get(
        "/api/v1/services?domain=drugs", headers={"Authorization": f"Bearer {token}"}
    )
    assert "ETag" not in answer.headers
    assert any("state" in item for item in answer.get_json()["items"])


def test_no_reader_gets_another_readers_page(cached_app):
    client = cached_app.test_client()
    dutch = client.get("/services", headers=_nl())
    french = client.get("/services", headers=_fr())
    assert '<html lang="nl-BE">' in _text(dutch) and '<html lang="fr-BE">' in _text(french)
    assert dutch.headers["ETag"] != french.headers["ETag"]
    assert '<html lang="nl-BE">' in _text(client.get("/services", headers=_nl()))
    api = {lang: client.get("/api/v1/coverage", headers={"Accept-Language": lang}) for lang in "ab"}
    assert api["a"].headers["ETag"] == api["b"].headers["ETag"]  # neither a language we serve
    # An anonymous reader who chose French on the site reads French, whatever their browser.
    chooser = cached_app.test_client()
    assert chooser.get("/language/fr").status_code == 302
    assert '<html lang="fr-BE">' in _text(chooser.get("/services", headers=_nl()))
    assert '<html lang="nl-BE">' in _text(client.get("/services", headers=_nl()))

    def total(query: str) -> int:
        return client.get(f"/api/v1/services?{query}").get_json()["total"]

    drugs, sport = total("domain=drugs"), total("domain=sport")
    assert drugs != sport
    assert total("domain=drugs") == drugs and total("domain=sport") == sport
    # The same question asked in another order is the same page (and the same ETag).
    one = client.get("/services?domain=drugs&prison=haren")
    other = client.get("/services?prison=haren&domain=drugs")
    assert one.headers["ETag"] == other.headers["ETag"]
    # A page reads the first of repeated values, so their order is part of the question.
    first = client.get("/api/v1/services?domain=drugs&domain=sport").get_json()["total"]
    second = client.get("/api/v1/services?domain=sport&domain=drugs").get_json()["total"]
    assert first == drugs and second == sport


def test_conditional_requests_answer_304_while_nothing_changed(cached_app):
    client = cached_app.test_client()
    for path in PAGES:
        page = client.get(path)
        tag = page.headers["ETag"]
        assert tag.startswith('W/"'), path
        assert page.headers["Cache-Control"] == "no-cache"
        assert {"Cookie", "Accept-Language"} <= set(
            page.headers["Vary"].replace(" ", "").split(",")
        )
        unchanged = client.get(path, headers={"If-None-Match": tag})
        assert unchanged.status_code == 304, path
        assert unchanged.get_data() == b""
        assert unchanged.headers["ETag"] == tag
        stale = client.get(path, headers={"If-None-Match": 'W/"0123456789abcdef"'})
        assert stale.status_code == 200, path
    # Another language's tag is not this one's.
    french = client.get("/coverage", headers=_fr()).headers["ETag"]
    assert client.get("/coverage", headers={**_nl(), "If-None-Match": french}).status_code == 200
    # Tomorrow the same page is another page (open prisons, this year, "confirmed this year").
    before = client.get("/services").headers["ETag"]
    from datetime import date

    page_cache_today = page_cache.today
    try:
        page_cache.today = lambda: date(2099, 1, 1)
        assert client.get("/services", headers={"If-None-Match": before}).status_code == 200
    finally:
        page_cache.today = page_cache_today


def test_each_visitor_gets_their_own_form_token_and_no_session_row(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    tokens = []
    # The first visitor comes twice: the second time their page could be kept as it stands.
    assert first.get(f"/services/{SERVICE}").status_code == 200
    for visitor in (first, second):
        page = _text(visitor.get(f"/services/{SERVICE}"))
        tokens += re.findall(r'name="csrf_token" value="([^"]+)"', page)
        assert "concerto-csrf-" not in page
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    # The second visitor's report, sent with the token of the page from the cache, is taken.
    sent = second.post(
        f"/services/{SERVICE}/report",
        data={"csrf_token": tokens[1], "text": "The phone number changed last month."},
    )
    assert sent.status_code in (302, 303), _text(sent)[:300]
    assert sent.headers["Location"].endswith(f"/services/{SERVICE}/reported")
    with cached_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(ErrorReport)) >= 1
        assert db.scalar(select(func.count()).select_from(BrowserSession)) == 0


def test_a_flashed_message_is_shown_to_its_reader_only(cached_app):
    reader, other = cached_app.test_client(), cached_app.test_client()
    assert reader.get("/services").status_code == 200  # the page is in the cache
    with reader.session_transaction() as session:
        session["_flashes"] = [("info", "Only for this reader")]
    assert "Only for this reader" in _text(reader.get("/services"))
    assert "Only for this reader" not in _text(reader.get("/services"))
    assert "Only for this reader" not in _text(other.get("/services"))


def _nl() -> dict:
    return {"Accept-Language": "nl"}


def _fr() -> dict:
    return {"Accept-Language": "fr"}


def test_a_logged_in_reader_shares_only_the_results_with_readers_who_see_the_same(cached_app):
    engine = cached_app.extensions["concerto.db"].engine
    with cached_app.extensions["concerto.db"].session() as db:
        draft = db.scalars(select(Service).where(Service.published_at.is_(None))).first()
        link, domain = f'href="/services/{draft.id}"', draft.domain_code
    committee = cached_app.test_client()
    login_as(committee, cached_app, "secretary")
    coordinator = cached_app.test_client()
    login_as(coordinator, cached_app, ("vlaams", "coordinator"))
    for reader in (committee, coordinator):
        reader.get("/language/nl")
    query = f"/services?domain={domain}&per_page=250"

    # The committee's results (every state) are made first and kept; the coordinator, who
    # sees published services only, is not given them, and gets their own buttons.
    assert link in _text(committee.get(query, headers=_nl()))
    page = _text(coordinator.get(query, headers=_nl()))
    assert link not in page
    assert 'href="/services/new"' in page and "Afmelden" in page
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = _text(coordinator.get(query, headers=_nl()))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again == page
    # Their session, who they are and the counter; the services are not read again.
    assert not [s for s in statements if re.search(r"\bFROM services\b", s)], statements
    # The anonymous page made afterwards has no coordinator's button, and a change shows
    # to the coordinator at once.
    assert 'href="/services/new"' not in _text(cached_app.test_client().get(query, headers=_nl()))
    assert "hernoemd" not in _text(coordinator.get("/services?per_page=250"))
    _rename(cached_app, "Justitieel welzijnswerk hernoemd")
    assert "hernoemd" in _text(coordinator.get("/services?per_page=250"))
    assert link in _text(committee.get(query, headers=_nl()))
