"""A hostile OpenID provider of our own: it speaks the protocol, signs with joserfc, and
misbehaves on purpose in exactly the way a test asks (``provider.behave(...)``). It records
what the relying party sent, so tests can also check what Concerto does right."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from werkzeug.serving import make_server


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(kid: str | None = None) -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": kid or secrets.token_hex(4), "use": "sig"}, private=True
    )


@dataclass
class Behaviour:
    """What the provider does wrong; the defaults behave well."""

    discovery_issuer: str | None = None  # a different issuer in the metadata
    advertise_iss: bool = True  # authorization_response_iss_parameter_supported
    send_iss: bool = True  # the iss parameter on the redirect back
    iss_param: str | None = None  # a tampered iss parameter
    authorization_error: str | None = None  # e.g. access_denied
    alg: str = "RS256"  # RS256, none, HS256
    kid: str | None | bool = True  # True: the signing key's kid; None: leave it out
    sign_with_other_key: bool = False  # a bad signature under the good kid
    extra_keys: int = 0  # more keys in the JWKS (for kid-absent-multiple-jwks)
    claims: dict[str, Any] = field(default_factory=dict)  # overrides; None removes
    userinfo_sub: str | None = None  # a different sub at userinfo
    userinfo_claims: dict[str, Any] = field(default_factory=dict)
    token_delay: float = 0  # seconds the token endpoint makes the caller wait


class HostileProvider:
    def __init__(self, port: int) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.clients: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.key = new_key()
        self.others = [new_key() for _ in range(3)]
        self.reset()
        self.app = self._build()
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        self.behaviour = Behaviour()
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.seen: dict[str, list] = {
            "authorize": [],
            "token": [],
            "userinfo": [],
            "jwks": [],
            "discovery": [],
        }

    def behave(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.behaviour, name, value)

    def rotate(self) -> str:
        self.key = new_key()
        return self.key.kid

    def add_client(self, client_id: str, secret: str, redirect_uri: str) -> dict:
        self.clients[client_id] = {"secret": secret, "redirect_uris": [redirect_uri]}
        return {"issuer": self.issuer, "client_id": client_id, "client_secret": secret}

    def stop(self) -> None:
        self._server.shutdown()

    # --- the ID token, with whatever is wrong with it --------------------------------------

    def id_token(self, client_id: str, grant: dict) -> str:
        b = self.behaviour
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["sub"],
            "aud": client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
        }
        for name, value in b.claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header: dict[str, Any] = {"alg": b.alg}
        if b.kid is True:
            header["kid"] = self.key.kid
        elif b.kid:
            header["kid"] = b.kid
        if b.alg == "none":
            return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."
        if b.alg == "HS256":
            key = OctKey.import_key(self.clients[client_id]["secret"].encode())
            return jwt.encode(header, claims, key, algorithms=["HS256"])
        key = self.others[0] if b.sign_with_other_key else self.key
        return jwt.encode(header, claims, key, algorithms=[b.alg])

    # --- the endpoints ---------------------------------------------------------------------

    def _build(self) -> Flask:
        op = self
        app = Flask("hostile_op")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            op.seen["discovery"].append(1)
            b = op.behaviour
            # Non-standard paths: only a relying party that reads discovery finds them.
            return jsonify(
                {
                    "issuer": b.discovery_issuer or op.issuer,
                    "authorization_endpoint": f"{op.issuer}/op/authorize-here",
                    "token_endpoint": f"{op.issuer}/op/token-here",
                    "userinfo_endpoint": f"{op.issuer}/op/userinfo-here",
                    "jwks_uri": f"{op.issuer}/op/keys-here",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256", "none"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    "authorization_response_iss_parameter_supported": b.advertise_iss,
                }
            )

        @app.get("/op/keys-here")
        def jwks():
            op.seen["jwks"].append(1)
            keys = [op.key.as_dict(private=False)]
            keys += [k.as_dict(private=False) for k in op.others[1 : 1 + op.behaviour.extra_keys]]
            if op.behaviour.kid is None:
                for key in keys:
                    key.pop("kid", None)
            return jsonify({"keys": keys})

        @app.get("/op/authorize-here")
        def authorize():
            params = request.args.to_dict()
            op.seen["authorize"].append(params)
            client = op.clients.get(params.get("client_id", ""))
            if client is None or params.get("redirect_uri") not in client["redirect_uris"]:
                return "unknown client or redirect_uri", 400
            b = op.behaviour
            back: dict[str, str] = {"state": params.get("state", "")}
            if b.authorization_error:
                back["error"] = b.authorization_error
            else:
                code = secrets.token_urlsafe(16)
                op.codes[code] = {
                    "client_id": params["client_id"],
                    "redirect_uri": params["redirect_uri"],
                    "sub": params.get("login_hint") or "person-1",
                    "nonce": params.get("nonce"),
                    "challenge": params.get("code_challenge"),
                    "method": params.get("code_challenge_method"),
                    "scope": params.get("scope", ""),
                }
                back["code"] = code
            if b.send_iss:
                back["iss"] = b.iss_param or op.issuer
            return redirect(f"{params['redirect_uri']}?{urlencode(back)}")

        @app.post("/op/token-here")
        def token():
            if op.behaviour.token_delay:
                time.sleep(op.behaviour.token_delay)
            auth = request.authorization
            op.seen["token"].append(
                {
                    "basic": auth is not None and auth.type == "basic",
                    "form_secret": "client_secret" in request.form,
                    **request.form.to_dict(),
                }
            )
            if auth is None or auth.type != "basic":
                return jsonify(error="invalid_client"), 401
            client = op.clients.get(auth.username or "")
            if client is None or client["secret"] != auth.password:
                return jsonify(error="invalid_client"), 401
            grant = op.codes.pop(request.form.get("code", ""), None)  # single use
            if grant is None or grant["client_id"] != auth.username:
                return jsonify(error="invalid_grant"), 400
            verifier = request.form.get("code_verifier", "")
            expected = _b64(hashlib.sha256(verifier.encode()).digest())
            if grant["method"] != "S256" or grant["challenge"] != expected:
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            access_token = secrets.token_urlsafe(24)
            op.tokens[access_token] = grant
            return jsonify(
                access_token=access_token,
                token_type="Bearer",
                expires_in=300,
                id_token=op.id_token(auth.username, grant),
            )

        @app.route("/op/userinfo-here", methods=["GET", "POST"])
        def userinfo():
            header = request.headers.get("Authorization", "")
            op.seen["userinfo"].append({"bearer_header": header.startswith("Bearer ")})
            grant = op.tokens.get(header.removeprefix("Bearer ").strip())
            if grant is None:
                return jsonify(error="invalid_token"), 401
            b = op.behaviour
            claims = {"sub": b.userinfo_sub or grant["sub"]}
            claims.update(op.users.get(grant["sub"], {}))
            claims.update(b.userinfo_claims)
            return jsonify(claims)

        return app
