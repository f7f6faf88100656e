"""Other systems follow the platform (issue 23): every committed change is in the log once,
whichever way it was made (page, API, import), in /api/v1/changes and the public Atom feed;
withdrawn and deleted records come as tombstones, in HSDS too. On SQLite and PostgreSQL.
Who reads what is in test_changes_readers.py, the cursor and the plugins' hook in
test_changes_cursor.py."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from core.audit.services import acting_as
from core.inventory import hsds
from core.inventory.models import Service
from core.permissions import system
from tests.change_feeds import (
    JULIEN,
    LOTTE,
    _all_changes,
    _client,
    _entries,
    _entries_of,
    _import,
    _of,
    _post,
    _service_id,
    _token,
)
from tests.logins import csrf_token
from tests.test_service_history import FIRST

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
