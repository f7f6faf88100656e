"""Terms as the plans write them, read into dates and written back in the reader's language.

The Flemish plan 2015-2020 (seed 002) and the Brussels plan (seed 004) write a term ("termijn",
"échéance") in many ways: "Najaar 2015", "Half 2016", "1ste semester 2016", "Eind 2017",
"1 januari 2016", "2015-2019", "Najaar 2015 - voorjaar 2017/2018", "Vanaf begin 2016",
"Uiterlijk tegen midden 2015", "Tegen het najaar 2015", "Doorlopend", "Nog te bepalen", and
sometimes a label or a reason around the term ("Event voorjaar 2017", "Voorbereiding:
2015-2016 Begin van uitvoering: vanaf voorjaar 2017"). French plans write "automne 2015",
"mi-2016", "fin 2017", "1er janvier 2016", "à partir de début 2016", "au plus tard fin 2016",
"d'ici 2019", "en continu", "à déterminer".

A term is one of:
- a point: a year, a half or a quarter of a year, a season, the beginning, middle or end of a
  year or of a month, a month, a day; "voorjaar 2017/2018" is the same season in either year;
- a range between two points ("najaar 2015 - voorjaar 2016", "2017/2018", "de juin 2013 à
  mars 2014");
- an open term: from a point on ("vanaf", "à partir de") or by a point ("tegen", "uiterlijk
  tegen", "au plus tard", "d'ici");
- ongoing ("doorlopend", "en continu") or still to be determined ("nog te bepalen", "à
  déterminer"), which has no date and is never overdue;
- several of these in one text, each with its own label ("Voorbereiding: 2015-2016 ...").

Words around the term that are not part of it (a label, a reason) are kept in the text as
typed and marked as not read (``complete`` is false); a word that looks like part of a term
but cannot be read (a season without a year, "somer 2016") makes the whole term unreadable,
so that a typing error is never taken for a wider period.

Seasons follow the meteorological calendar (spring is March to May, winter December to
February of the next year); "begin" is the first quarter, "midden" / "half" May to August,
"eind" the last quarter; for a month, the first, middle and last ten days.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date

from babel.dates import get_month_names

FIRST_YEAR, LAST_YEAR = 2000, 2100
LANGUAGES = ("nl", "fr", "en")

# --- the words, each with the languages that write it ---------------------------------------

SEASONS = {
    "voorjaar": ("spring", "nl"), "lente": ("spring", "nl"), "zomer": ("summer", "nl"),
    "najaar": ("autumn", "nl"), "herfst": ("autumn", "nl"), "winter": ("winter", "nl en"),
    "printemps": ("spring", "fr"), "ete": ("summer", "fr"), "automne": ("autumn", "fr"),
    "hiver": ("winter", "fr"), "spring": ("spring", "en"), "summer": ("summer", "en"),
    "autumn": ("autumn", "en"), "fall": ("autumn", "en"),
}  # fmt: skip
SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
PARTS = {
    "begin": ("begin", "nl"), "aanvang": ("begin", "nl"), "debut": ("begin", "fr"),
    "early": ("begin", "en"), "beginning": ("begin", "en"),
    "midden": ("mid", "nl"), "medio": ("mid", "nl"), "half": ("mid", "nl"),
    "mi": ("mid", "fr"), "milieu": ("mid", "fr"), "mid": ("mid", "en"), "middle": ("mid", "en"),
    "eind": ("end", "nl"), "einde": ("end", "nl"), "fin": ("end", "fr"), "end": ("end", "en"),
    "late": ("end", "en"),
}  # fmt: skip
PART_MONTHS = {"begin": (1, 3), "mid": (5, 8), "end": (10, 12)}
PART_DAYS = {"begin": (1, 10), "mid": (11, 20), "end": (21, 31)}
HALF_WORDS = {"semester": "nl", "helft": "nl", "jaarhelft": "nl", "semestre": "fr", "half": "en"}
QUARTER_WORDS = {"kwartaal": "nl", "trimester": "nl", "trimestre": "fr", "quarter": "en"}
ORDINAL_WORDS = {
    "eerste": (1, "nl"), "tweede": (2, "nl"), "derde": (3, "nl"), "vierde": (4, "nl"),
    "premier": (1, "fr"), "premiere": (1, "fr"), "deuxieme": (2, "fr"), "second": (2, "fr en"),
    "seconde": (2, "fr"), "troisieme": (3, "fr"), "quatrieme": (4, "fr"),
    "first": (1, "en"), "third": (3, "en"), "fourth": (4, "en"),
}  # fmt: skip
ORDINAL_NUMBER = re.compile(r"([0-9])(ste|de|e|er|ere|eme|st|nd|rd|th)")
DAY_NUMBER = re.compile(r"([0-9]{1,2})(er|e|ste|de|st|nd|rd|th)?")
LETTER_PERIODS = {"q": "quarter", "k": "quarter", "t": "quarter", "h": "half", "s": "half"}

# Phrases as tuples of words (without accents, in lower case), longest first where one
# begins another.
ONGOING = [
    (("doorlopend",), "nl"), (("voortdurend",), "nl"), (("permanent",), "nl fr"),
    (("permanente",), "fr"), (("en", "permanence"), "fr"), (("en", "continu"), "fr"),
    (("continu",), "fr"), (("ongoing",), "en"), (("continuous",), "en"),
    (("continuously",), "en"), (("permanently",), "en"),
]  # fmt: skip
UNDETERMINED = [
    (("nog", "te", "bepalen"), "nl"), (("nader", "te", "bepalen"), "nl"),
    (("later", "te", "bepalen"), "nl"), (("nog", "niet", "bepaald"), "nl"),
    (("te", "bepalen"), "nl"), (("onbepaald",), "nl"),
    (("encore", "a", "determiner"), "fr"), (("reste", "a", "determiner"), "fr"),
    (("a", "determiner"), "fr"), (("a", "definir"), "fr"), (("a", "preciser"), "fr"),
    (("non", "determine"), "fr"), (("indetermine",), "fr"),
    (("to", "be", "determined"), "en"), (("to", "be", "decided"), "en"), (("tbd",), "en"),
    (("not", "yet", "known"), "en"),
]  # fmt: skip
FROM = [
    (("ten", "vroegste", "vanaf"), "nl"), (("ten", "vroegste", "in"), "nl"),
    (("ten", "vroegste"), "nl"), (("opstart", "vanaf"), "nl"), (("start", "vanaf"), "nl"),
    (("vanaf",), "nl"), (("sinds",), "nl"),
    (("a", "partir", "de"), "fr"), (("a", "partir", "du"), "fr"), (("a", "partir", "d'"), "fr"),
    (("a", "partir", "des"), "fr"), (("a", "compter", "de"), "fr"),
    (("a", "compter", "du"), "fr"), (("a", "compter", "d'"), "fr"), (("des", "le"), "fr"),
    (("des",), "fr"), (("depuis",), "fr"),
    (("starting", "from"), "en"), (("starting", "in"), "en"), (("starting",), "en"),
    (("as", "of"), "en"), (("from",), "en"),
]  # fmt: skip
BY = [
    (("uiterlijk", "tegen"), "nl"), (("uiterlijk", "op"), "nl"), (("uiterlijk", "in"), "nl"),
    (("uiterlijk",), "nl"), (("ten", "laatste", "tegen"), "nl"), (("ten", "laatste", "op"), "nl"),
    (("ten", "laatste", "in"), "nl"), (("ten", "laatste"), "nl"), (("tegen",), "nl"),
    (("tot", "en", "met"), "nl"), (("tot",), "nl"),
    (("au", "plus", "tard", "en"), "fr"), (("au", "plus", "tard", "le"), "fr"),
    (("au", "plus", "tard", "pour"), "fr"), (("au", "plus", "tard", "a"), "fr"),
    (("au", "plus", "tard"), "fr"), (("d'", "ici", "a"), "fr"), (("d'", "ici"), "fr"),
    (("jusqu'", "a"), "fr"), (("jusqu'", "au"), "fr"), (("jusqu'", "en"), "fr"),
    (("jusqu'",), "fr"),
    (("no", "later", "than"), "en"), (("not", "later", "than"), "en"), (("by",), "en"),
    (("until",), "en"), (("till",), "en"),
]  # fmt: skip
# A range's first point may follow a word that asks for a given separator ("van ... tot").
RANGE_OPENERS = {
    "van": ["tot", "-"], "tussen": ["en"], "de": ["a", "au", "-"], "du": ["au", "a", "-"],
    "d'": ["a", "au", "-"], "entre": ["et"], "from": ["to", "until", "till", "-"],
    "between": ["and"],
}  # fmt: skip
SEPARATORS = [
    ("-",), ("tot", "en", "met"), ("tot",), ("a",), ("au",), ("jusqu'", "a"), ("jusqu'", "au"),
    ("jusqu'", "en"), ("to",), ("until",), ("till",), ("through",),
]  # fmt: skip
# Articles and prepositions that may stand before a point ("het najaar", "au printemps",
# "in 2019", "le 1er janvier") and between its words ("end of 2016", "fin de l'année 2016").
LEADING = {"het", "de", "le", "la", "l'", "les", "the", "in", "en", "au", "op"}
INNER = {"-", "van", "de", "of", "the", "het", "l'", "du", "d'", "jaar", "annee", "year"}
# Words that may stand right before a bare year without being part of a term.
BEFORE_YEAR = LEADING | {"of", "ou", "or", "et", "and", "jaar", "annee", "year", "periode",
                         "period", "jaren", "annees", "years"}  # fmt: skip
# Words that only make sense inside a term: left over, they mean a term was mistyped.
# ("été" is also a verb's participle and "fall" and "half" ordinary words: not these.)
TERM_ONLY = (set(SEASONS) | set(HALF_WORDS) | set(QUARTER_WORDS)) - {"ete", "fall", "half"}
ARTICLES = {"het": "nl", "van": "nl", "le": "fr", "la": "fr", "l'": "fr", "du": "fr",
            "the": "en", "of": "en"}  # fmt: skip


def _month_names() -> dict[str, tuple[int, set[str]]]:
    names: dict[str, tuple[int, set[str]]] = {}
    for language in LANGUAGES:
        for style in ("wide", "abbreviated"):
            for number, name in get_month_names(style, locale=language).items():
                key = _plain(name).rstrip(".")
                names.setdefault(key, (number, set()))[1].add(language)
    names.setdefault("sept", (9, set()))[1].update({"fr", "en"})
    return names


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text.replace("\u2019", "'").replace("`", "'"))
    return re.sub(r"\s+", " ", text).strip()


MONTHS = _month_names()


def _vocabulary() -> dict[str, set[str]]:
    """Each word a term may use, with the languages that write it (to guess the language of
    what was typed)."""
    words: dict[str, set[str]] = {}

    def add(word: str, languages: str) -> None:
        words.setdefault(word, set()).update(languages.split())

    for table in (SEASONS, PARTS, ORDINAL_WORDS):
        for word, (_value, languages) in table.items():
            add(word, languages)
    for table in (HALF_WORDS, QUARTER_WORDS, ARTICLES):
        for word, languages in table.items():
            add(word, languages)
    for word, (_number, languages) in MONTHS.items():
        add(word, " ".join(languages))
    for phrases in (ONGOING, UNDETERMINED, FROM, BY):
        for phrase, languages in phrases:
            for word in phrase:
                if len(word) > 2 and word not in ("des", "tot"):
                    add(word, languages)
    return words


VOCABULARY = _vocabulary()

# What can be written: in the form's hint, as the plans write it in Dutch and in French ...
HINT_EXAMPLES = {
    "nl": "najaar 2026, half 2027, eind 2027, 1 januari 2027, najaar 2026 - voorjaar 2027, "
    "2026-2030, vanaf begin 2027, uiterlijk tegen midden 2027, doorlopend, nog te bepalen",
    "fr": "automne 2026, mi-2027, fin 2027, 1er janvier 2027, automne 2026 - printemps 2027, "
    "2026-2030, à partir de début 2027, au plus tard mi-2027, en continu, à déterminer",
}
# ... and, shorter, in the error message, in the reader's language.
EXAMPLES = {
    "nl": "najaar 2026, eind 2027, najaar 2026 - voorjaar 2027, vanaf begin 2027, nog te bepalen",
    "fr": "automne 2026, fin 2027, automne 2026 - printemps 2027, à partir de début 2027, "
    "à déterminer",
    "en": "autumn 2026, end of 2027, autumn 2026 - spring 2027, from early 2027, to be determined",
}


class TermError(ValueError):
    """The text is not a term that can be read. ``reason``: "unknown" (not a term), "year"
    (a year before 2000 or after 2100), "backwards" (a range that ends before it begins),
    "date" (a day that does not exist), "number" (a third half-year, a fifth quarter)."""

    def __init__(self, reason: str = "unknown", text: str = "") -> None:
        super().__init__(f"{reason}: {text}")
        self.reason = reason


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


# --- reading ----------------------------------------------------------------------------------

TOKEN = re.compile(
    r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}"  # 30/04/2013, 30.04.2013
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])"  # 2016-01-01
    r"|[0-9]+[a-z]*"  # 2016, 1ste, 1er
    r"|[a-z]+'?"  # words, and elided articles: l', d', jusqu'
    r"|[^\sa-z0-9]"  # punctuation
)


def tokens_of(text: str) -> list[str]:
    plain = _plain(text)
    # "najaar2015", "Q3 2016" written "q3": a word and a number glued together.
    plain = re.sub(r"([a-z])([0-9])", r"\1 \2", plain)
    return [t for t in TOKEN.findall(plain) if t != "'"]


def _match(tokens: list[str], i: int, phrases) -> tuple[tuple[str, ...], str, int] | None:
    best = None
    for phrase, languages in phrases:
        if tuple(tokens[i : i + len(phrase)]) == phrase and (
            best is None or len(phrase) > len(best[0])
        ):
            best = (phrase, languages, i + len(phrase))
    return best


def _skip(tokens: list[str], i: int, words: set[str]) -> int:
    while i < len(tokens) and tokens[i] in words:
        i += 1
    return i


def _year_at(tokens: list[str], i: int) -> int | None:
    if i < len(tokens) and re.fullmatch(r"[0-9]{4}", tokens[i]):
        year = int(tokens[i])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise TermError("year", tokens[i])
        return year
    return None


def _or_year(tokens: list[str], i: int, year: int) -> tuple[int | None, int]:
    """ "2017/2018", "2017/18" or "2017 of 2018" after a point: the same period in either
    year ("voorjaar 2017/2018")."""
    if i + 1 >= len(tokens) or tokens[i] not in ("/", "of", "ou", "or"):
        return None, i
    other = tokens[i + 1]
    if not re.fullmatch(r"[0-9]{4}", other) and not (
        tokens[i] == "/" and re.fullmatch(r"[0-9]{2}", other)
    ):
        return None, i
    number = int(other)
    if number < 100:
        number += year - year % 100
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise TermError("year", other)
    if number <= year:
        raise TermError("backwards", other)
    return number, i + 2


def _dated(tokens: list[str], i: int, kind: str, **values) -> tuple[Point, int] | None:
    """The year that ends a point (with its "/2018"), and the point."""
    j = _skip(tokens, i, INNER)
    year = _year_at(tokens, j)
    if year is None:
        return None
    or_year, j = _or_year(tokens, j + 1, year)
    return Point(kind, year, or_year=or_year, **values), j


def _day(tokens: list[str], i: int) -> tuple[Point, int] | None:
    token = tokens[i]
    found = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", token)
    if found:
        day, month, year = (int(g) for g in found.groups())
        return _checked_day(year, month, day), i + 1
    found = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", token)
    if found:
        year, month, day = (int(g) for g in found.groups())
        return _checked_day(year, month, day), i + 1
    found = DAY_NUMBER.fullmatch(token)
    if found and i + 2 < len(tokens) and tokens[i + 1].rstrip(".") in MONTHS:
        year = _year_at(tokens, _skip(tokens, i + 2, {"."}))
        if year is not None:
            month = MONTHS[tokens[i + 1].rstrip(".")][0]
            return _checked_day(year, month, int(found.group(1))), _skip(tokens, i + 2, {"."}) + 1
    if token in MONTHS and i + 1 < len(tokens):  # January 1, 2016
        found = DAY_NUMBER.fullmatch(tokens[i + 1])
        j = _skip(tokens, i + 2, {","})
        year = _year_at(tokens, j) if found else None
        if year is not None:
            return _checked_day(year, MONTHS[token][0], int(found.group(1))), j + 1
    return None


def _checked_day(year: int, month: int, day: int) -> Point:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise TermError("year", str(year))
    try:
        date(year, month, day)
    except ValueError:
        raise TermError("date", f"{day}/{month}/{year}") from None
    return Point("day", year, number=month, day=day)


def _ordinal(tokens: list[str], i: int) -> tuple[Point, int] | None:
    token = tokens[i]
    found = ORDINAL_NUMBER.fullmatch(token)
    number = int(found.group(1)) if found else ORDINAL_WORDS.get(token, (None,))[0]
    if number is None or i + 1 >= len(tokens):
        return None
    word = tokens[i + 1]
    if word in HALF_WORDS or word in QUARTER_WORDS:
        kind = "half" if word in HALF_WORDS else "quarter"
        result = _dated(tokens, i + 2, kind, number=number)
        if result is not None and not 1 <= number <= (2 if kind == "half" else 4):
            raise TermError("number", token)
        return result
    return None


def _lettered(tokens: list[str], i: int) -> tuple[Point, int] | None:
    """Q3 2016, T3 2016 (trimestre), H1 2016, S1 2016 (semestre)."""
    kind = LETTER_PERIODS.get(tokens[i])
    if kind is None or i + 1 >= len(tokens) or not re.fullmatch(r"[0-9]", tokens[i + 1]):
        return None
    number = int(tokens[i + 1])
    result = _dated(tokens, i + 2, kind, number=number)
    if result is not None and not 1 <= number <= (2 if kind == "half" else 4):
        raise TermError("number", tokens[i] + tokens[i + 1])
    return result


def _part(tokens: list[str], i: int) -> tuple[Point, int] | None:
    if tokens[i] not in PARTS:
        return None
    name = PARTS[tokens[i]][0]
    j = _skip(tokens, i + 1, INNER)
    if j < len(tokens) and tokens[j].rstrip(".") in MONTHS:  # eind juni 2016, mi-juin 2016
        return _dated(
            tokens, j + 1, "month_part", number=MONTHS[tokens[j].rstrip(".")][0], name=name
        )
    return _dated(tokens, i + 1, "part", name=name)


def _season(tokens: list[str], i: int) -> tuple[Point, int] | None:
    if tokens[i] not in SEASONS:
        return None
    found = _dated(tokens, i + 1, "season", name=SEASONS[tokens[i]][0])
    if found and found[0].name == "winter" and found[0].or_year == found[0].year + 1:
        # "winter 2016/2017" is the one winter that runs from December 2016 into 2017.
        return Point("season", found[0].year, name="winter"), found[1]
    return found


def _month(tokens: list[str], i: int) -> tuple[Point, int] | None:
    word = tokens[i].rstrip(".")
    if word not in MONTHS:
        return None
    return _dated(tokens, _skip(tokens, i + 1, {"."}), "month", number=MONTHS[word][0])


def _bare_year(tokens: list[str], i: int) -> tuple[Point, int] | None:
    year = _year_at(tokens, i)
    return (Point("year", year), i + 1) if year is not None else None


def _point(tokens: list[str], i: int) -> tuple[Point, int] | None:
    j = _skip(tokens, i, LEADING)
    if j >= len(tokens):
        return None
    for reader in (_day, _ordinal, _lettered, _part, _season, _month, _bare_year):
        found = reader(tokens, j)
        if found is not None:
            return found
    return None


def _separator(tokens: list[str], i: int, allowed: list[str] | None) -> int | None:
    if allowed is not None:
        return i + 1 if i < len(tokens) and tokens[i] in allowed else None
    found = _match(tokens, i, [(s, "") for s in SEPARATORS])
    return found[2] if found else None


def _range(first: Point, tokens: list[str], i: int, allowed=None) -> tuple[Term, int] | None:
    """``first`` then a separator and a second point: a range; checked to run forwards."""
    if first.kind == "year" and i + 1 < len(tokens) and tokens[i] == "/":  # 2017/2018
        other = re.fullmatch(r"[0-9]{2}|[0-9]{4}", tokens[i + 1])
        if other:
            year = int(tokens[i + 1])
            year = year + first.year - first.year % 100 if year < 100 else year
            return _ranged(first, Point("year", year)), i + 2
    j = _separator(tokens, i, allowed)
    if j is None:
        return None
    second = _point(tokens, j)
    if second is None:
        return None
    last, j = second
    if last.kind == "year":  # 2008-2012/13: the range ends in 2012 or in 2013
        or_year, j = _or_year(tokens, j, last.year)
        last = Point("year", last.year, or_year=or_year)
    return _ranged(first, last), j


def _ranged(first: Point, last: Point) -> Term:
    if not FIRST_YEAR <= last.year <= LAST_YEAR:
        raise TermError("year", str(last.year))
    if last.start < first.start or last.end < first.end:
        raise TermError("backwards", f"{first} {last}")
    return Term("range", point=first, last=last)


def _expression(tokens: list[str], i: int) -> tuple[Term, int] | None:
    """The term that begins at token ``i``, and where it ends; None if none begins there."""
    for phrases, kind in ((UNDETERMINED, "undetermined"), (ONGOING, "ongoing")):
        found = _match(tokens, i, phrases)
        if found:
            return Term(kind), found[2]
    for phrases, kind in ((FROM, "from"), (BY, "by")):
        found = _match(tokens, i, phrases)
        if found:
            point = _point(tokens, found[2])
            if point is not None:
                if kind == "from":  # vanaf 2016 tot 2018: a range
                    ranged = _range(point[0], tokens, point[1])
                    if ranged is not None:
                        return ranged
                return Term(kind, point=point[0]), point[1]
    if tokens[i] in RANGE_OPENERS:  # van ... tot ..., de ... à ..., entre ... et ...
        point = _point(tokens, i + 1)
        if point is not None:
            ranged = _range(point[0], tokens, point[1], RANGE_OPENERS[tokens[i]])
            if ranged is not None:
                return ranged
    point = _point(tokens, i)
    if point is None:
        return None
    ranged = _range(point[0], tokens, point[1])
    if ranged is not None:
        return ranged
    return Term(point[0].kind, point=point[0]), point[1]


def _language(tokens: list[str]) -> str | None:
    votes = Counter()
    for token in tokens:
        languages = VOCABULARY.get(token.rstrip("."), set())
        if len(languages) == 1:
            votes[next(iter(languages))] += 1
    ranked = votes.most_common(2)
    if not ranked or len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def parse(text: str) -> Term:
    """The term ``text`` writes. Raises TermError when it cannot be read."""
    tokens = tokens_of(text or "")
    if not tokens:
        raise TermError("unknown", text)
    found: list[tuple[int, int, Term]] = []
    i = 0
    while i < len(tokens):
        expression = _expression(tokens, i)
        if expression is None:
            i += 1
            continue
        term, end = expression
        found.append((i, end, term))
        i = end
    if not found:
        raise TermError("unknown", text)
    read = set()
    for start, end, _term in found:
        read.update(range(start, end))
        # "somer 2016", "3de semester 2016": an unknown word right before a bare year is a
        # term mistyped, not a label.
        if re.fullmatch(r"[0-9]{4}", tokens[start]) and start > 0 and start - 1 not in read:
            before = tokens[start - 1]
            if re.fullmatch(r"[a-z]+'?|[0-9]+[a-z]*", before) and before not in BEFORE_YEAR:
                raise TermError("unknown", text)
    left = [t for n, t in enumerate(tokens) if n not in read]
    if any(t in TERM_ONLY or re.fullmatch(r"[0-9]{4}", t) for t in left):
        raise TermError("unknown", text)
    complete = all(not re.search(r"[a-z0-9]", t) for t in left)
    language = _language(tokens)
    terms = [term for _start, _end, term in found]
    if len(terms) == 1:
        only = terms[0]
        return Term(only.kind, only.point, only.last, (), complete, language)
    return Term("several", parts=tuple(terms), complete=complete, language=language)


# --- writing back -----------------------------------------------------------------------------

SEASON_NAMES = {
    "nl": {"spring": "voorjaar", "summer": "zomer", "autumn": "najaar", "winter": "winter"},
    "fr": {"spring": "printemps", "summer": "été", "autumn": "automne", "winter": "hiver"},
    "en": {"spring": "spring", "summer": "summer", "autumn": "autumn", "winter": "winter"},
}
PART_NAMES = {
    "nl": {"begin": "begin {}", "mid": "midden {}", "end": "eind {}"},
    "fr": {"begin": "début {}", "mid": "mi-{}", "end": "fin {}"},
    "en": {"begin": "early {}", "mid": "mid-{}", "end": "end of {}"},
}
MONTH_PART_NAMES = {
    "nl": PART_NAMES["nl"],
    "fr": PART_NAMES["fr"],
    "en": {"begin": "early {}", "mid": "mid-{}", "end": "late {}"},
}
ORDINALS = {
    "nl": {1: "1ste", 2: "2de", 3: "3de", 4: "4de"},
    "fr": {1: "1er", 2: "2e", 3: "3e", 4: "4e"},
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth"},
}
WORDS = {
    "ongoing": {"nl": "doorlopend", "fr": "en continu", "en": "ongoing"},
    "undetermined": {"nl": "nog te bepalen", "fr": "à déterminer", "en": "to be determined"},
    "none": {"nl": "geen termijn", "fr": "sans échéance", "en": "no term"},
    "or": {"nl": "of", "fr": "ou", "en": "or"},
}


def _month_name(number: int, lang: str) -> str:
    return get_month_names("wide", locale=lang)[number]


def _years(point: Point, lang: str) -> str:
    if point.or_year:
        return f"{point.year} {WORDS['or'][lang]} {point.or_year}"
    return str(point.year)


def show_point(point: Point, lang: str) -> str:
    y = _years(point, lang)
    if point.kind == "year":
        return y
    if point.kind == "half":
        return {
            "nl": f"{ORDINALS['nl'][point.number]} semester {y}",
            "fr": f"{ORDINALS['fr'][point.number]} semestre {y}",
            "en": f"{ORDINALS['en'][point.number]} half of {y}",
        }[lang]
    if point.kind == "quarter":
        return {
            "nl": f"{ORDINALS['nl'][point.number]} kwartaal {y}",
            "fr": f"{ORDINALS['fr'][point.number]} trimestre {y}",
            "en": f"Q{point.number} {y}",
        }[lang]
    if point.kind == "season":
        return f"{SEASON_NAMES[lang][point.name]} {y}"
    if point.kind == "part":
        return PART_NAMES[lang][point.name].format(y)
    if point.kind == "month":
        return f"{_month_name(point.number, lang)} {y}"
    if point.kind == "month_part":
        return MONTH_PART_NAMES[lang][point.name].format(f"{_month_name(point.number, lang)} {y}")
    day = "1er" if lang == "fr" and point.day == 1 else str(point.day)
    return f"{day} {_month_name(point.number, lang)} {y}"


def _starts_with_vowel(text: str) -> bool:
    return _plain(text)[:1] in "aeiouh"


def _french_from(point: Point) -> str:
    """ "à partir de" and the point, with the article French asks for."""
    words = show_point(point, "fr")
    if point.kind == "season":
        return f"du {words}" if point.name == "spring" else f"de l'{words}"
    if point.kind in ("half", "quarter", "day"):
        return f"du {words}"
    if point.kind in ("month", "month_part", "part") and _starts_with_vowel(words):
        return f"d'{words}"
    return f"de {words}"


def _french_by(point: Point) -> str:
    """ "au plus tard" and the point: en 2016, au printemps 2016, le 1er janvier 2016."""
    words = show_point(point, "fr")
    if point.kind in ("year", "month"):
        return f"en {words}"
    if point.kind == "season":
        return f"au {words}" if point.name == "spring" else f"en {words}"
    if point.kind in ("half", "quarter"):
        return f"au {words}"
    if point.kind == "day":
        return f"le {words}"
    return words


def _english_after(point: Point) -> str:
    """The point after "from" or "by": the end of 2016, the first half of 2016."""
    words = show_point(point, "en")
    if point.kind == "half" or point.kind == "part" and point.name == "end":
        return f"the {words}"
    return words


def show(term: Term | None, language: str) -> str:
    """The term in the words of ``language``, whichever language it was typed in."""
    lang = language if language in LANGUAGES else "nl"
    if term is None:
        return WORDS["none"][lang]
    if term.kind in POINT_KINDS:
        return show_point(term.point, lang)
    if term.kind in ("ongoing", "undetermined"):
        return WORDS[term.kind][lang]
    if term.kind == "range":
        if term.point.kind == "year" and term.last.kind == "year":
            return f"{term.point.year}-{_years(term.last, lang)}"
        return f"{show_point(term.point, lang)} – {show_point(term.last, lang)}"
    if term.kind == "from":
        return {
            "nl": f"vanaf {show_point(term.point, 'nl')}",
            "fr": f"à partir {_french_from(term.point)}",
            "en": f"from {_english_after(term.point)}",
        }[lang]
    if term.kind == "by":
        return {
            "nl": f"uiterlijk {show_point(term.point, 'nl')}",
            "fr": f"au plus tard {_french_by(term.point)}",
            "en": f"by {_english_after(term.point)}",
        }[lang]
    return "; ".join(show(part, lang) for part in term.parts)
