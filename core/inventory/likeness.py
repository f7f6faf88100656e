"""How alike two services look (issue 23), in pure Python: the same service recorded twice,
often by two authorities, each in its own words. ``core.inventory.duplicates`` chooses
which services to compare and keeps the reviewers' judgements.

Two services are compared when they could be the same offer: they share a prison and a
domain, or their organisations have the same KBO/BCE number. Only those pairs are ever
scored (a submitted service is compared with a few thousand others at most, never the
inventory with itself), so it stays pure Python and fast.

The likeness of two names, in percent, is the best of two readings, for each language both
have a name in (and across languages, a little lower):

- their words, compared without accents or case, in any order, each word matched with the
  closest one of the other name (the same word, an abbreviation of it such as "psych." for
  "psychosociale", an initialism such as "CAW" for "Centrum Algemeen Welzijnswerk", or a
  form close enough, "gedetineerde"/"gedetineerden"); words every prison service uses
  ("begeleiding", "formation", "détenus") count less than those that say what it is;
- their letters, as sets of three-letter groups of the meaningful words put in order, so a
  compound matches its parts ("Theaterwerkplaats", "werkplaats theater").

Two names that carry different numbers ("Groep 1", "Groep 2") are different offers. The same
organisation adds ten points. A pair at or above ``THRESHOLD`` is a likely duplicate; a
reviewer who judges otherwise marks it, and the pair is not proposed again.

tests/test_duplicates.py measures this on pairs written as people write them (precision and
recall, both at least 0.9).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANGS = ("nl", "fr", "en")
THRESHOLD = 0.7
SAME_ORGANISATION_BONUS = 0.1
CROSS_LANGUAGE = 0.8  # a Dutch name read against a French one says less than two Dutch ones
GENERIC_WEIGHT = 0.5
MOST_SHOWN = 10  # likely duplicates listed for one service
# Beginnings of words the full-text index is asked for at once when choosing candidates: for
# a longer review queue, reading the prisons' and domains' services whole was quicker
# (measured in bench/HISTORY.md, "likely duplicates").
MOST_TERMS = 24

WORD = re.compile(r"[^\W_]+")
NUMBER = re.compile(r"\d+")


def _listed(text: str) -> frozenset[str]:
    """The words of a list written as text, one space between them."""
    return frozenset(text.split())


# Little words that say nothing of what a service is, per language of the name.
STOP_WORDS = {
    "nl": _listed(
        "de het een van voor aan en in op met bij tot naar te of door over om uit als "
        "der des na per tegen zonder"
    ),
    "fr": _listed(
        "le la les l un une des du de d et en a au aux pour par sur dans avec ou se sa son "
        "ses leur leurs qui que chez entre sans vers"
    ),
    "en": _listed("the a an of for and to in on with at by from or into"),
}
# Words nearly every service in a prison uses: they count, but less than the others.
GENERIC = _listed(
    """
    hulp hulpverlening begeleiding opleiding opleidingen les lessen cursus cursussen groep
    groepen groepswerking atelier ateliers werking dienst diensten project projecten programma
    training trainingen vorming sessie sessies aanbod gedetineerden gedetineerde gevangenen
    justitiabelen detentie info informatie activiteit activiteiten ondersteuning steun
    individuele individueel
    aide accompagnement formation formations cours groupe groupes service services projet
    programme session sessions seance seances soutien offre detenus detenu detenues
    prisonniers justiciables detention information activite activites individuel individuelle
    collectif collective
    help support training course courses group groups workshop workshops service project
    programme program session sessions detainees detainee prisoners detention information
    activity activities individual
    """
)
# Where it is: said by the prison the service lists, so next to nothing in its name.
PLACES = _listed(
    "haren sint gillis saint gilles vorst forest berkendael brussel bruxelles brussels "
    "gevangenis gevangenissen prison prisons"
)
PLACE_WEIGHT = 0.2
# Words that set two offers apart however alike the rest: for whom (women or men, on remand
# or sentenced), how (one person or a group), in which language. Each axis lists its sides,
# each side the beginnings of its words; a name on one side of an axis and the other name on
# another side only (a Dutch class against a French one) halves the likeness.
CONTRASTS = (
    (
        ("vrouw", "femme", "women", "woman", "dames"),
        ("man", "mannen", "homme", "hommes", "men"),
    ),
    (("individu",), ("groep", "group", "collecti")),
    (("beklaagd", "prevenu", "remand"), ("veroordeeld", "condamne", "sentenced")),
    (
        ("nederlands", "neerlandais", "dutch"),
        ("frans", "francais", "french"),
        ("engels", "anglais", "english"),
        ("arabisch", "arabe", "arabic"),
        ("spaans", "espagnol", "spanish"),
        ("turks", "turc", "turkish"),
    ),
)
CONTRAST_FACTOR = 0.5


def fold(text: str) -> str:
    """Lower case without accents: "Préparation" and "preparation" are one word."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


