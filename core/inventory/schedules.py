"""A repeat rule (RFC 5545 RRULE) in words, in the reader's language.

The rules people give for a service at a prison are simple: every week on some days, every
n weeks, every month on the first Tuesday or on the 15th, at some hours. Those are said in
words ("every 2 weeks on Monday and Thursday, at 14:00"); anything else is called a custom
schedule. The rule itself is never shown: it is a code, not something a reader can use.
"""

from __future__ import annotations

from datetime import datetime, time

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# What we can say in words; a rule with any other part is a custom schedule.
UNDERSTOOD = {
    "FREQ",
    "INTERVAL",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYMONTHDAY",
    "BYSETPOS",
    "UNTIL",
    "COUNT",
    "WKST",
}
NTH = {
    1: _l("the first %(day)s"),
    2: _l("the second %(day)s"),
    3: _l("the third %(day)s"),
    4: _l("the fourth %(day)s"),
    -1: _l("the last %(day)s"),
}


class NotSayable(ValueError):
    """The rule has a part we do not put into words."""


def _parts(rule: str) -> tuple[dict[str, str], datetime | None]:
    parts: dict[str, str] = {}
    start = None
    for line in rule.replace("\r", "").split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.upper().startswith("DTSTART"):
            value = line.split(":", 1)[-1].strip().rstrip("Z")
            try:
                start = datetime.strptime(value, "%Y%m%dT%H%M%S")
            except ValueError:
                start = None  # a date without a time says nothing about the hour
            continue
        if line.upper().startswith("RRULE:"):
            line = line[6:]
        for item in line.split(";"):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            if not sep:
                raise NotSayable(item)
            parts[key.strip().upper()] = value.strip().upper()
    return parts, start


def _number(value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise NotSayable(value) from error
    if not low <= number <= high:
        raise NotSayable(value)
    return number


def _numbers(value: str, low: int, high: int) -> list[int]:
    return [_number(part, low, high) for part in value.split(",") if part]


def _times(parts: dict[str, str], start: datetime | None, locale: Locale) -> list[str]:
    if "BYHOUR" in parts:
        hours = _numbers(parts["BYHOUR"], 0, 23)
        minutes = _numbers(parts.get("BYMINUTE", "0"), 0, 59) or [0]
        moments = sorted({time(hour, minute) for hour in hours for minute in minutes})
    elif "BYMINUTE" in parts:
        raise NotSayable("BYMINUTE")
    elif start is not None and (start.hour or start.minute):
        moments = [start.time()]
    else:
        return []
    return [format_time(moment, "short", locale=locale) for moment in moments]


def _say(rule: str, locale: Locale) -> str:
    parts, start = _parts(rule)
    if not parts.get("FREQ") or set(parts) - UNDERSTOOD:
        raise NotSayable(rule)
    frequency = parts["FREQ"]
    interval = _number(parts.get("INTERVAL", "1"), 1, 1000)
    names = locale.days["format"]["wide"]
    days: list[tuple[int | None, int]] = []  # (n-th or None, weekday)
    for item in filter(None, parts.get("BYDAY", "").split(",")):
        code, nth = item[-2:], item[:-2]
        if code not in DAYS:
            raise NotSayable(item)
        days.append((_number(nth, -1, 4) if nth else None, DAYS.index(code)))
    if "BYSETPOS" in parts:
        position = _number(parts["BYSETPOS"], -1, 4)
        if frequency != "MONTHLY" or len(days) != 1 or days[0][0] is not None or not position:
            raise NotSayable(rule)
        days = [(position, days[0][1])]
    if frequency == "DAILY":
        if days or "BYMONTHDAY" in parts:
            raise NotSayable(rule)
        said = _("every day") if interval == 1 else _("every %(n)d days", n=interval)
    elif frequency == "WEEKLY":
        if any(nth is not None for nth, _day in days) or "BYMONTHDAY" in parts:
            raise NotSayable(rule)
        if not days and start is not None:
            days = [(None, start.weekday())]
        joined = format_list([names[day] for _nth, day in sorted(days)], locale=locale)
        if interval == 1:
            said = _("every week on %(days)s", days=joined) if days else _("every week")
        elif days:
            said = _("every %(n)d weeks on %(days)s", n=interval, days=joined)
        else:
            said = _("every %(n)d weeks", n=interval)
    elif frequency == "MONTHLY":
        if days and "BYMONTHDAY" in parts:
            raise NotSayable(rule)
        if days:
            if any(nth is None or nth == 0 for nth, _day in days):
                raise NotSayable(rule)  # "every Tuesday of the month" is a weekly rule
            when = format_list(
                [str(NTH[nth]) % {"day": names[day]} for nth, day in days], locale=locale
            )
        elif "BYMONTHDAY" in parts:
            numbers = _numbers(parts["BYMONTHDAY"], 1, 31)
            when = ngettext(
                "day %(days)s",
                "days %(days)s",
                len(numbers),
                days=format_list([str(n) for n in numbers], locale=locale),
            )
        else:
            when = ""
        if when:
            said = (
                _("every month on %(when)s", when=when)
                if interval == 1
                else _("every %(n)d months on %(when)s", n=interval, when=when)
            )
        else:
            said = _("every month") if interval == 1 else _("every %(n)d months", n=interval)
    else:
        raise NotSayable(rule)
    times = _times(parts, start, locale)
    if times:
        said = _(
            "%(schedule)s, at %(times)s", schedule=said, times=format_list(times, locale=locale)
        )
    if "UNTIL" in parts:
        try:
            until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        except ValueError as error:
            raise NotSayable(rule) from error
        said = _(
            "%(schedule)s, until %(date)s",
            schedule=said,
            date=format_date(until, "long", locale=locale),
        )
    elif "COUNT" in parts:
        count = _number(parts["COUNT"], 1, 100_000)
        said = ngettext(
            "%(schedule)s, once in all", "%(schedule)s, %(num)d times in all", count, schedule=said
        )
    return said


def in_words(rule: str | None, language: str) -> str:
    """``rule`` in words in ``language`` (the gettext catalogue of the current locale is
    used for the phrases: call it inside the reader's request, or ``force_locale``)."""
    if not rule:
        return ""
    # Belgian usage (no serial comma in English lists), as the pages' own locale.
    locale = Locale.parse(language if "_" in language else f"{language}_BE")
    try:
        return _say(rule, locale)
    except (NotSayable, KeyError):
        return _("a custom schedule")
