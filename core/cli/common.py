"""What the commands share: the app they run against, the check that the database is at
head, the principal a command acts as, and the terminal's language."""

from __future__ import annotations

import os

import click
from sqlalchemy import select

from core import create_app
from core.config import ConfigError
from core.db import behind
from core.identity.models import Identity
from core.permissions import system


def make_app(**overrides):
    try:
        return create_app(overrides or None)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def require_head(app) -> None:
    late = behind(app.extensions["concerto.db"].engine, app.extensions["concerto.registry"])
    if late:
        raise click.ClickException(
            f"The database is behind for: {', '.join(late)}. Run `concerto db upgrade` first."
        )


def cli_principal(command: str):
    return system("cli", f"concerto {command}")


def logged_in_identity(db, authority: str, subject: str):
    identity = db.scalar(
        select(Identity).where(Identity.authority_code == authority, Identity.subject == subject)
    )
    if identity is None:
        raise click.ClickException(
            f"Nobody with subject {subject!r} has logged in through {authority}; "
            "they must log in once first."
        )
    return identity


def terminal_language() -> str:
    """nl, fr or en from the terminal's LANG (nl_BE.UTF-8 gives nl), else English."""
    language = os.environ.get("LANG", "")[:2].lower()
    return language if language in ("nl", "fr", "en") else "en"


def echo_left_out(left_out: list[str]) -> None:
    if left_out:
        click.echo("Demo parts left out, as their authority's plugin is not enabled:")
        for part in left_out:
            click.echo(f"  - {part}")
