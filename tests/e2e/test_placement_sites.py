"""A French-speaking organisation applies as a placement site in the browser, from the
keyboard where it matters, and the Flemish network manager approves it; every page passes
axe."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser


def test_an_organisation_applies_and_the_network_manager_approves(browser, live_app):
    app, base = live_app
    visitor = browser.new_context(locale="fr-BE").new_page()
    visitor.goto(f"{base}/language/fr")
    visitor.goto(f"{base}/vlaams/placement-sites/apply")
    assert run_axe(visitor) == []
    visitor.get_by_role("button", name="Envoyer la candidature").click()
    visitor.locator("[aria-invalid=true]").first.wait_for()  # the answer, not the form sent
    assert visitor.locator("[aria-invalid=true]").count() >= 5
    assert run_axe(visitor) == []
    visitor.get_by_label(re.compile("^Organisation")).fill("Ferme pédagogique Les Tilleuls")
    visitor.get_by_label("Forme juridique").select_option("non_profit")
    visitor.get_by_label("Province").select_option("brussel")
    visitor.get_by_label(re.compile("^Adresse du lieu")).fill("Rue du Moulin 3, 1070 Anderlecht")
    visitor.get_by_label(re.compile("^Responsable")).fill("Claire Dubois")
    visitor.get_by_label(re.compile("^Adresse e-mail")).fill("claire@tilleuls.example")
    visitor.get_by_label("Comment vous encadrez la personne chaque jour").fill("Chaque jour.")
    visitor.get_by_label("Le travail que vous proposez").fill("Soins aux animaux.")
    for duty in ("encadre la personne", "propose un travail utile", "veille à ce que"):
        visitor.get_by_label(re.compile(duty)).focus()
        visitor.keyboard.press("Space")
    visitor.get_by_role("button", name="Envoyer la candidature").click()
    assert "Merci pour votre candidature" in visitor.locator("h1").inner_text()
    assert run_axe(visitor) == []

    manager = browser.new_context(locale="nl-BE").new_page()
    browser_login(manager, live_app, ("vlaams", "network_manager"))
    manager.goto(f"{base}/language/nl")
    manager.goto(f"{base}/vlaams/placement-sites")
    assert run_axe(manager) == []
    manager.get_by_role("link", name="Ferme pédagogique Les Tilleuls").click()
    assert run_axe(manager) == []
    manager.get_by_role("button", name="Goedkeuren").click()
    assert "goedgekeurd" in manager.locator(".messages").inner_text()
