"""A thin wrapper around Authlib that makes the relying party strict.

Authlib builds the authorization request (PKCE S256) and exchanges the code with
``client_secret_basic``. What it leaves open is closed here, in one place:

* discovery: the metadata's ``issuer`` must equal the configured one; the metadata is cached
  and expires;
* RFC 9207: the ``iss`` parameter on the callback must equal the transaction's issuer, and
  is required when the provider advertises ``authorization_response_iss_parameter_supported``;
  it is checked before the code is exchanged;
* the ID token: signed with one of RS256, PS256, ES256 (never ``none``, never HMAC), with a
  key from the provider's JWKS, cached and re-fetched on an unknown ``kid`` at most once per
  interval; ``iss``, ``aud``, ``azp``, ``exp``, ``iat`` (with a leeway), ``nonce`` and ``sub``
  checked;
* userinfo: fetched with a bearer header, its ``sub`` equal to the ID token's.

Each failure raises ``LoginError`` with a code the login page explains in the user's
language and a detail for the log.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
KEY_TYPES = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}


class LoginError(Exception):
    """A login that cannot go on. ``code`` picks the message shown to the user."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ClientSettings:
    authority: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ("openid", "profile", "email")


@dataclass
class Timing:
    """How long things are trusted; tests shorten them."""

    metadata_ttl: float = 3600.0
    jwks_ttl: float = 3600.0
    jwks_refetch_interval: float = 60.0  # at most one unknown-kid re-fetch per interval
    leeway: int = 60  # clock skew allowed on exp and iat, in seconds
    max_token_age: int = 600  # an ID token issued longer ago than this is refused
    http_timeout: float = 10.0  # seconds to wait for the provider on any call


@dataclass
class _Cached:
    value: Any = None
    fetched_at: float = 0.0
    refetched_at: float = float("-inf")


@dataclass
class Transaction:
    """What a login remembers between the redirect and the callback, in the server session."""

    authority: str
    issuer: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    created_at: float
    next_url: str = "/"
    link_to_user: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transaction:
        return cls(**data)


@dataclass
class VerifiedLogin:
    authority: str
    issuer: str
    subject: str
    claims: dict[str, Any]  # ID token claims merged with userinfo
    id_token: str


