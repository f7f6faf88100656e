"""The authorization matrix for those who read: anonymous visitors, every authority's
viewers and the Flemish network managers (who also review their own province's placement
sites). Every write route of the platform, through pages and through the API with a token:
only what the rules allow succeeds, and what is refused leaves the data as it was.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.identity.models import Identity
from core.identity.services import create_token
from tests.authorization_cases import check_every_write
from tests.authorization_people import READERS
from tests.conftest import make_app
from tests.logins import login_as


@pytest.mark.parametrize("who", READERS, ids=lambda who: who.label)
def test_only_what_the_rules_allow_succeeds(database_url, providers, who):
    app = make_app(database_url, **providers.settings())
    try:
        check_every_write(app, who)
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_a_network_manager_reads_and_reviews_only_their_own_province(database_url, providers):
    """Seed 000: the network manager of a province reviews that province's placement sites.
    Antwerp's manager neither sees Brussels' applications in the list nor opens one, and
    holds none of a Flemish coordinator's rights; a Flemish coordinator reads every
    province's applications but reviews none."""
    from concerto_vlaams import placements

    from core.identity.demo import login_choices
    from core.identity.services import principal_for
    from core.permissions import can

    app = make_app(database_url, **providers.settings())
    try:
        with app.extensions["concerto.db"].session() as db:
            sites = {
                province: placements.apply(
                    db,
                    {
                        "organisation": f"Vzw {province}",
                        "legal_form": "non_profit",
                        "province": province,
                        "address": province,
                        "contact_name": "X",
                        "contact_email": "x@example.be",
                        "supervision": "elke dag",
                        "work_offered": "onderhoud",
                        "daily_supervision": "1",
                        "useful_work": "1",
                        "hours_checked": "1",
                    },
                )
                for province in ("antwerpen", "brussel")
            }
        antwerp = app.test_client()
        login_as(antwerp, app, ("vlaams", "network_manager_antwerpen"))
        listing = antwerp.get("/vlaams/placement-sites?province=brussel&state=all")
        assert listing.status_code == 200
        page = listing.get_data(as_text=True)
        assert "Vzw antwerpen" in page and "Vzw brussel" not in page
        assert "You review the applications of: Antwerp." in page
        # The province filter offers only Antwerp.
        assert 'value="antwerpen"' in page and 'value="brussel"' not in page
        assert antwerp.get(f"/vlaams/placement-sites/{sites['brussel']}").status_code == 403
        own = antwerp.get(f"/vlaams/placement-sites/{sites['antwerpen']}")
        assert own.status_code == 200 and 'value="approve"' in own.get_data(as_text=True)
        # Nothing of a coordinator's (the matrix above tries each write): not even the form.
        assert antwerp.get("/services/new").status_code == 403

        coordinator = app.test_client()
        login_as(coordinator, app, ("vlaams", "coordinator"))
        page = coordinator.get("/vlaams/placement-sites?state=all").get_data(as_text=True)
        assert "Vzw antwerpen" in page and "Vzw brussel" in page
        brussels = coordinator.get(f"/vlaams/placement-sites/{sites['brussel']}")
        assert brussels.status_code == 200
        assert 'value="approve"' not in brussels.get_data(as_text=True)

        # The rule itself, for a person holding both provinces' roles and for a token.
        with app.extensions["concerto.db"].session() as db:
            identity = db.scalar(select(Identity).where(Identity.subject == "vlaams-koen"))
            registry = app.extensions["concerto.registry"]
            page_principal = principal_for(identity, "page", registry=registry)
            assert can(page_principal, placements.REVIEW, "antwerpen")
            assert not can(page_principal, placements.REVIEW, "brussel")
            assert not can(page_principal, placements.REVIEW)  # not "anywhere"
            assert not can(page_principal, "inventory.edit", "vlaams")
            assert not can(page_principal, "figures.edit", "vlaams")
            assert not can(page_principal, "plan.add_action")
            # An API token carries platform roles only, never the page login's grants.
            _secret, token = create_token(db, identity, "manager", ["viewer"], 1)
            by_token = principal_for(identity, "api", token=token, registry=registry)
            assert not can(by_token, placements.REVIEW, "antwerpen")
        # The demo's login page names the duty beside the reader's rights.
        people = registry.authorities["vlaams"].oidc_defaults["demo_users"]
        koen = next(user for user in people if user["sub"] == "vlaams-koen")
        provider = SimpleNamespace(authority="vlaams", users={"vlaams-koen": koen})
        (choice,) = login_choices(registry, [provider])["vlaams"]
        assert choice["roles"] == ["viewer"]
        assert [duty["en"] for duty in choice["duties"]] == [
            "Community service network manager, Antwerpen"
        ]
    finally:
        app.extensions["concerto.db"].engine.dispose()
