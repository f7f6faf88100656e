"""Behind a reverse proxy (issue 18, point 12): with `trusted_proxies` the client address comes
from the proxy's X-Forwarded-For, so each person has their own login limit; without it, or for
entries a client wrote itself, the header is ignored."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.config import ConfigError, load_config
from tests.conftest import make_app


def attempts(client, forwarded_for: str | None, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [client.get("/auth/vlaams/login", headers=headers).status_code for _ in range(count)]


def test_behind_one_trusted_proxy_two_people_have_their_own_login_limit(database_url, providers):
    # The counters live in the database (rate_limit_storage = "database"): both backends.
    app = make_app(
        database_url, login_rate_limit="3 per minute", trusted_proxies=1, **providers.settings()
    )
    client = app.test_client()
    assert attempts(client, "203.0.113.1", 4) == [302, 302, 302, 429]
    assert attempts(client, "203.0.113.2", 1) == [302], "another address, its own limit"
    # A client cannot escape its limit by sending a made-up address first: the proxy appends
    # the real one and only that last entry is believed.
    assert attempts(client, "198.51.100.7, 203.0.113.1", 1) == [429]


def test_without_trusted_proxies_the_header_is_ignored_and_everyone_shares(database_url, providers):
    app = make_app(database_url, login_rate_limit="3 per minute", **providers.settings())
    client = app.test_client()
    assert attempts(client, "203.0.113.1", 3) == [302, 302, 302]
    assert attempts(client, "203.0.113.2", 1) == [429], "the proxy's address is the key"
    assert attempts(client, None, 1) == [429]


def test_a_trusted_proxy_gives_the_scheme_and_host_of_the_callback(sqlite_url, providers):
    app = make_app(sqlite_url, trusted_proxies=1, **providers.settings())
    headers = {
        "X-Forwarded-For": "203.0.113.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "concerto.example",
    }
    response = app.test_client().get("/auth/vlaams/login", headers=headers)
    redirect_uri = parse_qs(urlsplit(response.location).query)["redirect_uri"][0]
    assert redirect_uri == "https://concerto.example/auth/vlaams/callback"
    untrusted = make_app(sqlite_url, **providers.settings()).test_client()
    response = untrusted.get("/auth/vlaams/login", headers=headers)
    redirect_uri = parse_qs(urlsplit(response.location).query)["redirect_uri"][0]
    assert redirect_uri == "http://localhost/auth/vlaams/callback"


def test_a_negative_number_of_proxies_stops_the_start_up():
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_config(overrides={"trusted_proxies": -1}, environ={})
