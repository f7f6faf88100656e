"""The demo's inventory: a realistic picture of the offer in the Brussels prisons, by the
five authorities, in all nine domains, with gaps; and the 2025 and 2026 states of affairs.

The services are typical of the offer the plans describe (seed documents); the people
behind them are not real, and nothing here is about any detainee.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from core.audit.services import acting_as
from core.demo_parts import DemoParts
from core.inventory import error_reports, organizations
from core.inventory import services as inventory
from core.inventory.models import Need, Service, ServiceAssurance
from core.permissions import ANONYMOUS, system
from core.reference.services import BRUSSELS

PRISONS = {"H": ["haren"], "S": ["sint_gillis"], "HS": ["haren", "sint_gillis"]}

# authority, identifier, category, Dutch, French and English names, prisons, target groups,
# languages, individual or group, year it started (2026: not yet in the 2025 state).
SERVICES = [
    (
        "vlaams",
        "VG-01",
        "psychosociale_hulp",
        "Justitieel welzijnswerk: psychosociale begeleiding",
        "Travail social judiciaire : accompagnement psychosocial",
        "Justice welfare work: psychosocial support",
        "HS",
        "remand sentenced",
        "nl fr en",
        "individual",
        2019,
    ),
    (
        "vlaams",
        "VG-02",
        "psychosociale_hulp",
        "Onthaal van nieuwe gedetineerden",
        "Accueil des nouveaux détenus",
        "Welcome for newly arrived detainees",
        "H",
        "remand",
        "nl fr en ar",
        "individual",
        2022,
    ),
    (
        "vlaams",
        "VG-03",
        "onderwijs",
        "Nederlands tweede taal (CVO)",
        "Néerlandais langue seconde (CVO)",
        "Dutch as a second language",
        "HS",
        "sentenced remand",
        "nl",
        "group",
        2015,
    ),
    (
        "vlaams",
        "VG-04",
        "onderwijs",
        "Basiseducatie: lezen, schrijven, rekenen",
        "Éducation de base : lire, écrire, calculer",
        "Basic education: reading, writing, arithmetic",
        "H",
        "sentenced",
        "nl",
        "group",
        2016,
    ),
    (
        "vlaams",
        "VG-05",
        "onderwijs",
        "Afstandsonderwijs met begeleiding",
        "Enseignement à distance accompagné",
        "Supported distance learning",
        "HS",
        "sentenced",
        "nl en",
        "individual",
        2020,
    ),
    (
        "vlaams",
        "VG-06",
        "vorming_sociale_vaardigheden",
        "Training sociale vaardigheden",
        "Formation aux compétences sociales",
        "Social skills training",
        "H",
        "sentenced",
        "nl",
        "group",
        2017,
    ),
    (
        "vlaams",
        "VG-07",
        "cultuur_bibliotheek",
        "Bibliotheek Haren",
        "Bibliothèque de Haren",
        "Haren library",
        "H",
        "remand sentenced women men",
        "nl fr en ar tr es",
        "individual",
        2022,
    ),
    (
        "vlaams",
        "VG-08",
        "cultuur_bibliotheek",
        "Theaterwerkplaats",
        "Atelier théâtre",
        "Theatre workshop",
        "H",
        "sentenced",
        "nl fr",
        "group",
        2023,
    ),
    (
        "vlaams",
        "VG-09",
        "sport",
        "Sportanimatie en fitness",
        "Animation sportive et fitness",
        "Sports and fitness sessions",
        "H",
        "sentenced remand",
        "nl fr",
        "group",
        2022,
    ),
    (
        "vlaams",
        "VG-10",
        "beroepsopleiding",
        "Beroepsopleiding keukenmedewerker",
        "Formation d'aide-cuisinier",
        "Kitchen assistant vocational training",
        "H",
        "sentenced",
        "nl",
        "group",
        2023,
    ),
    (
        "vlaams",
        "VG-11",
        "beroepsopleiding",
        "Trajectbegeleiding naar werk (VDAB)",
        "Accompagnement vers l'emploi (VDAB)",
        "Guidance towards work (VDAB)",
        "HS",
        "sentenced",
        "nl fr",
        "individual",
        2018,
    ),
    (
        "vlaams",
        "VG-12",
        "herstelgericht_werken",
        "Herstelgerichte groepen",
        "Groupes de réparation",
        "Restorative groups",
        "H",
        "sentenced",
        "nl",
        "group",
        2026,
    ),
    (
        "vlaams",
        "VG-13",
        "gezondheidspromotie",
        "Gezondheidsvoorlichting",
        "Information santé",
        "Health information sessions",
        "H",
        "remand sentenced",
        "nl fr",
        "group",
        2021,
    ),
    (
        "vlaams",
        "VG-14",
        "drughulpverlening",
        "Drughulpverlening (CAD)",
        "Aide en matière de drogues (CAD)",
        "Drug counselling (CAD)",
        "H",
        "remand sentenced",
        "nl fr en",
        "individual",
        2019,
    ),
    (
        "cocof",
        "CF-01",
        "aide_sociale_justiciables",
        "Sociale hulp aan justitiabelen",
        "Aide sociale aux justiciables",
        "Social aid for people in the justice system",
        "HS",
        "remand sentenced",
        "fr nl en",
        "individual",
        2014,
    ),
    (
        "cocof",
        "CF-02",
        "aide_sociale_justiciables",
        "Voorbereiding van de invrijheidstelling",
        "Préparation à la libération",
        "Preparing for release",
        "HS",
        "sentenced",
        "fr",
        "individual",
        2016,
    ),
    (
        "cocof",
        "CF-03",
        "sante_mentale",
        "Geestelijke gezondheidszorg in detentie",
        "Santé mentale en détention",
        "Mental health care in detention",
        "H",
        "remand sentenced internees",
        "fr nl",
        "individual",
        2019,
    ),
    (
        "cocof",
        "CF-04",
        "sante_mentale",
        "Begeleiding van geïnterneerden",
        "Accompagnement des personnes internées",
        "Support for internees",
        "H",
        "internees",
        "fr",
        "individual",
        2024,
    ),
    (
        "cocof",
        "CF-05",
        "cohesion_sociale",
        "Gespreksgroepen samenleven",
        "Groupes de parole vivre ensemble",
        "Living together discussion groups",
        "S",
        "sentenced",
        "fr",
        "group",
        2018,
    ),
    (
        "cocof",
        "CF-06",
        "insertion_socioprofessionnelle",
        "Socioprofessionele inschakeling",
        "Insertion socioprofessionnelle",
        "Socio-professional integration",
        "HS",
        "sentenced",
        "fr",
        "individual",
        2015,
    ),
    (
        "cocof",
        "CF-07",
        "formation_professionnelle",
        "Opleiding onderhoud en schoonmaak",
        "Formation en entretien et nettoyage",
        "Maintenance and cleaning training",
        "H",
        "sentenced women",
        "fr",
        "group",
        2023,
    ),
    (
        "cocof",
        "CF-08",
        "formation_professionnelle",
        "Opleiding informatica voor beginners",
        "Formation informatique pour débutants",
        "Computer skills for beginners",
        "H",
        "sentenced",
        "fr en",
        "group",
        2026,
    ),
    (
        "cocof",
        "CF-09",
        "mediation",
        "Bemiddeling tussen dader en slachtoffer",
        "Médiation auteur-victime",
        "Victim-offender mediation",
        "HS",
        "sentenced remand",
        "fr nl",
        "individual",
        2014,
    ),
    (
        "cocof",
        "CF-10",
        "promotion_sante",
        "Preventie van infectieziekten",
        "Prévention des maladies infectieuses",
        "Infectious disease prevention",
        "HS",
        "remand sentenced",
        "fr nl en ar",
        "group",
        2017,
    ),
    (
        "cocof",
        "CF-11",
        "assuetudes",
        "Begeleiding bij verslaving",
        "Accompagnement des assuétudes",
        "Addiction support",
        "HS",
        "remand sentenced",
        "fr en ar",
        "individual",
        2016,
    ),
    (
        "cocof",
        "CF-12",
        "assuetudes",
        "Opvolging na vrijlating bij verslaving",
        "Suivi post-libération en assuétudes",
        "Addiction follow-up after release",
        "H",
        "sentenced",
        "fr",
        "individual",
        2025,
    ),
    (
        "cocom",
        "CC-01",
        "onthaal_sociale_hulp",
        "Onthaal en sociale hulp aan gedetineerden",
        "Accueil et aide sociale aux détenus",
        "Reception and social aid for detainees",
        "HS",
        "remand sentenced",
        "nl fr",
        "individual",
        2014,
    ),
    (
        "cocom",
        "CC-02",
        "steun_naasten",
        "Steun aan naasten van gedetineerden",
        "Soutien aux proches de détenus",
        "Support for relatives of detainees",
        "HS",
        "relatives",
        "nl fr en",
        "individual",
        2015,
    ),
    (
        "cocom",
        "CC-03",
        "steun_naasten",
        "Bezoekbegeleiding ouders en kinderen",
        "Accompagnement des visites parents-enfants",
        "Supervised parent-child visits",
        "H",
        "relatives women men",
        "nl fr",
        "group",
        2022,
    ),
    (
        "cocom",
        "CC-04",
        "taallessen",
        "Taallessen Frans en Nederlands",
        "Cours de langues français et néerlandais",
        "French and Dutch lessons",
        "S",
        "sentenced remand",
        "nl fr",
        "group",
        2018,
    ),
    (
        "cocom",
        "CC-05",
        "herstelbemiddeling",
        "Herstelbemiddeling",
        "Médiation réparatrice",
        "Restorative mediation",
        "H",
        "sentenced",
        "nl fr",
        "individual",
        2017,
    ),
    (
        "cocom",
        "CC-06",
        "gezondheidspreventie",
        "Preventie en vaccinatie",
        "Prévention et vaccination",
        "Prevention and vaccination",
        "HS",
        "remand sentenced women men",
        "nl fr en",
        "individual",
        2020,
    ),
    (
        "cocom",
        "CC-07",
        "drughulp",
        "Drughulp en harm reduction",
        "Aide en matière de drogues et réduction des risques",
        "Drug help and harm reduction",
        "HS",
        "remand sentenced",
        "nl fr en ar",
        "individual",
        2016,
    ),
    (
        "cocom",
        "CC-08",
        "drughulp",
        "Substitutiebehandeling: begeleiding",
        "Accompagnement des traitements de substitution",
        "Support for substitution treatment",
        "H",
        "remand sentenced",
        "nl fr",
        "individual",
        2026,
    ),
    (
        "cocom",
        "CC-09",
        "onthaal_sociale_hulp",
        "Administratieve hulp: documenten en rechten",
        "Aide administrative : documents et droits",
        "Administrative help: papers and rights",
        "HS",
        "remand sentenced",
        "nl fr ar",
        "individual",
        2021,
    ),
    (
        "cocom",
        "CC-10",
        "steun_naasten",
        "Infolijn voor familie",
        "Ligne d'information pour les familles",
        "Information line for families",
        "HS",
        "relatives",
        "nl fr en ar tr",
        "individual",
        2024,
    ),
    (
        "federatie_wb",
        "FW-01",
        "aide_psychosociale",
        "Psychosociale hulp aan gedetineerden",
        "Aide psychosociale aux détenus",
        "Psychosocial aid for detainees",
        "HS",
        "remand sentenced",
        "fr",
        "individual",
        2014,
    ),
    (
        "federatie_wb",
        "FW-02",
        "maintien_liens",
        "Relais kinderen-ouders",
        "Relais Enfants-Parents",
        "Children-parents link",
        "HS",
        "relatives",
        "fr nl",
        "individual",
        2014,
    ),
    (
        "federatie_wb",
        "FW-03",
        "enseignement",
        "Onderwijs voor sociale promotie",
        "Enseignement de promotion sociale",
        "Adult education for social advancement",
        "HS",
        "sentenced",
        "fr",
        "group",
        2015,
    ),
    (
        "federatie_wb",
        "FW-04",
        "enseignement",
        "Getuigschrift basisonderwijs (CEB)",
        "Préparation au CEB",
        "Primary school certificate preparation",
        "H",
        "sentenced",
        "fr",
        "group",
        2019,
    ),
    (
        "federatie_wb",
        "FW-05",
        "education_permanente",
        "Permanente vorming: burgerschap",
        "Éducation permanente : citoyenneté",
        "Lifelong learning: citizenship",
        "H",
        "sentenced",
        "fr",
        "group",
        2020,
    ),
    (
        "federatie_wb",
        "FW-06",
        "activites_socioculturelles",
        "Muziekatelier",
        "Atelier musique",
        "Music workshop",
        "H",
        "sentenced women",
        "fr nl",
        "group",
        2022,
    ),
    (
        "federatie_wb",
        "FW-07",
        "activites_socioculturelles",
        "Schrijfatelier",
        "Atelier d'écriture",
        "Writing workshop",
        "S",
        "sentenced",
        "fr",
        "group",
        2017,
    ),
    (
        "federatie_wb",
        "FW-08",
        "activites_socioculturelles",
        "Filmclub",
        "Ciné-club",
        "Film club",
        "H",
        "sentenced remand",
        "fr nl en",
        "group",
        2026,
    ),
    (
        "federatie_wb",
        "FW-09",
        "activites_sportives",
        "Sportlessen voor vrouwen",
        "Cours de sport pour femmes",
        "Sports classes for women",
        "H",
        "women",
        "fr nl",
        "group",
        2023,
    ),
    (
        "federatie_wb",
        "FW-10",
        "promotion_sante",
        "Gezondheidsateliers",
        "Ateliers santé",
        "Health workshops",
        "H",
        "sentenced",
        "fr",
        "group",
        2021,
    ),
    (
        "federatie_wb",
        "FW-11",
        "maintien_liens",
        "Videogesprekken met familie",
        "Visioconférences familiales",
        "Video calls with family",
        "H",
        "relatives remand sentenced",
        "fr nl en ar",
        "individual",
        2025,
    ),
    (
        "justitie",
        "JU-01",
        "psychosociale_dienst",
        "Psychosociale dienst",
        "Service psychosocial",
        "Psychosocial service",
        "HS",
        "sentenced internees",
        "nl fr",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-02",
        "erediensten",
        "Katholieke aalmoezenier",
        "Aumônerie catholique",
        "Catholic chaplaincy",
        "HS",
        "remand sentenced",
        "nl fr",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-03",
        "erediensten",
        "Islamconsulent",
        "Conseiller islamique",
        "Islamic counsellor",
        "HS",
        "remand sentenced",
        "nl fr ar",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-04",
        "erediensten",
        "Morele consulent",
        "Conseiller moral laïque",
        "Secular moral counsellor",
        "HS",
        "remand sentenced",
        "nl fr",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-05",
        "erediensten",
        "Protestantse aalmoezenier",
        "Aumônerie protestante",
        "Protestant chaplaincy",
        "H",
        "remand sentenced",
        "nl fr en",
        "individual",
        2022,
    ),
    (
        "justitie",
        "JU-06",
        "penitentiaire_arbeid",
        "Werk in de ateliers (Cellmade)",
        "Travail en atelier (Cellmade)",
        "Workshop labour (Cellmade)",
        "H",
        "sentenced",
        "nl fr",
        "group",
        2022,
    ),
    (
        "justitie",
        "JU-07",
        "penitentiaire_arbeid",
        "Huishoudelijk werk (fatiks)",
        "Travail domestique (servants)",
        "Household work in the prison",
        "HS",
        "sentenced remand",
        "nl fr",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-08",
        "sport_gevangenis",
        "Wandeling en sportzaal",
        "Préau et salle de sport",
        "Yard and gym",
        "HS",
        "remand sentenced",
        "nl fr",
        "group",
        2014,
    ),
    (
        "justitie",
        "JU-09",
        "herstelgerichte_detentie",
        "Herstelconsulent",
        "Consultant en justice réparatrice",
        "Restorative justice adviser",
        "H",
        "sentenced",
        "nl fr",
        "individual",
        2015,
    ),
    (
        "justitie",
        "JU-10",
        "medische_preventie",
        "Medische dienst: preventieve zorg",
        "Service médical : soins préventifs",
        "Medical service: preventive care",
        "HS",
        "remand sentenced women men",
        "nl fr en",
        "individual",
        2014,
    ),
    (
        "justitie",
        "JU-11",
        "medische_preventie",
        "Tandzorg",
        "Soins dentaires",
        "Dental care",
        "H",
        "remand sentenced",
        "nl fr",
        "individual",
        2023,
    ),
    (
        "justitie",
        "JU-12",
        "psychosociale_dienst",
        "Zorgteam voor geïnterneerden",
        "Équipe de soins pour internés",
        "Care team for internees",
        "H",
        "internees",
        "nl fr",
        "individual",
        2024,
    ),
    (
        "justitie",
        "JU-13",
        "penitentiaire_arbeid",
        "Opleiding tot heftruckchauffeur",
        "Formation de cariste",
        "Forklift driver training",
        "H",
        "sentenced",
        "nl fr",
        "group",
        2026,
    ),
]
# Organisations that provide services, with KBO/BCE numbers whose check digits are valid;
# the names describe the kind of organisation and are not those of real ones.
ORGANIZATIONS = [
    (
        "vlaams",
        "VG-ORG-1",
        "Centrum Algemeen Welzijnswerk Brussel-Gevangenissen",
        "vzw",
        "04123456",
        ["VG-01", "VG-02", "VG-06"],
    ),
    (
        "vlaams",
        "VG-ORG-2",
        "Centrum voor Volwassenenonderwijs Brussel-Detentie",
        "openbaar bestuur",
        "02345678",
        ["VG-03", "VG-04", "VG-05"],
    ),
    (
        "cocof",
        "CF-ORG-1",
        "Service d'aide aux justiciables de Bruxelles",
        "asbl",
        "04234567",
        ["CF-01", "CF-02"],
    ),
    (
        "cocof",
        "CF-ORG-2",
        "Réseau bruxellois des assuétudes en prison",
        "asbl",
        "08345678",
        ["CF-11", "CF-12"],
    ),
    (
        "cocom",
        "CC-ORG-1",
        "Centre d'accueil social des prisons bruxelloises / Sociaal onthaal Brusselse gevangenissen",
        "vzw/asbl",
        "05456789",
        ["CC-01", "CC-09"],
    ),
    (
        "federatie_wb",
        "FW-ORG-1",
        "Relais familles-détention",
        "asbl",
        "04567890",
        ["FW-02", "FW-11"],
    ),
    (
        "justitie",
        "JU-ORG-1",
        "Régie du travail pénitentiaire / Regie van de penitentiaire arbeid",
        "service de l'État à gestion séparée",
        "02678901",
        ["JU-06", "JU-07", "JU-13"],
    ),
]

# Weekly rhythms, by whether the service is given individually or in groups.
SCHEDULES = {"individual": "FREQ=WEEKLY;BYDAY=MO,WE,FR", "group": "FREQ=WEEKLY;BYDAY=TU"}
DESCRIPTION = {
    "nl": "{name}: aangeboden door {authority} in {prisons}. Vraag ernaar bij de dienst of via een verwijzing.",
    "fr": "{name} : proposé par {authority} à {prisons}. Renseignez-vous auprès du service ou via une orientation.",
    "en": "{name}: offered by {authority} in {prisons}. Ask the service or be referred.",
}


def _values(row, registry) -> dict:
    authority, ext, category, nl, fr, en, prisons, groups, languages, delivery, _year = row
    names = registry.authorities[authority].names
    where = {
        "H": "Haren",
        "S": "Sint-Gillis / Saint-Gilles",
        "HS": "Haren, Sint-Gillis / Saint-Gilles",
    }
    descriptions = {
        f"description_{lang}": DESCRIPTION[lang].format(
            name=name, authority=names[lang], prisons=where[prisons]
        )
        for lang, name in (("nl", nl), ("fr", fr), ("en", en))
    }
    group = delivery == "group"
    return {
        "external_id": ext,
        "category": category,
        "name_nl": nl,
        "name_fr": fr,
        "name_en": en,
        **descriptions,
        "target_groups": groups.split(),
        "languages": languages.split(),
        "delivery": delivery,
        "setting": "inside",
        "access": "on_request" if group else "both",
        "capacity": 12 if group else None,
        "waiting_list": group,
        "typical_wait_days": 21 if group else None,
        "locations": [
            {"prison": code, "schedule": SCHEDULES[delivery], "places": 12 if group else None}
            for code in PRISONS[prisons]
        ],
    }


def _organizations(session, registry) -> dict[str, int]:
    """Create the demo organisations; the services they provide, by identifier."""
    provided = {}
    for authority, ext, name, form, base, services in ORGANIZATIONS:
        if authority not in registry.authorities:
            continue
        number = f"{base}{97 - int(base) % 97:02d}"
        organization = organizations.save(
            session,
            authority,
            {"external_id": ext, "name": name, "legal_form": form, "kbo_number": number},
        )
        provided |= {service: organization.id for service in services}
    return provided


def seed_demo_inventory(session, registry, parts: DemoParts | None = None) -> int:
    """Create and publish the demo services once; freeze 2025 before the services that
    started in 2026 exist, then 2026. Returns how many services were created. Only the
    enabled authorities' services; ``parts`` notes the others, at every start."""
    _note_left_out(parts or DemoParts.of(registry))
    if session.scalar(select(Service.id).limit(1)) is not None:
        return 0
    demo = system("cli", "concerto demo")
    created = 0
    with acting_as(demo):
        provided = _organizations(session, registry)
        reference = inventory.Reference.load(session)
        for year in (2025, 2026):
            for row in SERVICES:
                if (row[-1] <= 2025) != (year == 2025):
                    continue
                authority = registry.authorities.get(row[0])
                if authority is None:
                    continue
                values = _values(row, registry)
                if row[1] in provided:
                    values["organization_id"] = provided[row[1]]
                service = inventory.create_service(session, authority, values, demo, reference)
                inventory.submit(session, authority, service, demo)
                inventory.approve(session, authority, service, demo)
                created += 1
            if year == 2025:
                inventory.freeze(session, 2025, demo)
                _changes_during_2026(session, registry, demo, reference)
        _confirmed_in_2025(session)
        inventory.freeze(session, 2026, demo)
        _work_in_progress(session, registry, demo, reference)
        _submitted_twice(session, registry, demo, reference)
        _errors_reported(session)
    return created


