"""Bodies owned by an authority (issue 24): the owner's coordinators keep an owned body and
everything under it, the secretariat keeps the committee's; the Flemish plugin ships the
bodies of seed 002 as data (loaded again: nothing changes; a bad file: nothing written); the
pages say who owns each body."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.goals.models import Plan
from core.meetings import services as meetings
from core.meetings.models import Body, Meeting, Membership
from core.permissions import Principal, can
from core.shipped import load_shipped_data
from core.validation import Invalid
from tests.conftest import make_app
from tests.logins import csrf_token, login_as

FLEMISH_BODIES = Path(__file__).parents[1] / "plugins/vlaams/concerto_vlaams/data/bodies.toml"
SHIPPED_CODES = {
    "vlaams_gemengde_commissie",
    "vlaams_bovenlokale_werkgroep",
    "vlaams_wevo",
    "vlaams_werkgroep_trajectwerking",
    "vlaams_beleidsteam_haren",
    "vlaams_coordinatieteam_haren",
    "vlaams_beleidsteam_sint_gillis",
    "vlaams_coordinatieteam_sint_gillis",
}


@pytest.fixture
def seeded(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _counts(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Body)),
        session.scalar(select(func.count()).select_from(Membership)),
    )


def _body(app, code: str) -> Body:
    with app.extensions["concerto.db"].session() as session:
        return session.scalar(select(Body).where(Body.code == code))


def test_the_flemish_bodies_are_shipped_and_loading_again_changes_nothing(seeded):
    registry = seeded.extensions["concerto.registry"]
    with seeded.extensions["concerto.db"].session() as session:
        owned = {
            b.code: b for b in session.scalars(select(Body).where(Body.authority_code == "vlaams"))
        }
        assert set(owned) == SHIPPED_CODES
        commission = owned["vlaams_gemengde_commissie"]
        assert commission.kind == "committee" and commission.public_calendar
        assert commission.name_nl.startswith("Gemengde Commissie")
        assert commission.name_fr == ""  # named in Dutch only
        assert len(commission.memberships) == 9
        assert {m.authority_code for m in commission.memberships} == {"vlaams"}
        assert owned["vlaams_beleidsteam_haren"].prison_code == "haren"
        assert owned["vlaams_coordinatieteam_sint_gillis"].kind == "coordination_team"
        assert owned["vlaams_wevo"].prison_code is None
        # The committee's bodies stay the committee's.
        committee = session.scalar(select(Body).where(Body.code == "overlegcomite"))
        assert committee.authority_code is None
        before = _counts(session)
        commission.name_nl = "Gemengde Commissie (hernoemd)"
        session.commit()
        loaded = load_shipped_data(session, registry, "vlaams")
        bodies = [item for item in loaded if item.kind == "bodies"]
        assert [item.summary for item in bodies] == ["bodies of vlaams: 0 added, 8 already there"]
        assert _counts(session) == before
        # What people changed since stays.
        session.refresh(commission)
        assert commission.name_nl == "Gemengde Commissie (hernoemd)"


BAD_FILE = """
[[body]]
code = "vlaams_nieuwe_werkgroep"
kind = "working_group"
name_nl = "Nieuwe werkgroep"

[[body]]
code = "vlaams_fout"
kind = "choir"
name_nl = "Koor"
prison = "atlantis"

[[body]]
code = "vlaams_nieuwe_werkgroep"
kind = "working_group"
name_fr = "Doublon"
colour = "blue"

