"""Which parts of the demo data the demo seeds, when a configuration enables only some of
the authorities' plugins.

The demo data names all five authorities: their services, the committee's members, the
leads of plan actions, the secretariat (which sits with COCOM). An authority trying the
demo with its own plugin gets what belongs to the enabled authorities; each seed notes the
parts it leaves out, and `concerto demo` says them at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class DemoParts:
    enabled: frozenset[str]
    left_out: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, registry) -> DemoParts:
        return cls(frozenset(registry.authorities))

    def has(self, *codes: str) -> bool:
        return all(code in self.enabled for code in codes)

    def leave_out(self, part: str, codes: Iterable[str]) -> None:
        """Note that ``part`` was not seeded because the plugins of ``codes`` (those of
        them that are not enabled) are not."""
        missing = sorted({code for code in codes if code not in self.enabled})
        plugins = ", ".join(missing)
        self.left_out.append(
            f"{part} (plugin{'s' if len(missing) > 1 else ''} {plugins} not enabled)"
        )
