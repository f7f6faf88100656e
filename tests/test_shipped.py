"""An authority ships its own records as data (issue 24, hook ``shipped_data``): the demo
loads them through each kind's import, loading again changes nothing, a bad file is refused
with its row and writes nothing, and a plugin that ships something the core cannot load
fails alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.contributions import SHIPPED_KINDS, ContributionError, validate_shipped_data
from core.rooms.models import Room
from core.shipped import LOADERS, load_shipped_data
from core.validation import Invalid
from tests.conftest import make_app

JUSTICE_ROOMS = Path(__file__).parents[1] / "plugins/justitie/concerto_justitie/data/rooms.csv"


@pytest.fixture
def any_app(database_url):
    application = make_app(database_url)
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _rooms(session) -> int:
    return session.scalar(select(func.count()).select_from(Room))


def test_every_kind_a_plugin_may_ship_has_a_loader():
    assert set(LOADERS) == set(SHIPPED_KINDS)


def test_the_demo_holds_the_rooms_justice_ships_and_loading_again_adds_nothing(any_app):
    registry = any_app.extensions["concerto.registry"]
    shipped_rows = len(JUSTICE_ROOMS.read_text(encoding="utf-8").strip().splitlines()) - 1
    with any_app.extensions["concerto.db"].session() as session:
        assert _rooms(session) == shipped_rows
        names = set(session.scalars(select(Room.name_fr)))
        assert "Salle polyvalente A" in names
        loaded = load_shipped_data(session, registry, "justitie")
        assert [item.kind for item in loaded] == ["rooms"]
        assert loaded[0].summary == f"rooms of justitie: 0 added, {shipped_rows} already there"
        assert _rooms(session) == shipped_rows


def test_a_bad_rooms_file_is_refused_at_its_row_and_writes_nothing(any_app, tmp_path):
    registry = any_app.extensions["concerto.registry"]
    bad = tmp_path / "rooms.csv"
    bad.write_text(
        "prison,name_nl,name_fr,capacity,equipment,signage_languages\n"
        "haren,Nieuwe zaal,Nouvelle salle,8,,nl fr\n"
        "haren,Tweede zaal,,veel,,nl\n",
        encoding="utf-8",
    )
    registry.authorities["justitie"].shipped_data[0].path = bad
    with any_app.extensions["concerto.db"].session() as session:
        before = _rooms(session)
        with pytest.raises(Invalid) as refused:
            load_shipped_data(session, registry, "justitie")
        assert refused.value.errors == {"rooms.csv, row 3: capacity": "integer"}
        assert _rooms(session) == before
        assert session.scalar(select(Room.id).where(Room.name_nl == "Nieuwe zaal")) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([{"kind": "budget", "path": str(JUSTICE_ROOMS)}], "'kind' must be one of"),
        ([{"kind": "rooms", "path": "/no/such/file.csv"}], "is not a file"),
        ("rooms.csv", "must return a list of dicts"),
    ],
)
def test_a_plugin_shipping_what_cannot_be_loaded_is_refused_with_the_reason(value, words):
    with pytest.raises(ContributionError, match=words):
        validate_shipped_data(value)
