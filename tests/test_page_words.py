"""The standing guard of "words, not codes": every page reachable from the home page, as each
demo person, in Dutch, French and English, says things in words in the page's language.

A crawl follows every link a person can see (each page kind once: pages that differ only in
the record they show count as one) and fails on what a person should never meet: Python
literals, fields prefilled with ``None``, raw codes (snake_case names, authority codes,
recurrence rules), and interface words of another language than the page's outside an element
marked with its own ``lang``. The word lists are in tests/words/, one file per language.
"""

from __future__ import annotations

import re
import shutil
from collections import deque
from pathlib import Path

import pytest

from tests.conftest import FIVE, PAGES, make_app
from tests.crawl import followable, page_kind, read_page, template_kind
from tests.logins import login_as

WORDS = Path(__file__).parent / "words"
LANGUAGES = ("nl", "fr", "en")
PEOPLE = [
    None,
    *[(code, "coordinator") for code in FIVE],
    ("cocof", "member"),
    # A reader granted one task: the placement sites of Brussels (issue 20).
    ("vlaams", "network_manager"),
    "secretary",
    "administrator",
]
# Enough for every page kind a person can reach; a crawl that grows past it is a loop.
MAX_KINDS = 400


def _word_list(name: str) -> set[str]:
    lines = (WORDS / name).read_text(encoding="utf-8").splitlines()
    return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


FOREIGN = {language: _word_list(f"{language}.txt") for language in LANGUAGES}
ALLOWED_CODES = _word_list("allowed_codes.txt")

LITERAL = re.compile(r"(?<![\w-])(None|True|False)(?![\w-])|\[\s*'|\{\s*'|\[\]|\{\}")
SNAKE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
# Authority codes as the code writes them; COCOM and COCOF are also the names people use.
AUTHORITY_CODE = re.compile(r"\b(VLAAMS|FEDERATIE_WB|JUSTITIE|federatie_wb)\b")
RRULE = re.compile(r"\b(FREQ|BYDAY|BYMONTHDAY|BYSETPOS|RRULE|INTERVAL)=")
TOKEN = re.compile(r"[^\W\d_]+")
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")


def problems_on(html: str, language: str, proper_names: tuple[str, ...] = ()) -> list[str]:
    """What a reader of ``language`` should not meet on this page. ``proper_names`` (of
    organisations and people) are in the language their owners gave them, not the page's."""
    read = read_page(html)
    found = [f"<{tag}> in the page's title" for tag in read.markup_in_title]
    for value in read.field_values:
        if value.strip() in ("None", "True", "False"):
            found.append(f"a field prefilled with {value.strip()!r}")
    for text, marked in read.texts:
        if marked == "code":
            continue  # shown as code, to be typed as shown (a file's column names)
        text = EMAIL.sub("", text)
        if LITERAL.search(text):
            found.append(f"a Python literal in {text[:80]!r}")
        for code in SNAKE.findall(text):
            if code not in ALLOWED_CODES:
                found.append(f"a code {code!r} in {text[:80]!r}")
        if AUTHORITY_CODE.search(text):
            found.append(f"an authority's code in {text[:80]!r}")
        if RRULE.search(text):
            found.append(f"a recurrence rule in {text[:80]!r}")
        if marked and marked != language:
            continue  # text in another language, said so for screen readers
        for name in proper_names:
            text = text.replace(name, "")
        for other in LANGUAGES:
            if other == language:
                continue
            words = {token.lower() for token in TOKEN.findall(text)} & FOREIGN[other]
            if words:
                found.append(f"{other} words {sorted(words)} in {text[:80]!r}")
    return sorted(set(found))


