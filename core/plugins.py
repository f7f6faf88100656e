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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from core import hookspecs
from core.config import LANGUAGES
from core.reference.data import DOMAIN_CODES

log = logging.getLogger("concerto.plugins")

ENTRY_POINT_GROUP = "concerto.plugins"
PLATFORM_ROLES = ("coordinator", "member", "viewer")
FIELD_TYPES = ("text", "integer", "boolean", "date", "choice")
# The menu groups a plugin's links may join (core/site/navigation.py names them).
NAV_GROUPS = ("offer", "meetings", "plan", "studyday", "authorities", "administration")
CORE_SERVICE_FIELDS = frozenset(
    [
        "id",
        "name",
        "description",
        "application_process",
        "eligibility",
        "status",
        "domain",
        "target_groups",
        "languages",
        "form",
        "location_type",
        "access",
        "free",
        "capacity",
        "waiting_list",
        "authority",
        # The inventory's own names (tests/test_plugins.py keeps the two in step).
        "external_id",
        "category",
        "delivery",
        "setting",
        "free_of_charge",
        "typical_wait_days",
        "contact_name",
        "contact_email",
        "contact_phone",
        "locations",
        "prisons",
        "active",
        "state",
        "version",
        "extra",
    ]
)
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,47}$")


class PluginError(RuntimeError):
    """Raised in strict mode when any plugin failed."""


class ContributionError(ValueError):
    """What a hook returned does not fit the contract; the message says which hook and why."""


@dataclass
class Role:
    code: str
    titles: dict[str, str]
    platform_role: str
    # Plugin actions the role allows beyond its platform role, as (action, scope): the
    # action named ``<authority>:<action>``, the scope a code the plugin checks (a province)
    # or None for anywhere. See core.permissions.can.
    grants: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class VocabularyTerm:
    code: str
    labels: dict[str, str]
    domain: str


@dataclass
class ServiceField:
    name: str
    type: str
    labels: dict[str, str]
    required: bool = False
    choices: list[str] = field(default_factory=list)
    # For a choice: each code's labels, what forms and the history show instead of the code.
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class ReportFormat:
    code: str
    labels: dict[str, str]
    extension: str
    media_type: str
    languages: list[str]
    render: Callable[..., bytes]
    figures: list[Any] = field(default_factory=list)  # core.reports.figures.FigureTable


# What a plugin may ship as data files (hook ``shipped_data``); core.shipped loads each kind.
SHIPPED_KINDS = ("plan", "bodies", "rooms")


@dataclass
class ShippedFile:
    kind: str
    path: Path


@dataclass
class Authority:
    code: str
    plugin: str
    names: dict[str, str]
    short_names: dict[str, str]
    default_language: str
    languages: list[str]
    website: str | None = None
    roles: list[Role] = field(default_factory=list)
    vocabulary: list[VocabularyTerm] = field(default_factory=list)
    service_fields: list[ServiceField] = field(default_factory=list)
    reports: list[ReportFormat] = field(default_factory=list)
    figure_tables: list[Any] = field(default_factory=list)  # core.reports.figures.FigureTable
    oidc_defaults: dict[str, Any] = field(default_factory=dict)
    claims_mapper: Callable[[dict], list[str]] | None = None
    shipped_data: list[ShippedFile] = field(default_factory=list)


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


def _labels(value: Any, where: str, required: Iterable[str]) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ContributionError(f"{where} must be a dict of language to text")
    for language, text in value.items():
        if language not in LANGUAGES:
            raise ContributionError(f"{where} has unknown language {language!r}")
        if not isinstance(text, str) or not text.strip():
            raise ContributionError(f"{where}[{language!r}] must be non-empty text")
    for language in required:
        if language not in value:
            raise ContributionError(f"{where} lacks {language!r}")
    return {language: str(text) for language, text in value.items()}


def _code(value: Any, where: str) -> str:
    if not isinstance(value, str) or not CODE_PATTERN.match(value):
        raise ContributionError(
            f"{where} must be a lowercase identifier (a-z, 0-9, _; at most 48), not {value!r}"
        )
    return value


