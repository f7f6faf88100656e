"""A schedule: chosen in words, stored as a repeat rule, shown back in words.

People choose a schedule with a picker (the macro ``schedule_picker`` in templates/_form.html):
every week, every two weeks or the n-th weekday of the month, on some days, from one time to
another, except in some months and on public holidays. ``compose`` turns those choices into
the stored text, a few iCalendar (RFC 5545) content lines:

    RRULE:FREQ=WEEKLY;BYDAY=TU;BYMONTH=1,2,3,4,5,6,9,10,11,12;BYHOUR=14;BYMINUTE=0
    DURATION:PT2H
    X-CONCERTO-EXCEPT:PUBLIC-HOLIDAYS

A plain ``FREQ=...`` rule is still read (the API may send one); ``picked`` turns a stored text
back into the picker's choices when the picker can show it. ``in_words`` says any of them in the
reader's language ("every Tuesday, from 14:00 to 16:00"); a rule with parts we cannot say is
"a custom schedule". The rule itself is never shown: it is a code, not something a reader
can use.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from dateutil.easter import easter
from dateutil.rrule import rrulestr
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
    "BYMONTH",
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
# The picker's choices: how often, and which week of the month for "monthly".
REPEATS = {
    "weekly": _l("every week"),
    "fortnightly": _l("every two weeks"),
    "monthly": _l("once a month"),
}
WEEKS = {
    "1": _l("the first week"),
    "2": _l("the second week"),
    "3": _l("the third week"),
    "4": _l("the fourth week"),
    "-1": _l("the last week"),
}
HOLIDAYS_LINE = "X-CONCERTO-EXCEPT:PUBLIC-HOLIDAYS"
CLOCK = re.compile(r"^([01]?[0-9]|2[0-3])[:.h]([0-5][0-9])$")
# The stored text's longest line set (services keep 300 characters).
LONGEST = 300


# Why the picker's choices were refused, for the forms' messages (inventory and meetings).
MESSAGES = {
    "no_day": _l("Choose at least one day of the week."),
    "no_week": _l("Choose the week of the month."),
    "no_start": _l("Give the start time as well."),
    "no_end": _l("Give the end time as well."),
    "end_before_start": _l("The end time must come after the start time."),
    "clock": _l("Give a time as HH:MM, for example 14:00."),
    "no_months": _l("These exceptions leave out every month: keep at least one."),
    "rrule": _l("This schedule cannot be read: choose it again."),
}


class NotSayable(ValueError):
    """The rule has a part we do not put into words."""


class ScheduleProblem(ValueError):
    """The picker's choices make no schedule; ``code`` names why (see MESSAGES of the form)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- stored text ----------------------------------------------------------------------------


def split(text: str) -> tuple[str, timedelta | None, bool]:
    """The stored text's repeat rule (with its DTSTART, as dateutil reads it), its duration
    and whether public holidays are skipped."""
    kept, duration, holidays = [], None, False
    for line in text.replace("\r", "").split("\n"):
        line = line.strip()
        upper = line.upper()
        if upper.startswith("DURATION:"):
            duration = _duration(upper[9:])
        elif upper == HOLIDAYS_LINE:
            holidays = True
        elif line:
            kept.append(line)
    return "\n".join(kept), duration, holidays


def _duration(value: str) -> timedelta:
    match = re.fullmatch(r"PT(?:(\d{1,2})H)?(?:(\d{1,4})M)?", value.strip())
    if not match or not any(match.groups()):
        raise ValueError(value)
    hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes)


def valid(text: str) -> bool:
    """Whether ``text`` is a schedule we can store: a repeat rule dateutil reads, with at most
    a duration of under a day and the public-holiday exception beside it."""
    try:
        rule, duration, _holidays = split(text)
        rrulestr(rule, ignoretz=True)
    except (ValueError, TypeError):
        return False
    if duration is not None and not timedelta(0) < duration < timedelta(days=1):
        return False
    return rule.upper().startswith(("FREQ=", "RRULE:", "DTSTART"))


