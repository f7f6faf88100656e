"""The test kit the core offers plugin authors, and uses for its own tests.

A plugin's test suite adds one line to its ``conftest.py``::

    pytest_plugins = ["core.testing"]

and overrides the fixture ``concerto_plugins`` with the codes to enable (its own, and any
it works beside). It then gets, with no mock anywhere:

- ``concerto_database_url``: an empty SQLite database of the test's own (override it to
  run on PostgreSQL);
- ``concerto_app``: the platform with those plugins enabled, the core's and each plugin's
  migrations run, the reference data (authorities, prisons, domains) loaded, and each
  authority's development OpenID provider on loopback;
- ``login_as(client, authority, role)``: logs a Flask test client in as one of the
  authority's demo people holding ``role``, through the full OpenID Connect exchange
  (discovery, PKCE, nonce, ID token, userinfo), so the plugin's ``map_claims`` is exercised
  exactly as in production;
- ``csrf_token(client, path)`` to post forms.

The helpers below (``Providers``, ``login``, ``follow_provider``) are plain functions as
well, for tests that build their own fixtures.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from core import create_app
from core.identity.demo import PLATFORM_PEOPLE
from core.identity.devprovider import DemoClient, DevProvider
from core.operations.upgrade import upgrade_all
from core.plugins import load_plugins
from core.reference.services import seed_reference

APP_BASE = "http://localhost"  # where Flask's test client says requests come from


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Providers:
    """One development provider per authority, each on a free port with its own key."""

    def __init__(self, codes: list[str], port: Callable[[], int] = free_port, extra=()) -> None:
        registry = load_plugins(codes, list(extra))
        self.authorities = {code: registry.authorities[code] for code in codes}
        self.providers: dict[str, DevProvider] = {}
        for code, authority in self.authorities.items():
            users = list(authority.oidc_defaults.get("demo_users", []))
            users += [p["user"] for p in PLATFORM_PEOPLE if p["authority"] == code]
            client = DemoClient(
                client_id=f"concerto-{code}",
                client_secret=f"test-secret-{code}",
                redirect_uris=[],
                post_logout_redirect_uris=[],
                scope=" ".join(authority.oidc_defaults.get("scopes", ["openid"])),
            )
            self.providers[code] = DevProvider(code, port(), users, client).start()
        self.allow(APP_BASE)

    def allow(self, base: str) -> None:
        """Register ``base`` (an app's address) as a redirect target at every provider."""
        for code, provider in self.providers.items():
            provider.client.redirect_uris.append(f"{base}/auth/{code}/callback")
            provider.client.post_logout_redirect_uris.append(f"{base}/logged-out")

    def settings(self) -> dict:
        """The configuration table that points the platform at these providers."""
        return {
            "authorities": {
                code: {
                    "oidc": {
                        "issuer": p.issuer,
                        "client_id": p.client.client_id,
                        "client_secret": p.client.client_secret,
                    }
                }
                for code, p in self.providers.items()
            }
        }

    def subject_with_role(self, authority: str, role: str) -> str:
        """A demo person of ``authority`` whose claims the plugin maps to ``role``."""
        mapper = self.authorities[authority].claims_mapper
        for user in self.authorities[authority].oidc_defaults.get("demo_users", []):
            if mapper is not None and role in mapper(user):
                return user["sub"]
        raise LookupError(f"no demo user of {authority} holds the role {role!r}")

    def stop(self) -> None:
        for provider in self.providers.values():
            provider.stop()


def follow_provider(location: str, app_base: str = APP_BASE, http=None) -> str:
    """Let the provider answer the authorization request, through as many of its own
    redirects as it takes (interactions, consent); return its redirect back to the app."""
    http = http or requests.Session()
    for _ in range(10):
        if location.startswith(app_base):
            return location
        answer = http.get(location, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), f"{answer.status_code} {answer.text[:500]}"
        location = urljoin(location, answer.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back: {location}")


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token of a page's form, to post as a browser would."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, authority: str, subject: str, next_url: str = "/", http=None, language="en"):
    """Log ``client`` (a Flask test client) in through the authority's provider. The visit
    is in ``language`` (the messages tests read are English) unless it is None."""
    if language:
        client.get(f"/language/{language}")
    start = client.get(
        f"/auth/{authority}/login", query_string={"login_hint": subject, "next": next_url}
    )
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    back = urlsplit(follow_provider(start.location, http=http))
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


# --- pytest fixtures ---------------------------------------------------------------------


@pytest.fixture
def concerto_plugins() -> list[str]:
    """The plugin codes to enable. Override in the plugin's conftest.py."""
    return []


@pytest.fixture
def concerto_database_url(tmp_path) -> str:
    """An empty database of the test's own. Override to use PostgreSQL."""
    return f"sqlite:///{tmp_path / 'concerto.db'}"


@pytest.fixture
def concerto_providers(concerto_plugins) -> Iterator[Providers]:
    running = Providers(concerto_plugins)
    yield running
    running.stop()


@pytest.fixture
def concerto_app(concerto_database_url, concerto_plugins, concerto_providers):
    """The platform with the plugins enabled, migrated, with the reference data."""
    app = create_app(
        {
            "database_url": concerto_database_url,
            "plugins": concerto_plugins,
            "secret_key": "test-secret",
            "development": True,
            "strict_plugins": True,  # a plugin that fails to load fails the test, loudly
            "login_rate_limit": "1000 per minute",
            "anonymous_form_rate_limit": "1000 per minute",
        }
        | concerto_providers.settings()
    )
    upgrade_all(app)
    with app.extensions["concerto.db"].session() as session:
        seed_reference(session, app.extensions["concerto.registry"])
    yield app
    app.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def login_as(concerto_providers):
    """``login_as(client, authority, role)``: log in as a demo person holding ``role``."""

    def log_in(client, authority: str, role: str, next_url: str = "/"):
        subject = concerto_providers.subject_with_role(authority, role)
        return login(client, authority, subject, next_url)

    return log_in
