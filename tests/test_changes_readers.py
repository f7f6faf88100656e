"""Who reads which changes (issue 23): each reader sees only the changes they may read in
/api/v1/changes; a committee member's private Atom feed holds every change they may read, by
a revocable address; the services page points feed readers to its feeds. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from core.events import changes, log
from core.events.models import Event
from core.permissions import ANONYMOUS
from tests.change_feeds import (
    BRAM,
    CAMILLE,
    JULIEN,
    LOTTE,
    _all_changes,
    _client,
    _entries,
    _entries_of,
    _post,
    _token,
)
from tests.conftest import FIVE
from tests.logins import SECRETARY, csrf_token, grant, login
from tests.test_service_history import FIRST

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
