"""`concerto report`, `concerto backup` and `concerto restore`: files made from the platform."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale

from core.cli.common import make_app
from core.i18n import REGION
from core.operations.backup import BackupError, backup, restore
from core.reports import services as reports


@click.command("report")
@click.argument("authority")
@click.option("--year", type=int, required=True, help="the calendar year the report covers")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--language", default=None, help="nl, fr or en (default: the report's first)")
def report_command(authority: str, year: int, output: str, language: str | None) -> None:
    """Write an authority's report for a year; the file's extension picks the report when
    the authority has several (for example .odt or .pdf)."""
    app = make_app()
    found = app.extensions["concerto.registry"].authorities.get(authority)
    if found is None or not found.reports:
        raise click.ClickException(f"{authority} has no reports.")
    extension = Path(output).suffix.lstrip(".").lower()
    report = next((r for r in found.reports if r.extension == extension), None)
    if report is None:
        offered = ", ".join(dict.fromkeys(r.extension for r in found.reports))
        raise click.ClickException(f"{authority} writes {offered}; name the file accordingly.")
    language = language or report.languages[0]
    if language not in report.languages:
        raise click.ClickException(f"{report.code} is written in {', '.join(report.languages)}.")
    with (
        app.app_context(),
        force_locale(f"{language}_{REGION}"),
        app.extensions["concerto.db"].session() as session,
    ):
        try:
            content = reports.make(session, authority, report, year, language)
        except reports.ReportFailed as error:
            raise click.ClickException(f"{report.code} failed: {error}") from None
    Path(output).write_bytes(content)
    click.echo(f"{output}: {report.code} {year} ({language}), {len(content)} bytes")


@click.command("backup")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
def backup_command(output: str) -> None:
    """Write a consistent archive of every table of the core and the enabled plugins, with
    a manifest of plugin versions and migration revisions. Safe while the platform serves."""
    app = make_app()
    try:
        manifest = backup(
            app.extensions["concerto.db"].engine,
            app.extensions["concerto.registry"],
            Path(output),
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["tables"].values())
    click.echo(f"{output}: {len(manifest['tables'])} tables, {rows} rows")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive: str) -> None:
    """Restore an archive of `concerto backup` into an empty database (SQLite or
    PostgreSQL), with the same plugins at the same revisions."""
    app = make_app()
    try:
        manifest = restore(app, Path(archive))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(manifest['tables'].values())} rows from {archive}")
