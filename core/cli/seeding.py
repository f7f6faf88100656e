"""`concerto seed` and `concerto data`: the demo data, synthetic services for benchmarks, and
the records the authorities ship with their plugins."""

from __future__ import annotations

import click

from core.cli.common import echo_left_out, make_app, require_head
from core.demo_parts import DemoParts
from core.goals.demo import seed_demo_actions
from core.inventory.demo import seed_demo_inventory, seed_demo_needs
from core.inventory.synthetic import seed_synthetic
from core.meetings.demo import seed_demo_meetings
from core.partners.demo import seed_demo_partner_action, seed_demo_partners
from core.reference.services import seed_reference
from core.reports.demo import seed_demo_figures
from core.rooms.demo import seed_demo_rooms
from core.shipped import load_shipped_data
from core.signals.demo import seed_demo_signals
from core.studyday.demo import seed_demo_study_days
from core.validation import Invalid
from core.webhooks.demo import seed_demo_webhooks


@click.group()
def seed() -> None:
    """Load reference or demo data."""


@seed.command("demo")
def seed_demo() -> None:
    """Load the reference data, the 2014-2019 plan and the demo inventory (60 services and
    the 2025 and 2026 states of affairs)."""
    app = make_app()
    require_head(app)
    left_out = seed_everything(app)
    click.echo("reference and demo data loaded")
    echo_left_out(left_out)


@seed.command("synthetic")
@click.option("--services", "count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--seed", "random_seed", type=int, default=2026, show_default=True)
def seed_synthetic_command(count: int, random_seed: int) -> None:
    """Add N realistic published services, with versions, for benchmarks."""
    app = make_app()
    require_head(app)
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


@click.group()
def data() -> None:
    """Records the authorities ship with their plugins (their plan, bodies and rooms)."""


@data.command("load")
@click.option("--authority", "authority", default=None, help="Only this authority's files.")
def data_load(authority: str | None) -> None:
    """Load what the enabled plugins ship as data; what is already there stays as it is."""
    app = make_app()
    require_head(app)
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


def seed_everything(app) -> list[str]:
    """Seed the reference and demo data for the enabled authorities; returns the demo parts
    left out because their authority's plugin is not enabled (core.demo_parts)."""
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
