"""Concerto: the shared platform of the Brussels authorities for aid and services to detainees.

``create_app`` builds the Flask application: configuration, database, plugins, languages,
security, and the blueprints of the core features and the enabled plugins.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

import core.audit.services  # noqa: F401 - registers the audit listener on every session
import core.events.changes  # noqa: F401 - registers the change log's listener likewise
import core.studyday.models  # noqa: F401 - its tables belong to the platform (backups)
from core.admin.views import blueprint as admin
from core.api.views import blueprint as api
from core.api.views import load_api_principal
from core.audit.views import blueprint as audit
from core.config import load_config
from core.db import Database
from core.feeds.api import blueprint as feeds_api
from core.feeds.views import blueprint as feeds
from core.goals.api import blueprint as goals_api
from core.goals.views import blueprint as goals
from core.i18n import init_babel
from core.identity.services import init_providers
from core.identity.sessions import init_sessions
from core.identity.views import blueprint as identity
from core.identity.views import load_principal
from core.inventory.api import blueprint as inventory_api
from core.inventory.hsds_api import blueprint as hsds
from core.inventory.imports import init_app as init_imports
from core.inventory.views import blueprint as inventory
from core.jsonbody import StrictJSONProvider
from core.links.views import blueprint as links
from core.mail.views import blueprint as mail
from core.meetings.api import blueprint as meetings_api
from core.meetings.views import blueprint as meetings
from core.notifications.views import blueprint as notifications
from core.operations.observability import init_observability
from core.operations.ratelimits import limiter
from core.operations.views import blueprint as operations
from core.partners.views import blueprint as partners
from core.plugins import load_plugins
from core.reference.views import blueprint as reference
from core.reports.views import blueprint as reports
from core.rooms.views import blueprint as rooms
from core.security import init_security
from core.signals.api import blueprint as signals_api
from core.signals.views import blueprint as signals
from core.site.context import init_site
from core.site.views import blueprint as site
from core.studyday.api import blueprint as studyday_api
from core.studyday.views import blueprint as studyday
from core.webhooks.views import blueprint as webhooks
from core.work.api import blueprint as work_api
from core.work.views import blueprint as work

log = logging.getLogger("concerto")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides the file and the environment (tests)."""
    settings = load_config(overrides=config)
    app = Flask(__name__, instance_path=settings["instance_path"], instance_relative_config=False)
    app.config["CONCERTO"] = settings
    app.json = StrictJSONProvider(app)
    app.config["SECRET_KEY"] = settings["secret_key"] or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = settings["max_request_bytes"]
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = not settings["development"]
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["RATELIMIT_STORAGE_URI"] = settings["rate_limit_storage"]
    # Flask-Limiter counts wrongly rather than refusing everyone when its store fails.
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    hops = settings["trusted_proxies"]
    if hops:
        # Only as many X-Forwarded-* entries as there are proxies of our own are believed;
        # anything a client put in front of them is ignored, so it cannot pick its own address
        # (its login limit) or scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    registry = load_plugins(
        settings["plugins"], settings["extra_plugins"], strict=settings["strict_plugins"]
    )
    for failed in registry.failed():
        log.error("plugin %s failed: %s", failed.name, failed.reason)
    app.extensions["concerto.registry"] = registry
    app.extensions["concerto.db"] = Database.connect(settings["database_url"])
    if settings["rate_limit_storage"] == "database":
        # Counters in the platform's database, shared by every app server (the "concerto"
        # scheme, registered by core.operations.ratelimits).
        app.config["RATELIMIT_STORAGE_URI"] = "concerto://"
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": app.extensions["concerto.db"].engine}

    init_sessions(app)
    init_providers(app)
    init_babel(app)
    init_security(app)
    init_observability(app)
    init_site(app)
    init_imports(app)
    limiter.init_app(app)
    _register_templates(app, registry)
    _register_blueprints(app, registry)

    @app.before_request
    def _who_is_asking():
        if request.path.startswith("/api/"):
            load_api_principal()
        else:
            load_principal()

    @app.teardown_appcontext
    def _close_session(_error):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return app


def _register_templates(app: Flask, registry) -> None:
    # A plugin's templates are addressed as "<code>/page.html" so that they are searched for
    # its own pages only and never shadow the core's layout for other pages.
    plugin_loaders = {
        plugin.name: ChoiceLoader([FileSystemLoader(str(d)) for d in plugin.template_dirs])
        for plugin in registry.enabled()
        if plugin.template_dirs
    }
    app.jinja_loader = ChoiceLoader([PrefixLoader(plugin_loaders), app.jinja_loader])


def _register_blueprints(app: Flask, registry) -> None:
    core_blueprints = (site, operations, reference, inventory, hsds, meetings, admin, identity)
    core_blueprints += (audit, goals, studyday, reports, links, work, notifications, webhooks)
    core_blueprints += (feeds, rooms, mail)
    apis = (api, inventory_api, meetings_api, goals_api, studyday_api, work_api, feeds_api)
    core_blueprints += (signals, partners)
    apis += (signals_api,)
    for blueprint in (*core_blueprints, *apis):
        app.register_blueprint(blueprint)
    for plugin in registry.enabled():
        for blueprint in plugin.blueprints:
            try:
                app.register_blueprint(blueprint)
            except Exception as error:  # noqa: BLE001 - a broken blueprint fails its plugin only
                if app.config["CONCERTO"]["strict_plugins"]:
                    raise
                registry.mark_failed(plugin, f"blueprint {blueprint.name}: {error}")
                log.error("plugin %s failed: %s", plugin.name, plugin.reason)
