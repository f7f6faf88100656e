"""The plugin lifecycle as an authority lives it, with a real distribution and real pip.

The Brussels-Capital Region's plugin (``tests/plugin_dist``: version 1, and version 2 laid
over it) is built here as two wheels. It is installed with pip into a Python environment
of its own that also sees the core and the five plugins, then upgraded, migrated, taken
back, disabled and uninstalled with the ``concerto`` command, on SQLite and PostgreSQL. Its
own test suite, written with the core's test kit (``core.testing``), runs there too.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from sqlalchemy import create_engine, inspect, text

from core.cli import upgrade_all
from core.testing import Providers, csrf_token, login
from tests.conftest import FIVE, ROOT, make_app
from tests.logins import api_token, login_as

DIST = ROOT / "tests" / "plugin_dist"
SIX = [*FIVE, "gewest"]
PROJECTS = [
    (2026, "Prison de Haren", "Jobcoaching", 12),
    (2026, "gevangenis van sint-gillis", "Werkplaats", 8),
    (2026, "Ailleurs", "Atelier mobile", 3),
]


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def gewest(tmp_path_factory) -> dict[str, Path]:
    """The two wheels of the Region's plugin, and the source tree of version 2."""
    work = tmp_path_factory.mktemp("gewest")
    found = {}
    for version, layers in (("1.0.0", ["v1"]), ("2.0.0", ["v1", "v2"])):
        source = work / f"concerto-gewest-{version}"
        for layer in layers:  # version 2 is version 1 with its changed files laid over
            shutil.copytree(
                DIST / layer,
                source,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
            )
        _run(
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index"),
            *("--no-build-isolation", "--wheel-dir", str(work / "wheels"), str(source)),
        )
        found[version] = next((work / "wheels").glob(f"concerto_gewest-{version}-*.whl"))
        found[f"source-{version}"] = source
    return found


