"""`concerto import` and `concerto export`: the inventory's services as files."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale

from core.audit.services import acting_as
from core.cli.common import cli_principal, make_app, require_head, terminal_language
from core.i18n import REGION
from core.inventory import exchange, hsds
from core.inventory.errors import describe
from core.inventory.export import Exported
from core.inventory.services import Filters


@click.command("import")
@click.option("--authority", required=True, help="The authority whose services these are.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; store nothing.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(authority: str, dry_run: bool, path: str) -> None:
    """Import services from CSV, XLSX or JSON: all rows or none, matched on the
    authority's own identifier (importing twice changes nothing)."""
    app = make_app()
    require_head(app)
    registry = app.extensions["concerto.registry"]
    if authority not in registry.authorities:
        raise click.ClickException(
            f"Unknown authority {authority!r}; known: {', '.join(registry.authorities)}."
        )
    try:
        rows = exchange.read_rows(Path(path).read_bytes(), path)
    except exchange.FileProblem as refused:
        raise click.ClickException(file_problem(refused.problem, app)) from None
    principal = cli_principal("import")
    session = app.extensions["concerto.db"].sessions()
    try:
        with acting_as(principal), click.progressbar(length=len(rows), label="rows") as bar:
            done = 0

            def advance(number: int) -> None:
                nonlocal done
                bar.update(number - done)
                done = number

            report = exchange.import_services(
                session,
                registry.authorities[authority],
                rows,
                principal,
                dry_run=dry_run,
                progress=advance,
            )
            if report.committed:
                session.commit()
    finally:
        session.close()
    for problem in report.problems:
        click.echo(file_problem(problem, app), err=True)
    summary = (
        f"{len(report.created)} new, {len(report.updated)} changed, "
        f"{len(report.unchanged)} unchanged"
    )
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problems; nothing was stored.")
    click.echo(f"{summary}; {'checked only (dry run)' if dry_run else 'stored'}.")


def file_problem(problem, app=None) -> str:
    """One problem of an import, in the terminal's language, with its row and column."""
    where = "file" if problem.row is None else f"row {problem.row}"
    column = f", column {problem.column}" if problem.column else ""
    value = f" ({problem.value})" if problem.value else ""
    reason = problem.code
    if app is not None:
        with app.app_context(), force_locale(f"{terminal_language()}_{REGION}"):
            reason = describe({"code": problem.code})
    return f"{where}{column}: {reason}{value}"


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "ods", "json", "hsds"]),
    default="csv",
    show_default=True,
)
@click.option("--authority", help="Only this authority's services.")
@click.option("--language", default="nl", show_default=True, help="For HSDS: nl, fr or en.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def export_command(fmt: str, authority: str | None, language: str, output: str) -> None:
    """Export the published inventory (CSV, XLSX, ODS, JSON, or HSDS 3.0 JSON)."""
    app = make_app()
    require_head(app)
    with app.extensions["concerto.db"].session() as session, open(output, "wb") as target:
        if fmt == "hsds":
            for chunk in hsds.export(session, app.extensions["concerto.registry"], language):
                target.write(chunk)  # UTF-8 already
        else:
            exported = Exported(session, Filters(authority=authority or ""))
            for chunk in exchange.FORMATS[fmt][0](exported):
                target.write(chunk)
    click.echo(f"written to {output}")
