"""Demo actions under the 2014-2019 plan, written the way the plans write them (seed 002):
steps under actions, a lead and those involved, terms such as "Najaar 2015" or "Eind 2017".
The Flemish Community's work is on its own plan 2015-2020, which its plugin ships as data;
the demo only says how far some of its steps are, and which of its goals contribute to the
committee's."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo_parts import DemoParts
from core.goals import services as plans
from core.goals import yearly
from core.goals.models import Goal, Plan, PlanAction

STATUSES = {"planned": 0, "started": 20, "ongoing": 50, "done": 100, "postponed": 0, "stopped": 0}
# (goal, title nl, title fr, lead authority, lead in words, involved, term, status, progress,
#  steps as (title nl, title fr, term, status))
ACTIONS = [
    ("2.1", "Een gids van het aanbod per gevangenis publiceren",
     "Publier un guide de l'offre par prison", "cocom", None, ["alle overheden"],
     "1ste semester 2016", "done", None, []),
    ("4.3", "De dekking van het aanbod jaarlijks in kaart brengen",
     "Cartographier chaque année la couverture de l'offre", "cocom", None,
     ["Overlegcomité"], "doorlopend", "ongoing", 50, []),
    ("4.3", "Wachtlijsten in de gevangenissen opvolgen", "Suivre les listes d'attente en prison",
     "cocof", None, ["services agréés"], "fin 2017", "started", 20, []),
    ("6.2", "De jaarlijkse studiedag organiseren", "Organiser la journée d'étude annuelle",
     "federatie_wb", None, ["Overlegcomité"], "2015-2019", "ongoing", None,
     [("Studiedag 2015", "Journée d'étude 2015", "najaar 2015", "done"),
      ("Studiedag 2016", "Journée d'étude 2016", "automne 2016", "planned")]),
    # An action the plan gives no term.
    ("3.3", "De samenleving sensibiliseren rond detentie en re-integratie",
     "Sensibiliser la société à la détention et à la réinsertion", "cocof", None,
     ["services agréés"], "", "planned", None, []),
]  # fmt: skip

# How far the Flemish plan's steps are: (goal, step number, status, progress or None).
FLEMISH_PLAN = "vlaams_2015_2020"
FLEMISH_PROGRESS = [
    ("1", "1", "done", None), ("1", "1.1", "done", None), ("1", "1.2", "done", None),
    ("1", "2", "ongoing", 60),
    ("4", "1", "ongoing", None), ("4", "2", "done", None), ("4", "3", "started", None),
]  # fmt: skip
# Flemish goals that contribute to goals of the committee's plan, with a note (in Dutch, as
# the Flemish coordinators write it).
FLEMISH_CONTRIBUTIONS = [
    ("1", "3.2", "Het hulp- en dienstverleningsplan ondersteunt het detentietraject."),
    ("4", "5.2", "Werkgroepen resocialisatie brengen OCMW en huisvestingsactoren aan tafel."),
]


INDICATORS = [
    ("4.3", "Gepubliceerde diensten", "Services publiés", "published_services", 40, 2025),
    ("4.3", "Leemtes in de dekking", "Lacunes dans la couverture", "coverage_gaps", None, None),
    ("5.1", "Openstaande noden", "Besoins ouverts", "open_needs", None, None),
    (
        "6.2",
        "Aanwezigen op de studiedag",
        "Présents à la journée d'étude",
        "studyday_present",
        None,
        None,
    ),
    # goal 6.1: the reciprocal trainings (core.studyday), counted by themselves
    (
        "6.1",
        "Gehouden wederzijdse vormingen",
        "Formations réciproques tenues",
        "trainings_held",
        None,
        None,
    ),
    (
        "6.1",
        "Aanwezigen op wederzijdse vormingen",
        "Présents aux formations réciproques",
        "training_present",
        None,
        None,
    ),
]


def seed_demo_indicators(session: Session, goals: dict[str, Goal]) -> None:
    """Indicators that follow the inventory by themselves, as the demo's newcomer sees."""
    for code, nl, fr, source, baseline, year in INDICATORS:
        if code in goals:
            yearly.add_indicator(
                session,
                goals[code],
                {
                    "name_nl": nl,
                    "name_fr": fr,
                    "source": source,
                    "baseline": baseline,
                    "baseline_year": year,
                },
            )


def _led_by_enabled(authority: str | None, parts: DemoParts | None) -> bool:
    return parts is None or authority is None or parts.has(authority)


def seed_demo_actions(session: Session, parts: DemoParts | None = None) -> None:
    """The actions, those led by an authority whose plugin is not enabled left out."""
    led_elsewhere = Counter(a[3] for a in ACTIONS if not _led_by_enabled(a[3], parts))
    for authority, count in sorted(led_elsewhere.items()):
        actions = "1 plan action" if count == 1 else f"{count} plan actions"
        parts.leave_out(f"{actions} led by {authority}, with the steps under them", [authority])
    plan = session.scalar(select(Plan).where(Plan.code == "brussels_2014_2019"))
    if plan is None or plans.plan_actions(session, plan):
        return
    goals = {g.code: g for g in session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
    seed_demo_indicators(session, goals)
    seed_demo_flemish_plan(session, goals)
    for code, nl, fr, authority, lead, involved, term, status, progress, steps in ACTIONS:
        goal = goals.get(code)
        if goal is None or not _led_by_enabled(authority, parts):
            continue
        values = {
            "title_nl": nl,
            "title_fr": fr,
            "authority": authority,
            "lead_text": lead,
            "involved": involved,
            "term": term,
            "status": status,
        }
        if progress is not None:
            values["progress"] = progress
        action = plans.create_action(session, goal, values, STATUSES)
        for step_nl, step_fr, step_term, step_status in steps:
            plans.create_action(
                session,
                goal,
                {
                    "title_nl": step_nl,
                    "title_fr": step_fr,
                    "authority": authority,
                    "lead_text": lead,
                    "term": step_term,
                    "status": step_status,
                    "parent_id": action.id,
                },
                STATUSES,
            )


def seed_demo_flemish_plan(session: Session, committee_goals: dict[str, Goal]) -> None:
    """The Flemish plan (shipped by its plugin, when enabled): some steps under way, and two
    of its goals linked to the committee's goals they contribute to."""
    flemish = session.scalar(select(Plan).where(Plan.code == FLEMISH_PLAN))
    if flemish is None:
        return
    goals = {g.code: g for g in flemish.goals}
    steps = plans.plan_actions(session, flemish)
    by_id = {step.id: step for step in steps}

    def number(step: PlanAction) -> str:
        parent = by_id.get(step.parent_id) if step.parent_id else None
        return f"{number(parent)}.{step.position}" if parent else str(step.position)

    numbered = {(step.goal.code, number(step)): step for step in steps}
    for goal, step, status, progress in FLEMISH_PROGRESS:
        found = numbered.get((goal, step))
        if found is not None:
            found.status = status
            found.progress = progress if progress is not None else STATUSES[status]
    for goal, target, note in FLEMISH_CONTRIBUTIONS:
        if goal in goals and target in committee_goals:
            plans.link_goals(session, goals[goal], committee_goals[target].id, note)
    session.flush()
