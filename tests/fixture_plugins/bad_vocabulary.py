"""A plugin mapping a category onto a domain that does not exist."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def register_authorities():
    return [
        {
            "code": "vocab",
            "names": {"nl": "Woorden", "fr": "Mots", "en": "Words"},
            "default_language": "fr",
            "languages": ["fr"],
        }
    ]


@hookimpl
def service_vocabulary(authority):
    return [{"code": "astrologie", "labels": {"fr": "Astrologie"}, "domain": "astrology"}]
