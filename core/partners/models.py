"""Outside partners (goal 5.2 of the plan: bring in the adjacent sectors): organisations such
as an OCMW/CPAS, a justice house, VDAB or Actiris, or a university, each with one contact
person, who may sit in a body, own an action item and be involved in a step of a plan.

The contact person is a professional contact of the organisation; nothing here is ever about
a detainee or a relative (DOMAIN.md).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.i18n import LocalizedMixin

# The kinds of organisation goal 5.2 names, and room for any other.
PARTNER_KINDS = ("social_welfare", "justice_house", "employment", "university", "other")
KIND_LABELS = {
    "social_welfare": _l("public social welfare centre (OCMW/CPAS)"),
    "justice_house": _l("justice house"),
    "employment": _l("employment service"),
    "university": _l("university or college"),
    "other": _l("other organisation"),
}
# The languages a partner is written to in: invitations and reminders go out in it.
PARTNER_LANGUAGES = ("nl", "fr", "en")


class Partner(LocalizedMixin, Base):
    __tablename__ = "partners"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # A Flemish partner may have no French name and a French-speaking one no Dutch name.
    name_nl: Mapped[str | None] = mapped_column(String(300))
    name_fr: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
