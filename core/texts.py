"""Texts per language: a record's ``<field>_nl``, ``<field>_fr`` and ``<field>_en`` columns
read through ``LocalizedMixin``, and the ``LocalText`` that remembers which language it is in.

Below ``core.i18n`` (which sets up the languages of the app) so that the models can use it:
the reference models do, and ``core.i18n`` reads the stored authorities' names.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context
from flask_babel import get_locale
from markupsafe import Markup, escape

from core.config import LANGUAGES


def current_language() -> str:
    """The two-letter language of the current request ("nl", "fr" or "en")."""
    return get_locale().language if has_request_context() else "en"


@dataclass(frozen=True)
class LocalText:
    """A text in a given language; ``lang`` tells screen readers when it is not the page's."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def labelled(self, prefix: str = "", limit: int | None = None) -> LocalText:
        """The text after ``prefix`` (a goal's number), cut at ``limit`` characters, still
        in its language: for the options of a list, which hold text and a ``lang`` only."""
        text = f"{prefix}{self.text}"
        if limit and len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return LocalText(text, self.lang)

    def __html__(self) -> str:
        if has_request_context() and self.lang != current_language():
            return Markup('<span lang="{}">{}</span>').format(self.lang, self.text)
        return str(escape(self.text))


def pick(texts: dict[str, str | None], language: str | None = None) -> LocalText:
    """The text in ``language``, else in the other official languages, else in English."""
    language = language or current_language()
    order = [language] + [lang for lang in ("nl", "fr", "en") if lang != language]
    for lang in order:
        if texts.get(lang):
            return LocalText(texts[lang], lang)
    return LocalText("", language)


class LocalizedMixin:
    """Models with ``<field>_nl``, ``<field>_fr`` and ``<field>_en`` columns."""

    def texts(self, field: str) -> dict[str, str | None]:
        return {lang: getattr(self, f"{field}_{lang}", None) for lang in LANGUAGES}

    def local(self, field: str, language: str | None = None) -> LocalText:
        return pick(self.texts(field), language)
