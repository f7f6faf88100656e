"""The APScheduler set-up: jobs from the core and the plugins, kept in the platform's database.

`concerto demo` runs the scheduler inside its process; in production a single
`concerto scheduler` process runs it, so that several web workers never run a job twice.
"""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

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
]

_app: Flask | None = None


def job_app() -> Flask:
    """The application of the process running the scheduler, for job functions."""
    if _app is None:
        raise RuntimeError("no scheduler runs in this process")
    return _app


def build_scheduler(app: Flask, scheduler_class=BackgroundScheduler):
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
    for job in CORE_JOBS:
        scheduler.add_job(
            job["func"],
            trigger=job["trigger"],
            id=f"core.{job['id']}",
            replace_existing=True,
            **job["trigger_args"],
        )
    for plugin in app.extensions["concerto.registry"].enabled():
        for job in plugin.jobs:
            scheduler.add_job(
                job["func"],
                trigger=job.get("trigger", "interval"),
                id=f"{plugin.name}.{job['id']}",
                replace_existing=True,
                **job.get("trigger_args", {"hours": 1}),
            )
    return scheduler


def start_in_process(app: Flask) -> BackgroundScheduler:
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["concerto.scheduler"] = scheduler
    return scheduler
