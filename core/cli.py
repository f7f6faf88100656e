"""The `concerto` command. Each command is a thin shell over functions the views share."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import click

from core.config import ConfigError


def _app(**overrides):
    from core import create_app

    try:
        return create_app(overrides or None)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Concerto: the platform of the Brussels committee for aid and services to detainees."""


# --- database ----------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Upgrade or downgrade the database of the core and the plugins."""


def _history(app, code: str):
    from core.db import histories

    found = {h.code: h for h in histories(app.extensions["concerto.registry"])}
    if code not in found:
        raise click.ClickException(
            f"No migration history named {code!r}; known: {', '.join(found)}."
        )
    return found[code]


def upgrade_all(app, only: str | None = None) -> list[str]:
    """Upgrade the core, then every enabled plugin (or only one), and store the authorities.

    The authorities are stored after any upgrade the core is at head for: installing a new
    authority's plugin is `db upgrade -p CODE`, and its services need its row."""
    from core.db import CORE_HISTORY, histories, upgrade
    from core.inventory import search
    from core.reference.services import sync_authorities

    database = app.extensions["concerto.db"]
    registry = app.extensions["concerto.registry"]
    done = []
    for history in histories(registry):
        if only and history.code != only:
            continue
        upgrade(database.engine, history)
        done.append(history)
    if CORE_HISTORY.current(database.engine) == CORE_HISTORY.head():
        with database.session() as session:
            sync_authorities(session, registry)
        with database.session() as session:
            # Search documents written by an older version are rebuilt, once.
            search.ensure_current(session)
    return [history.code for history in done]


@db.command("upgrade")
@click.option("-p", "--plugin", "code", help="Only this history: 'core' or a plugin code.")
def db_upgrade(code: str | None) -> None:
    """Bring the database to the newest revision of the core and every enabled plugin."""
    app = _app()
    if code:
        _history(app, code)
    from core.db import histories

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
    from core.db import downgrade

    app = _app()
    history = _history(app, code)
    downgrade(app.extensions["concerto.db"].engine, history, revision)
    click.echo(f"{code}: now at {history.current(app.extensions['concerto.db'].engine)}")


# --- plugins -----------------------------------------------------------------------------


