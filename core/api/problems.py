"""Errors of the API as RFC 9457 problem details, in the caller's language."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

TITLES = {
    400: lambda: _("Bad request"),
    401: lambda: _("Authentication required"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict"),
    412: lambda: _("The record changed since you read it"),
    415: lambda: _("Unsupported media type"),
    422: lambda: _("Invalid data"),
    428: lambda: _("A version is required"),
    429: lambda: _("Too many requests"),
}


def problem(status: int, detail: str, **extra) -> Response:
    title = TITLES.get(status, lambda: _("Error"))()
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="concerto"'
    return response


def invalid_fields(errors: Mapping[str, str], messages: Mapping[str, object]) -> Response:
    """422 listing each field with its error code and what the code means in the caller's
    language (``messages`` by code; a code without a message is shown as it is)."""
    return problem(
        422,
        _("Some fields cannot be stored."),
        errors=[
            {"field": field, "code": code, "message": str(messages.get(code, code))}
            for field, code in sorted(errors.items())
        ],
    )


DETAILS = {
    401: lambda: _("Send a valid personal token in the Authorization header: Bearer <token>."),
    403: lambda: _("Your roles do not allow this."),
    404: lambda: _("There is nothing at this address."),
    405: lambda: _("This address does not accept this method."),
}


def http_problem(error: HTTPException) -> Response:
    """Flask's own errors (404, 405, 413...) as problem details: every API blueprint
    registers this for HTTPException."""
    detail = DETAILS.get(error.code, lambda: error.description)()
    return problem(error.code or 500, detail)
