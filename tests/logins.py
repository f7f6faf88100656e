"""Logging in, in tests, through real OpenID providers on loopback.

Most tests need someone logged in with a given role, not a particular provider product:
they log in through the development providers (Authlib's server, the same the demo runs),
with the whole protocol: discovery, PKCE, nonce, RFC 9207, ID token, userinfo. The tests of
interoperability (``test_oidc_interop.py``, the npm ``oidc-provider``) and of hostile
providers (``test_oidc_hostile.py``) check the relying party itself.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import select

from core.identity.demo import PLATFORM_PEOPLE
from core.identity.devprovider import DemoClient, DevProvider
from core.identity.models import Identity
from core.identity.services import grant_platform_role
from core.plugins import load_plugins

# Who the tests log in as: one person per role and authority, from the plugins' demo users.
PEOPLE = {
    "cocom": {"coordinator": "cocom-an", "member": "cocom-marc", "viewer": "cocom-eva"},
    "vlaams": {"coordinator": "vlaams-lotte", "member": "vlaams-sofie", "viewer": "vlaams-bram"},
    "federatie_wb": {
        "coordinator": "federatie_wb-sarah",
        "member": "federatie_wb-lea",
        "viewer": "federatie_wb-hugo",
    },
    "cocof": {"coordinator": "cocof-camille", "member": "cocof-julien", "viewer": "cocof-manon"},
    "justitie": {
        "coordinator": "justitie-pieter",
        "member": "justitie-nathalie",
        "viewer": "justitie-ines",
    },
}
SECRETARY = ("cocom", "cocom-secretariaat")
ADMINISTRATOR = ("cocom", "cocom-beheer")


class Providers:
    """One development provider per authority, each on a free port with its own key."""

    def __init__(self, codes: list[str], free_port) -> None:
        registry = load_plugins(codes)
        self.providers: dict[str, DevProvider] = {}
        for code in codes:
            authority = registry.authorities[code]
            users = list(authority.oidc_defaults.get("demo_users", []))
            users += [p["user"] for p in PLATFORM_PEOPLE if p["authority"] == code]
            client = DemoClient(
                client_id=f"concerto-{code}",
                client_secret=f"test-secret-{code}",
                redirect_uris=[],
                post_logout_redirect_uris=[],
                scope=" ".join(authority.oidc_defaults.get("scopes", ["openid"])),
            )
            self.providers[code] = DevProvider(code, free_port(), users, client).start()
        self.allow("http://localhost")

    def allow(self, base: str) -> None:
        """Register ``base`` (an app's address) as a redirect target at every provider."""
        for code, provider in self.providers.items():
            provider.client.redirect_uris.append(f"{base}/auth/{code}/callback")
            provider.client.post_logout_redirect_uris.append(f"{base}/logged-out")

    def settings(self) -> dict:
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

    def stop(self) -> None:
        for provider in self.providers.values():
            provider.stop()


def follow_provider(location: str, app_base: str = "http://localhost", http=None) -> str:
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


def grant(app, authority: str, subject: str, role: str) -> None:
    """Give a platform role to someone who has logged in, as an administrator would."""
    with app.extensions["concerto.db"].session() as db:
        identity = db.scalar(
            select(Identity).where(
                Identity.authority_code == authority, Identity.subject == subject
            )
        )
        grant_platform_role(db, identity.user, role, granted_by="test")


def login_as(client, app, who: str | tuple[str, str]):
    """``who`` is "secretary", "administrator", or (authority, role)."""
    if who == "secretary":
        login(client, *SECRETARY)
        grant(app, *SECRETARY, "secretary")
    elif who == "administrator":
        login(client, *ADMINISTRATOR)
        grant(app, *ADMINISTRATOR, "administrator")
    else:
        authority, role = who
        login(client, authority, PEOPLE[authority][role])
