"""Reading a term as typed: the words into points, ranges and open terms."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from core.goals.terms.model import Point, Term
from core.goals.terms.words import (
    BEFORE_YEAR,
    BY,
    DAY_NUMBER,
    FIRST_YEAR,
    FROM,
    HALF_WORDS,
    INNER,
    LAST_YEAR,
    LEADING,
    LETTER_PERIODS,
    MONTHS,
    ONGOING,
    ORDINAL_NUMBER,
    ORDINAL_WORDS,
    PARTS,
    QUARTER_WORDS,
    RANGE_OPENERS,
    SEASONS,
    SEPARATORS,
    TERM_ONLY,
    UNDETERMINED,
    VOCABULARY,
    TermError,
    _plain,
)

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
