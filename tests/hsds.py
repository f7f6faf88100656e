"""The HSDS 3.0 schema the inventory's exports are checked against (tests/test_inventory_hsds.py,
tests/test_changes_*.py): where it lies and a validator for one service."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.conftest import ROOT

HSDS = ROOT.parent / "shared" / "hsds-3.0"
if not HSDS.exists():  # a checkout beside shared/, as in CI, or inside it
    HSDS = Path("/work/shared/hsds-3.0")


def _validator():
    schema = json.loads((HSDS / "compiled" / "service.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
