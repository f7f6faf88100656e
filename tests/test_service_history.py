"""A service's history and the committee's review say what changed in words, in the
reader's language: the form's labels, values as the form shows them, schedules in words,
places per prison as a table, the steps of the workflow; never a field name, a code or a
Python literal."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from core.inventory.schedules import in_words
from tests.logins import csrf_token, login

# What a reader must never read on these pages.
CODE = [
    "contact_email",
    "typical_wait_days",
    "waiting_list",
    "part_of_trajectory",
    "on_request",
    "referral",
    "sint_gillis",
    "haren",
    "sentenced",
    "remand",
    "['",
    "{'",
    "True",
    "False",
    "None",
    "FREQ=",
    "BYDAY",
    "create",
    "update",
    "submit",
    "approve",
    "return",
]

FIRST = {
    "external_id": "VG-HIST",
    "category": "sport",
    "name_nl": "Klimmen in de sportzaal",
    "name_fr": "Escalade en salle de sport",
    "delivery": "group",
    "setting": "inside",
    "access": "on_request",
    "free_of_charge": "1",
    "target_groups": ["sentenced"],
    "languages": ["nl", "fr"],
    "capacity": "8",
    "contact_email": "oud@example.org",
    "typical_wait_days": "14",
    "loc_sint_gillis": "1",
    "loc_sint_gillis_schedule": "FREQ=WEEKLY;BYDAY=WE",
    "loc_sint_gillis_places": "8",
}
# The second version: almost every kind of field changes.
SECOND = {
    **{key: value for key, value in FIRST.items() if key != "external_id"},
    "name_nl": "Klimmen en bouldering",
    "name_fr": "Escalade et bloc",
    "access": "referral",
    "waiting_list": "1",
    "target_groups": ["sentenced", "remand"],
    "contact_email": "nieuw@example.org",
    "typical_wait_days": "21",
    "extra_part_of_trajectory": "1",
    "loc_sint_gillis_schedule": "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=14;BYMINUTE=30",
    "loc_sint_gillis_places": "6",
    "loc_haren": "1",
    "loc_haren_schedule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "loc_haren_places": "12",
    "loc_haren_notes_nl": "Vleugel B",
    "loc_haren_notes_fr": "Aile B",
}


def _text(page: str) -> str:
    """What a reader reads in the page's main part: its text, without the markup."""
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def _no_code(text: str) -> None:
    def shown(word: str) -> bool:
        if not word.isidentifier():  # a Python literal: anywhere
            return word in text
        return re.search(rf"(?<![\w-]){word}(?![\w-])", text) is not None

    found = [word for word in CODE if shown(word)]
    assert not found, f"codes on the page: {found}\n{text[:4000]}"


def _post(client, path: str, data: dict) -> None:
    response = client.post(path, data={"csrf_token": csrf_token(client), **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


@pytest.fixture
def changed_service(app, providers):
    """A Flemish service drafted, submitted, approved, then changed and submitted again."""
    coordinator, member = app.test_client(), app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    login(member, "cocof", "cocof-julien")
    created = coordinator.post(
        "/services/new", data={"csrf_token": csrf_token(coordinator, "/services/new"), **FIRST}
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:3000]
    service_id = int(created.location.rsplit("/", 1)[1])
    _post(coordinator, f"/services/{service_id}/submit", {})
    _post(member, f"/services/{service_id}/return", {"comment": "Graag de wachttijd."})
    _post(coordinator, f"/services/{service_id}/submit", {})
    _post(member, f"/services/{service_id}/approve", {})
    edit = f"/services/{service_id}/edit"
    version = re.search(r'name="version" value="(\d+)"', coordinator.get(edit).get_data(True))
    _post(coordinator, edit, {**SECOND, "version": version.group(1)})
    _post(coordinator, f"/services/{service_id}/submit", {})
    return service_id


def test_the_history_of_a_changed_service_speaks_french(app, changed_service):
    reader = app.test_client()
    login(reader, "cocof", "cocof-julien", language="fr")
    text = _text(reader.get(f"/services/{changed_service}/history").get_data(as_text=True))
    _no_code(text)
    for words in [
        "Adresse e-mail de contact",
        "oud@example.org",
        "nieuw@example.org",
        "Attente habituelle, en jours",
        "Publics cibles",
        "Condamnés",
        "Prévenus",
        "Fait partie d'un trajet d'accompagnement",
        "oui",
        "non",
        "Comment les personnes y accèdent",
        "sur demande",
        "sur orientation",
        "Places par prison",
        "Aile ou section : Prison de Haren",
        "Aile B",
        "Haren",
        "Saint-Gilles",
        "chaque mercredi",
        "le premier mardi",
        "à 14 h 30",
        "toutes les 2 semaines le lundi et jeudi",
        # The steps, in French, with the committee's comment.
        "Brouillon créé",
        "Soumis au Comité de concertation",
        "Renvoyé à son auteur",
        "Graag de wachttijd.",
        "Approuvé et publié",
        "Modifications enregistrées",
        # Both names changed: Dutch and French side by side.
        "Klimmen en bouldering",
        "Escalade et bloc",
    ]:
        assert words in text, f"{words!r} missing:\n{text[:6000]}"


def test_the_history_of_a_changed_service_speaks_dutch(app, changed_service):
    reader = app.test_client()
    login(reader, "vlaams", "vlaams-lotte", language="nl")
    text = _text(reader.get(f"/services/{changed_service}/history").get_data(as_text=True))
    _no_code(text)
    for words in [
        "Contactadres (e-mail)",
        "Gebruikelijke wachttijd, in dagen",
        "Doelgroepen",
        "Maakt deel uit van een trajectbegeleiding",
        "ja",
        "nee",
        "na doorverwijzing",
        "Plaatsen per gevangenis",
        "elke woensdag",
        "de eerste dinsdag",
        "Voorgelegd aan het Overlegcomité",
        "Teruggestuurd naar de auteur",
        "Goedgekeurd en gepubliceerd",
    ]:
        assert words in text, f"{words!r} missing:\n{text[:6000]}"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Adresse e-mail de contact", "nieuw@example.org", "Places par prison", "oui"]),
        ("nl", ["Contactadres (e-mail)", "nieuw@example.org", "Plaatsen per gevangenis", "ja"]),
    ],
)
def test_the_review_shows_the_waiting_changes_in_words(app, changed_service, language, words):
    reader = app.test_client()
    login(reader, "vlaams", "vlaams-sofie", language=language)
    for path in ("/services/review", f"/services/{changed_service}"):
        text = _text(reader.get(path).get_data(as_text=True))
        for word in words:
            assert word in text, f"{word!r} missing on {path}:\n{text[:6000]}"
        # The queue lists other services too: its card of this one is checked below.
        if path != "/services/review":
            _no_code(text)


