"""Rooms as a data file: a plugin ships the rooms of its prisons (hook ``shipped_data``, kind
``rooms``) as a CSV with the columns ``prison``, ``name_nl``, ``name_fr``, ``capacity``,
``equipment`` and ``signage_languages`` (codes separated by spaces, such as ``nl fr``). Each
row goes through the same checks as the room form."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import tabular
from core.rooms.models import Room
from core.rooms.services import check_room, create_room
from core.validation import Invalid

MAX_ROWS = 1000
COLUMNS = ("prison", "name_nl", "name_fr", "capacity", "equipment", "signage_languages")


def _values(row: dict) -> dict:
    text = {column: str(row.get(column) or "").strip() for column in COLUMNS}
    return {
        "prison_code": text["prison"],
        "name_nl": text["name_nl"],
        "name_fr": text["name_fr"],
        "capacity": text["capacity"],
        "equipment": text["equipment"],
        "signage_languages": text["signage_languages"].split(),
    }


def _exists(session: Session, values: dict) -> bool:
    names = [
        (column == values[key])
        for column, key in ((Room.name_nl, "name_nl"), (Room.name_fr, "name_fr"))
        if values[key]
    ]
    return (
        session.scalar(
            select(Room.id).where(Room.prison_code == values["prison_code"], or_(*names)).limit(1)
        )
        is not None
    )


def load_shipped_rooms(session: Session, authority: str, path: Path) -> str:
    """Add the file's rooms that are not there yet (same prison and name); all or nothing."""
    try:
        rows = tabular.take(tabular.rows_of(path.read_bytes(), "csv", MAX_ROWS), MAX_ROWS)
    except tabular.Unreadable as refused:
        raise Invalid({"file": refused.code}) from None
    checked, errors = [], {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            checked.append(check_room(session, _values(row)) if row else None)
        except Invalid as invalid:
            errors.update({f"row {number}: {key}": code for key, code in invalid.errors.items()})
    if errors:
        raise Invalid(errors)
    added = 0
    for values in filter(None, checked):
        if not _exists(session, values):
            create_room(session, {**values, "capacity": str(values["capacity"])})
            added += 1
    return f"rooms of {authority}: {added} added, {len(checked) - added} already there"