def _crawl(client, starts: list[str]) -> tuple[dict[str, str], list[str], set[str]]:
    """Visit every page kind reachable from ``starts``; return a path per kind, the server
    errors met on the way and the HTML pages' paths."""
    kinds: dict[str, str] = {}
    errors = []
    pages = set()
    queue = deque(starts)
    while queue and len(kinds) < MAX_KINDS:
        path = queue.popleft()
        kind = page_kind(path)
        if kind in kinds:
            continue
        kinds[kind] = path
        response = client.get(path)
        if response.status_code >= 500:
            errors.append(f"{path}: {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = followable(path, response.location)
            if target:
                queue.append(target)
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.add(path)
        for href in read_page(response.get_data(as_text=True)).links:
            target = followable(path, href)
            if target and page_kind(target) not in kinds:
                queue.append(target)
    return kinds, errors, pages


def _proper_names(app) -> tuple[str, ...]:
    """The names of organisations and people in the demo data, longest first: they stay in
    the language their owners wrote them in."""
    from sqlalchemy import text

    queries = [
        "SELECT name FROM organizations",
        "SELECT display_name FROM users",
        "SELECT organisation FROM registrations",
        "SELECT name FROM registrations",
        "SELECT name FROM memberships",
        "SELECT signalled_by FROM needs",
        # to whom a signal is addressed: an administration or a minister by name
        "SELECT addressee FROM signals",
        # outside partners (issue 24) by the name they give themselves, and their contacts
        "SELECT name_nl FROM partners",
        "SELECT name_fr FROM partners",
        "SELECT contact_name FROM partners",
    ]
    names = set()
    with app.extensions["concerto.db"].session() as session:
        for query in queries:
            names |= {row[0] for row in session.execute(text(query)) if row[0]}
    return tuple(sorted(names, key=len, reverse=True))


@pytest.fixture(scope="module")
def crawled_app(sqlite_template, providers, tmp_path_factory):
    path = tmp_path_factory.mktemp("words") / "concerto.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}", **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _person(who) -> str:
    return "-".join(who) if isinstance(who, tuple) else str(who)


@pytest.mark.parametrize("who", PEOPLE, ids=_person)
def test_every_page_says_things_in_words_of_its_language(crawled_app, who):
    client = crawled_app.test_client()
    if who:
        login_as(client, crawled_app, who)
    starts = ["/", *[path for path, reader in PAGES if reader == who]]
    client.get("/language/nl")
    kinds, errors, pages = _crawl(client, starts)
    assert errors == [], "no page a person can reach fails"
    assert len(kinds) < MAX_KINDS
    # PAGES is what the accessibility checks in Chromium walk: it must hold each template.
    listed = {template_kind(path) for path, _reader in PAGES}
    assert {template_kind(path) for path in pages} - listed == set(), "add these to PAGES"
    names = _proper_names(crawled_app)
    failures = {}
    for language in LANGUAGES:
        client.get(f"/language/{language}")
        for path in kinds.values():
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            found = problems_on(response.get_data(as_text=True), language, names)
            if found:
                failures[f"{language} {path}"] = found
    report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in failures.items())
    assert not failures, f"{len(failures)} pages speak code or another language:\n{report}"


def test_the_guard_catches_what_it_looks_for():
    """Guards the crawl above against passing vacuously."""
    page = (
        '<html lang="fr-BE"><head><title><span lang="nl">Huis</span></title></head><body><p>Domaine : on_request</p><p>None</p>'
        "<p>['remand', 'sentenced']</p><p>CAW Brussel (VLAAMS)</p>"
        "<p>FREQ=WEEKLY;BYDAY=TU</p><p>Opslaan</p><p>Save the draft</p>"
        '<p lang="nl">Opslaan</p><input type="text" name="x" value="None">'
        "<p>Het Huis, mail: an@vlaams_demo.example</p><code>title_nl</code>"
        "<script>var None = 1;</script></body></html>"
    )
    found = "\n".join(problems_on(page, "fr", proper_names=("Het Huis",)))
    assert "'on_request'" in found
    assert "Python literal in 'None'" in found
    assert "Python literal in \"['remand'" in found
    assert "authority's code" in found
    assert "recurrence rule" in found
    assert "nl words ['opslaan'] in 'Opslaan'" in found
    assert "en words ['draft', 'save', 'the']" in found
    assert "a field prefilled with 'None'" in found
    assert found.count("opslaan") == 1  # the one marked lang="nl" is fine
    assert "var" not in found  # scripts are not read
    assert "het" not in found and "vlaams_demo" not in found  # a proper name, an address
    assert "title_nl" not in found  # shown as code, to be typed as shown
    assert "<span> in the page's title" in found


def test_a_page_kind_leaves_out_record_numbers_and_paging():
    assert page_kind("/services/12/history") == page_kind("/services/3/history")
    assert page_kind("/services?q=a&page=2") == page_kind("/services?q=b")
    assert page_kind("/services?q=a") != page_kind("/services?domain=x")
    assert followable("/services", "/static/css/x.css") is None
    assert followable("/services", "export.csv?x=1") is None
    assert followable("/services/1/", "edit") == "/services/1/edit"
    assert followable("/", "https://example.org/") is None
    assert template_kind("/authorities/cocom/edit?x=1") == template_kind("/authorities/vlaams/edit")