@lru_cache(maxsize=65536)
def _word_trigrams(word: str) -> frozenset[str]:
    return _trigrams(f" {word} ")


def _jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    common = len(first & second)
    return common / (len(first) + len(second) - common)


def _key(word: str) -> str:
    """Two words are only ever alike if they begin alike: their first four letters (a shorter word is
    alike only to itself)."""
    return word[:4]


@lru_cache(maxsize=262144)
def word_likeness(first: str, second: str) -> float:
    """How alike two words are: 1 when equal, 0.9 when one abbreviates the other (at least
    four letters), 0.8 when they share a stem of five letters or more and most of the shorter
    one ("aumônier", "aumônerie"), else how many letter groups they share if that is more than
    half; 0 for words that begin differently."""
    if first == second:
        return 1.0
    if _key(first) != _key(second):
        return 0.0
    short, long = (first, second) if len(first) <= len(second) else (second, first)
    if len(short) >= 4 and long.startswith(short):
        return 0.9
    if len(short) < 4 or len(long) > 2 * len(short):
        return 0.0
    stem = len(_common_start(short, long))
    if stem >= 5 and stem >= 0.6 * len(short):
        return 0.8
    shared = _jaccard(_word_trigrams(first), _word_trigrams(second))
    return shared if shared >= 0.5 else 0.0


def _common_start(first: str, second: str) -> str:
    end = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        end += 1
    return first[:end]


def _weight(word: str) -> float:
    if word in PLACES:
        return PLACE_WEIGHT
    if word in GENERIC:
        return GENERIC_WEIGHT
    return 0.5 if len(word) <= 2 else 1.0


class Name:
    """One name of a service in one language, read once for every comparison (and kept for
    the next: the same names are compared on every review)."""

    __slots__ = (
        "language",
        "words",
        "keys",
        "meaningful",
        "acronyms",
        "_every",
        "_initials",
        "_letters",
        "_sides",
    )

    def __init__(self, language: str, every: list[str], acronyms: frozenset[str]) -> None:
        self.language = language
        self._every = every
        self._initials: dict[str, tuple[str, ...]] | None = None
        self._letters: frozenset[str] | None = None
        self._sides: frozenset[tuple[int, int]] | None = None
        # Words written in capitals ("CAW", "VDAB"): initialisms another name may spell out.
        self.acronyms = acronyms
        stop = STOP_WORDS.get(language, ())
        kept = tuple(dict.fromkeys(word for word in every if word not in stop))
        if acronyms & set(kept):
            # An initialism the name spells out itself ("Certificat d'études de base (CEB)")
            # says it once: the words go, the initialism stays to be matched.
            spelled = {
                part
                for word in acronyms & set(kept)
                for part in self.initials.get(word, ())
                if part != word
            }
            if spelled and set(kept) - spelled:
                kept = tuple(word for word in kept if word not in spelled)
        self.words = kept  # what it says, in order, without little words
        self.keys = {word[:4] for word in kept}  # _key of each word
        # What it is about: the keys of its words other than the generic ones, the places and
        # the numbers (all of them when it has no other word).
        self.meaningful = {
            word[:4]
            for word in kept
            if word not in GENERIC and word not in PLACES and not word.isdigit()
        } or self.keys

    @property
    def initials(self) -> dict[str, tuple[str, ...]]:
        """ "caw" -> ("centrum", "algemeen", "welzijnswerk"), for every run of two to six
        words, with and without the little words; made only when an initialism asks."""
        if self._initials is None:
            stop = STOP_WORDS.get(self.language, ())
            found: dict[str, tuple[str, ...]] = {}
            for sequence in (self._every, [word for word in self._every if word not in stop]):
                for start in range(len(sequence)):
                    for end in range(start + 2, min(start + 6, len(sequence)) + 1):
                        run = sequence[start:end]
                        found.setdefault("".join(word[0] for word in run), tuple(run))
            self._initials = found
        return self._initials

    @property
    def letters(self) -> frozenset[str]:
        """Its letter groups, the words put in alphabetical order first."""
        if self._letters is None:
            self._letters = _trigrams("".join(sorted(self.words)))
        return self._letters

    @property
    def sides(self) -> frozenset[tuple[int, int]]:
        """The (axis, side) of CONTRASTS its words are on."""
        if self._sides is None:
            joined = " ".join(self.words)
            self._sides = frozenset(
                key for key, pattern in _SIDE_PATTERNS.items() if pattern.search(joined)
            )
        return self._sides

    @classmethod
    def read(cls, text: str, language: str) -> Name | None:
        return _read(text, language)