def _list_of_dicts(value: Any, hook: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ContributionError(f"{hook} must return a list of dicts")
    return value


def _unique(codes: list[str], where: str) -> None:
    seen = set()
    for code in codes:
        if code in seen:
            raise ContributionError(f"{where}: code {code!r} appears twice")
        seen.add(code)


def validate_authority(raw: dict[str, Any], plugin: str) -> Authority:
    where = "register_authorities"
    code = _code(raw.get("code"), f"{where}: 'code'")
    names = _labels(raw.get("names"), f"{where}: 'names' of {code}", LANGUAGES)
    short = _labels(raw.get("short_names") or names, f"{where}: 'short_names' of {code}", ())
    default_language = raw.get("default_language")
    if default_language not in LANGUAGES:
        raise ContributionError(
            f"{where}: 'default_language' of {code} must be one of {LANGUAGES}, "
            f"not {default_language!r}"
        )
    languages = raw.get("languages") or [default_language]
    if not isinstance(languages, list) or any(lang not in LANGUAGES for lang in languages):
        raise ContributionError(f"{where}: 'languages' of {code} must list nl, fr or en")
    if default_language not in languages:
        raise ContributionError(f"{where}: 'languages' of {code} must contain the default")
    unknown = set(raw) - {
        "code",
        "names",
        "short_names",
        "default_language",
        "languages",
        "website",
    }
    if unknown:
        raise ContributionError(f"{where}: unknown keys {sorted(unknown)} for {code}")
    return Authority(
        code=code,
        plugin=plugin,
        names=names,
        short_names=short,
        default_language=default_language,
        languages=list(languages),
        website=raw.get("website"),
    )


def validate_roles(value: Any, authority: Authority) -> list[Role]:
    hook = "coordinator_roles"
    roles = []
    for raw in _list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        titles = _labels(
            raw.get("titles"), f"{hook}: 'titles' of {code}", [authority.default_language]
        )
        platform_role = raw.get("platform_role")
        if platform_role not in PLATFORM_ROLES:
            raise ContributionError(
                f"{hook}: 'platform_role' of {code} must be one of {PLATFORM_ROLES}"
            )
        grants = [
            _grant(raw_grant, f"{hook}: 'grants' of {code}", authority.code)
            for raw_grant in _list_of_dicts(raw.get("grants"), f"{hook}: 'grants' of {code}")
        ]
        roles.append(Role(code, titles, platform_role, grants))
    _unique([r.code for r in roles], hook)
    return roles


ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def _grant(raw: dict[str, Any], where: str, authority: str) -> tuple[str, str | None]:
    """A role's grant of one of its plugin's own actions, named after the authority so that
    no plugin can grant a core action or another authority's."""
    if set(raw) - {"action", "scope"}:
        raise ContributionError(f"{where}: unknown keys {sorted(set(raw) - {'action', 'scope'})}")
    action = raw.get("action")
    if not isinstance(action, str) or not ACTION_PATTERN.match(action) or len(action) > 64:
        raise ContributionError(
            f"{where}: 'action' must be dotted lowercase identifiers, not {action!r}"
        )
    scope = raw.get("scope")
    if scope is not None:
        scope = _code(scope, f"{where}: 'scope'")
    return f"{authority}:{action}", scope


def validate_vocabulary(value: Any, authority: Authority) -> list[VocabularyTerm]:
    hook = "service_vocabulary"
    terms = []
    for raw in _list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        labels = _labels(
            raw.get("labels"), f"{hook}: 'labels' of {code}", [authority.default_language]
        )
        if raw.get("domain") not in DOMAIN_CODES:
            raise ContributionError(
                f"{hook}: {code} maps to unknown domain {raw.get('domain')!r}; "
                f"known: {', '.join(DOMAIN_CODES)}"
            )
        terms.append(VocabularyTerm(code, labels, raw["domain"]))
    _unique([t.code for t in terms], hook)
    return terms


def validate_fields(value: Any, authority: Authority) -> list[ServiceField]:
    hook = "service_fields"
    fields = []
    for raw in _list_of_dicts(value, hook):
        name = _code(raw.get("name"), f"{hook}: 'name'")
        if name in CORE_SERVICE_FIELDS:
            raise ContributionError(f"{hook}: {name!r} would replace a core field")
        if raw.get("type") not in FIELD_TYPES:
            raise ContributionError(f"{hook}: 'type' of {name} must be one of {FIELD_TYPES}")
        choices, choice_labels = [], {}
        for choice in raw.get("choices") or []:
            # A code, or a dict with the code and its labels.
            if isinstance(choice, dict):
                code = _code(choice.get("code"), f"{hook}: a choice of {name}")
                choice_labels[code] = _labels(
                    choice.get("labels"),
                    f"{hook}: 'labels' of choice {code} of {name}",
                    [authority.default_language],
                )
            elif isinstance(choice, str) and choice:
                code = choice
            else:
                raise ContributionError(f"{hook}: a choice of {name} must be a code or a dict")
            choices.append(code)
        if raw["type"] == "choice" and not choices:
            raise ContributionError(f"{hook}: choice field {name} needs 'choices'")
        _unique(choices, f"{hook}: choices of {name}")
        labels = _labels(
            raw.get("labels"), f"{hook}: 'labels' of {name}", [authority.default_language]
        )
        fields.append(
            ServiceField(
                name, raw["type"], labels, bool(raw.get("required")), choices, choice_labels
            )
        )
    _unique([f.name for f in fields], hook)
    return fields


def validate_reports(value: Any, authority: Authority) -> list[ReportFormat]:
    hook = "report_formats"
    reports = []
    for raw in _list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        if not callable(raw.get("render")):
            raise ContributionError(f"{hook}: 'render' of {code} must be callable")
        languages = raw.get("languages") or [authority.default_language]
        if any(lang not in LANGUAGES for lang in languages):
            raise ContributionError(f"{hook}: 'languages' of {code} must list nl, fr or en")
        reports.append(
            ReportFormat(
                code=code,
                labels=_labels(raw.get("labels"), f"{hook}: 'labels' of {code}", ()),
                extension=str(raw.get("extension") or ""),
                media_type=str(raw.get("media_type") or "application/octet-stream"),
                languages=list(languages),
                render=raw["render"],
                figures=validate_figure_tables(raw.get("figures"), code),
            )
        )
    _unique([r.code for r in reports], hook)
    return reports


def validate_figure_tables(value: Any, report: str) -> list[Any]:
    from core.reports.figures import COLUMN_KINDS, FigureTable

    hook = f"report_formats: 'figures' of {report}"
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(t, FigureTable) for t in value):
        raise ContributionError(f"{hook} must be a list of FigureTable")
    for table in value:
        _code(table.code, f"{hook}: 'code'")
        if table.description is not None:
            _labels(table.description, f"{hook}: 'description' of {table.code}", LANGUAGES)
        if "year" not in table.table.c:
            raise ContributionError(f"{hook}: table {table.table.name} needs a 'year' column")
        for column in table.columns:
            if column.kind not in COLUMN_KINDS or column.name not in table.table.c:
                raise ContributionError(f"{hook}: column {column.name} of {table.code}")
            if column.kind == "choice" and not column.choices:
                raise ContributionError(f"{hook}: choice column {column.name} needs choices")
            for code, labels in (column.choices or {}).items():
                _labels(labels, f"{hook}: choice {code} of {column.name}", ("nl", "fr", "en"))
    _unique([t.code for t in value], hook)
    return list(value)


def validate_shipped_data(value: Any) -> list[ShippedFile]:
    files = []
    for raw in _list_of_dicts(value, "shipped_data"):
        kind = raw.get("kind")
        if kind not in SHIPPED_KINDS:
            raise ContributionError(
                f"shipped_data: 'kind' must be one of {', '.join(SHIPPED_KINDS)}, not {kind!r}"
            )
        path = Path(raw.get("path") or "")
        if not path.is_file():
            raise ContributionError(f"shipped_data: {path} is not a file")
        files.append(ShippedFile(kind, path))
    return files


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
    for raw in _list_of_dicts(
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
    record.jobs = _list_of_dicts(_call(manager, module, "scheduled_jobs"), "scheduled_jobs")
    for job in record.jobs:
        if not isinstance(job.get("func"), str) or ":" not in job["func"]:
            raise ContributionError("scheduled_jobs: 'func' must read 'module:function'")
    record.nav_items = _list_of_dicts(_call(manager, module, "nav_items"), "nav_items")
    for item in record.nav_items:
        _labels(item.get("labels"), "nav_items: 'labels'", ())
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