# Confirmed as still true in 2026 already; the others were last confirmed in November 2025,
# so the yearly request has work to show (issue 23).
CONFIRMED_IN_2026 = {"VG-01", "VG-02", "VG-07", "CF-01", "CF-02", "CC-01", "FW-01", "JU-01"}


def _confirmed_in_2025(session) -> None:
    last_year = datetime(2025, 11, 20, 10, 0, tzinfo=BRUSSELS).astimezone(UTC)
    started = {row[1] for row in SERVICES if row[-1] <= 2025} - CONFIRMED_IN_2026
    for service in session.scalars(select(Service).where(Service.external_id.in_(started))):
        assurance = session.get(ServiceAssurance, service.id)
        if assurance is not None:
            assurance.assured_at = last_year


def _submitted_twice(session, registry, demo, reference) -> None:
    """COCOF submits the bicycle repair training the Flemish Community submitted too: the
    review shows them as likely duplicates (issue 23)."""
    authority = registry.authorities.get("cocof")
    if authority is None or "vlaams" not in registry.authorities:
        return
    twin = _values(
        (
            "cocof",
            "CF-13",
            "formation_professionnelle",
            "Opleiding fietsherstel",
            "Formation en réparation de vélos",
            "Bicycle repair course",
            "H",
            "sentenced",
            "fr nl",
            "group",
            2026,
        ),
        registry,
    )
    service = inventory.create_service(session, authority, twin, demo, reference)
    inventory.submit(session, authority, service, demo)


