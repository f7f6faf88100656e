"""Links by search (issue 22): agenda items, decisions, needs and workshop reports link to
services, needs, goals, decisions and meetings through a picker; a link to a record the person
may not read is refused at the field with everything typed kept; a link to something deleted or
unreadable is shown as such, never with a draft's name."""

from __future__ import annotations

from sqlalchemy import select

from core.goals.lookup import goal_by_code
from core.inventory.models import Need, Service
from core.meetings.models import AgendaItem, Decision, Meeting
from tests.forms import check_summary
from tests.logins import api_token, csrf_token, login, login_as

HTMX = {"HX-Request": "true"}


def _db(app):
    return app.extensions["concerto.db"].session()


def _draft_and_published(app) -> tuple[Service, Service]:
    """A Flemish draft (only the Flemish and the committee read it) and a published service."""
    with _db(app) as db:
        draft = db.scalar(
            select(Service).where(
                Service.published_at.is_(None), Service.authority_code == "vlaams"
            )
        )
        published = db.scalar(select(Service).where(Service.published_at.is_not(None)))
        db.expunge_all()
    return draft, published


def _search(client, query, kinds=()):
    return client.get(
        "/links/search", query_string={"q": query, "kinds": list(kinds)}, headers=HTMX
    ).get_data(as_text=True)


def test_the_search_offers_only_what_the_person_may_read_in_any_language(any_app):
    draft, published = _draft_and_published(any_app)
    coordinator, secretary = any_app.test_client(), any_app.test_client()
    login(coordinator, "cocof", "cocof-camille")
    login_as(secretary, any_app, "secretary")
    word = draft.name_nl.split()[0]
    assert f'data-link-value="service:{draft.id}"' not in _search(coordinator, word, ["service"])
    assert draft.name_nl not in _search(coordinator, word)
    assert f'data-link-value="service:{draft.id}"' in _search(secretary, word, ["service"])
    # Words of the French name find the service from a Dutch page, case aside.
    french = published.name_fr.split()[-1].upper()
    assert f'data-link-value="service:{published.id}"' in _search(coordinator, french, ["service"])
    # A goal by its code in the current plan; the count is said to screen readers.
    with _db(any_app) as db:
        goal = goal_by_code(db, "4.1")
    found = _search(coordinator, "4.1", ["goal"])
    assert f'data-link-value="goal:{goal.id}"' in found
    assert 'id="links-status" hx-swap-oob="innerHTML"' in found
    # At most ten, and nothing for an anonymous visitor.
    assert _search(secretary, "e").count("data-link-value=") <= 10
    assert any_app.test_client().get("/links/search?q=drug").status_code in (302, 401)


def test_a_coordinator_searching_decisions_finds_approved_ones_only(any_app):
    with _db(any_app) as db:
        decision = db.scalar(select(Decision).order_by(Decision.id))
        decision.minutes.state = "draft"
        db.commit()
        word = max(decision.text_nl.split(), key=len)
        ident = decision.id
    coordinator, secretary = any_app.test_client(), any_app.test_client()
    login(coordinator, "cocof", "cocof-camille")
    login_as(secretary, any_app, "secretary")
    assert f'"decision:{ident}"' not in _search(coordinator, word, ["decision"])
    assert f'"decision:{ident}"' in _search(secretary, word, ["decision"])


