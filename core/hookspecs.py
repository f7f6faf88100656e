"""The plugin contract: every hook an authority plugin may implement.

All hooks here but one are contribution hooks. The core calls each plugin's implementation
once at start-up, validates what it returns (pluggy does not) and builds the authority
registry; requests then go through the registry, never through broadcast hook calls. The
exception is ``concerto_event``, which the core calls for each event of its log, after the
commit, from a scheduled job. Within API major
version 1 hooks only gain optional arguments, and hooks added after 1.0 are
``optionalhook=True`` for the plugin side. ``docs/plugins.md`` documents each hook, and a test
fails when one is missing there.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "concerto"
# The contract's version; a plugin declares CONCERTO_PLUGIN_API = "MAJOR.MINOR" and is
# accepted with the same major and a minor at or below this one.
PLUGIN_API = "1.2"  # 1.1: concerto_event; 1.2: shipped_data

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_authorities():
    """Return the authorities this plugin speaks for, as a list of dicts.

    Keys: ``code`` (lowercase identifier, unique across plugins), ``names`` (a dict with
    ``nl``, ``fr`` and ``en``), ``short_names`` (same shape, optional), ``default_language``
    (``nl``, ``fr`` or ``en``), ``languages`` (the languages it works in, containing the
    default), ``website`` (optional URL).
    """


@hookspec
def coordinator_roles(authority):
    """Return the roles people hold for ``authority`` (a code this plugin registered).

    A list of dicts: ``code`` (unique within the authority), ``titles`` (a dict of language to
    title, at least in the authority's default language), ``platform_role`` (one of
    ``coordinator``, ``member``, ``viewer``: what the role may do in the shared platform),
    and optionally ``grants``: the plugin's own actions the role allows beyond that, a list
    of dicts with ``action`` (dotted lowercase, checked as ``"<authority>:<action>"`` with
    ``core.permissions.can``) and ``scope`` (a code the plugin passes to ``can``, such as a
    province; none for anywhere). A role that should do one thing only is a ``viewer`` with
    one grant.
    """


@hookspec
def service_vocabulary(authority):
    """Return the authority's own categories of service, each mapped to a common domain.

    A list of dicts: ``code`` (unique within the authority), ``labels`` (language to label,
    at least in the authority's default language), ``domain`` (the code of one of the nine
    common domains, see ``core/reference/data/reference.toml``). This is how the inventory is
    harmonised while each authority keeps its own words.
    """


@hookspec
def service_fields(authority):
    """Return extra fields the authority records on services, beside the core fields.

    A list of dicts: ``name`` (identifier, must not shadow a core field), ``type`` (``text``,
    ``integer``, ``boolean``, ``date`` or ``choice``), ``labels`` (language to label),
    ``required`` (bool, default false), ``choices`` (for ``choice``: a list of codes, or of
    dicts with ``code`` and ``labels``, language to label, so that readers see words).
    """


@hookspec
def report_formats(authority):
    """Return the reports the authority produces, as a list of dicts.

    Keys: ``code``, ``labels`` (language to label), ``extension`` (``xlsx``, ``pdf``, ...),
    ``media_type``, ``languages`` (the languages the report is written in) and ``render``, a
    callable ``render(session, year, language) -> bytes``; optionally ``figures``, the
    ``core.reports.figures.FigureTable`` list of the authority's own figures the report
    needs, which the core offers a page to enter.
    """


@hookspec
def oidc_defaults(authority):
    """Return defaults for the authority's OpenID Connect client, as a dict.

    Keys (all optional): ``scopes`` (list; include a scope that releases the role claim),
    ``demo_users`` (list of dicts with ``sub``, ``name``, ``email``, ``locale`` and the role
    claim as the authority's provider sends it; the demo's development provider offers
    them, see ``core.plugin_kit.demo_users``). The deployment's ``[authorities.<code>.oidc]``
    table supplies issuer, client id and secret and overrides the scopes.
    """


@hookspec
def map_claims(authority):
    """Return a callable ``map(claims: dict) -> list[str]`` turning the verified claims (ID
    token merged with userinfo) into the codes of the authority's roles (see
    ``coordinator_roles``). Unknown codes are ignored; a person with no role may read
    (viewer); an exception refuses the login. ``core.plugin_kit.claim_roles`` covers
    providers that list roles in one claim."""


@hookspec
def blueprints():
    """Return Flask blueprints to register. Their URL prefix must start with the plugin code
    (``/vlaams/...``); their templates are looked up in the plugin's template folders first."""


@hookspec
def template_dirs():
    """Return folders of Jinja templates for the plugin's own pages."""


@hookspec
def translation_dirs():
    """Return folders holding the plugin's gettext catalogs, laid out as
    ``<dir>/<lang>/LC_MESSAGES/concerto_<code>.po``; one gettext domain per plugin."""


@hookspec
def migration_dir():
    """Return the folder holding the plugin's Alembic revision files. The plugin's history is
    kept in its own version table ``alembic_version_<code>``; its tables are prefixed with
    ``<code>_`` and never hold foreign keys into another plugin's tables."""


@hookspec
def scheduled_jobs():
    """Return jobs for the scheduler, as a list of dicts: ``id`` (unique within the plugin),
    ``func`` (an importable callable, given as ``module:function`` text), ``trigger``
    (``interval`` or ``cron``) and the trigger's keyword arguments in ``trigger_args``."""


@hookspec
def nav_items():
    """Return links for the site navigation, as a list of dicts: ``endpoint`` (a Flask
    endpoint of one of the plugin's blueprints) and ``labels`` (language to link text)."""


@hookspec
def shipped_data(authority):
    """Return the records ``authority`` ships as data files (API 1.2; implement it with
    ``@hookimpl(optionalhook=True)``), as a list of dicts: ``kind`` (``plan``, ``bodies`` or
    ``rooms``) and ``path`` (a file in the plugin's package, in the format of that kind's
    import: see ``docs/plugins.md``).

    ``concerto seed demo`` loads them, and ``concerto data load`` does so for an authority
    that installs or updates its plugin. Loading is idempotent (a record whose code is already
    there is left as it is, so what people changed since stays) and all-or-nothing per file."""


@hookspec
def concerto_event(event):
    """Hear of each event of the platform's log, after it was committed (API 1.1; implement
    it with ``@hookimpl(optionalhook=True)`` so that an older core still loads the plugin).

    ``event`` is a ``core.events.hooks.PluginEvent``: ``id``, ``kind`` (a change such as
    ``service.published``, ``service.withdrawn``, ``need.created``, see
    ``core.events.changes.CHANGE_KINDS``, or a step such as ``service_submitted``),
    ``record_kind``, ``record_id``, ``authority`` (the record's, or None), ``occurred_at``,
    ``channel`` (``page``, ``api``, ``cli`` or ``job``), ``visibility`` (who may see it:
    ``public``, ``logged_in``, ``committee``, ``secretariat``, ``authority:<code>``),
    ``tombstone`` and ``data`` (the changed fields' names, the record's title per
    language). Every event reaches every plugin, whatever its visibility: a plugin that
    passes events on decides what its readers may see.

    Called once per event per plugin, in the log's order, by the job
    ``core.plugin_events`` (every minute), in the scheduler's process. The return value is
    ignored. Raising is counted for the plugin (``/metrics``, ``/readyz``) and the event is
    tried again at the next runs, three calls in all, then skipped; other plugins are not
    affected. Keep it short: a slow handler delays the plugin's next events."""
