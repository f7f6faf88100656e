"""`concerto db` and `concerto plugins`: the migration histories of the core and the plugins."""

from __future__ import annotations

import json

import click

from core.admin.services import plugin_status
from core.cli.common import make_app
from core.db import downgrade, histories
from core.operations.upgrade import upgrade_all


@click.group()
def db() -> None:
    """Upgrade or downgrade the database of the core and the plugins."""


def _history(app, code: str):
    found = {h.code: h for h in histories(app.extensions["concerto.registry"])}
    if code not in found:
        raise click.ClickException(
            f"No migration history named {code!r}; known: {', '.join(found)}."
        )
    return found[code]


@db.command("upgrade")
@click.option("-p", "--plugin", "code", help="Only this history: 'core' or a plugin code.")
def db_upgrade(code: str | None) -> None:
    """Bring the database to the newest revision of the core and every enabled plugin."""
    app = make_app()
    if code:
        _history(app, code)
    heads = {h.code: h.head() for h in histories(app.extensions["concerto.registry"])}
    for done in upgrade_all(app, code):
        click.echo(f"{done}: at head ({heads[done]})")


@db.command("downgrade")
@click.option("-p", "--plugin", "code", required=True, help="'core' or a plugin code.")
@click.option(
    "--revision",
    default="-1",
    show_default=True,
    help="Target revision; 'base' removes all of the history's tables.",
)
def db_downgrade(code: str, revision: str) -> None:
    """Take one history back; no other plugin's tables are touched."""
    app = make_app()
    history = _history(app, code)
    downgrade(app.extensions["concerto.db"].engine, history, revision)
    click.echo(f"{code}: now at {history.current(app.extensions['concerto.db'].engine)}")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins with version, API, status, hooks and migration state."""
    app = make_app()
    _core, rows = plugin_status(
        app.extensions["concerto.registry"], app.extensions["concerto.db"].engine
    )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        migration = row["migration"]
        if migration is None:
            state = "no migrations"
        elif migration["at_head"]:
            state = f"at head ({migration['head']})"
        else:
            state = f"BEHIND: {migration['current']} < {migration['head']}"
        click.echo(
            f"{row['name']:<14} {row['version'] or '-':<8} API {row['api_version'] or '-':<4} "
            f"{row['status']:<8} migrations {state}"
        )
        if row["reason"]:
            click.echo(f"{'':<14} reason: {row['reason']}")
        if row["hooks"]:
            click.echo(f"{'':<14} hooks: {', '.join(row['hooks'])}")
