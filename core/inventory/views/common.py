"""What every page of the inventory shares: the one blueprint (named "inventory", so every
``url_for("inventory.…")`` finds its route whichever module of this package holds it), the
registry of authorities, the reference lists read once per request, how a refusal is said,
and the template filters that name codes in the reader's language. (Which services a reader
may see is core.inventory.access, shared with the API.)"""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, abort, current_app, g
from flask_babel import get_locale
from sqlalchemy import select

from core.db import db_session
from core.i18n import current_language, pick
from core.inventory import schedules
from core.inventory.changes import CHOICE_LABELS, STATE_LABELS
from core.inventory.schedules import in_words
from core.permissions import current, require
from core.reference.models import Prison, ServiceDomain, TargetGroup
from core.web import Outcome, say

blueprint = Blueprint("inventory", __name__)


def registry():
    return current_app.extensions["concerto.registry"]


def say_why(outcome: Outcome, messages) -> None:
    """Why a step was not stored, said on the next page as the inventory's pages always have
    (a warning)."""
    say(outcome, messages, category="warning")


def reference_lists(session):
    """Domains, prisons and target groups, read once per request: the page's own lists and
    the names its templates look up come from the same three queries."""
    if "reference_lists" not in g:
        g.reference_lists = {
            "domains": session.scalars(
                select(ServiceDomain).order_by(ServiceDomain.position)
            ).all(),
            "prisons": session.scalars(
                select(Prison).order_by(Prison.opened_on, Prison.code)
            ).all(),
            "target_groups": session.scalars(
                select(TargetGroup).order_by(TargetGroup.position)
            ).all(),
        }
    return g.reference_lists


@blueprint.app_template_filter("state_label")
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@blueprint.app_template_filter("choice_label")
def choice_label(value: str) -> str:
    return str(CHOICE_LABELS.get(value, value))


def own_authority():
    """The caller's authority, for a page that creates something of it (a service, an
    import, an organisation)."""
    principal = current()
    authority = registry().authorities.get(principal.authority or "")
    require("inventory.edit", principal.authority)
    if authority is None:
        abort(404)
    return authority


# --- names of codes, for templates ------------------------------------------------------------


def _names() -> dict[str, dict[str, str]]:
    """Reference names in the reader's language, read once per request."""
    if "reference_names" not in g:
        session = db_session()
        lists = reference_lists(session)
        g.reference_names = {
            "domain": {d.code: d.local("name").text for d in lists["domains"]},
            "prison": {p.code: p.local("name").text for p in lists["prisons"]},
            "target_group": {t.code: t.local("name").text for t in lists["target_groups"]},
        }
    return g.reference_names


@blueprint.app_template_global("facet_label")
def facet_label(kind: str, code: str) -> str:
    if kind in ("domain", "prison", "target_group"):
        return _names()[kind].get(code, code)
    if kind == "language":
        return language_label(code)
    if kind == "authority":
        authority = registry().authorities.get(code)
        return pick(authority.short_names or authority.names).text if authority else code
    if kind == "state":
        return state_label(code)
    return choice_label(code)


@blueprint.app_template_filter("prison_name")
def prison_name(code: str) -> str:
    return _names()["prison"].get(code, code)


@blueprint.app_template_filter("language_label")
def language_label(code: str) -> str:
    """A language's name in the reader's language, from Babel's data (Arabic, arabe, ...)."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (ValueError, TypeError):
        return code


@blueprint.app_template_filter("schedule_text")
def schedule_text(rule: str | None) -> str:
    """A repeat rule in words, in the reader's language: "every Tuesday, from 14.00 to 16.00"."""
    return in_words(rule, current_language())


@blueprint.app_template_filter("schedule_choices")
def schedule_choices(value):
    """The schedule picker's choices for a stored rule or a form's answer; None: keep it."""
    return schedules.picked(value)


@blueprint.app_template_global("schedule_options")
def schedule_options():
    return schedules.options(get_locale())
