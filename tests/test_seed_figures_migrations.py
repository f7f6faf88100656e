"""The figures' migrations lose nothing: the staffing's free-text functions move to the list
(what cannot be mapped is kept, and the downgrade gives every row back in the older schema's
terms), and the population breakdown's migration keeps each row's other figures both ways."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from core import create_app
from core.db import downgrade, histories, upgrade
from tests.conftest import app_config, make_app
from tests.logins import csrf_token, login_as
from tests.seed_figures import (
    _download,
    _read_as,
    _sheet,
)


def _by_prison(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: (row[0] or "", row[1]))


def test_free_text_functions_move_to_the_list_and_none_is_lost(database_url, providers):
    """The upgrade maps what was typed to the list, keeps what it cannot map, and the
    downgrade gives every row back in the older schema's terms."""
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    vlaams = next(h for h in histories(app.extensions["concerto.registry"]) if h.code == "vlaams")
    downgrade(engine, vlaams, "vlaams_0002")
    typed = [
        (2031, "haren", "Trajectbegeleider", "2.5"),
        (2031, "haren", "trajectbegeleiders", "1"),  # the same function again: kept as typed
        (2031, "haren", "  medewerker  CGG ", "1.2"),
        (2031, "haren", "Psycholoog", "0.8"),
        (2031, "sint_gillis", "Beleidscoördinator", "1"),
        (2031, "sint_gillis", "Sportfunctionaris", "0.5"),
    ]
    with engine.begin() as connection:
        for row in typed:
            connection.execute(
                text(
                    "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                    "VALUES (:y, :p, :f, :v)"
                ),
                dict(zip("ypfv", row, strict=True)),
            )

    def stored() -> list[tuple]:
        with engine.connect() as connection:
            return sorted(
                (
                    (r.prison_code, r.function, Decimal(str(r.fte)))
                    for r in connection.execute(
                        text(
                            "SELECT prison_code, function, fte FROM vlaams_staffing WHERE year = 2031"
                        )
                    )
                ),
                key=lambda row: (row[0] or "", row[1]),
            )

    upgrade(engine, vlaams)
    assert stored() == _by_prison(
        [
            ("haren", "trajectbegeleider", Decimal("2.5")),
            ("haren", "trajectbegeleiders", Decimal("1")),
            ("haren", "medewerker_cgg", Decimal("1.2")),
            ("haren", "Psycholoog", Decimal("0.8")),
            ("sint_gillis", "beleidscoordinator", Decimal("1")),
            ("sint_gillis", "sportfunctionaris_dra", Decimal("0.5")),
        ]
    )

    # The page shows what stayed outside the list, marked; saving it unchanged keeps it.
    application = make_app(database_url, **providers.settings())
    client = application.test_client()
    login_as(client, application, ("vlaams", "coordinator"))
    path = "/authorities/vlaams/figures/staffing/2031"
    page = client.get(path).get_data(as_text=True)
    assert "Psycholoog (not in the list)</option>" in page
    assert "trajectbegeleiders (not in the list)</option>" in page
    form = {"csrf_token": csrf_token(client, path), "read_as": _read_as(page)}
    rows = page.split('name="rows" value="')[1].split('"')[0]
    form["rows"] = rows
    for number in range(1, int(rows) + 1):
        for name in ("prison_code", "function", "fte"):
            marker = f'name="r{number}-{name}"'
            chunk = page.split(marker)[1]
            if name == "fte":
                form[f"r{number}-{name}"] = chunk.split('value="')[1].split('"')[0]
            else:
                select_html = chunk.split("</select>")[0]
                chosen = [o for o in select_html.split("<option")[1:] if " selected" in o]
                form[f"r{number}-{name}"] = (
                    chosen[0].split('value="')[1].split('"')[0] if chosen else ""
                )
    assert client.post(path, data=form).status_code == 302
    assert len(stored()) == len(typed)
    report = _sheet(_download(client, "vlaams", "jaarverslag", 2031), "Personeel")
    assert any(r[0] == "Psycholoog (vrije tekst, niet uit de lijst)" for r in report)
    application.extensions["concerto.db"].engine.dispose()

    # Down again: the list's codes become the plan's Dutch words, nothing is dropped.
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO vlaams_staffing (year, prison_code, function, fte) "
                "VALUES (2031, NULL, 'medewerker_cap', 0.825)"
            )
        )
    downgrade(engine, vlaams, "vlaams_0002")
    assert stored() == _by_prison(
        [
            ("haren", "Trajectbegeleiders", Decimal("2.5")),
            ("haren", "trajectbegeleiders", Decimal("1")),
            ("haren", "Medewerkers CGG", Decimal("1.2")),
            ("haren", "Psycholoog", Decimal("0.8")),
            ("sint_gillis", "Beleidscoördinator", Decimal("1")),
            ("sint_gillis", "Sportfunctionaris DRA", Decimal("0.5")),
            ("", "Medewerker CAP", Decimal("0.825")),
        ]
    )
    upgrade(engine, vlaams)
    assert ("haren", "trajectbegeleider", Decimal("2.5")) in stored()
    assert (None, "medewerker_cap", Decimal("0.825")) in stored()  # all prisons together again
    engine.dispose()


def test_the_population_breakdown_migration_keeps_each_rows_other_figures(database_url):
    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    justitie = next(
        h for h in histories(app.extensions["concerto.registry"]) if h.code == "justitie"
    )
    query = text(
        "SELECT year, prison_code, capacity, average_population, admissions "
        "FROM justitie_prison_statistics ORDER BY year, prison_code"
    )

    def rows(connection) -> list[tuple]:
        return [
            (r.year, r.prison_code, r.capacity, Decimal(str(r.average_population)), r.admissions)
            for r in connection.execute(query)
        ]

    with engine.connect() as connection:
        before = rows(connection)
    assert len(before) == 4  # the demo's 2013 table 1 and Haren's 2026
    downgrade(engine, justitie, "justitie_0001")
    with engine.connect() as connection:
        assert rows(connection) == before
    upgrade(engine, justitie)
    with engine.connect() as connection:
        assert rows(connection) == before
        assert (
            connection.execute(
                text("SELECT count(*) FROM justitie_prison_statistics WHERE men IS NOT NULL")
            ).scalar()
            == 0
        )  # the breakdowns entered since are what the older schema cannot hold
    engine.dispose()
