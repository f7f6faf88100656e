"""What `concerto demo` adds for logging in: a development provider per authority, the
configuration pointing the platform at them, and the committee's secretary and
administrator, who hold platform roles that no provider gives."""

from __future__ import annotations

from sqlalchemy import select

from core.identity.devprovider import DevProvider, demo_client
from core.identity.models import Identity, User
from core.identity.services import grant_platform_role, map_roles

# The committee's secretariat sits with the Common Community Commission (DOMAIN.md).
PLATFORM_PEOPLE = [
    {
        "authority": "cocom",
        "role": "secretary",
        "user": {
            "sub": "cocom-secretariaat",
            "name": "Ilse Vermeulen",
            "email": "secretariaat@cocom.demo.invalid",
            "locale": "nl",
            "roles": ["administratie"],
        },
    },
    {
        "authority": "cocom",
        "role": "administrator",
        "user": {
            "sub": "cocom-beheer",
            "name": "Olivier Lambrecht",
            "email": "beheer@cocom.demo.invalid",
            "locale": "fr",
            "roles": ["administratie"],
        },
    },
]


def start_providers(registry, app_base: str, first_port: int) -> list[DevProvider]:
    """One running provider per authority, on consecutive ports from ``first_port``."""
    providers = []
    for offset, authority in enumerate(registry.authorities.values()):
        users = list(authority.oidc_defaults.get("demo_users", []))
        users += [p["user"] for p in PLATFORM_PEOPLE if p["authority"] == authority.code]
        scopes = authority.oidc_defaults.get("scopes") or ["openid", "profile", "email"]
        provider = DevProvider(
            authority.code,
            first_port + offset,
            users,
            demo_client(authority.code, app_base, scopes),
        )
        providers.append(provider.start())
    return providers


def settings_for(providers: list[DevProvider]) -> dict:
    """Configuration overrides pointing each authority at its development provider."""
    return {
        "authorities": {
            p.authority: {
                "oidc": {
                    "issuer": p.issuer,
                    "client_id": p.client.client_id,
                    "client_secret": p.client.client_secret,
                }
            }
            for p in providers
        },
        "demo_logins": True,
    }


def login_choices(registry, providers: list[DevProvider]) -> dict[str, list[dict]]:
    """For the login page: each authority's demo users with what their role lets them do."""
    choices = {}
    for provider in providers:
        entries = []
        for user in provider.users.values():
            codes, access = map_roles(registry, provider.authority, user)
            grant = next((p["role"] for p in PLATFORM_PEOPLE if p["user"] is user), None)
            # A role granting one task of the authority's own (a network manager reviewing
            # placement sites) is named by its title: "reader" alone would hide it.
            duties = [
                role.titles
                for role in registry.authorities[provider.authority].roles
                if role.code in codes and role.grants
            ]
            entries.append(
                {
                    "sub": user["sub"],
                    "name": user["name"],
                    "roles": access,
                    "platform": grant,
                    "duties": duties,
                }
            )
        choices[provider.authority] = entries
    return choices


def seed_platform_people(db, providers: list[DevProvider]) -> list[str]:
    """Create the secretary and the administrator, keyed as their logins will be; returns
    the demo parts left out (they log in through COCOM: without its plugin, no one)."""
    issuers = {p.authority: p.issuer for p in providers}
    left_out = []
    for person in PLATFORM_PEOPLE:
        issuer = issuers.get(person["authority"])
        if issuer is None:
            left_out.append(
                f"the committee's {person['role']}, {person['user']['name']}, who logs in "
                f"through {person['authority']} (plugin {person['authority']} not enabled)"
            )
            continue
        identity = db.scalar(
            select(Identity).where(
                Identity.authority_code == person["authority"],
                Identity.issuer == issuer,
                Identity.subject == person["user"]["sub"],
            )
        )
        if identity is None:
            user = User(display_name=person["user"]["name"])
            identity = Identity(
                user=user,
                authority_code=person["authority"],
                issuer=issuer,
                subject=person["user"]["sub"],
                role_codes=[],
                access_roles=["viewer"],
            )
            db.add(identity)
            db.flush()
        grant_platform_role(db, identity.user, person["role"], granted_by="concerto demo")
    return left_out
