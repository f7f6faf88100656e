"""Reading the change log and its feeds in tests (tests/test_changes_*.py): the people who
read them, a client logged in as one of them, an API token's header, every change after a
cursor page by page, a record's changes, a form posted, an import run to its end, and the
Atom feed's entries checked against RFC 4287 as a strict reader does."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import feedparser
from lxml import etree
from sqlalchemy import select

from core.inventory.models import Service
from tests.logins import api_token, csrf_token, login

LOTTE = ("vlaams", "vlaams-lotte")  # a Flemish coordinator
JULIEN = ("cocof", "cocof-julien")  # a member of the committee
CAMILLE = ("cocof", "cocof-camille")  # a coordinator of COCOF, not on the committee
BRAM = ("vlaams", "vlaams-bram")  # a Flemish viewer
ATOM = "{http://www.w3.org/2005/Atom}"


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
