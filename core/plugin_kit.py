"""What the core offers plugin authors so that a plugin stays a page of hooks.

A plugin package is laid out as::

    concerto_<code>/__init__.py     hooks; CONCERTO_PLUGIN_API = "1.0"
    concerto_<code>/translations/   <lang>/LC_MESSAGES/concerto_<code>.po
    concerto_<code>/migrations/     Alembic revisions, version table alembic_version_<code>
    concerto_<code>/templates/      pages, addressed as "<code>/<name>.html"

``package_hooks`` returns the three hooks that point the core at those folders,
``identity_hooks`` the two that describe the authority's identity provider (its demo people
and where it lists roles), ``about_hooks`` the authority's page and its navigation item. A
plugin's ``__init__.py`` then says only what is its own: its authority, roles, words,
fields, reports and data.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_babel import Domain

from core.hookspecs import hookimpl
from core.i18n import plugin_domain


def package_hooks(package_file: str):
    """``template_dirs``, ``translation_dirs`` and ``migration_dir`` for a standard layout."""
    root = Path(package_file).parent

    @hookimpl
    def template_dirs():
        return [root / "templates"] if (root / "templates").is_dir() else []

    @hookimpl
    def translation_dirs():
        return [root / "translations"]

    @hookimpl
    def migration_dir():
        return root / "migrations"

    return template_dirs, translation_dirs, migration_dir


def translations(code: str, package_file: str) -> Domain:
    """The plugin's gettext domain ``concerto_<code>``, merged over the core's catalogue."""
    return plugin_domain(code, Path(package_file).parent / "translations")


def about_blueprint(code: str, domain: Domain, description) -> Blueprint:
    """A page at /<code>/ telling how the authority takes part, in the plugin's own words."""
    blueprint = Blueprint(f"{code}_plugin", f"concerto_{code}", url_prefix=f"/{code}")

    @blueprint.before_request
    def _use_plugin_domain():
        domain.as_default()

    @blueprint.get("/")
    def about():
        authority = current_app.extensions["concerto.registry"].authorities.get(code)
        return render_template("plugin_about.html", authority=authority, description=description)

    return blueprint


def claim_roles(claim: str, prefix: str = ""):
    """A ``map_claims`` mapper for providers that list roles in one claim, as a list or a
    space-separated string; with ``prefix`` only values carrying it count, without it."""

    def map_claims(claims: dict) -> list[str]:
        values = claims.get(claim) or []
        if isinstance(values, str):
            values = values.split()
        return [
            value[len(prefix) :]
            for value in values
            if isinstance(value, str) and value.startswith(prefix)
        ]

    return map_claims


def demo_users(authority: str, people: list[tuple[str, str, str, str]], claim: str, prefix=""):
    """Demo users for the development provider: (slug, name, role code, locale) each, with
    the role in the claim this authority's provider really uses. Fictional staff only."""
    return [
        {
            "sub": f"{authority}-{slug}",
            "name": name,
            "email": f"{slug}@{authority}.demo.invalid",
            "locale": locale,
            claim: [prefix + role],
        }
        for slug, name, role, locale in people
    ]


# What every authority's provider is asked for: who the person is, how to write to them, and
# their roles (core.identity.oidc reads these claims).
OIDC_SCOPES = ["openid", "profile", "email", "roles"]


def identity_hooks(code: str, people: list[tuple[str, str, str, str]], claim: str, prefix=""):
    """``oidc_defaults`` and ``map_claims`` for a provider that lists a person's roles in one
    claim (``claim``), each value starting with ``prefix``; ``people`` are the demo people
    of the development provider (see ``demo_users``)."""

    @hookimpl
    def oidc_defaults(authority):
        return {"scopes": OIDC_SCOPES, "demo_users": demo_users(code, people, claim, prefix)}

    @hookimpl
    def map_claims(authority):
        return claim_roles(claim, prefix)

    return oidc_defaults, map_claims


def about_hooks(code: str, domain: Domain, description, labels: dict[str, str]):
    """``blueprints`` and ``nav_items`` for the authority's page (``about_blueprint``), in the
    navigation under ``labels`` (per language)."""

    @hookimpl
    def blueprints():
        return [about_blueprint(code, domain, description)]

    @hookimpl
    def nav_items():
        return [{"endpoint": f"{code}_plugin.about", "labels": labels}]

    return blueprints, nav_items
