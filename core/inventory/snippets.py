"""What a search result shows of why it matched: its words marked, in an excerpt.

The index answers which services match; this marks, in the few texts a page shows, the
words that made them match: each word typed (as a prefix, without accents or case) and each
synonym (core.inventory.lexicon). A service found through a code (its domain, its
authority's category, a target group, a prison or a language) shows that label, marked.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.i18n import LANGUAGES
from core.inventory import tokens
from core.inventory.lexicon import Expansion, Label, Lexicon, Words
from core.inventory.models import Service

EXCERPT_WORDS = 28  # about two lines of a result
BEFORE = 6  # words kept before the first marked one
KINDS = {
    "category": _l("Category"),
    "domain": _l("Domain"),
    "target_group": _l("Target group"),
    "prison": _l("Prison"),
    "language": _l("Language"),
}


@dataclass(frozen=True)
class Snippet:
    html: Markup  # the text escaped, matched words in <mark>
    lang: str  # the language of its text


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where each word of ``text`` is, and the word as the index has it."""
    return [
        (m.start(), m.end(), word.lower() if word.isascii() else tokens.normalise(word))
        for m in tokens.WORD.finditer(text)
        for word in (m.group(),)
    ]


def _pattern(wanted: list[Words]) -> re.Pattern[str]:
    """One expression for every synonym, over a text's normalised words joined by single
    spaces: each synonym's words in a row, the last one as a prefix where it says so (and
    a word of one letter only as itself), as the index matches them."""

    def one(synonym: Words) -> str:
        *first, last = (re.escape(word) for word in synonym.words)
        tail = r"\S*" if synonym.prefix and len(synonym.words[-1]) > 1 else ""
        return " ".join([*first, last + tail])

    alternatives = sorted({one(synonym) for synonym in wanted}, key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)")


def _html(text: str, spans, marked: set[int], first: int, last: int) -> Markup:
    """``text`` from word ``first`` to word ``last`` (inclusive), escaped, marked."""
    if not spans:
        return Markup(escape(text))
    begin = 0 if first == 0 else spans[first][0]
    end = len(text) if last == len(spans) - 1 else spans[last][1]
    parts = [Markup("… ") if first > 0 else Markup("")]
    position = begin
    for index in range(first, last + 1):
        start, stop, _word = spans[index]
        if index in marked:
            parts.append(escape(text[position:start]))
            parts.append(Markup("<mark>{}</mark>").format(text[start:stop]))
            position = stop
    parts.append(escape(text[position:end]))
    if last < len(spans) - 1:
        parts.append(Markup(" …"))
    return Markup("").join(parts)


def _labels(service: Service, lexicon: Lexicon) -> list[Label]:
    """The labels of the service's codes, in the order a reader would look for them."""
    wanted = [
        ("category", f"{service.authority_code}:{service.category}"),
        ("domain", service.domain_code),
        *(("target_group", code) for code in service.target_groups or []),
        *(("prison", code) for code in service.prison_codes()),
        *(("language", code) for code in service.languages or []),
    ]
    found = [lexicon.label(kind, code) for kind, code in wanted]
    return [label for label in found if label is not None and label.texts]


def _in_order(texts: dict, language: str) -> list[tuple[str, str]]:
    order = [language] + [lang for lang in LANGUAGES if lang != language]
    return [(lang, texts[lang]) for lang in order if texts.get(lang)]


class Marker:
    """Marks what one search matched, in the texts of its results (built once per search:
    the expression it looks for holds every synonym)."""

    def __init__(self, expansion: Expansion, lexicon: Lexicon, language: str) -> None:
        self.pattern = _pattern(expansion.markable())
        self.tokens = expansion.tokens()
        self.lexicon = lexicon
        self.language = language
        self._labels: dict[str, tuple[Markup, bool]] = {}  # results share their labels

    def words(self, text: str) -> tuple[list[tuple[int, int, str]], set[int]]:
        """The words of ``text`` and the indexes of those that matched."""
        spans = _spans(text)
        if not spans:
            return spans, set()
        joined, starts = "", []
        for _start, _stop, word in spans:
            starts.append(len(joined))
            joined += word + " "
        marked: set[int] = set()
        position = 0
        # Matches may overlap ("insertion socioprofessionnelle", "socioprofessionnelle"):
        # each search starts at the word after the last match's first.
        while (match := self.pattern.search(joined, position)) is not None:
            first = bisect.bisect_right(starts, match.start()) - 1
            last = bisect.bisect_right(starts, match.end() - 1) - 1
            marked.update(range(first, last + 1))
            position = starts[first + 1] if first + 1 < len(starts) else len(joined)
        return spans, marked

    def mark(self, text: str) -> Markup:
        """The whole of ``text``, escaped, with the matched words marked (a name)."""
        spans, marked = self.words(text)
        return _html(text, spans, marked, 0, len(spans) - 1)

    def excerpt(self, text: str) -> tuple[Markup, bool]:
        """About two lines of ``text`` around its first matched word, and whether one is."""
        spans, marked = self.words(text)
        if not spans:
            return Markup(escape(text)), False
        first = max(0, min(marked) - BEFORE) if marked else 0
        last = min(len(spans) - 1, first + EXCERPT_WORDS - 1)
        return _html(text, spans, marked, first, last), bool(marked)

    def _headed(self, label: Label, html: Markup, lang: str) -> Snippet:
        """The label as "Domain: …" in the reader's language (French sets a space before
        the colon)."""
        if lang != self.language:
            html = Markup('<span lang="{}">{}</span>').format(lang, html)
        heading = _("%(heading)s: %(subject)s", heading=KINDS[label.kind], subject="\x00")
        before, _sep, after = heading.partition("\x00")
        return Snippet(Markup("").join([escape(before), html, escape(after)]), self.language)

    def snippet(self, service: Service) -> Snippet | None:
        """The first text with a matched word: the description in the reader's language,
        the labels of its codes, the description in another language; else the label of a
        code the synonyms named (the labour-market domain for "emploi"); else the
        description's beginning unmarked (the match was in a name or an identifier); None
        without a description."""
        descriptions = _in_order(service.texts("description"), self.language)
        if descriptions and descriptions[0][0] == self.language:
            html, marked = self.excerpt(descriptions[0][1])
            if marked:
                return Snippet(html, self.language)
        labels = _labels(service, self.lexicon)
        for label in labels:
            lang, text = _in_order(label.texts, self.language)[0]
            if text not in self._labels:
                self._labels[text] = self.excerpt(text)
            html, marked = self._labels[text]
            if marked:
                return self._headed(label, html, lang)
        for lang, text in descriptions:
            html, marked = self.excerpt(text)
            if marked:
                return Snippet(html, lang)
        for label in labels:
            if label.token in self.tokens:
                lang, text = _in_order(label.texts, self.language)[0]
                return self._headed(label, Markup(escape(text)), lang)
        if descriptions:
            lang, text = descriptions[0]
            return Snippet(self.excerpt(text)[0], lang)
        return None
