"""Delivery of the outbox when some messages cannot go: a message that cannot be written as
an e-mail or that the mail server refuses is marked failed with its reason and skipped, every
other one arrives exactly once, and a message sent is committed as sent before the next goes
(issue 18, point 1). A real SMTP server listens on loopback."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select

from core.mail.models import OutboxMessage
from core.mail.services import deliver, queue
from core.testing import free_port
from tests.conftest import make_app
from tests.logins import login_as

REFUSED = "nobody@refused.example"


class Inbox:
    """Accepts everything but ``REFUSED``; at each message it notes which outbox messages
    another connection already sees as sent (committed, not merely flushed)."""

    def __init__(self, database_url: str) -> None:
        self.messages: list = []
        self.committed_before: list[set[str]] = []
        self.engine = create_engine(database_url)

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.engine.connect() as connection:
            sent = connection.scalars(
                select(OutboxMessage.key).where(OutboxMessage.state == "sent")
            )
            self.committed_before.append(set(sent))
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def store_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _queue(db, key: str, recipient: str, subject: str) -> None:
    queue(
        db,
        key=key,
        kind="test",
        recipient=recipient,
        language="nl",
        subject=subject,
        body=f"Body of {key}",
    )


def test_a_bad_message_is_failed_with_its_reason_and_every_good_one_arrives_once(
    store_app, database_url
):
    engine = store_app.extensions["concerto.db"].engine
    with store_app.extensions["concerto.db"].session() as db:
        # Whatever the demo data queued goes first, so the test counts only its own.
        for message in db.scalars(select(OutboxMessage).where(OutboxMessage.state == "queued")):
            message.state = "kept"
        _queue(db, "first", "first@example.be", "First")
        # The subject an anonymous applicant could once write: a line break and a header.
        _queue(db, "crlf-subject", "second@example.be", "Org\r\nBcc: evil@x.example")
        _queue(db, "crlf-recipient", "third@example.be\r\nBcc: evil@x.example", "Third")
        _queue(db, "refused", REFUSED, "Refused")
        _queue(db, "last", "last@example.be", "Last")
    port = free_port()
    settings = dict(store_app.config["CONCERTO"], smtp_host="127.0.0.1", smtp_port=port)
    inbox = Inbox(database_url)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for _run in range(2):
            with store_app.extensions["concerto.db"].session() as db:
                deliver(db, settings)
    finally:
        controller.stop()
        inbox.engine.dispose()
    received = [envelope.rcpt_tos for envelope in inbox.messages]
    assert received == [["first@example.be"], ["second@example.be"], ["last@example.be"]]
    raw = [envelope.content.decode() for envelope in inbox.messages]
    headers = [text.split("\r\n\r\n")[0].split("\r\n") for text in raw]
    assert not [line for lines in headers for line in lines if line.lower().startswith("bcc")]
    assert "Subject: Org Bcc: evil@x.example" in raw[1]
    # Each message was committed as sent before the next one went out.
    assert inbox.committed_before == [set(), {"first"}, {"first", "crlf-subject"}]
    with engine.connect() as connection:
        rows = {
            row.key: row
            for row in connection.execute(
                select(OutboxMessage.key, OutboxMessage.state, OutboxMessage.error).where(
                    OutboxMessage.kind == "test"
                )
            )
        }
    assert {key: row.state for key, row in rows.items()} == {
        "first": "sent",
        "crlf-subject": "sent",
        "crlf-recipient": "failed",
        "refused": "failed",
        "last": "sent",
    }
    assert rows["crlf-recipient"].error.startswith("build: ")
    assert rows["refused"].error.startswith("refused: ") and "550" in rows["refused"].error


def test_the_outbox_page_shows_a_failed_message_with_its_reason(app, client):
    with app.extensions["concerto.db"].session() as db:
        _queue(db, "unbuildable", "a@example.be\r\nBcc: evil@x.example", "Unbuildable")
        _queue(db, "refused", REFUSED, "Refused")
        for message in db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "test")):
            message.state = "failed"
            message.attempts = 1
        db.flush()
        unbuildable = db.scalar(select(OutboxMessage).where(OutboxMessage.key == "unbuildable"))
        unbuildable.error = "build: Header values may not contain linefeed"
        refused = db.scalar(select(OutboxMessage).where(OutboxMessage.key == "refused"))
        refused.error = "refused: 550 5.1.1 no such mailbox"
        ids = unbuildable.id, refused.id
    login_as(client, app, "secretary")
    client.get("/language/fr")
    page = client.get("/outbox").get_data(as_text=True)
    assert "Ce message n’a pas pu être écrit comme e-mail" in page
    assert "Le serveur de courrier a refusé ce message" in page
    message = client.get(f"/outbox/{ids[1]}").get_data(as_text=True)
    assert "Le serveur de courrier a refusé ce message" in message
    assert "550 5.1.1 no such mailbox" in message
