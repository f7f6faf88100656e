"""Configuration: defaults, TOML file, CONCERTO_* variables; typos named at start-up."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_config
from tests.conftest import run_cli


def test_defaults_use_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config["database_url"] == f"sqlite:///{tmp_path / 'instance' / 'concerto.db'}"
    assert config["plugins"] == []
    assert config["default_locale"] == "nl"


def test_file_then_environment_then_overrides(tmp_path):
    path = tmp_path / "concerto.toml"
    path.write_text(
        'port = 6000\nworkers = 3\nplugins = ["vlaams"]\n'
        '[authorities.vlaams.oidc]\nissuer = "https://login.example"\n'
    )
    config = load_config(
        config_file=path, environ={"CONCERTO_WORKERS": "5"}, overrides={"port": 7000}
    )
    assert config["workers"] == 5
    assert config["port"] == 7000
    assert config["plugins"] == ["vlaams"]
    assert config["authorities"]["vlaams"]["oidc"]["issuer"] == "https://login.example"


def test_a_typo_in_the_file_names_the_key_and_suggests_the_right_one(tmp_path):
    path = tmp_path / "concerto.toml"
    path.write_text('databse_url = "sqlite://"\n')
    with pytest.raises(
        ConfigError, match="Unknown configuration key 'databse_url'.*Did you mean 'database_url'"
    ):
        load_config(config_file=path, environ={})


def test_a_wrong_type_names_the_key_and_the_expected_type(tmp_path):
    path = tmp_path / "concerto.toml"
    path.write_text('workers = "two"\n')
    with pytest.raises(ConfigError, match="'workers' .* must be int, not str"):
        load_config(config_file=path, environ={})


def test_a_typo_in_an_authority_table_is_named(tmp_path):
    path = tmp_path / "concerto.toml"
    path.write_text('[authorities.vlaams.oidc]\nclient_secrt = "x"\n')
    with pytest.raises(ConfigError, match="authorities.vlaams.oidc.client_secrt.*client_secret"):
        load_config(config_file=path, environ={})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONCERTO_PORT", "eighty", "must be a whole number"),
        ("CONCERTO_STRICT_PLUGINS", "maybe", "must be true or false"),
        ("CONCERTO_DATABSE_URL", "x", "Unknown configuration key 'databse_url'"),
        ("CONCERTO_DEFAULT_LOCALE", "de", "must be one of nl, fr, en"),
    ],
)
def test_bad_environment_values_are_refused_clearly(name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ={name: value})


def test_the_command_line_stops_with_the_message_and_no_traceback(tmp_path):
    path = tmp_path / "concerto.toml"
    path.write_text("sceduler = true\n")
    result = run_cli("plugins", env={"CONCERTO_CONFIG": str(path)})
    assert result.returncode == 1
    assert "Unknown configuration key 'sceduler'" in result.stderr
    assert "Did you mean 'scheduler'" in result.stderr
    assert "Traceback" not in result.stderr
