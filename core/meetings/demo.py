"""Demo meetings: the Overlegcomité meeting monthly (third Tuesday, none in August,
prison directors every quarter), with approved minutes, decisions and actions for the past
months; the last past meeting waits for its minutes, and an extra meeting today can approve
them. The health working group's draft minutes are out for remarks, with two remarks, one
taken in. Dates follow the day the demo is seeded, so the demo always has a past and a
future.

The names are invented staff of the authorities; there is never anyone detained here.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import in_brussels, utcnow
from core.demo_parts import DemoParts
from core.events.models import Event
from core.goals.lookup import goal_by_code
from core.inventory.models import Service
from core.meetings import services as meetings
from core.meetings.models import Body, Meeting, Minutes
from core.partners.demo import working_group_partner
from core.partners.services import involved_word
from core.permissions import system

BODIES = [
    ("overlegcomite", "committee", "Overlegcomité", "Comité de concertation", True),
    ("stuurgroep", "steering_group", "Stuurgroep", "Groupe de pilotage", False),
    (
        "werkgroep_gezondheid",
        "working_group",
        "Werkgroep gezondheid",
        "Groupe de travail santé",
        False,
    ),
]
# Members who are also demo users have the address they log in with, so that My work finds
# their invitations (core/work/services.py) before the secretariat links their accounts.
MEMBERS = [
    ("Nadia El Amrani", "n.elamrani@cocom.demo.invalid", "fr", "chair", "cocom"),
    ("Ilse Vermeulen", "secretariaat@cocom.demo.invalid", "nl", "secretary", "cocom"),
    ("Lotte Peeters", "lotte@vlaams.demo.invalid", "nl", "member", "vlaams"),
    ("Julie Lambert", "julie.lambert@fwb.demo.invalid", "fr", "member", "federatie_wb"),
    ("Julien Lambert", "julien@cocof.demo.invalid", "fr", "member", "cocof"),
    ("Koen Janssens", "koen.janssens@just.demo.invalid", "nl", "member", "justitie"),
    ("Sofie Claes", "sofie@vlaams.demo.invalid", "nl", "observer", "vlaams"),
    ("Pieter De Smet", "directie.haren@just.demo.invalid", "nl", "prison_director", "justitie"),
    (
        "Claire Dumont",
        "direction.saint-gilles@just.demo.invalid",
        "fr",
        "prison_director",
        "justitie",
    ),
]
# Who takes on the actions agreed, in turn (by the meeting's month).
OWNERS = [
    ("Lotte Peeters", "lotte@vlaams.demo.invalid", "vlaams"),
    ("Julie Lambert", "julie.lambert@fwb.demo.invalid", "federatie_wb"),
    ("Julien Lambert", "julien@cocof.demo.invalid", "cocof"),
]
OFFICE = {"place_kind": "office", "place_text": "Koningsstraat 1, 1000 Brussel (demo)"}
AGENDA = [
    ("Goedkeuring van het verslag", "Approbation du procès-verbal", "decision", 10),
    ("Stand van het aanbod", "État de l'offre", "information", 30),
    ("Signalen uit de gevangenissen", "Signaux des prisons", "advice", 40),
    ("Rondvraag", "Tour de table", "information", 15),
]


def seed_demo_meetings(
    session: Session, today: date | None = None, parts: DemoParts | None = None
) -> None:
    # Members and owners of actions come from the enabled authorities only.
    enabled = parts.has if parts is not None else (lambda _code: True)
    absent = sorted({member[4] for member in MEMBERS if not enabled(member[4])})
    if absent:
        parts.leave_out("committee and working-group members", absent)
    owners = [owner for owner in OWNERS if enabled(owner[2])]
    if not owners:
        parts.leave_out("the action items of past meetings", [owner[2] for owner in OWNERS])
    # The committee's bodies (an authority's own come from its plugin's data).
    if session.scalar(select(Body.id).where(Body.authority_code.is_(None)).limit(1)) is not None:
        return
    today = today or in_brussels(utcnow()).date()
    start = date(today.year - 1, 1, 1)
    bodies = {}
    for code, kind, name_nl, name_fr, public in BODIES:
        bodies[code] = meetings.create_body(
            session,
            {
                "code": code,
                "kind": kind,
                "name_nl": name_nl,
                "name_fr": name_fr,
                "public_calendar": public,
            },
        )
    for name, email, language, role, authority in MEMBERS:
        if not enabled(authority):
            continue
        meetings.add_membership(
            session,
            bodies["overlegcomite"],
            {
                "name": name,
                "email": email,
                "language": language,
                "role": role,
                "authority": authority,
                "starts_on": start,
            },
        )
    for name, email, language, role, authority in MEMBERS[2:6]:
        if not enabled(authority):
            continue
        meetings.add_membership(
            session,
            bodies["werkgroep_gezondheid"],
            {
                "name": name,
                "email": email,
                "language": language,
                "role": role,
                "authority": authority,
                "starts_on": start,
            },
        )
    _partner_member(session, bodies["werkgroep_gezondheid"], start)
    session.refresh(bodies["overlegcomite"])
    _series, planned, _ = meetings.plan_series(
        session,
        bodies["overlegcomite"],
        {
            "weekday": "TU",
            "ordinal": "3",
            "skip_months": ["8"],
            "directors_months": ["3", "6", "9", "12"],
            # Ten months back and two ahead, whatever day the demo is seeded on.
            "first_day": _months_before(today, 10),
            "last_day": today + timedelta(days=62),
            "start_time": "14:00",
            "duration_minutes": "120",
            **OFFICE,
        },
    )
    now = utcnow()
    past = [m for m in planned if m.ends_at < now]
    service_id = session.scalar(select(Service.id).order_by(Service.id).limit(1))
    goal = goal_by_code(session, "1.3")
    goal_id = goal.id if goal is not None else None
    for meeting in planned:
        for n, (nl, fr, purpose, minutes) in enumerate(AGENDA):
            links = []
            if n == 1 and service_id:
                links.append({"kind": "service", "id": service_id})
            if n == 2 and goal_id:
                links.append({"kind": "goal", "id": goal_id})
            meetings.add_item(
                session,
                meeting,
                {
                    "title_nl": nl,
                    "title_fr": fr,
                    "purpose": purpose,
                    "duration_minutes": minutes,
                    "links": links,
                },
            )
    secretariat = system("cli", "demo data")
    # First, so that its minutes are the demo's first (/minutes/1/remarks, whatever the day).
    _round_of_remarks(session, bodies["werkgroep_gezondheid"], today, secretariat)
    for meeting in past:
        _hold(session, meeting)
    for earlier, later in zip(past, past[1:], strict=False):
        minutes = meetings.latest_minutes(session, earlier)
        minutes = _write(session, earlier, minutes, today, owners)
        meetings.approve(session, minutes, later, secretariat)
    # An extra meeting today, at which the newcomer approves the last meeting's minutes.
    extra, _ = meetings.create_meeting(
        session,
        bodies["overlegcomite"],
        {
            "date": today.isoformat(),
            "start_time": "09:00",
            "duration_minutes": "60",
            "title_nl": "Bijzondere vergadering",
            "title_fr": "Réunion extraordinaire",
            **OFFICE,
        },
    )
    meetings.add_item(
        session,
        extra,
        {"title_nl": AGENDA[0][0], "title_fr": AGENDA[0][1], "purpose": "decision"},
    )
    session.flush()


def _partner_member(session: Session, body: Body, start: date) -> None:
    """An outside partner in the health working group (core.partners.demo seeds the
    register first): its contact person, invited and counted apart from the authorities."""
    partner = working_group_partner(session)
    if partner is None:
        return
    meetings.add_membership(
        session,
        body,
        {"authority": involved_word(partner.id), "role": "member", "starts_on": start},
    )


# The health working group met nine days ago; its draft minutes are out for remarks for
# another week, and its next meeting, in three weeks, is to approve them.
WORKING_GROUP_AGENDA = [
    ("Zorgaanbod in Haren", "Offre de soins à Haren", "information"),
    (
        "Wachtlijsten voor psychologische hulp",
        "Listes d'attente pour l'aide psychologique",
        "advice",
    ),
    ("Varia", "Divers", "information"),
]
WORKING_GROUP_TEXTS = [
    (
        "Het medisch centrum van Haren stelt zijn aanbod voor. De diensten vragen een vaste "
        "contactpersoon.",
        "Le centre médical de Haren présente son offre. Les services demandent une personne de "
        "contact fixe.",
    ),
    (
        "De wachttijd voor een eerste gesprek loopt op tot zes weken. De werkgroep verzamelt "
        "de cijfers per gevangenis.",
        "Le délai pour un premier entretien atteint six semaines. Le groupe de travail "
        "rassemble les chiffres par prison.",
    ),
]
# (member, agenda item or None for the whole, language, text, how it was dealt with, why)
WORKING_GROUP_REMARKS = [
    (
        "Lotte Peeters",
        1,
        "nl",
        "Graag vermelden dat de wachttijd in Haren het langst is: acht weken in oktober.",
        "taken_in",
        None,
    ),
    (
        "Julien Lambert",
        0,
        "fr",
        "Il manque la permanence du vendredi, présentée par la COCOF en fin de point.",
        None,
        None,
    ),
]


def _round_of_remarks(session: Session, body: Body, today: date, secretariat) -> None:
    session.refresh(body)
    if not body.memberships:
        return  # a demo without the group's authorities has no one to ask for remarks
    held, _ = meetings.create_meeting(
        session,
        body,
        {
            "date": (today - timedelta(days=9)).isoformat(),
            "start_time": "10:00",
            "duration_minutes": "90",
            "title_nl": "Werkvergadering zorg",
            "title_fr": "Réunion de travail soins",
            **OFFICE,
        },
    )
    items = [
        meetings.add_item(session, held, {"title_nl": nl, "title_fr": fr, "purpose": purpose})
        for nl, fr, purpose in WORKING_GROUP_AGENDA
    ]
    meetings.invite(session, held)
    for invitation in held.invitations:
        excused = invitation.membership.name == "Julie Lambert"
        invitation.reply = "excused" if excused else "attend"
        invitation.replied_at = held.starts_at - timedelta(days=2)
    minutes = meetings.start_minutes(session, held)
    meetings.save_minutes(
        session,
        minutes,
        {
            item.id: {"nl": nl, "fr": fr}
            for item, (nl, fr) in zip(items, WORKING_GROUP_TEXTS, strict=False)
        },
        {},
        minutes.version,
    )
    if not meetings.attendees(minutes):
        return  # only the excused member's authority is in this demo: no one to ask
    meetings.send_for_remarks(
        session, minutes, {"closes_on": today + timedelta(days=7)}, secretariat, today=today
    )
    # Told when it happened: starting the demo sends no e-mail about it.
    for event in session.scalars(
        select(Event).where(Event.record_kind == "minutes", Event.record_id == minutes.id)
    ):
        event.notified_at = utcnow()
    by_name = {row.name: row for row in minutes.attendance}
    for name, item, language, text, handling, reason in WORKING_GROUP_REMARKS:
        if name not in by_name:
            continue  # a member of an authority the demo left out
        remark = meetings.add_remark(
            session,
            minutes,
            by_name[name],
            {"item_id": items[item].id, "language": language, "text": text},
            secretariat,
            today=today,
        )
        if handling:
            meetings.handle_remark(
                session, remark, {"handling": handling, "reason": reason}, secretariat, None
            )
    meetings.create_meeting(
        session,
        body,
        {
            "date": (today + timedelta(days=21)).isoformat(),
            "start_time": "10:00",
            "duration_minutes": "90",
            "title_nl": "Werkvergadering zorg",
            "title_fr": "Réunion de travail soins",
            **OFFICE,
        },
    )


def _months_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _hold(session: Session, meeting: Meeting) -> None:
    """Invitations with replies, as if they had been sent and answered."""
    meetings.invite(session, meeting)
    for number, invitation in enumerate(
        sorted(meeting.invitations, key=lambda i: i.membership.name)
    ):
        invitation.reply = "excused" if (number + meeting.starts_at.month) % 5 == 0 else "attend"
        invitation.replied_at = meeting.starts_at - timedelta(days=3)
    session.flush()


def _write(
    session: Session, meeting: Meeting, minutes: Minutes | None, today: date, owners: list
) -> Minutes:
    if minutes is None:
        minutes = meetings.start_minutes(session, meeting)
    items = [item for _n, item, _d in meetings.agenda(meeting)]
    meetings.save_minutes(
        session,
        minutes,
        {
            items[1].id: {
                "nl": "Het secretariaat stelt de stand van het aanbod voor.",
                "fr": "Le secrétariat présente l'état de l'offre.",
            },
            items[2].id: {
                "nl": "De diensten melden wachtlijsten voor psychologische hulp.",
                "fr": "Les services signalent des listes d'attente pour l'aide psychologique.",
            },
        },
        {},
        minutes.version,
    )
    month = in_brussels(meeting.starts_at).month
    meetings.add_decision(
        session,
        minutes,
        {
            "item_id": items[1].id,
            "text_nl": "Het comité keurt de bijgewerkte inventaris goed.",
            "text_fr": "Le comité approuve l'inventaire mis à jour.",
        },
    )
    if month % 3 == 0:
        meetings.add_decision(
            session,
            minutes,
            {
                "item_id": items[2].id,
                "text_nl": "Een werkgroep onderzoekt de wachtlijsten.",
                "text_fr": "Un groupe de travail examine les listes d'attente.",
                "goal": "1.3",
            },
        )
    if not owners:
        session.flush()
        return minutes
    owner = owners[month % len(owners)]
    action = meetings.add_action(
        session,
        minutes,
        {
            "item_id": items[2].id,
            "title_nl": "Cijfers over wachtlijsten bezorgen",
            "title_fr": "Transmettre les chiffres des listes d'attente",
            "owner_name": owner[0],
            "owner_email": owner[1],
            "authority": owner[2],
            "due_on": (meeting.starts_at + timedelta(days=45)).date().isoformat(),
        },
    )
    if action.due_on < today - timedelta(days=60):
        action.status = "done"
        action.closed_at = meeting.starts_at + timedelta(days=40)
    session.flush()
    return minutes