@main.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins with version, API, status, hooks and migration state."""
    from core.admin.services import plugin_status

    app = _app()
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


# --- data --------------------------------------------------------------------------------


@main.group()
def seed() -> None:
    """Load reference or demo data."""


@seed.command("demo")
def seed_demo() -> None:
    """Load the reference data, the 2014-2019 plan and the demo inventory (60 services and
    the 2025 and 2026 states of affairs)."""
    app = _app()
    _require_head(app)
    left_out = seed_everything(app)
    click.echo("reference and demo data loaded")
    echo_left_out(left_out)


@main.group()
def data() -> None:
    """Records the authorities ship with their plugins (their plan, bodies and rooms)."""


@data.command("load")
@click.option("--authority", "authority", default=None, help="Only this authority's files.")
def data_load(authority: str | None) -> None:
    """Load what the enabled plugins ship as data; what is already there stays as it is."""
    from core.shipped import load_shipped_data
    from core.validation import Invalid

    app = _app()
    _require_head(app)
    registry = app.extensions["concerto.registry"]
    if authority is not None and authority not in registry.authorities:
        raise click.ClickException(f"No enabled authority {authority!r}.")
    with app.extensions["concerto.db"].session() as session:
        try:
            loaded = load_shipped_data(session, registry, authority)
        except Invalid as invalid:
            problems = "; ".join(f"{key}: {code}" for key, code in sorted(invalid.errors.items()))
            raise click.ClickException(
                f"A shipped file was refused, nothing of it loaded: {problems}"
            ) from None
    for item in loaded:
        click.echo(f"{item.authority} {item.kind} {item.path.name}: {item.summary}")
    if not loaded:
        click.echo("No shipped data to load.")


@seed.command("synthetic")
@click.option("--services", "count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--seed", "random_seed", type=int, default=2026, show_default=True)
def seed_synthetic_command(count: int, random_seed: int) -> None:
    """Add N realistic published services, with versions, for benchmarks."""
    from core.inventory.synthetic import seed_synthetic

    app = _app()
    _require_head(app)
    with (
        app.extensions["concerto.db"].session() as session,
        click.progressbar(length=count, label="services") as bar,
    ):
        done = 0

        def advance(total: int) -> None:
            nonlocal done
            bar.update(total - done)
            done = total

        seed_synthetic(
            session, app.extensions["concerto.registry"], count, random_seed, progress=advance
        )
    click.echo(f"{count} synthetic services added")


def seed_everything(app) -> list[str]:
    """Seed the reference and demo data for the enabled authorities; returns the demo parts
    left out because their authority's plugin is not enabled (core.demo_parts)."""
    from core.demo_parts import DemoParts
    from core.goals.demo import seed_demo_actions
    from core.inventory.demo import seed_demo_inventory, seed_demo_needs
    from core.meetings.demo import seed_demo_meetings
    from core.partners.demo import seed_demo_partner_action, seed_demo_partners
    from core.reference.services import seed_reference
    from core.reports.demo import seed_demo_figures
    from core.rooms.demo import seed_demo_rooms
    from core.shipped import load_shipped_data
    from core.signals.demo import seed_demo_signals
    from core.studyday.demo import seed_demo_study_days
    from core.webhooks.demo import seed_demo_webhooks

    registry = app.extensions["concerto.registry"]
    parts = DemoParts.of(registry)
    with app.extensions["concerto.db"].session() as session:
        seed_reference(session, registry)
    with app.extensions["concerto.db"].session() as session:
        # The authorities' bodies come after the committee's demo bodies (below), which so
        # keep the first ids.
        load_shipped_data(session, registry, kinds=("plan", "rooms"))
    with app.extensions["concerto.db"].session() as session:
        seed_demo_inventory(session, registry, parts)
        seed_demo_needs(session, parts)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_actions(session, parts)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_partners(session)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_meetings(session, parts=parts)
        seed_demo_partner_action(session)
    with app.extensions["concerto.db"].session() as session:
        load_shipped_data(session, registry, kinds=("bodies",))
    with app.extensions["concerto.db"].session() as session:
        seed_demo_study_days(session, parts=parts)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_figures(session, registry)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_webhooks(session, parts)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_signals(session, parts)
    with app.extensions["concerto.db"].session() as session:
        seed_demo_rooms(session, parts=parts)
    return parts.left_out


def echo_left_out(left_out: list[str]) -> None:
    if left_out:
        click.echo("Demo parts left out, as their authority's plugin is not enabled:")
        for part in left_out:
            click.echo(f"  - {part}")


def _require_head(app) -> None:
    from core.db import behind

    late = behind(app.extensions["concerto.db"].engine, app.extensions["concerto.registry"])
    if late:
        raise click.ClickException(
            f"The database is behind for: {', '.join(late)}. Run `concerto db upgrade` first."
        )


# --- the inventory ------------------------------------------------------------------------


