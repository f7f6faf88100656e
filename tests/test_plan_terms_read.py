"""Reading the plan's terms, without a database: every term the seed documents write (seeds
002 and 004, the table in tests/data/plan_terms.toml) is read and shown back in Dutch, French
and English; a term is shown in the reader's language; terms that cannot be read are refused
with their reason; ranges between any two points run forwards, whatever language and
separator. What is stored, the form and the API: tests/test_plan_terms_stored.py."""

from __future__ import annotations

import calendar
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.goals import terms
from tests.plan_terms_seeds import (
    CONCREET,
    CONCREET_PIECES,
    EVERY_TERM,
    PARTLY_READ,
    SEED_002,
    SEED_004,
    SEEDS,
)


def _seed_text(number: str) -> str:
    found = list(SEEDS.glob(f"{number}_*.txt"))
    if not found:
        pytest.skip("the seeds are not next to the checkout")
    return " ".join(found[0].read_text(encoding="utf-8").split())


@pytest.mark.parametrize("number,rows", [("002", SEED_002), ("004", SEED_004)])
def test_the_listed_terms_are_the_seeds_own_words(number, rows):
    seed = _seed_text(number)
    for row in rows:
        pieces = CONCREET_PIECES if row[0] == CONCREET else (row[0],)
        for piece in pieces:
            assert piece in seed, f"not in seed {number}: {piece!r}"


@pytest.mark.parametrize("number", ["002", "004"])
def test_every_season_part_or_month_with_its_year_in_the_seeds_is_read(number):
    """Beyond the listed cells: wherever a seed writes a season, a part of a year or a month
    before a year, in Dutch or French, that is a term the platform reads."""
    words = "|".join(
        sorted({*terms.SEASONS, *terms.PARTS, *terms.MONTHS} - {"mi"}, key=len, reverse=True)
    )
    plain = terms.tokens_of(_seed_text(number))
    found = re.findall(rf"\b(?:{words}) 20[0-9]{{2}}\b", " ".join(plain))
    assert len(found) > (40 if number == "002" else 10)
    for written in found:
        term = terms.parse(written)
        assert term.kind in ("season", "part", "month") and term.complete, written


@pytest.mark.parametrize(
    "written,kind,start,end,nl,fr,en", EVERY_TERM, ids=[row[0][:40] for row in EVERY_TERM]
)
def test_every_term_the_seeds_write_is_read_and_shown_back(written, kind, start, end, nl, fr, en):
    term = terms.parse(written)
    assert (term.kind, term.start, term.end) == (kind, start, end)
    assert [terms.show(term, lang) for lang in ("nl", "fr", "en")] == [nl, fr, en]
    assert term.complete == (written not in PARTLY_READ)
    # What is stored reads back the same.
    assert terms.from_dict(term.as_dict()) == term
    # The words shown back, typed again in any of the three languages, say the same dates.
    for lang in ("nl", "fr", "en"):
        again = terms.parse(terms.show(term, lang))
        assert (again.start, again.end) == (start, end), (lang, terms.show(term, lang))


def test_a_term_is_shown_in_the_readers_language_not_the_one_it_was_typed_in():
    typed_in_french = terms.parse("à partir de l'automne 2015")
    assert typed_in_french.language == "fr"
    assert terms.show(typed_in_french, "nl") == "vanaf najaar 2015"
    assert terms.show(typed_in_french, "en") == "from autumn 2015"
    typed_in_dutch = terms.parse("Uiterlijk tegen 1 januari 2016")
    assert typed_in_dutch.language == "nl"
    assert terms.show(typed_in_dutch, "fr") == "au plus tard le 1er janvier 2016"
    assert terms.show(None, "fr") == "sans échéance"


@pytest.mark.parametrize(
    "written,reason",
    [
        ("binnenkort", "unknown"),
        ("bientôt", "unknown"),
        ("soon", "unknown"),
        ("najaar", "unknown"),  # a season without its year
        ("somer 2016", "unknown"),  # a season mistyped is not the whole year
        ("Kerst 2016", "unknown"),
        ("Voorjaar 2O16", "unknown"),
        ("2016 zomer", "unknown"),
        ("vanaf", "unknown"),
        ("tegen eind", "unknown"),
        ("eind 2016; zomer", "unknown"),
        ("3de semester 2016", "number"),
        ("Q5 2016", "number"),
        ("1999", "year"),
        ("najaar 2150", "year"),
        ("31 februari 2016", "date"),
        ("30/02/2016", "date"),
        ("2019-2015", "backwards"),
        ("najaar 2016 - voorjaar 2016", "backwards"),
        ("voorjaar 2017/2016", "backwards"),
        ("van 2015 tot 2013", "backwards"),
        ("", "unknown"),
    ],
)
def test_terms_that_cannot_be_read_are_refused_with_their_reason(written, reason):
    with pytest.raises(terms.TermError) as refused:
        terms.parse(written)
    assert refused.value.reason == reason


