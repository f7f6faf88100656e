"""Every hook of the contract is documented with its exact signature (as Datasette does)."""

from __future__ import annotations

import inspect
import re

import pytest

from core import hookspecs
from tests.conftest import ROOT

HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if inspect.isfunction(value) and hasattr(value, "concerto_spec")
)
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


def test_the_contract_has_the_hooks_architecture_names():
    assert set(HOOKS) == {
        "register_authorities",
        "coordinator_roles",
        "service_vocabulary",
        "service_fields",
        "report_formats",
        "oidc_defaults",
        "map_claims",
        "blueprints",
        "template_dirs",
        "translation_dirs",
        "migration_dir",
        "scheduled_jobs",
        "nav_items",
        "concerto_event",  # API 1.1: the one hook called after start-up, for each event
        "shipped_data",  # API 1.2: the authority's own plan, bodies and rooms as data files
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_with_its_signature(hook):
    assert re.search(rf"^### {hook}$", DOCS, re.MULTILINE), f"no section for {hook}"
    signature = f"`{hook}{inspect.signature(getattr(hookspecs, hook))}`"
    assert signature in DOCS, f"docs/plugins.md lacks {signature}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook):
    assert (getattr(hookspecs, hook).__doc__ or "").strip()


def test_every_command_in_the_readme_exists_with_its_options():
    from core.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `concerto ([^`]+)`", readme, re.MULTILINE)
    assert len(rows) >= 8
    for row in rows:
        words = row.split()
        command, rest = main, []
        for i, word in enumerate(words):
            sub = getattr(command, "commands", {}).get(word)
            if sub is None:
                rest = words[i:]
                break
            command = sub
        assert command is not main, row
        options = {opt for param in command.params for opt in param.opts}
        for option in re.findall(r"--[a-z-]+|-p\b", " ".join(rest)):
            assert option in options, f"{row}: {option}"


def test_the_walk_through_quotes_the_example_plugins_files_as_they_are():
    conftest = (ROOT / "tests" / "plugin_dist" / "v1" / "tests" / "conftest.py").read_text()
    assert f"```python\n{conftest}```" in DOCS
    test_file = (ROOT / "tests" / "plugin_dist" / "v1" / "tests" / "test_gewest.py").read_text()
    quoted = re.search(r"```python\n(def test_a_collaborator_only_reads.*?)```", DOCS, re.S)
    assert quoted and quoted.group(1) in test_file
    migration = ROOT / "tests" / "plugin_dist" / "v2" / "concerto_gewest" / "migrations"
    assert (migration / "gewest_0002_prison_codes.py").exists()
