"""What the plan's pages share: the blueprint, the template filters that word goals,
terms and figures, and finding a goal or a plan or answering 404."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from core.clock import in_brussels, utcnow
from core.db import db_session
from core.goals import terms
from core.goals.models import (
    STATUS_LABELS,
    Goal,
    Plan,
    PlanAction,
)
from core.i18n import LocalText, authority_name, current_language, show_date
from core.reference.models import Prison
from core.web import Outcome, get_or_404, say

blueprint = Blueprint("goals", __name__)

LANGUAGE_NOTES = {
    "nl": _l("in Dutch"),
    "fr": _l("in French"),
    "en": _l("in English"),
}


@blueprint.app_template_filter("lang_note")
def lang_note(text: LocalText) -> Markup:
    """A visible note of the language a text is shown in when the reader's is missing (a
    plan an authority wrote in its own language only); nothing when it is the reader's."""
    if not isinstance(text, LocalText) or not text.text or text.lang == current_language():
        return Markup("")
    return Markup(' <small class="lang-note">({})</small>').format(LANGUAGE_NOTES[text.lang])


@blueprint.app_template_filter("goal_label")
def goal_label(goal: Goal) -> str:
    """A goal named as its plan names it: a strategic or operational goal of a tree, a
    numbered goal of a flat plan ("doelstelling 7"), or a strategic option."""
    if goal.kind == "goal":
        return _("Goal %(code)s", code=goal.code)
    if goal.kind == "option":
        return _("Strategic option %(number)s", number=goal.code.removeprefix("O"))
    if goal.parent_id is not None:
        return _("Operational goal %(code)s", code=goal.code)
    return _("Strategic goal %(code)s", code=goal.code)


@blueprint.app_template_filter("plan_owner")
def plan_owner_name(plan: Plan) -> str:
    """Whose plan it is, in words: the committee's, or an authority's (for one prison)."""
    if plan.authority_code is None:
        return _("Consultation committee")
    owner = authority_name(plan.authority_code)
    if plan.prison_code:
        prison = db_session().get(Prison, plan.prison_code)
        name = prison.local("name").text if prison else plan.prison_code
        return _("%(authority)s, local action plan of %(prison)s", authority=owner, prison=name)
    return owner


@blueprint.app_template_filter("term")
def show_term(action: PlanAction) -> str:
    """The action's term in the reader's words ("autumn 2015 – spring 2017 or 2018"),
    whichever language it was typed in; "no term" when the plan gives none."""
    return terms.show(terms.from_dict(action.term), current_language())


@blueprint.app_template_filter("term_dates")
def term_dates(action: PlanAction) -> str:
    """The days the action runs between, which decide when it is overdue."""
    if action.ends_on is None:
        return _("none, so never overdue")
    if action.starts_on is None:
        return _("by %(end)s", end=show_date(action.ends_on))
    return _(
        "%(start)s to %(end)s", start=show_date(action.starts_on), end=show_date(action.ends_on)
    )


@blueprint.app_template_filter("term_read")
def term_read(action: PlanAction) -> terms.Term | None:
    return terms.from_dict(action.term)


@blueprint.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value / 100)


@blueprint.app_template_filter("number")
def number(value: float | None) -> str:
    return "–" if value is None else format_decimal(value)


@blueprint.app_template_filter("action_status")
def action_status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def action_statuses() -> dict[str, int]:
    return current_app.config["CONCERTO"]["action_statuses"]


def today() -> date:
    return in_brussels(utcnow()).date()


def goal_or_404(goal_id: int) -> Goal:
    return get_or_404(Goal, goal_id)


def plan_or_404(code: str) -> Plan:
    found = db_session().scalar(select(Plan).where(Plan.code == code[:64]))
    if found is None:
        abort(404)
    return found


RATING_LABELS = {
    "achieved": _l("achieved"),
    "largely": _l("largely achieved"),
    "partly": _l("partly achieved"),
    "not_achieved": _l("not achieved"),
}


@blueprint.app_template_filter("rating")
def rating(code: str) -> str:
    return str(RATING_LABELS.get(code, code))


def said(outcome: Outcome, messages: Mapping[str, Any], done: str) -> Outcome:
    """Say on the page gone back to what became of a step (core.web.say)."""
    return say(outcome, messages, done=done)
