"""My work: what waits for a person, computed from the database and what they may do.

Each section is a plain list of records with the facts the page and the API show beside
them; which sections a person gets follows core.permissions (a coordinator who is also the
secretary gets both). Nothing here knows about Flask: the page (views.py) and the API
(api.py) word and link the same sections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.clock import in_brussels, utcnow
from core.goals import services as plans
from core.goals.models import PlanAction
from core.identity.models import User
from core.inventory import error_reports, verification
from core.inventory.models import Need, Service, ServiceVersion
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Body,
    Decision,
    Invitation,
    Meeting,
    Membership,
    Minutes,
)
from core.permissions import Principal, can
from core.reports.services import failures as report_failures
from core.scheduler import job_runs
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay

# The groups of sections in the order the page shows them, and who gets each.
GROUPS = ("coordinator", "committee", "secretariat", "studyday", "administration")
OPEN_NEED_STATES = ("open", "being_addressed")
FINISHED_PLAN_STATES = ("done", "stopped")
# How many coming meetings a person sees; further ones are on the meetings page.
NEXT_MEETINGS = 5
# A meeting held longer ago than this without minutes is the secretary's old business, not
# today's work; the meetings page still lists it.
MINUTES_LOOKBACK_DAYS = 120


@dataclass
class Entry:
    """One record in a section, with the facts shown beside it (dates, replies, what lacks)."""

    kind: str  # service, need, action_item, plan_action, meeting, minutes, decision, ...
    record: Any
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    group: str
    key: str
    entries: list[Entry]

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass
class Work:
    sections: list[Section]

    def groups(self) -> list[tuple[str, list[Section]]]:
        return [
            (group, [s for s in self.sections if s.group == group])
            for group in GROUPS
            if any(s.group == group for s in self.sections)
        ]


def work_of(
    session: Session,
    principal: Principal,
    registry,
    now: datetime | None = None,
) -> Work:
    """Every section the principal's roles give, each computed from the database."""
    now = now or utcnow()
    today = in_brussels(now).date()
    user = session.get(User, principal.user_id) if principal.user_id else None
    sections: list[Section] = []
    authority = principal.authority
    if authority and principal.has("coordinator") and can(principal, "inventory.edit", authority):
        sections += [
            Section("coordinator", "drafts", drafts_and_returned(session, authority)),
            Section("coordinator", "submitted", submitted(session, authority)),
            Section("coordinator", "needs", open_needs(session, authority)),
            Section("coordinator", "actions", actions_of(session, authority, today)),
            Section("coordinator", "meetings", my_next_meetings(session, user, authority, now)),
            Section("coordinator", "reports", reported_errors(session, authority)),
        ]
        confirm = to_confirm(session, authority, today)
        if confirm is not None:  # only while the year's request to confirm is open
            sections.insert(1, Section("coordinator", "to_confirm", confirm))
    # Remarks are asked of a person, whatever their role: in the first group they have.
    remarks = remarks_asked(session, user, authority, today)
    if sections and remarks:
        sections.append(Section("coordinator", "remarks", remarks))
    elif remarks or can(principal, "inventory.review"):
        sections.append(Section("committee", "remarks", remarks))
    if can(principal, "inventory.review"):
        sections.append(Section("committee", "review", to_review(session, principal)))
        sections.append(Section("committee", "minutes", minutes_to_approve(session, now)))
        if authority:
            sections.append(
                Section("committee", "assigned", assigned_to(session, authority, today))
            )
    if can(principal, "meetings.manage"):
        sections.append(Section("secretariat", "meetings", meetings_lacking(session, now)))
        sections.append(Section("secretariat", "overdue", overdue_actions(session, today)))
    if can(principal, "studyday.organise"):
        day = next_study_day(session, today)
        sections += [
            Section("studyday", "to_confirm", registrations_to_confirm(session, day)),
            Section("studyday", "waiting", waiting_lists(session, day)),
            Section("studyday", "places", places_left(session, day)),
        ]
    if can(principal, "admin.plugins"):
        sections += [
            Section("administration", "plugins", failed_plugins(registry)),
            Section("administration", "jobs", failed_jobs(session)),
            Section("administration", "reports", failed_reports(session, registry)),
        ]
    if can(principal, "admin.users"):
        sections.append(Section("administration", "people", people_without_role(session)))
    return Work(sections)


