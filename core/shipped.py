"""Records an authority ships with its plugin as data files (hook ``shipped_data``): its own
plan, its bodies, its rooms. Each kind is loaded by its feature's import, so a shipped file
is checked exactly like one a coordinator uploads.

A loader takes ``(session, authority_code, path)``, leaves a record whose code is already
there as it is (what people changed since is kept) and writes nothing when the file is bad
(it raises ``core.validation.Invalid`` with the row). It returns a one-line summary for the
command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from core.contributions import SHIPPED_KINDS
from core.goals.exchange import load_shipped_plan
from core.meetings.exchange import load_shipped_bodies
from core.plugins import Registry
from core.rooms.exchange import load_shipped_rooms
from core.validation import Invalid

Loader = Callable[[Session, str, Path], str]

LOADERS: dict[str, Loader] = {
    "plan": load_shipped_plan,
    "bodies": load_shipped_bodies,
    "rooms": load_shipped_rooms,
}


@dataclass
class Loaded:
    authority: str
    kind: str
    path: Path
    summary: str


def load_shipped_data(
    session: Session,
    registry: Registry,
    authority: str | None = None,
    kinds: tuple[str, ...] = SHIPPED_KINDS,
) -> list[Loaded]:
    """Load every file the enabled authorities ship (or only ``authority``'s; only the
    ``kinds`` given), plans first (bodies and rooms may name them), each file in its own
    transaction."""
    loaded = []
    for kind in (kind for kind in SHIPPED_KINDS if kind in kinds):
        loader = LOADERS.get(kind)
        for code, found in sorted(registry.authorities.items()):
            if authority is not None and code != authority:
                continue
            for shipped in found.shipped_data:
                if shipped.kind != kind or loader is None:
                    continue
                try:
                    summary = loader(session, code, shipped.path)
                    session.commit()
                except Invalid as invalid:
                    # One shipped file is loaded all or nothing, in its own transaction (no
                    # request here: the CLI and the demo load it), so none of it stays.
                    session.rollback()
                    # Which file, then which row and column: the plugin's authors fix it there.
                    raise Invalid(
                        {
                            f"{shipped.path.name}, {key}": problem
                            for key, problem in invalid.errors.items()
                        }
                    ) from None
                except Exception:
                    session.rollback()  # all or nothing, as above
                    raise
                loaded.append(Loaded(code, kind, shipped.path, summary))
    return loaded
