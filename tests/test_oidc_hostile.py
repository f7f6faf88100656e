"""The relying party against a provider that misbehaves on purpose (tests/hostile_op.py).

Each applicable OpenID RP conformance case of the Basic and Config profiles has a test named
after it, plus mix-up, a missing or tampered ``iss``, replayed state and code, an expired
token and clock skew. A refused login ends on a page that says what happened in the user's
language, the log says why, and no user is created.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from core.identity.models import Identity, User
from tests.conftest import free_port, make_app
from tests.hostile_op import HostileProvider

PERSON = {"name": "Hanne Testpersoon", "email": "hanne@vlaams.test.invalid", "locale": "nl"}


@pytest.fixture(scope="module")
def hostile():
    provider = HostileProvider(free_port())
    yield provider
    provider.stop()


def clients(hostile, *codes):
    """Register a client per authority at the hostile provider; their configuration."""
    return {
        code: {
            "oidc": hostile.add_client(
                f"concerto-{code}",
                f"{code}-secret-0123456789abcdef",
                f"http://localhost/auth/{code}/callback",
            )
        }
        for code in codes
    }


@pytest.fixture
def app(database_url, hostile):
    hostile.reset()
    hostile.users = {"person-1": {**PERSON, "roles": ["beleidscoordinator"]}}
    # Two authorities on one issuer, as Brussels and federal logins share one service.
    settings = {
        "vlaams": {
            "oidc": hostile.add_client(
                "concerto-vlaams",
                "vlaams-secret-0123456789abcdef",
                "http://localhost/auth/vlaams/callback",
            )
        },
        "cocof": {
            "oidc": hostile.add_client(
                "concerto-cocof",
                "cocof-secret-0123456789abcdef",
                "http://localhost/auth/cocof/callback",
            )
        },
    }
    application = make_app(database_url, authorities=settings, oidc_jwks_refetch_seconds=60)
    yield application
    application.extensions["concerto.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def start(client, code="vlaams", subject="person-1"):
    """Start a login and let the hostile provider answer; return its redirect back."""
    begin = client.get(f"/auth/{code}/login", query_string={"login_hint": subject})
    assert begin.status_code == 302, begin.get_data(as_text=True)[:500]
    answer = requests.get(begin.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return urlsplit(answer.headers["Location"])


def deliver(client, back, code=None):
    path = f"/auth/{code}/callback" if code else back.path
    return client.get(f"{path}?{back.query}")


def attempt(client, code="vlaams"):
    return deliver(client, start(client, code))


def users(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(User))


def assert_refused(app, response, english: str, status: int = 400):
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:1500]
    assert "Login failed" in page
    assert english in page
    assert users(app) == 0, "a refused login creates nobody"


def assert_logged_in(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert client.get("/account").status_code == 200


COULD_NOT_VERIFY = "could not verify the answer of the login service"


# --- Basic profile ---------------------------------------------------------------------------


def test_rp_response_type_code(client, hostile):
    assert_logged_in(client, attempt(client))
    request = hostile.seen["authorize"][0]
    assert request["response_type"] == "code"
    assert request["code_challenge_method"] == "S256"
    assert len(request["state"]) >= 32 and len(request["nonce"]) >= 32


def test_rp_scope_userinfo_claims(app, client, hostile):
    assert_logged_in(client, attempt(client))
    assert set(hostile.seen["authorize"][0]["scope"].split()) >= {"openid", "profile", "email"}
    with app.extensions["concerto.db"].session() as db:
        user = db.scalar(select(User))
        identity = db.scalar(select(Identity))
        # Name, e-mail and roles exist only at userinfo: they were read from there.
        assert user.display_name == PERSON["name"]
        assert user.email == PERSON["email"]
        assert identity.access_roles == ["coordinator"]


def test_rp_nonce_invalid(app, client, hostile):
    hostile.behave(claims={"nonce": "not-the-nonce-we-sent"})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_token_endpoint_client_secret_basic(client, hostile):
    assert_logged_in(client, attempt(client))
    exchange = hostile.seen["token"][0]
    assert exchange["basic"] and not exchange["form_secret"]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code_verifier"]


def test_rp_id_token_aud(app, client, hostile):
    hostile.behave(claims={"aud": "someone-else"})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_aud_with_several_audiences_needs_azp(app, client, hostile):
    hostile.behave(claims={"aud": ["concerto-vlaams", "someone-else"]})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_iat(app, client, hostile):
    hostile.behave(claims={"iat": None})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_sub(app, client, hostile):
    hostile.behave(claims={"sub": None})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_issuer_mismatch(app, client, hostile):
    hostile.behave(claims={"iss": "https://elsewhere.example"})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_sig_rs256(client):
    assert_logged_in(client, attempt(client))


def test_rp_id_token_bad_sig_rs256(app, client, hostile):
    hostile.behave(sign_with_other_key=True)
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_kid_absent_single_jwks(client, hostile):
    hostile.behave(kid=None)
    assert_logged_in(client, attempt(client))


def test_rp_id_token_kid_absent_multiple_jwks(app, client, hostile):
    # Several keys and no kid: every key is tried; only the one that verifies lets it in.
    hostile.behave(kid=None, extra_keys=2)
    assert_logged_in(client, attempt(client))


def test_rp_id_token_kid_absent_multiple_jwks_signed_by_none_of_them(app, client, hostile):
    hostile.behave(kid=None, extra_keys=2, sign_with_other_key=True)
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_id_token_sig_none(app, client, hostile):
    # The provider even advertises "none"; we never accept it.
    hostile.behave(alg="none")
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_an_id_token_signed_with_the_client_secret_is_refused(app, client, hostile):
    hostile.behave(alg="HS256")
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_rp_userinfo_bad_sub_claim(app, client, hostile):
    hostile.behave(userinfo_sub="somebody-else")
    assert_refused(app, attempt(client), "gave details about another person")


def test_rp_userinfo_bearer_header(client, hostile):
    assert_logged_in(client, attempt(client))
    assert hostile.seen["userinfo"] == [{"bearer_header": True}]


# --- Config profile --------------------------------------------------------------------------


def test_rp_discovery_openid_configuration(client, hostile):
    # The provider's endpoints sit at paths only its discovery document names.
    assert_logged_in(client, attempt(client))
    assert hostile.seen["discovery"] and hostile.seen["authorize"] and hostile.seen["token"]


def test_rp_discovery_jwks_uri_keys(client, hostile):
    assert_logged_in(client, attempt(client))
    assert len(hostile.seen["jwks"]) == 1


def test_rp_discovery_issuer_not_matching_config(app, client, hostile):
    hostile.behave(discovery_issuer="https://impostor.example")
    response = client.get("/auth/vlaams/login")
    assert_refused(app, response, "is not set up the way Concerto expects")
    assert hostile.seen["authorize"] == [], "the browser is never sent to it"


def test_rp_key_rotation_op_sign_key(client, hostile, app):
    assert_logged_in(client, attempt(client))
    hostile.rotate()
    second = app.test_client()
    assert_logged_in(second, attempt(second))
    assert len(hostile.seen["jwks"]) == 2, "the unknown kid made it fetch the keys again"


def test_unknown_kids_do_not_make_it_fetch_keys_again_and_again(app, client, hostile):
    assert_logged_in(client, attempt(client))
    hostile.rotate()
    hostile.behave(kid="forged-1")
    for _ in range(3):
        assert attempt(app.test_client()).status_code == 400
    # The first unknown kid earns one re-fetch; the next ones within the interval none.
    assert len(hostile.seen["jwks"]) == 2


# --- beyond the conformance suite --------------------------------------------------------------


def test_a_response_delivered_to_another_authoritys_callback_is_refused(app, client, hostile):
    back = start(client, "vlaams")
    response = deliver(client, back, code="cocof")
    assert_refused(app, response, "came back through the entrance of")
    assert hostile.seen["token"] == [], "the code was never exchanged"


def test_a_missing_iss_is_refused_when_the_provider_advertises_it(app, client, hostile):
    hostile.behave(send_iss=False)
    response = attempt(client)
    assert_refused(app, response, "did not come from the login service of")
    assert hostile.seen["token"] == []


def test_a_missing_iss_is_accepted_when_the_provider_does_not_advertise_it(client, hostile):
    hostile.behave(send_iss=False, advertise_iss=False)
    assert_logged_in(client, attempt(client))


def test_a_tampered_iss_is_refused_before_the_code_is_exchanged(app, client, hostile):
    hostile.behave(iss_param="https://attacker.example")
    response = attempt(client)
    assert_refused(app, response, "did not come from the login service of")
    assert hostile.seen["token"] == []


def test_a_replayed_state_is_refused(app, client, hostile):
    client.get("/language/en")  # else the person's own language (nl) once logged in
    back = start(client)
    assert_logged_in(client, deliver(client, back))
    again = deliver(client, back)
    assert again.status_code == 400
    assert "expired or was already used" in again.get_data(as_text=True)


def test_a_replayed_code_is_refused(app, client, hostile):
    stolen = start(client)
    # The attacker's own login, with the victim's code put into its callback.
    fresh = start(client)
    forged = f"code={parse_qs(stolen.query)['code'][0]}&state={parse_qs(fresh.query)['state'][0]}"
    response = client.get(f"/auth/vlaams/callback?{forged}&iss={hostile.issuer}")
    assert_refused(app, response, "could not complete the login")


def test_an_expired_id_token_is_refused(app, client, hostile):
    now = int(time.time())
    hostile.behave(claims={"iat": now - 900, "exp": now - 600})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_clock_skew_beyond_the_leeway_is_refused(app, client, hostile):
    hostile.behave(claims={"iat": int(time.time()) + 300})
    assert_refused(app, attempt(client), COULD_NOT_VERIFY)


def test_clock_skew_within_the_leeway_is_accepted(client, hostile):
    hostile.behave(claims={"iat": int(time.time()) + 20})
    assert_logged_in(client, attempt(client))


def test_a_refusal_by_the_provider_is_explained(app, client, hostile):
    hostile.behave(authorization_error="access_denied")
    assert_refused(app, attempt(client), "did not let you in")


def test_a_refused_login_is_explained_in_the_users_language_and_logged(
    app, client, hostile, caplog
):
    hostile.behave(claims={"nonce": "wrong"})
    client.get("/language/fr")
    with caplog.at_level(logging.WARNING, logger="concerto.identity"):
        response = attempt(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Échec de la connexion" in page
    reference = page.split("<code>")[1].split("</code>")[0]
    assert any(
        reference in record.message and "nonce does not match" in record.message
        for record in caplog.records
    )


def test_an_unreachable_provider_gives_a_page_not_an_error(database_url):
    settings = {
        "vlaams": {
            "oidc": {
                "issuer": f"http://127.0.0.1:{free_port()}",
                "client_id": "x",
                "client_secret": "y",
            }
        }
    }
    app = make_app(database_url, authorities=settings)
    response = app.test_client().get("/auth/vlaams/login")
    assert response.status_code == 502
    assert "cannot be reached right now" in response.get_data(as_text=True)


# --- one issuer, two authorities ------------------------------------------------------------


def test_two_authorities_on_one_issuer_give_two_distinct_identities(app, hostile):
    first, second = app.test_client(), app.test_client()
    assert_logged_in(first, attempt(first, "vlaams"))
    assert_logged_in(second, attempt(second, "cocof"))
    with app.extensions["concerto.db"].session() as db:
        identities = db.scalars(select(Identity).order_by(Identity.id)).all()
        # Same issuer, same subject, but the authority comes from the login transaction.
        assert [(i.authority_code, i.issuer, i.subject) for i in identities] == [
            ("vlaams", hostile.issuer, "person-1"),
            ("cocof", hostile.issuer, "person-1"),
        ]
        assert identities[0].user_id != identities[1].user_id
        # The vlaams role claim means nothing to COCOF: a viewer there.
        assert identities[1].access_roles == ["viewer"]


def test_discovery_is_cached_until_it_expires(database_url, hostile):
    hostile.reset()
    hostile.users = {"person-1": PERSON}
    settings = clients(hostile, "vlaams")
    # Cached: once for two logins. Expired at once: fetched again at every step of each.
    for ttl, expected in ((3600, lambda n: n == 1), (0, lambda n: n >= 4)):
        hostile.reset()
        app = make_app(database_url, authorities=settings, oidc_metadata_ttl_seconds=ttl)
        for _ in range(2):
            client = app.test_client()
            assert_logged_in(client, attempt(client))
        assert expected(len(hostile.seen["discovery"])), f"ttl {ttl}"
        app.extensions["concerto.db"].engine.dispose()
        with app.extensions["concerto.db"].session() as db:
            db.query(Identity).delete()
            db.query(User).delete()


def test_a_plugin_whose_claim_mapping_fails_refuses_the_login_cleanly(app, client, caplog):
    def broken(claims):
        raise KeyError("groups")

    app.extensions["concerto.registry"].authorities["vlaams"].claims_mapper = broken
    with caplog.at_level(logging.WARNING, logger="concerto.identity"):
        response = attempt(client)
    assert_refused(app, response, "could not be read")
    assert any("map_claims of vlaams" in record.message for record in caplog.records)
    assert client.get("/").status_code == 200, "the platform goes on"


def test_a_provider_that_hangs_is_given_up_on_in_time(database_url, hostile):
    """Calls to identity providers have a time limit: a token endpoint that never answers
    ends in a clear page, not in a worker stuck for good."""
    hostile.reset()
    hostile.users = {"person-1": {**PERSON, "roles": ["beleidscoordinator"]}}
    hostile.behave(token_delay=5)
    app = make_app(database_url, authorities=clients(hostile, "vlaams"), oidc_timeout_seconds=1)
    try:
        client = app.test_client()
        started = time.monotonic()
        response = attempt(client)
        assert time.monotonic() - started < 4
        assert_refused(app, response, "cannot be reached right now", status=502)
    finally:
        app.extensions["concerto.db"].engine.dispose()
