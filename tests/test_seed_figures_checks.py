"""The figures pages check what a coordinator types by row and by column, in each table of the
seeds (statuses and sexes that add up to the population, a function chosen from the list, no
more participants than people reached, a service of the authority's own, amounts to two
decimals, a valid company number) and word each error at its cell in the reader's language;
nothing refused is stored."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tests.logins import login_as
from tests.seed_figures import (
    _enter,
)


def _errors(response) -> dict[str, str]:
    """Each cell's error on the page, by the cell's id (e<row>-<column>)."""
    page = response.get_data(as_text=True)
    found = {}
    for part in page.split('<span class="error" id="e')[1:]:
        cell, _, rest = part.partition('">')
        found[cell] = html.unescape(rest.split("</span>")[0])
    return found


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "fr",
            {
                "sex": "Hommes et femmes ensemble font 737,0",
                "choose": "Choisissez",
                "more": "plus de participants",
                "places": "2 décimales",
                "company": "numéro d'entreprise",
            },
        ),
        (
            "nl",
            {
                "sex": "Mannen en vrouwen samen maken 737,0",
                "choose": "Kies",
                "more": "meer deelnemers",
                "places": "2 decimalen",
                "company": "ondernemingsnummer",
            },
        ),
    ],
)
def test_figures_are_checked_by_row_and_column_in_the_readers_language(any_app, language, words):
    from concerto_cocom.figures import subsidies
    from concerto_justitie.reports import statistics
    from concerto_vlaams.figures import budget, reach, staffing

    app, client = any_app, any_app.test_client()
    client.get(f"/language/{language}")

    def stored(table, year: int) -> int:
        with app.extensions["concerto.db"].session() as db:
            return len(db.execute(table.select().where(table.c.year == year)).all())

    login_as(client, app, ("justitie", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client, "justitie", "prison_statistics", 2012,
        [
            {"prison_code": "sint_gillis", "capacity": "587", "average_population": "836,9",
             "men": "837", "remand": "351", "sentenced": "483", "internees": "1,8",
             "other_status": "1,2"},
            {"prison_code": "vorst", "capacity": "405", "average_population": "619",
             "men": "619", "remand": "394,3", "sentenced": "130,2", "internees": "91,3",
             "other_status": "30,2"},
            {"prison_code": "berkendael", "capacity": "64", "average_population": "92,25"},
        ],
    )  # fmt: skip
    assert refused.status_code == 422
    errors = _errors(refused)
    # Row 1: 837 men for 836,9 is rounding, and accepted; row 2's statuses make 646,0.
    assert set(errors) == {"2-remand", "3-average_population"}, errors
    assert "646,0" in errors["2-remand"] and "619,0" in errors["2-remand"]
    assert "1 " in errors["3-average_population"]  # "at most 1 decimal place"
    assert stored(statistics, 2012) == 0
    sex = _enter(
        client, "justitie", "prison_statistics", 2012,
        [{"prison_code": "sint_gillis", "capacity": "587", "average_population": "836,9",
          "men": "700", "women": "37"}],
    )  # fmt: skip
    assert words["sex"] in _errors(sex)["1-men"]
    # Where only women are held, the error stands at the figure that was given.
    women = _enter(
        client, "justitie", "prison_statistics", 2012,
        [{"prison_code": "berkendael", "capacity": "64", "average_population": "92,2",
          "women": "80"}],
    )  # fmt: skip
    assert set(_errors(women)) == {"1-women"}

    login_as(client, app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client,
        "vlaams",
        "staffing",
        2012,
        [
            {"prison_code": "sint_gillis", "function": "Psycholoog", "fte": "1"},
            {"prison_code": "*", "function": "trajectbegeleider", "fte": "1,2345"},
            {"prison_code": "", "function": "medewerker_cgg", "fte": "2"},
        ],
    )
    assert set(_errors(refused)) == {"1-function", "2-fte", "3-prison_code"}
    assert words["choose"] in _errors(refused)["1-function"]
    assert stored(staffing, 2012) == 0

    with app.extensions["concerto.db"].session() as db:
        from core.inventory.models import Service

        service = db.scalar(
            select(Service.id).where(
                Service.authority_code == "vlaams", Service.published_at.is_not(None)
            )
        )
        cocof_service = db.scalar(select(Service.id).where(Service.authority_code == "cocof"))
    refused = _enter(
        client,
        "vlaams",
        "reach",
        2012,
        [
            {"service_id": str(service), "reached": "40", "participants": "41"},
            {"service_id": str(cocof_service), "reached": "5"},
        ],
    )
    errors = _errors(refused)
    assert set(errors) == {"1-participants", "2-service_id"}
    assert words["more"] in errors["1-participants"]
    assert stored(reach, 2012) == 0

    refused = _enter(
        client,
        "vlaams",
        "budget",
        2012,
        [
            {"policy_domain": "welzijn", "item": "Coördinatie", "amount_eur": "12,345"},
            {"policy_domain": "defensie", "item": "Tanks", "amount_eur": "1"},
            {"policy_domain": "welzijn", "item": "Coördinatie", "amount_eur": "2"},
        ],
    )
    errors = _errors(refused)
    assert set(errors) == {"1-amount_eur", "2-policy_domain", "3-item"}
    assert words["places"] in errors["1-amount_eur"]
    assert stored(budget, 2012) == 0

    login_as(client, app, ("cocom", "coordinator"))
    client.get(f"/language/{language}")
    refused = _enter(
        client,
        "cocom",
        "subsidies",
        2012,
        [{"organisation": "Sociaal onthaal", "company_number": "0545.678.944", "amount_eur": "5"}],
    )
    assert words["company"] in _errors(refused)["1-company_number"]
    assert stored(subsidies, 2012) == 0
