"""The web layer every feature's pages and API share: finding a record or answering 404,
running one service step inside the request's transaction, and turning what a service
refuses into the answer a reader or a client expects, the same in every feature.

Services raise ``core.validation``'s ``Invalid`` (fields with error codes), ``Refused`` (the
record's state does not allow the step) and ``Stale`` (someone saved the record since it
was read); each feature keeps its codes' messages beside its services (``errors.py``). The
helpers here roll the transaction back, so a refused step never leaves half a change, and
word the refusal in the reader's language.

Pages: ``attempt`` runs a step and commits, or rolls back and says why in an ``Outcome``;
``step_and_redirect`` does the whole POST-redirect-GET round for the common form.

API: ``json_object`` and ``expected_version`` read a write's body and its If-Match, and
``api_write`` answers every refusal the same way in every feature:

========================================  ======
what happened                             status
========================================  ======
a body whose content type is not JSON     415
JSON that is not an object                400
no If-Match where a version is needed     428
``Stale`` (or an If-Match already old)    412, with the record as it now stands
``Invalid``                               422, each field with its code and message
``Refused``                               409 (403 for a refusal about the person)
========================================  ======
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, make_response, redirect, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.api.problems import invalid_fields, problem
from core.db import db_session
from core.validation import Invalid, Refused, Stale, check_version  # noqa: F401 (API writes take it from here)

T = TypeVar("T")

# The largest id a route takes (a 32-bit integer column): beyond it nothing can exist, and
# PostgreSQL would refuse the lookup itself.
LARGEST_ID = 2_147_483_647


def get_or_404(model: type[T], record_id: Any) -> T:
    """The record of ``model`` with this id, or a 404 answer."""
    if isinstance(record_id, int) and not 0 < record_id <= LARGEST_ID:
        abort(404)
    found = db_session().get(model, record_id)
    if found is None:
        abort(404)
    return found


def stale_message() -> str:
    return _(
        "Someone else saved this in the meantime. Nothing was overwritten: "
        "the page now shows their version; make your change again."
    )


def message(code: str, messages: Mapping[str, Any]) -> str:
    """``code``'s message in the reader's language (a code without one is shown as it is,
    which the page-words test catches)."""
    return str(messages.get(code, code))


def field_messages(errors: Mapping[str, str], messages: Mapping[str, Any]) -> dict[str, str]:
    """Each field's error code worded, for a form that shows its errors beside the fields."""
    return {field: message(code, messages) for field, code in errors.items()}


# --- pages -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of a step: its result, or why nothing was stored."""

    result: Any = None
    invalid: dict[str, str] | None = None  # field -> error code
    refused: str | None = None  # the refusal's code
    stale: bool = False

    @property
    def ok(self) -> bool:
        return self.invalid is None and self.refused is None and not self.stale


def attempt(step: Callable[[Session], Any]) -> Outcome:
    """Run ``step`` with the request's session and commit; on ``Invalid``, ``Refused`` or
    ``Stale`` (also when the commit finds the row changed) roll back and say which."""
    session = db_session()
    try:
        result = step(session)
        session.commit()
    except Invalid as invalid:
        session.rollback()
        return Outcome(invalid=dict(invalid.errors))
    except Refused as refused:
        session.rollback()
        return Outcome(refused=refused.code)
    except (Stale, StaleDataError):
        session.rollback()
        return Outcome(stale=True)
    return Outcome(result=result)


def why_not_stored(
    outcome: Outcome, messages: Mapping[str, Any], refusals: Mapping[str, Any] | None = None
) -> str:
    """Why a step was not stored, in the reader's language: the record changed meanwhile,
    the refusal's message (from ``refusals`` when a feature keeps them apart), or the
    problems with what was typed, each once."""
    if outcome.stale:
        return stale_message()
    if outcome.refused is not None:
        return message(outcome.refused, refusals if refusals is not None else messages)
    return " ".join(dict.fromkeys(field_messages(outcome.invalid or {}, messages).values()))


