"""Bodies (committees, groups, local teams) and their members."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.goals.models import Plan
from core.identity.models import User
from core.meetings.models import BODY_KINDS, MEMBER_ROLES, Body, Membership
from core.meetings.services.checks import CODE, LANGUAGES, _choice, _flag, _text
from core.partners.services import INVOLVED_PREFIX, partner_of
from core.reference.models import Authority, Prison
from core.validation import EMAIL, Invalid, date_field

# --- bodies and memberships --------------------------------------------------------------------


def check_body(
    values: dict[str, Any],
    *,
    creating: bool,
    owner: str | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """A body's fields. The committee's bodies are named in Dutch and French; an authority's
    own (``owner``) in at least one of them, its own language being enough. ``prison``: the
    prison a local team works in (known to ``session``), or nothing."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if creating:
        code = (values.get("code") or "").strip()
        if not code:
            errors["code"] = "required"
        elif not CODE.match(code):
            errors["code"] = "code"
        cleaned["code"] = code
    cleaned["kind"] = _choice(values, "kind", errors, BODY_KINDS)
    for lang in LANGUAGES:
        cleaned[f"name_{lang}"] = _text(
            values, f"name_{lang}", errors, required=owner is None and lang != "en", limit=300
        )
    named = cleaned["name_nl"] or cleaned["name_fr"]
    if owner is not None and not named and "name_nl" not in errors and "name_fr" not in errors:
        errors["name_nl"] = "one_name"
    # The French name's column holds no NULL (core.meetings.models.Body).
    cleaned["name_nl"] = cleaned["name_nl"] or ""
    cleaned["name_fr"] = cleaned["name_fr"] or ""
    cleaned["public_calendar"] = _flag(values, "public_calendar")
    prison = values.get("prison") or None
    if prison is not None and (
        not isinstance(prison, str) or session is None or session.get(Prison, prison) is None
    ):
        errors["prison"] = "unknown"
    cleaned["prison_code"] = prison
    if errors:
        raise Invalid(errors)
    return cleaned


def create_body(session: Session, values: dict[str, Any], owner: str | None = None) -> Body:
    """A new body of the committee, or of the authority ``owner``."""
    if owner is not None and session.get(Authority, owner) is None:
        raise Invalid({"owner": "unknown"})
    cleaned = check_body(values, creating=True, owner=owner, session=session)
    if session.scalar(select(Body.id).where(Body.code == cleaned["code"])) is not None:
        raise Invalid({"code": "duplicate"})
    body = Body(**cleaned, authority_code=owner, calendar_token=secrets.token_urlsafe(24))
    session.add(body)
    session.flush()
    return body


def update_body(session: Session, body: Body, values: dict[str, Any]) -> Body:
    cleaned = check_body(values, creating=False, owner=body.authority_code, session=session)
    for key, value in cleaned.items():
        setattr(body, key, value)
    return body


def local_plans_of(session: Session, body: Body) -> list:
    """The action plans of a local team's prison, its owner's first (seed 002: the local
    policy teams write a local action plan for their prison); none for a body in no prison."""
    if body.prison_code is None:
        return []
    plans = session.scalars(
        select(Plan).where(Plan.prison_code == body.prison_code).order_by(Plan.start_year)
    ).all()
    return sorted(plans, key=lambda plan: plan.authority_code != body.authority_code)


def on_behalf_of(session: Session, values: dict[str, Any], errors: dict[str, str]):
    """(authority code, partner) a member or an action's owner acts for: exactly one. The
    form's one choice "authority" holds an authority's code or "partner:<id>"; the API may
    send "partner" (an id) instead."""
    authority = values.get("authority") or None
    raw_partner = values.get("partner") or None
    if isinstance(authority, str) and authority.startswith(INVOLVED_PREFIX):
        raw_partner, authority = authority[len(INVOLVED_PREFIX) :], None
    if authority is not None and raw_partner is not None:
        errors["authority"] = "one_of"
        return None, None
    if raw_partner is not None:
        partner = partner_of(session, raw_partner)
        if partner is None:
            errors["authority"] = "unknown"
        return None, partner
    if authority is None:
        errors["authority"] = "required"
    elif not isinstance(authority, str) or session.get(Authority, authority) is None:
        errors["authority"] = "unknown"
    return authority, None


def check_membership(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    authority, partner = on_behalf_of(session, values, errors)
    # A partner's member is its contact person unless another person is named.
    cleaned: dict[str, Any] = {
        "name": _text(values, "name", errors, required=partner is None, limit=200),
        "email": _text(values, "email", errors, limit=320),
        "language": _choice(values, "language", errors, LANGUAGES, default="nl"),
        "role": _choice(values, "role", errors, MEMBER_ROLES),
        "starts_on": date_field(values, "starts_on", errors, required=True),
        "ends_on": date_field(values, "ends_on", errors),
    }
    if partner is not None and not cleaned["name"] and "name" not in errors:
        cleaned["name"] = partner.contact_name
        cleaned["email"] = cleaned["email"] or partner.email
        cleaned["language"] = partner.language
    if cleaned["email"] and not EMAIL.match(cleaned["email"]):
        errors["email"] = "email"
    cleaned["authority_code"] = authority
    cleaned["partner_id"] = partner.id if partner is not None else None
    user_id = values.get("user_id") or None
    if user_id is not None:
        known = str(user_id).isdecimal() and int(user_id) < 2**31
        if not known or session.get(User, int(user_id)) is None:
            errors["user_id"] = "unknown"
        else:
            user_id = int(user_id)
    cleaned["user_id"] = user_id
    if cleaned["starts_on"] and cleaned["ends_on"] and cleaned["ends_on"] < cleaned["starts_on"]:
        errors["ends_on"] = "before_start"
    if errors:
        raise Invalid(errors)
    return cleaned


def add_membership(session: Session, body: Body, values: dict[str, Any]) -> Membership:
    membership = Membership(body_id=body.id, **check_membership(session, values))
    session.add(membership)
    session.flush()
    return membership


def update_membership(session: Session, membership: Membership, values: dict[str, Any]) -> None:
    for key, value in check_membership(session, values).items():
        setattr(membership, key, value)
