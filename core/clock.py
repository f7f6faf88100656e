"""The platform's one clock and the Brussels wall clock every feature reads it by.

Records store aware UTC moments (``utcnow``); people meet, book and register by Brussels
local time, and a page's "today" or "this year" is Brussels' even on a server set to UTC.
Every feature asks here rather than keeping its own ``ZoneInfo``, so that a test or a demo
that moves the clock moves it everywhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

# A wall-clock time as the forms and the API take it: 24-hour "HH:MM".
WALL_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def utcnow() -> datetime:
    """Now, as an aware UTC moment: what every record stores."""
    return datetime.now(UTC)


def in_brussels(moment: datetime) -> datetime:
    """``moment`` on the Brussels wall clock."""
    return moment.astimezone(BRUSSELS)


def local_time(day: date, clock: str) -> datetime:
    """A Brussels wall-clock time ("HH:MM") on ``day`` as an aware UTC datetime."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BRUSSELS).astimezone(UTC)


def today() -> date:
    """The date in Brussels now."""
    return in_brussels(utcnow()).date()


def this_year() -> int:
    """The calendar year in Brussels: what a page shows when no year is asked for."""
    return today().year
