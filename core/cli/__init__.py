"""The `concerto` command: one click group; each command is a thin shell over functions the
views share, kept by subject in the modules beside this one."""

from __future__ import annotations

import click

from core.cli.archives import backup_command, report_command, restore_command
from core.cli.database import db, plugins_command
from core.cli.inventory import export_command, import_command
from core.cli.people import token, users
from core.cli.running import bench, demo, scheduler_command, serve
from core.cli.seeding import data, seed, seed_everything
from core.operations.upgrade import upgrade_all

__all__ = ["main", "seed_everything", "upgrade_all"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Concerto: the platform of the Brussels committee for aid and services to detainees."""


for command in (
    db,
    plugins_command,
    seed,
    data,
    import_command,
    export_command,
    token,
    users,
    bench,
    demo,
    serve,
    report_command,
    backup_command,
    restore_command,
    scheduler_command,
):
    main.add_command(command)
