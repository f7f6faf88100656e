"""People find what they came for in one search: 30 everyday searches per language
(tests/search_queries.toml), through the public API, over the demo data, on SQLite and
PostgreSQL. The test reports two figures per language and fails below them:

- recall: the share of the expected services a search returns (averaged over the searches),
  at least 0.9;
- first hit: the share of searches whose first result is one of the expected services, at
  least 0.8.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.conftest import make_app

QUERIES = tomllib.loads((Path(__file__).with_name("search_queries.toml")).read_text("utf-8"))
LANGS = ("nl", "fr", "en")
LEAST_RECALL = 0.9
LEAST_FIRST_HIT = 0.8


def expected(names: list[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        found |= set(QUERIES["sets"][name[1:]]) if name.startswith("@") else {name}
    return found


def test_the_query_file_has_thirty_everyday_searches_per_language():
    for lang in LANGS:
        searches = QUERIES[lang]
        assert len(searches) == 30, lang
        assert len({item["q"].lower() for item in searches}) == 30, f"{lang}: a search twice"
        assert all(expected(item["expect"]) for item in searches)


def test_everyday_searches_find_what_people_expect(database_url, providers, capsys):
    app = make_app(database_url, **providers.settings())
    client = app.test_client()
    published = {
        item["external_id"]
        for item in client.get("/api/v1/services?per_page=250").get_json()["items"]
    }
    lines, figures = [], {}
    for lang in LANGS:
        recalls, first_hits = [], []
        for item in QUERIES[lang]:
            want = expected(item["expect"])
            assert want <= published, f"{item['q']}: {sorted(want - published)} are not public"
            answer = client.get(
                "/api/v1/services",
                query_string={"q": item["q"], "per_page": 250},
                headers={"Accept-Language": lang},
            )
            assert answer.status_code == 200
            found = [service["external_id"] for service in answer.get_json()["items"]]
            recall = len(want & set(found)) / len(want)
            first_hit = bool(found) and found[0] in want
            recalls.append(recall)
            first_hits.append(first_hit)
            if recall < 1 or not first_hit:
                lines.append(
                    f"  {lang} {item['q']!r}: recall {recall:.2f}, first {found[:1]}, "
                    f"missing {sorted(want - set(found))}"
                )
        figures[lang] = (sum(recalls) / len(recalls), sum(first_hits) / len(first_hits))
    backend = app.extensions["concerto.db"].engine.dialect.name
    report = [f"search quality on {backend} (tests/search_queries.toml):"]
    report += [
        f"  {lang}: recall {recall:.3f}, first hit relevant {first:.3f} (30 searches)"
        for lang, (recall, first) in figures.items()
    ]
    with capsys.disabled():
        print("\n" + "\n".join(report + lines))
    app.extensions["concerto.db"].engine.dispose()
    for lang, (recall, first) in figures.items():
        assert recall >= LEAST_RECALL, f"{lang}\n" + "\n".join(report + lines)
        assert first >= LEAST_FIRST_HIT, f"{lang}\n" + "\n".join(report + lines)
