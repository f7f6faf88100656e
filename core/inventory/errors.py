"""The inventory's error codes and their messages in the reader's language, beside the
services that raise them: the pages, the API and the command line word a refusal from here.

``ERRORS`` words the codes of ``Invalid`` (a field's problem), ``WORKFLOW`` those of
``Refused`` (a step the service's state does not allow), ``FILE_PROBLEMS`` those of an
import's report, and ``REFUSALS``/``REPORT_ERRORS`` those of the pages that keep the
inventory true (duplicates, confirmation, error reports)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.inventory import schedules
from core.links import services as links
from core.validation import MESSAGES

ERRORS = {
    **MESSAGES,
    **links.ERRORS,
    "required": _l("This field is required."),
    "unknown": _l("This value is not known."),
    "duplicate": _l("This value is already used."),
    "type": _l("This value has the wrong form."),
    "integer": _l("Give a whole number."),
    "range": _l("Give a number between 0 and 100,000."),
    "too_many_places": _l("That is more places than the prison holds people."),
    "closed": _l("This prison is closed: choose one that is open."),
    "boolean": _l("Give yes or no."),
    "choice": _l("Choose one of the options."),
    "category": _l("Choose one of your authority's categories."),
    **schedules.MESSAGES,
    "date": _l("Give a date as YYYY-MM-DD."),
    "fixed": _l("The identifier cannot change; create a new service instead."),
}
WORKFLOW = {
    "not_a_draft": _l("Only a draft or a returned service can be submitted."),
    "not_submitted": _l("Only a submitted service can be reviewed."),
    "own_change": _l("You made the last change yourself: another committee member reviews it."),
    "withdrawn": _l("A withdrawn service cannot be changed."),
    "snapshot_exists": _l("That year's state of affairs is already frozen."),
    # Disabling a plugin keeps its authority's services in the shared inventory, readable.
    "plugin_disabled": _l(
        "The plugin of this service's authority is not enabled: its services can be read, "
        "not changed."
    ),
}
ORGANIZATION_ERRORS = {"kbo": _l("Give a valid KBO/BCE number, such as 0123.456.749.")}

FILE_PROBLEMS = {
    "too_large": _l("The file is larger than 5 MB. Split it into smaller files."),
    "format": _l("Send a CSV, XLSX or JSON file."),
    "too_many_rows": _l("The file has more than 20,000 rows. Split it into smaller files."),
    "empty": _l("The file has no rows."),
    "encoding": _l("The file is not in UTF-8. Save it again as “CSV UTF-8” and send it again."),
    "unreadable": _l("The file cannot be read. Check that it is a real CSV, XLSX or JSON file."),
    "unpacked_too_large": _l(
        "Unpacked, this spreadsheet is too large. Split it into smaller files."
    ),
    "nested": _l(
        "The JSON file nests lists or objects more than 32 levels deep. Send a list of "
        "services as the export writes it."
    ),
    "unknown_column": _l("This column is not known. Rename or remove it."),
    "missing_column": _l("This column is required."),
    "beyond_columns": _l(
        "This row has more cells than the first row has column names. Remove them or name "
        "their column."
    ),
    "duplicate_row": _l("This identifier appears twice in the file."),
    "changed_meanwhile": _l(
        "Someone changed this service while the file was being checked. Send the file "
        "again to check it against the new version."
    ),
    "failed": _l(
        "The import stopped because of an error in the platform; nothing was stored. Send "
        "the file again; if this happens again, tell the platform's administrators."
    ),
    "interrupted": _l(
        "The import stopped because the platform was restarted; nothing was stored. Send "
        "the file again."
    ),
}


def describe(problem: dict) -> str:
    """A problem of an import (as stored in the job's report) in the reader's language."""
    code = problem["code"]
    return str(FILE_PROBLEMS.get(code) or ERRORS.get(code) or WORKFLOW.get(code) or code)


REFUSALS = {
    "not_published": _l(
        "Only a published service can be confirmed or reported on; a draft is confirmed when "
        "the committee approves it."
    ),
    "same_service": _l("A service cannot be compared with itself."),
    "not_comparable": _l(
        "These two services share neither a prison and a domain nor an organisation: they are "
        "never proposed as duplicates."
    ),
    "already_dismissed": _l("A reviewer already marked these two services as not duplicates."),
    "report_closed": _l("This report was closed already."),
}
REPORT_ERRORS = {
    **MESSAGES,
    "type": _l("This value has the wrong form."),
    "report_empty": _l("Write what is wrong in this service."),
    "report_too_short": _l("Say a little more: what is wrong, and what would be right?"),
    "report_too_long": _l("Write at most 2,000 characters."),
}
