"""`concerto seed synthetic --services N`: N realistic published services for benchmarks,
spread over the authorities, their categories, the prisons, languages and target groups,
each with a version history and its search document.

Rows are inserted in batches with SQL, not one ORM object at a time, so 50,000 services
take seconds; being generated test data, they bypass the audit log on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.inventory import generation, search
from core.inventory.models import LANGUAGE_CODES, Service, ServiceLocation, ServiceVersion
from core.reference.models import TargetGroup
from core.reference.services import prisons_open

BATCH = 1000
KINDS = {
    "nl": ["Begeleiding", "Groepswerking", "Spreekuur", "Opleiding", "Atelier", "Infosessie"],
    "fr": [
        "Accompagnement",
        "Travail de groupe",
        "Permanence",
        "Formation",
        "Atelier",
        "Séance d'information",
    ],
    "en": ["Support", "Group work", "Drop-in hours", "Training", "Workshop", "Information session"],
}
DAYS = ["MO", "TU", "WE", "TH", "FR"]


def seed_synthetic(
    session: Session,
    registry,
    count: int,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``count`` published services; returns how many were added."""
    chooser = random.Random(seed)
    # Published today, so offered in the prisons open today.
    prisons = [prison.code for prison in prisons_open(session)]
    groups = list(session.scalars(select(TargetGroup.code)))
    authorities = [a for a in registry.authorities.values() if a.vocabulary]
    start = session.scalar(text("SELECT COUNT(*) FROM services")) or 0
    now = utcnow()
    added = 0
    while added < count:
        size = min(BATCH, count - added)
        rows = []
        for offset in range(size):
            number = start + added + offset + 1
            authority = authorities[number % len(authorities)]
            term = chooser.choice(authority.vocabulary)
            kind = chooser.randrange(len(KINDS["nl"]))
            label = {
                lang: term.labels.get(lang) or next(iter(term.labels.values()))
                for lang in ("nl", "fr", "en")
            }
            names = {
                lang: f"{KINDS[lang][kind]} {label[lang].lower()} {number}"
                for lang in ("nl", "fr", "en")
            }
            rows.append(
                {
                    "authority_code": authority.code,
                    "external_id": f"SYN-{number}",
                    "category": term.code,
                    "domain_code": term.domain,
                    "state": "published",
                    "active": True,
                    **{f"name_{lang}": names[lang] for lang in names},
                    **{f"description_{lang}": f"{names[lang]}: {label[lang]}." for lang in names},
                    "target_groups": chooser.sample(groups, k=chooser.randint(1, 3)),
                    "languages": ["nl", "fr", *chooser.sample(LANGUAGE_CODES[2:], k=2)],
                    "delivery": chooser.choice(["individual", "group", "both"]),
                    "setting": chooser.choice(["inside", "inside", "both"]),
                    "access": chooser.choice(["on_request", "referral", "both"]),
                    "free_of_charge": True,
                    "waiting_list": chooser.random() < 0.3,
                    "capacity": chooser.choice([None, 8, 12, 20]),
                    "extra": {},
                    "updated_at": now,
                    "published_at": now,
                    "version": 1,
                }
            )
        ids = session.scalars(
            insert(Service).returning(Service.id, sort_by_parameter_order=True), rows
        ).all()
        locations, versions, documents = [], [], []
        for service_id, row in zip(ids, rows, strict=True):
            places = []
            for code in chooser.sample(prisons, k=chooser.randint(1, 2)):
                day = chooser.choice(DAYS)
                places.append(
                    {
                        "service_id": service_id,
                        "prison_code": code,
                        "schedule": f"FREQ=WEEKLY;BYDAY={day}",
                        "places": row["capacity"],
                    }
                )
            locations += places
            for number, action in enumerate(("create", "submit", "approve"), start=1):
                versions.append(
                    {
                        "service_id": service_id,
                        "number": number,
                        "at": now,
                        "actor": "concerto seed synthetic",
                        "action": action,
                        "changes": {},
                        "record": {"external_id": row["external_id"]},
                    }
                )
            documents.append(
                (
                    service_id,
                    search.document_of(
                        authority=row["authority_code"],
                        external_id=row["external_id"],
                        category=row["category"],
                        domain=row["domain_code"],
                        names={lang: row[f"name_{lang}"] for lang in ("nl", "fr", "en")},
                        descriptions={
                            lang: row[f"description_{lang}"] for lang in ("nl", "fr", "en")
                        },
                        target_groups=row["target_groups"],
                        languages=row["languages"],
                        prisons=[place["prison_code"] for place in places],
                    ),
                )
            )
        session.execute(insert(ServiceLocation), locations)
        session.execute(insert(ServiceVersion), versions)
        search.store_documents(session, documents)
        generation.bump(session)  # these inserts bypass the ORM, which counts changes itself
        added += size
        if progress:
            progress(added)
    return added
