"""Configuration: defaults, then a TOML file, then CONCERTO_* environment variables.

Every key is declared once in ``SETTINGS`` with its type, so a typo or a wrong type in a
file or the environment stops the start-up with a message naming the key, instead of
being silently ignored.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key and the fix."""


@dataclass(frozen=True)
class Setting:
    type: type
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    "database_url": Setting(str, "", "SQLAlchemy URL; empty means SQLite under instance/"),
    "secret_key": Setting(str, "", "signs sessions and CSRF tokens; required by `serve`"),
    "instance_path": Setting(str, "", "folder for the SQLite database and uploads"),
    "plugins": Setting(list, [], "codes of the authority plugins to enable"),
    "extra_plugins": Setting(list, [], "'name = module' entry points loaded beside installed ones"),
    "strict_plugins": Setting(bool, False, "any plugin failure stops the start-up"),
    "default_locale": Setting(str, "nl", "language when nothing else decides: nl, fr or en"),
    "scheduler": Setting(bool, False, "run the scheduler inside this process"),
    "development": Setting(bool, False, "development mode (demo): no Secure cookies on http"),
    "host": Setting(str, "127.0.0.1", "address `serve` and `demo` listen on"),
    "port": Setting(int, 5000, "port `serve` and `demo` listen on"),
    "workers": Setting(int, 2, "gunicorn workers for `serve`"),
    "authorities": Setting(dict, {}, "per-authority settings, e.g. [authorities.vlaams.oidc]"),
    "session_idle_minutes": Setting(int, 30, "a session ends after this long without a request"),
    "session_absolute_hours": Setting(int, 12, "a session ends this long after login, always"),
    "login_rate_limit": Setting(str, "10 per minute", "login attempts per client address"),
    "anonymous_form_rate_limit": Setting(
        str,
        "10 per hour",
        "forms sent without logging in (study-day registration, ...) per address",
    ),
    "trusted_proxies": Setting(
        int,
        0,
        "reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed",
    ),
    "rate_limit_storage": Setting(
        str, "database", "where rate-limit counters live: database (shared) or a limits URI"
    ),
    "oidc_leeway_seconds": Setting(int, 60, "clock skew allowed on ID token times"),
    "oidc_jwks_refetch_seconds": Setting(int, 60, "at most one JWKS re-fetch per interval"),
    "oidc_timeout_seconds": Setting(int, 10, "how long to wait for an identity provider"),
    "oidc_metadata_ttl_seconds": Setting(int, 3600, "how long discovery metadata is trusted"),
    "demo_logins": Setting(bool, False, "offer the development providers' users on /login"),
    "public_url": Setting(str, "", "address of the platform in e-mails; empty: host and port"),
    "mail_from": Setting(str, "concerto@localhost", "sender address of the platform's e-mail"),
    "smtp_host": Setting(str, "", "SMTP server; empty keeps e-mail in the outbox (demo)"),
    "smtp_port": Setting(int, 25, "SMTP port"),
    "smtp_username": Setting(str, "", "SMTP login, if the server asks for one"),
    "smtp_password": Setting(str, "", "SMTP password"),
    "smtp_starttls": Setting(bool, False, "upgrade the SMTP connection with STARTTLS"),
    "smtp_timeout_seconds": Setting(int, 10, "how long to wait for the SMTP server"),
    "agenda_days_before": Setting(int, 7, "days before a meeting its agenda is sent"),
    "reminder_hours_before": Setting(int, 24, "hours before a meeting its reminder is sent"),
    "studyday_unconfirmed_hold_hours": Setting(
        int, 2, "hours a guest's study-day place is held until the address is confirmed"
    ),
    "studyday_offer_hours": Setting(
        int, 48, "hours someone on a study-day waiting list has to take a freed place"
    ),
    "studyday_retention_days": Setting(
        int, 180, "days after the study day that guests' names and addresses are anonymised"
    ),
    "max_request_bytes": Setting(int, 20 * 1024 * 1024, "largest request body accepted"),
    "page_cache_megabytes": Setting(
        int, 64, "public inventory pages kept per process for anonymous readers; 0: off"
    ),
    "import_workers": Setting(int, 1, "imports each app server process checks at once"),
    "import_backlog": Setting(
        int, 4, "imports each app server process keeps waiting; a further upload is refused"
    ),
    "json_logs": Setting(bool, False, "log one JSON object per line (with the request id)"),
    "metrics_token": Setting(str, "", "bearer token Prometheus sends to /metrics; empty: off"),
    "scheduler_stale_seconds": Setting(
        int, 120, "/readyz fails when no scheduler renewed its lease for this long"
    ),
    "action_statuses": Setting(
        dict,
        {"planned": 0, "started": 20, "ongoing": 50, "done": 100, "postponed": 0, "stopped": 0},
        "statuses of the plan's actions, each with the progress it sets by default",
    ),
    "webhook_allow_http": Setting(
        bool, False, "webhook addresses may be plain http:// (else https:// only)"
    ),
    "webhook_allowed_networks": Setting(
        list,
        [],
        "networks (CIDR) a webhook may reach although not public, e.g. 127.0.0.0/8; "
        "private, loopback and link-local addresses are refused otherwise",
    ),
    "webhook_timeout_seconds": Setting(int, 5, "how long a webhook's receiver has to answer"),
    "webhook_disable_after_hours": Setting(
        int, 24, "a webhook whose every delivery failed for this long is disabled"
    ),
    "verification_campaign_date": Setting(
        str,
        "12-01",
        "month and day (MM-DD) each year from which coordinators are asked to confirm their "
        "authority's services, a month before the state of affairs at the year's end",
    ),
    "attachment_max_bytes": Setting(int, 10 * 1024 * 1024, "largest agenda attachment"),
    "attachment_types": Setting(
        list,
        [
            "application/pdf",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/plain",
            "text/csv",
            "image/png",
            "image/jpeg",
        ],
        "content types an agenda attachment may have",
    ),
}

