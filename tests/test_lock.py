"""The lock that ./dev installs from (requirements.lock) holds, for every dependency the
platform and its tests declare in pyproject.toml, one exact version that the declared range
allows, with hashes: a fresh machine gets what the tests ran with."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def _locked() -> dict[str, tuple[str, str]]:
    """Each pinned package: (version, the lines up to the next pin)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    found, name = {}, None
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2), "")
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[name]
            found[name] = (version, hashes + line)
    return found


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(text)
        for text in project["dependencies"] + project["optional-dependencies"]["test"]
    ]


def test_every_declared_dependency_is_locked_within_its_range_with_hashes():
    locked = _locked()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside {requirement}"
        )
        assert "--hash=sha256:" in hashes, f"{name} has no hash in requirements.lock"


def test_the_lock_never_names_a_local_index():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text