[[body.member]]
name = "Iemand"
role = "conductor"
starts_on = 2015-01-01
"""


def test_a_bad_bodies_file_is_refused_at_its_body_and_writes_nothing(seeded, tmp_path):
    registry = seeded.extensions["concerto.registry"]
    bad = tmp_path / "bodies.toml"
    bad.write_text(BAD_FILE, encoding="utf-8")
    shipped = [
        item for item in registry.authorities["vlaams"].shipped_data if item.kind == "bodies"
    ]
    shipped[0].path = bad
    with seeded.extensions["concerto.db"].session() as session:
        before = _counts(session)
        with pytest.raises(Invalid) as refused:
            load_shipped_data(session, registry, "vlaams")
        assert refused.value.errors == {
            "bodies.toml, body 2: kind": "choice",
            "bodies.toml, body 2: prison": "unknown",
            "bodies.toml, body 3: code": "duplicate",
            "bodies.toml, body 3: colour": "unknown_field",
            "bodies.toml, body 3, member 1: role": "choice",
        }
        assert _counts(session) == before
        assert session.scalar(select(Body).where(Body.code == "vlaams_nieuwe_werkgroep")) is None
    bad.write_bytes(b"[[body]\ncode = ")
    with seeded.extensions["concerto.db"].session() as session:
        with pytest.raises(Invalid) as unreadable:
            load_shipped_data(session, registry, "vlaams")
        assert unreadable.value.errors == {"bodies.toml, file": "unreadable"}


def _person(authority: str, *roles: str) -> Principal:
    platform = {r for r in roles if r in ("secretary", "administrator")}
    return Principal(
        channel="page",
        label="x",
        user_id=1,
        authority=authority,
        roles=frozenset(set(roles) - platform),
        platform_roles=frozenset(platform),
    )


def test_an_owned_body_is_kept_by_its_owners_coordinators_and_a_committee_body_by_the_secretariat(
    seeded,
):
    with seeded.extensions["concerto.db"].session() as session:
        flemish = session.scalar(select(Body).where(Body.code == "vlaams_gemengde_commissie"))
        committee = session.scalar(select(Body).where(Body.code == "overlegcomite"))
        meeting, _clashes = meetings.create_meeting(
            session,
            flemish,
            {
                "date": "2031-03-04",
                "start_time": "10:00",
                "duration_minutes": "60",
                "place_kind": "office",
                "place_text": "Brussel",
            },
        )
        committee_meeting = session.scalar(select(Meeting).where(Meeting.body_id == committee.id))
        lotte = _person("vlaams", "coordinator")
        cocom = _person("cocom", "coordinator")
        secretary = _person("cocom", "member", "secretary")
        member = _person("vlaams", "member")
        for record in (flemish, meeting, flemish.memberships[0], "vlaams"):
            assert can(lotte, "meetings.manage", record)
            assert not can(cocom, "meetings.manage", record)
            assert not can(secretary, "meetings.manage", record)
            assert not can(member, "meetings.manage", record)
        for record in (committee, committee_meeting, None):
            assert can(secretary, "meetings.manage", record)
            assert not can(lotte, "meetings.manage", record)
        assert can(cocom, "meetings.manage", "cocom") and not can(
            cocom, "meetings.manage", "vlaams"
        )
        session.rollback()


def test_a_flemish_coordinator_creates_and_runs_a_flemish_body_and_nothing_of_the_committee(
    seeded,
):
    client = seeded.test_client()
    login_as(client, seeded, ("vlaams", "coordinator"))
    csrf = csrf_token(client, "/meetings")
    page = client.get("/bodies/new").get_data(as_text=True)
    assert "Belongs to: Flemish Community" in page
    # Named in Dutch only, as the authority works.
    created = client.post(
        "/bodies/new",
        data={
            "csrf_token": csrf,
            "owner": "vlaams",
            "code": "vlaams_leesgroep",
            "kind": "working_group",
            "name_nl": "Leesgroep",
            "prison": "haren",
        },
    )
    assert created.status_code == 302
    body = _body(seeded, "vlaams_leesgroep")
    assert (body.authority_code, body.prison_code, body.name_fr) == ("vlaams", "haren", "")
    # Not for the committee, nor for another authority.
    for owner in ("", "cocom"):
        refused = client.post(
            "/bodies/new",
            data={
                "csrf_token": csrf,
                "owner": owner,
                "code": f"x_{owner or 'c'}",
                "kind": "other",
                "name_nl": "X",
                "name_fr": "X",
            },
        )
        assert refused.status_code == 403
    flemish = _body(seeded, "vlaams_gemengde_commissie")
    committee = _body(seeded, "overlegcomite")
    planned = client.post(
        f"/bodies/{flemish.id}/meetings/new",
        data={
            "csrf_token": csrf,
            "date": "2031-05-06",
            "start_time": "10:00",
            "duration_minutes": "60",
            "place_kind": "office",
            "place_text": "Lotte's room",
        },
    )
    assert planned.status_code == 302
    assert client.get(f"/bodies/{committee.id}/meetings/new").status_code == 403
    assert client.get(f"/bodies/{committee.id}/edit").status_code == 403
    # "Plan a meeting" offers her own bodies only.
    form = client.get("/meetings/new").get_data(as_text=True)
    assert "Gemengde Commissie" in form and "Overlegcomité" not in form
    with seeded.extensions["concerto.db"].session() as session:
        meeting = session.scalar(select(Meeting).where(Meeting.place_text == "Lotte's room"))
    item = client.post(
        f"/meetings/{meeting.id}/items",
        data={"csrf_token": csrf, "title_nl": "Lokale actieplannen", "purpose": "information"},
    )
    assert item.status_code == 302
    assert "Lokale actieplannen" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)

    secretary = seeded.test_client()
    login_as(secretary, seeded, "secretary")
    assert secretary.get(f"/bodies/{flemish.id}/edit").status_code == 403
    assert secretary.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert secretary.get(f"/bodies/{committee.id}/edit").status_code == 200


def test_the_pages_say_who_owns_each_body(seeded):
    client = seeded.test_client()
    login_as(client, seeded, ("cocof", "viewer"))
    listing = client.get("/meetings").get_data(as_text=True)
    assert "Belongs to" in listing
    assert listing.count("Flemish Community") >= len(SHIPPED_CODES)
    assert "the committee" in listing
    assert "New body" not in listing  # a viewer keeps no body
    team = _body(seeded, "vlaams_beleidsteam_haren")
    page = client.get(f"/bodies/{team.id}").get_data(as_text=True)
    assert "Flemish Community" in page and "Haren prison" in page
    # The local team's page links to the local action plan of its prison, which the Flemish
    # plugin ships (a plan with a prison), and to no other prison's.
    assert "Local action plan" in page
    assert 'href="/plans/vlaams_lap_haren_2017_2020"' in page
    assert "vlaams_lap_sint_gillis" not in page
    with seeded.extensions["concerto.db"].session() as session:
        local = session.scalar(select(Plan).where(Plan.code == "vlaams_lap_haren_2017_2020"))
        assert (local.authority_code, local.prison_code, len(local.goals)) == (
            "vlaams",
            "haren",
            2,
        )
    assert "The coordinators of the authority it belongs to keep" in page
    assert 'lang="nl"' in page  # the Dutch name on an English page says so
    committee = _body(seeded, "overlegcomite")
    page = client.get(f"/bodies/{committee.id}").get_data(as_text=True)
    assert "the committee" in page

    coordinator = seeded.test_client()
    login_as(coordinator, seeded, ("vlaams", "coordinator"))
    listing = coordinator.get("/meetings").get_data(as_text=True)
    assert "New body" in listing and "Plan a meeting" in listing and "Outbox" not in listing


def test_the_migration_keeps_every_body_and_member_and_leaves_bodies_the_committees(
    empty_database_url,
):
    """Bodies that existed stay the committee's (no owner, no prison); going back and forth
    loses no body or member (on SQLite the columns are added and dropped in place: a rebuilt
    bodies table would take its members along)."""
    from sqlalchemy import inspect, text

    from core.db import CORE_HISTORY, downgrade, upgrade

    app = make_app(empty_database_url)
    engine = app.extensions["concerto.db"].engine

    def counts() -> tuple[int, int]:
        with engine.connect() as connection:
            return tuple(
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("bodies", "memberships")
            )

    try:
        upgrade(engine, CORE_HISTORY, "0028")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO authorities (code, plugin, name_nl, name_fr, name_en, "
                    "default_language, languages) VALUES ('vlaams', 'vlaams', 'Vlaamse "
                    "Gemeenschap', 'Communauté flamande', 'Flemish Community', 'nl', '[\"nl\"]')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO bodies (id, code, kind, name_nl, name_fr, public_calendar, "
                    "calendar_token, created_at) VALUES (1, 'overlegcomite', 'committee', "
                    "'Overlegcomité', 'Comité de concertation', false, 'secret', "
                    "CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO memberships (id, body_id, name, language, role, "
                    "authority_code, starts_on) VALUES (1, 1, 'An', 'nl', 'member', 'vlaams', "
                    "'2026-01-01')"
                )
            )
        upgrade(engine, CORE_HISTORY, "0029")
        assert counts() == (1, 1)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT authority_code, prison_code FROM bodies")).one()
        assert tuple(row) == (None, None)
        downgrade(engine, CORE_HISTORY, "0028")
        assert counts() == (1, 1)
        columns = {column["name"] for column in inspect(engine).get_columns("bodies")}
        assert "authority_code" not in columns and "prison_code" not in columns
    finally:
        engine.dispose()


def test_the_secretariats_work_lists_the_committees_meetings_only(seeded):
    """My work's "meetings" group is the secretariat's: a meeting of the Flemish Gemengde
    Commissie tomorrow is its coordinators' to prepare, not the secretariat's."""
    from datetime import timedelta

    from core.clock import utcnow
    from core.work.services import meetings_lacking

    with seeded.extensions["concerto.db"].session() as session:
        flemish = session.scalar(select(Body).where(Body.code == "vlaams_gemengde_commissie"))
        tomorrow = meetings.in_brussels(utcnow()).date() + timedelta(days=1)
        meeting, _clashes = meetings.create_meeting(
            session,
            flemish,
            {
                "date": tomorrow.isoformat(),
                "start_time": "07:00",
                "duration_minutes": "30",
                "place_kind": "office",
                "place_text": "Brussel",
            },
        )
        session.commit()
        listed = [entry.record.id for entry in meetings_lacking(session, utcnow())]
        assert listed and meeting.id not in listed


def test_a_body_id_no_column_holds_is_no_body_not_a_server_error(seeded):
    """Found by the write properties on PostgreSQL: "Plan a meeting" looked the chosen body up
    by any integer, and PostgreSQL refuses one beyond its integer column (a 500)."""
    client = seeded.test_client()
    login_as(client, seeded, "secretary")
    csrf = csrf_token(client, "/meetings")
    answer = client.post(
        "/meetings/new",
        data={
            "csrf_token": csrf,
            "body_id": "3657602991805",
            "date": "2031-03-04",
            "start_time": "14:00",
            "duration_minutes": "60",
            "place_kind": "office",
            "place_text": "Zaal 1",
        },
    )
    # The form again, refused at the body (422, as every form with a problem), not a 500.
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'name="body_id"' in page and 'aria-invalid="true"' in page
