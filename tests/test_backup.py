"""Backups that restore: the archive made by `concerto backup` gives back the same platform
in an empty database, from SQLite to SQLite, PostgreSQL to PostgreSQL and SQLite to
PostgreSQL (the way from the demo to production), and is refused clearly where it does not
fit. Writers going on during a backup never make it inconsistent."""

from __future__ import annotations

import json
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from core.db import CORE_HISTORY
from core.mail.services import queue
from core.meetings import services as meetings
from core.meetings.models import AgendaItem, Body, Meeting
from core.operations.backup import BackupError, _encode, backup, restore, tables
from tests.conftest import FIVE, _empty_database, _fresh_database, make_app, run_cli

PAIRS = [("sqlite", "sqlite"), ("postgresql", "postgresql"), ("sqlite", "postgresql")]


def _folder(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return folder


def _env(url: str) -> dict:
    return {"CONCERTO_DATABASE_URL": url, "CONCERTO_PLUGINS": ",".join(FIVE)}


def _rows(app) -> dict[str, list]:
    engine = app.extensions["concerto.db"].engine
    found = {}
    with engine.connect() as connection:
        for table in tables(engine):
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            found[table.name] = [
                {c.name: _encode(c, row._mapping[c.name]) for c in table.columns} for row in rows
            ]
    return found


def _add_binary_attachment(app) -> bytes:
    content = b"%PDF-1.4\n" + bytes(range(256)) * 4
    with app.extensions["concerto.db"].session() as db:
        item = db.scalar(
            select(AgendaItem).join(Meeting).where(Meeting.state == "planned").limit(1)
        )
        meetings.attach(
            db,
            item,
            "nota.pdf",
            content,
            allowed_types=["application/pdf"],
            max_bytes=10**6,
            uploaded_by="test",
        )
    return content


@pytest.mark.parametrize("source,target", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_a_backup_restores_the_same_platform(source, target, request, tmp_path):
    source_url = _fresh_database(source, request, _folder(tmp_path, "source"))
    target_url = _empty_database(target, request, _folder(tmp_path, "target"))
    original = make_app(source_url)
    _add_binary_attachment(original)
    archive = tmp_path / "concerto-backup.zip"
    made = run_cli("backup", "-o", str(archive), env=_env(source_url))
    assert made.returncode == 0, made.stderr
    restored = run_cli("restore", str(archive), env=_env(target_url))
    assert restored.returncode == 0, restored.stderr
    copy = make_app(target_url)
    try:
        before, after = _rows(original), _rows(copy)
        assert set(before) == set(after)
        different = [name for name in before if before[name] != after[name]]
        assert different == []
        assert sum(len(rows) for rows in after.values()) > 1000
        # The copy works: full-text search was rebuilt, new records get new numbers.
        client = copy.test_client()
        assert "Sport" in client.get("/services?q=sport").get_data(as_text=True)
        with copy.extensions["concerto.db"].session() as db:
            highest = db.scalar(select(func.max(Body.id)))
            body = meetings.create_body(
                db, {"code": "after_restore", "kind": "other", "name_nl": "Na", "name_fr": "Après"}
            )
            assert body.id > highest
    finally:
        for app in (original, copy):
            app.extensions["concerto.db"].engine.dispose()
    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    assert manifest["plugins"].keys() == set(FIVE)
    assert manifest["revisions"]["core"] == CORE_HISTORY.head()


def test_a_restore_is_refused_where_it_does_not_fit(request, tmp_path):
    source_url = _fresh_database("sqlite", request, _folder(tmp_path, "source"))
    archive = tmp_path / "backup.zip"
    assert run_cli("backup", "-o", str(archive), env=_env(source_url)).returncode == 0

    into_data = run_cli("restore", str(archive), env=_env(source_url))
    assert into_data.returncode != 0 and "The database is not empty" in into_data.stderr

    empty = _empty_database("sqlite", request, _folder(tmp_path, "other"))
    fewer = run_cli("restore", str(archive), env=_env(empty) | {"CONCERTO_PLUGINS": "cocom"})
    assert fewer.returncode != 0
    assert "The backup was made with plugins" in fewer.stderr and "vlaams" in fewer.stderr

    not_a_backup = tmp_path / "notes.zip"
    not_a_backup.write_bytes(b"hello")
    wrong = run_cli("restore", str(not_a_backup), env=_env(empty))
    assert wrong.returncode != 0 and "is not a Concerto backup" in wrong.stderr

    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(changed, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["revisions"]["core"] = "0005"
                data = json.dumps(manifest).encode()
            new.writestr(name, data)
    older = run_cli("restore", str(changed), env=_env(empty))
    assert older.returncode != 0 and "migration revisions differ for core" in older.stderr


def test_a_backup_taken_while_people_write_is_one_consistent_state(backend, request, tmp_path):
    url = _fresh_database(backend, request, _folder(tmp_path, "source"))
    app = make_app(url)
    stop = threading.Event()
    written = []

    def writer():
        n = 0
        while not stop.is_set():
            with app.extensions["concerto.db"].session() as db:
                queue(
                    db,
                    key=f"load:{n}",
                    kind="load",
                    recipient="a@example.be",
                    language="nl",
                    subject="s",
                    body="b" * 200,
                )
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archive = tmp_path / "busy.zip"
        manifest = backup(
            app.extensions["concerto.db"].engine, app.extensions["concerto.registry"], archive
        )
    finally:
        stop.set()
        thread.join()
    assert written, "the writer ran during the backup"
    copy = make_app(_empty_database(backend, request, _folder(tmp_path, "target")))
    try:
        restore(copy, archive)  # checks every table's count against the manifest
        with copy.extensions["concerto.db"].session() as db:
            from core.mail.models import OutboxMessage

            keys = sorted(int(k.split(":")[1]) for k in db.scalars(select(OutboxMessage.key)))
        # A prefix of what was written: no message from after the snapshot, none missing.
        assert keys == list(range(len(keys))) and len(keys) == manifest["tables"]["outbox"]
        with pytest.raises(BackupError, match="not empty"):
            restore(copy, archive)
    finally:
        app.extensions["concerto.db"].engine.dispose()
        copy.extensions["concerto.db"].engine.dispose()
