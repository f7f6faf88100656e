"""Federal Justice (FOD Justitie / SPF Justice, DG EPI) in Concerto: prison directors and
regional directorates, their words for services, statistics per prison in Dutch and French."""

from pathlib import Path

from concerto_justitie import reports
from concerto_justitie.words import _l, domain
from core.hookspecs import hookimpl
from core.plugin_kit import (
    about_hooks,
    identity_hooks,
    package_hooks,
)

CONCERTO_PLUGIN_API = "1.2"  # 1.2: shipped_data
CODE = "justitie"
DATA = Path(__file__).parent / "data"

template_dirs, translation_dirs, migration_dir = package_hooks(__file__)

ABOUT = _l(
    "This page describes how federal Justice takes part in Concerto: the prison directors join the consultation committee every quarter, and the Directorate-General of Penitentiary Institutions keeps the figures on capacity and population of each prison."
)


@hookimpl
def register_authorities():
    return [
        {
            "code": "justitie",
            "names": {
                "nl": "FOD Justitie – Directoraat-generaal Penitentiaire Inrichtingen",
                "fr": "SPF Justice – Direction générale des Établissements pénitentiaires",
                "en": "FPS Justice – Directorate-General of Penitentiary Institutions",
            },
            "short_names": {"nl": "FOD Justitie", "fr": "SPF Justice", "en": "FPS Justice"},
            "default_language": "fr",
            "languages": ["nl", "fr"],
            "website": "https://justice.belgium.be/",
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "beleidsmedewerker",
            "titles": {"nl": "Beleidsmedewerker DG EPI", "fr": "Attaché DG EPI"},
            "platform_role": "coordinator",
        },
        {
            "code": "gevangenisdirecteur",
            "titles": {"nl": "Gevangenisdirecteur", "fr": "Directeur de prison"},
            "platform_role": "member",
        },
        {
            "code": "regionale_directie",
            "titles": {"nl": "Regionale directie", "fr": "Direction régionale"},
            "platform_role": "member",
        },
        {
            "code": "psychosociale_dienst",
            "titles": {"nl": "Psychosociale dienst", "fr": "Service psychosocial"},
            "platform_role": "viewer",
        },
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "psychosociale_dienst",
            "labels": {
                "nl": "Psychosociale dienst (PSD)",
                "fr": "Service psychosocial (SPS)",
                "en": "Psychosocial service (PSD/SPS)",
            },
            "domain": "social_psychological",
        },
        {
            "code": "erediensten",
            "labels": {
                "nl": "Erediensten en morele consulenten",
                "fr": "Cultes et conseillers moraux",
                "en": "Worship and moral counsellors",
            },
            "domain": "social_psychological",
        },
        {
            "code": "penitentiaire_arbeid",
            "labels": {
                "nl": "Penitentiaire arbeid",
                "fr": "Travail pénitentiaire",
                "en": "Prison work",
            },
            "domain": "labour_market",
        },
        {
            "code": "sport_gevangenis",
            "labels": {
                "nl": "Sport in de gevangenis",
                "fr": "Sport en prison",
                "en": "Sport in prison",
            },
            "domain": "sport",
        },
        {
            "code": "herstelgerichte_detentie",
            "labels": {
                "nl": "Herstelgerichte detentie",
                "fr": "Justice restauratrice en détention",
                "en": "Restorative detention",
            },
            "domain": "restorative",
        },
        {
            "code": "medische_preventie",
            "labels": {
                "nl": "Medische dienst – preventie",
                "fr": "Service médical – prévention",
                "en": "Medical service – prevention",
            },
            "domain": "health_prevention",
        },
    ]


@hookimpl
def service_fields(authority):
    return [
        {
            "name": "wing_access",
            "type": "choice",
            "choices": [
                {
                    "code": "all_wings",
                    "labels": {
                        "nl": "Alle vleugels",
                        "fr": "Toutes les ailes",
                        "en": "All wings",
                    },
                },
                {
                    "code": "some_wings",
                    "labels": {
                        "nl": "Sommige vleugels",
                        "fr": "Certaines ailes",
                        "en": "Some wings",
                    },
                },
                {
                    "code": "on_referral",
                    "labels": {
                        "nl": "Na doorverwijzing",
                        "fr": "Sur orientation",
                        "en": "On referral",
                    },
                },
            ],
            "labels": {
                "nl": "Toegang tot de vleugels",
                "fr": "Accès aux ailes",
                "en": "Access to the wings",
            },
        }
    ]


# Fictional staff for the development provider, one per role.
DEMO_PEOPLE = [
    ("pieter", "Pieter De Smet", "beleidsmedewerker", "nl"),
    ("nathalie", "Nathalie Gérard", "gevangenisdirecteur", "fr"),
    ("koen", "Koen Willems", "regionale_directie", "nl"),
    ("ines", "Inès Moreau", "psychosociale_dienst", "fr"),
]


# The provider lists the person's roles in the claim "groups", each as "justice/<role>".
oidc_defaults, map_claims = identity_hooks(CODE, DEMO_PEOPLE, "groups", "justice/")


@hookimpl(optionalhook=True)
def shipped_data(authority):
    # The rooms of the Brussels prisons that services may book (goal 6.3).
    return [{"kind": "rooms", "path": DATA / "rooms.csv"}]


blueprints, nav_items = about_hooks(
    CODE, domain, ABOUT, {"nl": "Justitie", "fr": "Justice", "en": "Justice"}
)


@hookimpl
def report_formats(authority):
    return reports.REPORTS
