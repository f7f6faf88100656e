"""Every page answers in three languages with security headers; health reports the truth."""

from __future__ import annotations

import re

import pytest

from core.security import CONTENT_SECURITY_POLICY
from tests.conftest import FIVE, PAGES
from tests.logins import login_as


@pytest.mark.parametrize("path,who", PAGES)
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_answers_in_each_language(app, client, path, who, language):
    if who:
        login_as(client, app, who)
    client.get(f"/language/{language}")
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}-BE">' in page
    assert page.count("<h1") == 1
    assert 'href="#main"' in page and 'id="main"' in page


def test_every_response_carries_security_headers(client, providers):
    # Forms may post only here, and to the authorities' providers (logout redirects there).
    origins = sorted(p.issuer for p in providers.providers.values())
    expected = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(origins)
    )
    for path in ["/", "/healthz", "/does-not-exist", "/static/css/concerto.css"]:
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == expected
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_pages_load_nothing_from_outside(app, client):
    login_as(client, app, "administrator")
    # What a page loads or posts to; a plain link to an authority's website may leave.
    outside = re.compile(r'(src=|action=|<link[^>]*href=)"(https?:)?//(?!localhost[/"])')
    for path, _who in PAGES:
        page = client.get(path).get_data(as_text=True)
        assert not outside.findall(page), path


def test_the_home_page_says_what_the_platform_is_in_three_languages(client):
    assert "Vijf overheden" in client.get("/", headers={"Accept-Language": "nl"}).get_data(
        as_text=True
    )
    assert "Cinq autorités" in client.get("/", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Five authorities" in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_an_authority_page_lists_the_plugins_roles_and_vocabulary(client):
    page = client.get("/authorities/cocom", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<span lang="nl">Coördinator Justitieel Welzijnswerk</span>' in page
    assert '<span lang="fr">Coordinatrice Aide aux justiciables</span>' in page
    assert "Restorative work and victim-offender mediation" in page  # the common domain
    page = client.get("/authorities/vlaams", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    # Its own words, in the reader's language (a plugin's vocabulary carries nl, fr and en).
    assert "<td>Enseignement (CVO)</td>" in page and "Onderwijs (CVO)" not in page
    assert "Enseignement et formation" in page


def test_an_unknown_authority_or_page_is_a_localised_404(client):
    response = client.get("/authorities/atlantis", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_healthz_reports_database_plugins_and_scheduler(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert {code: body["plugins"][code]["status"] for code in FIVE} == dict.fromkeys(
        FIVE, "enabled"
    )
    assert body["scheduler"] == "stopped"  # only `demo` and `concerto scheduler` run it


def test_healthz_says_503_when_the_database_is_gone(tmp_path):
    from core import create_app
    from tests.conftest import app_config

    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "blocked.db").mkdir()
    app = create_app(app_config(f"sqlite:///{tmp_path}/blocked.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
    page = app.test_client().get("/", headers={"Accept-Language": "fr"})
    assert page.status_code == 200  # the home page degrades without the figures
