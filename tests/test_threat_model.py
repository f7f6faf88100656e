"""docs/deployment.md's threat model stays true to the code: every address it says an
anonymous visitor can reach is a route, every route an anonymous visitor gets a page or a
file from is listed there, and every limit it quotes has the default core/config.py (or
the named constant) has."""

from __future__ import annotations

import importlib
import itertools
import re
from datetime import date

from core.config import SETTINGS
from tests.conftest import ROOT, STUDY_YEAR

GUIDE = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
MODEL = GUIDE[GUIDE.index("## 7. Threat model") :]
REACH = MODEL[MODEL.index("### What an anonymous") : MODEL.index("### The limits in force")]
LIMITS = MODEL[MODEL.index("### The limits in force") :]


def _shape(path: str) -> str:
    """An address with every variable part as <>: /services/<int(...):service_id> and
    /services/<service_id> are the same route."""
    return re.sub(r"<[^>]*>", "<>", path)


def _documented() -> set[str]:
    return {_shape(path) for path in re.findall(r"`(/[^`\s]*)`", REACH)}


def _candidates(app) -> dict[str, list]:
    """Values to try for each route argument, as an anonymous visitor would find them."""
    client = app.test_client()
    hsds = client.get("/hsds/services").get_json()
    first = (hsds.get("contents") or hsds.get("items") or [{}])[0].get("id", "x")
    return {
        "code": ["vlaams", "brussels_2014_2019", "overlegcomite"],
        "year": [STUDY_YEAR, 2026],
        "fmt": ["csv", "xlsx", "json", "ods", "pdf", "docx", "ics"],
        "identifier": [first],
        "filename": ["favicon.svg"],
        "table_code": ["staffing"],
    }


def test_every_address_of_the_threat_model_is_a_route(app):
    routes = {_shape(rule.rule) for rule in app.url_map.iter_rules()}
    documented = _documented()
    assert len(documented) > 40
    assert documented - routes == set()


def test_everything_an_anonymous_visitor_can_read_is_in_the_threat_model(app):
    client = app.test_client()
    candidates = _candidates(app)
    reached = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "token" in rule.arguments:
            continue  # a secret link is a 404 without its secret; listed apart
        names = sorted(rule.arguments)
        for values in itertools.islice(
            itertools.product(*(candidates.get(name, [1]) for name in names)), 40
        ):
            try:
                path = rule.build(dict(zip(names, values, strict=True)))[1]
            except Exception:  # noqa: BLE001 - a value this converter does not take
                continue
            if client.get(path).status_code == 200:
                reached.add(_shape(rule.rule))
                break
    assert "/services/<>" in reached and "/hsds/services/<>" in reached  # the probe works
    assert reached - _documented() == set()


def test_the_limits_quoted_are_the_code_s():
    quoted = re.findall(r"`(\w+)`\s+\(default\s+`([^`]*)`", LIMITS)
    assert len(quoted) >= 12
    for key, default in quoted:
        assert str(SETTINGS[key].default) == default, key
    constants = re.findall(r"`(core(?:\.\w+)+)\.([A-Z_]+)`\s*=\s*`([^`]*)`", LIMITS)
    assert len(constants) >= 6
    for module, name, value in constants:
        actual = getattr(importlib.import_module(module), name)
        assert (actual.isoformat() if isinstance(actual, date) else str(actual)) == value, name


def test_the_page_clamps_quoted_hold(app):
    client = app.test_client()
    page = client.get("/api/v1/services", query_string={"page": 99_999_999, "per_page": 1000})
    assert (page.get_json()["page"], page.get_json()["per_page"]) == (10_000, 250)
    assert client.get("/hsds/services", query_string={"page": "9" * 30}).status_code == 200
