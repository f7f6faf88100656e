"""Series of meetings: a monthly rule, its dates, and planning them at once."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.clock import WALL_CLOCK, local_time
from core.inventory import schedules
from core.meetings.models import Body, Meeting, MeetingSeries
from core.meetings.services.checks import (
    LONGEST_MEETING_MINUTES,
    LONGEST_SERIES_DAYS,
    WEEKDAYS,
    _choice,
)
from core.meetings.services.meetings import check_place, overlapping
from core.validation import Invalid, date_field, whole_field

# --- series --------------------------------------------------------------------------------------


def monthly_rule(weekday: str, ordinal: int, skip_months: list[int]) -> str:
    """ "third Tuesday of every month, except August" as an RRULE."""
    months = [m for m in range(1, 13) if m not in skip_months]
    rule = f"FREQ=MONTHLY;BYDAY={weekday};BYSETPOS={ordinal}"
    if len(months) < 12:
        rule += ";BYMONTH=" + ",".join(str(m) for m in months)
    return rule


def occurrences(rule: str, first_day: date, last_day: date, skipped: set[date]) -> list[date]:
    return schedules.dates_between(rule, first_day, last_day, skipped)


def _words(raw: Any) -> list:
    """A list as given (API) or written with spaces or commas (a form field)."""
    if isinstance(raw, str):
        return raw.replace(",", " ").split()
    return list(raw or [])


def _months(values: dict[str, Any], key: str, errors: dict[str, str]) -> list[int]:
    try:
        months = sorted({int(m) for m in _words(values.get(key))})
    except (TypeError, ValueError):
        months = [0]
    if any(not 1 <= m <= 12 for m in months):
        errors[key] = "months"
        return []
    return months


def _picked_rule(picked: dict[str, Any], errors: dict[str, str]) -> str | None:
    try:
        rule = schedules.compose(picked, needs_end=True)
    except schedules.ScheduleProblem as problem:
        errors["schedule"] = problem.code
        return None
    if rule is None:
        errors["schedule"] = "required"
    return rule


def _minutes_between(picked: dict[str, Any]) -> int:
    starts, ends = (schedules.clock_of(picked[key]) for key in ("starts", "ends"))
    return (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)


def check_series(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    first_day = date_field(values, "first_day", errors, required=True)
    last_day = date_field(values, "last_day", errors, required=True)
    if first_day and last_day:
        if last_day < first_day:
            errors["last_day"] = "before_start"
        elif (last_day - first_day).days > LONGEST_SERIES_DAYS:
            errors["last_day"] = "too_far"
    clock = values.get("start_time") or ""
    picked = values.get("schedule")
    if isinstance(picked, dict):
        # The picker (the series form): the rule, the start and the length in one.
        rule = _picked_rule(picked, errors)
        clock = picked.get("starts") or ""
        if rule:
            values = {**values, "duration_minutes": _minutes_between(picked)}
    else:
        rule = (values.get("rule") or "").strip().upper().removeprefix("RRULE:")
    if not rule and not isinstance(picked, dict):
        weekday = _choice(values, "weekday", errors, WEEKDAYS)
        ordinal = values.get("ordinal")
        if str(ordinal) not in ("1", "2", "3", "4", "-1"):
            errors["ordinal"] = "choice"
        skip_months = _months(values, "skip_months", errors)
        if weekday and "ordinal" not in errors:
            rule = monthly_rule(weekday, int(ordinal), skip_months)
    skipped_days: list[date] = []
    for raw in _words(values.get("skipped_days")):
        try:
            skipped_days.append(date.fromisoformat(str(raw)))
        except ValueError:
            errors["skipped_days"] = "date"
    directors_months = _months(values, "directors_months", errors)
    if not WALL_CLOCK.match(clock) and "schedule" not in errors:
        errors["schedule" if isinstance(picked, dict) else "start_time"] = (
            "clock" if clock else "required"
        )
    duration = whole_field(
        values, "duration_minutes", errors, 15, LONGEST_MEETING_MINUTES, required=True
    )
    days: list[date] = []
    if rule and first_day and last_day and not errors.keys() & {"first_day", "last_day"}:
        try:
            if "FREQ=" not in rule or "COUNT=" in rule or "UNTIL=" in rule:
                raise ValueError
            days = occurrences(rule, first_day, last_day, set(skipped_days))
        except (ValueError, TypeError):
            errors["schedule" if isinstance(picked, dict) else "rule"] = "rrule"
        else:
            if not days:
                errors["schedule" if isinstance(picked, dict) else "rule"] = "no_dates"
    place = check_place(session, values, errors, days)
    if errors:
        raise Invalid(errors)
    return {
        "rule": rule,
        "first_day": first_day,
        "last_day": last_day,
        "start_time": clock,
        "duration_minutes": duration,
        "skipped_days": [d.isoformat() for d in skipped_days],
        "directors_months": directors_months,
        "place": place,
        "days": days,
    }


def plan_series(
    session: Session, body: Body, values: dict[str, Any]
) -> tuple[MeetingSeries, list[Meeting], list[Meeting]]:
    """Create a series and plan its meetings. Returns the series, its meetings, and the
    body's existing meetings they overlap."""
    cleaned = check_series(session, values)
    days = cleaned.pop("days")
    series = MeetingSeries(body_id=body.id, **cleaned)
    session.add(series)
    session.flush()
    planned, clashes = [], []
    for day in days:
        starts_at = local_time(day, series.start_time)
        ends_at = starts_at + timedelta(minutes=series.duration_minutes)
        clashes.extend(overlapping(session, body.id, starts_at, ends_at))
        meeting = Meeting(
            body_id=body.id,
            series_id=series.id,
            uid=f"{secrets.token_hex(12)}@concerto",
            starts_at=starts_at,
            ends_at=ends_at,
            with_prison_directors=day.month in series.directors_months,
            **series.place,
        )
        session.add(meeting)
        planned.append(meeting)
    session.flush()
    return series, planned, clashes
