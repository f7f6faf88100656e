"""Demo actions under the 2014-2019 plan, written the way the plans write them (seed 002):
steps under actions, a lead and those involved, terms such as "Najaar 2015" or "Eind 2017"."""

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
    ("1.1", "Concept van een hulp- en dienstverleningsplan vastleggen",
     "Définir le concept d'un plan d'aide et de services", "vlaams", "SAW",
     ["CAW's", "DG EPI"], "Najaar 2015", "done", None,
     [("Informatie verzamelen over bestaande initiatieven",
       "Rassembler l'information sur les initiatives existantes", "Juni 2015", "done"),
      ("Concept voorleggen aan de gemengde commissie",
       "Soumettre le concept à la commission mixte", "September 2015", "done")]),
    ("1.1", "Gegevensdeling tussen de actoren regelen", "Régler le partage des données",
     "vlaams", "afdeling W&S", ["gemengde commissie"], "Eind 2016", "ongoing", 60, []),
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
    # Seed 002, goal 4: a range between two seasons, a term that runs on, one still open.
    ("5.2", "Knelpunten in sociale zekerheid en huisvesting wegwerken",
     "Lever les obstacles en matière de sécurité sociale et de logement", "vlaams",
     "afdeling W&S", ["VDAB", "OCMW"], "Najaar 2015 - voorjaar 2017/2018", "ongoing", None,
     [("De samenwerking rond huisvesting in elke gevangenis analyseren",
       "Analyser la collaboration en matière de logement dans chaque prison", "Najaar 2015",
       "done"),
      ("Een werkgroep resocialisatie oprichten", "Créer un groupe de travail resocialisation",
       "Vanaf begin 2016", "started"),
      ("Een studiedag over de resultaten organiseren",
       "Organiser une journée d'étude sur les résultats", "Nog te bepalen", "planned")]),
    # An action the plan gives no term.
    ("3.3", "Sensibiliseringsacties in de gevangenissen opstarten",
     "Lancer des actions de sensibilisation dans les prisons", "vlaams", "VAPH",
     ["lokale beleidsteams"], "", "planned", None, []),
]  # fmt: skip


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
    if plan is None or session.scalar(select(PlanAction.id).limit(1)) is not None:
        return
    goals = {g.code: g for g in session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
    seed_demo_indicators(session, goals)
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
