"""Imports do not hold the database's write lock while a file is checked (issue 18, point 3).

While one import checks its rows, another writer goes on; the import then writes in a few
statements (as many for 500 rows as for 50), and refuses the file if a service it checked was
changed meanwhile; a service added while it prepares its write leaves both stored. On SQLite
and PostgreSQL where the database matters.
"""

from __future__ import annotations

import json

from sqlalchemy import create_engine, event, select, text

from core.audit.models import AuditEntry
from core.inventory import exchange
from core.inventory.models import Service
from core.permissions import Principal
from tests.conftest import make_app
from tests.import_jobs import _count

# --- checking holds no write lock ------------------------------------------------------------


def _other_writer(url: str):
    """A second connection that does not wait for a lock: it writes at once or fails."""
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 0})
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _no_waiting(connection, _record):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        connection.commit()

    return engine


def test_another_writer_goes_on_while_an_import_is_checked(database_url):
    app = make_app(database_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    with database.session() as db:
        known = db.scalars(
            select(Service)
            .where(Service.authority_code == "vlaams", Service.state != "withdrawn")
            .order_by(Service.id)
        ).first()
        known_id, known_key = known.id, known.external_id
    lines = [f"{known_key},sport,Gewijzigd,Modifié,haren"]
    lines += [f"VG-{n},sport,Sport {n},Sport {n},haren" for n in range(5000, 6199)]
    rows = exchange.read_rows(
        ("external_id,category,name_nl,name_fr,prisons\n" + "\n".join(lines)).encode(), "x.csv"
    )
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    phase = ["check"]
    writes = {"check": 0, "store": 0}

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count_writes(_connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes[phase[0]] += 1

    other = _other_writer(database_url)

    def write_meanwhile(number: int) -> None:
        if number == 700:  # past the first batch of the check
            with other.begin() as connection:
                connection.execute(
                    text(
                        "UPDATE services SET contact_phone = '02 555 01 01', "
                        "version = version + 1 WHERE id = :id"
                    ),
                    {"id": known_id},
                )

    def storing() -> None:
        phase[0] = "store"

    before = _count(app, Service)
    session = database.sessions()
    report = exchange.import_services(
        session, authority, rows, principal, dry_run=False, progress=write_meanwhile,
        storing=storing,
    )  # fmt: skip
    session.close()
    assert writes["check"] == 0, "nothing is written while the rows are checked"
    assert not report.committed
    assert [(p.row, p.code) for p in report.problems] == [(1, "changed_meanwhile")]
    assert _count(app, Service) == before, "all or nothing"

    # Sent again, the file is stored at once: a handful of statements for 1,200 rows.
    phase[0], writes["store"] = "check", 0
    session = database.sessions()
    report = exchange.import_services(
        session, authority, rows, principal, dry_run=False, storing=storing
    )
    assert report.committed and not report.problems
    session.commit()
    session.close()
    assert writes["check"] == 0
    assert 0 < writes["store"] <= 40
    assert _count(app, Service) == before + 1199
    with database.session() as db:
        kept = db.get(Service, known_id)
        assert kept.contact_phone == "02 555 01 01", "the other writer's change stays"
        assert "Gewijzigd" in json.dumps([kept.name_nl, kept.pending])
    other.dispose()
    database.engine.dispose()


def test_an_imports_write_takes_as_many_statements_for_500_rows_as_for_50(database_url):
    """SQLite has one writer at a time, from an import's first write to its commit. Written
    with a flush, 20,000 services held that lock 10 s (13 s for 20,000 changed ones: one
    UPDATE each, the audit listener, the unit of work), as long as another writer waits for
    it. Everything is prepared before the first write, which then takes a statement per kind
    of row, whatever the number of rows: created, changed, places added, removed and changed.
    """
    app = make_app(database_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    counting = [False]
    statements: list[str] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            counting[0] = True
        if counting[0]:
            statements.append(statement)

    def write(lines: list[str], header: str) -> list[str]:
        counting[0] = False
        statements.clear()
        rows = exchange.read_rows((header + "\n" + "\n".join(lines)).encode(), "x.csv")
        session = database.sessions()
        report = exchange.import_services(session, authority, rows, principal, dry_run=False)
        assert report.committed and not report.problems
        written = list(statements)
        session.commit()
        session.close()
        return written

    counts = {}
    for size in (50, 500):
        keys = [f"VG-S{size}-{n}" for n in range(size)]
        created = write(
            [f"{key},sport,Sport {key},Sport {key},haren" for key in keys],
            "external_id,category,name_nl,name_fr,prisons",
        )
        # Every row changed: half move to another prison (one place removed, one added),
        # half add one and change the schedule of the one they had.
        changed = write(
            [
                f"{key},sport,Nieuw {key},Sport {key},"
                + ("sint_gillis," if n % 2 else "haren|sint_gillis,FREQ=WEEKLY;BYDAY=MO")
                for n, key in enumerate(keys)
            ],
            "external_id,category,name_nl,name_fr,prisons,schedule",
        )
        counts[size] = (len(created), len(changed))
        with database.session() as db:
            stored = db.scalars(select(Service).where(Service.external_id.in_(keys))).all()
            assert len(stored) == size
            assert {s.name_nl for s in stored} == {f"Nieuw {key}" for key in keys}
            places = {s.external_id: sorted(p.prison_code for p in s.locations) for s in stored}
            assert places[keys[1]] == ["sint_gillis"]
            assert places[keys[0]] == ["haren", "sint_gillis"]
            renamed = db.scalars(
                select(AuditEntry.after).where(
                    AuditEntry.table_name == "services",
                    AuditEntry.action == "update",
                    AuditEntry.record_id.in_([str(s.id) for s in stored]),
                )
            ).all()
            assert sorted(after["name_nl"] for after in renamed) == sorted(
                f"Nieuw {key}" for key in keys
            ), "each change is audited"
    assert counts[50] == counts[500], counts
    assert max(counts[500]) <= 12, counts
    database.engine.dispose()


def test_a_service_added_while_an_import_prepares_its_write_leaves_both_stored(sqlite_url):
    """On SQLite the new services' ids are those after the highest, read before the write
    lock is taken and again once it is held: a service someone adds in between moves the
    import's new services on, instead of refusing the file."""
    app = make_app(sqlite_url)
    database = app.extensions["concerto.db"]
    authority = app.extensions["concerto.registry"].authorities["vlaams"]
    principal = Principal(
        channel="page", label="Lotte", user_id=None, authority="vlaams", roles=frozenset()
    )
    other = _other_writer(sqlite_url)
    prepare = exchange._Writes.prepare
    calls = []

    def prepare_with_someone_else(*args, **kwargs):
        if not calls:
            with other.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO services (authority_code, external_id, category, "
                        "domain_code, state, active, name_nl, target_groups, languages, "
                        "delivery, setting, access, free_of_charge, waiting_list, extra, "
                        "updated_at, version) SELECT authority_code, 'VG-ELSE', category, "
                        "domain_code, state, active, 'Iemand anders', target_groups, "
                        "languages, delivery, setting, access, free_of_charge, waiting_list, "
                        "extra, updated_at, 1 FROM services ORDER BY id LIMIT 1"
                    )
                )
        calls.append(args)
        return prepare(*args, **kwargs)

    rows = exchange.read_rows(
        b"external_id,category,name_nl,name_fr,prisons\n"
        + b"\n".join(f"VG-N{n},sport,Sport {n},Sport {n},haren".encode() for n in range(20)),
        "x.csv",
    )
    session = database.sessions()
    try:
        exchange._Writes.prepare = prepare_with_someone_else
        report = exchange.import_services(session, authority, rows, principal, dry_run=False)
    finally:
        exchange._Writes.prepare = prepare
    assert report.committed and not report.problems
    session.commit()
    session.close()
    assert len(calls) == 2, "prepared again with the ids after the other service's"
    with database.session() as db:
        names = dict(db.execute(select(Service.external_id, Service.name_nl)).all())
        assert names["VG-ELSE"] == "Iemand anders"
        assert all(names[f"VG-N{n}"] == f"Sport {n}" for n in range(20))
        created = db.scalars(
            select(AuditEntry.after).where(
                AuditEntry.table_name == "services", AuditEntry.action == "create"
            )
        ).all()
        ids = {after["external_id"]: after["id"] for after in created}
        stored = dict(db.execute(select(Service.external_id, Service.id)).all())
        assert all(ids[f"VG-N{n}"] == stored[f"VG-N{n}"] for n in range(20))
    other.dispose()
    database.engine.dispose()
