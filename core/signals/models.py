"""The register of signals and recommendations (goal 1.2 of the strategic plan, and the duty
of the justice-welfare work to signal structural problems "to the authorities concerned and
the public", seed 001).

A signal is about a structural problem, not about a person: no personal data about detainees
is ever stored. Unlike a need (core.inventory.models.Need), it may name no prison and no
domain: waiting times at visits or housing after release concern them all.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.i18n import LocalizedMixin

# The steps of a signal, in order. "published" is not a status: the committee publishes the
# public summary of a signal in any status (``published_at``).
SIGNAL_STATES = ("draft", "sent", "answered", "closed")
# To whom it is addressed; ``addressee`` names them in words ("the Flemish minister of
# Welfare", "the housing sector").
ADDRESSEE_KINDS = ("committee", "minister", "authority", "sector")


class Signal(LocalizedMixin, Base):
    __tablename__ = "signals"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    title_nl: Mapped[str | None] = mapped_column(String(300))
    title_fr: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    text_nl: Mapped[str | None] = mapped_column(Text)
    text_fr: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    prison_code: Mapped[str | None] = mapped_column(ForeignKey("prisons.code"), index=True)
    domain_code: Mapped[str | None] = mapped_column(ForeignKey("domains.code"), index=True)
    addressee_kind: Mapped[str] = mapped_column(String(16))
    addressee: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    sent_on: Mapped[date | None] = mapped_column(Date)
    # The answer as received, in the language it came in (or both).
    answer_nl: Mapped[str | None] = mapped_column(Text)
    answer_fr: Mapped[str | None] = mapped_column(Text)
    answer_en: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[date | None] = mapped_column(Date)
    # What the public may read once the committee publishes it; the rest stays internal.
    summary_nl: Mapped[str | None] = mapped_column(Text)
    summary_fr: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Agenda items' meetings, decisions, needs and goals (core.links), as {"kind", "id"}.
    links: Mapped[list[dict]] = mapped_column(JSON, default=list)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    written_by: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def published(self) -> bool:
        return self.published_at is not None