# --- coordinator ----------------------------------------------------------------------------


def drafts_and_returned(session: Session, authority: str) -> list[Entry]:
    """The authority's services still being written, the returned ones first: a reviewer
    waits for their answer."""
    found = session.scalars(
        select(Service)
        .where(Service.authority_code == authority, Service.state.in_(("draft", "returned")))
        .order_by(Service.state.desc(), Service.updated_at.desc(), Service.id)
    )
    return [
        Entry(
            "service",
            service,
            {"state": service.state, "comment": service.review_comment or None},
        )
        for service in found
    ]


def _submitted_since(session: Session, ids: Iterable[int]) -> dict[int, datetime]:
    """When each service was last submitted, from its history."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(
        session.execute(
            select(ServiceVersion.service_id, func.max(ServiceVersion.at))
            .where(ServiceVersion.service_id.in_(ids), ServiceVersion.action == "submit")
            .group_by(ServiceVersion.service_id)
        ).all()
    )


def _waiting(session: Session, query) -> list[tuple[Service, datetime]]:
    services = list(session.scalars(query))
    since = _submitted_since(session, (s.id for s in services))
    rows = [(s, since.get(s.id) or s.updated_at) for s in services]
    return sorted(rows, key=lambda row: (row[1], row[0].id))  # the longest waiting first


def submitted(session: Session, authority: str) -> list[Entry]:
    query = select(Service).where(Service.authority_code == authority, Service.state == "submitted")
    return [
        Entry("service", service, {"state": "submitted", "since": since})
        for service, since in _waiting(session, query)
    ]


def to_confirm(session: Session, authority: str, today: date) -> list[Entry] | None:
    """The authority's services not confirmed this year, once the committee asked for it
    (core.inventory.verification); None before the request."""
    year = today.year
    if verification.campaign(session, year, authority) is None:
        return None
    return [
        Entry("service", service, {"state": service.state})
        for service in verification.unconfirmed(session, authority, verification.year_start(year))
    ]


def reported_errors(session: Session, authority: str) -> list[Entry]:
    """Errors the public reported in the authority's published services, the oldest first."""
    return [
        Entry("error_report", report, {"since": report.created_at, "text": report.text[:200]})
        for report in sorted(
            error_reports.open_reports(session, authority), key=lambda r: r.created_at
        )
    ]


def open_needs(session: Session, authority: str) -> list[Entry]:
    found = session.scalars(
        select(Need)
        .where(Need.authority_code == authority, Need.status.in_(OPEN_NEED_STATES))
        .order_by(Need.created_at, Need.id)
    )
    return [Entry("need", need, {"status": need.status}) for need in found]


def _due_order(entry: Entry) -> tuple:
    due = entry.facts.get("due_on")
    return (not entry.facts["overdue"], due is None, due or date.max, entry.kind, entry.record.id)


def actions_of(session: Session, authority: str, today: date) -> list[Entry]:
    """The authority's open action items and the plan actions it leads, overdue first, then
    by the day they are due."""
    entries = [
        Entry(
            "action_item",
            action,
            {"due_on": action.due_on, "overdue": action.overdue(today), "status": action.status},
        )
        for action in meetings.find_actions(
            session, meetings.ActionFilters(authority=authority, status="open"), today
        )
    ]
    led = session.scalars(
        select(PlanAction)
        .where(
            PlanAction.authority_code == authority,
            PlanAction.status.not_in(FINISHED_PLAN_STATES),
        )
        .order_by(PlanAction.id)
    )
    entries += [
        Entry(
            "plan_action",
            action,
            {
                "due_on": action.ends_on,
                "overdue": plans.overdue(action, today),
                "status": action.status,
            },
        )
        for action in led
    ]
    return sorted(entries, key=_due_order)


def _upcoming(now: datetime):
    return (
        select(Meeting)
        .where(Meeting.ends_at >= now, Meeting.cancelled_at.is_(None))
        .options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at, Meeting.id)
    )