@main.command("import")
@click.option("--authority", required=True, help="The authority whose services these are.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; store nothing.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(authority: str, dry_run: bool, path: str) -> None:
    """Import services from CSV, XLSX or JSON: all rows or none, matched on the
    authority's own identifier (importing twice changes nothing)."""
    from core.audit.services import acting_as
    from core.inventory import exchange

    app = _app()
    _require_head(app)
    registry = app.extensions["concerto.registry"]
    if authority not in registry.authorities:
        raise click.ClickException(
            f"Unknown authority {authority!r}; known: {', '.join(registry.authorities)}."
        )
    try:
        rows = exchange.read_rows(Path(path).read_bytes(), path)
    except exchange.FileProblem as refused:
        raise click.ClickException(_file_problem(refused.problem, app)) from None
    principal = _cli_principal("import")
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
        click.echo(_file_problem(problem, app), err=True)
    summary = (
        f"{len(report.created)} new, {len(report.updated)} changed, "
        f"{len(report.unchanged)} unchanged"
    )
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problems; nothing was stored.")
    click.echo(f"{summary}; {'checked only (dry run)' if dry_run else 'stored'}.")


def _terminal_language() -> str:
    """nl, fr or en from the terminal's LANG (nl_BE.UTF-8 gives nl), else English."""
    language = os.environ.get("LANG", "")[:2].lower()
    return language if language in ("nl", "fr", "en") else "en"


def _file_problem(problem, app=None) -> str:
    """One problem of an import, in the terminal's language, with its row and column."""
    where = "file" if problem.row is None else f"row {problem.row}"
    column = f", column {problem.column}" if problem.column else ""
    value = f" ({problem.value})" if problem.value else ""
    reason = problem.code
    if app is not None:
        from core.inventory.views import describe

        headers = {"Accept-Language": _terminal_language()}
        with app.test_request_context("/api/", headers=headers):
            reason = describe({"code": problem.code})
    return f"{where}{column}: {reason}{value}"


@main.command("export")
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
    from core.inventory import exchange, hsds
    from core.inventory.services import Filters

    app = _app()
    _require_head(app)
    with app.extensions["concerto.db"].session() as session, open(output, "wb") as target:
        if fmt == "hsds":
            for chunk in hsds.export(session, app.extensions["concerto.registry"], language):
                target.write(chunk.encode("utf-8"))
        else:
            rows = exchange.export_rows(session, Filters(authority=authority or ""))
            target.write(exchange.FORMATS[fmt][0](rows))
    click.echo(f"written to {output}")


# --- people and tokens ----------------------------------------------------------------------


def _cli_principal(command: str):
    from core.permissions import system

    return system("cli", f"concerto {command}")


def _logged_in_identity(db, authority: str, subject: str):
    from sqlalchemy import select

    from core.identity.models import Identity

    identity = db.scalar(
        select(Identity).where(Identity.authority_code == authority, Identity.subject == subject)
    )
    if identity is None:
        raise click.ClickException(
            f"Nobody with subject {subject!r} has logged in through {authority}; "
            "they must log in once first."
        )
    return identity


@main.group()
def token() -> None:
    """API tokens for scripts."""


@token.command("create")
@click.option("--authority", "authority", required=True, help="Authority the token acts for.")
@click.option("--role", "roles", required=True, multiple=True, help="coordinator, member, viewer")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--expires", "days", type=int, help="Days until it expires (1-366).")
@click.option(
    "--subject",
    help="Owner's subject at the authority's provider (default: a "
    "service account named after the token).",
)
def token_create(authority, roles, name, days, subject) -> None:
    """Create a token and print it once. Without --subject the token belongs to a service
    account of the authority, which holds exactly the roles given."""
    from sqlalchemy import select

    from core.audit.services import acting_as
    from core.identity.models import AUTHORITY_ROLES, Identity, User
    from core.identity.services import TokenError, create_token

    app = _app()
    _require_head(app)
    registry = app.extensions["concerto.registry"]
    if authority not in registry.authorities:
        raise click.ClickException(
            f"Unknown authority {authority!r}; known: {', '.join(registry.authorities)}."
        )
    bad = [role for role in roles if role not in AUTHORITY_ROLES]
    if bad:
        raise click.ClickException(
            f"Unknown role {bad[0]!r}; choose from {', '.join(AUTHORITY_ROLES)}."
        )
    with acting_as(_cli_principal("token create")), app.extensions["concerto.db"].session() as db:
        if subject:
            identity = _logged_in_identity(db, authority, subject)
        else:
            service_subject = f"service:{name}"
            identity = db.scalar(
                select(Identity).where(
                    Identity.authority_code == authority,
                    Identity.issuer == "concerto:cli",
                    Identity.subject == service_subject,
                )
            )
            if identity is None:
                user = User(display_name=f"{name} ({authority})")
                identity = Identity(
                    user=user,
                    authority_code=authority,
                    issuer="concerto:cli",
                    subject=service_subject,
                    role_codes=[],
                    access_roles=list(roles),
                )
                db.add(identity)
                db.flush()
            else:
                identity.access_roles = sorted(
                    set(identity.access_roles) | set(roles), key=AUTHORITY_ROLES.index
                )
        try:
            secret, created = create_token(db, identity, name, list(roles), days)
        except TokenError as error:
            raise click.ClickException(
                {
                    "name": "--name must be 1 to 100 characters.",
                    "roles": f"That person does not hold {', '.join(roles)} at {authority}.",
                    "expires": "--expires must be between 1 and 366 days.",
                }[error.field]
            ) from None
        summary = (
            f"token {created.id} for {identity.user.display_name} at {authority}, roles "
            f"{', '.join(created.roles)}, expires {created.expires_at or 'never'}"
        )
    # Only once committed: a secret printed before a failing commit would name no token.
    click.echo(secret)
    click.echo(summary, err=True)


@main.group()
def users() -> None:
    """People who have logged in, and their platform roles."""


@users.command("grant")
@click.option("--authority", required=True)
@click.option("--subject", required=True, help="The person's subject at the provider.")
@click.option("--role", required=True, type=click.Choice(["secretary", "administrator"]))
def users_grant(authority: str, subject: str, role: str) -> None:
    """Give a platform role to someone who has logged in (the first administrator)."""

    from core.audit.services import acting_as
    from core.identity.services import grant_platform_role

    app = _app()
    _require_head(app)
    with acting_as(_cli_principal("users grant")), app.extensions["concerto.db"].session() as db:
        identity = _logged_in_identity(db, authority, subject)
        grant_platform_role(db, identity.user, role, granted_by="concerto users grant")
        click.echo(f"{identity.user.display_name} is now {role}")


# --- running -----------------------------------------------------------------------------


@main.command("bench")
@click.option("--sizes", default="1000,10000,50000", show_default=True)
@click.option("--backends", default="sqlite,postgresql", show_default=True)
@click.option("--seconds", type=float, default=5.0, show_default=True, help="Per figure.")
@click.option("--output", type=click.Path(file_okay=False), help="Default: bench/.")
@click.option(
    "--cases",
    default="inventory,burst",
    show_default=True,
    help="inventory (pages at scale), burst (200 new visitors at once on the demo), or both.",
)
def bench(sizes: str, backends: str, seconds: float, output: str | None, cases: str) -> None:
    """Run the benchmarks of bench/; results go to RESULTS.md and results.json there.
    Needs a checkout (bench/ is not installed), wrk for the load (else a Python one)."""
    harness = Path(__file__).resolve().parent.parent / "bench" / "harness.py"
    if not harness.exists():
        raise click.ClickException("bench/harness.py not found: run from a Concerto checkout.")
    arguments = ["--sizes", sizes, "--backends", backends, "--seconds", str(seconds)]
    arguments += ["--cases", cases]
    if output:
        arguments += ["--output", output]
    raise SystemExit(subprocess.call([sys.executable, str(harness), *arguments]))


def installed_plugin_codes() -> list[str]:
    from core.plugins import ENTRY_POINT_GROUP

    return sorted(ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP))