# Errors readers of the public inventory reported (issue 23): open, and one dealt with.
ERRORS_REPORTED = [
    (
        "VG-09",
        "nl",
        "De fitnesszaal is sinds september op dinsdag gesloten: het uurrooster op deze pagina "
        "klopt niet meer.",
        None,
        None,
    ),
    (
        "CF-08",
        "fr",
        "La formation a lieu le jeudi et non le mardi, et elle est aussi ouverte aux femmes "
        "de l'aile D.",
        "lecteur@example.org",
        None,
    ),
    (
        "CC-02",
        "fr",
        "Le numéro de téléphone indiqué ne répond plus.",
        None,
        "Numéro corrigé. / Nummer aangepast.",
    ),
]


def _errors_reported(session) -> None:
    for external_id, language, text, email, closed in ERRORS_REPORTED:
        service = session.scalar(select(Service).where(Service.external_id == external_id))
        if service is None:
            continue
        found = error_reports.report(
            session, service, {"text": text, "contact_email": email}, ANONYMOUS, language
        )
        if closed:
            error_reports.close(session, found, system("cli", "concerto demo"), closed)


def _note_left_out(parts: DemoParts) -> None:
    skipped = Counter(row[0] for row in SERVICES if not parts.has(row[0]))
    for code, count in sorted(skipped.items()):
        parts.leave_out(f"{count} demo services of {code}, with their organisations", [code])
    if not parts.has("cocom"):
        parts.leave_out("a service closed during 2026", ["cocom"])
    if not parts.has("federatie_wb"):
        parts.leave_out("a service moved to another prison during 2026", ["federatie_wb"])
    if not parts.has("vlaams"):
        parts.leave_out("services in draft, waiting for review and returned", ["vlaams"])
    if not (parts.has("vlaams") and parts.has("cocof")):
        parts.leave_out("a service submitted by two authorities", ["vlaams", "cocof"])


