"""The words of a term, each with the languages that write it, and the examples the forms
show."""

from __future__ import annotations

import re
import unicodedata

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
