"""``/api/v1/signals``: the register of signals and recommendations. Logged-in callers read the
whole register; anonymous callers only the signals the committee published, and of those only
what the public page shows."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from core.api.problems import invalid_fields, problem
from core.db import db_session
from core.permissions import can, current, require
from core.security import csrf
from core.signals import services as register
from core.signals.models import Signal
from core.validation import Invalid, Refused, Stale

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


def _invalid(invalid: Invalid):
    return invalid_fields(invalid.errors, register.ERRORS)


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
def create_signal():
    require("signals.write")
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    session = db_session()
    try:
        signal = register.create(session, values, current())
        session.commit()
    except Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    return _answer(signal, 201)


@blueprint.patch("/signals/<int(max=2147483647):signal_id>")
def patch_signal(signal_id: int):
    session = db_session()
    signal = session.get(Signal, signal_id)
    if signal is None:
        return problem(404, _("Not found."))
    require("signals.edit", signal)
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return problem(400, _("Send a JSON object."))
    may_publish = can(current(), "signals.publish")
    publishing = values.pop("published", None)
    if publishing is not None and not isinstance(publishing, bool):
        return _invalid(Invalid({"published": "type"}))
    if publishing is not None and not may_publish:
        return problem(403, _("Only the secretariat publishes a signal."))
    expected = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not expected:
        return problem(428, _("Send If-Match with the version you read (the ETag)."))
    try:
        if values:
            register.update(session, signal, values, current(), expected, may_publish=may_publish)
            expected = None  # checked once: publishing follows the change just made
        if publishing is True:
            register.publish(session, signal, expected)
        elif publishing is False:
            register.withdraw(session, signal, expected)
        session.commit()
    except Invalid as invalid:
        session.rollback()
        return _invalid(invalid)
    except Refused as refused:
        session.rollback()
        return problem(409, str(register.ERRORS.get(refused.code, refused.code)))
    except (Stale, StaleDataError):
        session.rollback()
        return problem(412, _("This record was changed since you read it."))
    return _answer(signal)
