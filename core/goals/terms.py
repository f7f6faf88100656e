"""Terms as the plans write them: "najaar 2015", "1ste semester 2016", "eind 2017",
"2015-2019", "doorlopend", and their French (and English) equivalents, read into a date range
and written back in the reader's language.

Seasons follow the meteorological calendar (spring is March to May); "begin" is the first
quarter, "midden" May to August, "eind" the last quarter. An ongoing term has no dates of its
own: it runs as long as the plan.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from babel.dates import get_month_names

ORDINALS = {
    # nl
    "1ste": 1, "1e": 1, "eerste": 1, "2de": 2, "2e": 2, "tweede": 2, "3de": 3, "3e": 3,
    "derde": 3, "4de": 4, "4e": 4, "vierde": 4,
    # fr
    "1er": 1, "premier": 1, "1ere": 1, "2eme": 2, "deuxieme": 2, "second": 2, "seconde": 2,
    "3eme": 3, "troisieme": 3, "4eme": 4, "quatrieme": 4,
    # en
    "first": 1, "1st": 1, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
}  # fmt: skip
HALF_WORDS = {"semester", "semestre", "half"}
QUARTER_WORDS = {"kwartaal", "trimestre", "quarter"}
SEASONS = {
    "voorjaar": "spring", "lente": "spring", "zomer": "summer", "najaar": "autumn",
    "herfst": "autumn", "winter": "winter", "printemps": "spring", "ete": "summer",
    "automne": "autumn", "hiver": "winter", "spring": "spring", "summer": "summer",
    "autumn": "autumn", "fall": "autumn",
}  # fmt: skip
SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
PARTS = {
    "begin": "begin", "early": "begin", "debut": "begin", "beginning": "begin",
    "midden": "mid", "medio": "mid", "mid": "mid", "mi": "mid",
    "eind": "end", "einde": "end", "fin": "end", "end": "end", "late": "end",
}  # fmt: skip
PART_MONTHS = {"begin": (1, 3), "mid": (5, 8), "end": (10, 12)}
ONGOING = {"doorlopend", "continu", "en continu", "permanent", "ongoing", "continuous"}
FILLER = {"of", "van", "de", "du", "het", "the", "in"}

EXAMPLES = {
    "nl": "najaar 2026, 1ste semester 2027, eind 2027, juni 2026, 2026-2030, doorlopend",
    "fr": "automne 2026, 1er semestre 2027, fin 2027, juin 2026, 2026-2030, en continu",
    "en": "autumn 2026, first half of 2027, end of 2027, June 2026, 2026-2030, ongoing",
}


class TermError(ValueError):
    """The text is not a term the parser knows; the message lists what it accepts."""


@dataclass(frozen=True)
class Term:
    kind: str  # year, half, quarter, season, part, month, range, ongoing
    year: int | None = None
    last_year: int | None = None  # for a range
    number: int | None = None  # half 1-2, quarter 1-4, month 1-12
    name: str | None = None  # season or part

    @property
    def start(self) -> date | None:
        return self._bounds()[0]

    @property
    def end(self) -> date | None:
        return self._bounds()[1]

    def _bounds(self) -> tuple[date | None, date | None]:
        y = self.year
        if self.kind == "ongoing":
            return None, None
        if self.kind == "year":
            return date(y, 1, 1), date(y, 12, 31)
        if self.kind == "range":
            return date(y, 1, 1), date(self.last_year, 12, 31)
        if self.kind == "half":
            first = 1 + 6 * (self.number - 1)
            return date(y, first, 1), _month_end(y, first + 5)
        if self.kind == "quarter":
            first = 1 + 3 * (self.number - 1)
            return date(y, first, 1), _month_end(y, first + 2)
        if self.kind == "month":
            return date(y, self.number, 1), _month_end(y, self.number)
        if self.kind == "season":
            first, last = SEASON_MONTHS[self.name]
            if self.name == "winter":  # December to February of the next year
                return date(y, 12, 1), _month_end(y + 1, 2)
            return date(y, first, 1), _month_end(y, last)
        first, last = PART_MONTHS[self.name]
        return date(y, first, 1), _month_end(y, last)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace("’", "'").strip())


def _months() -> dict[str, int]:
    names = {}
    for locale in ("nl", "fr", "en"):
        for style in ("wide", "abbreviated"):
            for number, name in get_month_names(style, locale=locale).items():
                names[_plain(name).rstrip(".")] = number
    return names


MONTHS = _months()


def parse(text: str) -> Term:
    plain = _plain(text or "")
    if not plain:
        raise TermError("empty")
    if plain in ONGOING:
        return Term("ongoing")
    found = re.fullmatch(r"(\d{4})\s*[-–/]\s*(\d{4})", plain)
    if found:
        first, last = int(found.group(1)), int(found.group(2))
        if _year_ok(first) and _year_ok(last) and first <= last:
            return Term("range", year=first, last_year=last)
        raise TermError(text)
    found = re.fullmatch(r"(?:([qth])([1-4])|h([12]))\s*(\d{4})", plain)
    if found:  # Q3 2016, T3 2016 (trimestre), H1 2016
        year = _year(found.group(4), text)
        if found.group(3):
            return Term("half", year=year, number=int(found.group(3)))
        return Term("quarter", year=year, number=int(found.group(2)))
    if plain.startswith("mi-"):
        plain = "mi " + plain[3:]
    words = [w for w in re.split(r"[\s,]+", plain) if w and w not in FILLER]
    if not words or not re.fullmatch(r"\d{4}", words[-1]):
        raise TermError(text)
    year = _year(words[-1], text)
    rest = words[:-1]
    if not rest:
        return Term("year", year=year)
    if len(rest) == 1 and rest[0] in SEASONS:
        return Term("season", year=year, name=SEASONS[rest[0]])
    if len(rest) == 1 and rest[0] in PARTS:
        return Term("part", year=year, name=PARTS[rest[0]])
    if len(rest) == 1 and rest[0].rstrip(".") in MONTHS:
        return Term("month", year=year, number=MONTHS[rest[0].rstrip(".")])
    if len(rest) == 2 and rest[0] in ORDINALS:
        number = ORDINALS[rest[0]]
        if rest[1] in HALF_WORDS and number <= 2:
            return Term("half", year=year, number=number)
        if rest[1] in QUARTER_WORDS:
            return Term("quarter", year=year, number=number)
    raise TermError(text)


def _year_ok(year: int) -> bool:
    return 2000 <= year <= 2100


def _year(raw: str, text: str) -> int:
    year = int(raw)
    if not _year_ok(year):
        raise TermError(text)
    return year


NL_ORDINAL = {1: "1ste", 2: "2de", 3: "3de", 4: "4de"}
FR_ORDINAL = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}
EN_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth"}
SEASON_NAMES = {
    "nl": {"spring": "voorjaar", "summer": "zomer", "autumn": "najaar", "winter": "winter"},
    "fr": {"spring": "printemps", "summer": "été", "autumn": "automne", "winter": "hiver"},
    "en": {"spring": "spring", "summer": "summer", "autumn": "autumn", "winter": "winter"},
}
PART_NAMES = {
    "nl": {"begin": "begin {y}", "mid": "midden {y}", "end": "eind {y}"},
    "fr": {"begin": "début {y}", "mid": "mi-{y}", "end": "fin {y}"},
    "en": {"begin": "early {y}", "mid": "mid {y}", "end": "end of {y}"},
}


def show(term: Term, language: str) -> str:
    """The term written the way a plan in ``language`` writes it."""
    lang = language if language in ("nl", "fr", "en") else "nl"
    y = term.year
    if term.kind == "ongoing":
        return {"nl": "doorlopend", "fr": "en continu", "en": "ongoing"}[lang]
    if term.kind == "year":
        return str(y)
    if term.kind == "range":
        return f"{y}-{term.last_year}"
    if term.kind == "half":
        return {
            "nl": f"{NL_ORDINAL[term.number]} semester {y}",
            "fr": f"{FR_ORDINAL[term.number]} semestre {y}",
            "en": f"{EN_ORDINAL[term.number]} half of {y}",
        }[lang]
    if term.kind == "quarter":
        return {
            "nl": f"{NL_ORDINAL[term.number]} kwartaal {y}",
            "fr": f"{FR_ORDINAL[term.number]} trimestre {y}",
            "en": f"Q{term.number} {y}",
        }[lang]
    if term.kind == "month":
        return f"{get_month_names('wide', locale=lang)[term.number]} {y}"
    if term.kind == "season":
        return f"{SEASON_NAMES[lang][term.name]} {y}"
    return PART_NAMES[lang][term.name].format(y=y)


def from_dict(data: dict | None) -> Term | None:
    return Term(**data) if data else None
