"""Writing a term back in the reader's language."""

from __future__ import annotations

from babel.dates import get_month_names

from core.goals.terms.model import POINT_KINDS, Point, Term
from core.goals.terms.words import LANGUAGES, _plain

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
