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


def _services_per_domain(session, year, language):
    from collections import Counter

    from core.reports import data, writers

    counts = Counter(s.domain_code for s in data.services_of(session, "gewest", year))
    names = data.domains(session, language)
    return writers.csv_table([["domain", "services"], *([names[d], n] for d, n in counts.items())])


@hookimpl
def report_formats(authority):
    return [
        {
            "code": "overzicht",
            "labels": {"nl": "Overzicht", "fr": "Aperçu"},
            "extension": "csv",
            "media_type": "text/csv",
            "languages": ["fr", "nl"],
            "render": _services_per_domain,
        }
    ]
