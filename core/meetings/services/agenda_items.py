"""The agenda of a meeting: items, sub-items, their order, links and attachments."""

from __future__ import annotations

import hashlib
import mimetypes
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.links import services as links
from core.meetings.models import PURPOSES, AgendaItem, Attachment, Decision, Meeting, Remark
from core.meetings.services.checks import LANGUAGES, _choice, _text
from core.permissions import Principal
from core.validation import Invalid, Refused, whole_field

# --- agenda --------------------------------------------------------------------------------------


def _agenda_open(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Refused("cancelled")
    if meeting.state == "minutes_approved":
        raise Refused("minutes_approved")


def parse_links(
    session: Session,
    raw: Any,
    errors: dict[str, str],
    principal: Principal | None = None,
    keep: list[dict] | tuple = (),
) -> list[dict]:
    """Links as the picker sends them ("kind:id" values) or the API ([{"kind", "id"}], a goal
    also by its code), to records ``principal`` may read (core.links); without a principal
    (demo data, the command line) every record may be linked."""
    return links.parse(session, principal or _SYSTEM, raw, errors, keep=keep)


_SYSTEM = Principal(channel="job", label="meetings")


def check_item(
    session: Session,
    meeting: Meeting,
    values: dict[str, Any],
    principal: Principal | None = None,
    keep: list[dict] | tuple = (),
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        f"title_{lang}": _text(values, f"title_{lang}", errors, limit=500) for lang in LANGUAGES
    }
    if not (cleaned["title_nl"] or cleaned["title_fr"]) and "title_nl" not in errors:
        errors["title_nl"] = "one_title"
    cleaned["purpose"] = _choice(values, "purpose", errors, PURPOSES, default="information")
    cleaned["duration_minutes"] = whole_field(values, "duration_minutes", errors, 1, 480)
    cleaned["presenter"] = _text(values, "presenter", errors, limit=200)
    cleaned["links"] = parse_links(session, values.get("links"), errors, principal, keep)
    parent_id = values.get("parent_id") or None
    if parent_id is not None:
        parent = next((i for i in meeting.items if str(i.id) == str(parent_id)), None)
        if parent is None:
            errors["parent_id"] = "unknown"
        elif parent.parent_id is not None:
            errors["parent_id"] = "depth"
        else:
            parent_id = parent.id
    cleaned["parent_id"] = parent_id
    if errors:
        raise Invalid(errors)
    return cleaned


def add_item(
    session: Session, meeting: Meeting, values: dict[str, Any], principal: Principal | None = None
) -> AgendaItem:
    _agenda_open(meeting)
    cleaned = check_item(session, meeting, values, principal)
    siblings = [i for i in meeting.items if i.parent_id == cleaned["parent_id"]]
    item = AgendaItem(position=max((i.position for i in siblings), default=0) + 1, **cleaned)
    meeting.items.append(item)
    session.flush()
    return item


def update_item(
    session: Session, item: AgendaItem, values: dict[str, Any], principal: Principal | None = None
) -> None:
    _agenda_open(item.meeting)
    cleaned = check_item(
        session, item.meeting, values | {"parent_id": item.parent_id}, principal, item.links
    )
    for key, value in cleaned.items():
        setattr(item, key, value)


def remove_item(session: Session, item: AgendaItem) -> None:
    _agenda_open(item.meeting)
    if session.scalar(select(func.count()).where(Decision.item_id == item.id)):
        raise Refused("has_decisions")
    if session.scalar(select(func.count()).where(Remark.item_id == item.id)):
        raise Refused("has_remarks")  # the remarks would go with it
    session.delete(item)


def move_item(item: AgendaItem, step: int) -> None:
    """Swap an item with its previous (-1) or next (+1) sibling."""
    _agenda_open(item.meeting)
    siblings = sorted(
        (i for i in item.meeting.items if i.parent_id == item.parent_id), key=lambda i: i.position
    )
    index = siblings.index(item)
    other = index + step
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = (
            siblings[other].position,
            siblings[index].position,
        )


def agenda(meeting: Meeting) -> list[tuple[str, AgendaItem, int]]:
    """The agenda in order as (number, item, depth): 1, 1.1, 1.2, 2..."""
    children = defaultdict(list)
    for item in meeting.items:
        children[item.parent_id].append(item)
    rows = []
    for n, item in enumerate(sorted(children[None], key=lambda i: i.position), start=1):
        rows.append((str(n), item, 0))
        for m, child in enumerate(sorted(children[item.id], key=lambda i: i.position), start=1):
            rows.append((f"{n}.{m}", child, 1))
    return rows


# Magic numbers of the types we accept: a file whose content does not match the type its
# name claims is refused (a renamed executable is not a PDF).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


def attach(
    session: Session,
    item: AgendaItem,
    filename: str,
    content: bytes,
    *,
    allowed_types: list[str],
    max_bytes: int,
    uploaded_by: str,
) -> Attachment:
    _agenda_open(item.meeting)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not name or not content:
        raise Invalid({"file": "required"})
    if len(content) > max_bytes:
        raise Invalid({"file": "too_large"})
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type not in allowed_types:
        raise Invalid({"file": "file_type"})
    signatures = SIGNATURES.get(content_type)
    if signatures and not content.startswith(signatures):
        raise Invalid({"file": "file_content"})
    if content_type.startswith("text/"):
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid({"file": "file_content"}) from None
    attachment = Attachment(
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=uploaded_by,
    )
    item.attachments.append(attachment)
    session.flush()
    return attachment
