"""The demo with any subset of the plugins (issue 20): an authority trying the demo with its
own plugin gets a working demo of what it enabled. The demo seed (the one `concerto demo`
runs) seeds what belongs to the enabled authorities, nothing of the others, and says which
parts it left out; the enabled authority's pages work for each of its people."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests
from sqlalchemy import func, inspect, select

from core.cli import seed_everything, upgrade_all
from core.goals.models import PlanAction
from core.inventory.demo import services_of
from core.inventory.models import Need, Organization, Service
from core.meetings.models import ActionItem, Membership
from core.reference.models import Authority
from core.studyday.models import Registration
from core.testing import Providers
from tests.conftest import FIVE, PAGES, ROOT, ctrl_c_stops, free_ports, make_app, wait_for_port
from tests.logins import login_as

OTHERS = [code for code in FIVE if code != "vlaams"]


@pytest.fixture
def flemish_only(empty_database_url):
    """The platform with the Flemish Community's plugin only, migrated and demo-seeded as
    `concerto demo` does; with what the seed said it left out."""
    providers = Providers(["vlaams"])
    app = make_app(empty_database_url, plugins=["vlaams"], **providers.settings())
    upgrade_all(app)
    left_out = seed_everything(app)
    yield app, left_out
    app.extensions["concerto.db"].engine.dispose()
    providers.stop()


def _codes(db, column) -> set:
    return set(db.scalars(select(column).distinct()))


def test_the_demo_with_one_plugin_seeds_its_authority_and_nothing_of_the_others(flemish_only):
    app, left_out = flemish_only
    flemish = services_of("vlaams")  # its demo file, the three still in review included
    with app.extensions["concerto.db"].session() as db:
        assert _codes(db, Authority.code) == {"vlaams"}
        # Its services, with the three still in review, and their organisations.
        assert _codes(db, Service.authority_code) == {"vlaams"}
        count = db.scalar(select(func.count()).select_from(Service))
        assert count == len(flemish) > 3
        assert {s.state for s in db.scalars(select(Service))} == {
            "published",
            "draft",
            "submitted",
            "returned",
        }
        assert _codes(db, Organization.authority_code) <= {"vlaams"}
        # The plan actions it leads, its members on the committee, the actions it owns.
        assert _codes(db, PlanAction.authority_code) == {"vlaams"}
        # Outside partners belong to no authority: they stay, on behalf of none.
        assert _codes(db, Membership.authority_code) == {"vlaams", None}
        assert (
            db.scalar(
                select(func.count()).where(
                    Membership.authority_code.is_(None), Membership.partner_id.is_(None)
                )
            )
            == 0
        )
        assert _codes(db, ActionItem.authority_code) <= {"vlaams", None}
        assert (
            db.scalar(
                select(func.count()).where(
                    ActionItem.authority_code.is_(None), ActionItem.partner_id.is_(None)
                )
            )
            == 0
        )
        # The secretariat (COCOM) signals the demo's needs: none without it.
        assert db.scalar(select(func.count()).select_from(Need)) == 0
        # Study-day participants from other authorities' services come without their
        # authority, which is not on the platform.
        assert _codes(db, Registration.authority_code) <= {"vlaams", None}
        tables = set(inspect(db.get_bind()).get_table_names())
    # The other plugins' tables do not even exist; the Flemish figures are filled.
    assert not [t for t in tables if t.split("_")[0] in OTHERS]
    assert "vlaams_staffing" in tables

    said = "\n".join(left_out)
    for code in OTHERS:
        assert f"demo services of {code}" in said
    assert "needs signalled by the committee's secretariat (plugin cocom not enabled)" in said
    assert "plan actions led by cocom" in said
    assert "the prisons' rooms and their bookings (plugin justitie not enabled)" in said
    assert (
        "committee and working-group members (plugins cocof, cocom, federatie_wb, justitie" in said
    )
    assert "vlaams" not in said.replace("plugin vlaams", "")  # nothing of its own


def _flemish_pages() -> list[tuple[str, tuple[str, str] | None]]:
    """The pages of PAGES a Flemish demo has: open to anyone or to a Flemish person, and
    about no other authority (the secretariat, with COCOM, is not there; the prisons' rooms
    are federal Justice's data)."""
    return [
        (path, who)
        for path, who in PAGES
        if (who is None or (isinstance(who, tuple) and who[0] == "vlaams"))
        and not any(code in path for code in OTHERS)
        and not re.match(r"/rooms/\d", path)
    ]


def test_the_flemish_pages_work_in_a_flemish_only_demo(flemish_only):
    app, _left_out = flemish_only
    clients = {}
    broken = {}
    for path, who in _flemish_pages():
        if who not in clients:
            clients[who] = app.test_client()
            if who is not None:
                login_as(clients[who], app, who)
        response = clients[who].get(path)
        # The secretariat signals the needs: without COCOM, need 1 is not there to show.
        expected = 404 if path == "/needs/1" else 200
        if response.status_code != expected:
            broken[(path, who)] = response.status_code
    assert broken == {}
    anyone = clients[None]
    # The public inventory shows the Flemish services only; the authorities list, Flanders.
    services = anyone.get("/services").get_data(as_text=True)
    assert "Yoga voor vrouwen" not in services  # a draft
    with app.extensions["concerto.db"].session() as db:
        published = db.scalar(select(Service).where(Service.state == "published").limit(1))
        assert anyone.get(f"/services/{published.id}").status_code == 200
    assert "Flemish Community" in anyone.get("/authorities").get_data(as_text=True)
    assert anyone.get("/authorities/cocom").status_code == 404
    # A Flemish member reviews the Flemish service waiting for the committee.
    member = app.test_client()
    login_as(member, app, ("vlaams", "member"))
    review = member.get("/services/review")
    assert review.status_code == 200 and "Bicycle repair training" in review.get_data(True)
    # Its report for the demo year is written from the seeded data.
    coordinator = clients[("vlaams", "coordinator")]
    reports = coordinator.get("/reports?year=2026").get_data(as_text=True)
    link = re.search(r'href="(/reports/vlaams/[^"]+)"', reports)
    assert link, reports[:2000]
    assert coordinator.get(link.group(1).replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("code", OTHERS)
def test_every_single_plugin_demo_seeds_without_failing(code, tmp_path):
    """The crash of issue 20 came with any one plugin but the five: each seeds, and says
    what it left out."""
    app = make_app(f"sqlite:///{tmp_path / 'demo.db'}", plugins=[code])
    try:
        upgrade_all(app)
        left_out = seed_everything(app)
        with app.extensions["concerto.db"].session() as db:
            assert _codes(db, Service.authority_code) == {code}
        assert any("demo services of vlaams" in part for part in left_out)
        assert not any(f"demo services of {code}" in part for part in left_out)
        # The demo's next start seeds nothing more and says the same again.
        with app.extensions["concerto.db"].session() as db:
            services = db.scalar(select(func.count()).select_from(Service))
        assert seed_everything(app) == left_out
        with app.extensions["concerto.db"].session() as db:
            assert db.scalar(select(func.count()).select_from(Service)) == services
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_concerto_demo_with_one_plugin_starts_and_says_what_it_left_out(tmp_path):
    """`concerto demo` in a folder whose configuration enables COCOF only: it serves, offers
    COCOF's people to log in and nobody else's, and its start-up output names the parts
    left out, the secretariat (which logs in through COCOM) among them."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "concerto.toml").write_text(
        f'database_url = "sqlite:///{instance / "demo.db"}"\n'
        'secret_key = "subset-test"\nplugins = ["cocof"]\ndevelopment = true\n'
        "scheduler = true\n",
        encoding="utf-8",
    )
    port, first_provider_port = free_ports(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERTO_")}
    env |= {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)]
        + ["--providers-port", str(first_provider_port)],
        cwd=tmp_path,
        env=env,
        preexec_fn=ctrl_c_stops,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, timeout=120)
        base = f"http://127.0.0.1:{port}"
        health = requests.get(f"{base}/healthz", timeout=10).json()
        enabled = {code for code, row in health["plugins"].items() if row["status"] == "enabled"}
        assert enabled == {"cocof"}
        login_page = requests.get(f"{base}/login", headers={"Accept-Language": "en"}).text
        assert "login_hint=cocof-camille" in login_page
        assert "login_hint=vlaams-" not in login_page
        assert "login_hint=cocom-" not in login_page
        services = requests.get(f"{base}/services", timeout=10)
        assert services.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)  # under load the demo seeds slowly
    assert "Demo parts left out, as their authority's plugin is not enabled:" in output, output
    assert "demo services of vlaams, with their organisations (plugin vlaams not enabled)" in output
    assert "the committee's secretary, Ilse Vermeulen, who logs in through cocom" in output
    assert "Traceback" not in output, output
