"""Other systems follow the platform (issue 23): every committed change is in the log once,
whichever way it was made; /api/v1/changes pages through what the caller may read with a
cursor that never skips nor repeats; withdrawn and deleted records come as tombstones (in
HSDS too); the public Atom feeds carry the published inventory's changes per language and
authority, valid for a feed reader; a committee member's private feed holds every change
they may read, by a revocable address; each plugin hears of each event once, a failing one
without stopping the others. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree
from sqlalchemy import insert, select

from core.audit.services import acting_as
from core.events import changes, hooks, log
from core.events.models import Event, EventReader
from core.inventory import hsds, imports
from core.inventory.models import Service
from core.permissions import ANONYMOUS, system
from tests.conftest import FIVE, make_app
from tests.logins import SECRETARY, api_token, csrf_token, grant, login
from tests.test_service_history import FIRST

LOTTE = ("vlaams", "vlaams-lotte")  # a Flemish coordinator
JULIEN = ("cocof", "cocof-julien")  # a member of the committee
CAMILLE = ("cocof", "cocof-camille")  # a coordinator of COCOF, not on the committee
BRAM = ("vlaams", "vlaams-bram")  # a Flemish viewer
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def feeds_app(database_url, providers):
    application = make_app(
        database_url,
        plugins=[*FIVE, "zz_heard", "zz_failing"],
        extra_plugins=[
            "zz_heard = tests.fixture_plugins.events_heard",
            "zz_failing = tests.fixture_plugins.events_failing",
        ],
        metrics_token="metrics-secret",
        **providers.settings(),
    )
    yield application
    imports.queue_of(application).stop()
    application.extensions["concerto.db"].engine.dispose()


def _client(app, who: tuple[str, str] | None = None):
    client = app.test_client()
    if who is not None:
        login(client, *who)
    return client


def _token(app, who: tuple[str, str]) -> dict:
    login(app.test_client(), *who)
    return {"Authorization": f"Bearer {api_token(app, who[1])}"}


def _all_changes(client, since: str = "", headers=None, limit: int = 500, kinds: str = ""):
    """Every change after ``since``, read a page at a time; and the cursor to go on with."""
    found = []
    while True:
        query = {"limit": limit, "since": since} | ({"kinds": kinds} if kinds else {})
        answer = client.get("/api/v1/changes", query_string=query, headers=headers or {})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        found += body["changes"]
        assert body["next"]
        since = body["next"]
        if not body["more"]:
            return found, since


def _of(found: list[dict], record_id: int, kind: str = "service") -> list[str]:
    return [
        change["kind"]
        for change in found
        if change["record"]["kind"] == kind and change["record"]["id"] == record_id
    ]


def _post(client, path: str, data: dict | None = None):
    answer = client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return answer


def _import(client, csv: str) -> None:
    form = {
        "csrf_token": csrf_token(client, "/services/import"),
        "file": (io.BytesIO(csv.encode()), "services.csv"),
    }
    sent = client.post("/services/import", data=form, content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    for _ in range(600):
        page = client.get(sent.location)
        if "hx-trigger" not in page.get_data(as_text=True):
            assert "could not" not in page.get_data(as_text=True).lower()
            return
        time.sleep(0.05)
    raise AssertionError("the import never ended")


def _service_id(app, external_id: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service.id).where(Service.external_id == external_id))


def _entries(app, client, path: str) -> list:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/atom+xml")
    _check_atom(answer.get_data())
    parsed = feedparser.parse(answer.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed.entries


def _entries_of(entries, service_id: int) -> list[str]:
    return [e.title for e in entries if urlsplit(e.link).path == f"/services/{service_id}"]


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _check_atom(document: bytes) -> None:
    """RFC 4287's rules a strict reader applies (section 4.1): a feed and each entry carry
    exactly one id (an absolute IRI), title and updated (an RFC 3339 date-time); the feed has
    an author (its entries have none of their own) and a self link; each entry an alternate
    link (it has no content); entry ids are unique."""
    root = etree.fromstring(document)
    assert root.tag == f"{ATOM}feed"

    def one(element, name: str) -> str:
        found = element.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{name}: {len(found)}"
        return (found[0].text or "").strip()

    for element in (root, *root.findall(f"{ATOM}entry")):
        assert urlsplit(one(element, "id")).scheme in ("http", "https", "tag", "urn")
        assert one(element, "title")
        assert RFC3339.match(one(element, "updated")), one(element, "updated")
    assert root.findall(f"{ATOM}author/{ATOM}name")
    assert [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    ids = [one(entry, "id") for entry in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    for entry in root.findall(f"{ATOM}entry"):
        links = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") in (None, "alternate")
        ]
        assert links and links[0].get("href", "").startswith("http")
        assert entry.find(f"{ATOM}content") is None


# --- every change once, whichever way ----------------------------------------------------------


def test_a_change_by_page_api_and_import_is_in_the_feed_and_the_atom_feed_once(feeds_app):
    app = feeds_app
    member = _token(app, JULIEN)
    anonymous = app.test_client()
    _, start = _all_changes(anonymous, headers=member)

    # By page: written, submitted, then approved by a member.
    lotte, julien = _client(app, LOTTE), _client(app, JULIEN)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    by_page = int(created.location.rsplit("/", 1)[1])
    _post(lotte, f"/services/{by_page}/submit")
    _post(julien, f"/services/{by_page}/approve")

    # By the API, with tokens.
    coordinator = _token(app, LOTTE)
    answer = anonymous.post(
        "/api/v1/services",
        json={
            "external_id": "VG-API-1",
            "category": "sport",
            "name_nl": "Yoga via de API",
            "name_fr": "Yoga par l'API",
            "locations": [{"prison": "haren"}],
        },
        headers=coordinator,
    )
    assert answer.status_code == 201, answer.get_json()
    by_api = answer.get_json()["id"]
    assert (
        anonymous.post(f"/api/v1/services/{by_api}/submit", headers=coordinator).status_code == 200
    )
    assert anonymous.post(f"/api/v1/services/{by_api}/approve", headers=member).status_code == 200

    # By import, then submitted on the page and approved.
    _import(
        lotte,
        "external_id,category,name_nl,name_fr,prisons\nVG-IMP-1,sport,Zwemmen,Natation,haren\n",
    )
    by_import = _service_id(app, "VG-IMP-1")
    _post(lotte, f"/services/{by_import}/submit")
    _post(julien, f"/services/{by_import}/approve")

    seen, _ = _all_changes(anonymous, start, headers=member)
    expected = ["service.created", "service.changed", "service.published"]
    for service_id in (by_page, by_api, by_import):
        assert _of(seen, service_id) == expected, service_id
    channels = {
        (c["record"]["id"], c["kind"]): c["channel"]
        for c in seen
        if c["record"]["kind"] == "service"
    }
    assert channels[(by_page, "service.created")] == "page"
    assert channels[(by_api, "service.created")] == "api"
    assert channels[(by_api, "service.published")] == "api"
    assert channels[(by_import, "service.created")] == "page"  # the coordinator's upload
    submitted = next(
        c for c in seen if c["record"]["id"] == by_page and c["kind"] == "service.changed"
    )
    assert submitted["fields"] == ["state"] and submitted["visibility"] == "authority:vlaams"

    # The public sees each service once, when it entered the inventory; never the drafts.
    public, _ = _all_changes(anonymous, start)
    for service_id in (by_page, by_api, by_import):
        assert _of(public, service_id) == ["service.published"]
    assert {c["visibility"] for c in public} == {"public"}
    published = next(c for c in public if c["record"]["id"] == by_api)
    assert published["record"]["api_url"].endswith(f"/api/v1/services/{by_api}")
    assert published["title"]["nl"] == "Yoga via de API" and not published["tombstone"]

    # And in the Atom feeds: once each, in the feed's language; the Flemish one has them too.
    entries = _entries(app, anonymous, "/feeds/inventory/fr.atom")
    for service_id in (by_page, by_api, by_import):
        assert len(_entries_of(entries, service_id)) == 1
    assert _entries_of(entries, by_import) == ["Service publié\u00a0: Natation"]
    assert _entries_of(entries, by_page) == ["Service publié\u00a0: Escalade en salle de sport"]
    flemish = _entries(app, anonymous, "/feeds/inventory/vlaams/nl.atom")
    assert _entries_of(flemish, by_import) == ["Dienst gepubliceerd: Zwemmen"]
    assert not _entries(app, anonymous, "/feeds/inventory/cocof/nl.atom") or all(
        not _entries_of(_entries(app, anonymous, "/feeds/inventory/cocof/nl.atom"), s)
        for s in (by_page, by_api, by_import)
    )

    # A second import of the same row changes nothing and tells nothing; a changed row once.
    _, before = _all_changes(anonymous, headers=member)
    _import(
        lotte,
        "external_id,category,name_nl,name_fr,prisons\nVG-IMP-1,sport,Zwemmen,Natation,haren\n",
    )
    assert _all_changes(anonymous, before, headers=member)[0] == []
    _import(
        lotte,
        "external_id,category,name_nl,name_fr,prisons\nVG-IMP-1,sport,Zwemmen in Haren,Natation,haren\n",
    )
    again, _ = _all_changes(anonymous, before, headers=member)
    assert [(c["kind"], c["visibility"]) for c in again] == [
        ("service.changed", "authority:vlaams")
    ]
    assert "pending" in again[0]["fields"], "a published service's change waits for review"


# --- tombstones ---------------------------------------------------------------------------------


def test_a_withdrawn_and_a_deleted_service_come_as_tombstones_in_the_feeds_and_hsds(feeds_app):
    app = feeds_app
    anonymous = app.test_client()
    coordinator, member = _token(app, LOTTE), _token(app, JULIEN)
    _, start = _all_changes(anonymous)
    with app.extensions["concerto.db"].session() as db:
        withdrawn, deleted = db.scalars(
            select(Service)
            .where(Service.authority_code == "vlaams", Service.published_at.is_not(None))
            .order_by(Service.id)
            .limit(2)
        ).all()
        withdrawn_id, deleted_id = withdrawn.id, deleted.id
        since = max(withdrawn.updated_at, deleted.updated_at)
    read = anonymous.get(f"/api/v1/services/{withdrawn_id}", headers=coordinator)
    answer = anonymous.patch(
        f"/api/v1/services/{withdrawn_id}",
        json={"active": False},
        headers=coordinator | {"If-Match": read.headers["ETag"]},
    )
    assert answer.status_code == 200, answer.get_json()
    assert (
        anonymous.post(f"/api/v1/services/{withdrawn_id}/submit", headers=coordinator).status_code
        == 200
    )
    # Before the review the public inventory is unchanged: nothing public yet.
    assert _all_changes(anonymous, start)[0] == []
    assert (
        anonymous.post(f"/api/v1/services/{withdrawn_id}/approve", headers=member).status_code
        == 200
    )
    # Deleted from the command line (no page deletes a service).
    with (
        app.app_context(),
        acting_as(system("cli", "test")),
        app.extensions["concerto.db"].session() as db,
    ):
        db.delete(db.get(Service, deleted_id))
        db.commit()

    public, _ = _all_changes(anonymous, start)
    assert [(c["kind"], c["record"]["id"]) for c in public] == [
        ("service.withdrawn", withdrawn_id),
        ("service.deleted", deleted_id),
    ]
    assert all(c["tombstone"] and c["record"]["api_url"] is None for c in public)
    assert public[1]["channel"] == "cli" and public[1]["title"]["nl"]
    only, _ = _all_changes(anonymous, start, kinds="service.deleted")
    assert [c["record"]["id"] for c in only] == [deleted_id]

    entries = _entries(app, anonymous, "/feeds/inventory/nl.atom")
    assert _entries_of(entries, withdrawn_id)[0].startswith("Dienst ingetrokken: ")
    gone = [e for e in entries if e.title.startswith("Dienst verwijderd: ")]
    assert len(gone) == 1 and urlsplit(gone[0].link).path == "/services"

    # HSDS: the withdrawn service is inactive, the deleted one defunct, both since the edit
    # time the services carried (the approval itself did not move updated_at).
    listed = anonymous.get(
        "/hsds/services", query_string={"modified_after": since.isoformat(), "per_page": 250}
    ).get_json()
    statuses = {item["id"]: item["status"] for item in listed["contents"]}
    assert statuses[hsds.uid("service", withdrawn_id)] == "inactive"
    assert statuses[hsds.uid("service", deleted_id)] == "defunct"
    assert listed["total_items"] == len(listed["contents"])
    from tests.hsds import _validator

    for item in listed["contents"]:
        assert not list(_validator().iter_errors(item)), item["id"]


# --- visibility ---------------------------------------------------------------------------------


def test_each_reader_sees_only_the_changes_they_may_read(feeds_app):
    app = feeds_app
    login(app.test_client(), *SECRETARY)
    grant(app, *SECRETARY, "secretary")
    readers = {
        "anonymous": (None, {"public"}),
        "cocof coordinator": (_token(app, CAMILLE), {"public", "logged_in", "authority:cocof"}),
        "vlaams viewer": (_token(app, BRAM), {"public", "logged_in", "authority:vlaams"}),
        "member": (
            _token(app, JULIEN),
            {"public", "logged_in", "committee", *(f"authority:{code}" for code in FIVE)},
        ),
        "secretary": (
            _token(app, SECRETARY),
            {"public", "logged_in", "committee", "secretariat", *(f"authority:{c}" for c in FIVE)},
        ),
    }
    client = app.test_client()
    seen = {}
    for name, (headers, allowed) in readers.items():
        found, _ = _all_changes(client, headers=headers)
        seen[name] = {c["visibility"] for c in found}
        assert seen[name] <= allowed, (name, seen[name] - allowed)
        assert {c["kind"].partition(".")[0] for c in found} <= set(changes.RECORD_KINDS)
    # The demo's data holds each level, so the test does see them withheld.
    assert seen["anonymous"] == {"public"}
    assert (
        "authority:vlaams" in seen["member"] and "authority:vlaams" not in seen["cocof coordinator"]
    )
    assert "secretariat" in seen["secretary"] and "secretariat" not in seen["member"]
    assert "logged_in" in seen["vlaams viewer"]
    # The rule is the pages' own: what a reader may see, event by event.
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert log.levels_for(ANONYMOUS) == ["public"]
        for event in db.scalars(select(Event).limit(2000)):
            assert log.may_see(ANONYMOUS, event) == (event.visibility == "public")


# --- the cursor ---------------------------------------------------------------------------------


def test_paging_by_cursor_neither_skips_nor_repeats(feeds_app):
    app = feeds_app
    client = app.test_client()
    login(client, *SECRETARY)
    grant(app, *SECRETARY, "secretary")
    secretary = _token(app, SECRETARY)
    whole, end = _all_changes(client, headers=secretary, limit=500)
    paged, paged_end = _all_changes(client, headers=secretary, limit=7)
    assert [c["id"] for c in paged] == [c["id"] for c in whole]
    assert len({c["id"] for c in whole}) == len(whole) > 300
    assert paged_end == end
    # Nothing new: the same cursor comes back, and the page is empty.
    again = client.get("/api/v1/changes", query_string={"since": end}, headers=secretary).get_json()
    assert again == {"changes": [], "next": end, "more": False}
    # Going on from a change's own cursor gives what followed it.
    middle = whole[200]
    after, _ = _all_changes(client, middle["cursor"], headers=secretary)
    assert [c["id"] for c in after] == [c["id"] for c in whole[201:]]
    # A new change comes after the cursor, once.
    lotte = _client(app, LOTTE)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    new, _ = _all_changes(client, end, headers=secretary)
    assert [(c["kind"], c["record"]["id"]) for c in new] == [("service.created", service_id)]
    # What the platform did not give is refused, in words.
    for query, field in (
        ({"since": "not-a-cursor"}, "since"),
        ({"kinds": "service.teleported"}, "kinds"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
    ):
        refused = client.get("/api/v1/changes", query_string=query)
        assert refused.status_code == 422
        assert refused.get_json()["errors"][0]["field"] == field
    assert "/changes" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_an_event_committed_late_by_a_longer_transaction_is_not_skipped(feeds_app):
    """PostgreSQL hands out ids before commit: a reader that had kept the id of a later event
    would never see an earlier one committed after it (an import committing after a page)."""
    app = feeds_app
    engine = app.extensions["concerto.db"].engine
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        start = log.end_of_log(db)
    row = {
        "kind": "goal.changed",
        "record_kind": "goal",
        "record_id": 1,
        "visibility": "public",
        "data": {},
        "channel": "job",
    }
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writes one transaction at a time: ids are the commit order")
    long = engine.connect()
    long_tx = long.begin()
    long.execute(insert(Event).values(row | {"record_id": 1}))
    with engine.begin() as short:
        short.execute(insert(Event).values(row | {"record_id": 7}))
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        assert log.read(db, start) == [], "the later event waits for the one still being written"
    long_tx.commit()
    long.close()
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        found = log.read(db, start)
        assert [e.record_id for e in found] == [1, 7]
        assert found[0].id < found[1].id
    # Events copied from SQLite by a restore have no transaction: read first, not lost.
    with engine.begin() as restore:
        restore.execute(insert(Event).values(row | {"record_id": 9, "tx": None}))
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        restored = log.read(db, log.START, where=Event.tx.is_(None))
        assert [e.record_id for e in restored] == [9]
        assert log.read(db, log.position_of(found[-1])) == [], "and not again at the end"


# --- the private feed ---------------------------------------------------------------------------


def test_a_member_reads_the_committees_changes_by_a_private_revocable_address(feeds_app):
    app = feeds_app
    julien, camille, anonymous = _client(app, JULIEN), _client(app, CAMILLE), app.test_client()
    page = julien.get("/account/feed")
    assert page.status_code == 200 and "feeds/committee/" not in page.get_data(as_text=True)
    made = julien.post("/account/feed", data={"csrf_token": csrf_token(julien, "/account/feed")})
    assert made.status_code == 200
    address = re.search(
        r'value="(http[^"]+/feeds/committee/[^"]+\.atom)"', made.get_data(as_text=True)
    ).group(1)
    # A draft of a Flemish service: the committee's, not the public's.
    lotte = _client(app, LOTTE)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    path = urlsplit(address).path
    entries = _entries(app, anonymous, path)
    # Julien reads French: the title is the French one.
    assert _entries_of(entries, service_id) == [
        "Nouveau service (brouillon)\u00a0: Escalade en salle de sport"
    ]
    assert not _entries_of(_entries(app, anonymous, "/feeds/inventory/fr.atom"), service_id)
    assert anonymous.get(path).headers["Cache-Control"] == "private, no-store"
    # Not on the committee: no private feed.
    assert (
        camille.post(
            "/account/feed", data={"csrf_token": csrf_token(camille, "/account/feed")}
        ).status_code
        == 403
    )
    assert "Your roles do not include this." in camille.get("/account/feed").get_data(as_text=True)
    # A new address stops the old one; stopping it ends both.
    renewed = julien.post("/account/feed", data={"csrf_token": csrf_token(julien, "/account/feed")})
    newer = urlsplit(
        re.search(r'value="(http[^"]+\.atom)"', renewed.get_data(as_text=True)).group(1)
    ).path
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(newer).status_code == 200
    _post(julien, "/account/feed/revoke")
    assert anonymous.get(newer).status_code == 404
    assert anonymous.get("/feeds/committee/guessed.atom").status_code == 404


def test_the_services_page_points_feed_readers_to_its_feeds(feeds_app):
    client = feeds_app.test_client()
    page = client.get("/services?authority=vlaams", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    links = re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">', page
    )
    assert [href for _title, href in links] == [
        "/feeds/inventory/fr.atom",
        "/feeds/inventory/vlaams/fr.atom",
    ]
    for _title, href in links:
        assert client.get(href).status_code == 200
    assert client.get("/feeds/inventory/atlantis/nl.atom").status_code == 404
    assert client.get("/feeds/inventory/de.atom").status_code == 404


# --- the plugins' event hook --------------------------------------------------------------------


def test_each_plugin_hears_each_event_once_and_a_failing_one_stops_no_other(feeds_app):
    from tests.fixture_plugins import events_failing, events_heard

    app = feeds_app
    events_heard.HEARD.clear()
    events_failing.CALLS.clear()
    registry = app.extensions["concerto.registry"]

    def run() -> int:
        with app.app_context(), app.extensions["concerto.db"].session() as db:
            return hooks.deliver(db, registry)

    assert run() == 0, "a plugin first seen starts from now, not from the whole past"
    lotte = _client(app, LOTTE)
    created = lotte.post(
        "/services/new", data={"csrf_token": csrf_token(lotte, "/services/new"), **FIRST}
    )
    service_id = int(created.location.rsplit("/", 1)[1])
    _post(lotte, f"/services/{service_id}/submit")
    with app.extensions["concerto.db"].session() as db:
        written = db.scalars(
            select(Event.id)
            .where(Event.record_id == service_id, Event.record_kind == "service")
            .order_by(Event.id)
        ).all()
    assert len(written) == 3  # created, changed (submitted), and the step service_submitted

    assert run() == 3
    assert [e.id for e in events_heard.HEARD] == written
    kinds = [e.kind for e in events_heard.HEARD]
    assert kinds == ["service.created", "service.changed", "service_submitted"]
    first = events_heard.HEARD[0]
    assert (first.record_id, first.authority, first.channel, first.tombstone) == (
        service_id,
        "vlaams",
        "page",
        False,
    )
    assert [written[0]] == events_failing.CALLS, "the failing plugin stops at its own failure"
    # Two more runs: the heard plugin hears nothing twice; the failing one is tried again on
    # the same event, three calls in all, then skips it and goes on (and fails again).
    assert run() == 0 and run() == 0
    assert len(events_heard.HEARD) == 3
    assert [written[0]] * 3 + [written[1]] == events_failing.CALLS

    with app.extensions["concerto.db"].session() as db:
        failing = db.get(EventReader, "plugin:zz_failing")
        assert (failing.failures, failing.skipped, failing.delivered) == (4, 1, 0)
        assert "RuntimeError: the Region's system is down" in failing.last_error
        assert db.get(EventReader, "plugin:zz_heard").delivered == 3
    ready = app.test_client().get("/readyz").get_json()
    assert ready["plugin_events"]["zz_failing"]["failures"] == 4
    assert ready["plugin_events"]["zz_heard"] == ready["plugin_events"]["zz_heard"] | {
        "failures": 0,
        "delivered": 3,
    }
    metrics = (
        app.test_client()
        .get("/metrics", headers={"Authorization": "Bearer metrics-secret"})
        .get_data(as_text=True)
    )
    assert 'concerto_plugin_event_failures_total{plugin="zz_failing"} 4.0' in metrics
    assert 'concerto_plugin_events_skipped_total{plugin="zz_failing"} 1.0' in metrics
    assert 'concerto_plugin_events_delivered_total{plugin="zz_heard"} 3.0' in metrics
    assert registry.plugins["zz_failing"].status == "enabled", "a failing handler stays enabled"
    # The job itself is scheduled, every minute.
    from core.scheduler import CORE_JOBS

    assert {
        "id": "plugin_events",
        "func": "core.events.hooks:run",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    } in CORE_JOBS