def say(
    outcome: Outcome,
    messages: Mapping[str, Any],
    *,
    done: str | None = None,
    refusals: Mapping[str, Any] | None = None,
    category: str = "error",
) -> Outcome:
    """Say on the next page what became of a step: ``done``, or why nothing was stored (as
    ``category``: the inventory's pages say it as a warning)."""
    if outcome.ok:
        if done:
            flash(done, "success")
    else:
        flash(why_not_stored(outcome, messages, refusals), category)
    return outcome


def step_and_redirect(
    step: Callable[[Session], Any],
    *,
    messages: Mapping[str, Any],
    to: str | Callable[[Any], str],
    done: str | None = None,
    back: str | None = None,
    on_invalid: Callable[[dict[str, str]], Any] | None = None,
):
    """The POST-redirect-GET round of a form: run ``step``; when it is stored, say ``done``
    and go ``to`` (an address, or a function of the step's result); when it is refused or
    stale, say why and go ``back`` (by default ``to``, which must then be an address).
    ``on_invalid`` shows the form again with each field's message, keeping what was typed;
    without it the first problem is said on the page gone back to."""
    outcome = attempt(step)
    if outcome.ok:
        if done:
            flash(done, "success")
        return redirect(to(outcome.result) if callable(to) else to, 303)
    if outcome.invalid is not None and on_invalid is not None:
        return on_invalid(field_messages(outcome.invalid, messages))
    say(outcome, messages)
    return redirect(back or to, 303)  # type: ignore[arg-type]


# --- API ---------------------------------------------------------------------------------------


class BadBody(Exception):
    """A write's body that is not a JSON object: 415 for another content type, 400 for JSON
    that does not parse or is not an object."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class VersionRequired(Exception):
    """A write that changes a record came without the If-Match it was read with."""


def json_object() -> dict:
    """The write's body: a JSON object sent as ``application/json``."""
    if not request.is_json:
        raise BadBody(415)
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        raise BadBody(400)
    return values


def expected_version() -> str:
    """The version the client read, from If-Match (``"7"``, also weak: ``W/"7"``). Services
    compare it as text, so a value that is no version of ours is simply stale."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise VersionRequired
    return header.removeprefix("W/").strip('"')


def etag(record: Any) -> str:
    return f'"{record.version}"'


def api_write(
    *,
    messages: Mapping[str, Any],
    current: Callable[..., Any] | None = None,
    about_the_person: Collection[str] = (),
):
    """Wrap an API write so that it answers every refusal as the table above says. The view
    commits when its step is stored; on any refusal the transaction is rolled back.
    ``current(**route_arguments)`` gives the record's representation for a 412 (None when
    it is gone); ``about_the_person`` lists the refusal codes that say "not yours" (403)."""

    def decorate(view):
        @wraps(view)
        def run(*args, **kwargs):
            session = db_session()
            try:
                return view(*args, **kwargs)
            except BadBody as bad:
                session.rollback()
                return body_problem(bad.status)
            except VersionRequired:
                session.rollback()
                return problem(428, _("Send the ETag you read in an If-Match header."))
            except Invalid as invalid:
                session.rollback()
                return invalid_fields(invalid.errors, messages)
            except Refused as refused:
                session.rollback()
                status = 403 if refused.code in about_the_person else 409
                return problem(status, message(refused.code, messages), code=refused.code)
            except (Stale, StaleDataError):
                session.rollback()
                extra = {}
                if current is not None:
                    now = current(*args, **kwargs)
                    if now is not None:
                        extra["current"] = now
                return make_response(
                    problem(
                        412,
                        _(
                            "Someone changed this record since you read it. "
                            "Read it again and redo your change."
                        ),
                        **extra,
                    )
                )

        return run

    return decorate


def body_problem(status: int):
    if status == 415:
        return problem(415, _("Send a JSON object with Content-Type: application/json."))
    return problem(400, _("Send a JSON object."))
