"""The register of outside partners, for the pages, the API, the demo and the other features
(meetings, plans) alike: checking and saving a partner, the register in the reader's order,
a partner's name in words, and the "partner:<id>" words a plan step's ``involved`` holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import authority_name, pick
from core.partners.errors import ERRORS
from core.partners.models import KIND_LABELS, PARTNER_KINDS, PARTNER_LANGUAGES, Partner
from core.validation import EMAIL, Invalid, Stale, normalise_email, text_problem

# How a plan step's ``involved`` names a partner of the register (the rest are words).
INVOLVED_PREFIX = "partner:"


def messages(invalid: Invalid) -> dict[str, str]:
    """Each field's problem in the reader's language."""
    return {key: str(ERRORS.get(code, ERRORS["choice"])) for key, code in invalid.errors.items()}


def _text(
    values: dict[str, Any], key: str, errors: dict[str, str], limit: int, multiline=False
) -> str | None:
    value = str(values.get(key) or "").strip()
    if not value:
        return None
    problem = text_problem(value, multiline=multiline)
    if problem:
        errors[key] = problem
    elif len(value) > limit:
        errors[key] = "length"
    return value


def check_partner(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        "name_nl": _text(values, "name_nl", errors, 300),
        "name_fr": _text(values, "name_fr", errors, 300),
    }
    if not (cleaned["name_nl"] or cleaned["name_fr"]) and not errors.keys() & {
        "name_nl",
        "name_fr",
    }:
        errors["name_nl"] = "one_name"
    kind = values.get("kind") or ""
    if kind not in PARTNER_KINDS:
        errors["kind"] = "required" if not kind else "choice"
    cleaned["kind"] = kind
    cleaned["contact_name"] = _text(values, "contact_name", errors, 200)
    if not cleaned["contact_name"] and "contact_name" not in errors:
        errors["contact_name"] = "required"
    email = _text(values, "email", errors, 320)
    if not email and "email" not in errors:
        errors["email"] = "required"
    elif email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = "email"
    cleaned["email"] = normalise_email(email) if email else None
    language = values.get("language") or ""
    if language not in PARTNER_LANGUAGES:
        errors["language"] = "required" if not language else "choice"
    cleaned["language"] = language
    cleaned["notes"] = _text(values, "notes", errors, 5000, multiline=True)
    if errors:
        raise Invalid(errors)
    return cleaned


def _same_name(session: Session, cleaned: dict[str, Any], partner: Partner | None) -> None:
    """Two entries for one organisation would split its memberships and actions."""
    for lang in ("nl", "fr"):
        name = cleaned[f"name_{lang}"]
        if not name:
            continue
        column = getattr(Partner, f"name_{lang}")
        found = session.scalar(select(Partner.id).where(column == name))
        if found is not None and (partner is None or found != partner.id):
            raise Invalid({f"name_{lang}": "duplicate"})


def create_partner(session: Session, values: dict[str, Any]) -> Partner:
    cleaned = check_partner(values)
    _same_name(session, cleaned, None)
    partner = Partner(**cleaned)
    session.add(partner)
    session.flush()
    return partner


def update_partner(
    session: Session, partner: Partner, values: dict[str, Any], expected_version: Any = None
) -> Partner:
    if expected_version not in (None, "") and str(expected_version) != str(partner.version):
        raise Stale(partner.version)
    cleaned = check_partner(values)
    _same_name(session, cleaned, partner)
    for key, value in cleaned.items():
        setattr(partner, key, value)
    session.flush()
    return partner


def name_of(partner: Partner, language: str | None = None) -> str:
    """The partner's name in the reader's language, or in the one it has."""
    return str(pick(partner.texts("name"), language))


def on_behalf_name(record: Any, short: bool = False, language: str | None = None) -> str:
    """Whom a member, an attendance row or an action's owner acts for, in words: the outside
    partner's name, or the authority's."""
    partner = getattr(record, "partner", None)
    if partner is not None:
        return name_of(partner, language)
    return authority_name(getattr(record, "authority_code", None), short=short, language=language)


def register(session: Session) -> list[Partner]:
    """Every partner, by name in the reader's language."""
    return sorted(session.scalars(select(Partner)), key=lambda p: name_of(p).casefold())


def choices(session: Session) -> list[tuple[int, str]]:
    """(id, "name (kind)") for select fields."""
    return [(p.id, f"{name_of(p)} ({KIND_LABELS[p.kind]})") for p in register(session)]


def partner_of(session: Session, raw: Any) -> Partner | None:
    """The partner an id typed or sent names, or None (a crafted id names nothing)."""
    text = str(raw or "").strip()
    if not text.isdecimal() or len(text) > 9:
        return None
    return session.get(Partner, int(text))


# --- a plan step's involved -----------------------------------------------------------------


def involved_word(partner_id: int) -> str:
    return f"{INVOLVED_PREFIX}{partner_id}"


def involved_partner_ids(involved: list[str]) -> list[int]:
    """The partners a step's ``involved`` names, in its order."""
    found = []
    for word in involved or []:
        if isinstance(word, str) and word.startswith(INVOLVED_PREFIX):
            rest = word[len(INVOLVED_PREFIX) :]
            if rest.isdecimal() and len(rest) < 10:
                found.append(int(rest))
    return found


def check_involved(session: Session, involved: list[str], errors: dict[str, str]) -> None:
    """Every "partner:<id>" of ``involved`` must name a partner of the register."""
    for word in involved:
        if word.startswith(INVOLVED_PREFIX):
            ids = involved_partner_ids([word])
            if not ids or session.get(Partner, ids[0]) is None:
                errors["involved_partners"] = "unknown"


def with_partners(
    session: Session, words: list[str], chosen: list[str] | None, errors: dict[str, str]
) -> list[str]:
    """A plan step's ``involved``: the words as typed, then "partner:<id>" for each partner
    ``chosen`` in the form's boxes (ids as sent). Without boxes (the API, an import), the
    words as sent, a partner's checked to be in the register."""
    if chosen is None:
        check_involved(session, words, errors)
        return words
    kept = [word for word in words if not word.startswith(INVOLVED_PREFIX)]
    found: list[int] = []
    for raw in chosen:
        partner = partner_of(session, raw)
        if partner is None:
            errors["involved_partners"] = "unknown"
        elif partner.id not in found:
            found.append(partner.id)
    return kept + [involved_word(partner_id) for partner_id in found]


def involved_names(session: Session, involved: list[str]) -> list[str]:
    """``involved`` in words: a partner by its name, the rest as written."""
    names = []
    for word in involved or []:
        ids = involved_partner_ids([word])
        if not word.startswith(INVOLVED_PREFIX):
            names.append(word)
            continue
        partner = session.get(Partner, ids[0]) if ids else None
        if partner is not None:  # a word naming no partner is no one's name: left out
            names.append(name_of(partner))
    return names
