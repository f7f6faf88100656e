"""What a term is: a point, a range, an open or several terms, with the days they run
between, and how a term is stored."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from core.goals.terms.words import PART_DAYS, PART_MONTHS, SEASON_MONTHS

# --- what a term is -------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Point:
    """A period a plan names by itself: kind year, half, quarter, season, part (of a year),
    month_part, month or day. ``or_year``: the same period in a later year may also be meant
    ("voorjaar 2017/2018")."""

    kind: str
    year: int
    number: int | None = None  # half 1-2, quarter 1-4, month 1-12
    name: str | None = None  # season (spring...), part (begin, mid, end)
    day: int | None = None
    or_year: int | None = None

    def bounds_in(self, y: int) -> tuple[date, date]:
        if self.kind == "year":
            return date(y, 1, 1), date(y, 12, 31)
        if self.kind == "half":
            first = 1 + 6 * (self.number - 1)
            return date(y, first, 1), _month_end(y, first + 5)
        if self.kind == "quarter":
            first = 1 + 3 * (self.number - 1)
            return date(y, first, 1), _month_end(y, first + 2)
        if self.kind == "season":
            if self.name == "winter":  # December to February of the next year
                return date(y, 12, 1), _month_end(y + 1, 2)
            first, last = SEASON_MONTHS[self.name]
            return date(y, first, 1), _month_end(y, last)
        if self.kind == "part":
            first, last = PART_MONTHS[self.name]
            return date(y, first, 1), _month_end(y, last)
        if self.kind == "month":
            return date(y, self.number, 1), _month_end(y, self.number)
        if self.kind == "month_part":
            first, last = PART_DAYS[self.name]
            last = calendar.monthrange(y, self.number)[1] if self.name == "end" else last
            return date(y, self.number, first), date(y, self.number, last)
        return date(y, self.number, self.day), date(y, self.number, self.day)  # day

    @property
    def start(self) -> date:
        return self.bounds_in(self.year)[0]

    @property
    def end(self) -> date:
        return self.bounds_in(self.or_year or self.year)[1]

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


POINT_KINDS = {"year", "half", "quarter", "season", "part", "month_part", "month", "day"}


@dataclass(frozen=True)
class Term:
    """What a term says: ``kind`` is a point's kind, or range, from, by, ongoing,
    undetermined, several. ``complete`` is false when words around the term were not read
    (a label, a reason); ``language`` is the language the term was typed in, when its words
    say so."""

    kind: str
    point: Point | None = None  # the point; a range's first point; what from/by refer to
    last: Point | None = None  # a range's last point
    parts: tuple[Term, ...] = ()
    complete: bool = True
    language: str | None = None

    @property
    def start(self) -> date | None:
        if self.kind in POINT_KINDS or self.kind in ("range", "from"):
            return self.point.start
        if self.kind == "several":
            starts = [part.start for part in self.parts if part.start is not None]
            return min(starts) if starts else None
        return None

    @property
    def end(self) -> date | None:
        """The last day the term allows; None when it has none (from a point on, ongoing,
        still to be determined), which is never overdue."""
        if self.kind in POINT_KINDS or self.kind == "by":
            return self.point.end
        if self.kind == "range":
            return self.last.end
        if self.kind == "several":
            ends = [part.end for part in self.parts]
            return None if not ends or None in ends else max(ends)
        return None

    @property
    def open_ended(self) -> bool:
        """Runs on without an end of its own (ongoing, from a point on): the plan's end is its
        end. A term still to be determined has no end at all."""
        if self.kind == "several":
            return any(part.open_ended for part in self.parts)
        return self.kind in ("ongoing", "from")

    def as_dict(self) -> dict:
        if self.kind in POINT_KINDS:
            found = self.point.as_dict()
        elif self.kind == "range":
            found = {"kind": "range", "from": self.point.as_dict(), "to": self.last.as_dict()}
        elif self.kind in ("from", "by"):
            found = {"kind": self.kind, "point": self.point.as_dict()}
        elif self.kind == "several":
            found = {"kind": "several", "parts": [part.as_dict() for part in self.parts]}
        else:
            found = {"kind": self.kind}
        if not self.complete:
            found["complete"] = False
        if self.language:
            found["language"] = self.language
        return found


def _point_of(data: dict) -> Point:
    return Point(**{k: v for k, v in data.items() if k not in ("complete", "language")})


def from_dict(data: dict | None) -> Term | None:
    """The term stored by ``Term.as_dict``; None for an action without a term (``{}``)."""
    if not data:
        return None
    kind = data["kind"]
    extra = {"complete": data.get("complete", True), "language": data.get("language")}
    if kind in POINT_KINDS:
        return Term(kind, point=_point_of(data), **extra)
    if kind == "range":
        if "from" not in data:  # stored before ranges between any two points
            first, last = Point("year", data["year"]), Point("year", data["last_year"])
        else:
            first, last = _point_of(data["from"]), _point_of(data["to"])
        return Term("range", point=first, last=last, **extra)
    if kind in ("from", "by"):
        return Term(kind, point=_point_of(data["point"]), **extra)
    if kind == "several":
        return Term("several", parts=tuple(from_dict(p) for p in data["parts"]), **extra)
    return Term(kind, **extra)
