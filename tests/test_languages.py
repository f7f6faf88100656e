"""Languages: the locale chain, the switch, Belgian formats, complete catalogues."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT


def test_accept_language_decides_when_nothing_else_does(client):
    page = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr-BE">' in page
    assert "Aller au contenu principal" in page


def test_dutch_is_the_default(client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")  # a browser that asks for nothing
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl-BE">' in page
    assert "Naar de hoofdinhoud" in page


def test_an_explicit_choice_is_kept_and_beats_the_browser(client):
    response = client.get("/language/en?next=/authorities")
    assert response.status_code == 302
    assert response.headers["Location"] == "/authorities"
    page = client.get("/reference", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en-BE">' in page
    assert "Brussels prisons" in page


def test_an_unknown_language_falls_back_with_a_message_never_an_error(client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    response = client.get("/language/klingon?next=/reference", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Die taal is niet beschikbaar" in page
    assert '<html lang="nl-BE">' in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_the_language_switch_never_redirects_off_site(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("language", "capacity", "date_text"),
    [
        ("nl", "1.190", "30 september 2022"),
        ("fr", "1\u202f190", "30 septembre 2022"),
        ("en", "1.190", "30 September 2022"),
    ],
)
def test_numbers_and_dates_follow_belgian_formats(client, language, capacity, date_text):
    client.get(f"/language/{language}")
    page = client.get("/reference").get_data(as_text=True)
    assert capacity in page
    assert date_text in page


def test_plugin_pages_use_the_plugins_own_catalogue(client):
    page = client.get("/vlaams/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Cette page décrit comment la Communauté flamande participe" in page
    assert "Aller au contenu principal" in page  # the layout, from the core's catalogue


def test_every_string_in_the_code_is_translated_into_dutch_and_french():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "catalogues.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def _catalogues() -> list[Path]:
    """The nl and fr catalogues of the components scripts/catalogues.py maintains."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from catalogues import components, po_path

    return [
        po_path(folder, lang, domain)
        for domain, _source, folder in components()
        for lang in ("nl", "fr")
    ]


def test_there_is_a_dutch_and_french_catalogue_for_the_core_and_each_plugin():
    names = {(p.parts[-3], p.stem) for p in _catalogues()}
    for domain in [
        "messages",
        "concerto_cocom",
        "concerto_vlaams",
        "concerto_federatie_wb",
        "concerto_cocof",
        "concerto_justitie",
    ]:
        assert ("nl", domain) in names and ("fr", domain) in names


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_catalogue_has_an_untranslated_or_fuzzy_entry(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not m.string)]
    assert bad == []


class _SignedInUser:
    """What the login (issue 3) puts on ``g.user``: here, a Flemish coordinator."""

    default_language = "nl"


def test_the_users_authority_language_beats_the_browser_but_not_an_explicit_choice(app):
    from flask import g, session

    from core.i18n import choose_language

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert choose_language() == "fr"
        g.user = _SignedInUser()
        assert choose_language() == "nl"
        session["language"] = "en"
        assert choose_language() == "en"
