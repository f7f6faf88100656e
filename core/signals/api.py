"""``/api/v1/signals``: the register of signals and recommendations. Logged-in callers read the
whole register; anonymous callers only the signals the committee published, and of those only
what the public page shows."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from core.api.problems import problem
from core.db import db_session
from core.permissions import can, current, require
from core.security import csrf
from core.signals import services as register
from core.signals.errors import ERRORS
from core.signals.models import Signal
from core.validation import Invalid
from core.web import api_write, check_version, expected_version, json_object

blueprint = Blueprint("signals_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)

LANGS = ("nl", "fr", "en")


def public_body(signal: Signal) -> dict:
    return {
        "id": signal.id,
        **{f"title_{lang}": getattr(signal, f"title_{lang}") for lang in LANGS},
        **{f"summary_{lang}": getattr(signal, f"summary_{lang}") for lang in LANGS},
        "addressee": signal.addressee,
        "answered_on": signal.answered_on.isoformat() if signal.answered_on else None,
        "published_at": signal.published_at.isoformat() if signal.published_at else None,
    }


def body(signal: Signal) -> dict:
    return {
        **public_body(signal),
        **{f"text_{lang}": getattr(signal, f"text_{lang}") for lang in LANGS},
        "prison": signal.prison_code,
        "domain": signal.domain_code,
        "addressee_kind": signal.addressee_kind,
        "status": signal.status,
        "sent_on": signal.sent_on.isoformat() if signal.sent_on else None,
        **{f"answer_{lang}": getattr(signal, f"answer_{lang}") for lang in LANGS},
        "published": signal.published,
        "links": signal.links or [],
        "authority": signal.authority_code,
        "written_by": signal.written_by,
        "created_at": signal.created_at.isoformat(),
        "version": signal.version,
    }


def _answer(signal: Signal, status: int = 200):
    response = jsonify(body(signal))
    response.status_code = status
    response.headers["ETag"] = f'"{signal.version}"'
    return response


def _current(signal_id: int) -> dict | None:
    """The signal as it is stored now, for a 412 (read after the rollback)."""
    signal = db_session().get(Signal, signal_id)
    return body(signal) if signal is not None else None


@blueprint.get("/signals")
def list_signals():
    session = db_session()
    if not can(current(), "signals.read"):
        return jsonify(
            {"items": [public_body(signal) for signal in register.public_listing(session)]}
        )
    status = (request.args.get("status") or "")[:16]
    found = session.scalars(register.listing(session, {"status": status})).all()
    return jsonify({"items": [body(signal) for signal in found]})


@blueprint.get("/signals/indicators")
def indicators():
    """Goal 1.2 per year: signals sent, answered and published."""
    return jsonify({"years": register.indicators(db_session())})


@blueprint.get("/signals/<int(max=2147483647):signal_id>")
def get_signal(signal_id: int):
    signal = db_session().get(Signal, signal_id)
    if signal is None:
        return problem(404, _("Not found."))
    if not can(current(), "signals.read"):
        # Unpublished signals do not exist for the public.
        if not signal.published:
            return problem(404, _("Not found."))
        return jsonify(public_body(signal))
    return _answer(signal)


@blueprint.post("/signals")
@api_write(messages=ERRORS)
def create_signal():
    require("signals.write")
    values = json_object()
    session = db_session()
    signal = register.create(session, values, current())
    session.commit()
    return _answer(signal, 201)


@blueprint.patch("/signals/<int(max=2147483647):signal_id>")
@api_write(messages=ERRORS, current=_current)
def patch_signal(signal_id: int):
    session = db_session()
    signal = session.get(Signal, signal_id)
    if signal is None:
        return problem(404, _("Not found."))
    require("signals.edit", signal)
    values = json_object()
    may_publish = can(current(), "signals.publish")
    publishing = values.pop("published", None)
    if publishing is not None and not isinstance(publishing, bool):
        raise Invalid({"published": "type"})
    if publishing is not None and not may_publish:
        return problem(403, _("Only the secretariat publishes a signal."))
    expected = expected_version()
    if values:
        register.update(session, signal, values, current(), expected, may_publish=may_publish)
        expected = None  # checked once: publishing follows the change just made
    elif publishing is None:
        check_version(signal, expected)  # nothing to change, but the version still counts
    if publishing is True:
        register.publish(session, signal, expected)
    elif publishing is False:
        register.withdraw(session, signal, expected)
    session.commit()
    return _answer(signal)
