"""A plugin whose authority lacks its French name."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def register_authorities():
    return [
        {"code": "malformed", "names": {"nl": "Kapot", "en": "Broken"}, "default_language": "nl"}
    ]
