"""The minutes editor is one page that never loses what the secretary typed: empty fields stay
empty (never the word None), recording a decision or an action, or removing a decision,
saves the minutes typed with it in one transaction, and a refusal shows everything typed
again. The page is submitted the way a browser submits it: the form holding the button that
was clicked, with every field that form carries."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.meetings import services as meetings
from core.meetings.models import ActionItem, Decision, Meeting, Minutes
from tests.logins import csrf_token, login_as


class _Form:
    def __init__(self, action: str) -> None:
        self.action = action
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str, str]] = []  # (text, name, value)


class _Forms(HTMLParser):
    """The forms of a page with the values a browser would send, and their buttons."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[_Form] = []
        self.textareas: dict[str, str] = {}
        self.inputs: dict[str, str] = {}
        self._form: _Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = _Form(attrs.get("action") or self.url)
            self.forms.append(self._form)
        elif tag == "textarea":
            self._textarea = attrs.get("name") or f"#{attrs.get('id')}"  # no name: not sent
            self.textareas[self._textarea] = ""
            if self._form and attrs.get("name"):
                self._form.fields[self._textarea] = ""
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.inputs[attrs["name"]] = attrs.get("value", "")
            if self._form:
                self._form.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            if self._form:
                self._form.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and self._form:
            first = self._form.fields[self._select] == "" and "value" in attrs
            if "selected" in attrs or first:
                self._form.fields[self._select] = attrs.get("value", "")
        elif tag == "button" and self._form is not None:
            self._button = [attrs.get("name", ""), attrs.get("value", ""), ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "button" and self._button is not None:
            name, value, text = self._button
            self._form.buttons.append((" ".join(text.split()), name, value))
            self._button = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.textareas[self._textarea] += data
            if self._form and self._textarea in self._form.fields:
                self._form.fields[self._textarea] += data
        if self._button is not None:
            self._button[2] += data


def read_forms(client, url: str) -> _Forms:
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True), url)


def parse(html: str, url: str) -> _Forms:
    forms = _Forms(url)
    forms.feed(html)
    return forms


def click(client, forms: _Forms, button: str, typed: dict[str, str]):
    """Type into fields of the page, then click the button: the browser sends the button's
    own form only, so typed text in another form is not part of the request."""
    form = next(f for f in forms.forms if any(text.startswith(button) for text, *_ in f.buttons))
    missing = set(typed) - set(form.fields)
    assert not missing, f"typed into fields that {button!r} does not send: {sorted(missing)}"
    data = {**form.fields, **typed}
    _text, name, value = next(b for b in form.buttons if b[0].startswith(button))
    if name:
        data[name] = value
    return client.post(form.action, data=data)


@pytest.fixture
def secretary(app, client):
    login_as(client, app, "secretary")
    client.csrf = csrf_token(client, "/meetings")
    return client


def _db(app):
    return app.extensions["concerto.db"].session()


@pytest.fixture
def draft(app, secretary) -> tuple[int, list[int]]:
    """Minutes started for the last held meeting of the demo: (meeting id, agenda item ids)."""
    with _db(app) as db:
        meeting = db.scalar(
            select(Meeting)
            .where(Meeting.state == "held", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at.desc())
        )
        meeting_id = meeting.id
        items = [item.id for _n, item, _d in meetings.agenda(meeting)]
    started = secretary.post(
        f"/meetings/{meeting_id}/minutes/start", data={"csrf_token": secretary.csrf}
    )
    assert started.status_code == 302
    return meeting_id, items


def _minutes(db, meeting_id: int) -> Minutes:
    return db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))


