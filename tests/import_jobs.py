"""Helpers shared by the import tests (tests/test_imports_*.py): send a file to the import
page, wait for its job to end, read the job back and count rows."""

from __future__ import annotations

import io
import time

from sqlalchemy import func, select

from core.inventory.models import ImportJob
from tests.logins import csrf_token


def _send(client, data: bytes, name: str, dry_run: bool = True):
    form = {"csrf_token": csrf_token(client, "/services/import"), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "1"
    return client.post("/services/import", data=form, content_type="multipart/form-data")


def _finished(client, location: str):
    """The job's page once the job has ended (its page no longer polls)."""
    for _ in range(600):
        page = client.get(location)
        if "hx-trigger" not in page.get_data(as_text=True):
            return page
        time.sleep(0.05)
    raise AssertionError("the job never ended")


def _job(app, job_id: int) -> ImportJob:
    with app.extensions["concerto.db"].session() as db:
        return db.get(ImportJob, job_id)


def _job_id(location: str) -> int:
    return int(location.rstrip("/").rsplit("/", 1)[-1])


def _count(app, model) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(model))
