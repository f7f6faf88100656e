"""The Common Community Commission (GGC/COCOM) in Concerto: the bilingual coordination of
justice welfare work, its roles in Dutch and French, its words for services."""

from concerto_cocom import reports
from concerto_cocom.words import _l, domain
from core.hookspecs import hookimpl
from core.plugin_kit import (
    about_hooks,
    identity_hooks,
    package_hooks,
)

CONCERTO_PLUGIN_API = "1.0"
CODE = "cocom"

template_dirs, translation_dirs, migration_dir = package_hooks(__file__)

ABOUT = _l(
    "This page describes how the Common Community Commission takes part in Concerto: its bilingual coordinator of justice welfare work prepares the consultation committee, keeps the harmonised inventory and follows the strategic plan."
)


@hookimpl
def register_authorities():
    return [
        {
            "code": "cocom",
            "names": {
                "nl": "Gemeenschappelijke Gemeenschapscommissie (GGC)",
                "fr": "Commission communautaire commune (COCOM)",
                "en": "Common Community Commission (GGC/COCOM)",
            },
            "short_names": {"nl": "GGC", "fr": "COCOM", "en": "GGC/COCOM"},
            "default_language": "nl",
            "languages": ["nl", "fr"],
            "website": "https://www.ccc-ggc.brussels/",
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "coordinator_jww",
            "titles": {
                "nl": "Coördinator Justitieel Welzijnswerk",
                "fr": "Coordinatrice Aide aux justiciables",
            },
            "platform_role": "coordinator",
        },
        {
            "code": "administratie",
            "titles": {
                "nl": "Medewerker administratie GGC",
                "fr": "Collaborateur administration COCOM",
            },
            "platform_role": "member",
        },
        {
            "code": "kabinet",
            "titles": {"nl": "Raadgever kabinet", "fr": "Conseiller de cabinet"},
            "platform_role": "viewer",
        },
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "onthaal_sociale_hulp",
            "labels": {
                "nl": "Onthaal en sociale hulp",
                "fr": "Accueil et aide sociale",
                "en": "Reception and social help",
            },
            "domain": "social_psychological",
        },
        {
            "code": "steun_naasten",
            "labels": {
                "nl": "Ondersteuning van naasten",
                "fr": "Soutien aux proches",
                "en": "Support for relatives",
            },
            "domain": "social_psychological",
        },
        {
            "code": "taallessen",
            "labels": {"nl": "Taallessen", "fr": "Cours de langues", "en": "Language classes"},
            "domain": "education_training",
        },
        {
            "code": "herstelbemiddeling",
            "labels": {
                "nl": "Herstelbemiddeling",
                "fr": "Médiation réparatrice",
                "en": "Restorative mediation",
            },
            "domain": "restorative",
        },
        {
            "code": "gezondheidspreventie",
            "labels": {
                "nl": "Gezondheidspreventie",
                "fr": "Prévention santé",
                "en": "Health prevention",
            },
            "domain": "health_prevention",
        },
        {
            "code": "drughulp",
            "labels": {
                "nl": "Drughulp",
                "fr": "Aide en matière de drogues",
                "en": "Help with drugs",
            },
            "domain": "drugs",
        },
    ]


@hookimpl
def service_fields(authority):
    return []


# Fictional staff for the development provider, one per role.
DEMO_PEOPLE = [
    ("an", "An Janssens", "coordinator_jww", "nl"),
    ("marc", "Marc Dupont", "administratie", "fr"),
    ("eva", "Eva Mertens", "kabinet", "nl"),
]


# The provider lists the person's roles in the claim "roles".
oidc_defaults, map_claims = identity_hooks(CODE, DEMO_PEOPLE, "roles", "")


blueprints, nav_items = about_hooks(
    CODE, domain, ABOUT, {"nl": "GGC", "fr": "COCOM", "en": "GGC/COCOM"}
)


@hookimpl
def report_formats(authority):
    return reports.REPORTS
