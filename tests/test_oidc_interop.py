"""Interoperability with a real, widely used provider: the npm package oidc-provider, one
instance per authority, each its own issuer with its own key (RS256, PS256 and ES256 among
them). Login, roles from each authority's own claim, RFC 9207, RP-initiated logout and key
rotation, for all five authorities, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from core.identity.models import Identity
from core.plugins import load_plugins
from tests.conftest import FIVE, free_port, make_app
from tests.logins import PEOPLE, csrf_token, follow_provider
from tests.oidc_peers import NodeProvider

ALGORITHMS = {
    "cocom": "RS256",
    "vlaams": "PS256",
    "federatie_wb": "RS256",
    "cocof": "ES256",
    "justitie": "PS256",
}


@pytest.fixture(scope="module")
def node_providers():
    registry = load_plugins(FIVE)
    running = {}
    try:
        for code in FIVE:
            authority = registry.authorities[code]
            running[code] = NodeProvider(
                code,
                free_port(),
                authority.oidc_defaults["demo_users"],
                ALGORITHMS[code],
                authority.oidc_defaults["scopes"],
            ).start()
        yield running
    finally:
        for provider in running.values():
            provider.stop()


@pytest.fixture
def interop_app(database_url, node_providers):
    settings = {code: {"oidc": p.settings()} for code, p in node_providers.items()}
    application = make_app(database_url, authorities=settings)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _login(client, code: str, subject: str, http: requests.Session):
    start = client.get(f"/auth/{code}/login", query_string={"login_hint": subject})
    assert start.status_code == 302
    request = parse_qs(urlsplit(start.location).query)
    # What the relying party asks for: the code flow with PKCE S256, state and nonce.
    assert request["response_type"] == ["code"]
    assert request["code_challenge_method"] == ["S256"]
    assert request["state"] and request["nonce"] and request["code_challenge"]
    back = follow_provider(start.location, http=http)
    return back, client.get(urlsplit(back).path + "?" + urlsplit(back).query)


@pytest.mark.parametrize("code", FIVE)
def test_login_and_logout_through_each_authoritys_oidc_provider(interop_app, node_providers, code):
    provider = node_providers[code]
    client = interop_app.test_client()
    http = requests.Session()  # the browser's cookies at the provider
    subject = PEOPLE[code]["coordinator"]
    back, answer = _login(client, code, subject, http)
    # RFC 9207: oidc-provider names itself in the response, and the login went through.
    assert parse_qs(urlsplit(back).query)["iss"] == [provider.issuer]
    assert answer.status_code == 302, answer.get_data(as_text=True)[:800]
    me = client.get("/account")
    assert me.status_code == 200
    with interop_app.extensions["concerto.db"].session() as db:
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        assert (identity.authority_code, identity.issuer) == (code, provider.issuer)
        # The authority's own claim, read by its plugin, made this person a coordinator.
        assert identity.access_roles == ["coordinator"]
        assert identity.role_codes
    # Logout ends the session here, then at the provider, which sends the browser back.
    token = csrf_token(client, "/account")
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302
    end_session = urlsplit(out.location)
    assert out.location.startswith(provider.issuer)
    assert "id_token_hint" in parse_qs(end_session.query)
    assert client.get("/account").status_code == 302  # to the login page
    confirm = http.get(out.location, timeout=10)
    form = re.search(r'<form[^>]*action="([^"]+)"', confirm.text).group(1)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', confirm.text))
    fields["logout"] = "yes"
    done = http.post(urljoin(out.location, form), data=fields, allow_redirects=False)
    assert done.status_code in (302, 303)
    assert done.headers["Location"] == "http://localhost/logged-out"


@pytest.mark.parametrize("code", FIVE)
def test_a_provider_rotating_its_signing_key_keeps_logins_working(
    interop_app, node_providers, code
):
    provider = node_providers[code]
    relying_party = interop_app.extensions["concerto.providers"][code]
    client = interop_app.test_client()
    _back, answer = _login(client, code, PEOPLE[code]["member"], requests.Session())
    assert answer.status_code == 302
    old_kid = provider.key.kid
    assert [key.kid for key in relying_party.keys().keys] == [old_kid]
    new_kid = provider.rotate()
    client = interop_app.test_client()
    _back, answer = _login(client, code, PEOPLE[code]["member"], requests.Session())
    assert answer.status_code == 302, answer.get_data(as_text=True)[:800]
    # The unknown kid made the relying party fetch the provider's keys again.
    assert [key.kid for key in relying_party.keys().keys] == [new_kid]