def _get_json(
    url: str, what: str, timeout: float = 10.0, **kwargs
) -> tuple[dict[str, Any], requests.Response]:
    try:
        response = requests.get(url, timeout=timeout, **kwargs)
    except requests.RequestException as error:
        raise LoginError("provider_unreachable", f"{what} {url}: {error}") from error
    if response.status_code != 200:
        raise LoginError("provider_unreachable", f"{what} {url}: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise LoginError("provider_misconfigured", f"{what} {url}: not JSON") from error
    if not isinstance(data, dict):
        raise LoginError("provider_misconfigured", f"{what} {url}: not a JSON object")
    return data, response


class Provider:
    """The relying party for one authority's provider. One instance per authority lives for
    the life of the app; its caches are shared by the requests it serves."""

    def __init__(self, settings: ClientSettings, timing: Timing | None = None) -> None:
        self.settings = settings
        self.timing = timing or Timing()
        self._metadata = _Cached()
        self._jwks = _Cached()
        self._lock = threading.Lock()

    # --- discovery and keys --------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            cached = self._metadata
            if cached.value is not None and time.monotonic() - cached.fetched_at < (
                self.timing.metadata_ttl
            ):
                return cached.value
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        data, _ = _get_json(url, "discovery", self.timing.http_timeout)
        if data.get("issuer") != self.settings.issuer:
            raise LoginError(
                "provider_misconfigured",
                f"discovery issuer {data.get('issuer')!r} is not the configured "
                f"{self.settings.issuer!r}",
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(key), str):
                raise LoginError("provider_misconfigured", f"discovery lacks {key}")
        advertised = data.get("id_token_signing_alg_values_supported") or []
        if advertised and not set(advertised) & set(ALLOWED_ALGORITHMS):
            raise LoginError(
                "provider_misconfigured",
                f"provider signs only with {advertised}, none of {ALLOWED_ALGORITHMS}",
            )
        with self._lock:
            self._metadata = _Cached(data, time.monotonic())
        return data

    def _fetch_jwks(self) -> KeySet:
        data, _ = _get_json(self.metadata()["jwks_uri"], "jwks", self.timing.http_timeout)
        keys = data.get("keys")
        if not isinstance(keys, list) or not keys:
            raise LoginError("provider_misconfigured", "jwks_uri returned no keys")
        # Keys meant for encryption, or of a type we never accept, are left out.
        usable = [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("use", "sig") == "sig"
            and key.get("kty")
            in {
                "RSA",
                "EC",
            }
        ]
        try:
            return KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError) as error:
            raise LoginError("provider_misconfigured", f"jwks: {error}") from error

    def keys(self, *, unknown_kid: bool = False) -> KeySet:
        now = time.monotonic()
        with self._lock:
            cached = self._jwks
            fresh = cached.value is not None and now - cached.fetched_at < self.timing.jwks_ttl
            if fresh and not unknown_kid:
                return cached.value
            # A token signed with a key we do not know: the provider may have rotated its
            # keys. Re-fetch, but not more than once per interval, so a stream of forged
            # tokens cannot turn us into a load generator against the provider.
            if fresh and now - cached.refetched_at < self.timing.jwks_refetch_interval:
                return cached.value
        key_set = self._fetch_jwks()
        with self._lock:
            refetched_at = now if unknown_kid else self._jwks.refetched_at
            self._jwks = _Cached(key_set, now, refetched_at)
        return key_set

    # --- the authorization request ---------------------------------------------------------

    def begin(self, redirect_uri: str, next_url: str = "/", **extra) -> tuple[str, Transaction]:
        metadata = self.metadata()
        transaction = Transaction(
            authority=self.settings.authority,
            issuer=self.settings.issuer,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),
            redirect_uri=redirect_uri,
            created_at=time.time(),
            next_url=next_url,
            link_to_user=extra.pop("link_to_user", None),
        )
        client = self._client(redirect_uri)
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=transaction.state,
            nonce=transaction.nonce,
            code_verifier=transaction.code_verifier,
            response_type="code",
            **{k: v for k, v in extra.items() if v},
        )
        return url, transaction

    def _client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=" ".join(self.settings.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )

    # --- the callback ------------------------------------------------------------------

    def complete(self, transaction: Transaction, params: dict[str, str]) -> VerifiedLogin:
        """Check the callback's parameters, exchange the code and verify what comes back.
        The caller has already matched ``state`` to ``transaction`` and removed it."""
        metadata = self.metadata()
        # RFC 9207: the response must come from the provider this transaction went to,
        # before anything is sent anywhere.
        iss = params.get("iss")
        if iss is not None and iss != transaction.issuer:
            raise LoginError("issuer_mismatch", f"iss {iss!r} is not {transaction.issuer!r}")
        if iss is None and metadata.get("authorization_response_iss_parameter_supported"):
            raise LoginError("issuer_mismatch", "provider advertises iss but sent none")
        if params.get("error"):
            raise LoginError(
                "provider_error", f"{params.get('error')}: {params.get('error_description', '')}"
            )
        code = params.get("code")
        if not code:
            raise LoginError("provider_error", "callback without code")
        client = self._client(transaction.redirect_uri)
        try:
            tokens = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=transaction.code_verifier,
                timeout=self.timing.http_timeout,
            )
        except requests.RequestException as error:  # timed out, refused, reset
            raise LoginError("provider_unreachable", f"token endpoint: {error}") from error
        except Exception as error:  # noqa: BLE001 - Authlib raises many kinds
            raise LoginError("token_exchange_failed", f"token endpoint: {error}") from error
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise LoginError("id_token_invalid", "token response has no id_token")
        claims = self.verify_id_token(id_token, transaction.nonce)
        userinfo = self.userinfo(tokens, claims["sub"])
        merged = {**userinfo, **claims}
        return VerifiedLogin(
            authority=transaction.authority,
            issuer=transaction.issuer,
            subject=claims["sub"],
            claims=merged,
            id_token=id_token,
        )

    def verify_id_token(self, id_token: str, nonce: str, now: float | None = None) -> dict:
        try:
            header = jws.extract_compact(id_token.encode()).protected
        except (JoseError, ValueError) as error:
            raise LoginError("id_token_invalid", f"not a compact JWS: {error}") from error
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise LoginError("id_token_invalid", f"signing algorithm {alg!r} not accepted")
        claims = self._verified_claims(id_token, header, alg)
        self._check_claims(claims, nonce, now if now is not None else time.time())
        return claims

    def _candidates(self, key_set: KeySet, kid: str | None, alg: str) -> list:
        matching = [key for key in key_set.keys if key.key_type == KEY_TYPES[alg]]
        if kid is not None:
            return [key for key in matching if key.kid == kid]
        return matching

    def _verified_claims(self, id_token: str, header: dict, alg: str) -> dict:
        kid = header.get("kid")
        candidates = self._candidates(self.keys(), kid, alg)
        if not candidates:
            candidates = self._candidates(self.keys(unknown_kid=True), kid, alg)
        if not candidates:
            raise LoginError("id_token_invalid", f"no {KEY_TYPES[alg]} key with kid {kid!r}")
        # Without a kid every key of the right type is tried: a provider with several keys
        # may leave kid out, and only a valid signature lets a token through.
        for key in candidates:
            try:
                token = jwt.decode(id_token, key, algorithms=[alg])
            except JoseError:
                continue
            return dict(token.claims)
        raise LoginError("id_token_invalid", "signature does not verify")

    def _check_claims(self, claims: dict, nonce: str, now: float) -> None:
        leeway = self.timing.leeway

        def fail(detail: str) -> None:
            raise LoginError("id_token_invalid", detail)

        if claims.get("iss") != self.settings.issuer:
            fail(f"iss {claims.get('iss')!r} is not {self.settings.issuer!r}")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.settings.client_id not in audiences:
            fail(f"aud {audience!r} does not name this client")
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            fail("several audiences and azp is not this client")
        if "azp" in claims and claims["azp"] != self.settings.client_id:
            fail(f"azp {claims['azp']!r} is not this client")
        for name in ("exp", "iat"):
            if not isinstance(claims.get(name), int | float) or isinstance(claims[name], bool):
                fail(f"{name} missing or not a number")
        if claims["exp"] < now - leeway:
            fail(f"expired at {claims['exp']} (now {int(now)})")
        if claims["iat"] > now + leeway:
            fail(f"issued in the future at {claims['iat']} (now {int(now)})")
        if claims["iat"] < now - self.timing.max_token_age - leeway:
            fail(f"issued too long ago at {claims['iat']} (now {int(now)})")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            fail("sub missing")
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
            claims["nonce"], nonce
        ):
            fail("nonce does not match the login transaction")

    def userinfo(self, tokens: dict[str, Any], subject: str) -> dict[str, Any]:
        endpoint = self.metadata().get("userinfo_endpoint")
        access_token = tokens.get("access_token")
        if not endpoint or not access_token:
            return {}
        try:
            response = requests.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=self.timing.http_timeout,
            )
        except requests.RequestException as error:
            raise LoginError("provider_unreachable", f"userinfo: {error}") from error
        if response.status_code != 200:
            raise LoginError("userinfo_invalid", f"userinfo: HTTP {response.status_code}")
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("application/jwt"):
            raise LoginError("userinfo_invalid", "signed userinfo responses are not accepted")
        try:
            data = response.json()
        except ValueError as error:
            raise LoginError("userinfo_invalid", "userinfo is not JSON") from error
        if not isinstance(data, dict) or data.get("sub") != subject:
            raise LoginError(
                "userinfo_invalid",
                f"userinfo sub {data.get('sub') if isinstance(data, dict) else None!r} "
                f"is not the ID token's {subject!r}",
            )
        return data

    def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except LoginError:
            return None
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri}
        params["client_id"] = self.settings.client_id
        if id_token:
            params["id_token_hint"] = id_token
        separator = "&" if "?" in endpoint else "?"
        return endpoint + separator + urlencode(params)
