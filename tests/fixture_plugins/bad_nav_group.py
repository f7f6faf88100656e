"""A plugin whose menu link names a group the menu does not have."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def nav_items():
    return [{"endpoint": "site.home", "labels": {"nl": "X", "fr": "X", "en": "X"}, "group": "misc"}]
