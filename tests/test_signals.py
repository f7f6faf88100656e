"""The register of signals and recommendations (issue 24, goal 1.2): structural problems with
no prison or domain, linked to the committee's records, answered, published for the public,
counted per year, exported; never overwritten silently; unpublished ones never public."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from core.events.models import Event
from core.goals import yearly
from core.inventory.models import Need
from core.signals.models import Signal
from tests.conftest import make_app
from tests.logins import api_token, csrf_token, login, login_as


@pytest.fixture
def signals_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _form(client, path: str, **values) -> dict:
    return {"csrf_token": csrf_token(client, path), **values}


def test_a_coordinator_writes_a_signal_without_prison_or_domain_linked_to_a_need(signals_app):
    app = signals_app
    coordinator = app.test_client()
    login(coordinator, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        need_id = db.scalar(select(Need.id).order_by(Need.id))
    refused = coordinator.post(
        "/signals/new",
        data=_form(
            coordinator,
            "/signals/new",
            text_nl="Wat getypt werd, blijft staan.",
            addressee_kind="minister",
            status="answered",
            sent_on="2026-05-02",
            answered_on="2026-04-01",
        ),
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    # every problem at its field, what was typed kept
    for field in ("title_nl", "answer_nl", "answered_on"):
        assert f'id="e-{field}"' in page
    assert "Wat getypt werd, blijft staan." in page
    assert "The answer cannot come before the signal was sent." in page
    created = coordinator.post(
        "/signals/new",
        data=_form(
            coordinator,
            "/signals/new",
            title_nl="Wachttijden bij het bezoek",
            addressee_kind="minister",
            addressee="De minister van Justitie",
            status="sent",
            sent_on="2026-05-02",
            links=f"need:{need_id}",
        ),
    )
    assert created.status_code == 302
    with app.extensions["concerto.db"].session() as db:
        signal = db.scalar(select(Signal).order_by(Signal.id.desc()))
        assert (signal.prison_code, signal.domain_code, signal.authority_code) == (
            None,
            None,
            "vlaams",
        )
        assert signal.links == [{"kind": "need", "id": need_id}]
    shown = coordinator.get(f"/signals/{signal.id}").get_data(as_text=True)
    assert "Wachttijden bij het bezoek" in shown and "personal data about detainees" in shown


def test_an_answer_is_logged_and_counted_and_a_stale_edit_is_refused(signals_app):
    app = signals_app
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    token = api_token(app, "cocom-secretariaat")
    headers = {"Authorization": f"Bearer {token}"}
    made = secretary.post(
        "/api/v1/signals",
        json={"title_fr": "Logement à la sortie", "addressee_kind": "sector"},
        headers=headers,
    )
    assert made.status_code == 201 and made.json["status"] == "draft"
    ident, etag = made.json["id"], made.headers["ETag"]
    assert secretary.patch(f"/api/v1/signals/{ident}", json={}, headers=headers).status_code == 428
    answered = secretary.patch(
        f"/api/v1/signals/{ident}",
        json={
            "status": "answered",
            "sent_on": "2025-11-20",
            "answer_fr": "Un groupe de travail est créé.",
            "answered_on": "2026-01-15",
        },
        headers={**headers, "If-Match": etag},
    )
    assert answered.status_code == 200, answered.json
    stale = secretary.patch(
        f"/api/v1/signals/{ident}",
        json={"addressee": "Overwritten?"},
        headers={**headers, "If-Match": etag},
    )
    assert stale.status_code == 412
    invalid = secretary.patch(
        f"/api/v1/signals/{ident}",
        json={"status": "lost"},
        headers={**headers, "If-Match": answered.headers["ETag"]},
    )
    assert invalid.status_code == 422 and invalid.json["errors"][0]["field"] == "status"
    with app.extensions["concerto.db"].session() as db:
        signal = db.get(Signal, ident)
        assert signal.addressee is None  # the stale write changed nothing
        events = db.scalars(
            select(Event).where(Event.kind == "signal_answered", Event.record_id == ident)
        ).all()
        assert len(events) == 1
    # the page's form refuses a stale version too, and says so
    coordinator = app.test_client()
    login(coordinator, "cocom", "cocom-an")
    stale_form = coordinator.post(
        f"/signals/{ident}",
        data=_form(
            coordinator, f"/signals/{ident}", version="1", title_fr="x", addressee_kind="sector"
        ),
    )
    assert stale_form.status_code == 303
    assert "Nothing was overwritten" in coordinator.get(f"/signals/{ident}").get_data(as_text=True)
    figures = {
        row["year"]: row for row in secretary.get("/api/v1/signals/indicators").json["years"]
    }
    # the demo's two signals were sent this year; this one in 2025 and answered in 2026
    assert figures[2025]["sent"] >= 1
    assert figures[2026]["answered"] >= 1
    # goal 1.2's indicators follow the same figures
    with app.extensions["concerto.db"].session() as db:
        found = yearly.sources(db)
        assert found["signals_sent"](db, 2025) == figures[2025]["sent"]
        assert found["signals_answered"](db, 2026) == figures[2026]["answered"]
        assert found["signals_answered"](db, 1999) == 0
    page = secretary.get("/signals").get_data(as_text=True)
    assert "Figures of goal 1.2" in page and '<th scope="row">2025</th>' in page


def test_only_a_published_summary_is_public(signals_app):
    app = signals_app
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    with app.extensions["concerto.db"].session() as db:
        draft = db.scalar(select(Signal).where(Signal.published_at.is_(None)))
        draft_id, version, title = draft.id, draft.version, draft.title_nl
    anonymous = app.test_client()
    assert title not in anonymous.get("/signals/public").get_data(as_text=True)
    assert anonymous.get(f"/api/v1/signals/{draft_id}").status_code == 404
    assert draft_id not in [s["id"] for s in anonymous.get("/api/v1/signals").json["items"]]
    assert anonymous.get("/signals").status_code == 302  # the register is not public
    # without a summary, there is nothing to publish
    refused = secretary.post(
        f"/signals/{draft_id}/publish",
        data=_form(secretary, f"/signals/{draft_id}", version=str(version), step="publish"),
        follow_redirects=True,
    )
    assert "before publishing." in refused.get_data(as_text=True)
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Signal, draft_id).published_at is None
    saved = secretary.post(
        f"/signals/{draft_id}",
        data=_form(
            secretary,
            f"/signals/{draft_id}",
            version=str(version),
            title_nl=title,
            addressee_kind="committee",
            status="draft",
            summary_nl="Een samenvatting voor iedereen.",
        ),
    )
    assert saved.status_code == 303
    with app.extensions["concerto.db"].session() as db:
        version = db.get(Signal, draft_id).version
    published = secretary.post(
        f"/signals/{draft_id}/publish",
        data=_form(secretary, f"/signals/{draft_id}", version=str(version), step="publish"),
    )
    assert published.status_code == 303
    public = anonymous.get("/signals/public").get_data(as_text=True)
    assert "Een samenvatting voor iedereen." in public
    read = anonymous.get(f"/api/v1/signals/{draft_id}").json
    assert read["summary_nl"] == "Een samenvatting voor iedereen."
    assert "answer_nl" not in read and "text_nl" not in read  # the public summary only


def test_who_may_write_edit_and_publish(signals_app):
    app = signals_app
    with app.extensions["concerto.db"].session() as db:
        cocom_signal = db.scalar(select(Signal).where(Signal.authority_code == "cocom"))
        ident, version = cocom_signal.id, cocom_signal.version
    member = app.test_client()
    login(member, "cocof", "cocof-julien")
    assert member.get("/signals").status_code == 200
    assert member.get("/signals/new").status_code == 403
    flemish = app.test_client()
    login(flemish, "vlaams", "vlaams-lotte")
    assert flemish.get("/signals/new").status_code == 200
    other = flemish.post(
        f"/signals/{ident}",
        data=_form(flemish, f"/signals/{ident}", version=str(version), title_nl="Van ons?"),
    )
    assert other.status_code == 403  # COCOM's signal is not the Flemish coordinator's
    publish = flemish.post(
        f"/signals/{ident}/publish",
        data=_form(flemish, f"/signals/{ident}", version=str(version), step="withdraw"),
    )
    assert publish.status_code == 403
    token = api_token(app, "vlaams-lotte")
    patched = flemish.patch(
        f"/api/v1/signals/{ident}",
        json={"published": False},
        headers={"Authorization": f"Bearer {token}", "If-Match": f'"{version}"'},
    )
    assert patched.status_code == 403
    with app.extensions["concerto.db"].session() as db:
        assert db.get(Signal, ident).version == version


def test_the_export_names_everything_in_words(signals_app):
    app = signals_app
    reader = app.test_client()
    login(reader, "cocof", "cocof-julien")
    reader.get("/language/fr")
    response = reader.get("/signals.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    header, *body = rows
    assert len(body) == 3
    titles = {row[1]: row for row in body}
    visits = titles["Longs temps d'attente lors des visites"]
    assert visits[6] == "réponse reçue" and visits[8].startswith("De directies")
    assert visits[10]  # published: its day
    assert "draft" not in response.get_data(as_text=True)