DEMO_CONFIG = """\
# Written by `concerto demo` on its first run. Edit freely; `concerto` commands run from this
# folder read it unless CONCERTO_CONFIG names another file.
database_url = "sqlite:///{database}"
secret_key = "{secret}"
plugins = {plugins}
development = true
scheduler = true
"""


def write_demo_config(instance: Path) -> Path:
    path = instance / "concerto.toml"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(
            DEMO_CONFIG.format(
                database=(instance / "demo.db").resolve(),
                secret=secrets.token_hex(32),
                plugins=json.dumps(installed_plugin_codes()),
            ),
            encoding="utf-8",
        )
    return path


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--providers-port",
    type=int,
    help="First port of the five development identity providers (default: port + 1).",
)
def demo(host: str, port: int, providers_port: int | None) -> None:
    """Run the demo: SQLite under instance/, reference data, development identity
    providers with demo users, scheduler in-process."""
    import os

    from core.config import load_config
    from core.identity import demo as demo_login
    from core.plugins import load_plugins
    from core.scheduler import start_in_process
    from core.webhooks.demo import adopt_demo_webhooks

    config_file = write_demo_config(Path.cwd() / "instance")
    os.environ.setdefault("CONCERTO_CONFIG", str(config_file))
    # The providers must run before the app is built: it reads their discovery documents.
    # One for each authority the configuration enables, and for no other.
    try:
        settings = load_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    registry = load_plugins(settings["plugins"], settings["extra_plugins"])
    base = f"http://{host}:{port}"
    providers = demo_login.start_providers(registry, base, providers_port or port + 1)
    app = _app(public_url=base, **demo_login.settings_for(providers))
    upgrade_all(app)
    left_out = seed_everything(app)
    with app.extensions["concerto.db"].session() as session:
        left_out += demo_login.seed_platform_people(session, providers)
    with app.extensions["concerto.db"].session() as session:
        adopt_demo_webhooks(session)
    app.extensions["concerto.demo_users"] = demo_login.login_choices(
        app.extensions["concerto.registry"], providers
    )
    start_in_process(app)
    click.echo(f"Concerto demo on {base}/ (configuration: {config_file})")
    for provider in providers:
        click.echo(f"  identity provider of {provider.authority}: {provider.issuer}")
    echo_left_out(left_out)
    serve_bounded(app, host, port)


