"""The French Community (Fédération Wallonie-Bruxelles, Service Aide aux Détenus) in
Concerto: its local socio-cultural coordinator, its words for services, its reports in French."""

from concerto_federatie_wb import reports
from concerto_federatie_wb.words import _l, domain
from core.hookspecs import hookimpl
from core.plugin_kit import (
    about_hooks,
    identity_hooks,
    package_hooks,
)

CONCERTO_PLUGIN_API = "1.0"
CODE = "federatie_wb"

template_dirs, translation_dirs, migration_dir = package_hooks(__file__)

ABOUT = _l(
    "This page describes how the French Community takes part in Concerto: its local socio-cultural coordinator organises the socio-cultural activities in the prisons and the Service for aid to detainees helps people during and after detention."
)


@hookimpl
def register_authorities():
    return [
        {
            "code": "federatie_wb",
            "names": {
                "nl": "Federatie Wallonië-Brussel",
                "fr": "Fédération Wallonie-Bruxelles",
                "en": "Wallonia-Brussels Federation",
            },
            "short_names": {"nl": "FWB", "fr": "FWB", "en": "FWB"},
            "default_language": "fr",
            "languages": ["fr"],
            "website": "https://www.federation-wallonie-bruxelles.be/",
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "coordinateur_local",
            "titles": {"fr": "Coordinateur local socio-culturel"},
            "platform_role": "coordinator",
        },
        {
            "code": "agent_sad",
            "titles": {"fr": "Agent du Service d’aide aux détenus"},
            "platform_role": "coordinator",
        },
        {
            "code": "representant_comite",
            "titles": {"fr": "Représentant au Comité de concertation"},
            "platform_role": "member",
        },
        {
            "code": "collaborateur",
            "titles": {"fr": "Collaborateur de l’administration"},
            "platform_role": "viewer",
        },
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "aide_psychosociale",
            "labels": {
                "nl": "Psychosociale hulp (Dienst voor hulp aan gedetineerden)",
                "fr": "Aide psychosociale (Service d’aide aux détenus)",
                "en": "Psychosocial help (prisoners' aid service)",
            },
            "domain": "social_psychological",
        },
        {
            "code": "maintien_liens",
            "labels": {
                "nl": "Behoud van de band met naasten",
                "fr": "Maintien des liens avec les proches",
                "en": "Keeping ties with relatives",
            },
            "domain": "social_psychological",
        },
        {
            "code": "enseignement",
            "labels": {
                "nl": "Onderwijs voor sociale promotie",
                "fr": "Enseignement de promotion sociale",
                "en": "Adult education for social advancement",
            },
            "domain": "education_training",
        },
        {
            "code": "education_permanente",
            "labels": {
                "nl": "Permanente vorming",
                "fr": "Éducation permanente",
                "en": "Lifelong education",
            },
            "domain": "social_skills",
        },
        {
            "code": "activites_socioculturelles",
            "labels": {
                "nl": "Socioculturele activiteiten",
                "fr": "Activités socioculturelles",
                "en": "Socio-cultural activities",
            },
            "domain": "creative_sociocultural",
        },
        {
            "code": "activites_sportives",
            "labels": {
                "nl": "Sportactiviteiten",
                "fr": "Activités sportives",
                "en": "Sports activities",
            },
            "domain": "sport",
        },
        {
            "code": "promotion_sante",
            "labels": {
                "nl": "Gezondheidspromotie",
                "fr": "Promotion de la santé",
                "en": "Health promotion",
            },
            "domain": "health_prevention",
        },
    ]


@hookimpl
def service_fields(authority):
    return [
        {
            "name": "recognised_sad",
            "type": "boolean",
            "labels": {
                "fr": "Service agréé d’aide aux détenus",
                "nl": "Erkende dienst voor hulp aan gedetineerden",
                "en": "Recognised detainee aid service",
            },
        }
    ]


# Fictional staff for the development provider, one per role.
DEMO_PEOPLE = [
    ("sarah", "Sarah Martin", "coordinateur_local", "fr"),
    ("thomas", "Thomas Renard", "agent_sad", "fr"),
    ("lea", "Léa Simon", "representant_comite", "fr"),
    ("hugo", "Hugo Lefèvre", "collaborateur", "fr"),
]


# The provider lists the person's roles in the claim "fwb_roles".
oidc_defaults, map_claims = identity_hooks(CODE, DEMO_PEOPLE, "fwb_roles", "")


blueprints, nav_items = about_hooks(
    CODE,
    domain,
    ABOUT,
    {
        "nl": "Federatie Wallonië-Brussel",
        "fr": "Fédération Wallonie-Bruxelles",
        "en": "Wallonia-Brussels Federation",
    },
)


@hookimpl
def report_formats(authority):
    return reports.REPORTS
