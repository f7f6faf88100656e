"""The plan's terms stored, on SQLite and PostgreSQL: every seed term is kept as typed with
the dates it reads; an action is saved without a term, and one still to be determined is
never overdue; a term too long or with control characters is refused and nothing is cut; the
form and the API refuse a term that cannot be read at the field, in the reader's language,
with what can be written, and show a term in the reader's words; migration 0016 keeps the
terms both ways. Reading the terms themselves: tests/test_plan_terms_read.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select, text

from core.goals import services as plans
from core.goals import terms
from core.goals.models import Goal, Plan, PlanAction
from tests.conftest import make_app
from tests.forms import check_summary, read
from tests.logins import api_token, csrf_token, login_as
from tests.plan_terms_seeds import EARLIEST_2016, EVERY_TERM, PLAN


@pytest.fixture
def terms_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _goal(db, code: str) -> Goal:
    return db.scalar(select(Goal).join(Plan).where(Plan.code == PLAN, Goal.code == code))


def test_every_seed_term_is_stored_as_typed_with_the_dates_it_reads(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    made = {}
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        for row in EVERY_TERM:
            action = plans.create_action(
                db, goal, {"title_nl": row[0][:50], "term": row[0], "authority": "vlaams"},
                statuses,
            )  # fmt: skip
            made[action.id] = row
        db.commit()
    with terms_app.extensions["concerto.db"].session() as db:
        for action_id, (written, kind, start, end, *_words) in made.items():
            action = db.get(PlanAction, action_id)
            assert action.term_text == written  # the whole text, the longest too
            read_back = terms.from_dict(action.term)
            assert (read_back.kind, read_back.start, read_back.end) == (kind, start, end)
            if kind == "undetermined":
                assert (action.starts_on, action.ends_on) == (None, None)
            elif read_back.open_ended:  # runs on: the plan's end is its end
                begins = start or date(2014, 1, 1)
                assert (action.starts_on, action.ends_on) == (
                    begins,
                    max(date(2019, 12, 31), begins),
                )
            else:
                assert (action.starts_on, action.ends_on) == (start, end)


def test_an_action_without_a_term_or_still_to_be_determined_is_never_overdue(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        plan = goal.plan
        ids = {}
        for written in ("", None, "Nog te bepalen", "à déterminer", "Tegen het najaar 2015",
                        "Vanaf begin 2016"):  # fmt: skip
            values = {"title_nl": f"actie {written}", "authority": "vlaams", "status": "started"}
            if written is not None:
                values["term"] = written
            ids[written] = plans.create_action(db, goal, values, statuses).id
        db.commit()
        none = db.get(PlanAction, ids[""])
        assert (none.term_text, none.term, none.starts_on, none.ends_on) == ("", {}, None, None)
        assert db.get(PlanAction, ids[None]).term_text == ""
        late = {a.id for a in plans.dashboard(db, plan, date(2026, 6, 1))["overdue"]}
        assert ids["Tegen het najaar 2015"] in late
        assert ids["Vanaf begin 2016"] in late  # open-ended: due when the plan ended
        assert not late & {ids[""], ids[None], ids["Nog te bepalen"], ids["à déterminer"]}
        # A term is cleared by saving it empty.
        dated = db.get(PlanAction, ids["Tegen het najaar 2015"])
        plans.update_action(db, dated, {"term": ""}, statuses, None)
        assert (dated.term_text, dated.term, dated.ends_on) == ("", {}, None)


def test_a_term_too_long_or_with_control_characters_is_refused_and_nothing_is_cut(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        for written, code in (("najaar 2015 " + "x" * 300, "length"),
                              ("najaar\t2015", "one_line"), (2015, "type")):  # fmt: skip
            with pytest.raises(plans.Invalid) as refused:
                plans.create_action(
                    db, goal, {"title_nl": "x", "authority": "vlaams", "term": written}, statuses
                )
            assert refused.value.errors == {"term": code}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_form_saves_the_plans_terms_and_shows_them_in_the_readers_words(terms_app, language):
    client = terms_app.test_client()
    login_as(client, terms_app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
    csrf = csrf_token(client, f"/goals/{goal_id}/actions/new")
    long_term = EARLIEST_2016
    saved = {}
    for title, written in (("Zonder termijn", ""), ("Met reden", long_term),
                           ("Open", "Najaar 2015 - voorjaar 2017/2018")):  # fmt: skip
        made = client.post(
            f"/goals/{goal_id}/actions/new",
            data={"csrf_token": csrf, "title_nl": title, "term": written, "status": "planned"},
        )
        assert made.status_code == 302, made.get_data(as_text=True)[:500]
        with terms_app.extensions["concerto.db"].session() as db:
            saved[title] = db.scalar(select(PlanAction.id).where(PlanAction.title_nl == title))
    page = client.get(f"/goals/{goal_id}").get_data(as_text=True)
    words = {"nl": ("geen termijn", "vanaf begin 2016", "najaar 2015 – voorjaar 2017 of 2018"),
             "fr": ("sans échéance", "à partir de début 2016",
                    "automne 2015 – printemps 2017 ou 2018")}[language]  # fmt: skip
    for shown in words:
        assert shown in page, shown
    # The action's page keeps the text as typed, in its own language, and says what it read.
    form = client.get(f"/plan-actions/{saved['Met reden']}").get_data(as_text=True)
    assert read(form).values["term"] == [long_term]
    read_as = read(form).elements["term-read"].text
    assert words[1] in read_as and "01/01/2016" in read_as
    none = read(client.get(f"/plan-actions/{saved['Zonder termijn']}").get_data(as_text=True))
    assert none.values["term"] == [""]
    assert {"nl": "nooit te laat", "fr": "jamais en retard"}[language] in none.elements[
        "term-read"
    ].text


def test_a_reader_sees_the_term_in_words_and_the_plans_text_when_it_says_more(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        ids = {
            written: plans.create_action(
                db, goal, {"title_nl": f"actie {n}", "term": written, "authority": "vlaams"},
                statuses,
            ).id
            for n, written in enumerate(("Najaar 2015 - voorjaar 2017/2018", EARLIEST_2016))
        }  # fmt: skip
        db.commit()
    client = terms_app.test_client()  # no one logged in: the facts, not the form
    client.get("/language/fr")
    page = client.get(f"/plan-actions/{ids[EARLIEST_2016]}").get_data(as_text=True)
    assert "à partir de début 2016" in page
    assert f'<span lang="nl">{EARLIEST_2016}</span>' in page.replace("&#39;", "'")
    assert "du 01/01/2016 au 31/12/2019" in page
    ranged = client.get(f"/plan-actions/{ids['Najaar 2015 - voorjaar 2017/2018']}")
    text = ranged.get_data(as_text=True)
    assert "automne 2015 – printemps 2017 ou 2018" in text and 'lang="nl">Najaar 2015' in text
    client.get("/language/nl")  # the reader's own language, all of it read: said once
    text = client.get(f"/plan-actions/{ids['Najaar 2015 - voorjaar 2017/2018']}").get_data(
        as_text=True
    )
    assert "najaar 2015 – voorjaar 2017 of 2018" in text and "Najaar 2015 -" not in text


@pytest.mark.parametrize(
    "language,written,message",
    [
        ("nl", "somer 2016", "Deze termijn kan niet gelezen worden"),
        ("fr", "bientôt", "Cette échéance ne peut pas être lue"),
        ("nl", "2019-2015", "Deze termijn eindigt voor hij begint"),
        ("fr", "31 février 2016", "Ce jour n"),
        ("fr", "3e semestre 2016", "deux semestres"),
        ("nl", "najaar 1999", "tussen 2000 en 2100"),
    ],
)
def test_a_term_that_cannot_be_read_is_refused_at_the_field_in_the_readers_language(
    terms_app, language, written, message
):
    client = terms_app.test_client()
    login_as(client, terms_app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
        before = db.scalar(select(PlanAction.id).order_by(PlanAction.id.desc()))
    refused = client.post(
        f"/goals/{goal_id}/actions/new",
        data={
            "csrf_token": csrf_token(client, f"/goals/{goal_id}/actions/new"),
            "title_nl": "Iets",
            "term": written,
            "status": "planned",
        },
    )
    assert refused.status_code == 422
    page = check_summary(refused.get_data(as_text=True))
    assert [href for href, _text in page.links] == ["#f-term"]
    assert message in page.elements["e-term"].text
    assert page.values["term"] == [written]  # nothing typed is lost
    if message.startswith(("Deze termijn kan", "Cette échéance ne")):  # says what can be written
        examples = {"nl": "najaar 2026 - voorjaar 2027", "fr": "à partir de début 2027"}[language]
        assert examples in page.elements["e-term"].text
    with terms_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(PlanAction.id).order_by(PlanAction.id.desc())) == before


def test_the_api_takes_an_action_without_a_term_and_says_what_a_term_reads(terms_app):
    client = terms_app.test_client()
    login_as(client, terms_app, ("cocof", "coordinator"))
    headers = {"Authorization": f"Bearer {api_token(terms_app, 'cocof-camille', ['coordinator'])}"}
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
    bare = client.post(f"/api/v1/goals/{goal_id}/actions", json={"title_fr": "Sans"},
                       headers=headers)  # fmt: skip
    assert bare.status_code == 201, bare.get_json()
    assert bare.get_json()["term"] == {
        "written": None, "shown": "no term", "kind": None, "starts_on": None, "ends_on": None,
    }  # fmt: skip
    later = client.post(
        f"/api/v1/goals/{goal_id}/actions",
        json={"title_fr": "Plus tard", "term": "Nog te bepalen"},
        headers=headers | {"Accept-Language": "fr"},
    ).get_json()
    assert later["term"]["kind"] == "undetermined" and later["term"]["ends_on"] is None
    ranged = client.post(
        f"/api/v1/goals/{goal_id}/actions",
        json={"title_fr": "Période", "term": "Najaar 2015 - voorjaar 2017/2018"},
        headers=headers,
    ).get_json()["term"]
    assert (ranged["starts_on"], ranged["ends_on"], ranged["kind"]) == (
        "2015-09-01", "2018-05-31", "range")  # fmt: skip
    wrong = client.post(f"/api/v1/goals/{goal_id}/actions",
                        json={"title_fr": "x", "term": "2019-2015"}, headers=headers)  # fmt: skip
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["field"] == "term"


def test_migration_0016_keeps_the_terms_both_ways(database_url):
    """Upgrading widens the term on PostgreSQL (SQLite keeps any length); going back refuses
    while a term is longer than the old column, so that nothing typed is cut."""
    from core import create_app
    from core.db import CORE_HISTORY, downgrade, upgrade
    from tests.conftest import app_config

    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    long_term = EARLIEST_2016
    statuses = app.config["CONCERTO"]["action_statuses"]
    with app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        action_id = plans.create_action(
            db, goal, {"title_nl": "lang", "term": long_term, "authority": "vlaams"}, statuses
        ).id
        db.commit()

    def stored() -> list[tuple]:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT id, term_text, starts_on, ends_on FROM plan_actions ORDER BY id")))  # fmt: skip

    before = stored()
    with pytest.raises(RuntimeError, match="longer than 100 characters"):
        downgrade(engine, CORE_HISTORY, "0015")
    assert stored() == before
    with engine.begin() as connection:
        # Also the seed's longest terms, in the Flemish plan its plugin ships (issue 24).
        connection.execute(
            text(
                "UPDATE plan_actions SET term_text = 'Vanaf begin 2016.' "
                "WHERE id = :id OR LENGTH(term_text) > 100"
            ),
            {"id": action_id},
        )
    before = stored()
    downgrade(engine, CORE_HISTORY, "0015")
    assert stored() == before
    upgrade(engine, CORE_HISTORY)
    assert stored() == before
    if engine.dialect.name == "postgresql":
        columns = {c["name"]: c for c in inspect(engine).get_columns("plan_actions")}
        assert columns["term_text"]["type"].length == 300
    engine.dispose()
