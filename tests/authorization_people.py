"""Who the authorization matrix tries every write as, and the few helpers every part of it
uses: whose authority is one's own, who keeps what, and the API call and lookup the writes
share. The writes themselves are in ``tests.authorization_cases`` (``WRITES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from tests.conftest import FIVE


@dataclass(frozen=True)
class Who:
    label: str  # also the host name of the website each person writes, so it is a slug
    login: object  # what tests.logins.login_as takes; None for an anonymous visitor
    authority: str | None
    roles: frozenset[str]

    @property
    def other(self) -> str:
        return next(code for code in FIVE if code != (self.authority or "cocom"))


EVERYONE = [
    Who("anonymous", None, None, frozenset()),
    *[
        Who(f"{code}-{role}", (code, role), code, frozenset({role}))
        for code in FIVE
        for role in ("coordinator", "member", "viewer")
    ],
    # Seed 000's network managers read the platform and review their own province's
    # placement sites: no Flemish coordinator's right comes with the role.
    Who(
        "vlaams-network-manager",
        ("vlaams", "network_manager"),
        "vlaams",
        frozenset({"viewer", "netwerkbeheerder_brussel"}),
    ),
    Who(
        "vlaams-network-manager-antwerpen",
        ("vlaams", "network_manager_antwerpen"),
        "vlaams",
        frozenset({"viewer", "netwerkbeheerder_antwerpen"}),
    ),
    Who("secretary", "secretary", "cocom", frozenset({"member", "secretary"})),
    Who("administrator", "administrator", "cocom", frozenset({"member", "administrator"})),
]


@dataclass(frozen=True)
class Write:
    name: str
    allowed: Callable[[Who], bool]
    attempt: Callable  # (client, app, who, csrf) -> response
    changed: Callable  # (app, who) -> bool, whether the write took effect


def own_authority(who: Who) -> str:
    return who.authority or "cocom"


def other_authority(who: Who) -> str:
    return who.other


def is_coordinator(who: Who) -> bool:
    return "coordinator" in who.roles


def is_secretariat(who: Who) -> bool:
    return bool(who.roles & {"secretary", "administrator"})


def api_request(client, method: str, path: str, body: dict):
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(path, method=method, json=body, headers=headers)


def first_of(app, model, *where):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(model).where(*where).order_by(model.id))


# The matrix runs in three files, one per kind of person, so that the suite spreads it over
# its workers: those who keep things (coordinators and the secretariat), the members, and
# the readers (the rest: anonymous visitors, viewers, network managers).
KEEPERS = [who for who in EVERYONE if who.roles & {"coordinator", "secretary", "administrator"}]
MEMBERS = [who for who in EVERYONE if who not in KEEPERS and "member" in who.roles]
READERS = [who for who in EVERYONE if who not in KEEPERS and who not in MEMBERS]
