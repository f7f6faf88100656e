"""Logging in, in tests, through real OpenID providers on loopback.

Most tests need someone logged in with a given role, not a particular provider product:
they log in through the development providers (Authlib's server, the same the demo runs),
with the whole protocol: discovery, PKCE, nonce, RFC 9207, ID token, userinfo. The tests of
interoperability (``test_oidc_interop.py``, the npm ``oidc-provider``) and of hostile
providers (``test_oidc_hostile.py``) check the relying party itself.
"""

from __future__ import annotations

from sqlalchemy import select

from core.identity.models import Identity
from core.identity.services import create_token, grant_platform_role
from core.testing import Providers, csrf_token, follow_provider, login  # noqa: F401 (the kit)

# Who the tests log in as: one person per role and authority, from the plugins' demo users.
PEOPLE = {
    "cocom": {"coordinator": "cocom-an", "member": "cocom-marc", "viewer": "cocom-eva"},
    "vlaams": {
        "coordinator": "vlaams-lotte",
        "member": "vlaams-sofie",
        "viewer": "vlaams-bram",
        # Seed 000's network managers of the provinces of Brussels and Antwerp: readers who
        # review their own province's placement sites and nothing else.
        "network_manager": "vlaams-nadia",
        "network_manager_antwerpen": "vlaams-koen",
    },
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


def grant(app, authority: str, subject: str, role: str) -> None:
    """Give a platform role to someone who has logged in, as an administrator would."""
    with app.extensions["concerto.db"].session() as db:
        identity = db.scalar(
            select(Identity).where(
                Identity.authority_code == authority, Identity.subject == subject
            )
        )
        grant_platform_role(db, identity.user, role, granted_by="test")


def api_token(app, subject: str, roles: list[str] | None = None) -> str:
    """A personal API token of someone who has logged in, as their account page makes it:
    with ``roles``, or all the platform roles they hold."""
    with app.extensions["concerto.db"].session() as db:
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        secret, _token = create_token(
            db, identity, "test", roles or list(identity.access_roles) or ["viewer"], 1
        )
    return secret


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