def _changes_during_2026(session, registry, demo, reference) -> None:
    """A service closed and another moved, so the two years differ in every way (each
    when its authority is enabled)."""
    closed = session.scalar(select(Service).where(Service.external_id == "CC-04"))
    if closed is not None:
        closed.active = False
    moved = session.scalar(select(Service).where(Service.external_id == "FW-07"))
    if moved is None:
        return
    authority = registry.authorities["federatie_wb"]
    inventory.update_service(
        session,
        authority,
        moved,
        {"locations": [{"prison": "haren", "schedule": "FREQ=WEEKLY;BYDAY=TH", "places": 10}]},
        moved.version,
        demo,
        reference,
    )
    inventory.submit(session, authority, moved, demo)
    inventory.approve(session, authority, moved, demo)


def _work_in_progress(session, registry, demo, reference) -> None:
    """A draft, a submitted and a returned service, so the review queue and the
    coordinator's lists have something to show in each state."""
    authority = registry.authorities.get("vlaams")
    if authority is None:
        return
    draft = _values(
        (
            "vlaams",
            "VG-20",
            "sport",
            "Yoga voor vrouwen",
            "Yoga pour femmes",
            "Yoga for women",
            "H",
            "women",
            "nl fr",
            "group",
            2026,
        ),
        registry,
    )
    inventory.create_service(session, authority, draft, demo, reference)
    waiting = _values(
        (
            "vlaams",
            "VG-21",
            "beroepsopleiding",
            "Opleiding fietshersteller",
            "Formation de réparateur de vélos",
            "Bicycle repair training",
            "H",
            "sentenced",
            "nl fr",
            "group",
            2026,
        ),
        registry,
    )
    service = inventory.create_service(session, authority, waiting, demo, reference)
    inventory.submit(session, authority, service, demo)
    returned = _values(
        (
            "vlaams",
            "VG-22",
            "cultuur_bibliotheek",
            "Voorleesuurtje met kinderen",
            "Heure du conte avec les enfants",
            "Story hour with children",
            "S",
            "sentenced",
            "nl",
            "group",
            2026,
        ),
        registry,
    )
    service = inventory.create_service(session, authority, returned, demo, reference)
    inventory.submit(session, authority, service, demo)
    inventory.return_to_author(
        session,
        authority,
        service,
        demo,
        "Welke afdeling? Vermeld ook of de kinderen mee mogen naar de bibliotheek. / "
        "Quelle section ? Précisez aussi si les enfants peuvent venir à la bibliothèque.",
    )