LANGUAGES = ("nl", "fr", "en")
# Authority sub-tables we understand; anything else under [authorities.<code>] is a typo.
AUTHORITY_KEYS = {"oidc": {"issuer", "client_id", "client_secret", "client_secret_env", "scopes"}}


def default_config_file() -> Path | None:
    """The file named by CONCERTO_CONFIG, else instance/concerto.toml if `demo` wrote one."""
    named = os.environ.get("CONCERTO_CONFIG")
    if named:
        return Path(named)
    candidate = Path.cwd() / "instance" / "concerto.toml"
    return candidate if candidate.exists() else None


def _unknown_key(key: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(key, SETTINGS, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ConfigError(f"Unknown configuration key '{key}' in {where}.{hint}")


def _coerce(key: str, value: Any, where: str) -> Any:
    expected = SETTINGS[key].type
    if expected is bool and isinstance(value, bool):
        return value
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if expected in (str, list, dict) and isinstance(value, expected):
        return value
    raise ConfigError(
        f"Configuration key '{key}' in {where} must be {expected.__name__}, "
        f"not {type(value).__name__} ({value!r})."
    )


def _from_env(key: str, raw: str) -> Any:
    """Environment values are text; lists and tables are written as JSON."""
    expected = SETTINGS[key].type
    where = f"environment variable CONCERTO_{key.upper()}"
    if expected is str:
        return raw
    if expected is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where} must be true or false, not {raw!r}.")
    if expected is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{where} must be a whole number, not {raw!r}.") from None
    if expected is list and not raw.lstrip().startswith("["):
        return [item.strip() for item in raw.split(",") if item.strip()]
    try:
        return _coerce(key, json.loads(raw), where)
    except json.JSONDecodeError:
        raise ConfigError(f"{where} must be JSON, not {raw!r}.") from None


def _check_authorities(value: dict, where: str) -> None:
    for code, table in value.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[authorities.{code}] in {where} must be a table.")
        for section, body in table.items():
            if section not in AUTHORITY_KEYS:
                raise ConfigError(f"Unknown configuration key 'authorities.{code}.{section}'.")
            for name in body:
                if name not in AUTHORITY_KEYS[section]:
                    close = difflib.get_close_matches(name, AUTHORITY_KEYS[section], n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    raise ConfigError(
                        f"Unknown configuration key 'authorities.{code}.{section}.{name}' "
                        f"in {where}.{hint}"
                    )


def _check_networks(value: list) -> None:
    for network in value:
        try:
            ipaddress.ip_network(network, strict=False)
        except (TypeError, ValueError):
            raise ConfigError(
                "Configuration key 'webhook_allowed_networks' must list networks such as "
                f"'127.0.0.0/8' or '10.1.2.3/32', not {network!r}."
            ) from None


def _check_month_day(key: str, value: str) -> None:
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2001, month, day)  # a year without 29 February: the day exists every year
    except (TypeError, ValueError):
        raise ConfigError(
            f"Configuration key '{key}' must be a month and day that exist every year, written "
            f"MM-DD such as '12-01', not {value!r}."
        ) from None


def load_config(
    overrides: dict[str, Any] | None = None,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Merge defaults, the TOML file, CONCERTO_* variables and explicit overrides, in that order."""
    config = {key: setting.default for key, setting in SETTINGS.items()}
    environ = os.environ if environ is None else environ
    path = config_file if config_file is not None else default_config_file()
    if path is not None:
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Configuration file {path} does not exist.") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"Configuration file {path} is not valid TOML: {error}") from None
        for key, value in data.items():
            if key not in SETTINGS:
                raise _unknown_key(key, where)
            config[key] = _coerce(key, value, where)
        config["config_file"] = str(path)
    for name, raw in environ.items():
        if not name.startswith("CONCERTO_") or name in ("CONCERTO_CONFIG",):
            continue
        key = name.removeprefix("CONCERTO_").lower()
        if key in SETTINGS:
            config[key] = _from_env(key, raw)
        elif key.startswith("test_"):
            continue  # the test suite's own switches
        else:
            raise _unknown_key(key, f"environment variable {name}")
    for key, value in (overrides or {}).items():
        if key not in SETTINGS:
            raise _unknown_key(key, "the overrides given to create_app")
        config[key] = _coerce(key, value, "the overrides given to create_app")
    return _finish(config)


def _finish(config: dict[str, Any]) -> dict[str, Any]:
    if config["default_locale"] not in LANGUAGES:
        raise ConfigError(
            f"Configuration key 'default_locale' must be one of {', '.join(LANGUAGES)}, "
            f"not {config['default_locale']!r}."
        )
    if config["trusted_proxies"] < 0:
        raise ConfigError(
            "Configuration key 'trusted_proxies' must be 0 (no proxy) or the number of proxies "
            f"in front of the platform, not {config['trusted_proxies']}."
        )
    if config["import_workers"] < 1 or config["import_backlog"] < 0:
        raise ConfigError(
            "Configuration keys 'import_workers' (at least 1) and 'import_backlog' (0 or more) "
            f"cannot be {config['import_workers']} and {config['import_backlog']}."
        )
    _check_networks(config["webhook_allowed_networks"])
    _check_month_day("verification_campaign_date", config["verification_campaign_date"])
    for code in config["plugins"]:
        if not isinstance(code, str):
            raise ConfigError("Configuration key 'plugins' must list plugin codes as text.")
    _check_authorities(config["authorities"], config.get("config_file", "the configuration"))
    instance = Path(config["instance_path"] or Path.cwd() / "instance")
    config["instance_path"] = str(instance)
    if not config["database_url"]:
        config["database_url"] = f"sqlite:///{instance / 'concerto.db'}"
    return config
