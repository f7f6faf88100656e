"""The shared data the authorities' reports are made from, as plain functions plugins call
with a session: an authority's services of a year, the reference lists in a language, the
committee's decisions and actions of a year, the plan's progress by leading authority, the
study day's workshop participation. One query each, whatever the number of services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import local_time
from core.goals import services as plans
from core.goals.models import STATUS_LABELS, Plan
from core.i18n import pick
from core.inventory.models import Service
from core.inventory.services import coverage_of_year
from core.meetings.models import ACTION_LABELS, ActionItem, Decision, Meeting, Minutes
from core.partners.services import on_behalf_name
from core.reference.models import Prison, ServiceDomain, TargetGroup
from core.reference.services import prisons_open
from core.studyday.models import Registration, StudyDay, WorkshopChoice


@dataclass(frozen=True)
class Year:
    """The Brussels calendar year a report covers, as UTC bounds."""

    year: int

    @property
    def start(self):
        return local_time(date(self.year, 1, 1), "00:00")

    @property
    def end(self):
        return local_time(date(self.year + 1, 1, 1), "00:00")


def services_of(session: Session, authority: str | None, year: int) -> list:
    """Published, active services (of one authority, or all) as they stood by the end of
    ``year``, with their places and organisation."""
    query = (
        select(Service)
        .where(
            Service.published_at.is_not(None),
            Service.published_at < Year(year).end,
            Service.active.is_(True),
        )
        .options(selectinload(Service.locations), selectinload(Service.organization))
        .order_by(Service.domain_code, Service.id)
    )
    if authority:
        query = query.where(Service.authority_code == authority)
    return list(session.scalars(query))


def names(session: Session, model, language: str) -> dict[str, str]:
    """Code to name in ``language`` for a reference list (prisons, domains, target groups)."""
    return {
        row.code: str(pick(row.texts("name"), language))
        for row in session.scalars(select(model).order_by(model.code))
    }


def prisons(session: Session, language: str, year: int | None = None) -> dict[str, str]:
    """Code to name in ``language`` of the prisons open in ``year`` (on at least one of
    its days), in the order they opened; every prison, by code, without a year. A report
    of a year lists only those: a prison closed in 2022 appears in 2021, not in 2026."""
    if year is None:
        return names(session, Prison, language)
    return {p.code: str(pick(p.texts("name"), language)) for p in prisons_open(session, year)}


def coverage(session: Session, year: int, authority: str | None = None):
    """The year's coverage as /coverage shows it (``core.inventory.services.Coverage``): the
    prisons open in the year, the domains, the published services per pair, and the gaps,
    of every authority or of one."""
    return coverage_of_year(session, year, authority=authority or "")


def domains(session: Session, language: str) -> dict[str, str]:

    return {
        row.code: str(pick(row.texts("name"), language))
        for row in session.scalars(select(ServiceDomain).order_by(ServiceDomain.position))
    }


def target_groups(session: Session, language: str) -> dict[str, str]:

    return names(session, TargetGroup, language)


def service_name(service, language: str) -> str:
    return str(pick(service.texts("name"), language))


def per_prison(services: list, prisons: dict[str, str] | None = None) -> dict[str, list]:
    """Services by the prison they are offered in; a service in two prisons counts in both.
    Given ``prisons`` (those open in the report's year), a place in any other prison is
    left out: a service that still lists a closed prison is not offered there."""
    found: dict[str, list] = {}
    for service in services:
        for location in service.locations:
            if prisons is None or location.prison_code in prisons:
                found.setdefault(location.prison_code, []).append(service)
    return found


def places(service, prisons: dict[str, str]) -> list[str]:
    """The names of the prisons (of ``prisons``, those open in the year) a service is
    offered in, in the order of ``prisons``."""
    codes = {location.prison_code for location in service.locations}
    return [name for code, name in prisons.items() if code in codes]


def decisions_and_actions(session: Session, year: int, language: str) -> dict[str, list]:
    """The committee's decisions of approved minutes and the action items of meetings held
    in ``year``, in ``language``."""
    bounds = Year(year)
    decisions = session.scalars(
        select(Decision)
        .join(Minutes, Decision.minutes_id == Minutes.id)
        .join(Meeting, Minutes.meeting_id == Meeting.id)
        .where(
            Minutes.state == "approved",
            Meeting.starts_at >= bounds.start,
            Meeting.starts_at < bounds.end,
        )
        .options(selectinload(Decision.minutes).selectinload(Minutes.meeting))
        .order_by(Meeting.starts_at, Decision.number)
    ).all()
    actions = session.scalars(
        select(ActionItem)
        .join(Meeting, ActionItem.meeting_id == Meeting.id)
        .where(Meeting.starts_at >= bounds.start, Meeting.starts_at < bounds.end)
        .order_by(ActionItem.due_on, ActionItem.id)
    ).all()
    # The states in the report's language, which need not be the reader's (COCOM's report
    # puts Dutch and French side by side).
    with force_locale(language):
        return {
            "decisions": [
                (d.minutes.meeting.starts_at, d.number, str(pick(d.texts("text"), language)))
                for d in decisions
            ],
            "actions": [
                (
                    str(pick(a.texts("title"), language)),
                    on_behalf_name(a, short=True, language=language),
                    a.due_on,
                    str(ACTION_LABELS.get(a.status, a.status)),
                )
                for a in actions
            ],
        }


def plan_actions_led_by(session: Session, authority: str, language: str) -> list[dict[str, Any]]:
    """The plan's actions an authority leads, with their progress, in ``language``."""
    rows = []
    with force_locale(language):  # the statuses in the report's language
        for plan in session.scalars(select(Plan).order_by(Plan.id)):
            actions = plans.plan_actions(session, plan)
            progress = plans.progress_of(plan, actions)
            goals = {g.id: g.code for g in plan.goals}
            for action in actions:
                if action.authority_code == authority:
                    rows.append(
                        {
                            "goal": goals.get(action.goal_id, ""),
                            "title": str(pick(action.texts("title"), language)),
                            "status": str(STATUS_LABELS.get(action.status, action.status)),
                            "progress": progress.actions.get(action.id),
                        }
                    )
    return rows


def study_day_participation(session: Session, year: int) -> list[tuple[str, int, int]]:
    """Per workshop of the year's study day: its French title, confirmed and present."""
    day = session.scalar(
        select(StudyDay).where(StudyDay.kind == "study_day", StudyDay.year == year)
    )
    if day is None:
        return []
    counts = {
        workshop_id: (confirmed, present or 0)
        for workshop_id, confirmed, present in session.execute(
            select(
                WorkshopChoice.workshop_id,
                func.count(),
                func.sum(case((Registration.present_at.is_not(None), 1), else_=0)),
            )
            .join(Registration, WorkshopChoice.registration_id == Registration.id)
            .where(Registration.study_day_id == day.id, WorkshopChoice.state == "confirmed")
            .group_by(WorkshopChoice.workshop_id)
        )
    }
    return [
        (w.title_fr or w.title_nl, *counts.get(w.id, (0, 0)))
        for w in day.workshops
        if w.kind == "workshop"
    ]
