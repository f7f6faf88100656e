"""Demo signals: structural problems without a prison or a domain, one answered and published,
one sent and waiting, one still a draft. Written through the register's own functions, so the
demo's answer is logged as any answer is."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import acting_as
from core.demo_parts import DemoParts
from core.goals.lookup import goal_by_code
from core.inventory.models import Need
from core.permissions import Principal
from core.signals import services as register
from core.signals.models import Signal

# The secretariat writes them, and it sits with COCOM.
SECRETARIAT = Principal(channel="cli", label="Secretariaat Overlegcomité", authority="cocom")


def seed_demo_signals(session: Session, parts: DemoParts | None = None, today=None) -> None:
    if parts is not None and not parts.has("cocom"):
        parts.leave_out("3 signals written by the committee's secretariat", ["cocom"])
        return
    if session.scalar(select(Signal.id).limit(1)) is not None:
        return
    today = today or date.today()
    goal = goal_by_code(session, "1.2", today)
    need = session.scalar(select(Need).order_by(Need.id).limit(1))
    with acting_as(SECRETARIAT):
        visits = register.create(
            session,
            {
                "title_nl": "Lange wachttijden bij het bezoek",
                "title_fr": "Longs temps d'attente lors des visites",
                "text_nl": "Bezoekers wachten in alle Brusselse gevangenissen vaak meer dan een "
                "uur voor het bezoek begint, ook met kinderen. Aanbeveling: gespreide "
                "aankomsttijden en een overdekte wachtruimte met kinderhoek.",
                "text_fr": "Dans toutes les prisons bruxelloises, les visiteurs attendent souvent "
                "plus d'une heure avant le début de la visite, enfants compris. Recommandation : "
                "des heures d'arrivée échelonnées et une salle d'attente couverte avec un coin "
                "enfants.",
                "addressee_kind": "authority",
                "addressee": "FOD Justitie, DG Penitentiaire Inrichtingen",
                "status": "answered",
                "sent_on": (today - timedelta(days=150)).isoformat(),
                "answer_nl": "De directies voeren gespreide aankomsttijden in; een overdekte "
                "wachtruimte is gepland.",
                "answered_on": (today - timedelta(days=90)).isoformat(),
                "summary_nl": "Het overlegcomité vroeg kortere wachttijden bij het bezoek. "
                "Justitie voert gespreide aankomsttijden in en plant een overdekte wachtruimte.",
                "summary_fr": "Le comité de concertation a demandé des temps d'attente plus "
                "courts lors des visites. La Justice échelonne les heures d'arrivée et prévoit "
                "une salle d'attente couverte.",
                "links": [f"goal:{goal.id}"] if goal else [],
            },
            SECRETARIAT,
        )
        register.publish(session, visits, None)
        register.create(
            session,
            {
                "title_nl": "Geen woning bij de vrijlating",
                "title_fr": "Pas de logement à la libération",
                "text_nl": "Wie vrijkomt, heeft vaak geen woning: de wachtlijsten voor sociale "
                "huisvesting houden geen rekening met de datum van vrijlating. Aanbeveling: "
                "een inschrijving tijdens de detentie mogelijk maken.",
                "text_fr": "À leur libération, beaucoup n'ont pas de logement : les listes "
                "d'attente du logement social ne tiennent pas compte de la date de libération. "
                "Recommandation : permettre l'inscription pendant la détention.",
                "addressee_kind": "sector",
                "addressee": "Brusselse Gewestelijke Huisvestingsmaatschappij (BGHM)",
                "status": "sent",
                "sent_on": (today - timedelta(days=40)).isoformat(),
                "links": [f"need:{need.id}"] if need else [],
            },
            SECRETARIAT,
        )
        register.create(
            session,
            {
                "title_nl": "Te weinig tolken voor anderstalige gedetineerden",
                "title_fr": "Trop peu d'interprètes pour les détenus allophones",
                "addressee_kind": "committee",
                "status": "draft",
            },
            SECRETARIAT,
        )
    session.commit()
