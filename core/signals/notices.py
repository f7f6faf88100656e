"""The register of signals' events as people are told of them (core.events.kinds): an answer
received to a signal is told to the person who wrote the signal, unless they wrote the
answer in themselves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.events.kinds import About, Kind, reachable
from core.events.models import Event
from core.identity.models import User
from core.mail.services import base_url
from core.signals.models import Signal


def _writer(session: Session, event: Event, _registry) -> list[User]:
    signal = session.get(Signal, event.record_id)
    if signal is None or signal.user_id is None or signal.user_id == event.actor_user_id:
        return []
    return reachable([session.get(User, signal.user_id)])


def _signal(session: Session, event: Event, language: str) -> About | None:
    signal = session.get(Signal, event.record_id)
    if signal is None:
        return None
    answer = signal.local("answer", language).text or ""
    return About(
        title=signal.local("title", language).text,
        link=f"{base_url()}/signals/{signal.id}",
        detail=answer[:300],
    )


KINDS = (
    Kind(
        "signal_answered",
        _l("A signal I wrote received an answer"),
        "now",
        _writer,
        _signal,
        "notifications/mail/signal_answered.txt",
    ),
)
