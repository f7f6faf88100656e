"""The plan's yearly cycle (operational goal 1.3): the annual plan adopted in a committee
meeting and compared afterwards with what happened, indicators with baseline, target and
actual per year (some computed live from the platform), and each goal's evaluation,
approved in a meeting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import local_time, utcnow
from core.goals import services as plans
from core.goals.models import (
    AnnualPlan,
    AnnualPlanItem,
    Evaluation,
    Goal,
    Indicator,
    IndicatorValue,
    Plan,
    PlanAction,
)
from core.inventory.models import Need, Service, ServiceLocation
from core.inventory.services import coverage_of_year
from core.meetings.models import Decision, Meeting, Minutes
from core.reference.models import Prison, ServiceDomain
from core.reference.services import prisons_open
from core.rooms.services import services_booking_in, use_in_year
from core.signals.services import indicators as signal_figures
from core.studyday.figures import present_at_trainings, present_in, trainings_held
from core.studyday.models import AUDIENCES
from core.validation import WEB_ADDRESS, Invalid, Refused

RATINGS = ("achieved", "largely", "partly", "not_achieved")


# --- indicators computed from the platform --------------------------------------------------------


def _published(session: Session, **where) -> int:
    query = select(func.count(func.distinct(Service.id))).where(Service.published_at.is_not(None))
    if "domain" in where:
        query = query.where(Service.domain_code == where["domain"])
    if "prison" in where:
        query = query.join(ServiceLocation, ServiceLocation.service_id == Service.id).where(
            ServiceLocation.prison_code == where["prison"]
        )
    return session.scalar(query) or 0


def _coverage_gaps(session: Session, year: int) -> int:
    """The gaps of ``year`` as /coverage shows them: prisons open that year only."""
    return len(coverage_of_year(session, year).gaps)


def _open_needs(session: Session) -> int:
    return session.scalar(select(func.count()).where(Need.status.in_(("open", "being_addressed"))))


def _meetings_held(session: Session, year: int) -> int:
    return session.scalar(
        select(func.count()).where(
            Meeting.state.in_(("held", "minutes_approved")),
            Meeting.starts_at >= local_time(date(year, 1, 1), "00:00"),
            Meeting.starts_at < local_time(date(year + 1, 1, 1), "00:00"),
        )
    )


def sources(session: Session) -> dict[str, Callable[[Session, int], float | None]]:
    """The figures an indicator can follow by itself, by name."""

    def signals(s: Session, year: int, figure: str) -> int:
        return next((row[figure] for row in signal_figures(s) if row["year"] == year), 0)

    found: dict[str, Callable[[Session, int], float | None]] = {
        "published_services": lambda s, _y: _published(s),
        "coverage_gaps": _coverage_gaps,
        "open_needs": lambda s, _y: _open_needs(s),
        "meetings_held": _meetings_held,
        "studyday_present": present_in,
        # goal 1.2: structural problems signalled, answered and made public
        "signals_sent": lambda s, y: signals(s, y, "sent"),
        "signals_answered": lambda s, y: signals(s, y, "answered"),
        "signals_published": lambda s, y: signals(s, y, "published"),
        # goal 6.3: shared use of the prisons' rooms
        "room_hours": lambda s, y: round(sum(use.hours for use in use_in_year(s, y)), 1),
        "room_services": services_booking_in,
    }
    # goal 6.1: reciprocal trainings of external and prison staff, and by whom they are for
    found["trainings_held"] = trainings_held
    found["training_present"] = present_at_trainings
    for audience in AUDIENCES:
        found[f"training_present:audience:{audience}"] = lambda s, y, audience=audience: (
            present_at_trainings(s, y, audience)
        )
    for code in session.scalars(select(ServiceDomain.code)):
        found[f"published_services:domain:{code}"] = lambda s, _y, code=code: _published(
            s, domain=code
        )
    for code in session.scalars(select(Prison.code)):
        found[f"published_services:prison:{code}"] = lambda s, _y, code=code: _published(
            s, prison=code
        )
    return found


def _training_audiences() -> dict:
    return {
        "external": _l("People present at reciprocal trainings for external staff in the year"),
        "prison": _l("People present at reciprocal trainings for prison staff in the year"),
        "both": _l(
            "People present at reciprocal trainings for external and prison staff in the year"
        ),
    }


def source_labels(session: Session) -> dict[str, str]:
    """Each source of ``sources`` in words, in the reader's language, in the order a person
    looks for them: the general figures first, then per domain and per prison by name."""
    labels = {
        "published_services": _("Published services"),
        "coverage_gaps": _("Gaps in the coverage (prison and domain without a service)"),
        "open_needs": _("Open needs"),
        "meetings_held": _("Meetings held in the year"),
        "studyday_present": _("People present at the year's study day"),
        "signals_sent": _("Signals sent in the year"),
        "signals_answered": _("Signals answered in the year"),
        "signals_published": _("Signals made public in the year"),
        "room_hours": _("Hours the prisons' rooms are booked in the year"),
        "room_services": _("Services booking a prison room in the year"),
    }
    labels["trainings_held"] = _("Reciprocal trainings held in the year")
    labels["training_present"] = _("People present at reciprocal trainings in the year")
    for audience, label in _training_audiences().items():
        labels[f"training_present:audience:{audience}"] = str(label)
    for domain in session.scalars(select(ServiceDomain).order_by(ServiceDomain.position)):
        labels[f"published_services:domain:{domain.code}"] = _(
            "Published services, domain: %(domain)s", domain=domain.local("name").text
        )
    # A new indicator follows a prison open today; one that follows a closed prison keeps
    # its figures (``sources`` still computes them).
    for prison in prisons_open(session):
        labels[f"published_services:prison:{prison.code}"] = _(
            "Published services, prison: %(prison)s", prison=prison.local("name").text
        )
    return labels


def live_values(session: Session, indicators: list[Indicator], year: int) -> dict[int, float]:
    """Today's figure of each computed indicator, by id (entered ones have none). The
    sources are listed once, not once per indicator."""
    known = sources(session) if any(i.source for i in indicators) else {}
    return {i.id: known[i.source](session, year) for i in indicators if i.source in known}


def _number(raw: Any, key: str, errors: dict[str, str]) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        errors[key] = "number"
        return None
    if not -1e12 < value < 1e12:
        errors[key] = "number"
    return value


def _year(raw: Any, key: str, errors: dict[str, str], required: bool = True) -> int | None:
    if raw in (None, ""):
        if required:
            errors[key] = "required"
        return None
    try:
        year = int(raw)
    except (TypeError, ValueError):
        errors[key] = "year"
        return None
    if not 2000 <= year <= 2100:
        errors[key] = "year"
    return year


def add_indicator(session: Session, goal: Goal, values: dict[str, Any]) -> Indicator:
    errors: dict[str, str] = {}
    names = {
        f"name_{lang}": (values.get(f"name_{lang}") or "").strip() or None
        for lang in ("nl", "fr", "en")
    }
    if not (names["name_nl"] or names["name_fr"]):
        errors["name_nl"] = "one_title"
    source = values.get("source") or None
    if source is not None and source not in sources(session):
        errors["source"] = "choice"
    indicator = Indicator(
        goal_id=goal.id,
        unit=(values.get("unit") or "").strip()[:50] or None,
        source=source,
        baseline=_number(values.get("baseline"), "baseline", errors),
        baseline_year=_year(values.get("baseline_year"), "baseline_year", errors, required=False),
        **names,
    )
    if errors:
        raise Invalid(errors)
    session.add(indicator)
    session.flush()
    return indicator


def set_value(session: Session, indicator: Indicator, values: dict[str, Any]) -> IndicatorValue:
    errors: dict[str, str] = {}
    year = _year(values.get("year"), "year", errors)
    target = _number(values.get("target"), "target", errors)
    actual = _number(values.get("actual"), "actual", errors)
    if errors:
        raise Invalid(errors)
    row = next((v for v in indicator.values if v.year == year), None)
    if row is None:
        row = IndicatorValue(year=year)
        indicator.values.append(row)
    row.target, row.actual = target, actual
    session.flush()
    return row


# --- annual plans ----------------------------------------------------------------------------------


def annual_plan(session: Session, plan: Plan, year: int, create: bool = False) -> AnnualPlan | None:
    found = session.scalar(
        select(AnnualPlan).where(AnnualPlan.plan_id == plan.id, AnnualPlan.year == year)
    )
    if found is None and create:
        found = AnnualPlan(plan_id=plan.id, year=year)
        session.add(found)
        session.flush()
    return found


def add_item(session: Session, yearly: AnnualPlan, values: dict[str, Any]) -> AnnualPlanItem:
    if yearly.adopted:
        raise Refused("adopted")
    errors: dict[str, str] = {}
    raw = values.get("action_id")
    action = (
        session.get(PlanAction, int(raw))
        if str(raw or "").isdecimal() and int(raw) < 2**31
        else None
    )
    if action is None or action.goal.plan_id != yearly.plan_id:
        errors["action_id"] = "unknown"
    elif any(item.action_id == action.id for item in yearly.items):
        errors["action_id"] = "duplicate"
    target = plans._whole(values.get("target_progress", 100) or 100, 0, 100)
    if target is None:
        errors["target_progress"] = "percent"
    texts = {
        f"target_{lang}": (values.get(f"target_{lang}") or "").strip()[:2000] or None
        for lang in ("nl", "fr", "en")
    }
    if errors:
        raise Invalid(errors)
    item = AnnualPlanItem(
        action_id=action.id,
        owner=(values.get("owner") or "").strip()[:200] or None,
        target_progress=target,
        **texts,
    )
    yearly.items.append(item)
    session.flush()
    return item


def remove_item(session: Session, item: AnnualPlanItem) -> None:
    yearly = session.get(AnnualPlan, item.annual_plan_id)
    if yearly.adopted:
        raise Refused("adopted")
    session.delete(item)


def _decision(session: Session, raw: Any):
    if not str(raw or "").isdecimal() or int(raw) >= 2**31:
        return None
    return session.get(Decision, int(raw))


def adopt(session: Session, yearly: AnnualPlan, decision_id: Any) -> None:
    """Adopted by a decision of a committee meeting: the annual plan no longer changes."""
    if yearly.adopted:
        raise Refused("adopted")
    if not yearly.items:
        raise Refused("empty")
    decision = _decision(session, decision_id)
    if decision is None:
        raise Invalid({"decision_id": "unknown"})
    yearly.decision_id = decision.id
    yearly.meeting_id = decision.minutes.meeting_id
    yearly.adopted_at = utcnow()


def comparison(session: Session, yearly: AnnualPlan) -> list[dict[str, Any]]:
    """The plan for the year beside what happened: target and reached progress per action."""
    plan = session.get(Plan, yearly.plan_id)
    progress = plans.progress_of(plan, plans.plan_actions(session, plan))
    rows = []
    for item in yearly.items:
        reached = progress.actions.get(item.action_id, 0.0)
        rows.append({"item": item, "reached": reached, "met": reached >= item.target_progress})
    return rows


# --- evaluations -----------------------------------------------------------------------------------


def evaluate(session: Session, goal: Goal, values: dict[str, Any]) -> Evaluation:
    errors: dict[str, str] = {}
    year = _year(values.get("year"), "year", errors)
    rating = values.get("rating")
    if rating not in RATINGS:
        errors["rating"] = "choice"
    texts = {
        f"assessment_{lang}": (values.get(f"assessment_{lang}") or "").strip()[:20000] or None
        for lang in ("nl", "fr", "en")
    }
    if not (texts["assessment_nl"] or texts["assessment_fr"]):
        errors["assessment_nl"] = "one_text"
    evidence = values.get("evidence") or []
    if isinstance(evidence, str):
        evidence = evidence.split()
    if not isinstance(evidence, list) or not all(
        isinstance(link, str) and WEB_ADDRESS.match(link) for link in evidence
    ):
        errors["evidence"] = "url"
    if errors:
        raise Invalid(errors)
    found = session.scalar(
        select(Evaluation).where(Evaluation.goal_id == goal.id, Evaluation.year == year)
    )
    if found is not None and found.approved_at is not None:
        raise Refused("approved")
    if found is None:
        found = Evaluation(goal_id=goal.id, year=year)
        session.add(found)
    found.rating = rating
    found.evidence = evidence[:20]
    for key, value in texts.items():
        setattr(found, key, value)
    session.flush()
    return found


def approve_evaluation(session: Session, evaluation: Evaluation, decision_id: Any) -> None:
    if evaluation.approved_at is not None:
        raise Refused("approved")
    decision = _decision(session, decision_id)
    if decision is None:
        raise Invalid({"decision_id": "unknown"})
    evaluation.decision_id = decision.id
    evaluation.meeting_id = decision.minutes.meeting_id
    evaluation.approved_at = utcnow()


def decisions_for(session: Session, year: int) -> list:
    """Decisions of the committee's meetings in and around a year, to adopt or approve with."""
    return list(
        session.scalars(
            select(Decision)
            .join(Minutes, Decision.minutes_id == Minutes.id)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(
                Meeting.starts_at >= local_time(date(year - 1, 1, 1), "00:00"),
                Meeting.starts_at < local_time(date(year + 1, 1, 1), "00:00"),
            )
            .options(selectinload(Decision.minutes).selectinload(Minutes.meeting))
            .order_by(Meeting.starts_at, Decision.number)
        )
    )
