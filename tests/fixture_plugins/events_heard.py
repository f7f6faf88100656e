"""A plugin that hears of every event (tests/test_changes_cursor.py)."""

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.1"
HEARD: list = []


@hookimpl
def concerto_event(event):
    HEARD.append(event)
