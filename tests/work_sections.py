"""Reading My work in tests (tests/test_work_*.py): a person's work through /api/v1/me/work
with a token of their roles, one of its sections, its groups in order, the ids of a section's
items, a person's user id and today's date in Brussels."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.clock import utcnow
from core.identity.models import Identity
from core.meetings import services as meetings
from tests.logins import api_token


def _work(app, client, subject: str, roles: list[str] | None = None) -> dict:
    """The caller's work through the API, with a token of their roles."""
    secret = api_token(app, subject, roles)
    answer = client.get("/api/v1/me/work", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def _section(work: dict, group: str, key: str) -> dict:
    found = [s for s in work["sections"] if (s["group"], s["key"]) == (group, key)]
    assert len(found) == 1, [(s["group"], s["key"]) for s in work["sections"]]
    return found[0]


def _groups(work: dict) -> list[str]:
    return list(dict.fromkeys(s["group"] for s in work["sections"]))


def _ids(section: dict, kind: str | None = None) -> list:
    return [item["id"] for item in section["items"] if kind is None or item["kind"] == kind]


def _user_id(app, subject: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Identity.user_id).where(Identity.subject == subject))


def _today() -> date:
    return meetings.in_brussels(utcnow()).date()
