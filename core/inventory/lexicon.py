"""What a search means: the words typed, their synonyms and the codes they name.

A query is read as a list of *concepts*, each of which a service must match (every word the
reader types counts, stopwords apart). A concept is a word as typed, looked for as a prefix
("reinser" finds "réinsertion"), or several that together are a synonym's ("formation
professionnelle"), each a prefix, in any order; or any of:

- the terms of the subjects of ``synonyms.toml`` it is a term of ("emploi" is also
  "insertion socioprofessionnelle", "werk" and "vocational training"), and the domains and
  target groups those subjects name;
- the codes whose labels hold it: the nine domains, every authority's categories (the
  plugins' vocabularies), the target groups, the prisons and the languages, in nl, fr and
  en ("assuétudes" is COCOF's category of that name, "Haren" its prison).

Codes are matched through the tokens the index stores (core.inventory.tokens), so the
labels, the vocabularies and the synonyms are read when a query is expanded and may change
without any reindexing. Words like "de", "the" or "pour" are left out of a query that has
other words.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from core.inventory import generation
from core.inventory import tokens as spelling
from core.inventory.models import LANGUAGE_CODES
from core.reference.data import REFERENCE
from core.reference.models import Prison, ServiceDomain, TargetGroup

SYNONYMS_FILE = Path(__file__).with_name("synonyms.toml")
LANGS = ("nl", "fr", "en")
MAX_WORDS = 10
# A typed word may still be being typed: from this length on, "toxicom" means "toxicomanie".
STILL_TYPING = 5
# Longer forms of a term that still mean it: "drogues", "werken", "emplois".
ENDINGS = 2


@dataclass(frozen=True)
class Words:
    """Words that follow each other in a text (a synonym such as "formation
    professionnelle"); ``prefix``: the last may go on ("drug*" holds "drughulpverlening")."""

    words: tuple[str, ...]
    prefix: bool = True


@dataclass(frozen=True)
class Concept:
    """One thing a service must match: every word as typed (each a prefix, in any order),
    or one of the synonyms, or one of the codes."""

    typed: tuple[str, ...]
    synonyms: tuple[Words, ...] = ()
    tokens: tuple[str, ...] = ()  # codes of the index (core.inventory.tokens)
    domains: tuple[str, ...] = ()  # the domains its subjects name (a ranking hint)


@dataclass(frozen=True)
class Expansion:
    concepts: tuple[Concept, ...]

    def key(self) -> tuple:
        """What the results depend on: a cache key."""
        return self.concepts

    @property
    def domains(self) -> tuple[str, ...]:
        """The domains the synonyms name: "emploi" means the labour market."""
        return tuple(dict.fromkeys(code for c in self.concepts for code in c.domains))

    def tokens(self) -> set[str]:
        return {token for concept in self.concepts for token in concept.tokens}

    @property
    def has_synonyms(self) -> bool:
        """Whether synonyms were added to what was typed (codes are never in a name, so a
        name matches the expansion exactly when it matches the words typed, without)."""
        return any(c.synonyms for c in self.concepts)

    def markable(self) -> list[Words]:
        """What a text may hold that matched, for marking it: each typed word, each
        synonym."""
        seen: dict[Words, None] = {}
        for concept in self.concepts:
            seen.update(dict.fromkeys(Words((word,)) for word in concept.typed))
            seen.update(dict.fromkeys(concept.synonyms))
        return list(seen)


# --- the synonyms file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: Words  # as looked for in the services' texts
    key: tuple[str, ...]  # its words without stopwords, compared with what is typed
    broad: bool = False


@dataclass(frozen=True)
class Subject:
    code: str
    terms: tuple[Term, ...]
    tokens: tuple[str, ...]  # the domains and target groups it names
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Synonyms:
    subjects: tuple[Subject, ...]
    stopwords: frozenset[str]

    @classmethod
    def parse(cls, data: dict[str, Any], where: str = "synonyms") -> Synonyms:
        """The subjects of a synonyms file, checked: a mistake names the subject and key."""
        stopwords = data.get("stopwords", {})
        if not isinstance(stopwords, dict) or set(stopwords) - set(LANGS):
            raise ValueError(f"{where}: [stopwords] holds lists named nl, fr and en")
        stop = frozenset(
            word
            for lang in LANGS
            for value in stopwords.get(lang, [])
            for word in spelling.words(value)
        )
        domains = {domain["code"] for domain in REFERENCE["domains"]}
        groups = {group["code"] for group in REFERENCE["target_groups"]}
        subjects = []
        for code, raw in data.items():
            if code == "stopwords":
                continue
            if not isinstance(raw, dict):
                raise ValueError(f"{where}: [{code}] must be a table")
            unknown = set(raw) - {*LANGS, "broad", "domains", "target_groups"}
            if unknown:
                raise ValueError(f"{where}: [{code}] has unknown keys {sorted(unknown)}")
            for key, known in (("domains", domains), ("target_groups", groups)):
                wrong = set(raw.get(key, [])) - known
                if wrong:
                    raise ValueError(f"{where}: [{code}] {key} has unknown codes {sorted(wrong)}")
            broad = {tuple(spelling.words(value.rstrip("*"))) for value in raw.get("broad", [])}
            terms = []
            for lang in LANGS:
                for value in raw.get(lang, []):
                    if not isinstance(value, str) or not spelling.words(value.rstrip("*")):
                        raise ValueError(f"{where}: [{code}] {lang} has an empty term {value!r}")
                    found = tuple(spelling.words(value.rstrip("*")))
                    key = tuple(word for word in found if word not in stop) or found
                    words = Words(found, prefix=value.endswith("*"))
                    terms.append(Term(words, key, broad=found in broad))
            if not terms:
                raise ValueError(f"{where}: [{code}] has no terms")
            tokens = [spelling.domain_token(c) for c in raw.get("domains", [])]
            tokens += [spelling.target_group_token(c) for c in raw.get("target_groups", [])]
            subjects.append(
                Subject(
                    code,
                    tuple(dict.fromkeys(terms)),
                    tuple(tokens),
                    tuple(raw.get("domains", [])),
                )
            )
        return cls(tuple(subjects), stop)


@functools.cache
def synonyms() -> Synonyms:
    """The synonyms file, read once per process."""
    with SYNONYMS_FILE.open("rb") as source:
        return Synonyms.parse(tomllib.load(source), SYNONYMS_FILE.name)


# --- labels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A code's label in each language, and the index token it stands for."""

    kind: str  # domain, category, target_group, prison, language
    code: str  # for a category: "<authority>:<code>"
    token: str
    texts: dict[str, str] = field(hash=False, compare=False)
    words: tuple[tuple[str, ...], ...] = field(hash=False, compare=False)  # per language


def _label(kind: str, code: str, token: str, texts: dict[str, str]) -> Label:
    clean = {lang: value for lang, value in texts.items() if value}
    return Label(kind, code, token, clean, tuple(tuple(spelling.words(v)) for v in clean.values()))


@functools.cache
def _language_labels() -> tuple[Label, ...]:
    """The languages services are offered in, named in nl, fr and en (Babel's names)."""
    return tuple(
        _label(
            "language",
            code,
            spelling.language_token(code),
            {lang: Locale.parse(code).get_display_name(lang) or code for lang in LANGS},
        )
        for code in LANGUAGE_CODES
    )


def vocabulary_of(registry) -> dict[str, list]:
    """Each enabled authority's categories (``core.plugins.VocabularyTerm``)."""
    return {code: authority.vocabulary for code, authority in registry.authorities.items()}


TOKENS = {
    "domain": spelling.domain_token,
    "target_group": spelling.target_group_token,
    "prison": spelling.prison_token,
}


@dataclass
class Lexicon:
    """Everything a query's words are compared with: labels of codes, and the synonyms."""

    labels: list[Label]
    synonyms: Synonyms
    by_kind: dict[tuple[str, str], Label] = field(default_factory=dict)
    by_word: dict[str, list[str]] = field(default_factory=dict)  # a label word: its tokens

    def __post_init__(self) -> None:
        self.by_kind = {(label.kind, label.code): label for label in self.labels}
        by_word: dict[str, dict[str, None]] = {}
        for label in self.labels:
            for words in label.words:
                for word in words:
                    by_word.setdefault(word, {})[label.token] = None
        self.by_word = {word: list(tokens) for word, tokens in by_word.items()}

    @classmethod
    def load(cls, session: Session, vocabulary: dict[str, list] | None = None) -> Lexicon:
        """The labels of the domains, target groups and prisons (one statement, kept until
        the next change of the inventory, which their names count in), the categories of
        ``vocabulary`` and the languages."""
        rows = generation.cached(session, ("lexicon-labels",), lambda: _label_rows(session))
        categories = tuple(
            (authority, term.code, tuple(sorted(term.labels.items())))
            for authority, terms in (vocabulary or {}).items()
            for term in terms
        )
        return _lexicon(tuple(tuple(row) for row in rows), categories)

    def label(self, kind: str, code: str) -> Label | None:
        return self.by_kind.get((kind, code))

    def tokens_for(self, phrase: tuple[str, ...]) -> list[str]:
        """The codes one of whose labels holds ``phrase``, each word as a prefix."""
        if len(phrase) == 1:
            typed = phrase[0]
            found: dict[str, None] = dict.fromkeys(self.by_word.get(typed, []))
            if len(typed) >= 3:
                for word, tokens in self.by_word.items():
                    if word.startswith(typed):
                        found.update(dict.fromkeys(tokens))
            return list(found)
        return [
            label.token
            for label in self.labels
            if any(_holds(words, phrase) for words in label.words)
        ]


def _label_rows(session: Session) -> list:
    return session.execute(
        union_all(
            *(
                select(literal(kind), model.code, model.name_nl, model.name_fr, model.name_en)
                for kind, model in (
                    ("domain", ServiceDomain),
                    ("target_group", TargetGroup),
                    ("prison", Prison),
                )
            )
        )
    ).all()


@functools.lru_cache(maxsize=8)
def _lexicon(rows: tuple, categories: tuple) -> Lexicon:
    """The lexicon of these labels, built once per process while they stay the same (a
    search reads them in one statement, and builds nothing more unless one changed)."""
    labels = [
        _label(kind, code, TOKENS[kind](code), {"nl": nl, "fr": fr, "en": en})
        for kind, code, nl, fr, en in rows
    ]
    labels += [
        _label(
            "category",
            f"{authority}:{code}",
            spelling.category_token(authority, code),
            dict(texts),
        )
        for authority, code, texts in categories
    ]
    return Lexicon(labels + list(_language_labels()), synonyms())


def _word_in_label(typed: str, word: str) -> bool:
    # As in the texts: a typed word is a prefix; one or two letters must be the whole word.
    return word == typed or (len(typed) >= 3 and word.startswith(typed))


def _holds(label: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    width = len(phrase)
    return any(
        all(_word_in_label(typed, label[start + i]) for i, typed in enumerate(phrase))
        for start in range(len(label) - width + 1)
    )


# --- expanding a query ---------------------------------------------------------------------


def _typed_means(typed: str, term: str, prefix: bool, last: bool) -> bool:
    """Whether a typed word stands for a term's word: the same word, a longer form of it
    (an ending, or anything after a term marked with *), or, for the last word, the
    beginning of it still being typed."""
    if typed == term:
        return True
    if typed.startswith(term) and (prefix and last or len(typed) - len(term) <= ENDINGS):
        return len(term) >= 3
    return last and len(typed) >= STILL_TYPING and term.startswith(typed)


def _subjects_at(
    typed: list[str], positions: list[int], start: int, synonyms: Synonyms
) -> tuple[int, list[Subject]]:
    """The longest run of meaningful words from ``positions[start]`` that is a term, as
    (how many words, the subjects it is a term of); (0, []) when none is."""
    best, found = 0, []
    first = typed[positions[start]]
    for subject in synonyms.subjects:
        for term in subject.terms:
            width = len(term.key)
            if width < best or start + width > len(positions):
                continue
            # Most terms differ from the first word typed in its first letter: cheap to skip.
            if term.key[0][0] != first[0]:
                continue
            if all(
                _typed_means(
                    typed[positions[start + i]],
                    word,
                    term.words.prefix,
                    last=i == width - 1,
                )
                for i, word in enumerate(term.key)
            ):
                if width > best:
                    best, found = width, []
                if subject not in found:
                    found.append(subject)
    return best, found


def expand(query: str, lexicon: Lexicon) -> Expansion | None:
    """The concepts of ``query``, or None when it has no words."""
    typed = spelling.words(query)[:MAX_WORDS]
    if not typed:
        return None
    stop = lexicon.synonyms.stopwords
    positions = [i for i, word in enumerate(typed) if word not in stop] or list(range(len(typed)))
    concepts = []
    start = 0
    while start < len(positions):
        width, subjects = _subjects_at(typed, positions, start, lexicon.synonyms)
        width = width or 1
        meaningful = tuple(typed[position] for position in positions[start : start + width])
        # Labels are matched with any stopword between the words ("aide en matière de").
        span = tuple(typed[positions[start] : positions[start + width - 1] + 1])
        synonyms: list[Words] = []
        tokens = lexicon.tokens_for(span)
        domains: list[str] = []
        for subject in subjects:
            synonyms += [term.words for term in subject.terms if not term.broad]
            tokens += subject.tokens
            domains += subject.domains
        concepts.append(
            Concept(
                typed=meaningful,
                synonyms=tuple(dict.fromkeys(synonyms)),
                tokens=tuple(dict.fromkeys(tokens)),
                domains=tuple(dict.fromkeys(domains)),
            )
        )
        start += width
    return Expansion(tuple(concepts))
