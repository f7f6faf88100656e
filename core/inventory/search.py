"""Full-text search over services: SQLite FTS5 or PostgreSQL full-text search.

Both index one document per service (every language of its name and description, the
authority's category), lower-cased and without accents, so that "reinsertion" finds
"réinsertion" on either database. Every word the reader types must match, as a prefix.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.inventory.models import Service

WORD = re.compile(r"\w+", re.UNICODE)


def normalise(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def document(service: Service) -> str:
    parts = [service.external_id, service.category]
    for field in ("name", "description"):
        parts += [value for value in service.texts(field).values() if value]
    return normalise(" ".join(parts))


def words(query: str) -> list[str]:
    return WORD.findall(normalise(query))[:10]


def index(session: Session, service: Service) -> None:
    """Store the service's current document (after a create or update)."""
    index_many(session, [service])


def index_many(session: Session, services: list[Service]) -> None:
    store_documents(session, [(service.id, document(service)) for service in services])


def store_documents(session: Session, documents: list[tuple[int, str]]) -> None:
    """Store (service id, document) pairs in two statements (an import's thousands)."""
    if not documents:
        return
    session.execute(
        text("DELETE FROM service_search WHERE rowid = :id"),
        [{"id": service_id} for service_id, _document in documents],
    )
    session.execute(
        text("INSERT INTO service_search (rowid, document) VALUES (:id, :document)"),
        [{"id": service_id, "document": document} for service_id, document in documents],
    )


def matching_ids(session: Session, query: str):
    """A SQL fragment selecting the ids of services matching every word of ``query``, or
    None when the query has no words."""
    found = words(query)
    if not found:
        return None
    if session.get_bind().dialect.name == "sqlite":
        expression = " ".join(f'"{word}"*' for word in found)
        return text("SELECT rowid FROM service_search WHERE service_search MATCH :q").bindparams(
            q=expression
        )
    expression = " & ".join(f"{word}:*" for word in found)
    return text(
        "SELECT rowid FROM service_search WHERE terms @@ to_tsquery('simple', :q)"
    ).bindparams(q=expression)
