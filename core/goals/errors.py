"""The strategic plan's error codes and refusals with their messages in the reader's
language, beside its services: the pages (core.goals.views) and the API (core.goals.api)
word them from here."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.goals import terms
from core.i18n import current_language
from core.validation import MESSAGES


def term_error() -> str:
    return _(
        "This term cannot be read. Write it the way the plan does, for example: %(examples)s.",
        examples=terms.EXAMPLES[current_language()],
    )


ERRORS = {
    **MESSAGES,
    "required": _l("This field is required."),
    "type": _l("This value has the wrong form."),
    "choice": _l("Choose one of the options."),
    "unknown": _l("This value is not known."),
    "one_title": _l("Give a title in Dutch or in French."),
    "same_plan": _l("Choose a goal of another plan: this goal is in the same plan."),
    "linked": _l("This goal already contributes to that one."),
    "percent": _l("Give a whole number from 0 to 100."),
    "weight": _l("Give a whole number from 1 to 100."),
    "lead": _l("Choose the leading authority or write who leads."),
    "cycle": _l("An action cannot be a step of itself or of one of its own steps."),
    "term_year": _l("Give the years of a term between 2000 and 2100."),
    "term_backwards": _l("This term ends before it begins: write the earlier date first."),
    "term_date": _l("This term names a day that does not exist."),
    "term_number": _l("A year has two halves (semesters) and four quarters."),
    # The examples are in the reader's language, so the message is worded when it is shown.
    "term": LazyString(term_error),
}


def error_messages() -> dict[str, object]:
    """The messages by code; the term's names examples in the reader's language."""
    return ERRORS


# Refusals of the yearly cycle (annual plans, evaluations).
YEARLY_REFUSALS = {
    "adopted": _l("This annual plan is adopted and no longer changes."),
    "empty": _l("Add the year's actions before adopting the plan."),
    "approved": _l("This evaluation is approved and no longer changes."),
}

# The yearly cycle's forms word some codes more closely than the plan's actions do.
YEARLY_ERRORS = {
    **ERRORS,
    "number": _l("Give a number."),
    "year": _l("Give a year between 2000 and 2100."),
    "duplicate": _l("This action is already in the annual plan."),
    "one_text": _l("Give the text in Dutch or in French."),
    "url": _l("Give web addresses starting with http:// or https://, separated by spaces."),
    **YEARLY_REFUSALS,
}

# New plans and the goal tree's files (core.goals.exchange).
EXCHANGE_ERRORS = {
    "required": _l("This field is required."),
    "code": _l("Use 2 to 64 lower-case letters, digits or underscores."),
    "duplicate": _l("This value is already used."),
    "year": _l("Give a year between 2000 and 2100."),
    "before_start": _l("This date comes before the start."),
    "goal_code": _l("Give a goal code such as 4 or 4.3."),
    "kind": _l(
        "A goal without a parent is of kind result or support (a strategic goal), goal (a "
        "numbered goal of a plan without operational goals) or option (a strategic option)."
    ),
    "kind_with_parent": _l("An operational goal has a parent and no kind: leave the kind empty."),
    "parent_kind": _l("Only a strategic goal of kind result or support has operational goals."),
    "option_code": _l("Give a strategic option a code such as O1."),
    "one_title": _l("Give a title in Dutch or in French."),
    "other_plan": _l("This file is of another plan: its plan row names another code."),
    "no_steps": _l("Steps belong to an operational goal or to a goal of a plan without them."),
    "step_number": _l("Give a step number such as 1, or 1.2 for the second step under step 1."),
    "step_parent": _l("The step this one is under must come before it in the file."),
    "plan_years": _l("Give the plan's years in the term column, such as 2015-2020."),
    "no_plan_row": _l("The file has no row of kind plan naming the plan."),
    "unknown": _l("No goal has this code."),
    "cycle": _l("This parent would put the goal under itself."),
    "columns": _l(
        "The first row must name the columns: code, parent, kind, title_nl, title_fr, ..."
    ),
    "too_many_rows": _l(
        "The file has more than 1,000 rows, far more than a plan has goals. Check that it is "
        "the right file."
    ),
    "encoding": _l("The file is not in UTF-8. Save it again as “CSV UTF-8” and send it again."),
    "unreadable": _l("The file cannot be read as CSV (UTF-8) or XLSX."),
    "format": _l("The file cannot be read as CSV (UTF-8) or XLSX."),
    "unpacked_too_large": _l(
        "Unpacked, this spreadsheet is too large. Split it into smaller files."
    ),
    "beyond_columns": _l(
        "This row has more cells than the first row has column names. Remove them or name "
        "their column."
    ),
}


def exchange_message(code: str) -> str:
    return str(EXCHANGE_ERRORS.get(code) or ERRORS.get(code, code))
