"""A plugin whose event handler always fails (tests/test_changes_cursor.py): the others must
still hear of every event."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"
CALLS: list = []


@hookimpl(optionalhook=True)
def concerto_event(event):
    CALLS.append(event.id)
    raise RuntimeError("the Region's system is down")
