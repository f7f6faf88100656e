"""The French Community Commission (COCOF, Action sociale) in Concerto, with the
coordination of the "services spécifiques": its roles, its words for services, its report."""

from concerto_cocof import reports
from concerto_cocof.words import _l, domain
from core.hookspecs import hookimpl
from core.plugin_kit import (
    about_hooks,
    identity_hooks,
    package_hooks,
)

CONCERTO_PLUGIN_API = "1.0"
CODE = "cocof"

template_dirs, translation_dirs, migration_dir = package_hooks(__file__)

ABOUT = _l(
    "This page describes how the French Community Commission takes part in Concerto: its Social Action administration accredits and funds the specific services working in the Brussels prisons, and its coordinator brings them together."
)


@hookimpl
def register_authorities():
    return [
        {
            "code": "cocof",
            "names": {
                "nl": "Franse Gemeenschapscommissie (COCOF)",
                "fr": "Commission communautaire française (COCOF)",
                "en": "French Community Commission (COCOF)",
            },
            "short_names": {"nl": "COCOF", "fr": "COCOF", "en": "COCOF"},
            "default_language": "fr",
            "languages": ["fr"],
            "website": "https://www.ccf.brussels/",
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "coordinatrice_services_specifiques",
            "titles": {"fr": "Coordinatrice des services spécifiques"},
            "platform_role": "coordinator",
        },
        {
            "code": "conseiller_action_sociale",
            "titles": {"fr": "Conseiller Action sociale"},
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
            "code": "aide_sociale_justiciables",
            "labels": {
                "nl": "Sociale hulp aan justitiabelen",
                "fr": "Aide sociale aux justiciables",
                "en": "Social help for justice clients",
            },
            "domain": "social_psychological",
        },
        {
            "code": "sante_mentale",
            "labels": {
                "nl": "Ambulante geestelijke gezondheidszorg",
                "fr": "Santé mentale ambulatoire",
                "en": "Outpatient mental health care",
            },
            "domain": "social_psychological",
        },
        {
            "code": "cohesion_sociale",
            "labels": {"nl": "Sociale cohesie", "fr": "Cohésion sociale", "en": "Social cohesion"},
            "domain": "social_skills",
        },
        {
            "code": "insertion_socioprofessionnelle",
            "labels": {
                "nl": "Socioprofessionele inschakeling",
                "fr": "Insertion socioprofessionnelle",
                "en": "Socio-professional integration",
            },
            "domain": "labour_market",
        },
        {
            "code": "formation_professionnelle",
            "labels": {
                "nl": "Beroepsopleiding",
                "fr": "Formation professionnelle",
                "en": "Vocational training",
            },
            "domain": "labour_market",
        },
        {
            "code": "mediation",
            "labels": {"nl": "Bemiddeling", "fr": "Médiation", "en": "Mediation"},
            "domain": "restorative",
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
        {
            "code": "assuetudes",
            "labels": {"nl": "Verslavingszorg", "fr": "Assuétudes", "en": "Addiction care"},
            "domain": "drugs",
        },
    ]


@hookimpl
def service_fields(authority):
    return [
        {
            "name": "accreditation_number",
            "type": "text",
            "labels": {
                "fr": "Numéro d'agrément COCOF",
                "nl": "Erkenningsnummer COCOF",
                "en": "COCOF accreditation number",
            },
        }
    ]


# Fictional staff for the development provider, one per role.
DEMO_PEOPLE = [
    ("camille", "Camille Dubois", "coordinatrice_services_specifiques", "fr"),
    ("julien", "Julien Lambert", "conseiller_action_sociale", "fr"),
    ("manon", "Manon Leroy", "collaborateur", "fr"),
]


# The provider lists the person's roles in the claim "groups", each as "cocof:<role>".
oidc_defaults, map_claims = identity_hooks(CODE, DEMO_PEOPLE, "groups", "cocof:")


blueprints, nav_items = about_hooks(
    CODE, domain, ABOUT, {"nl": "COCOF", "fr": "COCOF", "en": "COCOF"}
)


@hookimpl
def report_formats(authority):
    return reports.REPORTS
