"""The npm package oidc-provider, one process per authority on loopback, for the
interoperability tests. Each has its own issuer and its own signing key; ``rotate`` restarts
it on the same issuer with a new key, as a provider rotating its keys does."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from joserfc.jwk import ECKey, RSAKey

from tests.conftest import ROOT, wait_for_port

SCRIPT = ROOT / "tests" / "js" / "op.mjs"
STANDARD = ("sub",)


def signing_key(alg: str):
    kid = f"{alg.lower()}-{secrets.token_hex(4)}"
    parameters = {"kid": kid, "use": "sig", "alg": alg}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters, private=True)
    return RSAKey.generate_key(2048, parameters=parameters, private=True)


class NodeProvider:
    def __init__(self, authority: str, port: int, users: list[dict], alg: str, scopes) -> None:
        self.authority = authority
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.alg = alg
        self.client_id = f"concerto-{authority}"
        self.client_secret = secrets.token_urlsafe(24)
        self.scopes = scopes
        self.accounts = {u["sub"]: {k: v for k, v in u.items() if k != "sub"} for u in users}
        self.key = signing_key(alg)
        self.folder = Path(tempfile.mkdtemp(prefix=f"op-{authority}-"))
        self.process: subprocess.Popen | None = None

    def _config(self) -> dict:
        return {
            "issuer": self.issuer,
            "port": self.port,
            "cookie_key": secrets.token_hex(16),
            "jwks": {"keys": [self.key.as_dict(private=True)]},
            "accounts": self.accounts,
            "clients": [
                {
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "redirect_uris": [f"http://localhost/auth/{self.authority}/callback"],
                    "post_logout_redirect_uris": ["http://localhost/logged-out"],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "id_token_signed_response_alg": self.alg,
                    "response_types": ["code"],
                    "grant_types": ["authorization_code"],
                }
            ],
        }

    def start(self) -> NodeProvider:
        path = self.folder / "config.json"
        path.write_text(json.dumps(self._config()), encoding="utf-8")
        node = shutil.which("node")
        assert node, "node is needed for the interoperability tests"
        self.process = subprocess.Popen(
            [node, str(SCRIPT), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for_port(self.port, timeout=30)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def rotate(self) -> str:
        """Restart with a new signing key; return its kid."""
        self.stop()
        self.key = signing_key(self.alg)
        self.start()
        return self.key.kid

    def settings(self) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
