"""Uploaded imports, run in the background from one bounded queue per process.

A few workers (``import_workers``) take jobs from a backlog of at most ``import_backlog``;
an upload that finds both full is refused (503) instead of starting another thread, so a
burst of uploads cannot take the server's CPU and memory. Every job ends in a final state,
with its reason in ``report``:

- ``done``: checked, and stored unless it was a dry run;
- ``refused``: the file or some rows have problems; nothing stored;
- ``failed``: the platform failed (an unexpected error, or the process running the job
  stopped); nothing stored.

While a job waits or runs, ``report`` holds the process that has it (host, boot, pid) and a
heartbeat, renewed by the queue's watchdog. A job whose process is gone, or whose heartbeat
stopped, is marked failed ("interrupted"): at start-up, by every watchdog, and when its page
is read, so no page waits for ever on a job nobody runs.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer

from core.audit.services import acting_as
from core.clock import utcnow
from core.inventory import exchange
from core.inventory.models import ImportJob
from core.permissions import Principal

log = logging.getLogger("concerto.import")

ACTIVE = ("waiting", "running", "storing")
FINAL = ("done", "refused", "failed")
BEAT_SECONDS = 10
# Without a heartbeat for this long, a job run elsewhere is taken for abandoned; longer than
# the longest write of an import, during which SQLite lets no heartbeat through.
STALE_SECONDS = 300
PROGRESS_SECONDS = 1.0  # how often the rows checked so far are written to the job's row
RUNNING: dict[int, int] = {}  # job id -> rows checked, for jobs running in this process


class Busy(Exception):
    """Every worker is busy and the backlog is full."""


# --- who runs a job ------------------------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


BOOT = _boot_id()


def stamp() -> dict:
    """What an active job's ``report`` holds: this process, and now."""
    return {
        "runner": {"host": socket.gethostname(), "boot": BOOT, "pid": os.getpid()},
        "heartbeat": utcnow().isoformat(),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: alive, and not ours to judge
    return True


def abandoned(job: ImportJob, held: set[int], now: datetime | None = None) -> bool:
    """Whether an active job is run by nobody: its process is this one but does not hold
    it, or another process on this machine that has ended, or its heartbeat stopped."""
    if job.status not in ACTIVE:
        return False
    now = now or utcnow()
    report = job.report if isinstance(job.report, dict) else {}
    runner = report.get("runner") or {}
    try:
        beat = datetime.fromisoformat(report["heartbeat"])
    except (KeyError, TypeError, ValueError):
        beat = job.created_at
    silent = now - beat
    here = runner.get("host") == socket.gethostname() and runner.get("boot") == BOOT
    if here and runner.get("pid") == os.getpid():
        # Ours (or of a process that had our pid before a restart): it is run if held. A
        # moment's grace covers the job being created and queued right now.
        return job.id not in held and silent > timedelta(seconds=2 * BEAT_SECONDS)
    if here and isinstance(runner.get("pid"), int) and not _alive(runner["pid"]):
        return True
    return silent > timedelta(seconds=STALE_SECONDS)


def interrupted_report() -> dict:
    problem = exchange.Problem(None, None, "interrupted")
    return asdict(exchange.Report(problems=[problem]))


def end_abandoned(database, held: set[int] = frozenset(), job_ids=None) -> list[int]:
    """Mark failed the active jobs that nobody runs (all, or those of ``job_ids``)."""
    with database.session() as session:
        # The uploaded file (up to 5 MB a job) is not needed to judge a job.
        statement = (
            select(ImportJob).where(ImportJob.status.in_(ACTIVE)).options(defer(ImportJob.data))
        )
        if job_ids is not None:
            statement = statement.where(ImportJob.id.in_(list(job_ids)))
        ended = [job.id for job in session.scalars(statement) if abandoned(job, held)]
        if ended:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id.in_(ended), ImportJob.status.in_(ACTIVE))
                .values(status="failed", report=interrupted_report(), data=None)
            )
    for job_id in ended:
        log.warning("import job %s was left unfinished by a process that stopped", job_id)
    return ended


# --- the queue -----------------------------------------------------------------------------


