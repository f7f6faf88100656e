"""Writing messages to the outbox and delivering them over SMTP.

Features call ``queue`` inside their own transaction; the message exists exactly when the
change it tells about was committed. ``deliver`` (a scheduled job) sends what is queued.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.mail.models import OutboxMessage
from core.validation import one_line

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
    headers: dict[str, str] | None = None,
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
        headers=headers or {},
    )
    # A savepoint, so that a concurrent writer of the same key costs only this message.
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def base_url() -> str:
    """Where the platform answers, for the links in e-mails (the public address if set)."""
    settings = current_app.config["CONCERTO"]
    return (settings["public_url"] or f"http://{settings['host']}:{settings['port']}").rstrip("/")


def smtp_configured(settings: dict[str, Any]) -> bool:
    return bool(settings["smtp_host"])


def as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    # The forms refuse line breaks in what ends up here; this is the last defence.
    email["Subject"] = one_line(message.subject)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    email["Content-Language"] = message.language
    for name, value in (message.headers or {}).items():
        email[one_line(name)] = one_line(value)
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


# Why a message failed, by the code its error starts with; pages word it in the reader's
# language and show the technical detail after it.
REASONS = {
    "build": _l(
        "This message could not be written as an e-mail (an address or a header is not valid)."
    ),
    "refused": _l("The mail server refused this message."),
    "attempts": _l("The mail server could not take this message after several attempts."),
    "connect": _l("The mail server could not be reached."),
}


def reason(message: OutboxMessage) -> str | None:
    """The reason of the last error, in the reader's language, or None."""
    if not message.error:
        return None
    code = message.error.partition(":")[0]
    return str(REASONS[code]) if code in REASONS else None


def deliver(session: Session, settings: dict[str, Any], limit: int = 100) -> dict[str, int]:
    """Send queued messages over SMTP. Without a configured server, messages stay in the
    outbox (state "kept") where the secretariat reads them.

    Each message's new state is committed as soon as the server took it (or refused it), so
    a message sent is never sent again, whatever happens to the next one. A message that
    cannot be written as an e-mail, or that the server refuses permanently, is marked failed
    with its reason and skipped."""
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
        if settings["smtp_starttls"]:
            connection.starttls()
        if settings["smtp_username"]:
            connection.login(settings["smtp_username"], settings["smtp_password"])
    except (smtplib.SMTPException, OSError) as error:
        # The server is away or will not let us in: everything stays queued for the next run.
        for message in queued:
            message.attempts += 1
            message.error = f"connect: {error}"[:500]
        counts["failed"] = len(queued)
        return counts
    with connection:
        for message in queued:
            outcome = _send_one(connection, message, settings["mail_from"])
            session.commit()
            counts["sent" if outcome == "sent" else "failed"] += 1
            if outcome == "disconnected":
                # The connection is gone: the others stay queued, untouched, for the next run.
                break
    return counts


def _send_one(connection: smtplib.SMTP, message: OutboxMessage, sender: str) -> str:
    """Send one message and note the outcome on it: "sent", "failed" (for good or until the
    next run) or "disconnected"."""
    message.attempts += 1
    try:
        email = as_email(message, sender)
    except (ValueError, TypeError, KeyError, LookupError) as error:
        # Nothing will make this message buildable: retrying would only block the others.
        return _failed(message, f"build: {error}", final=True)
    try:
        connection.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        detail = "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in error.recipients.values()
        )
        return _failed(message, f"refused: {detail}", final=all(c >= 500 for c in codes))
    except smtplib.SMTPResponseException as error:
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        if isinstance(error, smtplib.SMTPServerDisconnected):
            _failed(message, f"connect: {text}", final=False)
            return "disconnected"
        return _failed(message, f"refused: {error.smtp_code} {text}", final=error.smtp_code >= 500)
    except (smtplib.SMTPException, OSError) as error:
        _failed(message, f"connect: {error}", final=False)
        return "disconnected"
    message.state = "sent"
    message.sent_at = utcnow()
    message.error = None
    return "sent"


def _failed(message: OutboxMessage, error: str, *, final: bool) -> str:
    message.error = error[:500]
    if final:
        message.state = "failed"
    elif message.attempts >= MAX_ATTEMPTS:
        message.state = "failed"
        message.error = f"attempts: {error}"[:500]
    return "failed"
