"""The authorization matrix's cases: every write route of the platform, in the order the
matrix tries them (one app per person, so later writes find what earlier ones left), and
how each person logs in for it.

Later features add their write routes to ``WRITES`` (in the module of their part).
"""

from __future__ import annotations

from sqlalchemy import select

from core.identity.models import Identity
from core.identity.services import create_token
from tests.authorization_accounts import PERSONAL_WRITES, PROFILE_WRITES, WEBHOOK_WRITES
from tests.authorization_inventory import INVENTORY_WRITES, KEEPING_TRUE_WRITES
from tests.authorization_meetings import MEETING_WRITES
from tests.authorization_people import Who
from tests.authorization_plans import PLAN_WRITES
from tests.authorization_registers import (
    FLEMISH_WRITES,
    PARTNER_WRITES,
    ROOM_WRITES,
    SIGNAL_WRITES,
)
from tests.authorization_studydays import STUDY_DAY_WRITES
from tests.logins import PEOPLE, csrf_token, login_as

WRITES = [
    *PROFILE_WRITES,
    *INVENTORY_WRITES,
    *MEETING_WRITES,
    *PLAN_WRITES,
    *STUDY_DAY_WRITES,
    *FLEMISH_WRITES,
    *WEBHOOK_WRITES,
    *KEEPING_TRUE_WRITES,
    *ROOM_WRITES,
    *PERSONAL_WRITES,
    *SIGNAL_WRITES,
    *PARTNER_WRITES,
]


def prepare(client, app, who: Who) -> str:
    """Log in, remember the user id, and give the client an API token with all the person's
    authority roles, made through the service the token page uses."""
    if who.login is None:
        return ""
    login_as(client, app, who.login)
    with app.extensions["concerto.db"].session() as db:
        subject = (
            PEOPLE[who.login[0]][who.login[1]]
            if isinstance(who.login, tuple)
            else {"secretary": "cocom-secretariaat", "administrator": "cocom-beheer"}[who.login]
        )
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        client.user_id = identity.user_id
        client.api_token, _token = create_token(
            db, identity, "matrix-api", list(identity.access_roles), 1
        )
    return csrf_token(client, "/")


def check_every_write(app, who: Who) -> None:
    """Try every write of ``WRITES`` as ``who`` on ``app``: only what the rules allow succeeds,
    and what is refused leaves the data as it was and answers as a refusal."""
    client = app.test_client()
    csrf = prepare(client, app, who)
    outcomes = {}
    for write in WRITES:
        response = write.attempt(client, app, who, csrf)
        outcomes[write.name] = (
            response.status_code,
            write.changed(app, who),
            write.allowed(who),
        )
    wrong = {
        name: f"status {status}, changed={changed}, should be allowed={allowed}"
        for name, (status, changed, allowed) in outcomes.items()
        if changed != allowed or (not allowed and status < 300)
    }
    assert wrong == {}
    for name, (status, _changed, allowed) in outcomes.items():
        if not allowed:
            # 404: an unpublished record of another authority is not even shown to exist.
            expected = {401, 403, 404} if who.login else {302, 400, 401, 404}
            assert status in expected, f"{name}: {status}"
