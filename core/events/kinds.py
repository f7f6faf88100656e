"""What a kind of event means to people: its name on the settings page, how a person hears of
it unless they chose otherwise, who is concerned, and what the e-mail says about the record.

Each feature declares its kinds beside its services (``core/<feature>/notices.py``); the
notifier (core.notifications) gathers them and tells the people concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.events.models import Event
from core.identity.models import User


@dataclass(frozen=True)
class Address:
    """Someone concerned who has no account (an action's owner known by e-mail only): told at
    once in their language, without settings of their own."""

    email: str
    language: str
    display_name: str = ""


Recipient = User | Address


@dataclass(frozen=True)
class About:
    """A record as an e-mail names it: a title in the reader's language, a link, a detail
    (a reviewer's comment, a date)."""

    title: str
    link: str
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any  # a lazy string: the settings page words it in the reader's language
    default: str  # now, daily, weekly or off
    # Who is concerned by an event of this kind: (session, event, plugin registry) -> people.
    recipients: Callable[[Session, Event, Any], list[Recipient]]
    # The record as the e-mail names it: (session, event, language) -> About, or None when
    # the record is gone (nothing is told then).
    about: Callable[[Session, Event, str], About | None]
    template: str  # the e-mail of one event; its first line is the subject


def users_by_email(session: Session, email: str | None) -> list[User]:
    """The enabled accounts with this e-mail address (any case)."""
    if not email:
        return []
    return session.scalars(
        select(User).where(
            func.lower(User.email) == email.strip().lower(), User.disabled.is_(False)
        )
    ).all()


def reachable(users) -> list[User]:
    return [u for u in users if u is not None and not u.disabled and u.email]