class Installation:
    """A Python environment of its own, in which the Region's plugin is installed, upgraded
    and removed with pip. It sees the test run's environment (the core, its five plugins,
    their dependencies) through a .pth file, as a site-wide installation would."""

    def __init__(self, path: Path, database_url: str) -> None:
        _run(sys.executable, "-m", "venv", "--without-pip", str(path))
        self.python = str(path / "bin" / "python")
        purelib = _run(
            self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
        ours = sysconfig.get_paths()["purelib"]
        Path(purelib, "concerto_base.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
        self.environ = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
        self.environ |= {"CONCERTO_DATABASE_URL": database_url, "CONCERTO_SECRET_KEY": "x" * 32}
        self.environ.pop("PYTHONPATH", None)
        self.workdir = path.parent

    def pip(self, *args: str) -> str:
        return _run(self.python, "-m", "pip", "--disable-pip-version-check", *args).stdout

    def concerto(self, *args: str, plugins=SIX, check=True) -> subprocess.CompletedProcess:
        environ = self.environ | {"CONCERTO_PLUGINS": ",".join(plugins)}
        result = subprocess.run(
            [self.python, "-m", "core.cli", *args],
            env=environ,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, f"concerto {' '.join(args)}\n{result.stderr}"
        return result

    def plugins(self, plugins=SIX) -> dict[str, dict]:
        listed = json.loads(self.concerto("plugins", "--json", plugins=plugins).stdout)
        return {row["name"]: row for row in listed}


def _projects(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(text("SELECT * FROM gewest_projects ORDER BY id"))
        ]


def _columns(engine, table: str) -> list[str]:
    return [column["name"] for column in inspect(engine).get_columns(table)]


def _others(engine) -> dict[str, int]:
    """Rows of every table that is not the Region's: what its lifecycle must never touch.
    The core's own record of the Region (its row among the authorities, the audit of what
    its people did) is the core's, and is left out."""
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in inspect(engine).get_table_names()
            if not table.startswith(("gewest_", "alembic_version_gewest"))
            and table not in ("authorities", "audit_log")
        }


def test_install_upgrade_downgrade_disable_and_uninstall_a_plugin_with_pip(
    gewest, database_url, tmp_path
):
    engine = create_engine(database_url)
    with engine.begin() as connection:  # some of another plugin's data, to watch
        connection.execute(
            text(
                "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                "VALUES (2031, 'haren', 'Trajectbegeleider', 2.5)"
            )
        )
    before = _others(engine)
    site = Installation(tmp_path / "env", database_url)

    # Version 1 installed: the platform sees it, and says its migrations are behind.
    site.pip("install", "--no-deps", "--no-index", str(gewest["1.0.0"]))
    listed = site.plugins()["gewest"]
    assert (listed["version"], listed["status"], listed["api_version"]) == (
        "1.0.0",
        "enabled",
        "1.0",
    )
    assert listed["migration"] == {"current": None, "head": "gewest_0001", "at_head": False}
    assert "BEHIND: None < gewest_0001" in site.concerto("plugins").stdout
    refused = site.concerto("serve", check=False)
    assert refused.returncode == 1 and "behind for: gewest" in refused.stderr

    assert "gewest: at head (gewest_0001)" in site.concerto("db", "upgrade", "-p", "gewest").stdout
    with engine.begin() as connection:
        for row in PROJECTS:
            connection.execute(
                text(
                    "INSERT INTO gewest_projects (year, prison, title, participants) "
                    "VALUES (:y, :p, :t, :n)"
                ),
                dict(zip("yptn", row, strict=True)),
            )
    site.concerto("report", "gewest", "--year", "2026", "-o", str(tmp_path / "v1.csv"))
    assert "Jobcoaching" in (tmp_path / "v1.csv").read_text(encoding="utf-8-sig")

    # Version 2 installed over it: behind until upgraded, then the data is migrated.
    site.pip("install", "--no-deps", "--no-index", str(gewest["2.0.0"]))
    listed = site.plugins()["gewest"]
    assert listed["version"] == "2.0.0"
    assert listed["migration"] == {
        "current": "gewest_0001",
        "head": "gewest_0002",
        "at_head": False,
    }
    assert "BEHIND: gewest_0001 < gewest_0002" in site.concerto("plugins").stdout
    site.concerto("db", "upgrade")
    assert site.plugins()["gewest"]["migration"]["at_head"] is True
    assert [row[1:] for row in _projects(engine)] == [
        (*project, code)
        for project, code in zip(PROJECTS, ["haren", "sint_gillis", None], strict=True)
    ]
    # Version 2's report names the prison from the shared reference, in the asked language.
    site.concerto(
        "report", "gewest", "--year", "2026", "--language", "nl", "-o", str(tmp_path / "v2.csv")
    )
    rows = list(
        csv.reader(io.StringIO((tmp_path / "v2.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert ["Gevangenis van Haren", "Jobcoaching", "12"] in rows
    assert ["Ailleurs", "Atelier mobile", "3"] in rows

    # Back to version 1: the column goes, every row and its text stay.
    site.concerto("db", "downgrade", "-p", "gewest", "--revision", "gewest_0001")
    assert "prison_code" not in _columns(engine, "gewest_projects")
    assert [row[1:] for row in _projects(engine)] == PROJECTS
    site.pip("install", "--no-deps", "--no-index", str(gewest["1.0.0"]))
    assert site.plugins()["gewest"]["version"] == "1.0.0"
    assert site.plugins()["gewest"]["migration"]["at_head"] is True

    # Disabled: installed but not imported; its tables and rows stay, upgrades pass it by.
    listed = site.plugins(plugins=FIVE)
    assert listed["gewest"]["status"] == "disabled" and listed["gewest"]["migration"] is None
    site.concerto("db", "upgrade", plugins=FIVE)
    assert len(_projects(engine)) == 3

    # Uninstalled: its history taken to base first drops its tables and nothing else.
    site.concerto("db", "downgrade", "-p", "gewest", "--revision", "base")
    assert not any(t.startswith("gewest_") for t in inspect(engine).get_table_names())
    site.pip("uninstall", "--yes", "concerto-gewest")
    assert "gewest" not in site.plugins(plugins=FIVE)
    missing = site.plugins()["gewest"]
    assert missing["status"] == "failed" and "not installed" in missing["reason"]
    assert _others(engine) == before
    # The Region's row stays among the authorities, so records made by its people still
    # name who made them.
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT plugin FROM authorities WHERE code = 'gewest'")
        ).all()
    engine.dispose()


def test_the_plugins_own_tests_pass_with_the_core_test_kit(gewest, tmp_path):
    """What docs/plugins.md tells an authority's developer to do, done: install the plugin,
    then run its tests, which use only ``core.testing``."""
    site = Installation(tmp_path / "env", "sqlite://")
    site.pip("install", "--no-deps", "--no-index", str(gewest["2.0.0"]))
    source = gewest["source-2.0.0"]
    result = subprocess.run(
        [site.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=source,
        env=site.environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


# --- the sixth authority, in the running platform ----------------------------------------


@pytest.fixture(scope="module")
def region_importable(gewest, tmp_path_factory):
    """Version 2 of the Region's plugin installed (pip --target) where this process imports
    from, for the tests that look at pages; taken away again after them."""
    site = tmp_path_factory.mktemp("site")
    _run(
        *(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index"),
        *("--target", str(site), str(gewest["2.0.0"])),
    )
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m.partition(".")[0] == "concerto_gewest"]:
        del sys.modules[name]


NEW_SERVICE = {
    "external_id": "RBC-1",
    "category": "tewerkstelling",
    "name_nl": "Jobcoaching naar werk na de vrijlating",
    "name_fr": "Jobcoaching vers l'emploi après la libération",
    "description_nl": "Individuele begeleiding naar werk.",
    "description_fr": "Accompagnement individuel vers l'emploi.",
    "delivery": "individual",
    "setting": "inside",
    "access": "on_request",
    "free_of_charge": "1",
    "target_groups": ["sentenced"],
    "languages": ["fr", "nl"],
    "capacity": "10",
    "loc_haren": "1",
    "loc_haren_schedule": "FREQ=WEEKLY;BYDAY=TU",
    "loc_haren_places": "10",
}


def _haren_labour(client, authority="") -> int:
    cells = client.get(f"/api/v1/coverage?authority={authority}").get_json()["cells"]
    return sum(
        c["count"] for c in cells if (c["prison"], c["domain"]) == ("haren", "labour_market")
    )


def test_a_sixth_authority_installed_as_a_distribution_takes_part_like_the_five(
    region_importable, database_url
):
    providers = Providers(["gewest", "cocom", "cocof"])
    try:
        app = make_app(database_url, plugins=SIX, **providers.settings())
        administrator = app.test_client()
        login_as(administrator, app, "administrator")
        # Installed and enabled, not yet migrated: the administrator is told what to run.
        page = administrator.get("/admin/plugins").get_data(as_text=True)
        assert "concerto-gewest" in page and "2.0.0" in page
        assert "behind: run concerto db upgrade -p gewest" in page
        upgrade_all(app)
        assert "behind: run" not in administrator.get("/admin/plugins").get_data(as_text=True)

        public = app.test_client()
        assert "Région de Bruxelles-Capitale" in public.get(
            "/login", headers={"Accept-Language": "fr"}
        ).get_data(as_text=True)
        assert public.get("/authorities/gewest").status_code == 200
        assert public.get("/gewest/projects").status_code == 200

        # Its adviser logs in through the Region's provider, with the role its plugin maps,
        # and adds a service in its own words; a committee member approves it.
        haren_labour = _haren_labour(public)
        adviser, member = app.test_client(), app.test_client()
        login(adviser, "gewest", providers.subject_with_role("gewest", "adviseur"))
        login_as(member, app, ("cocof", "member"))
        created = adviser.post(
            "/services/new", data={"csrf_token": csrf_token(adviser, "/services/new")} | NEW_SERVICE
        )
        assert created.status_code == 302, created.get_data(as_text=True)[:3000]
        service = int(created.location.rsplit("/", 1)[1])
        token = {"csrf_token": csrf_token(adviser)}
        assert adviser.post(f"/services/{service}/submit", data=token).status_code == 302
        token = {"csrf_token": csrf_token(member)}
        assert member.post(f"/services/{service}/approve", data=token).status_code == 302
        adviser_token = api_token(app, "gewest-amina")

        # The inventory's facets, the coverage matrix and the report list count it.
        listing = public.get("/services?authority=gewest").get_data(as_text=True)
        assert 'value="gewest"' in listing and "Jobcoaching naar werk" in listing
        assert _haren_labour(public) == haren_labour + 1
        assert _haren_labour(public, "gewest") == 1
        coverage = public.get("/coverage?authority=gewest", headers={"Accept-Language": "fr"})
        assert 'value="gewest"' in coverage.get_data(as_text=True)
        reports = adviser.get("/reports?year=2026").get_data(as_text=True)
        assert "/reports/gewest/overzicht/2026" in reports
        made = adviser.get("/reports/gewest/overzicht/2026?lang=fr")
        assert made.status_code == 200 and "Réinsertion socioprofessionnelle;1" in made.get_data(
            as_text=True
        )

        # Disabled: the plugin's pages, login and reports are gone; its data is not.
        app.extensions["concerto.db"].engine.dispose()
        app = make_app(database_url, plugins=FIVE, **providers.settings())
        public = app.test_client()
        assert public.get("/gewest/projects").status_code == 404
        assert public.get("/authorities/gewest").status_code == 404
        assert "Bruxelles-Capitale" not in public.get(
            "/login", headers={"Accept-Language": "fr"}
        ).get_data(as_text=True)
        assert public.get("/auth/gewest/login").status_code == 404
        # The committee's approved service stays in the shared inventory, readable.
        assert public.get(f"/services/{service}").status_code == 200
        assert _haren_labour(public) == haren_labour + 1
        member = app.test_client()
        login_as(member, app, ("cocof", "member"))
        assert "gewest" not in member.get("/reports?year=2026").get_data(as_text=True)
        # ... and not changeable, said plainly rather than failing.
        token = {"csrf_token": csrf_token(member)}
        refused = member.post(f"/services/{service}/return", data=token, follow_redirects=True)
        assert "its services can be read, not changed" in refused.get_data(as_text=True)
        refused = member.post(
            f"/api/v1/services/{service}/return",
            json={"comment": "?"},
            headers={"Authorization": f"Bearer {api_token(app, 'cocof-julien')}"},
        )
        assert refused.status_code == 409
        assert "can be read, not changed" in refused.get_json()["detail"]
        # A token the Region's adviser made while it was enabled creates nothing now.
        refused = public.post(
            "/api/v1/services",
            json={"external_id": "RBC-2"},
            headers={"Authorization": f"Bearer {adviser_token}"},
        )
        assert refused.status_code == 409
        with app.extensions["concerto.db"].session() as session:
            assert session.execute(text("SELECT count(*) FROM gewest_projects")).scalar() == 0
            assert "gewest_projects" in inspect(session.get_bind()).get_table_names()
        app.extensions["concerto.db"].engine.dispose()
    finally:
        providers.stop()


# --- the catalogues travel with the wheels -----------------------------------------------

PLUGIN_DIRS = sorted(path.parent for path in ROOT.glob("plugins/*/pyproject.toml"))
# What a fresh clone lacks: the .mo files ./dev compiles, and what builds leave behind.
NOT_IN_A_CLONE = shutil.ignore_patterns("*.mo", "__pycache__", "*.egg-info", "build")


@pytest.fixture(scope="session")
def catalogued_wheels(tmp_path_factory) -> dict[str, Path]:
    """Wheels of the core and of the five plugins, built by pip from copies of their
    sources as a fresh clone has them (no compiled catalogues), keyed by distribution."""
    work = tmp_path_factory.mktemp("clone")
    core = work / "concerto"
    shutil.copytree(ROOT / "core", core / "core", ignore=NOT_IN_A_CLONE)
    for name in ("pyproject.toml", "setup.py"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, core / name)
    sources = [core]
    for plugin in PLUGIN_DIRS:
        shutil.copytree(plugin, work / plugin.name, ignore=NOT_IN_A_CLONE)
        sources.append(work / plugin.name)
    assert not list(work.glob("**/*.mo"))
    _run(
        *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index"),
        *("--no-build-isolation", "--wheel-dir", str(work / "wheels"), *map(str, sources)),
    )
    return {wheel.name.split("-")[0]: wheel for wheel in (work / "wheels").glob("*.whl")}


def _catalogue(wheel: Path, member: str):
    with zipfile.ZipFile(wheel) as archive:
        assert member in archive.namelist(), f"{wheel.name} lacks {member}"
        return read_mo(io.BytesIO(archive.read(member)))


def test_every_wheel_carries_its_catalogues_compiled(catalogued_wheels):
    assert sorted(catalogued_wheels) == sorted(
        ["concerto", *(f"concerto_{plugin.name}" for plugin in PLUGIN_DIRS)]
    )
    for language in ("nl", "fr", "en"):
        _catalogue(
            catalogued_wheels["concerto"], f"core/translations/{language}/LC_MESSAGES/messages.mo"
        )
        for plugin in PLUGIN_DIRS:
            package = f"concerto_{plugin.name}"
            _catalogue(
                catalogued_wheels[package],
                f"{package}/translations/{language}/LC_MESSAGES/{package}.mo",
            )
    core_fr = _catalogue(
        catalogued_wheels["concerto"], "core/translations/fr/LC_MESSAGES/messages.mo"
    )
    assert core_fr.get("Log in").string == "Se connecter"
    vlaams_nl = _catalogue(
        catalogued_wheels["concerto_vlaams"],
        "concerto_vlaams/translations/nl/LC_MESSAGES/concerto_vlaams.mo",
    )
    assert vlaams_nl.get("West Flanders").string == "West-Vlaanderen"


def test_every_distribution_builds_its_catalogues_the_same_way():
    """One build step, copied into each distribution (a plugin is released on its own, so
    it cannot import the core's): the copies must not drift apart."""
    step = (ROOT / "setup.py").read_text()
    for plugin in PLUGIN_DIRS:
        assert (plugin / "setup.py").read_text() == step, plugin.name
    for folder in (ROOT, *PLUGIN_DIRS):
        requires = tomllib.loads((folder / "pyproject.toml").read_text())["build-system"]
        assert any(r.startswith("babel") for r in requires["requires"]), folder


def test_a_plugin_installed_from_its_wheel_shows_its_pages_in_french(
    catalogued_wheels, sqlite_url, tmp_path
):
    site = Installation(tmp_path / "env", sqlite_url)
    site.pip("install", "--no-deps", "--no-index", str(catalogued_wheels["concerto_vlaams"]))
    looked = subprocess.run(
        [site.python, "-c", LOOK_AT_THE_ABOUT_PAGE],
        env=site.environ | {"CONCERTO_PLUGINS": ",".join(FIVE)},
        cwd=site.workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert looked.returncode == 0, looked.stderr[-3000:]
    installed, page = looked.stdout.split("\n", 1)
    # The page comes from the wheel's copy, not from the working tree of this checkout.
    assert installed.startswith(str(tmp_path / "env"))
    assert "Cette page décrit comment la Communauté flamande participe à Concerto" in page
    assert "This page describes how" not in page


LOOK_AT_THE_ABOUT_PAGE = """
import concerto_vlaams
from core import create_app

print(concerto_vlaams.__file__)
page = create_app().test_client().get("/vlaams/", headers={"Accept-Language": "fr"})
assert page.status_code == 200, page.status_code
print(page.get_data(as_text=True))
"""
