"""Each published service's HSDS document, kept per language, so that the export streams
stored text (issue 25: an export should cost little more than reading its rows).

A stored document is used only while it is still what ``hsds.service_document`` would build:

- its ``stamp`` equals the service's stamp in ``service_stamps``, a counter that database
  triggers (migration 0031) move on at every write to the service, its places, its
  confirmation or its organisation, whatever writes it (the ORM, the synthetic seed, a
  restore, an import, plain SQL); a new service starts a new stamp, so a reused id never
  finds a document of the service it replaces;
- its ``fingerprint`` equals the fingerprint of everything else a document is built from,
  worked out once per export: the names of domains, target groups, prisons and authorities,
  the plugins' categories, the code that builds a document and the translations that say a
  schedule in words.

Anything else is rebuilt by the export and stored again: missing, outdated and new documents
alike, a batch at a time. The stamp is read in the same statement as the service's row,
before its places, so a change committed while a document is being built leaves it with an
older stamp: it is rebuilt next time, never served as current.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.db import Base
from core.reference.models import Authority, Prison, ServiceDomain, TargetGroup

log = logging.getLogger(__name__)

service_stamps = Table(
    "service_stamps",
    Base.metadata,
    # No foreign key: the triggers of a deleted service's places run after it is gone.
    Column("service_id", Integer, primary_key=True, autoincrement=False),
    Column("stamp", BigInteger, nullable=False),
)

hsds_documents = Table(
    "hsds_documents",
    Base.metadata,
    Column(
        "service_id",
        Integer,
        ForeignKey("services.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("language", String(8), primary_key=True),
    Column("stamp", BigInteger, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("document", Text, nullable=False),
)

# What a document is built with besides the database: this code and the translations (a
# schedule in words). Changing any of them changes every fingerprint.
_ROOT = Path(__file__).resolve().parent.parent
CODE = [
    _ROOT / "inventory" / "hsds.py",
    _ROOT / "inventory" / "hsds_store.py",
    _ROOT / "inventory" / "schedules.py",
    _ROOT / "texts.py",
]
REFERENCE = (ServiceDomain, TargetGroup, Prison, Authority)


@lru_cache(maxsize=8)
def _code_fingerprint(language: str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    translations = sorted((_ROOT / "translations" / language).glob("**/*.mo"))
    for path in [*CODE, *translations]:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.digest()


def fingerprint(session: Session, registry, language: str) -> str:
    """The fingerprint of what the documents in ``language`` are built from besides each
    service's own rows. A few small tables: read once per export."""
    digest = hashlib.blake2b(_code_fingerprint(language), digest_size=20)
    digest.update(language.encode())
    for model in REFERENCE:
        table = model.__table__
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr([tuple(row) for row in rows]).encode())
    for code, authority in sorted(registry.authorities.items()):
        terms = [(t.code, sorted(t.labels.items())) for t in authority.vocabulary or []]
        digest.update(repr((code, terms)).encode())
    return digest.hexdigest()


def store(session: Session, language: str, fingerprint: str, built: list[dict]) -> None:
    """Keep these documents (service_id, stamp, document), in a transaction of their own:
    the export that built them only reads. A document that cannot be kept now (the
    database is busy with a long write, or read-only) is built again next time; the export
    goes on."""
    if not built:
        return
    engine = session.get_bind().engine
    dialect = engine.dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(hsds_documents)
    statement = insert.on_conflict_do_update(
        index_elements=[hsds_documents.c.service_id, hsds_documents.c.language],
        set_={
            "stamp": insert.excluded.stamp,
            "fingerprint": insert.excluded.fingerprint,
            "document": insert.excluded.document,
        },
    )
    rows = [item | {"language": language, "fingerprint": fingerprint} for item in built]
    try:
        with engine.begin() as connection:
            connection.execute(statement, rows)
    except DBAPIError as error:  # SQLite's "database is locked", a read-only replica
        log.warning("HSDS documents not stored this time: %s", error)
