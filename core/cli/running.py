"""Running the platform: `concerto demo`, `concerto serve`, `concerto scheduler` and
`concerto bench`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import click
import waitress
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from core.cli.common import echo_left_out, make_app, require_head
from core.cli.seeding import seed_everything
from core.config import ConfigError, load_config
from core.identity import demo as demo_login
from core.inventory import term_bits
from core.operations.observability import use_multiprocess_metrics
from core.operations.upgrade import upgrade_all
from core.plugins import ENTRY_POINT_GROUP, load_plugins
from core.scheduler import LeasedScheduler, start_in_process
from core.webhooks.demo import adopt_demo_webhooks


@click.command("bench")
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
    harness = Path(__file__).resolve().parents[2] / "bench" / "harness.py"
    if not harness.exists():
        raise click.ClickException("bench/harness.py not found: run from a Concerto checkout.")
    arguments = ["--sizes", sizes, "--backends", backends, "--seconds", str(seconds)]
    arguments += ["--cases", cases]
    if output:
        arguments += ["--output", output]
    raise SystemExit(subprocess.call([sys.executable, str(harness), *arguments]))


def installed_plugin_codes() -> list[str]:
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


@click.command("demo")
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
    app = make_app(public_url=base, **demo_login.settings_for(providers))
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


@click.command("serve")
@click.option("--workers", type=int, help="gunicorn workers (default from configuration).")
def serve(workers: int | None) -> None:
    """Run in production under gunicorn. Refuses a database that is behind."""
    # Prometheus counters of all workers add up through files in this folder.
    metrics_dir = Path(tempfile.gettempdir()) / f"concerto-metrics-{os.getpid()}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    use_multiprocess_metrics(str(metrics_dir))
    app = make_app()
    settings = app.config["CONCERTO"]
    if not settings["secret_key"]:
        raise click.ClickException("Set secret_key (or CONCERTO_SECRET_KEY) before serving.")
    require_head(app)
    # The search index's terms, read once here (2 s at 50,000 services): each worker is
    # forked with them and catches up from the changes (core.inventory.term_bits).
    with app.extensions["concerto.db"].session() as session:
        term_bits.kept(session)
    # The workers are forked from this process: a pooled connection opened here would be
    # one socket shared by all of them, each reading the others' answers (seen as "can't
    # change 'autocommit' now: connection in transaction status INTRANS" on PostgreSQL when
    # one worker pinged while another was still inside an export). Each opens its own.
    app.extensions["concerto.db"].engine.dispose()

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


def _forget_worker_metrics(_server, worker) -> None:
    multiprocess.mark_process_dead(worker.pid)


@click.command("scheduler")
@click.option("--lease-seconds", default=60, show_default=True, type=int)
def scheduler_command(lease_seconds: int) -> None:
    """Run the scheduled jobs (reminders, e-mail delivery, clean-ups) in this process.

    Run one next to the web servers. A second one started by mistake waits: only the holder
    of the lease in the database runs jobs, and takes over if the first one dies."""
    app = make_app()
    require_head(app)
    leased = LeasedScheduler(app, ttl_seconds=lease_seconds)

    def _stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"scheduler {leased.holder} started")
    with contextlib.suppress(KeyboardInterrupt):
        leased.run_forever()
    click.echo(f"scheduler {leased.holder} stopped")
