"""Demo outside partners (goal 5.2): a Brussels OCMW/CPAS, a justice house, VDAB, Actiris and
a university, each with an invented professional contact. The OCMW/CPAS sits in the health
working group (core.meetings.demo adds it before the group's minutes are started, so its
attendance counts apart) and owns an action of that group's draft minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.events.models import Event
from core.meetings import services as meetings
from core.meetings.models import ActionItem, Body, Meeting, Minutes
from core.partners import services as partners
from core.partners.models import Partner

# (name nl, name fr, kind, contact, e-mail, language, notes)
PARTNERS = [
    (
        "OCMW Brussel",
        "CPAS de Bruxelles",
        "social_welfare",
        "Sarah Vandenbroucke",
        "sarah.vandenbroucke@ocmw-cpas.demo.invalid",
        "fr",
        "Leefloon en huisvesting na de vrijlating.",
    ),
    (
        "Justitiehuis Brussel",
        "Maison de justice de Bruxelles",
        "justice_house",
        "Marc Dubois",
        "marc.dubois@justice-house.demo.invalid",
        "fr",
        None,
    ),
    (
        "VDAB Brussel",
        None,
        "employment",
        "An Wouters",
        "an.wouters@vdab.demo.invalid",
        "nl",
        None,
    ),
    (
        "Actiris",
        "Actiris",
        "employment",
        "Youssef Benali",
        "youssef.benali@actiris.demo.invalid",
        "fr",
        None,
    ),
    (
        "Vrije Universiteit Brussel, vakgroep criminologie",
        None,
        "university",
        "Els Michiels",
        "els.michiels@vub.demo.invalid",
        "nl",
        None,
    ),
]


def seed_demo_partners(session: Session) -> None:
    if session.scalar(select(Partner.id).limit(1)) is not None:
        return
    for name_nl, name_fr, kind, contact, email, language, notes in PARTNERS:
        partners.create_partner(
            session,
            {
                "name_nl": name_nl,
                "name_fr": name_fr,
                "kind": kind,
                "contact_name": contact,
                "email": email,
                "language": language,
                "notes": notes,
            },
        )
    session.flush()


def working_group_partner(session: Session) -> Partner | None:
    """The partner that sits in the health working group: the OCMW/CPAS."""
    return session.scalar(select(Partner).where(Partner.kind == "social_welfare").limit(1))


def seed_demo_partner_action(session: Session) -> None:
    """The OCMW/CPAS takes on an action in the health working group's draft minutes."""
    partner = working_group_partner(session)
    if partner is None:
        return
    minutes = session.scalar(
        select(Minutes)
        .join(Meeting, Minutes.meeting_id == Meeting.id)
        .join(Body, Meeting.body_id == Body.id)
        .where(Body.code == "werkgroep_gezondheid", Minutes.state == "draft")
        .order_by(Minutes.id)
        .limit(1)
    )
    if minutes is None or session.scalar(
        select(ActionItem.id).where(ActionItem.partner_id == partner.id).limit(1)
    ):
        return
    meeting = minutes.meeting
    item = meeting.items[1] if len(meeting.items) > 1 else None
    action = meetings.add_action(
        session,
        minutes,
        {
            "item_id": item.id if item is not None else None,
            "title_nl": "Aanbod van het OCMW na de vrijlating toelichten",
            "title_fr": "Présenter l'offre du CPAS après la libération",
            "authority": partners.involved_word(partner.id),
            "due_on": (meeting.starts_at + timedelta(days=40)).date().isoformat(),
        },
    )
    # Told when it happened: starting the demo sends no e-mail about it.
    for event in session.scalars(
        select(Event).where(Event.record_kind == "action_item", Event.record_id == action.id)
    ):
        event.notified_at = utcnow()
    session.flush()
