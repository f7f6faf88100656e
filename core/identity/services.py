"""Logins, identities, roles and API tokens: plain functions shared by pages, API and CLI."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.identity.models import (
    AUTHORITY_ROLES,
    PLATFORM_ROLES,
    ApiToken,
    Identity,
    PlatformRole,
    User,
)
from core.identity.oidc import ClientSettings, LoginError, Provider, Timing, VerifiedLogin
from core.permissions import Principal

log = logging.getLogger("concerto.identity")

DEFAULT_SCOPES = ("openid", "profile", "email")
TOKEN_PREFIX = "cct_"


# --- providers ----------------------------------------------------------------------------


def client_settings(app_settings: dict, authority) -> ClientSettings | None:
    """The client for ``authority`` from the deployment's [authorities.<code>.oidc] and the
    plugin's defaults, or None when the deployment has not configured one."""
    configured = app_settings["authorities"].get(authority.code, {}).get("oidc", {})
    if not configured.get("issuer") or not configured.get("client_id"):
        return None
    secret = configured.get("client_secret")
    if not secret and configured.get("client_secret_env"):
        secret = os.environ.get(configured["client_secret_env"])
    if not secret:
        log.error("authority %s: no client secret configured", authority.code)
        return None
    scopes = configured.get("scopes") or authority.oidc_defaults.get("scopes") or DEFAULT_SCOPES
    if "openid" not in scopes:
        scopes = ["openid", *scopes]
    return ClientSettings(
        authority=authority.code,
        issuer=configured["issuer"],
        client_id=configured["client_id"],
        client_secret=secret,
        scopes=tuple(scopes),
    )


def init_providers(app: Flask) -> None:
    settings = app.config["CONCERTO"]
    registry = app.extensions["concerto.registry"]
    timing = Timing(
        metadata_ttl=settings["oidc_metadata_ttl_seconds"],
        jwks_refetch_interval=settings["oidc_jwks_refetch_seconds"],
        leeway=settings["oidc_leeway_seconds"],
        http_timeout=settings["oidc_timeout_seconds"],
    )
    providers = {}
    for authority in registry.authorities.values():
        client = client_settings(settings, authority)
        if client is not None:
            providers[authority.code] = Provider(client, timing)
    app.extensions["concerto.providers"] = providers


# --- roles ------------------------------------------------------------------------------


def map_roles(registry, authority_code: str, claims: dict) -> tuple[list[str], list[str]]:
    """The authority's role codes for these verified claims, and what they may do in the
    platform. Someone the authority lets in without a role may read (viewer)."""
    authority = registry.authorities[authority_code]
    known = {role.code: role.platform_role for role in authority.roles}
    codes: list[str] = []
    if authority.claims_mapper is not None:
        try:
            mapped = authority.claims_mapper(dict(claims)) or []
        except Exception as error:  # noqa: BLE001 - a plugin's bug must not log anyone in
            raise LoginError(
                "roles_unavailable", f"map_claims of {authority_code}: {error}"
            ) from error
        for code in mapped:
            if code in known and code not in codes:
                codes.append(code)
            elif code not in known:
                log.warning("authority %s mapped unknown role %r; ignored", authority_code, code)
    access = sorted({known[code] for code in codes}, key=AUTHORITY_ROLES.index) or ["viewer"]
    return codes, access


# --- users and identities -------------------------------------------------------------------


def _profile(claims: dict) -> dict:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    language = (claims.get("locale") or "")[:2].lower()
    return {
        "display_name": (name or claims.get("preferred_username") or claims["sub"])[:200],
        "email": claims.get("email") if claims.get("email_verified", True) else None,
        "default_language": language if language in ("nl", "fr", "en") else None,
    }


