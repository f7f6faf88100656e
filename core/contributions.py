"""What a plugin contributes through its hooks, and the checks each contribution passes
before the platform takes it: an authority with its roles, vocabulary, service fields,
reports, figure tables and shipped files. A contribution that does not fit the contract
raises ContributionError, which core.plugins charges to the plugin that made it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import LANGUAGES
from core.reference.data import DOMAIN_CODES
from core.reports.figures import COLUMN_KINDS, FigureTable

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


def labels_of(value: Any, where: str, required: Iterable[str]) -> dict[str, str]:
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


def list_of_dicts(value: Any, hook: str) -> list[dict[str, Any]]:
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
    names = labels_of(raw.get("names"), f"{where}: 'names' of {code}", LANGUAGES)
    short = labels_of(raw.get("short_names") or names, f"{where}: 'short_names' of {code}", ())
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
    for raw in list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        titles = labels_of(
            raw.get("titles"), f"{hook}: 'titles' of {code}", [authority.default_language]
        )
        platform_role = raw.get("platform_role")
        if platform_role not in PLATFORM_ROLES:
            raise ContributionError(
                f"{hook}: 'platform_role' of {code} must be one of {PLATFORM_ROLES}"
            )
        grants = [
            _grant(raw_grant, f"{hook}: 'grants' of {code}", authority.code)
            for raw_grant in list_of_dicts(raw.get("grants"), f"{hook}: 'grants' of {code}")
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
    for raw in list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        labels = labels_of(
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
    for raw in list_of_dicts(value, hook):
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
                choice_labels[code] = labels_of(
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
        labels = labels_of(
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
    for raw in list_of_dicts(value, hook):
        code = _code(raw.get("code"), f"{hook}: 'code'")
        if not callable(raw.get("render")):
            raise ContributionError(f"{hook}: 'render' of {code} must be callable")
        languages = raw.get("languages") or [authority.default_language]
        if any(lang not in LANGUAGES for lang in languages):
            raise ContributionError(f"{hook}: 'languages' of {code} must list nl, fr or en")
        reports.append(
            ReportFormat(
                code=code,
                labels=labels_of(raw.get("labels"), f"{hook}: 'labels' of {code}", ()),
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
    hook = f"report_formats: 'figures' of {report}"
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(t, FigureTable) for t in value):
        raise ContributionError(f"{hook} must be a list of FigureTable")
    for table in value:
        _code(table.code, f"{hook}: 'code'")
        if table.description is not None:
            labels_of(table.description, f"{hook}: 'description' of {table.code}", LANGUAGES)
        if "year" not in table.table.c:
            raise ContributionError(f"{hook}: table {table.table.name} needs a 'year' column")
        for column in table.columns:
            if column.kind not in COLUMN_KINDS or column.name not in table.table.c:
                raise ContributionError(f"{hook}: column {column.name} of {table.code}")
            if column.kind == "choice" and not column.choices:
                raise ContributionError(f"{hook}: choice column {column.name} needs choices")
            for code, labels in (column.choices or {}).items():
                labels_of(labels, f"{hook}: choice {code} of {column.name}", ("nl", "fr", "en"))
    _unique([t.code for t in value], hook)
    return list(value)


def validate_shipped_data(value: Any) -> list[ShippedFile]:
    files = []
    for raw in list_of_dicts(value, "shipped_data"):
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
