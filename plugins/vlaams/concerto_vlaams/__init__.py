"""The Flemish Community (with the VGC) in Concerto: its policy coordinator for the
Brussels prisons, its words for services, its annual report in Dutch, and the placement
sites for community service that organisations apply to become."""

from pathlib import Path

from concerto_vlaams import reports
from concerto_vlaams.placement_views import placement_blueprint
from concerto_vlaams.words import _l, domain
from core.hookspecs import hookimpl
from core.plugin_kit import (
    about_blueprint,
    identity_hooks,
    package_hooks,
)

CONCERTO_PLUGIN_API = "1.2"  # 1.2: shipped_data
CODE = "vlaams"
DATA = Path(__file__).parent / "data"
# The provinces' own names, in role titles (the placement pages translate them).
PROVINCE_NAMES = {
    "antwerpen": "Antwerpen",
    "limburg": "Limburg",
    "oost_vlaanderen": "Oost-Vlaanderen",
    "vlaams_brabant": "Vlaams-Brabant",
    "west_vlaanderen": "West-Vlaanderen",
    "brussel": "Brussel",
}

template_dirs, translation_dirs, migration_dir = package_hooks(__file__)

ABOUT = _l(
    "This page describes how the Flemish Community takes part in Concerto: its policy coordinator for the Brussels prisons follows the Flemish offer of welfare, education, culture, sport and work in the prisons, and reports on it every year."
)


@hookimpl
def register_authorities():
    return [
        {
            "code": "vlaams",
            "names": {
                "nl": "Vlaamse Gemeenschap",
                "fr": "Communauté flamande",
                "en": "Flemish Community",
            },
            "short_names": {"nl": "Vlaanderen", "fr": "Flandre", "en": "Flanders"},
            "default_language": "nl",
            "languages": ["nl"],
            "website": "https://www.vlaanderen.be/",
        }
    ]


@hookimpl(optionalhook=True)
def shipped_data(authority):
    # What seed 002 names as the Flemish Community's own: the Gemengde Commissie, its working
    # groups and the local policy and coordination teams in each Brussels prison.
    # Its strategic plan 2015-2020, in Dutch as it was written: options, goals and steps.
    return [
        {"kind": "plan", "path": DATA / "plan_2015_2020.csv"},
        # The local action plans of the local policy teams (seed 002, goal 10), one a prison.
        {"kind": "plan", "path": DATA / "local_plan_haren.csv"},
        {"kind": "plan", "path": DATA / "local_plan_sint_gillis.csv"},
        {"kind": "bodies", "path": DATA / "bodies.toml"},
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "beleidscoordinator",
            "titles": {"nl": "Beleidscoördinator Vlaamse Gemeenschap Brusselse gevangenissen"},
            "platform_role": "coordinator",
        },
        {
            "code": "gevangeniscoordinator",
            "titles": {"nl": "Coördinator hulp- en dienstverlening gevangenis"},
            "platform_role": "coordinator",
        },
        {
            "code": "vertegenwoordiger",
            "titles": {"nl": "Vertegenwoordiger in het Overlegcomité"},
            "platform_role": "member",
        },
        {
            "code": "medewerker",
            "titles": {"nl": "Medewerker Departement Welzijn"},
            "platform_role": "viewer",
        },
        # Seed 000: each province's network manager reviews the placement sites in it, and
        # nothing else: a reader of the platform (not a coordinator, who edits the Flemish
        # services, figures and plan actions) granted the review of their own province.
        *(
            {
                "code": f"netwerkbeheerder_{province}",
                "titles": {
                    "nl": f"Netwerkbeheerder werkstraffen, {name}",
                    "fr": f"Gestionnaire de réseau des peines de travail, {name}",
                    "en": f"Community service network manager, {name}",
                },
                "platform_role": "viewer",
                "grants": [{"action": "placement_sites.review", "scope": province}],
            }
            for province, name in PROVINCE_NAMES.items()
        ),
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "psychosociale_hulp",
            "labels": {
                "nl": "Psychosociale hulpverlening (CAW)",
                "fr": "Aide psychosociale (CAW)",
                "en": "Psychosocial help (CAW)",
            },
            "domain": "social_psychological",
        },
        {
            "code": "onderwijs",
            "labels": {
                "nl": "Onderwijs (CVO)",
                "fr": "Enseignement (CVO)",
                "en": "Education (CVO)",
            },
            "domain": "education_training",
        },
        {
            "code": "vorming_sociale_vaardigheden",
            "labels": {
                "nl": "Vorming sociale vaardigheden",
                "fr": "Formation aux compétences sociales",
                "en": "Social skills training",
            },
            "domain": "social_skills",
        },
        {
            "code": "cultuur_bibliotheek",
            "labels": {
                "nl": "Cultuur en bibliotheek",
                "fr": "Culture et bibliothèque",
                "en": "Culture and library",
            },
            "domain": "creative_sociocultural",
        },
        {
            "code": "sport",
            "labels": {"nl": "Sport", "fr": "Sport", "en": "Sport"},
            "domain": "sport",
        },
        {
            "code": "prestatieplaats",
            "labels": {
                "nl": "Prestatieplaats voor werkstraffen",
                "fr": "Lieu de prestation pour peines de travail",
                "en": "Placement site for community service",
            },
            "domain": "labour_market",
        },
        {
            "code": "beroepsopleiding",
            "labels": {
                "nl": "Beroepsopleiding en trajectbegeleiding (VDAB)",
                "fr": "Formation professionnelle et accompagnement de parcours (VDAB)",
                "en": "Vocational training and pathway guidance (VDAB)",
            },
            "domain": "labour_market",
        },
        {
            "code": "herstelgericht_werken",
            "labels": {
                "nl": "Herstelgericht werken en bemiddeling (Moderator)",
                "fr": "Approche restauratrice et médiation (Moderator)",
                "en": "Restorative work and mediation (Moderator)",
            },
            "domain": "restorative",
        },
        {
            "code": "gezondheidspromotie",
            "labels": {
                "nl": "Gezondheidspromotie",
                "fr": "Promotion de la santé",
                "en": "Health promotion",
            },
            "domain": "health_prevention",
        },
        {
            "code": "drughulpverlening",
            "labels": {
                "nl": "Drughulpverlening (CGG, MSOC)",
                "fr": "Aide en matière de drogues (CGG, MSOC)",
                "en": "Help with drugs (CGG, MSOC)",
            },
            "domain": "drugs",
        },
    ]


