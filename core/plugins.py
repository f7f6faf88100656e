"""Plugin discovery, API-version check, validation of contributions, and the authority registry.

Each entry point in the group ``concerto.plugins`` is loaded in its own try/except, because
pluggy's ``load_setuptools_entrypoints`` stops at the first failure and one authority's broken
release must not take the others down. A plugin that fails to import, targets another API or
returns invalid contributions is recorded as failed with its reason; the platform serves on
without it unless ``strict_plugins`` is set.
"""

from __future__ import annotations

import importlib.metadata as metadata
import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from core import hookspecs
from core.contributions import (
    ACTION_PATTERN,
    NAV_GROUPS,
    Authority,
    ContributionError,
    labels_of,
    list_of_dicts,
    validate_authority,
    validate_fields,
    validate_reports,
    validate_roles,
    validate_shipped_data,
    validate_vocabulary,
)

log = logging.getLogger("concerto.plugins")

ENTRY_POINT_GROUP = "concerto.plugins"


class PluginError(RuntimeError):
    """Raised in strict mode when any plugin failed."""


@dataclass
class PluginRecord:
    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    api_version: str | None = None
    status: str = "disabled"  # enabled | disabled | failed
    reason: str | None = None
    hooks: list[str] = field(default_factory=list)
    authorities: list[str] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    translation_dirs: list[Path] = field(default_factory=list)
    migration_dir: Path | None = None
    blueprints: list[Any] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    nav_items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "api_version": self.api_version,
            "status": self.status,
            "reason": self.reason,
            "hooks": self.hooks,
            "authorities": self.authorities,
        }


@dataclass
class Registry:
    """What the enabled plugins contributed; every request reads from here."""

    plugins: dict[str, PluginRecord] = field(default_factory=dict)
    authorities: dict[str, Authority] = field(default_factory=dict)
    manager: pluggy.PluginManager | None = None

    def enabled(self) -> list[PluginRecord]:
        return [p for p in self.plugins.values() if p.status == "enabled"]

    def failed(self) -> list[PluginRecord]:
        return [p for p in self.plugins.values() if p.status == "failed"]

    def mark_failed(self, plugin: PluginRecord, reason: str) -> None:
        """Take a plugin out after loading (say, its blueprint would not register)."""
        plugin.status, plugin.reason = "failed", reason
        for code in plugin.authorities:
            self.authorities.pop(code, None)
        if self.manager is not None and self.manager.has_plugin(plugin.name):
            self.manager.unregister(name=plugin.name)


def new_plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def api_is_compatible(declared: str) -> bool:
    """Same major as the core, and a minor at or below the core's."""
    try:
        major, minor = (int(part) for part in declared.split("."))
        core_major, core_minor = (int(part) for part in hookspecs.PLUGIN_API.split("."))
    except (ValueError, AttributeError):
        return False
    return major == core_major and minor <= core_minor


def _entry_points(extra: Iterable[str]) -> list[metadata.EntryPoint]:
    found = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for spec in extra:
        name, _, value = spec.partition("=")
        if not value.strip():
            raise PluginError(f"extra_plugins entry {spec!r} must read 'name = module'.")
        found[name.strip()] = metadata.EntryPoint(name.strip(), value.strip(), ENTRY_POINT_GROUP)
    return [found[name] for name in sorted(found)]


def _call(manager: pluggy.PluginManager, plugin: object, hook: str, **kwargs: Any) -> Any:
    """Call one plugin's implementation of ``hook`` (None when it has none).

    Calling implementations one by one, instead of the broadcast ``manager.hook.X()``, lets a
    bad return value be charged to the plugin that produced it.
    """
    for impl in getattr(manager.hook, hook).get_hookimpls():
        if impl.plugin is plugin:
            return impl.function(*(kwargs[name] for name in impl.argnames))
    return None


def _paths(value: Any, hook: str) -> list[Path]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    paths = [Path(item) for item in items]
    for path in paths:
        if not path.is_dir():
            raise ContributionError(f"{hook}: {path} is not a folder")
    return paths