def _mine(user: User, authority: str | None):
    """The memberships that are the person's: linked to their account, or, while the
    secretariat has not linked them, of their authority and written with the e-mail address
    its provider gave them (as core.meetings.services.invitation_of_user)."""
    condition = Membership.user_id == user.id
    if user.email and authority:
        condition = or_(
            condition,
            Membership.user_id.is_(None)
            & (Membership.authority_code == authority)
            & (func.lower(Membership.email) == user.email.strip().lower()),
        )
    return condition


def my_next_meetings(
    session: Session, user: User | None, authority: str | None, now: datetime
) -> list[Entry]:
    """The next meetings the person is invited to, with their reply (None: not yet)."""
    if user is None:
        return []
    rows = session.execute(
        _upcoming(now)
        .add_columns(Invitation)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .join(Membership, Invitation.membership_id == Membership.id)
        .where(_mine(user, authority))
        .limit(NEXT_MEETINGS)
    ).all()
    return [
        Entry("meeting", meeting, {"starts_at": meeting.starts_at, "reply": invitation.reply})
        for meeting, invitation in rows
    ]


# --- committee member -----------------------------------------------------------------------


def _last_editors(session: Session, ids: list[int]) -> dict[int, int | None]:
    """Who made each service's last edit (create or update), in one query for the list:
    core.inventory.services._last_editor's rule, which approve() applies to one service."""
    if not ids:
        return {}
    edits = (
        select(ServiceVersion.service_id, func.max(ServiceVersion.number).label("number"))
        .where(
            ServiceVersion.service_id.in_(ids),
            ServiceVersion.action.in_(("create", "update")),
        )
        .group_by(ServiceVersion.service_id)
        .subquery()
    )
    return dict(
        session.execute(
            select(ServiceVersion.service_id, ServiceVersion.user_id).join(
                edits,
                (ServiceVersion.service_id == edits.c.service_id)
                & (ServiceVersion.number == edits.c.number),
            )
        ).all()
    )


def remarks_asked(
    session: Session, user: User | None, authority: str | None, today: date
) -> list[Entry]:
    """Draft minutes whose round of remarks is open and asks the person's (they were present),
    the day it closes first, with how many remarks they left."""
    if user is None:
        return []
    found = []
    for minutes in meetings.drafts_for_remarks(session):
        round_ = minutes.remark_round
        if round_ is None or round_.closes_on < today:
            continue
        present = meetings.attendance_of_user(minutes, user.id, user.email, authority)
        if present is None:
            continue
        mine = sum(1 for r in minutes.remarks if r.membership_id == present.membership_id)
        found.append(
            Entry("remarks", minutes, {"closes_on": round_.closes_on, "remarks_left": mine})
        )
    return sorted(found, key=lambda e: e.facts["closes_on"])


def to_review(session: Session, principal: Principal) -> list[Entry]:
    """Submitted services the person may review: never the ones whose last edit is theirs
    (core.inventory.services.approve refuses those)."""
    waiting = _waiting(session, select(Service).where(Service.state == "submitted"))
    editors = _last_editors(session, [service.id for service, _since in waiting])
    return [
        Entry("service", service, {"state": "submitted", "since": since})
        for service, since in waiting
        if principal.user_id is None or editors.get(service.id) != principal.user_id
    ]


def _next_meeting_per_body(session: Session, now: datetime) -> list[Meeting]:
    seen: set[int] = set()
    found = []
    for meeting in session.scalars(_upcoming(now)):
        if meeting.body_id not in seen:
            seen.add(meeting.body_id)
            found.append(meeting)
    return found


def minutes_to_approve(session: Session, now: datetime) -> list[Entry]:
    """Draft minutes each body's next meeting may approve."""
    entries = []
    for meeting in _next_meeting_per_body(session, now):
        for minutes in meetings.minutes_to_approve(session, meeting):
            entries.append(
                Entry(
                    "minutes",
                    minutes,
                    {
                        "meeting": minutes.meeting,
                        "held_at": minutes.meeting.starts_at,
                        "approving": meeting,
                        "approving_at": meeting.starts_at,
                    },
                )
            )
    return entries


