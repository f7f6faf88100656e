"""The site's main menu: a few groups a person can scan, built from what they may do.

Twenty links in one flat row wrapped to three rows and took 340 of 844 px on a phone; grouped,
the menu is one line on a desktop and one button on a phone (templates/_navigation.html,
static/js/navigation.js). A group with one link is that link; a group nobody may open is left
out. The current page's link says so (``aria-current="page"``) and its group is marked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.i18n import LocalText, localized
from core.permissions import can, current, granted_scopes

# The groups in menu order, with their names; a plugin's links go into one of them
# (``group`` in its ``nav_items``, one of core.plugins.NAV_GROUPS, by default "authorities").
GROUPS = {
    "home": _l("Home"),
    "work": _l("My work"),
    "offer": _l("Offer"),
    "meetings": _l("Meetings"),
    "plan": _l("Plan"),
    "studyday": _l("Events"),
    "authorities": _l("Authorities"),
    "administration": _l("Administration"),
}

# Pages that belong to a group without being one of its links (a service under "Offer", a
# goal under "Plan"): by blueprint, or by endpoint where one blueprint serves two groups.
SECTIONS_BY_BLUEPRINT = {
    "inventory": "offer",
    "meetings": "meetings",
    "goals": "plan",
    "signals": "plan",
    "studyday": "studyday",
    "reports": "authorities",
    "rooms": "offer",
    "partners": "meetings",
    "audit": "administration",
    "admin": "administration",
}
SECTIONS_BY_ENDPOINT = {
    "reference.authorities": "authorities",
    "reference.authority": "authorities",
    "reference.reference_data": "offer",
    "reference.plans": "plan",
    "site.home": "home",
    "work.page": "work",
}


@dataclass
class Link:
    label: str | LocalText
    url: str
    endpoint: str

    @property
    def current(self) -> bool:
        return request.endpoint == self.endpoint


@dataclass
class Group:
    key: str
    label: str
    links: list[Link] = field(default_factory=list)
    current: bool = False  # the page shown is one of its links or belongs to its section


def _section(plugin_links: list[tuple[str, Link]]) -> str | None:
    """The group the page being shown belongs to."""
    endpoint = request.endpoint or ""
    if endpoint in SECTIONS_BY_ENDPOINT:
        return SECTIONS_BY_ENDPOINT[endpoint]
    if request.blueprint in SECTIONS_BY_BLUEPRINT:
        return SECTIONS_BY_BLUEPRINT[request.blueprint]
    for group, link in plugin_links:
        if link.endpoint.split(".")[0] == request.blueprint:
            return group
    return None


def _may_see(item: dict, authority: str) -> bool:
    """A plugin's link with ``when`` shows only to those who may do one of its actions: a
    core action on the plugin's own authority's records, or a grant of its roles (an action
    named ``<code>:<action>``) in any scope."""
    person = current()
    return any(
        granted_scopes(person, action) if ":" in action else can(person, action, authority)
        for action in item["when"]
    )


def _plugin_links() -> list[tuple[str, Link]]:
    links = []
    for plugin in current_app.extensions["concerto.registry"].enabled():
        for item in plugin.nav_items:
            endpoint = item.get("endpoint")
            if "when" in item and not _may_see(item, plugin.name):
                continue
            if endpoint in current_app.view_functions:
                group = item.get("group", "authorities")  # checked at load: one of NAV_GROUPS
                link = Link(localized(item["labels"]), url_for(endpoint), endpoint)
                links.append((group, link))
    return links


def main_navigation() -> list[Group]:
    """The menu for the person reading the page."""
    person = current()
    plugin_links = _plugin_links()  # once per page: each builds addresses and checks rights

    def may(action: str) -> bool:
        return can(person, action)

    def link(label, endpoint: str) -> Link:
        return Link(label, url_for(endpoint), endpoint)

    entries: list[tuple[str, Link | None]] = [
        ("home", link(_l("Home"), "site.home")),
        ("work", link(_l("My work"), "work.page") if person.user_id else None),
        ("offer", link(_l("Services"), "inventory.search")),
        ("offer", link(_l("Coverage"), "inventory.coverage")),
        ("offer", link(_l("Organisations"), "inventory.organizations_list")),
        ("offer", link(_l("State of affairs"), "inventory.snapshots")),
        ("offer", link(_l("Needs"), "inventory.needs") if may("needs.read") else None),
        (
            "offer",
            link(_l("Review"), "inventory.review_queue") if may("inventory.review") else None,
        ),
        ("offer", link(_l("Prisons and domains"), "reference.reference_data")),
        ("offer", link(_l("Rooms"), "rooms.index") if person.user_id else None),
        ("meetings", link(_l("Meetings"), "meetings.index") if may("meetings.read") else None),
        (
            "meetings",
            link(_l("Outside partners"), "partners.index") if may("partners.read") else None,
        ),
        ("plan", link(_l("Strategic plan"), "reference.plans")),
        # the register for those who read it; the published summaries for everyone else
        (
            "plan",
            link(_l("Signals"), "signals.index")
            if may("signals.read")
            else link(_l("Signals"), "signals.public"),
        ),
        ("studyday", link(_l("Events"), "studyday.index")),
        ("authorities", link(_l("Authorities"), "reference.authorities")),
        ("authorities", link(_l("Reports"), "reports.index") if person.user_id else None),
        *plugin_links,
        ("administration", link(_l("Audit log"), "audit.log") if may("audit.read") else None),
        ("administration", link(_l("People"), "admin.users") if may("admin.users") else None),
        ("administration", link(_l("Plugins"), "admin.plugins") if may("admin.plugins") else None),
        (
            "administration",
            link(_l("Webhooks"), "webhooks.index") if may("admin.plugins") else None,
        ),
    ]
    groups = {key: Group(key, str(label)) for key, label in GROUPS.items()}
    for key, entry in entries:
        if entry is not None:
            groups[key].links.append(entry)
    section = _section(plugin_links)
    for group in groups.values():
        group.current = group.key == section or any(link.current for link in group.links)
    return [group for group in groups.values() if group.links]


# --- the menu as HTML, made once per kind of reader and page ----------------------------------

# Every page draws the menu; making it (two dozen addresses, labels and rights) was a fifth of
# a logged-in reader's page once its content came from the cache. What it shows depends only
# on what is in the key below, so each process keeps the HTML per key, least recently used out.
MENUS_KEPT = 512
_menus: OrderedDict[tuple, Markup] = OrderedDict()
_menus_lock = threading.Lock()


def navigation_html() -> Markup:
    """The menu for the person reading the page (templates/_navigation.html)."""
    person = current()
    key = (
        str(get_locale()),
        request.script_root,
        request.endpoint,
        request.blueprint,
        # what of the person the menu reads: logged in or not, and their rights
        person.channel,
        person.user_id is not None,
        person.authority,
        person.roles,
        person.platform_roles,
        person.grants,
        tuple(plugin.name for plugin in current_app.extensions["concerto.registry"].enabled()),
    )
    with _menus_lock:
        menu = _menus.get(key)
        if menu is not None:
            _menus.move_to_end(key)
            return menu
    menu = Markup(render_template("_navigation.html", groups=main_navigation()))
    with _menus_lock:
        _menus[key] = menu
        while len(_menus) > MENUS_KEPT:
            _menus.popitem(last=False)
    return menu