class ImportQueue:
    """The workers of one process and the jobs they hold (waiting or running)."""

    def __init__(self, app, workers: int, backlog: int) -> None:
        self.app = app
        self.workers = max(1, workers)
        self.backlog = max(0, backlog)
        self._pid = -1
        self._reset()

    def _reset(self) -> None:
        # A forked app server starts with an empty queue of its own: threads do not
        # survive a fork, and the parent's jobs are the parent's.
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._places = threading.BoundedSemaphore(self.workers + self.backlog)
        self._waiting: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._watchdog: threading.Thread | None = None
        self._stop = threading.Event()
        self._held: dict[int, threading.Thread | None] = {}  # None while it waits

    def held(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def submit(self, create_job) -> int:
        """Reserve a place, create the job (``create_job()`` commits it and returns its
        id) and queue it. Raises Busy, creating nothing, when there is no place."""
        if self._pid != os.getpid():
            self._reset()
        if not self._places.acquire(blocking=False):
            raise Busy()
        try:
            job_id = create_job()
        except BaseException:
            self._places.release()
            raise
        with self._lock:
            self._held[job_id] = None
            self._start_threads()
        self._waiting.put(job_id)
        return job_id

    def _start_threads(self) -> None:
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name="import-worker", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(
                target=self._watch, name="import-watchdog", daemon=True
            )
            self._watchdog.start()

    def _work(self) -> None:
        while not self._stop.is_set():
            job_id = self._waiting.get()
            if job_id < 0:
                return
            with self._lock:
                self._held[job_id] = threading.current_thread()
            try:
                run_job(self.app, job_id)
            except BaseException:  # noqa: BLE001 - run_job has ended the job; the worker goes on
                log.exception("import worker: job %s", job_id)
            finally:
                with self._lock:
                    self._held.pop(job_id, None)
                RUNNING.pop(job_id, None)
                self._places.release()

    def _watch(self) -> None:
        database = self.app.extensions["concerto.db"]
        while not self._stop.wait(BEAT_SECONDS):
            try:
                self.beat()
                with self._lock:
                    # A worker that died (it never should: run_job ends every job) is
                    # replaced, and the job it held is ended by the sweep below.
                    for job_id, thread in list(self._held.items()):
                        if thread is not None and not thread.is_alive():
                            del self._held[job_id]
                            self._places.release()
                    if self._held:
                        self._start_threads()
                end_abandoned(database, self.held())
            except Exception:  # noqa: BLE001 - the watchdog outlives a locked or lost database
                log.warning("import watchdog", exc_info=True)

    def beat(self) -> None:
        held = self.held()
        if not held:
            return
        with self.app.extensions["concerto.db"].session() as session:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id.in_(held), ImportJob.status.in_(ACTIVE))
                .values(report=stamp())
            )

    def stop(self) -> None:
        """Stop the threads once their jobs are done (tests)."""
        self._stop.set()
        for _ in self._threads:
            self._waiting.put(-1)


def queue_of(app) -> ImportQueue:
    return app.extensions["concerto.imports"]


def init_app(app) -> None:
    """The process's queue (its threads start with the first upload), and the jobs left
    waiting or running by a process that stopped, marked failed at start-up."""
    settings = app.config["CONCERTO"]
    app.extensions["concerto.imports"] = ImportQueue(
        app, settings["import_workers"], settings["import_backlog"]
    )
    try:
        end_abandoned(app.extensions["concerto.db"])
    except SQLAlchemyError:
        # No table yet (a database still to be migrated) or no database reachable: the
        # watchdogs and the job pages end such jobs later.
        log.debug("abandoned imports not checked at start-up", exc_info=True)


# --- running one job ---------------------------------------------------------------------


def _note(database, job_id: int, **values) -> None:
    # Its own short transaction, and only while the job is active: a job that a sweep
    # ended is not brought back.
    with database.session() as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status.in_(ACTIVE))
            .values(**values)
        )


def _finish(database, job_id: int, status: str, report: exchange.Report, done: int) -> None:
    with database.session() as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=status, report=asdict(report), done=done, data=None)
        )


def run_job(app, job_id: int) -> None:
    """Run an uploaded import and end it in a final state, whatever happens: an error
    ends it failed (and is logged), nothing half-stored."""
    database = app.extensions["concerto.db"]
    outcome: tuple[str, exchange.Report, int] | None = None
    try:
        outcome = _run(app, job_id)
    except BaseException as error:
        log.exception("import job %s failed", job_id)
        failed = exchange.Report(problems=[exchange.Problem(None, None, "failed")])
        outcome = ("failed", failed, 0)
        if not isinstance(error, Exception):
            _finish(database, job_id, *outcome)
            raise
    finally:
        RUNNING.pop(job_id, None)
    if outcome is not None:
        _finish(database, job_id, *outcome)


def _run(app, job_id: int) -> tuple[str, exchange.Report, int] | None:
    database = app.extensions["concerto.db"]
    with database.session() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status not in ACTIVE:
            return None  # ended meanwhile (a sweep): nothing to run
        data, filename, dry_run = job.data or b"", job.filename, job.dry_run
        authority = app.extensions["concerto.registry"].authorities.get(job.authority_code)
        principal = Principal(
            channel="page",
            label=job.actor,
            user_id=job.user_id,
            authority=job.authority_code,
            roles=frozenset({"coordinator"}),
        )
    if authority is None:
        raise LookupError(f"authority {job.authority_code} is not enabled")
    _note(database, job_id, status="running", report=stamp())
    try:
        rows = exchange.read_rows(data, filename)
    except exchange.FileProblem as refused:
        return "refused", exchange.Report(problems=[refused.problem]), 0
    _note(database, job_id, total=len(rows))
    written = [time.monotonic()]

    def advance(number: int) -> None:
        RUNNING[job_id] = number
        # The check holds no transaction, so the row can say how far it is, for every app
        # server's page, about once a second.
        if time.monotonic() - written[0] >= PROGRESS_SECONDS:
            written[0] = time.monotonic()
            _note(database, job_id, done=number)

    def storing() -> None:
        _note(database, job_id, status="storing", done=len(rows), report=stamp())

    work = database.sessions()
    try:
        with acting_as(principal):
            report = exchange.import_services(
                work,
                authority,
                rows,
                principal,
                dry_run=dry_run,
                progress=advance,
                storing=storing,
            )
            if report.committed:
                work.commit()
    except BaseException:
        # The job's own session, opened here outside any request: nothing half-written stays.
        work.rollback()
        raise
    finally:
        work.close()
    return ("refused" if report.problems else "done"), report, len(rows)


def progress_of(job: ImportJob) -> int:
    """Rows checked so far, from this process if it runs the job, else from the row."""
    return RUNNING.get(job.id, job.done)
