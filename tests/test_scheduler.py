"""The scheduler: jobs kept in the database run once, by one process, and a reminder that
fell due during downtime is sent once when the scheduler is back: never twice, never lost.
E-mail goes from the outbox to a real SMTP server on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.clock import utcnow
from core.mail.models import OutboxMessage
from core.mail.services import deliver, queue
from core.meetings import services as meetings
from core.meetings.jobs import remind_overdue_actions, send_agendas, send_reminders
from core.meetings.models import ActionItem, Meeting
from core.notifications.jobs import notify
from core.scheduler import (
    LeasedScheduler,
    build_scheduler,
    job_runs,
    lease_holder,
    release_lease,
    shut_down,
    take_lease,
)
from tests.conftest import FIVE, ROOT, free_port, make_app


@pytest.fixture
def store_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _meeting_tomorrow(app) -> tuple[int, set[str]]:
    """Move the next planned committee meeting to tomorrow and invite for it."""
    with app.extensions["concerto.db"].session() as db:
        meeting = db.scalar(
            select(Meeting).where(Meeting.state == "planned", Meeting.series_id.is_not(None))
        )
        meeting.starts_at = utcnow() + timedelta(hours=20)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
        meetings.invite(db, meeting)
        return meeting.id, {m.email for m in meetings.invitees(meeting)}


def _reminders(app, meeting_id: int) -> list[str]:
    with app.extensions["concerto.db"].session() as db:
        return list(
            db.scalars(
                select(OutboxMessage.recipient).where(
                    OutboxMessage.kind == "meeting_reminder",
                    OutboxMessage.key.like(f"reminder:{meeting_id}:%"),
                )
            )
        )


def _wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the scheduler did not run the job in time")


def _miss_the_run(app, job_id: str) -> None:
    """As if the scheduler had been down when the job fell due an hour ago: the stored job's
    next run lies in the past when a scheduler starts again."""
    scheduler = build_scheduler(app)  # paused: it only edits the job store
    try:
        scheduler.modify_job(job_id, next_run_time=utcnow() - timedelta(hours=1))
    finally:
        shut_down(scheduler)


def test_a_missed_reminder_is_sent_once_after_downtime_and_never_twice(store_app):
    app = store_app
    meeting_id, invitees = _meeting_tomorrow(app)
    job = "core.send_meeting_reminders"

    first = LeasedScheduler(app, ttl_seconds=30).start()
    assert first.running
    first.stop()  # the scheduler goes down; the reminder falls due meanwhile
    assert _reminders(app, meeting_id) == []
    _miss_the_run(app, job)

    second = LeasedScheduler(app, ttl_seconds=30).start()
    try:
        _wait_for(lambda: len(_reminders(app, meeting_id)) == len(invitees))
    finally:
        second.stop()
    # A crash right after the job ran but before its next run was saved: it runs again.
    _miss_the_run(app, job)
    third = LeasedScheduler(app, ttl_seconds=30).start()
    try:
        _wait_for(lambda: third.scheduler.get_job(job).next_run_time.timestamp() > time.time())
        time.sleep(0.5)
    finally:
        third.stop()
    sent = _reminders(app, meeting_id)
    assert sorted(sent) == sorted(invitees), "each invitee exactly once"


def test_running_the_reminder_job_twice_writes_each_message_once(store_app):
    app = store_app
    shut_down(LeasedScheduler(app).scheduler)  # binds the app for the job functions
    send_reminders()  # whatever demo meeting falls due on the day the suite runs
    meeting_id, invitees = _meeting_tomorrow(app)
    assert send_reminders() == len(invitees)
    assert send_reminders() == 0
    assert len(_reminders(app, meeting_id)) == len(invitees)


def test_only_the_lease_holder_runs_jobs_and_another_takes_over_when_it_dies(store_app):
    engine = store_app.extensions["concerto.db"].engine
    assert take_lease(engine, "first", ttl_seconds=1)
    assert not take_lease(engine, "second", ttl_seconds=1)
    assert take_lease(engine, "first", ttl_seconds=1)  # renewing
    time.sleep(1.2)  # the first holder died: its lease runs out
    assert take_lease(engine, "second", ttl_seconds=30)
    assert not take_lease(engine, "first", ttl_seconds=30)
    assert lease_holder(engine)[0] == "second"

    one = LeasedScheduler(store_app, ttl_seconds=30).start()
    two = LeasedScheduler(store_app, ttl_seconds=30).start()
    try:
        assert not one.running and not two.running  # "second" still holds the lease
        with engine.begin() as connection:
            from core.scheduler import lease_table

            connection.execute(lease_table.delete())
        assert one.tick() and one.running
        assert not two.tick() and not two.running
    finally:
        one.stop()
        two.stop()


RUNS: dict[str, int] = {}


def flaky_job() -> None:
    """Fails on its first run, as a job does when the database is locked."""
    RUNS["flaky"] = RUNS.get("flaky", 0) + 1
    if RUNS["flaky"] == 1:
        raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))


def steady_job() -> None:
    RUNS["steady"] = RUNS.get("steady", 0) + 1


def test_a_failing_job_and_a_locked_job_store_do_not_stop_the_scheduler(store_app, monkeypatch):
    """Issue 18, point 3: the scheduler's thread died on "database is locked" and no job ran
    again. A job that raises on its first run runs again later, the others keep running, the
    failure is counted, and an error of the job store itself only delays the next round."""
    RUNS.clear()
    leased = LeasedScheduler(store_app, ttl_seconds=30)
    store = leased.scheduler._jobstores["default"]
    saved = store.update_job
    locked = {"times": 0}

    def update_job(job):
        if locked["times"] == 0:  # the write lock is held elsewhere, once
            locked["times"] += 1
            raise OperationalError("UPDATE scheduler_jobs", {}, Exception("database is locked"))
        return saved(job)

    monkeypatch.setattr(store, "update_job", update_job)
    leased.scheduler.retry_seconds = 0.2
    for name, job_func in (("flaky", flaky_job), ("steady", steady_job)):
        leased.scheduler.add_job(
            job_func, "interval", seconds=1, id=f"test.{name}", next_run_time=utcnow()
        )
    leased.start()
    try:
        _wait_for(lambda: RUNS.get("flaky", 0) >= 3 and RUNS.get("steady", 0) >= 3)
        assert locked["times"] == 1
        assert leased.job_loop_alive() and leased.tick()
    finally:
        leased.stop()
    engine = store_app.extensions["concerto.db"].engine
    with engine.connect() as connection:
        row = connection.execute(
            select(job_runs.c.runs, job_runs.c.failures, job_runs.c.last_success_at).where(
                job_runs.c.job_id == "test.flaky"
            )
        ).one()
    assert row.runs >= 3 and row.failures == 1 and row.last_success_at is not None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_runner_whose_job_loop_died_gives_up_the_lease_and_readyz_says_so(store_app):
    """Issue 18, point 3: the lease kept renewing while no job ran; now only a runner whose
    job loop is alive (thread running, heartbeat fresh) renews it."""
    client = store_app.test_client()
    leased = LeasedScheduler(store_app, ttl_seconds=30).start()
    try:
        assert leased.running and client.get("/readyz").get_json()["scheduler"] == "ok"

        def die():
            raise KeyboardInterrupt  # not an Exception: ends the loop thread

        leased.scheduler._process_jobs = die
        leased.scheduler.wakeup()
        leased.scheduler._thread.join(timeout=5)
        assert not leased.scheduler._thread.is_alive()
        assert not leased.tick()
        assert not leased.running
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["scheduler"] != "ok"
        assert lease_holder(store_app.extensions["concerto.db"].engine) is None
    finally:
        leased._stop.set()
        release_lease(store_app.extensions["concerto.db"].engine, leased.holder)


def test_a_stuck_job_loop_stops_renewing_the_lease(store_app):
    leased = LeasedScheduler(store_app, ttl_seconds=30).start()
    try:
        assert leased.tick()
        leased.scheduler.heartbeat -= 31  # no beat for longer than the lease
        assert not leased.tick()
        assert lease_holder(store_app.extensions["concerto.db"].engine) is None
    finally:
        leased.stop()


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


def test_the_outbox_is_delivered_over_smtp_and_kept_when_the_server_is_away(store_app):
    port = free_port()
    settings = dict(store_app.config["CONCERTO"], smtp_host="127.0.0.1", smtp_port=port)
    with store_app.extensions["concerto.db"].session() as db:
        queue(
            db,
            key="test:1",
            kind="test",
            recipient="someone@example.be",
            language="fr",
            subject="Réunion",
            body="Bonjour",
            attachments=[
                {
                    "filename": "meeting.ics",
                    "content_type": "text/calendar",
                    "method": "REQUEST",
                    "text": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                }
            ],
        )
        assert (
            queue(
                db,
                key="test:1",
                kind="test",
                recipient="x@example.be",
                language="fr",
                subject="twice",
                body="twice",
            )
            is None
        )
        # No server listening: the message stays queued, with the reason.
        assert deliver(db, settings)["failed"] == 1
    with store_app.extensions["concerto.db"].session() as db:
        message = db.scalar(select(OutboxMessage).where(OutboxMessage.key == "test:1"))
        assert message.state == "queued" and "connect" in message.error
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with store_app.extensions["concerto.db"].session() as db:
            assert deliver(db, settings)["sent"] == 1
            assert deliver(db, settings)["sent"] == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    raw = inbox.messages[0].content.decode()
    assert "Subject: =?utf-8?q?R=C3=A9union?=" in raw or "Subject: Réunion" in raw
    assert 'Content-Type: text/calendar; method="REQUEST"' in raw or "method=REQUEST" in raw
    with store_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).where(OutboxMessage.state == "sent")) == 1


def test_without_smtp_the_outbox_keeps_the_messages_for_reading(store_app):
    with store_app.extensions["concerto.db"].session() as db:
        queue(
            db, key="k", kind="test", recipient="a@example.be", language="nl", subject="s", body="b"
        )
        assert deliver(db, store_app.config["CONCERTO"]) == {"sent": 0, "failed": 0, "kept": 1}


def test_the_agenda_goes_out_once_a_set_number_of_days_before(store_app):
    app = store_app
    shut_down(LeasedScheduler(app).scheduler)  # binds the app for the job functions
    send_agendas()  # whatever demo meeting falls due on the day the suite runs
    meeting_id, invitees = _meeting_tomorrow(app)
    assert send_agendas() == len(invitees)
    assert send_agendas() == 0
    with app.extensions["concerto.db"].session() as db:
        agendas = db.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like(f"agenda:{meeting_id}:%"))
        ).all()
        assert db.get(Meeting, meeting_id).agenda_sent_at is not None
    assert len(agendas) == len(invitees)
    dutch = next(m for m in agendas if m.language == "nl")
    assert dutch.subject.startswith("Agenda:") and "1. Goedkeuring van het verslag" in dutch.body
    french = next(m for m in agendas if m.language == "fr")
    assert (
        french.subject.startswith("Ordre du jour") and "Approbation du procès-verbal" in french.body
    )


def test_overdue_actions_are_reminded_once_a_week(store_app):
    app = store_app
    shut_down(LeasedScheduler(app).scheduler)
    today = meetings.in_brussels(utcnow()).date()
    with app.extensions["concerto.db"].session() as db:
        overdue = [a for a in db.scalars(select(ActionItem)) if a.overdue(today)]
    assert [a for a in overdue if a.owner_email]
    assert remind_overdue_actions() == len(overdue)
    assert remind_overdue_actions() == 0  # once a week, however often the job runs
    notify()  # the notifier tells each owner, at once by default
    with app.extensions["concerto.db"].session() as db:
        reminders = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "action_overdue")
        ).all()
    assert sorted(m.recipient for m in reminders) == sorted(
        a.owner_email for a in overdue if a.owner_email
    )


def test_a_second_scheduler_process_waits_while_the_first_runs_the_jobs(tmp_path, database_url):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    environment |= {
        "PYTHONPATH": str(ROOT),
        "CONCERTO_DATABASE_URL": database_url,
        "CONCERTO_PLUGINS": ",".join(FIVE),
    }
    command = [sys.executable, "-m", "core.cli", "scheduler", "--lease-seconds", "30"]
    first = subprocess.Popen(
        command,
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    second = None
    try:
        app = make_app(database_url)
        engine = app.extensions["concerto.db"].engine
        _wait_for(lambda: lease_holder(engine) is not None, timeout=60)
        holder = lease_holder(engine)[0]
        assert f":{first.pid}:" in holder
        second = subprocess.Popen(
            command,
            env=environment,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(5)
        assert second.poll() is None, "the second one waits instead of failing"
        assert lease_holder(engine)[0] == holder
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
        # The first one let go of the lease on its way out; the second takes it at its next
        # turn (a third of the lease).
        _wait_for(
            lambda: (lease_holder(engine) or ("",))[0].count(f":{second.pid}:") == 1, timeout=30
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def test_a_mail_server_that_never_answers_is_given_up_on_in_time(store_app):
    """A server that accepts the connection and then says nothing: the delivery gives up
    after `smtp_timeout_seconds` and keeps the message queued for the next run."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    settings = dict(
        store_app.config["CONCERTO"],
        smtp_host="127.0.0.1",
        smtp_port=silent.getsockname()[1],
        smtp_timeout_seconds=1,
    )
    try:
        with store_app.extensions["concerto.db"].session() as db:
            queue(
                db,
                key="slow",
                kind="test",
                recipient="a@example.be",
                language="nl",
                subject="s",
                body="b",
            )
            started = time.monotonic()
            assert deliver(db, settings)["failed"] == 1
            assert time.monotonic() - started < 5
        with store_app.extensions["concerto.db"].session() as db:
            message = db.scalar(select(OutboxMessage).where(OutboxMessage.key == "slow"))
            assert message.state == "queued" and "timed out" in message.error
    finally:
        silent.close()