# Needs the committee has heard of, and where the answer stands.
NEEDS = [
    (
        "sint_gillis",
        "creative_sociocultural",
        None,
        "nl",
        "Geen creatief aanbod meer in Sint-Gillis sinds het schrijfatelier naar Haren verhuisde.",
        "Plus d'offre créative à Saint-Gilles depuis que l'atelier d'écriture a déménagé à Haren.",
        "open",
        [],
    ),
    (
        "haren",
        "education_training",
        "women",
        "fr",
        "Vrouwen vragen lessen Frans als vreemde taal in hun afdeling.",
        "Les femmes demandent des cours de français langue étrangère dans leur section.",
        "being_addressed",
        [],
    ),
    (
        "haren",
        "drugs",
        "remand",
        "ar",
        "Drughulp in het Arabisch voor beklaagden.",
        "Aide en matière de drogues en arabe pour les prévenus.",
        "answered",
        ["CC-07"],
    ),
    (
        "haren",
        "labour_market",
        "internees",
        None,
        "Geen opleiding aangepast aan geïnterneerden.",
        "Aucune formation adaptée aux personnes internées.",
        "open",
        [],
    ),
]


def seed_demo_needs(session, parts: DemoParts | None = None) -> None:
    # The committee's secretariat signals them, and it sits with COCOM.
    if parts is not None and not parts.has("cocom"):
        parts.leave_out(f"{len(NEEDS)} needs signalled by the committee's secretariat", ["cocom"])
        return
    if session.scalar(select(Need.id).limit(1)) is not None:
        return
    secretary = system("cli", "concerto demo")
    with acting_as(secretary):
        for prison, domain, group, language, nl, fr, status, answers in NEEDS:
            services = session.scalars(select(Service).where(Service.external_id.in_(answers)))
            session.add(
                Need(
                    prison_code=prison,
                    domain_code=domain,
                    target_group=group,
                    language=language,
                    description_nl=nl,
                    description_fr=fr,
                    status=status,
                    authority_code="cocom",
                    signalled_by="Secretariaat Overlegcomité",
                    services=list(services),
                )
            )
        session.flush()
