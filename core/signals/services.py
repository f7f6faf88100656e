"""The register of signals and recommendations: checking, writing, answering, publishing,
the export and the figures of goal 1.2. Plain functions, used by the pages, the API and the
demo alike; the codes of what is refused are worded in ``ERRORS`` beside them (errors.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import BRUSSELS, utcnow
from core.events import services as events
from core.i18n import pick
from core.links import services as links
from core.permissions import Principal
from core.reference.models import Prison, ServiceDomain
from core.signals.models import ADDRESSEE_KINDS, SIGNAL_STATES, Signal
from core.validation import Invalid, Refused, Stale, clean_text, date_field

LANGS = ("nl", "fr", "en")
TEXTS = {
    "title": (300, False),
    "text": (10_000, True),
    "answer": (10_000, True),
    "summary": (5_000, True),
}
FIELDS = (
    *(f"{name}_{lang}" for name in TEXTS for lang in LANGS),
    "prison",
    "domain",
    "addressee_kind",
    "addressee",
    "status",
    "sent_on",
    "answered_on",
    "links",
)

STATE_LABELS = {
    "draft": _l("draft"),
    "sent": _l("sent"),
    "answered": _l("answer received"),
    "closed": _l("finished"),
}
ADDRESSEE_LABELS = {
    "committee": _l("the consultation committee"),
    "minister": _l("a minister"),
    "authority": _l("an authority or administration"),
    "sector": _l("an adjacent sector"),
}
_SYSTEM = Principal(channel="job", label="signals")


def in_brussels(moment):
    return moment.astimezone(BRUSSELS)


def check(
    session: Session,
    values: dict[str, Any],
    signal: Signal | None = None,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """The signal's fields checked, every problem at once (Invalid maps field to code); the
    fields not given keep the signal's values. The steps' rules look at the result: sent with
    a date, answered with an answer and its date, not before it was sent."""
    errors: dict[str, str] = {key: "unknown" for key in values if key not in FIELDS}
    cleaned: dict[str, Any] = {}
    for name, (limit, multiline) in TEXTS.items():
        for lang in LANGS:
            key = f"{name}_{lang}"
            if key in values:
                value, problem = clean_text(values[key], limit=limit, multiline=multiline)
                if problem:
                    errors[key] = problem
                else:
                    cleaned[key] = value
    if "addressee" in values:
        value, problem = clean_text(values["addressee"], limit=300)
        if problem:
            errors["addressee"] = problem
        else:
            cleaned["addressee"] = value
    for key, model in (("prison", Prison), ("domain", ServiceDomain)):
        if key in values:
            value = values[key] or None
            if value is not None and (
                not isinstance(value, str) or len(value) > 32 or session.get(model, value) is None
            ):
                errors[key] = "unknown"
            else:
                cleaned[f"{key}_code"] = value
    for key, known in (("addressee_kind", ADDRESSEE_KINDS), ("status", SIGNAL_STATES)):
        if key in values:
            value = values[key] or None
            if value is None:
                errors[key] = "required"
            elif not isinstance(value, str) or value not in known:
                errors[key] = "unknown"
            else:
                cleaned[key] = value
    for key in ("sent_on", "answered_on"):
        if key in values:
            cleaned[key] = date_field(values, key, errors)
    if "links" in values:
        cleaned["links"] = links.parse(
            session,
            principal or _SYSTEM,
            values["links"],
            errors,
            keep=signal.links if signal is not None else (),
        )

    def after(key: str) -> Any:
        return cleaned[key] if key in cleaned else getattr(signal, key, None)

    if not (after("title_nl") or after("title_fr") or after("title_en")):
        errors.setdefault("title_nl", "title_required")
    if not after("addressee_kind") and "addressee_kind" not in errors:
        errors["addressee_kind"] = "required"
    status = after("status") or "draft"
    if status in ("sent", "answered", "closed") and not after("sent_on"):
        errors.setdefault("sent_on", "sent_on_required")
    if status == "answered":
        if not any(after(f"answer_{lang}") for lang in LANGS):
            errors.setdefault("answer_nl", "answer_required")
        if not after("answered_on"):
            errors.setdefault("answered_on", "answered_on_required")
    sent_on, answered_on = after("sent_on"), after("answered_on")
    if sent_on and answered_on and answered_on < sent_on:
        errors.setdefault("answered_on", "before_sent")
    if errors:
        raise Invalid(errors)
    return cleaned


def _expect(signal: Signal, expected_version: Any) -> None:
    # Compared as text: a version that is no whole number was never read from us, so it is
    # as stale as an old one.
    if expected_version is not None and str(expected_version).strip() != str(signal.version):
        raise Stale(signal.version)


def create(session: Session, values: dict[str, Any], principal: Principal) -> Signal:
    values = {"status": "draft", **values}
    cleaned = check(session, values, principal=principal)
    signal = Signal(
        authority_code=principal.authority,
        written_by=principal.label[:200],
        user_id=principal.user_id,
        **cleaned,
    )
    session.add(signal)
    session.flush()
    _answered(session, signal, None, principal)
    return signal


def update(
    session: Session,
    signal: Signal,
    values: dict[str, Any],
    principal: Principal,
    expected_version: Any,
    *,
    may_publish: bool,
) -> Signal:
    """Change the signal. The summary of a published signal is public: only those who publish
    (``may_publish``) change it. Stale when the signal moved on since ``expected_version``."""
    _expect(signal, expected_version)
    cleaned = check(session, values, signal, principal)
    if signal.published and not may_publish:
        changed = [
            key
            for key in (f"summary_{lang}" for lang in LANGS)
            if key in cleaned and cleaned[key] != getattr(signal, key)
        ]
        if changed:
            raise Invalid(dict.fromkeys(changed, "summary_published"))
    was = signal.status
    for key, value in cleaned.items():
        setattr(signal, key, value)
    signal.updated_at = utcnow()
    session.flush()
    _answered(session, signal, was, principal)
    return signal


def _answered(session: Session, signal: Signal, was: str | None, principal: Principal) -> None:
    """Goal 1.2 counts answers: the event tells those who follow the register (the notifier,
    core.notifications) that an authority answered."""
    if signal.status == "answered" and was != "answered":
        events.record(
            session,
            "signal_answered",
            record_kind="signal",
            record_id=signal.id,
            authority=None,
            actor=principal,
        )


def publish(session: Session, signal: Signal, expected_version: Any) -> Signal:
    """Make the public summary public (the committee's step, through its secretariat)."""
    _expect(signal, expected_version)
    if not any(getattr(signal, f"summary_{lang}") for lang in LANGS):
        raise Refused("no_summary")
    if signal.published_at is None:
        signal.published_at = utcnow()
        session.flush()
    return signal


def withdraw(session: Session, signal: Signal, expected_version: Any) -> Signal:
    _expect(signal, expected_version)
    if signal.published_at is not None:
        signal.published_at = None
        session.flush()
    return signal


def listing(session: Session, filters: dict[str, str] | None = None):
    filters = filters or {}
    statement = select(Signal).order_by(Signal.created_at.desc(), Signal.id.desc())
    if filters.get("status") in SIGNAL_STATES:
        statement = statement.where(Signal.status == filters["status"])
    if filters.get("published") == "yes":
        statement = statement.where(Signal.published_at.is_not(None))
    return statement


def public_listing(session: Session) -> list[Signal]:
    """What the public may read: published signals only, newest publication first."""
    return list(
        session.scalars(
            select(Signal)
            .where(Signal.published_at.is_not(None))
            .order_by(Signal.published_at.desc(), Signal.id.desc())
        )
    )


def indicators(session: Session) -> list[dict[str, int]]:
    """Goal 1.2 per year: how many signals were sent, answered and published in it (by the
    date sent, the date the answer came, the day published in Brussels), newest year first."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"sent": 0, "answered": 0, "published": 0}
    )
    rows = session.execute(select(Signal.sent_on, Signal.answered_on, Signal.published_at))
    for sent_on, answered_on, published_at in rows:
        if sent_on:
            counts[sent_on.year]["sent"] += 1
        if answered_on:
            counts[answered_on.year]["answered"] += 1
        if published_at:
            counts[in_brussels(published_at).year]["published"] += 1
    return [{"year": year, **counts[year]} for year in sorted(counts, reverse=True)]


def export_rows(session: Session, language: str) -> list[list[Any]]:
    """The register as rows in the reader's words (a header, then a signal a row): statuses,
    addressees, prisons and domains named, never coded."""
    prisons = {p.code: p for p in session.scalars(select(Prison))}
    domains = {d.code: d for d in session.scalars(select(ServiceDomain))}

    def text(signal: Signal, name: str) -> str:
        return pick(signal.texts(name), language).text or ""

    rows: list[list[Any]] = [
        [
            _("Number"),
            _("Title"),
            _("Prison"),
            _("Domain"),
            _("Addressed to"),
            _("Addressee"),
            _("Status"),
            _("Sent on"),
            _("Answer received"),
            _("Answered on"),
            _("Published"),
            _("Public summary"),
        ]
    ]
    for signal in session.scalars(listing(session)):
        prison = prisons.get(signal.prison_code or "")
        domain = domains.get(signal.domain_code or "")
        rows.append(
            [
                signal.id,
                text(signal, "title"),
                prison.local("name", language).text if prison else "",
                domain.local("name", language).text if domain else "",
                str(ADDRESSEE_LABELS.get(signal.addressee_kind, "")),
                signal.addressee or "",
                str(STATE_LABELS.get(signal.status, "")),
                signal.sent_on.isoformat() if signal.sent_on else "",
                text(signal, "answer"),
                signal.answered_on.isoformat() if signal.answered_on else "",
                in_brussels(signal.published_at).date().isoformat() if signal.published_at else "",
                text(signal, "summary"),
            ]
        )
    return rows
