"""Writing messages to the outbox and delivering them over SMTP.

Features call ``queue`` inside their own transaction; the message exists exactly when the
change it tells about was committed. ``deliver`` (a scheduled job) sends what is queued.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.mail.models import OutboxMessage

MAX_ATTEMPTS = 5


def queue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage | None:
    """Add a message unless one with the same ``key`` exists; returns the new message, or
    None when it was already there (a job run twice, a double click)."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(
        key=key,
        kind=kind,
        recipient=recipient,
        language=language,
        subject=subject[:300],
        body=body,
        attachments=attachments or [],
    )
    # A savepoint, so that a concurrent writer of the same key costs only this message.
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def smtp_configured(settings: dict[str, Any]) -> bool:
    return bool(settings["smtp_host"])


def as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    email["Content-Language"] = message.language
    email.set_content(message.body)
    for part in message.attachments:
        maintype, _, subtype = part["content_type"].partition("/")
        params = {"method": part["method"]} if part.get("method") else {}
        email.add_attachment(
            part["text"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=part["filename"],
            params=params,
        )
    return email


def deliver(session: Session, settings: dict[str, Any], limit: int = 100) -> dict[str, int]:
    """Send queued messages over SMTP. Without a configured server, messages stay in the
    outbox (state "kept") where the secretariat reads them."""
    queued = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state == "queued")
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    counts = {"sent": 0, "failed": 0, "kept": 0}
    if not queued:
        return counts
    if not smtp_configured(settings):
        for message in queued:
            message.state = "kept"
        counts["kept"] = len(queued)
        return counts
    try:
        connection = smtplib.SMTP(
            settings["smtp_host"], settings["smtp_port"], timeout=settings["smtp_timeout_seconds"]
        )
    except OSError as error:
        # The server is away: everything stays queued for the next run.
        for message in queued:
            message.attempts += 1
            message.error = f"connect: {error}"[:500]
        counts["failed"] = len(queued)
        return counts
    with connection:
        if settings["smtp_starttls"]:
            connection.starttls()
        if settings["smtp_username"]:
            connection.login(settings["smtp_username"], settings["smtp_password"])
        for message in queued:
            message.attempts += 1
            try:
                connection.send_message(as_email(message, settings["mail_from"]))
            except (smtplib.SMTPException, OSError) as error:
                message.error = str(error)[:500]
                if message.attempts >= MAX_ATTEMPTS:
                    message.state = "failed"
                counts["failed"] += 1
                continue
            message.state = "sent"
            message.sent_at = utcnow()
            message.error = None
            counts["sent"] += 1
    return counts
