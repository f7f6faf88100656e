"""Reference data files shipped with the core, read once at import."""

from __future__ import annotations

import tomllib
from pathlib import Path

HERE = Path(__file__).parent

REFERENCE = tomllib.loads((HERE / "reference.toml").read_text(encoding="utf-8"))
PLAN_2014_2019 = tomllib.loads((HERE / "plan_2014_2019.toml").read_text(encoding="utf-8"))
DOMAIN_CODES: tuple[str, ...] = tuple(domain["code"] for domain in REFERENCE["domains"])