# --- ranges between any two points, in any language ------------------------------------------

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
SEASON_WORDS = {
    "nl": {"voorjaar": 3, "lente": 3, "zomer": 6, "najaar": 9, "herfst": 9, "winter": 12},
    "fr": {"printemps": 3, "été": 6, "automne": 9, "hiver": 12},
    "en": {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12},
}
PART_WORDS = {
    "nl": {"begin {}": (1, 3), "midden {}": (5, 8), "half {}": (5, 8), "eind {}": (10, 12)},
    "fr": {"début {}": (1, 3), "mi-{}": (5, 8), "fin {}": (10, 12)},
    "en": {"early {}": (1, 3), "mid-{}": (5, 8), "end of {}": (10, 12)},
}
HALVES = {"nl": ["1ste semester {}", "2de semester {}"], "fr": ["1er semestre {}",
          "2e semestre {}"], "en": ["first half of {}", "second half of {}"]}  # fmt: skip


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@st.composite
def points(draw) -> tuple[str, date, date]:
    """A point written as a plan in one of the three languages writes it, with the first
    and last day it means (worked out here, not by the parser)."""
    lang = draw(st.sampled_from(["nl", "fr", "en"]))
    year = draw(st.integers(2000, 2098))
    kind = draw(st.sampled_from(["year", "season", "part", "half", "month", "day"]))
    if kind == "year":
        return str(year), date(year, 1, 1), date(year, 12, 31)
    if kind == "season":
        word, first = draw(st.sampled_from(sorted(SEASON_WORDS[lang].items())))
        if first == 12:
            return f"{word} {year}", date(year, 12, 1), _last_day(year + 1, 2)
        return f"{word} {year}", date(year, first, 1), _last_day(year, first + 2)
    if kind == "part":
        pattern, (first, last) = draw(st.sampled_from(sorted(PART_WORDS[lang].items())))
        return pattern.format(year), date(year, first, 1), _last_day(year, last)
    if kind == "half":
        number = draw(st.integers(1, 2))
        first = 1 + 6 * (number - 1)
        return (
            HALVES[lang][number - 1].format(year),
            date(year, first, 1),
            _last_day(year, first + 5),
        )
    month = draw(st.integers(1, 12))
    if kind == "month":
        return f"{MONTHS[lang][month - 1]} {year}", date(year, month, 1), _last_day(year, month)
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    shown_day = "1er" if lang == "fr" and day == 1 else str(day)
    written = f"{shown_day} {MONTHS[lang][month - 1]} {year}"
    return written, date(year, month, day), date(year, month, day)


SEPARATORS = ["-", " - ", " – ", "– ", "—", " tot ", " à ", " to ", " until "]


@settings(max_examples=400, deadline=None)
@given(points(), points(), st.sampled_from(SEPARATORS))
def test_a_range_between_any_two_points_runs_from_the_first_to_the_last(first, last, separator):
    (a, a_start, a_end), (b, b_start, b_end) = first, last
    written = f"{a}{separator}{b}"
    if b_start < a_start or b_end < a_end:
        with pytest.raises(terms.TermError) as refused:
            terms.parse(written)
        assert refused.value.reason == "backwards"
        return
    term = terms.parse(written)
    assert (term.kind, term.start, term.end, term.complete) == ("range", a_start, b_end, True)
    for lang in ("nl", "fr", "en"):
        again = terms.parse(terms.show(term, lang))
        assert (again.kind, again.start, again.end) == ("range", a_start, b_end)


@settings(max_examples=200, deadline=None)
@given(points(), st.sampled_from(["vanaf ", "à partir de ", "from "]))
def test_from_a_point_on_has_a_start_and_no_end(point, prefix):
    written, start, _end = point
    term = terms.parse(prefix + written)
    assert (term.kind, term.start, term.end) == ("from", start, None)


@settings(max_examples=200, deadline=None)
@given(points(), st.sampled_from(["tegen ", "uiterlijk tegen ", "au plus tard ", "d'ici ", "by "]))
def test_by_a_point_has_an_end_and_no_start(point, prefix):
    written, _start, end = point
    term = terms.parse(prefix + written)
    assert (term.kind, term.start, term.end) == ("by", None, end)
