"""Security headers and Content-Security-Policy on every response; CSRF on every form."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# Every asset is served by the app itself: no CDN, no inline script, no inline style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _provider_origins(app: Flask) -> list[str]:
    """Origins of the authorities' providers. Logging out posts a form whose answer redirects
    to the provider's end-session endpoint, and browsers hold form redirects to form-action."""
    origins = set()
    for authority in app.config["CONCERTO"]["authorities"].values():
        issuer = authority.get("oidc", {}).get("issuer")
        if issuer:
            parts = urlsplit(issuer)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def _refuse_nul() -> None:
    """A NUL character in the address, the query, a form field or a file's name is a 400
    before any view reads it: nobody types one, no field may hold one, and PostgreSQL
    refuses it even in a lookup ("text fields cannot contain NUL"), which would be a 500
    wherever a crafted value is looked up before it is checked. JSON bodies are refused by
    core.jsonbody."""
    texts = [request.path, *(upload.filename or "" for upload in request.files.values())]
    for fields in (request.args, request.form):
        texts += [text for pair in fields.items(multi=True) for text in pair]
    if any("\x00" in text for text in texts):
        abort(400, description=_("The request holds a character that is not allowed."))


def init_security(app: Flask) -> None:
    app.before_request(_refuse_nul)
    csrf.init_app(app)
    origins = _provider_origins(app)
    policy = CONTENT_SECURITY_POLICY
    if origins:
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))
    headers = {**HEADERS, "Content-Security-Policy": policy}

    @app.after_request
    def _headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if not app.config["CONCERTO"]["development"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def safe_next(target: str | None, default: str = "site.home") -> str:
    """Only paths on this site: an open redirect would let a link send users elsewhere.
    Anything else leads to the page ``default`` names (an endpoint)."""
    if not target:
        return url_for(default)
    if any(ord(ch) < 32 or ord(ch) == 127 or "\ud800" <= ch <= "\udfff" for ch in target):
        return url_for(default)  # a line break would end the Location header
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or target.startswith("/\\")
    ):
        return url_for(default)
    return target
