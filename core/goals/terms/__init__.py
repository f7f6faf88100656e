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

The words are in ``words``, what a term is in ``model``, the reader in ``reading`` and the
writer in ``writing``; the names the rest of the platform uses are given here.
"""

from core.goals.terms.model import Point, Term, from_dict
from core.goals.terms.reading import parse, tokens_of
from core.goals.terms.words import (
    EXAMPLES,
    FIRST_YEAR,
    HINT_EXAMPLES,
    LANGUAGES,
    LAST_YEAR,
    MONTHS,
    PARTS,
    SEASONS,
    TermError,
)
from core.goals.terms.writing import show, show_point

__all__ = [
    "EXAMPLES",
    "FIRST_YEAR",
    "HINT_EXAMPLES",
    "LANGUAGES",
    "LAST_YEAR",
    "MONTHS",
    "PARTS",
    "SEASONS",
    "Point",
    "Term",
    "TermError",
    "from_dict",
    "parse",
    "show",
    "show_point",
    "tokens_of",
]