def belgian_public_holidays(year: int) -> set[date]:
    """The ten legal public holidays of Belgium (law of 4 January 1974)."""
    easter_day = easter(year)
    fixed = [(1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [timedelta(days=1), timedelta(days=39), timedelta(days=50)]  # Monday, Ascension, Whit
    return {date(year, m, d) for m, d in fixed} | {easter_day + delta for delta in moving}


def dates_between(
    text: str, first: date, last: date, skipped: set[date] = frozenset()
) -> list[date]:
    """The days of the schedule from ``first`` to ``last``, without ``skipped`` days and, when
    the schedule says so, public holidays."""
    rule, _duration_, holidays = split(text)
    start = datetime.combine(first, time(0, 0))
    until = datetime.combine(last, time(23, 59))
    recurrence = rrulestr(rule, dtstart=start, ignoretz=True)
    days = [moment.date() for moment in recurrence.between(start, until, inc=True)]
    if holidays:
        closed: set[date] = set()
        for year in range(first.year, last.year + 1):
            closed |= belgian_public_holidays(year)
        skipped = set(skipped) | closed
    return [day for day in days if day not in skipped]


# --- the picker -------------------------------------------------------------------------------


def clock_of(value: Any) -> time | None:
    text = str(value or "").strip()
    if not text:
        return None
    match = CLOCK.match(text)
    if not match:
        raise ScheduleProblem("clock")
    return time(int(match.group(1)), int(match.group(2)))


def compose(choices: dict[str, Any], *, needs_end: bool = False) -> str | None:
    """The stored text for the picker's ``choices`` (repeat, days, week, starts, ends,
    skip_months, skip_holidays), None for "no fixed schedule". Raises ScheduleProblem."""
    repeat = str(choices.get("repeat") or "")
    if not repeat:
        return None
    if repeat not in REPEATS:
        raise ScheduleProblem("choice")
    days = [day for day in DAYS if day in set(_listed(choices.get("days")))]
    if not days:
        raise ScheduleProblem("no_day")
    if set(_listed(choices.get("days"))) - set(DAYS):
        raise ScheduleProblem("choice")
    starts, ends = clock_of(choices.get("starts")), clock_of(choices.get("ends"))
    if ends is not None and starts is None:
        raise ScheduleProblem("no_start")
    if needs_end and ends is None:
        raise ScheduleProblem("no_end")
    if starts is not None and ends is not None and ends <= starts:
        raise ScheduleProblem("end_before_start")
    try:
        skipped = {int(month) for month in _listed(choices.get("skip_months"))}
    except ValueError as error:
        raise ScheduleProblem("choice") from error
    if skipped - set(range(1, 13)):
        raise ScheduleProblem("choice")
    if len(skipped) == 12:
        raise ScheduleProblem("no_months")
    if repeat == "monthly":
        week = str(choices.get("week") or "")
        if week not in WEEKS:
            raise ScheduleProblem("no_week")
        rule = "FREQ=MONTHLY;BYDAY=" + ",".join(f"{week}{day}" for day in days)
    else:
        rule = "FREQ=WEEKLY;" + ("INTERVAL=2;" if repeat == "fortnightly" else "")
        rule += "BYDAY=" + ",".join(days)
    if skipped:
        rule += ";BYMONTH=" + ",".join(str(m) for m in range(1, 13) if m not in skipped)
    if starts is not None:
        rule += f";BYHOUR={starts.hour};BYMINUTE={starts.minute}"
    lines = [rule]
    if starts is not None and ends is not None:
        minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
        hours, minutes = divmod(minutes, 60)
        lines.append(
            "DURATION:PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        )
    if choices.get("skip_holidays") in (True, "1", "on", "true"):
        lines.append(HOLIDAYS_LINE)
    if len(lines) > 1:
        lines[0] = "RRULE:" + rule  # beside other lines, the rule says what it is
    return "\n".join(lines)


def from_form(form, name: str) -> str | dict[str, Any]:
    """What a form sent for the picker ``name``: its choices, or the stored text it kept as
    it is (the picker offered "as it is", or the request came without the picker)."""
    repeat = form.get(f"{name}_repeat")
    if repeat is None or repeat == "keep":
        return form.get(name, "")
    choices = {
        "repeat": repeat,
        "week": form.get(f"{name}_week", ""),
        "days": form.getlist(f"{name}_days"),
        "starts": form.get(f"{name}_starts", ""),
        "ends": form.get(f"{name}_ends", ""),
        "skip_months": form.getlist(f"{name}_skip_months"),
        "skip_holidays": form.get(f"{name}_skip_holidays", ""),
    }
    # The same schedule as the one stored keeps its stored text, so that a form saved
    # without touching it records no change (a rule written another way says the same).
    was = form.get(f"{name}_was", "")
    if was:
        try:
            if compose(choices) == compose(picked(was) or {}):
                return was
        except ScheduleProblem:
            pass
        choices["was"] = was  # sent back with the form if it is refused
    return choices


def options(locale: Locale) -> dict[str, list[tuple[str, str]]]:
    """The picker's choices in words, in ``locale``'s language."""
    days = locale.days["format"]["wide"]
    months = locale.months["stand-alone"]["wide"]
    return {
        "repeats": [(code, str(text)) for code, text in REPEATS.items()],
        "weeks": [(code, str(text)) for code, text in WEEKS.items()],
        "days": [(code, days[number]) for number, code in enumerate(DAYS)],
        "months": [(str(number), months[number]) for number in range(1, 13)],
    }


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, (list, tuple, set)):
        return [str(part) for part in value]
    return [str(value)]


def picked(value: Any) -> dict[str, Any] | None:
    """The picker's choices for a stored text (or the choices themselves, as a form sent
    them back); ``{}`` for no schedule, None when the picker cannot show the rule (the form
    then keeps it as it is and says it in words)."""
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    try:
        rule, duration, holidays = split(str(value))
        parts, start = _parts(rule)
    except (ValueError, NotSayable):
        return None
    if start is not None or set(parts) - {
        "FREQ",
        "INTERVAL",
        "BYDAY",
        "BYMONTH",
        "BYHOUR",
        "BYMINUTE",
        "WKST",
    }:
        return None
    frequency, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    entries = [item for item in parts.get("BYDAY", "").split(",") if item]
    days = [item[-2:] for item in entries]
    weeks = {item[:-2] for item in entries}
    if not days or set(days) - set(DAYS):
        return None
    choices: dict[str, Any] = {"days": days}
    if frequency == "WEEKLY" and weeks == {""} and interval in ("1", "2"):
        choices["repeat"] = "weekly" if interval == "1" else "fortnightly"
    elif frequency == "MONTHLY" and len(weeks) == 1 and weeks <= set(WEEKS) and interval == "1":
        choices["repeat"], choices["week"] = "monthly", weeks.pop()
    else:
        return None
    try:
        months = {int(m) for m in parts.get("BYMONTH", "").split(",") if m}
        hours = [int(h) for h in parts.get("BYHOUR", "").split(",") if h]
        minutes = [int(m) for m in parts.get("BYMINUTE", "0").split(",") if m]
    except ValueError:
        return None
    if months:
        choices["skip_months"] = [str(m) for m in range(1, 13) if m not in months]
    if len(hours) > 1 or len(minutes) != 1 or (not hours and "BYMINUTE" in parts):
        return None
    if hours:
        starts = time(hours[0], minutes[0])
        choices["starts"] = starts.strftime("%H:%M")
        if duration is not None:
            ends = datetime.combine(date.min, starts) + duration
            if ends.date() != date.min:
                return None
            choices["ends"] = ends.strftime("%H:%M")
    elif duration is not None:
        return None
    if holidays:
        choices["skip_holidays"] = "1"
    return choices


# --- in words -----------------------------------------------------------------------------------


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


def _clock_text(moment: time, locale: Locale) -> str:
    """A time of day as people write it: "14.00" in Dutch, "14 h 30" in French."""
    if locale.language == "nl":
        return f"{moment.hour}.{moment.minute:02d}"
    if locale.language == "fr":
        return f"{moment.hour}\u00a0h" + (f"\u00a0{moment.minute:02d}" if moment.minute else "")
    return format_time(moment, "short", locale=locale)


def _moments(parts: dict[str, str], start: datetime | None) -> list[time]:
    if "BYHOUR" in parts:
        hours = _numbers(parts["BYHOUR"], 0, 23)
        minutes = _numbers(parts.get("BYMINUTE", "0"), 0, 59) or [0]
        return sorted({time(hour, minute) for hour in hours for minute in minutes})
    if "BYMINUTE" in parts:
        raise NotSayable("BYMINUTE")
    if start is not None and (start.hour or start.minute):
        return [start.time()]
    return []


def _with_times(said: str, moments: list[time], duration: timedelta | None, locale) -> str:
    if not moments:
        return said
    if duration is not None and len(moments) == 1:
        ends = (datetime.combine(date.min, moments[0]) + duration).time()
        return _(
            "%(schedule)s, from %(start)s to %(end)s",
            schedule=said,
            start=_clock_text(moments[0], locale),
            end=_clock_text(ends, locale),
        )
    times = format_list([_clock_text(moment, locale) for moment in moments], locale=locale)
    return _("%(schedule)s, at %(times)s", schedule=said, times=times)


def _months_said(parts: dict[str, str], said: str, locale: Locale) -> str:
    if "BYMONTH" not in parts:
        return said
    months = set(_numbers(parts["BYMONTH"], 1, 12))
    names = locale.months["format"]["wide"]
    missing = [m for m in range(1, 13) if m not in months]
    if not missing:
        return said
    if len(missing) <= 6:
        listed = format_list([names[m] for m in missing], locale=locale)
        return _("%(schedule)s, except in %(months)s", schedule=said, months=listed)
    listed = format_list([names[m] for m in sorted(months)], locale=locale)
    return _("%(schedule)s, only in %(months)s", schedule=said, months=listed)


def _say(text: str, locale: Locale) -> str:
    try:
        rule, duration, holidays = split(text)
    except ValueError as error:
        raise NotSayable(text) from error
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
            said = _("every %(days)s", days=joined) if days else _("every week")
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
    said = _with_times(said, _moments(parts, start), duration, locale)
    said = _months_said(parts, said, locale)
    if holidays:
        said = _("%(schedule)s, except on public holidays", schedule=said)
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
