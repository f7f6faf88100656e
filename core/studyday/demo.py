"""Demo study days: this year's, sixteen days from the day the demo is seeded and open for
registration, with the three workshop themes of the 2013 "Denkdag" and one workshop already
full; and the two years before, held and anonymised, with their workshop reports, so the
figures over the years have something to compare. Then three reciprocal trainings (goal
6.1): one last year for external staff, one held this year for prison staff organised by
the Flemish coordinator, and one soon for both, full with a waiting list.

The names are invented staff of services and authorities; there is never anyone detained."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import in_brussels, local_time, utcnow
from core.demo_parts import DemoParts
from core.goals.lookup import goal_by_code
from core.inventory.models import Need
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay

# kind, nl, fr, theme (nl, fr, en), start, end, room, capacity, language
SESSIONS = [
    ("plenary", "Onthaal en opening", "Accueil et ouverture", None, "09:00", "09:45",
     "Grote zaal / Grande salle", None, "bilingual"),
    ("workshop", "Samenwerking tussen de Gemeenschappen en Justitie",
     "Coopération entre les Communautés et la Justice",
     ("Samenwerking", "Coopération", "Cooperation"), "10:00", "11:30",
     "Zaal A / Salle A", 30, "bilingual"),
    ("workshop", "De link tussen binnen en buiten", "Le lien entre l'intérieur et l'extérieur",
     ("Continuïteit", "Continuité", "Continuity"), "10:00", "11:30",
     "Zaal B / Salle B", 12, "fr"),
    ("workshop", "Het traject van de gedetineerde", "Le trajet du détenu",
     ("Traject", "Trajet", "Pathway"), "13:30", "15:00", "Zaal A / Salle A", 30, "nl"),
    ("workshop", "Gezondheid en welzijn", "Santé et bien-être",
     ("Gezondheid", "Santé", "Health"), "13:30", "15:00", "Zaal C / Salle C", 25, "bilingual"),
    ("plenary", "Besluiten en afsluiting", "Conclusions et clôture", None, "15:15", "16:00",
     "Grote zaal / Grande salle", None, "bilingual"),
]  # fmt: skip
ORGANISATIONS = [
    ("CAW Brussel", "vlaams", "nl"),
    ("Centrum Basiseducatie Brussel", "vlaams", "nl"),
    ("Service d'aide aux détenus", "federatie_wb", "fr"),
    ("Bibliothèque itinérante", "federatie_wb", "fr"),
    ("Service de santé mentale", "cocof", "fr"),
    ("Centre d'action sociale globale", "cocof", "fr"),
    ("Diensten van het Verenigd College", "cocom", "nl"),
    ("Gevangenis van Haren", "justitie", "nl"),
    ("Prison de Saint-Gilles", "justitie", "fr"),
]
FIRST = ["An", "Bram", "Chloé", "David", "Emma", "Farid", "Greet", "Hugo", "Inès", "Jonas",
         "Karima", "Lucas", "Marie", "Nico", "Olivia", "Pieter", "Rania", "Sam", "Tine",
         "Victor"]  # fmt: skip
LAST = ["Aerts", "Bertrand", "Cools", "Dubois", "Evers", "François", "Goossens", "Hermans",
        "Istasse", "Jacobs", "Kaya", "Leclercq", "Maes", "Noël", "Olivier"]  # fmt: skip


def _person(n: int, parts: DemoParts | None) -> tuple[str, str, str, str | None, str]:
    name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
    organisation, authority, language = ORGANISATIONS[n % len(ORGANISATIONS)]
    email = f"deelnemer{n}@{authority}.demo.invalid"
    if parts is not None and not parts.has(authority):
        authority = None  # the organisation takes part; its authority is not on the platform
    return name, email, organisation, authority, language


def _day(session: Session, year: int, held_on: date, *, open_now: bool, today: date) -> StudyDay:
    day = StudyDay(
        year=year,
        title_nl=f"Studiedag {year}: samen werken aan hulp- en dienstverlening",
        title_fr=f"Journée d'étude {year} : travailler ensemble à l'aide et aux services",
        title_en=f"Study day {year}: working together on aid and services",
        description_nl="De jaarlijkse studiedag van de sector (operationele doelstelling 6.2).",
        description_fr="La journée d'étude annuelle du secteur (objectif opérationnel 6.2).",
        held_on=held_on,
        venue="Egmontpaleis, Brussel / Palais d'Egmont, Bruxelles (demo)",
        capacity=120,
        opens_at=local_time((today if open_now else held_on) - timedelta(days=40), "00:00"),
        closes_at=local_time(held_on - timedelta(days=7), "23:59"),
        edit_deadline=local_time(held_on - timedelta(days=3), "23:59"),
        registrations_version=0,
    )
    session.add(day)
    session.flush()
    for kind, nl, fr, theme, start, end, room, capacity, language in SESSIONS:
        studyday.add_workshop(
            session,
            day,
            {
                "kind": kind,
                "title_nl": nl,
                "title_fr": fr,
                **dict(
                    zip(("theme_nl", "theme_fr", "theme_en"), theme or (None,) * 3, strict=True)
                ),
                "starts": start,
                "ends": end,
                "room": room,
                "capacity": capacity,
                "language": language,
            },
        )
    return day


def _fill(
    session: Session,
    day: StudyDay,
    count: int,
    offset: int,
    *,
    full_workshop: bool,
    parts: DemoParts | None = None,
):
    """``count`` confirmed registrations; with ``full_workshop`` the small French workshop
    fills exactly, so a newcomer who asks for it joins its waiting list."""
    workshops = studyday.workshops_of(day)
    moment = day.opens_at + timedelta(hours=1)
    small = next(w for w in workshops if w.capacity == 12)
    for n in range(count):
        name, email, organisation, authority, language = _person(offset + n, parts)
        if full_workshop and n < small.capacity:
            chosen = [small.id, workshops[2].id]
        else:
            chosen = [workshops[0].id, workshops[2 + n % 2].id]
        studyday.register(
            session,
            day,
            {
                "name": name,
                "email": email,
                "organisation": organisation,
                "language": language,
                "workshops": chosen,
                "on_participant_list": n % 3 != 0,
                "accessibility": "Rolstoeltoegankelijke zaal" if n == 5 else None,
            },
            confirmed=True,
            authority=authority,
            now=moment + timedelta(minutes=n),
        )


def _wait(session: Session, day: StudyDay, offset: int, parts: DemoParts | None = None) -> None:
    """Two who asked for the full workshop too late and stayed on its waiting list."""
    workshops = studyday.workshops_of(day)
    small = next(w for w in workshops if w.capacity == 12)
    moment = day.closes_at - timedelta(hours=2)
    for n in range(2):
        name, email, organisation, authority, language = _person(offset + n, parts)
        studyday.register(
            session,
            day,
            {
                "name": name,
                "email": email,
                "organisation": organisation,
                "language": language,
                "workshops": [small.id],
                "on_participant_list": False,
            },
            confirmed=True,
            authority=authority,
            now=moment + timedelta(minutes=n),
        )


def seed_demo_study_days(
    session: Session, today: date | None = None, parts: DemoParts | None = None
) -> None:
    if session.scalar(select(StudyDay.id).limit(1)) is not None:
        return
    today = today or in_brussels(utcnow()).date()
    held_on = today + timedelta(days=16)
    current = _day(session, held_on.year, held_on, open_now=True, today=today)
    _fill(session, current, 40, 0, full_workshop=True, parts=parts)
    goal = goal_by_code(session, "6.2")
    need = session.scalar(select(Need).order_by(Need.id))
    for back, count in ((1, 68), (2, 55)):
        year = held_on.year - back
        past = _day(session, year, date(year, 11, 27), open_now=False, today=today)
        _fill(session, past, count, 100 * back, full_workshop=back == 1, parts=parts)
        if back == 1:
            _wait(session, past, 100 * back + count, parts)
        for n, registration in enumerate(
            session.scalars(select(Registration).where(Registration.study_day_id == past.id))
        ):
            if n % 6:  # about five in six came
                registration.present_at = local_time(past.held_on, "09:10")
        for workshop in studyday.workshops_of(past)[:2]:
            studyday.save_report(
                session,
                workshop,
                {
                    "text_nl": "De deelnemers vroegen om vaste contactpersonen per gevangenis "
                    "en een gedeelde kalender van de activiteiten.",
                    "text_fr": "Les participants ont demandé des personnes de contact fixes "
                    "par prison et un calendrier partagé des activités.",
                    "goals": [goal.id] if goal else [],
                    "needs": [need.id] if need else [],
                },
            )
    _trainings(session, today, parts)
    # The years before are past the retention time: their names and addresses are gone.
    studyday.anonymise(session, utcnow(), 180)
    session.flush()


# title nl, title fr, audience, organiser, capacity, registered, present
TRAININGS = [
    (
        "Wederzijdse vorming: hoe werkt een gevangenis?",
        "Formation réciproque : comment fonctionne une prison ?",
        "external",
        None,
        25,
        20,
        17,
    ),
    (
        "Wederzijdse vorming: het aanbod van de Vlaamse diensten",
        "Formation réciproque : l'offre des services flamands",
        "prison",
        "vlaams",
        20,
        15,
        12,
    ),
    (
        "Wederzijdse vorming: samen een traject begeleiden",
        "Formation réciproque : accompagner ensemble un trajet",
        "both",
        None,
        10,
        13,
        0,
    ),
]


def _trainings(session: Session, today: date, parts: DemoParts | None) -> None:
    held = [
        date(today.year - 1, 3, 12),
        max(date(today.year, 1, 2), today - timedelta(days=20)),
        today + timedelta(days=12),
    ]
    for n, (nl, fr, audience, organiser, capacity, registered, present) in enumerate(TRAININGS):
        held_on = held[n]
        is_open = held_on > today
        if organiser is not None and parts is not None and not parts.has(organiser):
            organiser = None
        training = StudyDay(
            kind="training",
            audience=audience,
            authority_code=organiser,
            year=held_on.year,
            title_nl=nl,
            title_fr=fr,
            description_nl="Medewerkers van de diensten en van de gevangenis leren elkaars "
            "werk kennen (operationele doelstelling 6.1).",
            description_fr="Le personnel des services et de la prison apprend à connaître le "
            "travail de l'autre (objectif opérationnel 6.1).",
            held_on=held_on,
            venue="Gevangenis van Haren, vormingslokaal / Prison de Haren, salle de formation "
            "(demo)",
            capacity=capacity,
            opens_at=local_time((today if is_open else held_on) - timedelta(days=30), "00:00"),
            closes_at=local_time(held_on - timedelta(days=2 if is_open else 5), "23:59"),
            registrations_version=0,
        )
        session.add(training)
        session.flush()
        studyday.add_workshop(
            session,
            training,
            {
                "kind": "plenary",
                "title_nl": "Vorming met rondleiding",
                "title_fr": "Formation avec visite guidée",
                "starts": "09:30",
                "ends": "12:30",
                "language": "bilingual",
            },
        )
        moment = training.opens_at + timedelta(hours=2)
        for k in range(registered):
            name, email, organisation, authority, language = _person(300 + 40 * n + k, parts)
            registration = studyday.register(
                session,
                training,
                {
                    "name": name,
                    "email": email,
                    "organisation": organisation,
                    "language": language,
                    "on_participant_list": k % 2 == 0,
                },
                confirmed=True,
                authority=authority,
                now=moment + timedelta(minutes=k),
            )
            if k < present:
                registration.present_at = local_time(held_on, "09:20")
