"""A plugin that claims an authority code another plugin already registered."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def register_authorities():
    return [
        {
            "code": "vlaams",
            "names": {"nl": "Nogmaals", "fr": "Encore", "en": "Again"},
            "default_language": "nl",
        }
    ]