def test_the_review_queue_shows_no_code(app, changed_service):
    reader = app.test_client()
    login(reader, "cocof", "cocof-julien", language="fr")
    page = reader.get("/services/review").get_data(as_text=True)
    card = re.search(rf'<li class="card">\s*<h2 id="s{changed_service}".*?</li>', page, re.S)
    assert card, page[:3000]
    _no_code(_text(f"<main>{card.group(0)}</main>"))


@pytest.mark.parametrize(
    ("rule", "language", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "en", "every Tuesday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "nl", "elke maandag, woensdag en vrijdag"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=9",
            "fr",
            "toutes les 2 semaines le jeudi, à 9\u00a0h",
        ),
        ("FREQ=MONTHLY;BYDAY=-1FR", "en", "every month on the last Friday"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "nl", "elke maand op de tweede dinsdag"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "fr", "chaque mois, le 15"),
        ("RRULE:FREQ=DAILY;INTERVAL=3", "en", "every 3 days"),
        ("FREQ=YEARLY;BYMONTH=3", "fr", "horaire particulier"),
        ("FREQ=WEEKLY;BYWEEKNO=3", "nl", "afwijkend schema"),
    ],
)
def test_a_schedule_is_said_in_words(app: Flask, rule, language, words):
    with app.test_request_context(f"/language/{language}"):
        from flask_babel import force_locale

        with force_locale(language):
            said = in_words(rule, language)
    assert words in said
    assert "FREQ" not in said and "BY" not in said


def test_an_authority_s_own_choice_is_shown_by_its_label(app: Flask):
    from core.db import db_session
    from core.inventory.changes import Names, describe_changes

    justice = app.extensions["concerto.registry"].authorities["justitie"]
    changes = {
        "extra": [{"wing_access": "all_wings"}, {"wing_access": "some_wings", "gone": "x"}],
        "locations": [
            [{"prison": "haren", "places": 4, "schedule": "FREQ=WEEKLY;BYDAY=FR"}],
            [{"prison": "haren", "places": 5, "schedule": "FREQ=YEARLY;BYYEARDAY=3"}],
        ],
    }
    with app.test_request_context("/"):
        rows = describe_changes(changes, justice, Names.load(db_session(), "fr"), "fr")
        shown = [(str(r.label), str(r.before), str(r.after)) for r in rows if r.kind == "value"]
        places = [r for r in rows if r.kind == "places"][0].places
    assert ("Accès aux ailes", "Toutes les ailes", "Certaines ailes") in shown
    # A field its plugin no longer declares is named in words, never by its identifier.
    assert ("Un champ de l'autorité", "None", "x") in shown
    assert (
        "Horaire : Prison de Haren",
        "chaque vendredi",
        "un horaire particulier",
    ) in shown
    assert [(p.prison, p.before, p.after) for p in places] == [("Prison de Haren", "4", "5")]
