"""The main menu: groups built from what the reader may do, the current page and section
marked, every link in the reader's language (core/site/navigation.py)."""

from __future__ import annotations

import re

from tests.logins import PEOPLE, grant, login_as


def _menu(client, path: str, language: str = "en") -> str:
    page = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
    return page[
        page.index('<nav class="main-nav"') : page.index(
            "</nav>", page.index('<nav class="main-nav"')
        )
    ]


def _groups(menu: str) -> list[str]:
    names = re.findall(r"<summary>([^<]+)<", menu)
    return [name.strip() for name in names]


def test_a_visitor_sees_the_public_groups_and_no_work_of_others(client):
    menu = _menu(client, "/")
    assert _groups(menu) == ["Menu", "Offer", "Plan", "Authorities"]
    public_groups = ("Services", "Coverage", "Organisations", "Prisons and domains", "Events")
    for public in (*public_groups, "Signals"):  # the signals the committee published
        assert f">{public}</a>" in menu
    for hidden in ("Needs", "Review", "Meetings", "Reports", "Audit log", "People", "Plugins"):
        assert f">{hidden}</a>" not in menu, hidden
    # a plugin's links join the Authorities group, in the reader's language
    assert ">Flemish Community</a>" in menu and ">Become a placement site</a>" in menu
    assert ">Devenir lieu de prestation</a>" in _menu(client, "/", "fr")


def test_each_role_gets_the_groups_of_its_work(app, client):
    login_as(client, app, ("vlaams", "coordinator"))
    coordinator = _menu(client, "/")
    assert ">Needs</a>" in coordinator and ">Reports</a>" in coordinator
    assert "Administration" not in _groups(coordinator)
    login_as(client, app, "administrator")
    administrator = _menu(client, "/")
    assert _groups(administrator)[-1] == "Administration"
    assert ">Audit log</a>" in administrator and ">Plugins</a>" in administrator


def test_the_current_page_and_its_section_are_marked(app, client):
    services = _menu(client, "/services")
    assert re.search(r'href="/services" aria-current="page">Services</a>', services)
    assert services.count('aria-current="page"') == 1
    offer = services[services.index("nav-current") :]
    assert offer.index("Offer") < offer.index("(current section)") < offer.index("</summary>")
    # a page under a group, not one of its links: the group is marked, no link claims the page
    login_as(client, app, ("vlaams", "coordinator"))
    new_service = _menu(client, "/services/new")
    marked = new_service[new_service.index("nav-current") :]
    assert marked.index("Offer") < marked.index("</summary>")
    assert 'aria-current="page"' not in new_service
    study = _menu(client, "/events")
    assert 'class="nav-group nav-current"><a href="/events" aria-current="page"' in study
    home = _menu(app.test_client(), "/", "nl")
    assert 'aria-current="page">Start</a>' in home
    assert "huidige rubriek" not in home  # Home is a link, not a group with a name to announce


def test_a_plugin_link_with_when_shows_only_to_those_who_may_use_it(app, client):
    """The placement sites' applications: for the Flemish coordinators and the network
    managers (a grant of their role), not for visitors or other authorities."""
    assert "Placement site applications" not in _menu(client, "/")
    login_as(client, app, ("cocof", "coordinator"))
    assert "Placement site applications" not in _menu(client, "/")
    for who in (("vlaams", "coordinator"), ("vlaams", "network_manager")):
        login_as(client, app, who)
        menu = _menu(client, "/")
        assert '<a href="/vlaams/placement-sites">Placement site applications</a>' in menu, who


def test_the_menu_kept_for_a_kind_of_reader_follows_their_rights_at_once(app, client):
    """Each process keeps the menu's HTML per language, page and rights
    (navigation_html): a right given shows on the next page; nobody gets another's menu."""
    login_as(client, app, ("vlaams", "coordinator"))
    before = _menu(client, "/services")
    assert "Administration" not in _groups(before) and ">Needs</a>" in before
    grant(app, "vlaams", PEOPLE["vlaams"]["coordinator"], "administrator")
    after = _menu(client, "/services")
    assert _groups(after)[-1] == "Administration" and ">Needs</a>" in after
    client.get("/language/nl")
    assert ">Noden</a>" in _menu(client, "/services", "nl")  # the same rights in Dutch
    visitor = _menu(app.test_client(), "/services")
    assert ">Needs</a>" not in visitor and "Administration" not in _groups(visitor)
