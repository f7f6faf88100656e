"""Languages: locale choice, Belgian formats, per-plugin gettext domains, texts per language.

English is the source language of the code; Dutch and French catalogues are complete (a test
fails otherwise). Record texts that users write are stored per language in ``*_nl``,
``*_fr`` and ``*_en`` columns and read through ``LocalizedMixin``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import flask_babel
from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale, lazy_gettext
from markupsafe import Markup

from core.config import LANGUAGES
from core.db import db_session
from core.reference.models import Authority
from core.texts import LocalizedMixin, LocalText, current_language, pick

# Texts per language live in core.texts (below the models); the features read them from here.
__all__ = ["LocalText", "LocalizedMixin", "current_language", "pick"]

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
# Belgian variants: dates, numbers and currencies follow nl_BE, fr_BE and en_BE.
REGION = "BE"
# Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
# Each language named in the reader's language, for running text.
LANGUAGE_LABELS = {
    "nl": lazy_gettext("Dutch"),
    "fr": lazy_gettext("French"),
    "en": lazy_gettext("English"),
}


# One way to write a day and a moment in every language, on pages, in e-mail subjects and in
# files: the Belgian day/month/year with four digits and the 24-hour clock (Babel patterns).
# Babel's "short" differs per language (19/01/2027 in Dutch, 19/01/27 in French).
DATE_PATTERN = "dd/MM/yyyy"
TIME_PATTERN = "HH:mm"


# The authorities whose people read French first; the others' read Dutch first. For a person
# without a chosen language (an e-mail to an action's owner known only by address).
FRENCH_FIRST = ("federatie_wb", "cocof")


def language_of_authority(code: str | None) -> str:
    return "fr" if code in FRENCH_FIRST else "nl"


def show_date(value) -> str:
    """A date (or the Brussels date of a moment) as 19/01/2027."""
    return flask_babel.format_date(value, DATE_PATTERN) if value else ""


def show_datetime(value) -> str:
    """A moment stored in UTC, in Brussels time, as 19/01/2027 14:00."""
    return flask_babel.format_datetime(value, f"{DATE_PATTERN} {TIME_PATTERN}") if value else ""


def choose_language() -> str:
    """The user's explicit choice, else their authority's language, else the browser's, else
    the configured default (nl). A script calling the API says what it reads in its
    Accept-Language header, so there that header comes first."""
    if has_request_context() and request.path.startswith(("/api/", "/hsds/")):
        asked = request.accept_languages.best_match(LANGUAGES)
        if asked:
            return asked
    chosen = session.get("language") if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    user = g.get("user") if has_request_context() else None
    authority_language = getattr(user, "default_language", None)
    if authority_language in LANGUAGES:
        return authority_language
    if has_request_context():
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return current_app.config["CONCERTO"]["default_locale"]


def select_locale() -> str:
    return f"{choose_language()}_{REGION}"


def init_babel(app) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "nl_BE")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Brussels")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CORE_TRANSLATIONS)
    babel = Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
        languages=LANGUAGES,
        localized=localized,
    )
    app.jinja_env.filters["lang_attr"] = lang_attr
    # One way to name an authority on every page, export and e-mail: ``code|authority_name``
    # or ``authority_name(code)``; ``short=True`` for charts, badges and parentheses.
    app.jinja_env.globals["authority_name"] = authority_name
    app.jinja_env.filters["authority_name"] = authority_name
    # The colon after a label, as Django's label_suffix: French sets a (non-breaking) space before it.
    app.jinja_env.globals["colon"] = lazy_gettext(":")
    app.jinja_env.filters["figure"] = show_figure
    app.jinja_env.filters["language_name"] = lambda code: str(LANGUAGE_LABELS.get(code, code))
    # Stored in UTC, shown in Brussels time, written one way on pages, in e-mails and in files.
    app.jinja_env.filters["datetime_local"] = show_datetime
    app.jinja_env.filters["time_local"] = lambda value: flask_babel.format_time(value, TIME_PATTERN)
    app.jinja_env.filters["date_local"] = show_date
    app.jinja_env.filters["file_size"] = show_file_size
    app.jinja_env.filters["month_name"] = month_name
    return babel


def show_file_size(count: int) -> str:
    """A number of bytes as kB or MB, written as the reader writes numbers."""
    if count < 1024 * 1024:
        return f"{flask_babel.format_decimal(round(count / 1024, 1))} kB"
    return f"{flask_babel.format_decimal(round(count / 1024 / 1024, 1))} MB"


def month_name(month: int) -> str:
    """A month's name (1-12) standing alone, in the reader's language."""
    return get_locale().months["stand-alone"]["wide"][month]


def show_figure(value) -> str:
    """A stored number as the reader writes it (2,5 in nl and fr, 2.5 in en), without group
    separators so that it reads back unchanged from a form field; text is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return flask_babel.format_decimal(value, "0.###")
    return str(value)


def authority_name(code: str | None, short: bool = False, language: str | None = None) -> str:
    """An authority in words, never its code: its name, or its short name, in the reader's
    language (or ``language``), from the plugin registry; an authority whose plugin is no longer
    enabled keeps the name stored when it was."""
    if not code:
        return ""
    registry = current_app.extensions.get("concerto.registry")
    authority = registry.authorities.get(code) if registry is not None else None
    if authority is not None:
        return pick(authority.short_names if short else authority.names, language).text
    stored = db_session().get(Authority, code) if has_request_context() else None
    return stored.local("name", language).text if stored is not None else code


def plugin_domain(code: str, translations: Path) -> Domain:
    """The gettext domain of one plugin, merged over the core's catalogue so that a plugin's
    page can use both its own strings and the layout's."""
    return Domain([str(CORE_TRANSLATIONS), str(translations)], f"messages;concerto_{code}")


def localized(obj, field: str | None = None, language: str | None = None) -> LocalText:
    """``localized({"nl": ..., "fr": ...})`` for plugin labels, ``localized(prison, "name")``
    for a record's columns."""
    if isinstance(obj, dict):
        return pick(obj, language)
    return obj.local(field, language)


def lang_attr(text: LocalText) -> Markup:
    if isinstance(text, LocalText) and text.lang != current_language():
        return Markup(' lang="{}"').format(text.lang)
    return Markup("")
