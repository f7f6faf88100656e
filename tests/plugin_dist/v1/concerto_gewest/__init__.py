"""The Brussels-Capital Region as a sixth authority: a distribution of its own, installed
beside the five without changing the core. The test suite builds it as a wheel at version 1
and at version 2 (``tests/test_plugin_lifecycle.py``); ``docs/plugins.md`` walks through it.

Its own data is a table of employment projects in the prisons (``gewest_projects``), shown on
``/gewest/projects``."""

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugin_kit import claim_roles, demo_users

CONCERTO_PLUGIN_API = "1.0"
CODE = "gewest"
HERE = Path(__file__).parent


@hookimpl
def register_authorities():
    return [
        {
            "code": CODE,
            "names": {
                "nl": "Brussels Hoofdstedelijk Gewest",
                "fr": "Région de Bruxelles-Capitale",
                "en": "Brussels-Capital Region",
            },
            "short_names": {"nl": "Gewest", "fr": "Région", "en": "Region"},
            "default_language": "fr",
            "languages": ["fr", "nl"],
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "adviseur",
            "titles": {"nl": "Adviseur tewerkstelling", "fr": "Conseiller emploi"},
            "platform_role": "coordinator",
        },
        {
            "code": "medewerker",
            "titles": {"nl": "Medewerker", "fr": "Collaborateur"},
            "platform_role": "viewer",
        },
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "tewerkstelling",
            "labels": {"nl": "Tewerkstelling", "fr": "Mise à l'emploi"},
            "domain": "labour_market",
        },
        {
            "code": "opleiding",
            "labels": {"nl": "Beroepsopleiding", "fr": "Formation professionnelle"},
            "domain": "education_training",
        },
    ]


# Fictional staff for the development provider.
DEMO_PEOPLE = [
    ("amina", "Amina Benali", "adviseur", "fr"),
    ("tom", "Tom Janssens", "medewerker", "nl"),
]


@hookimpl
def oidc_defaults(authority):
    return {
        "scopes": ["openid", "profile", "email", "roles"],
        "demo_users": demo_users(CODE, DEMO_PEOPLE, "roles"),
    }


@hookimpl
def map_claims(authority):
    return claim_roles("roles")


@hookimpl
def template_dirs():
    return [HERE / "templates"]


@hookimpl
def migration_dir():
    return HERE / "migrations"


@hookimpl
def blueprints():
    from concerto_gewest.projects import blueprint

    return [blueprint]


@hookimpl
def nav_items():
    return [
        {
            "endpoint": "gewest_projects.listing",
            "labels": {
                "nl": "Projecten van het Gewest",
                "fr": "Projets de la Région",
                "en": "Projects of the Region",
            },
        }
    ]


@hookimpl
def report_formats(authority):
    from concerto_gewest.projects import REPORTS

    return REPORTS


# What the Region's own systems heard of the platform (a stand-in: its real plugin would pass
# the event to its employment administration). Its tests read it.
HEARD: list[tuple[str, str, int]] = []


@hookimpl(optionalhook=True)
def concerto_event(event):
    """The Region follows its own services and every withdrawal from the public inventory."""
    if event.authority == CODE or event.kind == "service.withdrawn":
        HEARD.append((event.kind, event.record_kind, event.record_id))
