"""`concerto token` and `concerto users`: API tokens for scripts, and platform roles."""

from __future__ import annotations

import click
from sqlalchemy import select

from core.audit.services import acting_as
from core.cli.common import cli_principal, logged_in_identity, make_app, require_head
from core.identity.models import AUTHORITY_ROLES, Identity, User
from core.identity.services import TokenError, create_token, grant_platform_role


@click.group()
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
    app = make_app()
    require_head(app)
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
    with acting_as(cli_principal("token create")), app.extensions["concerto.db"].session() as db:
        if subject:
            identity = logged_in_identity(db, authority, subject)
        else:
            identity = _service_account(db, authority, name, roles)
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


def _service_account(db, authority: str, name: str, roles) -> Identity:
    """The authority's service account named after the token, holding at least ``roles``."""
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
    return identity


@click.group()
def users() -> None:
    """People who have logged in, and their platform roles."""


@users.command("grant")
@click.option("--authority", required=True)
@click.option("--subject", required=True, help="The person's subject at the provider.")
@click.option("--role", required=True, type=click.Choice(["secretary", "administrator"]))
def users_grant(authority: str, subject: str, role: str) -> None:
    """Give a platform role to someone who has logged in (the first administrator)."""
    app = make_app()
    require_head(app)
    with acting_as(cli_principal("users grant")), app.extensions["concerto.db"].session() as db:
        identity = logged_in_identity(db, authority, subject)
        grant_platform_role(db, identity.user, role, granted_by="concerto users grant")
        click.echo(f"{identity.user.display_name} is now {role}")