def _decisions_beside(session: Session, actions: list[ActionItem]) -> dict[tuple, list]:
    """The decisions of each action's agenda item in the latest minutes of its meeting, by
    (meeting, item), in one query for the list."""
    items = {(a.meeting_id, a.item_id) for a in actions if a.item_id is not None}
    if not items:
        return {}
    found = session.scalars(
        select(Decision)
        .join(Minutes, Decision.minutes_id == Minutes.id)
        .where(
            Minutes.meeting_id.in_({meeting for meeting, _item in items}),
            Decision.item_id.in_({item for _meeting, item in items}),
        )
        .options(selectinload(Decision.minutes).selectinload(Minutes.meeting))
        .order_by(Decision.number, Decision.id)
    ).all()
    latest: dict[int, int] = {}
    for decision in found:
        meeting = decision.minutes.meeting_id
        latest[meeting] = max(latest.get(meeting, 0), decision.minutes.revision)
    beside: dict[tuple, list] = {}
    for decision in found:
        key = (decision.minutes.meeting_id, decision.item_id)
        if key in items and decision.minutes.revision == latest[key[0]]:
            beside.setdefault(key, []).append(decision)
    return beside


def assigned_to(session: Session, authority: str, today: date) -> list[Entry]:
    """The authority's open action items, overdue first, each after the decisions taken on
    the same agenda item of the same minutes (what the action carries out)."""
    actions = meetings.find_actions(
        session, meetings.ActionFilters(authority=authority, status="open"), today
    )
    actions = sorted(
        actions, key=lambda a: (not a.overdue(today), a.due_on is None, a.due_on or date.max, a.id)
    )
    beside = _decisions_beside(session, actions)
    entries: list[Entry] = []
    shown: set[int] = set()
    for action in actions:
        for decision in beside.get((action.meeting_id, action.item_id), []):
            if decision.id not in shown:
                shown.add(decision.id)
                entries.append(
                    Entry(
                        "decision",
                        decision,
                        {"meeting": decision.minutes.meeting, "number": decision.number},
                    )
                )
        entries.append(
            Entry(
                "action_item",
                action,
                {
                    "due_on": action.due_on,
                    "overdue": action.overdue(today),
                    "status": action.status,
                },
            )
        )
    return entries


# --- secretary ------------------------------------------------------------------------------


def _lacks(session: Session, meeting: Meeting) -> dict[str, Any]:
    """What a coming meeting still lacks: the invitations, the agenda sent, replies, and
    the earlier minutes it is to approve."""
    lacks: dict[str, Any] = {}
    if meeting.invited_at is None:
        lacks["invitations"] = True
    else:
        missing = sum(1 for i in meeting.invitations if i.reply is None)
        if missing:
            lacks["replies"] = missing
    if meeting.agenda_sent_at is None:
        lacks["agenda"] = True
    to_approve = meetings.minutes_to_approve(session, meeting)
    if to_approve:
        lacks["minutes_to_approve"] = len(to_approve)
    return lacks