@lru_cache(maxsize=16384)  # a few MB: the names of an inventory's largest prison and domain
def _read(text: str, language: str) -> Name | None:
    every = WORD.findall(fold(text))
    if not any(word not in STOP_WORDS.get(language, ()) for word in every):
        return None
    acronyms = frozenset(
        fold(word) for word in WORD.findall(text) if 2 <= len(word) <= 6 and word.isupper()
    )
    return Name(language, every, acronyms)


def _side_pattern(beginnings: tuple[str, ...]) -> re.Pattern:
    # A short word must be the word itself ("men"); a longer one may be part of a compound
    # ("vrouwenafdeling", "gespreksgroepen").
    short = [re.escape(part) for part in beginnings if len(part) < 5]
    long = [re.escape(part) for part in beginnings if len(part) >= 5]
    parts = ([rf"\b(?:{'|'.join(short)})\b"] if short else []) + long
    return re.compile("|".join(parts))


_SIDE_PATTERNS = {
    (axis, side): _side_pattern(beginnings)
    for axis, sides in enumerate(CONTRASTS)
    for side, beginnings in enumerate(sides)
}


def _contrasting(first: set[tuple[int, int]], second: set[tuple[int, int]]) -> bool:
    """Whether the two are on different sides of an axis, and never on the same one."""
    if not first or not second:
        return False
    for axis in range(len(CONTRASTS)):
        mine = {side for on, side in first if on == axis}
        theirs = {side for on, side in second if on == axis}
        if mine and theirs and not mine & theirs:
            return True
    return False


def _expand(mine: Name, other: Name) -> tuple[str, ...]:
    """The words of ``mine``, each of its initialisms the other name spells out replaced by
    the words it stands for."""
    candidates = mine.acronyms.difference(other.words)
    if not candidates or not candidates & other.initials.keys():
        return mine.words
    expanded: list[str] = []
    stop = STOP_WORDS.get(other.language, ())
    for word in mine.words:
        run = other.initials.get(word) if word in candidates else None
        if run:
            expanded += [part for part in run if part not in stop]
        else:
            expanded.append(word)
    return tuple(dict.fromkeys(expanded))


def _by_words(first: tuple[str, ...], second: tuple[str, ...]) -> float:
    """A weighted Dice of the two lists of words, each matched with its closest."""
    total = 0.0
    matched = 0.0
    for words, others in ((first, second), (second, first)):
        for word in words:
            weight = _weight(word)
            total += weight
            matched += weight * max(word_likeness(word, other) for other in others)
    return matched / total if total else 0.0


def _expandable(first: Name, second: Name) -> bool:
    return bool(
        (first.acronyms and first.acronyms - set(second.words))
        or (second.acronyms and second.acronyms - set(first.words))
    )


def name_likeness(first: Name, second: Name, floor: float = 0.0) -> float:
    """How alike two names are, from 0 to 1. With a ``floor``, a pair that cannot reach it
    answers 0 without being compared word by word: names whose words all begin differently
    (and have no initialism to spell out) are not alike."""
    shared = first.keys & second.keys
    if not shared and not _expandable(first, second):
        return 0.0
    if floor > 0 and not _expandable(first, second):
        # At best every word that begins like one of the other name's matches it fully.
        weights = [(_weight(word), _key(word) in shared) for word in (*first.words, *second.words)]
        reachable = sum(weight for weight, alike in weights if alike)
        total = sum(weight for weight, _alike in weights)
        letters_at_most = min(len(first.letters), len(second.letters)) / max(
            len(first.letters), len(second.letters), 1
        )
        if reachable / total < floor and letters_at_most < floor:
            return 0.0
    words = _by_words(_expand(first, second), _expand(second, first))
    return max(words, _jaccard(first.letters, second.letters))


