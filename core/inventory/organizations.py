"""Organisations that provide services (HSDS organization): who runs a service for the
authority that funds it. The KBO/BCE number is checked with its own check digits."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.inventory.models import Organization
from core.validation import EMAIL, WEB_ADDRESS, Invalid, text_problem

FIELDS = (
    "external_id",
    "name",
    "kbo_number",
    "legal_form",
    "website",
    "email",
    "description_nl",
    "description_fr",
    "description_en",
)


def normalise_kbo(value: str) -> str | None:
    """The ten digits of a KBO/BCE number written any usual way (0123.456.749, BE0123456749),
    or None when they do not make a valid number: the last two digits are 97 minus the first
    eight modulo 97, and the first digit is 0 or 1."""
    digits = re.sub(r"[\s.\-]", "", value.upper().removeprefix("BE"))
    if not re.fullmatch(r"[01]\d{9}", digits):
        return None
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return None
    return digits


def check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {key: "unknown" for key in values if key not in FIELDS}
    cleaned: dict[str, Any] = {}
    for key in set(values) & set(FIELDS):
        raw = values[key]
        if raw is not None and not isinstance(raw, str):
            errors[key] = "type"
            continue
        multiline = key.startswith("description")
        value = (raw or "").strip() or None
        limit = 5000 if multiline else 300
        if value and text_problem(value, multiline=multiline):
            errors[key] = text_problem(value, multiline=multiline)
        elif value and len(value) > limit:
            errors[key] = "length"
        elif key in ("external_id", "name") and not value:
            errors[key] = "required"
        elif key == "kbo_number" and value and normalise_kbo(value) is None:
            errors[key] = "kbo"
        elif key == "website" and value and not WEB_ADDRESS.match(value):
            errors[key] = "url"
        elif key == "email" and value and not EMAIL.match(value):
            errors[key] = "email"
        else:
            cleaned[key] = normalise_kbo(value) if key == "kbo_number" and value else value
    if errors:
        raise Invalid(errors)
    return cleaned


def save(
    session: Session, authority_code: str, values: dict[str, Any], organization=None
) -> Organization:
    cleaned = check(values)
    if organization is None:
        missing = {key: "required" for key in ("external_id", "name") if not cleaned.get(key)}
        if missing:
            raise Invalid(missing)
        taken = session.scalar(
            select(Organization.id).where(
                Organization.authority_code == authority_code,
                Organization.external_id == cleaned["external_id"],
            )
        )
        if taken:
            raise Invalid({"external_id": "duplicate"})
        organization = Organization(authority_code=authority_code)
        session.add(organization)
    elif cleaned.get("external_id", organization.external_id) != organization.external_id:
        raise Invalid({"external_id": "fixed"})
    for key, value in cleaned.items():
        setattr(organization, key, value)
    organization.updated_at = utcnow()
    session.flush()
    return organization


def of_authority(session: Session, authority_code: str) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.authority_code == authority_code)
            .order_by(Organization.name)
        )
    )
