"""Sessions, roles, linked identities, API tokens, the audit log and authority profiles,
with people logged in through real development providers."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from core.audit.models import AuditEntry
from core.audit.services import acting_as
from core.clock import utcnow
from core.identity.jobs import purge_expired_sessions
from core.identity.models import ApiToken, BrowserSession, Identity, User
from core.permissions import system
from core.reference.models import Authority
from core.scheduler import build_scheduler
from tests.conftest import make_app, run_cli
from tests.logins import csrf_token, follow_provider, login, login_as


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


# --- sessions ----------------------------------------------------------------------------


def test_the_cookie_holds_only_a_random_id_with_strict_flags(sqlite_url, providers):
    app = make_app(sqlite_url, development=False, **providers.settings())
    providers.allow("https://localhost")
    client = app.test_client()
    start = client.get(
        "/auth/vlaams/login",
        query_string={"login_hint": "vlaams-lotte"},
        base_url="https://localhost",
    )
    header = start.headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    back = follow_provider(start.location, app_base="https://localhost")
    client.get(back.removeprefix("https://localhost"), base_url="https://localhost")
    value = session_cookie(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), "a random id, no data, no token"
    with app.extensions["concerto.db"].session() as db:
        row = db.scalar(select(BrowserSession).where(BrowserSession.user_id.is_not(None)))
        assert "id_token" in row.data and value not in row.data  # kept by hash only


def test_the_session_id_changes_at_login_and_the_old_one_stops_working(app, client):
    client.get("/language/fr")
    before = session_cookie(client)
    assert before
    login(client, "vlaams", "vlaams-lotte", language=None)
    after = session_cookie(client)
    assert after and after != before
    assert client.get("/account").status_code == 200
    assert "Votre compte" in client.get("/account").get_data(as_text=True), "language kept"
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/account").status_code == 302


@pytest.mark.parametrize("column", ["last_seen_at", "created_at"])
def test_sessions_end_after_the_idle_and_the_absolute_time(app, client, column):
    login(client, "vlaams", "vlaams-lotte")
    assert client.get("/account").status_code == 200
    long_ago = utcnow() - timedelta(hours=13)
    with app.extensions["concerto.db"].session() as db:
        db.execute(update(BrowserSession).values({column: long_ago}))
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.location


def test_the_purge_job_removes_expired_sessions(app, client):
    login(client, "vlaams", "vlaams-lotte")
    other = app.test_client()
    login(other, "cocof", "cocof-camille")
    with app.extensions["concerto.db"].session() as db:
        db.execute(
            update(BrowserSession)
            .where(BrowserSession.user_id.is_not(None))
            .values(last_seen_at=utcnow() - timedelta(hours=1))
            .execution_options(synchronize_session=False)
        )
    build_scheduler(app)  # makes the app the jobs' app, as the scheduler process does
    assert purge_expired_sessions() == 2
    assert client.get("/account").status_code == 302


def test_logout_ends_the_session_here_and_at_the_provider(app, client, providers):
    login(client, "cocof", "cocof-camille")
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.location.startswith(providers.providers["cocof"].issuer + "/logout")
    assert "id_token_hint=" in response.location
    ended = requests.get(response.location, allow_redirects=False, timeout=10)
    assert ended.headers["Location"] == "http://localhost/logged-out"
    assert client.get("/account").status_code == 302
    with app.extensions["concerto.db"].session() as db:
        # Only the visitor's language choice is left, in a signed cookie: no row at all.
        assert db.scalars(select(BrowserSession)).all() == []
    assert "." in session_cookie(client)
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_a_form_sent_without_its_token_is_refused_with_an_explanation(client):
    login(client, "vlaams", "vlaams-lotte")
    client.get("/language/fr")
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200, "still logged in"


def test_login_attempts_are_rate_limited(sqlite_url, providers):
    app = make_app(sqlite_url, login_rate_limit="3 per minute", **providers.settings())
    client = app.test_client()
    statuses = [client.get("/auth/vlaams/login").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    client.get("/language/nl")
    page = client.get("/auth/vlaams/login").get_data(as_text=True)
    assert "Te veel aanmeldpogingen" in page


# --- roles and identities ------------------------------------------------------------------


def test_a_flemish_coordinator_and_a_cocof_member_get_different_rights(app, providers):
    flemish, cocof = app.test_client(), app.test_client()
    login(flemish, "vlaams", "vlaams-lotte")
    login(cocof, "cocof", "cocof-julien")
    with app.extensions["concerto.db"].session() as db:
        issuers = {i.authority_code: i.issuer for i in db.scalars(select(Identity))}
    assert issuers["vlaams"] != issuers["cocof"], "two different issuers"
    assert "Edit the profile" in flemish.get("/authorities/vlaams").get_data(as_text=True)
    assert flemish.get("/authorities/vlaams/edit").status_code == 200
    assert flemish.get("/authorities/cocof/edit").status_code == 403
    assert "Edit the profile" not in cocof.get("/authorities/cocof").get_data(as_text=True)
    assert cocof.get("/authorities/cocof/edit").status_code == 403
    assert flemish.get("/audit/").status_code == 403


def test_roles_are_refreshed_from_the_provider_at_every_login(app, client, providers):
    login(client, "vlaams", "vlaams-bram")
    provider = providers.providers["vlaams"]
    person = provider.users["vlaams-bram"]
    original = person["roles"]
    try:
        person["roles"] = ["gevangeniscoordinator"]
        again = app.test_client()
        login(again, "vlaams", "vlaams-bram")
        with app.extensions["concerto.db"].session() as db:
            identity = db.scalar(select(Identity).where(Identity.subject == "vlaams-bram"))
            assert identity.access_roles == ["coordinator"]
            assert identity.role_codes == ["gevangeniscoordinator"]
    finally:
        person["roles"] = original


def test_a_second_identity_is_linked_only_explicitly_while_logged_in(app, client, providers):
    login(client, "cocom", "cocom-an")
    # Same person, same e-mail address at another authority: never linked by e-mail.
    other = app.test_client()
    login(other, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 2
    start = client.post(
        "/account/link", data={"csrf_token": csrf_token(client, "/account"), "code": "justitie"}
    )
    assert start.status_code == 302
    start_url = start.location.replace("login_hint=&", "")
    back = follow_provider(start_url + "&login_hint=justitie-pieter")
    linked = client.get(back.removeprefix("http://localhost"))
    assert linked.status_code == 302 and linked.location.endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert "Federale Overheidsdienst Justitie" in page or "justitie" in page
    with app.extensions["concerto.db"].session() as db:
        owners = {i.subject: i.user_id for i in db.scalars(select(Identity))}
        assert owners["justitie-pieter"] == owners["cocom-an"] != owners["vlaams-lotte"]


def test_an_identity_of_another_account_is_not_linked(app, client):
    login(app.test_client(), "vlaams", "vlaams-lotte")
    login(client, "cocom", "cocom-an")
    start = client.post(
        "/account/link", data={"csrf_token": csrf_token(client, "/account"), "code": "vlaams"}
    )
    back = follow_provider(start.location + "&login_hint=vlaams-lotte")
    refused = client.get(back.removeprefix("http://localhost"))
    assert refused.status_code == 400
    assert "already belongs to another Concerto account" in refused.get_data(as_text=True)


def test_a_disabled_account_cannot_log_in(app, client):
    login(client, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        db.scalar(select(User)).disabled = True
    assert client.get("/account").status_code == 302, "its session ends at once"
    again = app.test_client()
    start = again.get("/auth/vlaams/login", query_string={"login_hint": "vlaams-lotte"})
    refused = again.get(follow_provider(start.location).removeprefix("http://localhost"))
    assert refused.status_code == 403
    assert "has been disabled" in refused.get_data(as_text=True)


# --- API tokens and /api/v1/me ------------------------------------------------------------------


def _new_token(client, roles=("coordinator",), days="30", name="nightly export"):
    response = client.post(
        "/account/tokens",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "name": name,
            "roles": list(roles),
            "expires_days": days,
        },
    )
    match = re.search(r'value="(cct_[^"]+)"', response.get_data(as_text=True))
    return response, match.group(1) if match else None


def test_a_personal_token_is_shown_once_stored_hashed_and_answers_me(app, client):
    login(client, "vlaams", "vlaams-lotte")
    response, secret = _new_token(client)
    assert response.status_code == 200 and secret
    with app.extensions["concerto.db"].session() as db:
        token = db.scalar(select(ApiToken))
        assert secret not in (token.token_hash, token.prefix) and len(token.token_hash) == 64
    assert secret not in client.get("/account").get_data(as_text=True), "shown once"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    body = me.get_json()
    assert body["authority"] == "vlaams" and body["roles"] == ["coordinator"]
    assert body["identity"]["subject"] == "vlaams-lotte"
    assert "not yet" not in client.get("/account").get_data(as_text=True), "last use shown"


def test_me_without_a_valid_token_is_a_localised_problem(client):
    for headers in ({}, {"Authorization": "Bearer cct_nonsense"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/me", headers={**headers, "Accept-Language": "fr"})
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["title"] == "Authentification requise"


def test_a_token_never_carries_more_than_its_owner_holds(app, client):
    login(client, "vlaams", "vlaams-sofie")  # a member
    response, secret = _new_token(client, roles=("coordinator",))
    assert response.status_code == 422 and secret is None
    assert "Choose at least one of your own roles" in response.get_data(as_text=True)
    response, secret = _new_token(client, roles=("member",), days="400")
    assert response.status_code == 422
    assert "between 1 and 366" in response.get_data(as_text=True)
    assert 'value="nightly export"' in response.get_data(as_text=True), "input kept"


def test_a_revoked_or_expired_token_is_refused(app, client):
    login(client, "vlaams", "vlaams-lotte")
    _response, revoked = _new_token(client, name="first")
    _response, expired = _new_token(client, name="second")
    with app.extensions["concerto.db"].session() as db:
        first = db.scalar(select(ApiToken).where(ApiToken.name == "first"))
        db.scalar(select(ApiToken).where(ApiToken.name == "second")).expires_at = utcnow()
        first_id = first.id
    client.post(
        f"/account/tokens/{first_id}/revoke", data={"csrf_token": csrf_token(client, "/account")}
    )
    for secret in (revoked, expired):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 401


def test_someone_elses_token_cannot_be_revoked(app, client):
    owner = app.test_client()
    login(owner, "vlaams", "vlaams-lotte")
    _new_token(owner)
    login(client, "cocof", "cocof-camille")
    with app.extensions["concerto.db"].session() as db:
        token_id = db.scalar(select(ApiToken.id))
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 404
    with app.extensions["concerto.db"].session() as db:
        assert db.get(ApiToken, token_id).revoked_at is None


def test_concerto_token_create_makes_a_working_token_for_scripts(database_url, providers):
    result = run_cli(
        "token",
        "create",
        "--authority",
        "justitie",
        "--role",
        "coordinator",
        "--name",
        "statistics import",
        "--expires",
        "30",
        env={
            "CONCERTO_DATABASE_URL": database_url,
            "CONCERTO_PLUGINS": "cocom,vlaams,federatie_wb,cocof,justitie",
        },
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert secret.startswith("cct_")
    app = make_app(database_url, **providers.settings())
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["authority"] == "justitie"
    assert me.get_json()["roles"] == ["coordinator"]
    with app.extensions["concerto.db"].session() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.table_name == "api_tokens"))
        assert (entry.channel, entry.actor) == ("cli", "concerto token create")
    bad = run_cli(
        "token",
        "create",
        "--authority",
        "nowhere",
        "--role",
        "coordinator",
        "--name",
        "x",
        env={"CONCERTO_DATABASE_URL": database_url},
    )
    assert bad.returncode != 0 and "Unknown authority 'nowhere'" in bad.stderr


def test_concerto_token_create_prints_no_secret_when_the_write_fails(sqlite_url, monkeypatch):
    """The secret is printed only once the token is committed: a write that fails at the
    commit leaves no printed token that does not exist."""
    from click.testing import CliRunner
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from core.cli import main

    def locked(self):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", locked)
    result = CliRunner().invoke(
        main,
        ["token", "create", "--authority", "justitie", "--role", "coordinator", "--name", "x"],
        env={
            "CONCERTO_DATABASE_URL": sqlite_url,
            "CONCERTO_PLUGINS": "cocom,vlaams,federatie_wb,cocof,justitie",
        },
    )
    assert result.exit_code != 0
    assert "cct_" not in result.stdout and "cct_" not in result.stderr
    monkeypatch.undo()
    app = make_app(sqlite_url)
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(ApiToken)) == 0
    app.extensions["concerto.db"].engine.dispose()


# --- authority profiles: concurrency --------------------------------------------------------


def test_two_editors_of_one_profile_lose_nothing(app):
    first, second = app.test_client(), app.test_client()
    login(first, "vlaams", "vlaams-lotte")
    login(second, "vlaams", "vlaams-jonas")
    form = first.get("/authorities/vlaams/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    second.get("/authorities/vlaams/edit")
    saved = second.post(
        "/authorities/vlaams/edit",
        data={
            "csrf_token": csrf_token(second, "/account"),
            "version": version,
            "description_nl": "Tekst van Jonas",
        },
    )
    assert saved.status_code == 302
    stale = first.post(
        "/authorities/vlaams/edit",
        data={
            "csrf_token": csrf_token(first, "/account"),
            "version": version,
            "description_nl": "Tekst van Lotte",
        },
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Tekst van Lotte" in page and "Tekst van Jonas" in page, "both are on the page"
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Authority, "vlaams").description_nl == "Tekst van Jonas"
    new_version = re.search(r'name="version" value="(\d+)"', page).group(1)
    merged = first.post(
        "/authorities/vlaams/edit",
        data={
            "csrf_token": csrf_token(first, "/account"),
            "version": new_version,
            "description_nl": "Tekst van Jonas en Lotte",
        },
    )
    assert merged.status_code == 302


def test_a_profile_field_error_points_at_the_field_and_keeps_the_input(client):
    login(client, "vlaams", "vlaams-lotte")
    response = client.post(
        "/authorities/vlaams/edit",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "version": "1",
            "website": "not a url",
            "description_fr": "Mon texte",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-website-error"' in page and 'aria-invalid="true"' in page
    assert "Mon texte" in page


def test_the_api_needs_if_match_and_refuses_a_stale_one(app, client):
    login(client, "vlaams", "vlaams-lotte")
    _response, secret = _new_token(client)
    bearer = {"Authorization": f"Bearer {secret}"}
    read = client.get("/api/v1/authorities/vlaams")
    etag = read.headers["ETag"]
    missing = client.patch("/api/v1/authorities/vlaams", json={"website": None}, headers=bearer)
    assert missing.status_code == 428
    ok = client.patch(
        "/api/v1/authorities/vlaams",
        json={"website": "https://www.vlaanderen.be"},
        headers={**bearer, "If-Match": etag},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = client.patch(
        "/api/v1/authorities/vlaams",
        json={"website": "https://other.example.be"},
        headers={**bearer, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.get_json()["current"]["website"] == "https://www.vlaanderen.be"
    invalid = client.patch(
        "/api/v1/authorities/vlaams",
        json={"contact_email": "nope", "colour": "red"},
        headers={**bearer, "If-Match": ok.headers["ETag"]},
    )
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.get_json()["errors"]] == ["colour", "contact_email"]


# --- audit log ------------------------------------------------------------------------------


def test_every_write_is_audited_with_who_where_and_the_values(app, client):
    login(client, "vlaams", "vlaams-lotte")
    _response, secret = _new_token(client)
    etag = client.get("/api/v1/authorities/vlaams").headers["ETag"]
    client.patch(
        "/api/v1/authorities/vlaams",
        json={"website": "https://www.vlaanderen.be"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": etag},
    )
    with app.extensions["concerto.db"].session() as db:
        entry = db.scalar(
            select(AuditEntry).where(
                AuditEntry.table_name == "authorities", AuditEntry.action == "update"
            )
        )
        assert (entry.channel, entry.authority_code, entry.actor) == (
            "api",
            "vlaams",
            "Lotte Peeters",
        )
        assert entry.record_id == "vlaams"
        assert entry.before["website"] is None
        assert entry.after["website"] == "https://www.vlaanderen.be"
        token_entry = db.scalar(select(AuditEntry).where(AuditEntry.table_name == "api_tokens"))
        assert "token_hash" not in token_entry.after, "secrets stay out of the log"
        assert token_entry.channel == "page"


def test_secretaries_browse_and_export_the_audit_log(app, client):
    writer = app.test_client()
    login(writer, "vlaams", "vlaams-lotte")
    _new_token(writer)
    login_as(client, app, "secretary")
    page = client.get("/audit/?table_name=api_tokens").get_data(as_text=True)
    assert "Lotte Peeters" in page
    table = page.split("<table")[1]
    assert "API token" in table and "api_tokens" not in table, "the kind of record in words"
    export = client.get("/audit/export.csv?authority_code=vlaams")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert rows and {row["authority_code"] for row in rows} == {"vlaams"}
    assert any(row["table_name"] == "api_tokens" and row["action"] == "create" for row in rows)


def test_coordinators_and_members_cannot_read_the_audit_log(app, client):
    login(client, "cocof", "cocof-julien")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_writes_by_a_scheduled_job_are_audited_as_the_job(app):
    with acting_as(system("job", "nightly sync")), app.extensions["concerto.db"].session() as db:
        db.get(Authority, "cocof").contact_email = "info@cocof.test.invalid"
    with app.extensions["concerto.db"].session() as db:
        # The authority's creation by the seed is audited under its code too: the change is
        # the last entry.
        entry = db.scalar(
            select(AuditEntry)
            .where(AuditEntry.record_id == "cocof", AuditEntry.action == "update")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        assert (entry.channel, entry.actor, entry.user_id) == ("job", "nightly sync", None)
        assert entry.after["contact_email"] == "info@cocof.test.invalid"