def sign_in(db: Session, registry, login: VerifiedLogin, link_to_user: int | None = None):
    """Find or create the user of this verified login and refresh the identity's roles.

    Everything happens in ``db``'s transaction: a failure leaves no half-created user.
    With ``link_to_user`` the identity is attached to that (logged-in) user instead.
    """
    role_codes, access = map_roles(registry, login.authority, login.claims)
    identity = db.scalar(
        select(Identity).where(
            Identity.authority_code == login.authority,
            Identity.issuer == login.issuer,
            Identity.subject == login.subject,
        )
    )
    profile = _profile(login.claims)
    now = utcnow()
    if identity is None:
        if link_to_user is not None:
            user = db.get(User, link_to_user)
            if user is None:
                raise LoginError("state_invalid", "the account to link to no longer exists")
        else:
            user = User(display_name=profile["display_name"], created_at=now)
            db.add(user)
        identity = Identity(
            user=user,
            authority_code=login.authority,
            issuer=login.issuer,
            subject=login.subject,
            created_at=now,
        )
        db.add(identity)
    elif link_to_user is not None and identity.user_id != link_to_user:
        raise LoginError("identity_taken", f"identity {identity.id} has another user")
    user = identity.user
    if user.disabled:
        raise LoginError("account_disabled", f"user {user.id} is disabled")
    if link_to_user is None:
        user.display_name = profile["display_name"]
        user.email = profile["email"] or user.email
        user.default_language = profile["default_language"] or user.default_language
        user.last_login_at = now
    identity.role_codes = role_codes
    identity.access_roles = access
    identity.last_login_at = now
    db.flush()
    return user, identity


def principal_for(
    identity: Identity, channel: str = "page", token: ApiToken | None = None, registry=None
):
    user = identity.user
    roles = frozenset(identity.access_roles)
    if token is not None:
        # A token never gives more than its owner holds now: a role the authority took
        # away at the last login is gone from the token too.
        roles = roles & frozenset(token.roles)
    return Principal(
        channel=channel,
        label=user.display_name,
        user_id=user.id,
        identity_id=identity.id,
        authority=identity.authority_code,
        roles=roles,
        platform_roles=user.platform_role_codes(),
        token_id=token.id if token is not None else None,
        # An authority's own grants come with the page login only, never with a token.
        grants=frozenset() if token is not None else grants_of(registry, identity),
    )


def grants_of(registry, identity: Identity) -> frozenset[tuple[str, str | None]]:
    """What the identity's authority roles (as its provider gave them at the last login)
    grant of the plugin's own actions; nothing once the plugin is disabled."""
    authority = registry.authorities.get(identity.authority_code) if registry else None
    if authority is None:
        return frozenset()
    held = set(identity.role_codes or [])
    return frozenset(
        grant for role in authority.roles if role.code in held for grant in role.grants
    )


def grant_platform_role(db: Session, user: User, role: str, granted_by: str) -> PlatformRole:
    if role not in PLATFORM_ROLES:
        raise ValueError(role)
    existing = next((grant for grant in user.platform_roles if grant.role == role), None)
    if existing is not None:
        return existing
    grant = PlatformRole(user=user, role=role, granted_by=granted_by[:200])
    db.add(grant)
    db.flush()
    return grant


def revoke_platform_role(db: Session, user: User, role: str) -> bool:
    for grant in list(user.platform_roles):
        if grant.role == role:
            user.platform_roles.remove(grant)
            db.flush()
            return True
    return False


# --- API tokens -----------------------------------------------------------------------------


class TokenError(ValueError):
    """A token request that cannot be granted; ``field`` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    db: Session,
    identity: Identity,
    name: str,
    roles: list[str],
    expires_days: int | None,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token for ``identity``'s user, acting for its authority with at most its roles.
    Returns the secret, which is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError("name", "name")
    if not roles or any(role not in identity.access_roles for role in roles):
        raise TokenError("roles", "roles")
    if expires_days is not None and not 1 <= expires_days <= 366:
        raise TokenError("expires", "expires")
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=identity.user_id,
        identity_id=identity.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=_digest(secret),
        roles=sorted(set(roles), key=AUTHORITY_ROLES.index),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.add(token)
    db.flush()
    return secret, token


def find_token(db: Session, secret: str) -> ApiToken | None:
    """The active token with this secret, its last use noted; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    now = utcnow()
    if token is None or not token.is_active(now) or token.user.disabled:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token


def revoke_token(db: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
