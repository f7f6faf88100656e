"""A plugin implementing a hook the contract does not have (caught by check_pending)."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"


@hookimpl
def register_authoritys():
    return []