# A request holds up to three database connections at once (its own, the session's, the
# rate-limit counter's); four threads stay within the pool of 15 beside the scheduler's jobs.
# Werkzeug's development server started a thread per connection, so a crowd took every
# connection and each request then waited for a second one until the pool gave up.
DEMO_THREADS = 4
# Connections accepted at once; waitress reads their requests and queues them for the
# threads. Beyond this, new connections wait in the listen backlog instead of failing.
DEMO_CONNECTIONS = 100
DEMO_BACKLOG = 1024


def serve_bounded(app, host: str, port: int) -> None:
    """Serve ``app`` with a fixed pool of threads and a backlog (waitress) until Ctrl+C."""
    import logging

    import waitress

    # A queue of requests is how a crowd is served here; waitress would warn at each one.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=DEMO_THREADS,
        connection_limit=DEMO_CONNECTIONS,
        backlog=DEMO_BACKLOG,
        ident="Concerto",
    )


@main.command("serve")
@click.option("--workers", type=int, help="gunicorn workers (default from configuration).")
def serve(workers: int | None) -> None:
    """Run in production under gunicorn. Refuses a database that is behind."""
    import os
    import shutil
    import tempfile

    from gunicorn.app.base import BaseApplication

    # Prometheus counters of all workers add up through files in this folder.
    metrics_dir = Path(tempfile.gettempdir()) / f"concerto-metrics-{os.getpid()}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    from core.operations.observability import use_multiprocess_metrics

    use_multiprocess_metrics(str(metrics_dir))
    app = _app()
    settings = app.config["CONCERTO"]
    if not settings["secret_key"]:
        raise click.ClickException("Set secret_key (or CONCERTO_SECRET_KEY) before serving.")
    _require_head(app)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings['host']}:{settings['port']}")
            self.cfg.set("workers", workers or settings["workers"])
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 30)
            self.cfg.set("child_exit", _forget_worker_metrics)

        def load(self):
            return app

    Server().run()


@main.command("report")
@click.argument("authority")
@click.option("--year", type=int, required=True, help="the calendar year the report covers")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--language", default=None, help="nl, fr or en (default: the report's first)")
def report_command(authority: str, year: int, output: str, language: str | None) -> None:
    """Write an authority's report for a year; the file's extension picks the report when
    the authority has several (for example .odt or .pdf)."""
    from core.reports import services as reports

    app = _app()
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
    with app.test_request_context(), app.extensions["concerto.db"].session() as session:
        try:
            content = reports.make(session, authority, report, year, language)
        except reports.ReportFailed as error:
            raise click.ClickException(f"{report.code} failed: {error}") from None
    Path(output).write_bytes(content)
    click.echo(f"{output}: {report.code} {year} ({language}), {len(content)} bytes")


@main.command("backup")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
def backup_command(output: str) -> None:
    """Write a consistent archive of every table of the core and the enabled plugins, with
    a manifest of plugin versions and migration revisions. Safe while the platform serves."""
    from core.operations.backup import BackupError, backup

    app = _app()
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


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive: str) -> None:
    """Restore an archive of `concerto backup` into an empty database (SQLite or
    PostgreSQL), with the same plugins at the same revisions."""
    from core.operations.backup import BackupError, restore

    app = _app()
    try:
        manifest = restore(app, Path(archive))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(manifest['tables'].values())} rows from {archive}")


def _forget_worker_metrics(_server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


@main.command("scheduler")
@click.option("--lease-seconds", default=60, show_default=True, type=int)
def scheduler_command(lease_seconds: int) -> None:
    """Run the scheduled jobs (reminders, e-mail delivery, clean-ups) in this process.

    Run one next to the web servers. A second one started by mistake waits: only the holder
    of the lease in the database runs jobs, and takes over if the first one dies."""
    import signal

    from core.scheduler import LeasedScheduler

    app = _app()
    _require_head(app)
    leased = LeasedScheduler(app, ttl_seconds=lease_seconds)

    def _stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"scheduler {leased.holder} started")
    with contextlib.suppress(KeyboardInterrupt):
        leased.run_forever()
    click.echo(f"scheduler {leased.holder} stopped")


if __name__ == "__main__":
    sys.exit(main())
