"""My work: what waits for a person, computed from the database and what they may do.

Each section is a plain list of records with the facts the page and the API show beside
them; which sections a person gets follows core.permissions (a coordinator who is also the
secretary gets both). Nothing here knows about Flask: the page (views.py) and the API
(api.py) word and link the same sections.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.clock import in_brussels, utcnow
from core.goals import services as plans
from core.goals.lookup import current_plan
from core.goals.models import Goal, Plan, PlanAction
from core.identity.models import User
from core.inventory import error_reports, verification
from core.inventory.models import Need, Service, ServiceVersion
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Decision,
    Invitation,
    Meeting,
    Membership,
    Minutes,
)
from core.permissions import Principal, can
from core.work.duties import (
    failed_jobs,
    failed_plugins,
    failed_reports,
    meetings_lacking,
    next_study_day,
    overdue_actions,
    people_without_role,
    places_left,
    registrations_to_confirm,
    waiting_lists,
)
from core.work.entries import (
    FINISHED_PLAN_STATES,
    NEXT_MEETINGS,
    OPEN_NEED_STATES,
    Entry,
    Section,
    Work,
    upcoming_meetings,
)


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
    # An authority's own plan whose years are over is history (the Flemish plan 2015-2020):
    # its unfinished steps are for its evaluation, not a coordinator's daily work. The
    # committee's current plan stays, even past its years until the next one is adopted.
    current = current_plan(session, today)
    running = (
        select(Goal.id)
        .join(Plan, Goal.plan_id == Plan.id)
        .where(or_(Plan.end_year >= today.year, Plan.id == (current.id if current else None)))
    )
    led = session.scalars(
        select(PlanAction)
        .where(
            PlanAction.authority_code == authority,
            PlanAction.status.not_in(FINISHED_PLAN_STATES),
            PlanAction.goal_id.in_(running),
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
        upcoming_meetings(now)
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
    for meeting in session.scalars(upcoming_meetings(now)):
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