def test_a_link_to_a_record_the_person_may_not_read_is_refused_at_the_field(any_app):
    """The need form: a French-speaking coordinator links a Flemish draft she may not read.
    The message is at the picker, the summary points to it, the text typed and the other
    chosen link stay, and nothing is saved."""
    draft, published = _draft_and_published(any_app)
    coordinator = any_app.test_client()
    login(coordinator, "cocof", "cocof-camille")
    with _db(any_app) as db:
        before = db.scalar(select(Need.id).order_by(Need.id.desc()))
    form = {
        "csrf_token": csrf_token(coordinator, "/needs/new"),
        "prison": "haren",
        "domain": "sport",
        "description_fr": "Pas encore de sport le soir, texte à ne pas perdre.",
        "links": [f"service:{published.id}", f"service:{draft.id}"],
        "links_q": "",
    }
    refused = coordinator.post("/needs/new", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    page = check_summary(html)
    assert "You may not read one of the chosen records" in html
    assert page.values["description_fr"] == [form["description_fr"]]
    assert f'value="service:{published.id}" checked' in html
    assert draft.name_nl not in html and f"service:{draft.id}" not in html
    with _db(any_app) as db:
        assert db.scalar(select(Need.id).order_by(Need.id.desc())) == before
    # Saved again as shown, without the refused link: the need keeps the readable one.
    form["links"] = [f"service:{published.id}"]
    assert coordinator.post("/needs/new", data=form).status_code == 302
    with _db(any_app) as db:
        need = db.scalar(select(Need).order_by(Need.id.desc()))
        assert need.links == [{"kind": "service", "id": published.id}]
        need_id = need.id
    # The API says the same, in the field.
    bearer = {"Authorization": f"Bearer {api_token(any_app, 'cocof-camille')}"}
    answer = coordinator.post(
        "/api/v1/needs",
        json={
            "prison": "haren",
            "domain": "sport",
            "description_fr": "x",
            "links": [{"kind": "service", "id": draft.id}],
        },
        headers=bearer,
    )
    assert answer.status_code == 422
    assert "links" in str(answer.get_json())
    # The need's page shows the link as "title (kind)" to a reader of another authority.
    reader = any_app.test_client()
    login_as(reader, any_app, ("vlaams", "coordinator"))
    shown = reader.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/services/{published.id}"' in shown


def test_the_agenda_item_form_refuses_a_record_that_does_not_exist_and_keeps_the_titles(app):
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    _draft, published = _draft_and_published(app)
    with _db(app) as db:  # an item of a meeting still to come: its agenda may change
        item_id = db.scalar(
            select(AgendaItem.id)
            .join(Meeting)
            .where(Meeting.state.in_(("planned", "invited")), Meeting.cancelled_at.is_(None))
        )
    path = f"/agenda/{item_id}"
    form = {
        "csrf_token": csrf_token(secretary, path),
        "title_nl": "Een nieuwe titel",
        "title_fr": "Un nouveau titre",
        "purpose": "information",
        "links": [f"service:{published.id}", "need:999999", "goal:99.99"],
    }
    refused = secretary.post(path, data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    check_summary(html)
    assert "One of the chosen records does not exist" in html
    assert 'value="Een nieuwe titel"' in html and 'value="Un nouveau titre"' in html
    assert f'value="service:{published.id}" checked' in html


def test_without_javascript_search_shows_results_in_the_form_and_saves_nothing(app):
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    with _db(app) as db:
        meeting = db.scalar(select(Meeting).order_by(Meeting.id.desc()))
        items = len(meeting.items)
        meeting_id = meeting.id
        goal = goal_by_code(db, "4.1")
    form = {
        "csrf_token": csrf_token(secretary, f"/meetings/{meeting_id}"),
        "title_nl": "Inventaris",
        "purpose": "information",
        "links_q": "4.1",
        "link_search": "links",
    }
    shown = secretary.post(f"/meetings/{meeting_id}/items", data=form)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert 'value="Inventaris"' in html
    assert f'type="checkbox" name="links" value="goal:{goal.id}"' in html
    with _db(app) as db:
        assert len(db.get(Meeting, meeting_id).items) == items
    # Checked and saved: the item links the goal, and the meeting page names it.
    form |= {"links": f"goal:{goal.id}", "link_search": "", "links_q": ""}
    assert secretary.post(f"/meetings/{meeting_id}/items", data=form).status_code == 302
    with _db(app) as db:
        item = db.scalar(select(AgendaItem).order_by(AgendaItem.id.desc()))
        assert item.links == [{"kind": "goal", "id": goal.id}]
        title = goal.title_nl
    secretary.get("/language/nl")
    assert title in secretary.get(f"/meetings/{meeting_id}").get_data(as_text=True)


def test_a_link_to_a_draft_or_a_deleted_record_says_so_and_never_names_the_draft(app):
    draft, _published = _draft_and_published(app)
    with _db(app) as db:
        item = db.scalar(select(AgendaItem).order_by(AgendaItem.id))
        need = Need(
            prison_code="haren",
            domain_code="sport",
            description_nl="Weg",
            signalled_by="test",
        )
        db.add(need)
        db.flush()
        item.links = [
            {"kind": "service", "id": draft.id},
            {"kind": "need", "id": need.id},
            {"kind": "meeting", "id": item.meeting_id},
        ]
        db.commit()
        db.delete(need)
        db.commit()
        meeting_id = item.meeting_id
    reader = app.test_client()
    login(reader, "cocof", "cocof-camille")
    reader.get("/language/en")
    page = reader.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    names = {draft.name_nl, draft.name_fr, draft.name_en} - {None}
    assert not any(name in page for name in names)
    assert "not available to you" in page and "deleted record" in page
    assert f'href="/meetings/{meeting_id}"' in page
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    secretary.get("/language/en")
    assert draft.local("name", "en").text in secretary.get(f"/meetings/{meeting_id}").get_data(
        as_text=True
    )


def test_a_decision_and_a_workshop_report_take_their_links_from_the_picker(app):
    secretary = app.test_client()
    login_as(secretary, app, "secretary")
    _draft, published = _draft_and_published(app)
    with _db(app) as db:
        goal = goal_by_code(db, "6.2")
        need_id = db.scalar(select(Need.id).order_by(Need.id))
    path = "/workshops/8/report"
    saved = secretary.post(
        path,
        data={
            "csrf_token": csrf_token(secretary, path),
            "text_nl": "Verslag",
            "links": [f"goal:{goal.id}", f"need:{need_id}"],
            "links_q": "",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
    refused = secretary.post(
        path,
        data={
            "csrf_token": csrf_token(secretary, path),
            "text_nl": "Verslag dat blijft",
            "links": [f"goal:{goal.id}", f"service:{published.id}"],
        },
    )
    assert refused.status_code == 422
    assert "Verslag dat blijft" in refused.get_data(as_text=True)
    assert f'value="goal:{goal.id}" checked' in refused.get_data(as_text=True)
    # A decision written in draft minutes (a correction's) links what the picker chose.
    from core.meetings import services as meetings
    from core.meetings.models import Minutes

    with _db(app) as db:
        approved = db.scalar(
            select(Minutes).where(Minutes.state == "approved").order_by(Minutes.id)
        )
        draft = meetings.propose_correction(db, approved, "Een link toevoegen")
        db.commit()
        meeting_id, version = draft.meeting_id, draft.version
        item_id = draft.meeting.items[0].id
    editor = f"/meetings/{meeting_id}/minutes"
    recorded = secretary.post(
        editor,
        data={
            "csrf_token": csrf_token(secretary, editor),
            "version": version,
            "intent": "decision",
            "decision_item_id": item_id,
            "decision_text_nl": "Besloten met een link",
            "decision_links": [f"service:{published.id}"],
            "decision_links_q": "",
        },
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:600]
    with _db(app) as db:
        decision = db.scalar(select(Decision).order_by(Decision.id.desc()))
        assert decision.links == [{"kind": "service", "id": published.id}]


def test_a_meeting_is_found_by_its_body_and_its_date(any_app):
    with _db(any_app) as db:
        meeting = db.scalar(select(Meeting).order_by(Meeting.starts_at))
        from core.clock import in_brussels

        day = in_brussels(meeting.starts_at).date()
        other = db.scalar(select(Meeting.id).where(Meeting.id != meeting.id))
    secretary = any_app.test_client()
    login_as(secretary, any_app, "secretary")
    found = _search(secretary, f"{day:%d/%m/%Y}", ["meeting"])
    assert f'"meeting:{meeting.id}"' in found and f'"meeting:{other}"' not in found
    assert f'"meeting:{meeting.id}"' in _search(secretary, f"{day:%m/%Y}", ["meeting"])


def test_a_link_someone_else_made_stays_when_a_person_who_cannot_read_it_saves(app):
    """The secretariat linked a cocom need to a Flemish draft; cocom's coordinator, who may
    not read the draft, sees "not available to you" and saves the need without losing it."""
    draft, _published = _draft_and_published(app)
    with _db(app) as db:
        need = db.scalar(select(Need).where(Need.authority_code == "cocom").order_by(Need.id))
        need.links = [{"kind": "service", "id": draft.id}]
        db.commit()
        need_id, prison, domain = need.id, need.prison_code, need.domain_code
    coordinator = app.test_client()
    login_as(coordinator, app, ("cocom", "coordinator"))
    coordinator.get("/language/en")
    path = f"/needs/{need_id}"
    page = coordinator.get(path).get_data(as_text=True)
    assert "not available to you" in page
    assert draft.name_nl not in page and draft.local("name", "en").text not in page
    saved = coordinator.post(
        path,
        data={
            "csrf_token": csrf_token(coordinator, path),
            "prison": prison,
            "domain": domain,
            "description_nl": "Bijgewerkt",
            "status": "open",
            "links": [f"service:{draft.id}"],
            "links_q": "",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
    with _db(app) as db:
        assert db.get(Need, need_id).links == [{"kind": "service", "id": draft.id}]


def test_a_goal_lists_the_needs_and_decisions_that_link_to_it(any_app):
    from core.meetings.models import Minutes

    with _db(any_app) as db:
        goal = goal_by_code(db, "5.2")
        need = db.scalar(select(Need).where(Need.goal_id.is_(None)).order_by(Need.id))
        need.links = [{"kind": "goal", "id": goal.id}]
        decision = db.scalar(
            select(Decision)
            .join(Minutes, Decision.minutes_id == Minutes.id)
            .where(Decision.goal_id.is_(None), Minutes.state == "approved")
            .order_by(Decision.id)
        )
        decision.links = [{"kind": "goal", "id": goal.id}]
        db.commit()
        need_id, decision_id, goal_id = need.id, decision.id, goal.id
    answer = any_app.test_client().get(f"/api/v1/goals/{goal_id}").get_json()["links"]
    assert need_id in answer["needs"]
    assert decision_id in answer["decisions"]
