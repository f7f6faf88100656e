"""The APScheduler set-up: jobs from the core and the plugins, kept in the platform's database.

`concerto demo` runs the scheduler inside its process; in production a single
`concerto scheduler` process runs it, so that several web workers never run a job twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import Column, Integer, String, Table, Text, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.db import Base, UTCDateTime

log = logging.getLogger("concerto.scheduler")

TIMEZONE = "Europe/Brussels"

# Jobs of the core, by reference ("module:function"): the job store keeps references, not
# code, so a job survives restarts and runs in whichever process runs the scheduler.
CORE_JOBS = [
    {
        "id": "purge_expired_sessions",
        "func": "core.identity.jobs:purge_expired_sessions",
        "trigger": "interval",
        "trigger_args": {"minutes": 30},
    },
    {
        "id": "send_agendas",
        "func": "core.meetings.jobs:send_agendas",
        "trigger": "interval",
        "trigger_args": {"minutes": 15},
    },
    {
        "id": "send_meeting_reminders",
        "func": "core.meetings.jobs:send_reminders",
        "trigger": "interval",
        "trigger_args": {"minutes": 15},
    },
    {
        "id": "remind_overdue_actions",
        "func": "core.meetings.jobs:remind_overdue_actions",
        "trigger": "cron",
        "trigger_args": {"hour": 8, "minute": 0},
    },
    {
        "id": "studyday_expire_places",
        "func": "core.studyday.jobs:expire_places",
        "trigger": "interval",
        "trigger_args": {"minutes": 5},
    },
    {
        "id": "studyday_anonymise",
        "func": "core.studyday.jobs:anonymise_registrations",
        "trigger": "cron",
        "trigger_args": {"hour": 3, "minute": 30},
    },
    {
        "id": "notify",
        "func": "core.notifications.jobs:notify",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    },
    {
        "id": "daily_digest",
        "func": "core.notifications.jobs:daily_digest",
        "trigger": "cron",
        "trigger_args": {"hour": 7, "minute": 0},
    },
    {
        "id": "weekly_digest",
        "func": "core.notifications.jobs:weekly_digest",
        "trigger": "cron",
        "trigger_args": {"day_of_week": "mon", "hour": 7, "minute": 0},
    },
    {
        "id": "deliver_webhooks",
        "func": "core.webhooks.jobs:deliver_webhooks",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    },
    {
        "id": "plugin_events",
        "func": "core.events.hooks:run",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    },
    {
        # Each day from verification_campaign_date on: this year's request to confirm, once.
        "id": "verification_campaign",
        "func": "core.inventory.verification:run_campaign",
        "trigger": "cron",
        "trigger_args": {"hour": 6, "minute": 30},
    },
    {
        "id": "deliver_mail",
        "func": "core.mail.jobs:deliver_mail",
        "trigger": "interval",
        "trigger_args": {"minutes": 1},
    },
]

_app: Flask | None = None


def job_app() -> Flask:
    """The application of the process running the scheduler, for job functions."""
    if _app is None:
        raise RuntimeError("no scheduler runs in this process")
    return _app


def _wanted_jobs(app: Flask) -> list[dict]:
    # Copies of the trigger arguments: APScheduler adds its time zone to the dict it is given,
    # which would change CORE_JOBS itself for the rest of the process.
    jobs = [
        dict(job, id=f"core.{job['id']}", trigger_args=dict(job["trigger_args"]))
        for job in CORE_JOBS
    ]
    for plugin in app.extensions["concerto.registry"].enabled():
        for job in plugin.jobs:
            jobs.append(
                {
                    "id": f"{plugin.name}.{job['id']}",
                    "func": job["func"],
                    "trigger": job.get("trigger", "interval"),
                    "trigger_args": dict(job.get("trigger_args", {"hours": 1})),
                }
            )
    return jobs


class GuardedScheduler(BackgroundScheduler):
    """APScheduler's background scheduler whose job loop survives a failing job store.

    APScheduler already catches what a job raises (the listener counts it as a failure), but
    its loop thread dies on an error of the job store itself, such as "database is locked"
    while it saves a job's next run; no job ever runs again in that process. Here the loop logs
    such an error, retries shortly and carries on. It also beats: the loop wakes at least every
    ``beat_seconds`` (also while paused) and stamps ``heartbeat``, so that whoever renews the
    lease can tell a live job loop from a dead or stuck one.
    """

    beat_seconds: float = 20.0
    retry_seconds: float = 5.0
    heartbeat: float = 0.0

    def start(self, *args, **kwargs):
        self.heartbeat = time.monotonic()
        super().start(*args, **kwargs)
        self.wakeup()  # a first beat, even when started paused

    def _process_jobs(self):
        self.heartbeat = time.monotonic()
        try:
            wait = super()._process_jobs()
        except Exception:  # noqa: BLE001 - a job store error must not end the job loop
            log.exception("the scheduler's job loop failed; retrying")
            wait = self.retry_seconds
        self.heartbeat = time.monotonic()
        if wait is None or wait > self.beat_seconds:
            wait = self.beat_seconds
        return wait

    def job_loop_alive(self, max_age: float) -> bool:
        """The loop thread runs and beat within ``max_age`` seconds."""
        thread = getattr(self, "_thread", None)
        return (
            thread is not None
            and thread.is_alive()
            and time.monotonic() - self.heartbeat <= max_age
        )


def build_scheduler(app: Flask, scheduler_class=GuardedScheduler):
    """A scheduler over the job store in the database, started paused: it runs jobs only
    once ``resume()`` is called by whoever holds the lease (see ``LeasedScheduler``)."""
    engine = app.extensions["concerto.db"].engine
    scheduler = scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="scheduler_jobs")},
        timezone=TIMEZONE,
        # A job missed during downtime runs once when the scheduler is back, never once per
        # missed occurrence.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
    )
    global _app
    _app = app
    scheduler.start(paused=True)
    for job in _wanted_jobs(app):
        stored = scheduler.get_job(job["id"])
        if stored is not None and stored.func_ref == job["func"]:
            # Keep the stored job and its next run time: a run that fell due while no
            # scheduler was running is then made up for (once) instead of forgotten.
            wanted = scheduler._create_trigger(job["trigger"], job["trigger_args"])
            if str(wanted) == str(stored.trigger):
                continue
        scheduler.add_job(
            job["func"],
            trigger=job["trigger"],
            id=job["id"],
            replace_existing=True,
            **job["trigger_args"],
        )
    return scheduler


def shut_down(scheduler) -> None:
    """Stop a scheduler without touching its stored jobs. APScheduler 3 wakes its thread once
    more on shutdown and would then "run" due jobs on the stopped executor, losing the run
    while moving the job on; detaching the job store first leaves the jobs as they were."""
    if not scheduler.running:
        return
    if "default" in scheduler._jobstores:
        scheduler.remove_jobstore("default", shutdown=True)
    scheduler.shutdown(wait=True)


class LeasedScheduler:
    """Runs the jobs only while this process holds the lease in the database, so that two
    scheduler processes started by mistake (or a demo beside one) never run a job twice.

    The lease is one row, taken and renewed by a single compare-and-set UPDATE, which is
    atomic on SQLite and PostgreSQL alike; a holder that dies stops renewing and another
    takes over once the lease has expired.
    """

    def __init__(self, app: Flask, ttl_seconds: int = 60) -> None:
        self.app = app
        self.ttl = ttl_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.scheduler = build_scheduler(app)
        # The job loop beats three times per lease period; the lease is renewed only while
        # its last beat is younger than the lease itself.
        self.scheduler.beat_seconds = ttl_seconds / 3
        engine = app.extensions["concerto.db"].engine

        def _count(event) -> None:
            try:
                record_run(engine, event.job_id, event.exception)
            except Exception:  # noqa: BLE001 - counting must never stop the scheduler
                log.exception("could not record the run of %s", event.job_id)

        self.scheduler.add_listener(_count, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.running = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def job_loop_alive(self) -> bool:
        return self.scheduler.job_loop_alive(max_age=self.ttl)

    def tick(self) -> bool:
        """Take or renew the lease and run or pause the jobs accordingly. A runner whose job
        loop is dead or stuck neither takes nor renews the lease: it gives it up, so that
        /readyz stops saying the scheduler runs and another scheduler may take over."""
        engine = self.app.extensions["concerto.db"].engine
        if not self.job_loop_alive():
            if self.running:
                log.error("scheduler %s: the job loop is dead; giving up the lease", self.holder)
                self.running = False
            release_lease(engine, self.holder)
            return False
        held = take_lease(engine, self.holder, self.ttl)
        if held and not self.running:
            self.scheduler.resume()
            self.running = True
            log.info("scheduler %s holds the lease and runs the jobs", self.holder)
        elif not held and self.running:
            self.scheduler.pause()
            self.running = False
            log.warning("scheduler %s lost the lease; jobs paused", self.holder)
        return held

    def _loop(self) -> None:
        # start() took the first turn; renew well before the lease runs out.
        while not self._stop.wait(self.ttl / 3):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the scheduler
                log.exception("scheduler lease check failed")

    def start(self) -> LeasedScheduler:
        try:
            self.tick()
        except Exception:  # noqa: BLE001 - the loop retries
            log.exception("scheduler lease check failed")
        self._thread = threading.Thread(target=self._loop, name="scheduler-lease", daemon=True)
        self._thread.start()
        return self

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1):
                thread = getattr(self.scheduler, "_thread", None)
                if thread is not None and not thread.is_alive():
                    # Nothing would run any more: end, so that the service manager restarts.
                    log.error("the scheduler's job loop died; stopping")
                    raise SystemExit(1)
        finally:
            self.stop()

    def stop(self) -> None:
        self._stop.set()
        shut_down(self.scheduler)
        release_lease(self.app.extensions["concerto.db"].engine, self.holder)


job_runs = Table(
    "job_runs",
    Base.metadata,
    Column("job_id", String(200), primary_key=True),
    Column("runs", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_run_at", UTCDateTime()),
    Column("last_error", Text),
    Column("last_success_at", UTCDateTime()),
)


def record_run(engine, job_id: str, error: BaseException | None) -> None:
    """Count a job's run (and failure) for /metrics, whichever process ran it, and keep the
    time of its last successful run for /readyz and /metrics."""
    now = datetime.now(UTC)
    values = {
        "runs": job_runs.c.runs + 1,
        "failures": job_runs.c.failures + (1 if error else 0),
        "last_run_at": now,
        "last_error": repr(error)[:2000] if error else None,
    }
    if error is None:
        values["last_success_at"] = now
    with engine.begin() as connection:
        done = connection.execute(
            update(job_runs).where(job_runs.c.job_id == job_id).values(values)
        )
        if done.rowcount == 0:
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(job_runs).values(
                            job_id=job_id,
                            runs=1,
                            failures=1 if error else 0,
                            last_run_at=values["last_run_at"],
                            last_error=values["last_error"],
                            last_success_at=values.get("last_success_at"),
                        )
                    )
            except IntegrityError:
                connection.execute(
                    update(job_runs).where(job_runs.c.job_id == job_id).values(values)
                )


LEASE = "scheduler"
lease_table = Table(
    "scheduler_lease",
    Base.metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)


def take_lease(engine, holder: str, ttl_seconds: int) -> bool:
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=ttl_seconds)
    with engine.begin() as connection:
        taken = connection.execute(
            update(lease_table)
            .where(
                lease_table.c.name == LEASE,
                or_(lease_table.c.holder == holder, lease_table.c.expires_at < now),
            )
            .values(holder=holder, expires_at=expires)
        )
        if taken.rowcount == 1:
            return True
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(lease_table).values(name=LEASE, holder=holder, expires_at=expires)
            )
        return True
    except IntegrityError:
        return False  # someone else holds it


def release_lease(engine, holder: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            delete(lease_table).where(lease_table.c.name == LEASE, lease_table.c.holder == holder)
        )


def last_successes(app: Flask) -> dict[str, float | None]:
    """Each wanted job's age in seconds since its last successful run (None: never), from
    the table the scheduler process writes."""
    engine = app.extensions["concerto.db"].engine
    with engine.connect() as connection:
        rows = dict(connection.execute(select(job_runs.c.job_id, job_runs.c.last_success_at)).all())
    now = datetime.now(UTC)
    ages: dict[str, float | None] = {}
    for job_id in sorted({job["id"] for job in _wanted_jobs(app)} | set(rows)):
        at = rows.get(job_id)
        ages[job_id] = None if at is None else round((now - at).total_seconds(), 1)
    return ages


def lease_holder(engine) -> tuple[str, datetime] | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(lease_table.c.holder, lease_table.c.expires_at).where(
                lease_table.c.name == LEASE
            )
        ).first()
    return None if row is None else (row[0], row[1])


def start_in_process(app: Flask) -> LeasedScheduler:
    leased = LeasedScheduler(app).start()
    app.extensions["concerto.scheduler"] = leased
    return leased