def test_empty_minutes_fields_stay_empty_after_a_save_and_a_second_save(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    saved = click(
        secretary,
        read_forms(secretary, url),
        "Save the minutes",
        {f"text_nl_{items[0]}": "Alleen in het Nederlands."},
    )
    assert saved.status_code == 302
    page = read_forms(secretary, url)
    minutes_fields = {k: v for k, v in page.textareas.items() if k.startswith("text_")}
    assert minutes_fields[f"text_nl_{items[0]}"] == "Alleen in het Nederlands."
    assert all(value == "" for key, value in minutes_fields.items() if key != f"text_nl_{items[0]}")
    assert not [k for k, v in {**page.textareas, **page.inputs}.items() if "None" in v]
    # Saving the page again as it is stores no "None" either.
    assert click(secretary, page, "Save the minutes", {}).status_code == 302
    with _db(app) as db:
        texts = _minutes(db, meeting_id).texts
        assert {t.item_id: (t.text_nl, t.text_fr) for t in texts}[items[0]] == (
            "Alleen in het Nederlands.",
            None,
        )
        stored = [t.text_nl for t in texts] + [t.text_fr for t in texts]
        assert "None" not in stored and all(v is None or v.strip() for v in stored)


def test_recording_a_decision_saves_the_minutes_typed_on_the_page(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    recorded = click(
        secretary,
        read_forms(secretary, url),
        "Record the decision",
        {
            f"text_nl_{items[1]}": "Nog niet bewaard.",
            f"text_fr_{items[1]}": "Pas encore enregistré.",
            "decision_item_id": str(items[1]),
            "decision_text_nl": "Het comité keurt het plan goed.",
        },
    )
    assert recorded.status_code == 302 and recorded.location.endswith("#decisions")
    with _db(app) as db:
        minutes = _minutes(db, meeting_id)
        assert [(d.item_id, d.text_nl) for d in minutes.decisions] == [
            (items[1], "Het comité keurt het plan goed.")
        ]
        assert {t.item_id: (t.text_nl, t.text_fr) for t in minutes.texts}[items[1]] == (
            "Nog niet bewaard.",
            "Pas encore enregistré.",
        )
    page = read_forms(secretary, url)
    assert page.textareas[f"text_fr_{items[1]}"] == "Pas encore enregistré."
    assert page.textareas["decision_text_nl"] == ""  # ready for the next decision


def test_recording_an_action_saves_the_minutes_typed_on_the_page(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    recorded = click(
        secretary,
        read_forms(secretary, url),
        "Record the action",
        {
            f"text_fr_{items[2]}": "Le service rédige une note.",
            "action_item_id": str(items[2]),
            "action_title_fr": "Rédiger la note",
            "action_owner_name": "Julie Lambert",
            "action_authority": "cocof",
            "action_due_on": "2030-01-15",
        },
    )
    assert recorded.status_code == 302 and recorded.location.endswith("#actions")
    with _db(app) as db:
        action = db.scalar(select(ActionItem).where(ActionItem.meeting_id == meeting_id))
        assert (action.title_fr, action.owner_name, action.authority_code, action.item_id) == (
            "Rédiger la note",
            "Julie Lambert",
            "cocof",
            items[2],
        )
        texts = {t.item_id: t.text_fr for t in _minutes(db, meeting_id).texts}
        assert texts[items[2]] == "Le service rédige une note."


def test_saving_the_minutes_also_records_a_decision_typed_but_not_yet_recorded(
    app, secretary, draft
):
    meeting_id, items = draft
    saved = click(
        secretary,
        read_forms(secretary, f"/meetings/{meeting_id}/minutes"),
        "Save the minutes",
        {
            f"text_nl_{items[0]}": "Verslag.",
            "decision_item_id": str(items[0]),
            "decision_text_fr": "Le comité approuve.",
        },
    )
    assert saved.status_code == 302
    with _db(app) as db:
        minutes = _minutes(db, meeting_id)
        assert [d.text_fr for d in minutes.decisions] == ["Le comité approuve."]
        assert [t.text_nl for t in minutes.texts if t.text_nl] == ["Verslag."]


def test_removing_a_decision_keeps_the_minutes_typed_on_the_page(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    click(
        secretary,
        read_forms(secretary, url),
        "Record the decision",
        {"decision_item_id": str(items[0]), "decision_text_nl": "Te schrappen."},
    )
    removed = click(
        secretary,
        read_forms(secretary, url),
        "Remove",
        {f"text_nl_{items[3]}": "Getypt voor het schrappen."},
    )
    assert removed.status_code == 302
    with _db(app) as db:
        minutes = _minutes(db, meeting_id)
        assert minutes.decisions == []
        assert [t.text_nl for t in minutes.texts if t.item_id == items[3]] == [
            "Getypt voor het schrappen."
        ]


def test_a_refused_decision_shows_every_typed_text_again_and_saves_nothing(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    typed = {
        f"text_nl_{items[0]}": "Het verslag van punt één.",
        f"text_fr_{items[1]}": "Le compte rendu du point deux.",
        "decision_item_id": str(items[1]),
        "decision_text_nl": "Besluit met een onbekende doelstelling.",
        "decision_text_fr": "Décision liée à un objectif inconnu.",
        "decision_goal": "99.99",
        "action_title_nl": "Een half getypte actie",
    }
    refused = click(secretary, read_forms(secretary, url), "Record the decision", typed)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    again = parse(html, url)
    for name, value in typed.items():
        shown = again.textareas.get(name, again.inputs.get(name))
        if name == "decision_item_id":
            shown = again.forms[-1].fields[name]
        assert shown == value, name
    assert 'aria-invalid="true"' in html and "data-unsaved" in html
    with _db(app) as db:
        minutes = _minutes(db, meeting_id)
        assert minutes.decisions == [] and minutes.texts == []
    # A refused action (no owner) keeps the typed action and minutes as well.
    typed = {
        f"text_fr_{items[2]}": "Texte du point trois.",
        "action_title_fr": "Une action sans responsable",
        "action_authority": "vlaams",
    }
    refused = click(secretary, read_forms(secretary, url), "Record the action", typed)
    assert refused.status_code == 422
    again = parse(refused.get_data(as_text=True), url)
    assert again.textareas[f"text_fr_{items[2]}"] == "Texte du point trois."
    assert again.inputs["action_title_fr"] == "Une action sans responsable"
    assert again.forms[-1].fields["action_authority"] == "vlaams"


def test_a_conflicting_save_shows_the_other_version_and_keeps_the_typed_text(app, secretary, draft):
    meeting_id, items = draft
    url = f"/meetings/{meeting_id}/minutes"
    mine = read_forms(secretary, url)
    theirs = read_forms(secretary, url)
    click(secretary, theirs, "Save the minutes", {f"text_nl_{items[0]}": "Hun versie."})
    conflict = click(
        secretary,
        mine,
        "Record the decision",
        {
            f"text_nl_{items[0]}": "Mijn versie.",
            "decision_item_id": str(items[0]),
            "decision_text_nl": "Mijn besluit.",
        },
    )
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    page = parse(html, url)
    assert page.textareas[f"text_nl_{items[0]}"] == "Hun versie."
    assert page.textareas[f"#mine-text_nl_{items[0]}"] == "Mijn versie."  # to copy from
    assert page.textareas["decision_text_nl"] == "Mijn besluit."
    with _db(app) as db:
        assert _minutes(db, meeting_id).decisions == []
        assert db.scalar(select(Decision.id).where(Decision.text_nl == "Mijn besluit.")) is None
