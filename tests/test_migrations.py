"""Per-plugin migration histories on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from core import create_app
from core.cli import upgrade_all
from core.db import behind, downgrade, histories, migration_state, upgrade
from tests.conftest import FIVE, app_config, run_cli, shorten_long_terms

PLUGIN_TABLES = {
    "cocom": "cocom_subsidies",
    "vlaams": "vlaams_staffing",
    "federatie_wb": "federatie_wb_activities",
    "cocof": "cocof_accreditations",
    "justitie": "justitie_prison_statistics",
}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_creates_core_and_plugin_tables_each_with_its_own_version_table(
    empty_database_url,
):
    app = create_app(app_config(empty_database_url))
    engine = app.extensions["concerto.db"].engine
    registry = app.extensions["concerto.registry"]
    assert sorted(behind(engine, registry)) == sorted(["core", *FIVE])
    upgrade_all(app)
    tables = _tables(engine)
    assert {"authorities", "prisons", "domains", "goals", "alembic_version_core"} <= tables
    for code, table in PLUGIN_TABLES.items():
        assert table in tables
        assert f"alembic_version_{code}" in tables
    assert behind(engine, registry) == []
    state = migration_state(engine, registry)
    assert state["vlaams"] == {"current": "vlaams_0004", "head": "vlaams_0004", "at_head": True}


def test_each_plugin_downgrades_and_upgrades_without_touching_another_plugins_data(
    database_url,
):
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO justitie_prison_statistics (year, prison_code, capacity, "
                "average_population) VALUES (2031, 'haren', 1190, 1250.5)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                "VALUES (2031, 'haren', 'trajectbegeleider', 2.5)"
            )
        )
    by_code = {history.code: history for history in histories(app.extensions["concerto.registry"])}
    for code, table in PLUGIN_TABLES.items():
        downgrade(engine, by_code[code], "base")
        tables = _tables(engine)
        assert table not in tables
        others = {c: t for c, t in PLUGIN_TABLES.items() if c != code}
        assert set(others.values()) <= tables, f"downgrading {code} removed another's table"
        assert by_code[code].current(engine) is None
        for other in others:
            assert by_code[other].current(engine) == by_code[other].head()
        upgrade(engine, by_code[code])
        assert table in _tables(engine)
        if code != "justitie":
            with engine.connect() as connection:
                population = connection.execute(
                    text(
                        "SELECT average_population FROM justitie_prison_statistics "
                        "WHERE year = 2031"
                    )
                ).scalar_one()
            assert float(population) == 1250.5
    engine.dispose()


def test_cli_downgrade_and_upgrade_of_one_plugin(database_url):
    env = {"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)}
    result = run_cli("db", "downgrade", "-p", "cocof", env=env)
    assert result.returncode == 0, result.stderr
    assert "cocof: now at None" in result.stdout
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    assert "cocof_accreditations" not in _tables(engine)
    assert behind(engine, app.extensions["concerto.registry"]) == ["cocof"]
    result = run_cli("db", "upgrade", "-p", "cocof", env=env)
    assert result.returncode == 0, result.stderr
    assert "cocof_accreditations" in _tables(engine)
    assert behind(engine, app.extensions["concerto.registry"]) == []
    engine.dispose()


def test_downgrade_of_an_unknown_history_is_refused_clearly(database_url):
    env = {"CONCERTO_DATABASE_URL": database_url, "CONCERTO_PLUGINS": ",".join(FIVE)}
    result = run_cli("db", "downgrade", "-p", "atlantis", env=env)
    assert result.returncode != 0
    assert "No migration history named 'atlantis'" in result.stderr


def test_core_upgrades_and_downgrades_keep_the_data_they_do_not_own(database_url):
    """Adding or dropping a column never recreates a table: on SQLite a recreated users or
    goals table would take every identity, action and decision pointing at it along."""
    from core.db import CORE_HISTORY

    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("identities", "users", "goals", "needs", "services")
            }

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, display_name, disabled, created_at) "
                "VALUES (900, 'Migrating person', false, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO identities (user_id, authority_code, issuer, subject, role_codes, "
                "access_roles, created_at) VALUES (900, 'vlaams', 'https://op', 'sub-900', "
                "'[]', '[]', CURRENT_TIMESTAMP)"
            )
        )
    before = counts()
    assert before["identities"] == 1
    shorten_long_terms(engine)
    downgrade(engine, CORE_HISTORY, "0005")
    assert counts() == before
    upgrade(engine, CORE_HISTORY)
    assert counts() == before
    engine.dispose()
