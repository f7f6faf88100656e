"""Bodies as a data file: a plugin ships the bodies its authority keeps (hook ``shipped_data``,
kind ``bodies``), such as the Flemish Gemengde Commissie and the local teams in each prison.

The file is TOML, one ``[[body]]`` table per body, with its members (optional) as
``[[body.member]]`` tables under it::

    [[body]]
    code = "vlaams_beleidsteam_haren"   # 2 to 64 lower-case letters, digits, underscores
    kind = "policy_team"                # one of core.meetings.models.BODY_KINDS
    name_nl = "Lokaal beleidsteam ..."  # name_nl or name_fr, or both; name_en optional
    prison = "haren"                    # optional: the prison a local team works in
    public_calendar = false             # optional (false)

    [[body.member]]
    name = "..."                        # as the member form: name, role, starts_on,
    role = "member"                     # ends_on, email, language, and authority (the
    starts_on = 2015-01-01              # owner's when not given)

Every body belongs to the authority that ships it and goes through the same checks as the
body and member forms. Loading is idempotent (a body whose code is there already is left as
it is, with its members: what people changed since stays) and all or nothing: one bad body
or member and nothing of the file is written; the errors name the body (its place in the
file) and the field."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.meetings.models import Body
from core.meetings.services.bodies import add_membership, check_body, check_membership, create_body
from core.reference.models import Authority
from core.validation import Invalid

MAX_BODIES = 500
BODY_FIELDS = ("code", "kind", "name_nl", "name_fr", "name_en", "prison", "public_calendar")
MEMBER_FIELDS = ("name", "role", "starts_on", "ends_on", "email", "language", "authority")


def _strings(table: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The form's values from a TOML table: texts stripped, dates kept, booleans as a form
    sends a ticked box, numbers as text (the checks then refuse what does not fit)."""
    values: dict[str, Any] = {}
    for field in fields:
        value = table.get(field)
        if value is None:
            continue
        if isinstance(value, bool):
            values[field] = "1" if value else ""
        elif isinstance(value, date):
            values[field] = value
        else:
            values[field] = str(value).strip()
    return values


def _unknown(table: dict[str, Any], fields: tuple[str, ...], where: str) -> dict[str, str]:
    """Keys the format does not know, likely a typing error that would otherwise be ignored."""
    allowed = set(fields) | ({"member"} if "code" in fields else set())
    return {f"{where}: {key}": "unknown_field" for key in table if key not in allowed}


def read_bodies(session: Session, authority: str, content: bytes) -> list[dict[str, Any]]:
    """The file's bodies, each checked with its members, as ``{"values", "members"}``; raises
    Invalid with every problem, keyed "body N: field" or "body N, member M: field"."""
    try:
        parsed = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise Invalid({"file": "unreadable"}) from None
    tables = parsed.get("body")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise Invalid({"file": "no_bodies"})
    if len(tables) > MAX_BODIES:
        raise Invalid({"file": "too_many"})
    errors: dict[str, str] = {f"file: {key}": "unknown_field" for key in parsed if key != "body"}
    checked, codes = [], set()
    for number, table in enumerate(tables, start=1):
        where = f"body {number}"
        errors.update(_unknown(table, BODY_FIELDS, where))
        values = _strings(table, BODY_FIELDS)
        try:
            check_body(values, creating=True, owner=authority, session=session)
        except Invalid as invalid:
            errors.update({f"{where}: {key}": code for key, code in invalid.errors.items()})
        code = values.get("code")
        if code in codes:
            errors[f"{where}: code"] = "duplicate"
        codes.add(code)
        members = table.get("member", [])
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            errors[f"{where}: member"] = "type"
            members = []
        member_values = []
        for place, member in enumerate(members, start=1):
            at = f"{where}, member {place}"
            errors.update(_unknown(member, MEMBER_FIELDS, at))
            given = {"authority": authority, **_strings(member, MEMBER_FIELDS)}
            try:
                check_membership(session, given)
            except Invalid as invalid:
                errors.update({f"{at}: {key}": code for key, code in invalid.errors.items()})
            member_values.append(given)
        checked.append({"values": values, "members": member_values})
    if errors:
        raise Invalid(errors)
    return checked


def load_shipped_bodies(session: Session, authority: str, path: Path) -> str:
    """Add the file's bodies whose code is not there yet, with their members, for
    ``authority``; all or nothing (the caller commits or rolls back)."""
    if session.get(Authority, authority) is None:
        raise Invalid({"file": "unknown_authority"})
    checked = read_bodies(session, authority, path.read_bytes())
    there = set(
        session.scalars(
            select(Body.code).where(Body.code.in_([body["values"]["code"] for body in checked]))
        )
    )
    added = 0
    for body in checked:
        if body["values"]["code"] in there:
            continue
        made = create_body(session, body["values"], authority)
        for member in body["members"]:
            add_membership(session, made, member)
        added += 1
    return f"bodies of {authority}: {added} added, {len(checked) - added} already there"
