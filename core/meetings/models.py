"""The committee's meetings: bodies and their members, meeting series and meetings, the
agenda with its attachments, invitations and replies, versioned minutes with attendance and
decisions, and the register of action items.

Only staff of the authorities and services appear here (names, e-mail addresses, roles):
never a detainee or a relative (DOMAIN.md).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UTCDateTime
from core.i18n import LocalizedMixin
from core.partners.models import Partner

# policy_team, coordination_team: the local teams an authority keeps in each prison (seed 002:
# "in elke gevangenis ... een beleidsteam en ... een coördinatieteam").
BODY_KINDS = (
    "committee",
    "steering_group",
    "working_group",
    "policy_team",
    "coordination_team",
    "other",
)
# prison_director: invited only to the meetings marked "with prison directors".
MEMBER_ROLES = ("chair", "secretary", "member", "observer", "prison_director")
PLACE_KINDS = ("prison", "office", "online")
MEETING_STATES = ("planned", "invited", "held", "minutes_approved")
PURPOSES = ("information", "advice", "decision")
REPLIES = ("attend", "excused")
PRESENCE = ("present", "excused", "absent")
ACTION_STATES = ("open", "in_progress", "done", "cancelled")
# A remark on draft minutes is written in one of the committee's two languages.
REMARK_LANGUAGES = ("nl", "fr")
# How the secretariat dealt with a remark; None while it waits.
HANDLINGS = ("taken_in", "not_taken_in")
OPEN_ACTION_STATES = ("open", "in_progress")
# The states in words, for pages, mails and the authorities' reports alike.
ACTION_LABELS = {
    "open": _l("open"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
}


class Body(LocalizedMixin, Base):
    """A body that meets: the committee's own (no owner, kept by the secretariat) or an
    authority's (kept by that authority's coordinators), such as the Flemish Gemengde
    Commissie or a local team in one prison."""

    __tablename__ = "bodies"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_nl: Mapped[str] = mapped_column(Text)
    # An authority's body may be named in its own language only: an empty text then (the
    # column stays NOT NULL: on SQLite relaxing it would rebuild the table, and dropping a
    # parent table takes its meetings and members along).
    name_fr: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    # A public body's calendar can be read by anyone; otherwise with its private token.
    public_calendar: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The owner (issue 24): None is the committee.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    # A local team works in one prison.
    prison_code: Mapped[str | None] = mapped_column(ForeignKey("prisons.code"))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="body", order_by="Membership.name"
    )

    @property
    def body_authority(self) -> str | None:
        """Who keeps the body and everything under it (core.permissions): an authority's
        code, or None for the committee. Every record under a body answers the same."""
        return self.authority_code


class Membership(Base):
    __tablename__ = "memberships"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    role: Mapped[str] = mapped_column(String(32))
    # On behalf of one authority or of one outside partner (core.partners), never both.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    body: Mapped[Body] = relationship(back_populates="memberships")

    @property
    def body_authority(self) -> str | None:
        return self.body.authority_code

    partner: Mapped[Partner | None] = relationship()

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class MeetingSeries(Base):
    """A recurrence (an RFC 5545 RRULE in Brussels time) from which meetings are planned."""

    __tablename__ = "meeting_series"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(500))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))  # HH:MM, Europe/Brussels
    duration_minutes: Mapped[int] = mapped_column(Integer)
    skipped_days: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    directors_months: Mapped[list[int]] = mapped_column(JSON, default=list)
    place: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship()

    @property
    def body_authority(self) -> str | None:
        return self.body.authority_code


class Meeting(LocalizedMixin, Base):
    __tablename__ = "meetings"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL")
    )
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # iCalendar UID
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_kind: Mapped[str] = mapped_column(String(16))
    prison_code: Mapped[str | None] = mapped_column(ForeignKey("prisons.code"))
    place_text: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    with_prison_directors: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="planned")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agenda_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE: raised at every change calendar programs must take over.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    body: Mapped[Body] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def body_authority(self) -> str | None:
        return self.body.authority_code


class AgendaItem(LocalizedMixin, Base):
    __tablename__ = "agenda_items"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    presenter: Mapped[str | None] = mapped_column(String(200))
    links: Mapped[list[dict]] = mapped_column(JSON, default=list)  # core.links: [{"kind", "id"}]

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def body_authority(self) -> str | None:
        return self.meeting.body.authority_code


class Attachment(Base):
    __tablename__ = "agenda_attachments"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # In the database, like every other record, so app servers keep no files of their own.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="attachments")

    @property
    def body_authority(self) -> str | None:
        return self.item.meeting.body.authority_code


class Invitation(Base):
    __tablename__ = "invitations"
    __audited__ = True
    __audit_exclude__ = ("token_hash",)  # the secret of the reply link
    __table_args__ = (UniqueConstraint("meeting_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    # The reply link carries a secret; only its hash is kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reply: Mapped[str | None] = mapped_column(String(16))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    membership: Mapped[Membership] = relationship()


class Minutes(Base):
    """One revision of a meeting's minutes. Approved revisions never change; a correction is
    a new revision with its reason."""

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "revision"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | approved
    correction_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_in_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    approved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved by core.meetings.services on every save (the text lives in child rows).
    version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    approved_in: Mapped[Meeting | None] = relationship(foreign_keys=[approved_in_meeting_id])
    texts: Mapped[list[MinuteText]] = relationship(cascade="all, delete-orphan")
    attendance: Mapped[list[Attendance]] = relationship(
        order_by="Attendance.name", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[Decision]] = relationship(
        order_by="Decision.number", cascade="all, delete-orphan"
    )
    # The round of remarks on this revision (one at most) and the remarks left in it; a
    # correction starts a revision of its own, and these stay with the revision they read.
    remark_round: Mapped[RemarkRound | None] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", uselist=False
    )
    remarks: Mapped[list[Remark]] = relationship(
        back_populates="minutes", order_by="Remark.id", cascade="all, delete-orphan"
    )

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    @property
    def body_authority(self) -> str | None:
        return self.meeting.body.authority_code


class MinuteText(Base):
    __tablename__ = "minute_texts"
    __audited__ = True

    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True
    )
    text_nl: Mapped[str | None] = mapped_column(Text)
    text_fr: Mapped[str | None] = mapped_column(Text)


class Attendance(Base):
    __tablename__ = "attendance"
    __audited__ = True
    __table_args__ = (UniqueConstraint("minutes_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    # As the membership was when the minutes were started: an authority or a partner.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    presence: Mapped[str] = mapped_column(String(16))

    membership: Mapped[Membership | None] = relationship()
    partner: Mapped[Partner | None] = relationship()


class RemarkRound(Base):
    """Draft minutes sent to those present for their remarks, until a day (Brussels time).
    Sending again moves the day; the minutes' text may still change meanwhile."""

    __tablename__ = "minutes_rounds"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), unique=True
    )
    closes_on: Mapped[date] = mapped_column(Date)  # the last day remarks are taken
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(200))

    minutes: Mapped[Minutes] = relationship(back_populates="remark_round")