def _collect(
    manager: pluggy.PluginManager, module: object, record: PluginRecord
) -> list[Authority]:
    """Ask one plugin for all its contributions and validate them."""
    authorities = []
    for raw in list_of_dicts(
        _call(manager, module, "register_authorities"), "register_authorities"
    ):
        authority = validate_authority(raw, record.name)
        code = authority.code
        authority.roles = validate_roles(
            _call(manager, module, "coordinator_roles", authority=code), authority
        )
        authority.vocabulary = validate_vocabulary(
            _call(manager, module, "service_vocabulary", authority=code), authority
        )
        authority.service_fields = validate_fields(
            _call(manager, module, "service_fields", authority=code), authority
        )
        authority.reports = validate_reports(
            _call(manager, module, "report_formats", authority=code), authority
        )
        authority.figure_tables = list(
            {t.code: t for report in authority.reports for t in report.figures}.values()
        )
        defaults = _call(manager, module, "oidc_defaults", authority=code) or {}
        if not isinstance(defaults, dict):
            raise ContributionError("oidc_defaults must return a dict")
        authority.oidc_defaults = defaults
        mapper = _call(manager, module, "map_claims", authority=code)
        if mapper is not None and not callable(mapper):
            raise ContributionError("map_claims must return a callable")
        authority.claims_mapper = mapper
        authority.shipped_data = validate_shipped_data(
            _call(manager, module, "shipped_data", authority=code)
        )
        authorities.append(authority)
    record.template_dirs = _paths(_call(manager, module, "template_dirs"), "template_dirs")
    record.translation_dirs = _paths(_call(manager, module, "translation_dirs"), "translation_dirs")
    migrations = _paths(_call(manager, module, "migration_dir"), "migration_dir")
    record.migration_dir = migrations[0] if migrations else None
    blueprints = _call(manager, module, "blueprints") or []
    for blueprint in blueprints:
        prefix = getattr(blueprint, "url_prefix", None) or ""
        if not prefix.startswith(f"/{record.name}"):
            raise ContributionError(
                f"blueprints: url_prefix of {blueprint.name!r} must start with /{record.name}"
            )
    record.blueprints = list(blueprints)
    record.jobs = list_of_dicts(_call(manager, module, "scheduled_jobs"), "scheduled_jobs")
    for job in record.jobs:
        if not isinstance(job.get("func"), str) or ":" not in job["func"]:
            raise ContributionError("scheduled_jobs: 'func' must read 'module:function'")
    record.nav_items = list_of_dicts(_call(manager, module, "nav_items"), "nav_items")
    for item in record.nav_items:
        labels_of(item.get("labels"), "nav_items: 'labels'", ())
        if item.get("group", "authorities") not in NAV_GROUPS:
            raise ContributionError(
                f"nav_items: 'group' must be one of {', '.join(NAV_GROUPS)}, not {item['group']!r}"
            )
        when = item.get("when", [])
        if not isinstance(when, list) or not all(
            isinstance(action, str) and ACTION_PATTERN.match(action.partition(":")[2] or action)
            for action in when
        ):
            raise ContributionError("nav_items: 'when' must be a list of actions")
    return authorities


def _distribution_of(entry_point: metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def load_plugins(
    enabled: Iterable[str],
    extra: Iterable[str] = (),
    strict: bool = False,
) -> Registry:
    """Discover, load and validate plugins; enable those named in ``enabled``."""
    enabled = list(enabled)
    registry = Registry(manager=new_plugin_manager())
    manager = registry.manager
    for entry_point in _entry_points(extra):
        distribution, version = _distribution_of(entry_point)
        record = PluginRecord(
            name=entry_point.name,
            module=entry_point.value,
            distribution=distribution,
            version=version,
        )
        registry.plugins[record.name] = record
        if record.name not in enabled:
            continue  # installed is not enabled; a disabled plugin's code is never imported
        _load_one(registry, manager, entry_point, record)
    for name in enabled:
        if name not in registry.plugins:
            registry.plugins[name] = PluginRecord(
                name=name,
                module="",
                status="failed",
                reason="enabled in the configuration but not installed",
            )
    if strict and registry.failed():
        reasons = "; ".join(f"{p.name}: {p.reason}" for p in registry.failed())
        raise PluginError(f"Plugin failures (strict mode): {reasons}")
    return registry


def _load_one(
    registry: Registry,
    manager: pluggy.PluginManager,
    entry_point: metadata.EntryPoint,
    record: PluginRecord,
) -> None:
    module = None
    try:
        module = entry_point.load()
        record.api_version = getattr(module, "CONCERTO_PLUGIN_API", None)
        if record.api_version is None:
            raise ContributionError("the plugin declares no CONCERTO_PLUGIN_API")
        if not api_is_compatible(str(record.api_version)):
            raise ContributionError(
                f"the plugin targets API {record.api_version}; "
                f"this core offers {hookspecs.PLUGIN_API}"
            )
        manager.register(module, name=record.name)
        manager.check_pending()
        record.hooks = sorted(
            impl_name
            for impl_name in dir(module)
            if impl_name in _hook_names() and inspect.isfunction(getattr(module, impl_name))
        )
        authorities = _collect(manager, module, record)
        for authority in authorities:
            owner = registry.authorities.get(authority.code)
            if owner is not None:
                raise ContributionError(
                    f"authority code {authority.code!r} is already registered by "
                    f"plugin {owner.plugin!r}"
                )
    except Exception as error:  # noqa: BLE001 - any fault in a plugin is that plugin's failure
        record.status = "failed"
        record.reason = _describe(error)
        # The reason goes to the status pages; the traceback only to a debugging log.
        log.debug("plugin %s failed", record.name, exc_info=True)
        if module is not None and manager.is_registered(module):
            manager.unregister(module)
        return
    record.status = "enabled"
    record.authorities = [a.code for a in authorities]
    for authority in authorities:
        registry.authorities[authority.code] = authority


def _hook_names() -> set[str]:
    return {name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "concerto_spec")}


def _describe(error: BaseException) -> str:
    if isinstance(error, ContributionError | PluginError):
        return str(error)
    if isinstance(error, pluggy.PluginValidationError):
        return f"invalid hook implementation: {error}"
    return f"{type(error).__name__}: {error}"