class Entry:
    """What the comparison knows of a service."""

    __slots__ = ("id", "authority", "domain", "prisons", "kbo", "names", "numbers", "_read")

    def __init__(
        self,
        id: int,  # noqa: A002 - the service's id, as everywhere
        authority: str,
        domain: str,
        prisons: frozenset[str],
        kbo: str | None,
        names: dict[str, str],
    ) -> None:
        self.id = id
        self.authority = authority
        self.domain = domain
        self.prisons = prisons
        self.kbo = kbo
        self.names = names
        # The numbers its names carry ("Groep 2"): read once, compared with every other.
        self.numbers = {
            number.lstrip("0") for text in names.values() for number in NUMBER.findall(text)
        }
        self._read: dict[str, Name | None] = {}

    def name(self, language: str) -> Name | None:
        if language not in self._read:
            text = self.names.get(language)
            self._read[language] = Name.read(text, language) if text else None
        return self._read[language]

    def sides(self) -> set[tuple[int, int]]:
        return {side for language in LANGS if (name := self.name(language)) for side in name.sides}

    def names_read(self) -> list[Name]:
        return [name for language in LANGS if (name := self.name(language))]

    def keys(self) -> set[str]:
        return {key for name in self.names_read() for key in name.meaningful}

    def acronyms(self) -> set[str]:
        return {word for name in self.names_read() for word in name.acronyms}

    def spells(self, acronyms: set[str]) -> bool:
        return any(acronyms & name.initials.keys() for name in self.names_read())


def related(first: Entry, second: Entry) -> bool:
    """Whether two services' names are about something in common: a word that begins alike
    (other than the generic ones, the places and the numbers), or an initialism of one that
    the other spells out. Names about nothing in common are never alike; the search for
    candidates asks the full-text index for exactly these (``_named_alike``)."""
    if first.keys() & second.keys():
        return True
    mine, theirs = first.acronyms(), second.acronyms()
    return bool((mine and second.spells(mine)) or (theirs and first.spells(theirs)))


def comparable(first: Entry, second: Entry) -> bool:
    """Whether the two could be the same offer: a prison and the domain in common, or the
    same organisation."""
    same_place = first.domain == second.domain and bool(first.prisons & second.prisons)
    return same_place or (first.kbo is not None and first.kbo == second.kbo)


def likeness(first: Entry, second: Entry, at_least: float = 0.0) -> float:
    """How alike two services are, from 0 to 1 (see the module's docstring): their names
    compared in Dutch and in French (in English when neither, in any two languages when they
    share none). With
    ``at_least``, a pair that cannot reach it may answer less than its likeness (the search
    for duplicates asks only which pairs reach the threshold)."""
    numbers, other_numbers = first.numbers, second.numbers
    if numbers and other_numbers and not numbers & other_numbers:
        return 0.0
    bonus = SAME_ORGANISATION_BONUS if first.kbo is not None and first.kbo == second.kbo else 0
    if not related(first, second):
        return bonus
    floor = max(at_least - bonus, 0.0)
    # Dutch and French first; English (a translation, when there is one) only without them.
    pairs = [
        (mine, theirs, 1.0)
        for language in ("nl", "fr")
        if (mine := first.name(language)) and (theirs := second.name(language))
    ]
    if not pairs and (mine := first.name("en")) and (theirs := second.name("en")):
        pairs = [(mine, theirs, 1.0)]
    if not pairs:  # one named in Dutch only, the other in French only
        pairs = [
            (mine, theirs, CROSS_LANGUAGE)
            for language in LANGS
            for other in LANGS
            if language != other
            and (mine := first.name(language))
            and (theirs := second.name(other))
        ]
    best = 0.0
    for mine, theirs, factor in pairs:
        best = max(best, factor * name_likeness(mine, theirs, max(best, floor) / factor))
    if best and _contrasting(first.sides(), second.sides()):
        best *= CONTRAST_FACTOR
    return min(best + bonus, 1.0)


def likely_duplicates(first: Entry, second: Entry) -> tuple[bool, float]:
    """Whether the pair is a likely duplicate, and its likeness (exact from the threshold
    up)."""
    if not comparable(first, second):
        return False, 0.0
    score = likeness(first, second, at_least=THRESHOLD)
    return score >= THRESHOLD, score