class Remark(Base):
    """One attendee's remark on an agenda item of a draft (or, without an item, on the
    minutes as a whole), in Dutch or French, and how the secretariat dealt with it. It
    belongs to one revision and never changes once that revision is approved."""

    __tablename__ = "minutes_remarks"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    # Whose remark: the membership they attended by, and their name and authority as written
    # then (a membership may end or be removed; the remark still says who made it).
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    authority_code: Mapped[str] = mapped_column(ForeignKey("authorities.code"))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handling: Mapped[str | None] = mapped_column(String(16))  # taken_in | not_taken_in
    reason: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    minutes: Mapped[Minutes] = relationship(back_populates="remarks")
    item: Mapped[AgendaItem | None] = relationship()

    @property
    def body_authority(self) -> str | None:
        return self.minutes.meeting.body.authority_code


class Decision(LocalizedMixin, Base):
    __tablename__ = "decisions"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text_nl: Mapped[str | None] = mapped_column(Text)
    text_fr: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    links: Mapped[list[dict]] = mapped_column(JSON, default=list)  # core.links: [{"kind", "id"}]

    minutes: Mapped[Minutes] = relationship(back_populates="decisions")
    item: Mapped[AgendaItem] = relationship()

    @property
    def body_authority(self) -> str | None:
        return self.minutes.meeting.body.authority_code


class ActionItem(LocalizedMixin, Base):
    """An action agreed in a meeting. Its wording belongs to the minutes; its status is kept up
    to date in the register by the secretariat and the owner's authority."""

    __tablename__ = "action_items"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    title_nl: Mapped[str | None] = mapped_column(Text)
    title_fr: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    # The owner acts for an authority or for an outside partner (core.partners), never both;
    # a partner's owner is told at the partner's contact address, in its language.
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    meeting: Mapped[Meeting] = relationship()
    partner: Mapped[Partner | None] = relationship()

    def overdue(self, today: date) -> bool:
        return self.status in OPEN_ACTION_STATES and self.due_on is not None and self.due_on < today

    @property
    def body_authority(self) -> str | None:
        """The owner of the meeting's body, not ``authority_code`` (the owner's authority)."""
        return self.meeting.body.authority_code
