"""Development OpenID providers for the demo, one per authority, built on Authlib's server.

Each provider is its own issuer on its own loopback port with its own signing key, and
offers the demo users its plugin declares (``oidc_defaults()["demo_users"]``), so a
newcomer can log in as any role of any authority without an account anywhere. Only
``concerto demo`` starts them; ``concerto serve`` never does.

They speak the real protocol, so the platform's relying party is exercised exactly as in
production: discovery, authorization code with PKCE S256 and nonce, RFC 9207 ``iss``,
``client_secret_basic`` at the token endpoint, RS256 ID tokens, userinfo with a bearer
token, and RP-initiated logout.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import (
    AuthorizationServer,
    ResourceProtector,
    current_token,
)
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, jsonify, redirect, render_template_string, request
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

STANDARD_CLAIMS = ("name", "email", "email_verified", "locale", "preferred_username")


@dataclass
class DemoClient(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scope: str

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint != "token" or method == "client_secret_basic"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class DemoCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() - self.auth_time > 300


@dataclass
class DemoToken:
    access_token: str
    scope: str
    user: dict
    issued_at: float
    expires_in: int

    def check_client(self, client):
        return True

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return False


# The development provider's own page, seen only in the demo when no person was picked
# beforehand; it is not part of the platform, so it says its few words in all three
# languages at once instead of going through the platform's catalogues.
PICK_USER = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><main><h1>{{ title }}</h1>
<p>Ontwikkelingsaanmelddienst: kies een demopersoon.</p>
<p lang="fr">Service de connexion de développement : choisissez une personne de démo.</p>
<p lang="en">Development login service: choose a demo person.</p>
<form method="post"><ul>{% for user in users %}<li><button name="user" value="{{ user.sub }}">
{{ user.name }}</button></li>{% endfor %}</ul></form></main></body></html>"""


class DevProvider:
    """One authority's development provider, served on ``port`` in a background thread."""

    def __init__(
        self,
        authority: str,
        port: int,
        users: list[dict],
        client: DemoClient,
        host: str = "127.0.0.1",
    ) -> None:
        self.authority = authority
        self.issuer = f"http://{host}:{port}"
        self.host, self.port = host, port
        self.users = {user["sub"]: user for user in users}
        self.client = client
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": f"{authority}-{secrets.token_hex(4)}", "use": "sig"}
        )
        self.codes: dict[str, DemoCode] = {}
        self.tokens: dict[str, DemoToken] = {}
        self.app = self._build()
        self._server = None

    # --- the Authlib server ------------------------------------------------------------

    def _build(self) -> Flask:
        provider = self
        app = Flask(f"devprovider_{self.authority}")
        app.secret_key = secrets.token_hex(16)

        def save_token(token, request_):
            provider.tokens[token["access_token"]] = DemoToken(
                access_token=token["access_token"],
                scope=token.get("scope", ""),
                user=request_.user,
                issued_at=time.time(),
                expires_in=token.get("expires_in", 3600),
            )

        server = AuthorizationServer(
            app,
            query_client=lambda cid: provider.client if cid == provider.client.client_id else None,
            save_token=save_token,
        )

        class Code(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code, request_):
                data = request_.payload.data
                provider.codes[code] = DemoCode(
                    code=code,
                    client_id=request_.client.client_id,
                    redirect_uri=request_.payload.redirect_uri,
                    scope=request_.payload.scope,
                    user=request_.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                if found and found.client_id == client.client_id and not found.is_expired():
                    return found
                return None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def exists_nonce(self, nonce, request_):
                return any(code.nonce == nonce for code in provider.codes.values())

            def generate_user_info(self, user, scope):
                return provider.user_info(user, scope)

        class Issuer(IssuerParameter):
            def get_issuer(self):
                return provider.issuer

        class EndSession(EndSessionEndpoint):
            def get_server_jwks(self):
                return KeySet([provider.key]).as_dict(private=False)

            def end_session(self, end_session_request):
                pass  # the demo keeps no login session of its own

        server.register_grant(Code, [CodeChallenge(required=True), IdToken(require_nonce=True)])
        server.register_extension(Issuer())
        server.register_endpoint(EndSession)

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.tokens.get(token_string)

        protect = ResourceProtector()
        protect.register_token_validator(Validator())

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(provider.metadata())

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([provider.key]).as_dict(private=False))

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            user = provider.users.get(
                request.form.get("user") or request.args.get("login_hint", "")
            )
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            if user is None:
                users = sorted(provider.users.values(), key=lambda u: u["name"])
                title = f"Concerto demo: {provider.authority}"
                return render_template_string(PICK_USER, users=users, title=title)
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        @protect()
        def userinfo():
            return jsonify(provider.user_info(current_token.user, current_token.scope))

        @app.route("/logout", methods=["GET", "POST"])
        def logout():
            try:
                end_request = server.validate_endpoint_request("end_session")
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            response = server.create_endpoint_response("end_session", end_request)
            return response or redirect(provider.client.post_logout_redirect_uris[0])

        return app

    def user_info(self, user: dict, scope: str) -> UserInfo:
        claims: dict[str, Any] = {"sub": user["sub"]}
        scopes = set(scope.split())
        if "profile" in scopes:
            claims.update({k: user[k] for k in ("name", "locale") if k in user})
        if "email" in scopes and "email" in user:
            claims.update(email=user["email"], email_verified=True)
        if "roles" in scopes:
            claims.update(
                {k: v for k, v in user.items() if k not in STANDARD_CLAIMS and k != "sub"}
            )
        return UserInfo(claims)

    def metadata(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": self.client.scope.split(),
            "authorization_response_iss_parameter_supported": True,
        }

    # --- serving -------------------------------------------------------------------------

    def start(self) -> DevProvider:
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()


def demo_client(authority: str, app_base: str, scopes: list[str]) -> DemoClient:
    return DemoClient(
        client_id=f"concerto-{authority}",
        client_secret=f"demo-secret-{authority}",
        redirect_uris=[f"{app_base}/auth/{authority}/callback"],
        post_logout_redirect_uris=[f"{app_base}/logged-out"],
        scope=" ".join(scopes),
    )