def meetings_lacking(session: Session, now: datetime) -> list[Entry]:
    """Meetings held lately without minutes (to write), then the next meetings, each with
    what it still lacks (nothing: ready)."""
    since = now - timedelta(days=MINUTES_LOOKBACK_DAYS)
    written = select(Minutes.meeting_id)
    # The secretariat keeps the committee's bodies; an authority's own are its coordinators'.
    committee = Meeting.body_id.in_(select(Body.id).where(Body.authority_code.is_(None)))
    without_minutes = session.scalars(
        select(Meeting)
        .where(
            committee,
            Meeting.ends_at < now,
            Meeting.starts_at >= since,
            Meeting.cancelled_at.is_(None),
            Meeting.id.not_in(written),
        )
        .options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    entries = [
        Entry("meeting", m, {"starts_at": m.starts_at, "lacks": {"minutes": True}})
        for m in without_minutes
    ]
    coming = session.scalars(
        _upcoming(now)
        .where(committee)
        .options(selectinload(Meeting.invitations))
        .limit(NEXT_MEETINGS)
    ).all()
    entries += [
        Entry("meeting", m, {"starts_at": m.starts_at, "lacks": _lacks(session, m)}) for m in coming
    ]
    return entries


def overdue_actions(session: Session, today: date) -> list[Entry]:
    """Overdue action items, by authority (the page groups them), the oldest first."""
    found = meetings.find_actions(session, meetings.ActionFilters(status="overdue"), today)
    found = sorted(found, key=lambda a: (a.authority_code, a.due_on, a.id))
    return [
        Entry(
            "action_item",
            action,
            {"due_on": action.due_on, "overdue": True, "status": action.status},
        )
        for action in found
    ]


# --- study-day organiser --------------------------------------------------------------------


def next_study_day(session: Session, today: date) -> StudyDay | None:
    return session.scalar(
        select(StudyDay)
        .where(StudyDay.kind == "study_day", StudyDay.held_on >= today)
        .options(selectinload(StudyDay.workshops))
        .order_by(StudyDay.held_on)
        .limit(1)
    )


def registrations_to_confirm(session: Session, day: StudyDay | None) -> list[Entry]:
    """Places held for a registrant who has not confirmed yet (a guest's address, or a
    place freed from the waiting list), the first to lapse first."""
    if day is None:
        return []
    found = session.scalars(
        select(Registration)
        .where(
            Registration.study_day_id == day.id,
            Registration.state.in_(("pending", "offered")),
        )
        .order_by(Registration.expires_at, Registration.id)
    )
    return [
        Entry(
            "registration",
            registration,
            {"day": day, "state": registration.state, "held_until": registration.expires_at},
        )
        for registration in found
    ]


def waiting_lists(session: Session, day: StudyDay | None) -> list[Entry]:
    if day is None:
        return []
    found = session.scalars(
        select(Registration)
        .where(Registration.study_day_id == day.id, Registration.state == "waiting")
        .order_by(Registration.created_at, Registration.id)
    )
    return [
        Entry("registration", registration, {"day": day, "since": registration.created_at})
        for registration in found
    ]


def places_left(session: Session, day: StudyDay | None) -> list[Entry]:
    """Every workshop of the day with its places left and its waiting list."""
    if day is None:
        return []
    figures = studyday.places(session, day)["workshops"]
    entries = []
    for workshop in studyday.workshops_of(day):
        taken = figures[workshop.id]
        entries.append(
            Entry(
                "workshop",
                workshop,
                {
                    "day": day,
                    "capacity": taken["capacity"],
                    "left": max(taken["capacity"] - taken["taken"], 0),
                    "waiting": taken["waiting"],
                },
            )
        )
    return entries


# --- administrator --------------------------------------------------------------------------


def failed_plugins(registry) -> list[Entry]:
    return [
        Entry("plugin", plugin, {"reason": plugin.reason})
        for plugin in sorted(registry.failed(), key=lambda p: p.name)
    ]


def failed_jobs(session: Session) -> list[Entry]:
    """Scheduled jobs whose last run failed."""
    rows = session.execute(
        select(job_runs.c.job_id, job_runs.c.last_run_at, job_runs.c.last_error)
        .where(job_runs.c.last_error.is_not(None))
        .order_by(job_runs.c.job_id)
    ).all()
    return [
        Entry("job", row.job_id, {"failed_at": _aware(row.last_run_at), "reason": row.last_error})
        for row in rows
    ]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def failed_reports(session: Session, registry) -> list[Entry]:
    entries = []
    for (authority, code), (failed_at, reason) in sorted(report_failures(session).items()):
        found = registry.authorities.get(authority)
        report = next((r for r in found.reports if r.code == code), None) if found else None
        entries.append(
            Entry(
                "report",
                (authority, code),
                {
                    "authority": authority,
                    "report": report,
                    "failed_at": _aware(failed_at),
                    "reason": reason,
                },
            )
        )
    return entries


def people_without_role(session: Session) -> list[Entry]:
    """People who logged in and may do nothing beyond reading: no role from their
    authority and none from the platform (a mapping to fix, or an account to close)."""
    found = session.scalars(
        select(User)
        .where(User.disabled.is_(False))
        .options(selectinload(User.identities), selectinload(User.platform_roles))
        .order_by(User.display_name, User.id)
    )
    return [
        Entry("person", user, {"authorities": sorted({i.authority_code for i in user.identities})})
        for user in found
        if not user.platform_roles and not any(i.access_roles for i in user.identities)
    ]
