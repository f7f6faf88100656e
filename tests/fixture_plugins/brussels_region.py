"""A sixth authority, added as a plugin without changing the core."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def register_authorities():
    return [
        {
            "code": "gewest",
            "names": {
                "nl": "Brussels Hoofdstedelijk Gewest",
                "fr": "Région de Bruxelles-Capitale",
                "en": "Brussels-Capital Region",
            },
            "default_language": "fr",
            "languages": ["nl", "fr"],
        }
    ]


@hookimpl
def coordinator_roles(authority):
    return [
        {
            "code": "adviseur",
            "titles": {"nl": "Adviseur", "fr": "Conseiller"},
            "platform_role": "viewer",
        }
    ]


@hookimpl
def service_vocabulary(authority):
    return [
        {
            "code": "werk",
            "labels": {"nl": "Tewerkstelling", "fr": "Emploi"},
            "domain": "labour_market",
        }
    ]