@hookimpl
def service_fields(authority):
    return [
        {
            "name": "part_of_trajectory",
            "type": "boolean",
            "labels": {
                "nl": "Maakt deel uit van een trajectbegeleiding",
                "fr": "Fait partie d'un trajet d'accompagnement",
                "en": "Part of a guided trajectory",
            },
        }
    ]


# Fictional staff for the development provider, one per role.
DEMO_PEOPLE = [
    ("lotte", "Lotte Peeters", "beleidscoordinator", "nl"),
    ("jonas", "Jonas Maes", "gevangeniscoordinator", "nl"),
    ("sofie", "Sofie Claes", "vertegenwoordiger", "nl"),
    ("bram", "Bram Wouters", "medewerker", "nl"),
    ("nadia", "Nadia Vermeulen", "netwerkbeheerder_brussel", "nl"),
    ("koen", "Koen De Smet", "netwerkbeheerder_antwerpen", "nl"),
]


# The provider lists the person's roles in the claim "roles".
oidc_defaults, map_claims = identity_hooks(CODE, DEMO_PEOPLE, "roles", "")


@hookimpl
def blueprints():
    return [about_blueprint(CODE, domain, ABOUT), placement_blueprint(domain)]


@hookimpl
def nav_items():
    return [
        {
            "endpoint": "vlaams_plugin.about",
            "labels": {
                "nl": "Vlaamse Gemeenschap",
                "fr": "Communauté flamande",
                "en": "Flemish Community",
            },
        },
        {
            # the applications, for those who read them: the Flemish coordinators and the
            # network managers (a grant of their role)
            "endpoint": "vlaams_placements.listing",
            "labels": {
                "nl": "Aanvragen prestatieplaatsen",
                "fr": "Demandes de lieux de prestation",
                "en": "Placement site applications",
            },
            "when": ["inventory.edit", "vlaams:placement_sites.review"],
        },
        {
            "endpoint": "vlaams_placements.apply",
            "labels": {
                "nl": "Prestatieplaats worden",
                "fr": "Devenir lieu de prestation",
                "en": "Become a placement site",
            },
        },
    ]


@hookimpl
def report_formats(authority):
    return reports.REPORTS
