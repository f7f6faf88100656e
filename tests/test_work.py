"""My work (issue 21): each person's page, built from what they may do, and the same in
/api/v1/me/work. Every section is checked against the records it must hold, on SQLite and
PostgreSQL: a draft of another authority never appears, a member never sees their own edit
to review, overdue comes first, a person with several roles sees each of their sections."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from core.goals import services as plans
from core.goals.models import Goal, Plan, PlanAction
from core.identity.models import Identity, User
from core.inventory.models import Service, ServiceVersion
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Decision,
    Invitation,
    Meeting,
    Membership,
    Minutes,
)
from core.reports.services import _record as record_report_failure
from core.scheduler import record_run
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay
from core.testing import follow_provider
from tests.conftest import make_app
from tests.logins import PEOPLE, SECRETARY, api_token, csrf_token, grant, login, login_as


@pytest.fixture
def work_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _work(app, client, subject: str, roles: list[str] | None = None) -> dict:
    """The caller's work through the API, with a token of their roles."""
    secret = api_token(app, subject, roles)
    answer = client.get("/api/v1/me/work", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def _section(work: dict, group: str, key: str) -> dict:
    found = [s for s in work["sections"] if (s["group"], s["key"]) == (group, key)]
    assert len(found) == 1, [(s["group"], s["key"]) for s in work["sections"]]
    return found[0]


def _groups(work: dict) -> list[str]:
    return list(dict.fromkeys(s["group"] for s in work["sections"]))


def _ids(section: dict, kind: str | None = None) -> list:
    return [item["id"] for item in section["items"] if kind is None or item["kind"] == kind]


def _user_id(app, subject: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Identity.user_id).where(Identity.subject == subject))


def _today() -> date:
    return meetings.in_brussels(utcnow()).date()


# --- coordinator ----------------------------------------------------------------------------


def test_a_coordinator_sees_only_her_authoritys_drafts_returned_and_waiting_services(work_app):
    client = work_app.test_client()
    with work_app.extensions["concerto.db"].session() as db:
        # Another authority's draft and submitted service: never on the Flemish list.
        other = db.scalars(
            select(Service).where(Service.authority_code == "cocof").order_by(Service.id)
        ).all()
        other[0].state = "draft"
        other[1].state = "submitted"
        db.commit()
        other_ids = {other[0].id, other[1].id}
        drafts = set(
            db.scalars(
                select(Service.id).where(
                    Service.authority_code == "vlaams", Service.state.in_(("draft", "returned"))
                )
            )
        )
        returned = db.scalars(
            select(Service).where(Service.authority_code == "vlaams", Service.state == "returned")
        ).all()
        waiting = set(
            db.scalars(
                select(Service.id).where(
                    Service.authority_code == "vlaams", Service.state == "submitted"
                )
            )
        )
    assert drafts and returned and waiting, "the demo has Flemish drafts, returned and waiting"
    login(client, "vlaams", PEOPLE["vlaams"]["coordinator"])
    work = _work(work_app, client, "vlaams-lotte", ["coordinator"])
    assert _groups(work) == ["coordinator"]
    section = _section(work, "coordinator", "drafts")
    assert set(_ids(section)) == drafts and section["count"] == len(drafts)
    # The returned ones first, each with the reviewer's comment.
    assert [i["state"] for i in section["items"]][: len(returned)] == ["returned"] * len(returned)
    by_id = {item["id"]: item for item in section["items"]}
    for service in returned:
        assert by_id[service.id]["comment"] == service.review_comment
        assert by_id[service.id]["url"] == f"/services/{service.id}"
    submitted = _section(work, "coordinator", "submitted")
    assert set(_ids(submitted)) == waiting
    assert all(item["since"] for item in submitted["items"])
    everything = {i["id"] for s in work["sections"] for i in s["items"] if i["kind"] == "service"}
    assert not everything & other_ids

    page = client.get("/work").get_data(as_text=True)
    assert f'Drafts and returned services <span class="work-count">({len(drafts)})</span>' in page
    for service in returned:
        assert f'href="/services/{service.id}"' in page
    assert "The reviewer" in page
    for service_id in other_ids:
        assert f'href="/services/{service_id}"' not in page


def test_a_coordinator_sees_reported_errors_and_the_services_to_confirm_once_asked(work_app):
    from core.inventory import error_reports, verification
    from core.permissions import ANONYMOUS

    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    work = _work(work_app, client, "vlaams-lotte")
    reports = _section(work, "coordinator", "reports")
    assert not any(s["key"] == "to_confirm" for s in work["sections"]), "not before the request"
    year = _today().year
    with work_app.app_context(), work_app.extensions["concerto.db"].session() as db:
        ours = db.scalars(
            select(Service).where(Service.authority_code == "vlaams", Service.state == "published")
        ).all()
        theirs = db.scalar(
            select(Service).where(Service.authority_code == "cocof", Service.state == "published")
        )
        report = error_reports.report(
            db, ours[0], {"text": "Verhuisd naar blok B."}, ANONYMOUS, "nl"
        )
        error_reports.report(db, theirs, {"text": "Pas le bon numéro."}, ANONYMOUS, "fr")
        verification.request_confirmations(db, year, ["vlaams"])
        waiting = {
            s.id for s in verification.unconfirmed(db, "vlaams", verification.year_start(year))
        }
        report_id = report.id
    work = _work(work_app, client, "vlaams-lotte")
    reported = _section(work, "coordinator", "reports")
    assert _ids(reported) == _ids(reports) + [report_id], "her authority's only, the newest last"
    item = next(i for i in reported["items"] if i["id"] == report_id)
    assert item["text"] == "Verhuisd naar blok B." and item["url"].endswith(f"#r{report_id}")
    assert set(_ids(_section(work, "coordinator", "to_confirm"))) == waiting and waiting
    page = client.get("/work").get_data(as_text=True)
    assert "Verhuisd naar blok B." in page and "Pas le bon numéro." not in page


def test_those_present_find_the_draft_minutes_waiting_for_their_remarks(work_app):
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    login(work_app.test_client(), "federatie_wb", "federatie_wb-sarah")
    work = _work(work_app, client, "vlaams-lotte")
    asked = _section(work, "coordinator", "remarks")  # her first group: she coordinates
    with work_app.extensions["concerto.db"].session() as db:
        from core.meetings.models import Minutes, RemarkRound

        out = db.scalar(select(Minutes.id).join(RemarkRound).where(Minutes.state == "draft"))
    assert _ids(asked, "remarks") == [out], "the demo's round, where she was present"
    item = asked["items"][0]
    assert item["url"] == f"/minutes/{out}/remarks" and item["remarks_left"] == 1
    assert item["closes_on"] >= _today().isoformat()
    # Someone who was not present is not asked (and a viewer's work has no such section).
    sarah = _work(work_app, work_app.test_client(), "federatie_wb-sarah")
    assert not any(s["key"] == "remarks" and s["items"] for s in sarah["sections"])


def test_a_coordinators_actions_come_overdue_first_with_their_terms(work_app):
    client = work_app.test_client()
    today = _today()
    with work_app.extensions["concerto.db"].session() as db:
        meeting_id = db.scalar(select(Meeting.id).order_by(Meeting.id))
        for title, due in (
            ("Later", today + timedelta(days=30)),
            ("Long overdue", today - timedelta(days=300)),
            ("No date", None),
        ):
            db.add(
                ActionItem(
                    meeting_id=meeting_id,
                    title_en=title,
                    owner_name="Lotte Peeters",
                    authority_code="vlaams",
                    due_on=due,
                    status="open",
                )
            )
        db.add(
            ActionItem(
                meeting_id=meeting_id,
                title_en="Brussels French",
                owner_name="Camille Dubois",
                authority_code="cocof",
                due_on=today - timedelta(days=400),
                status="open",
            )
        )
        db.commit()
        # An action the Flemish Community leads in the committee's plan (its current plan,
        # though its years are over until the next one is adopted) is on her list; the
        # unfinished steps of the Flemish plan 2015-2020, whose years are over, are not.
        committee_goal = db.scalar(
            select(Goal.id)
            .join(Plan, Goal.plan_id == Plan.id)
            .where(Plan.authority_code.is_(None), Goal.kind == "operational")
            .order_by(Goal.id)
        )
        plans.create_action(
            db,
            db.get(Goal, committee_goal),
            {"title_nl": "Vlaamse actie in het Brusselse plan", "term": "", "authority": "vlaams"},
            work_app.config["CONCERTO"]["action_statuses"],
        )
        old_step = db.scalar(
            select(PlanAction.title_nl)
            .join(Goal, PlanAction.goal_id == Goal.id)
            .join(Plan, Goal.plan_id == Plan.id)
            .where(Plan.code == "vlaams_2015_2020")
            .order_by(PlanAction.id)
        )
        db.commit()
    login(client, "vlaams", "vlaams-lotte")
    section = _section(_work(work_app, client, "vlaams-lotte"), "coordinator", "actions")
    assert "Vlaamse actie in het Brusselse plan" in [i["title"] for i in section["items"]]
    assert old_step and old_step not in [i["title"] for i in section["items"]]
    flags = [item["overdue"] for item in section["items"]]
    assert True in flags and False in flags
    assert flags == sorted(flags, reverse=True), "overdue first"
    titles = [item["title"] for item in section["items"]]
    assert "Long overdue" in titles and "Later" in titles and "No date" in titles
    assert "Brussels French" not in titles
    assert titles.index("Long overdue") < titles.index("Later") < titles.index("No date")
    assert {item["kind"] for item in section["items"]} == {"action_item", "plan_action"}
    assert all(item["authority"] == "vlaams" for item in section["items"])
    page = client.get("/work").get_data(as_text=True)
    # Overdue said in words, not only in colour; a plan action's term in words.
    assert '<strong class="warning">Overdue</strong>' in page
    assert "term:" in page


def test_a_coordinator_sees_her_next_meetings_with_her_reply(work_app):
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    user_id = _user_id(work_app, "vlaams-lotte")
    with work_app.extensions["concerto.db"].session() as db:
        coming = db.scalars(
            select(Meeting)
            .where(Meeting.ends_at >= utcnow(), Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at)
        ).all()
        for meeting in coming:  # as the secretariat sends them
            meetings.invite(db, meeting)
        mine = [i for m in coming for i in m.invitations if i.membership.name == "Lotte Peeters"]
        assert mine, "Lotte is a member of the committee in the demo"
        # Linked by the secretariat: found by the account, whatever the address says.
        for invitation in mine:
            invitation.membership.user_id = user_id
            invitation.membership.email = "elsewhere@example.org"
        mine[0].reply = "excused"
        db.commit()
        expected = [i.meeting_id for i in sorted(mine, key=lambda i: i.meeting.starts_at)][:5]
        first = mine[0].meeting_id
    section = _section(_work(work_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert _ids(section) == expected
    replies = {item["id"]: item["reply"] for item in section["items"]}
    assert replies[first] == "excused"
    page = client.get("/work").get_data(as_text=True)
    assert "you are excused" in page


def test_another_persons_membership_is_not_mine(work_app):
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    with work_app.extensions["concerto.db"].session() as db:
        # Lotte's membership linked to someone else's account: no longer hers by address.
        other = db.scalar(select(User.id).where(User.id != _user_id(work_app, "vlaams-lotte")))
        if other is None:
            other_user = User(display_name="Someone else")
            db.add(other_user)
            db.flush()
            other = other_user.id
        db.execute(
            update(Membership).where(Membership.name == "Lotte Peeters").values(user_id=other)
        )
        db.commit()
    section = _section(_work(work_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"] == [] and section["count"] == 0
    assert "You are not invited to any coming meeting." in client.get("/work").get_data(
        as_text=True
    )


# --- committee member -----------------------------------------------------------------------


def test_a_member_never_sees_their_own_edit_to_review(work_app):
    julien, marc = work_app.test_client(), work_app.test_client()
    login(julien, "cocof", "cocof-julien")
    login(marc, "cocom", "cocom-marc")
    julien_id = _user_id(work_app, "cocof-julien")
    with work_app.extensions["concerto.db"].session() as db:
        waiting = db.scalars(select(Service).where(Service.state == "submitted")).all()
        assert waiting
        own = waiting[0]
        number = (
            db.scalar(
                select(ServiceVersion.number)
                .where(ServiceVersion.service_id == own.id)
                .order_by(ServiceVersion.number.desc())
            )
            or 0
        )
        db.add(
            ServiceVersion(
                service_id=own.id,
                number=number + 1,
                actor="Julien Lambert",
                user_id=julien_id,
                action="update",
                changes={},
                record={},
            )
        )
        db.commit()
        all_waiting = {s.id for s in waiting}
        own_id = own.id
    work = _work(work_app, julien, "cocof-julien")
    assert _groups(work) == ["committee"]
    review = _section(work, "committee", "review")
    assert set(_ids(review)) == all_waiting - {own_id}
    others = _section(_work(work_app, marc, "cocom-marc"), "committee", "review")
    assert set(_ids(others)) == all_waiting
    page = julien.get("/work").get_data(as_text=True)
    assert f'href="/services/{own_id}"' not in page


def test_a_member_sees_minutes_to_approve_and_what_is_assigned_to_their_authority(work_app):
    client = work_app.test_client()
    login(client, "cocof", "cocof-julien")
    now = utcnow()
    today = _today()
    with work_app.extensions["concerto.db"].session() as db:
        coming = db.scalars(
            select(Meeting)
            .where(Meeting.ends_at >= now, Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at, Meeting.id)
        ).all()
        next_per_body = {}
        for meeting in coming:
            next_per_body.setdefault(meeting.body_id, meeting)
        expected_minutes = {
            m.id
            for meeting in next_per_body.values()
            for m in meetings.minutes_to_approve(db, meeting)
        }
        # An action for COCOF agreed on an agenda item that also carries a decision, and the
        # decision of another item of the same minutes, which is not COCOF's.
        decision = db.scalar(
            select(Decision)
            .join(Minutes, Decision.minutes_id == Minutes.id)
            .where(Minutes.state == "approved")
            .order_by(Decision.id)
        )
        unrelated = db.scalars(
            select(Decision.id).where(
                Decision.minutes_id == decision.minutes_id, Decision.item_id != decision.item_id
            )
        ).all()
        db.add(
            ActionItem(
                meeting_id=decision.minutes.meeting_id,
                item_id=decision.item_id,
                title_en="Answer the decision",
                owner_name="Camille Dubois",
                authority_code="cocof",
                due_on=today - timedelta(days=3),
                status="open",
            )
        )
        db.commit()
        decision_id = decision.id
        assigned = {
            a.id
            for a in db.scalars(
                select(ActionItem).where(
                    ActionItem.authority_code == "cocof",
                    ActionItem.status.in_(("open", "in_progress")),
                )
            )
        }
    work = _work(work_app, client, "cocof-julien")
    minutes = _section(work, "committee", "minutes")
    assert set(_ids(minutes)) == expected_minutes
    section = _section(work, "committee", "assigned")
    assert set(_ids(section, "action_item")) == assigned
    flags = [i["overdue"] for i in section["items"] if i["kind"] == "action_item"]
    assert flags == sorted(flags, reverse=True)
    decisions = _ids(section, "decision")
    assert decision_id in decisions and not set(unrelated) & set(decisions)
    for item in section["items"]:
        if item["kind"] == "decision":
            assert item["url"] == f"/meetings/{item['meeting_id']}"


# --- secretary, organiser, administrator ----------------------------------------------------


def test_the_secretary_sees_what_each_meeting_lacks_and_overdue_actions_by_authority(work_app):
    client = work_app.test_client()
    login_as(client, work_app, "secretary")
    now = utcnow()
    today = _today()
    with work_app.extensions["concerto.db"].session() as db:
        coming = db.scalars(
            select(Meeting)
            .where(Meeting.ends_at >= now, Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(5)
        ).all()
        # A recent meeting without minutes: minutes to write.
        past = db.scalar(
            select(Meeting)
            .where(Meeting.ends_at < now, Meeting.starts_at >= now - timedelta(days=100))
            .order_by(Meeting.starts_at.desc())
        )
        db.execute(Minutes.__table__.delete().where(Minutes.meeting_id == past.id))
        coming[0].agenda_sent_at = None
        db.commit()
        coming_ids = [m.id for m in coming]
        past_id = past.id
        overdue = {
            a.id: a.authority_code
            for a in meetings.find_actions(db, meetings.ActionFilters(status="overdue"), today)
        }
    secret = api_token(work_app, SECRETARY[1])
    work = client.get("/api/v1/me/work", headers={"Authorization": f"Bearer {secret}"}).get_json()
    # The secretariat's person is a COCOM member too: both groups.
    assert {"committee", "secretariat", "studyday"} <= set(_groups(work))
    section = _section(work, "secretariat", "meetings")
    ids = _ids(section)
    assert past_id in ids and ids[-len(coming_ids) :] == coming_ids
    by_id = {item["id"]: item for item in section["items"]}
    assert by_id[past_id]["lacks"] == {"minutes": True}
    assert by_id[past_id]["url"] == f"/meetings/{past_id}/minutes"
    assert by_id[coming_ids[0]]["lacks"].get("agenda") is True
    late = _section(work, "secretariat", "overdue")
    assert {i["id"]: i["authority"] for i in late["items"]} == overdue
    authorities = [i["authority"] for i in late["items"]]
    assert authorities == sorted(authorities), "grouped by authority"
    page = client.get("/work").get_data(as_text=True)
    assert "minutes to write" in page and "agenda not sent" in page


def test_the_organiser_sees_registrations_to_confirm_waiting_lists_and_places(work_app):
    client = work_app.test_client()
    login_as(client, work_app, "secretary")
    today = _today()
    with work_app.extensions["concerto.db"].session() as db:
        day = db.scalar(
            select(StudyDay)
            .where(StudyDay.kind == "study_day", StudyDay.held_on >= today)
            .order_by(StudyDay.held_on)
        )
        registrations = db.scalars(
            select(Registration).where(Registration.study_day_id == day.id)
        ).all()
        to_confirm = {r.id for r in registrations if r.state in ("pending", "offered")}
        waiting = {r.id for r in registrations if r.state == "waiting"}
        places = studyday.places(db, day)["workshops"]
        event_id = day.id
    work = _work(work_app, client, SECRETARY[1])
    assert set(_ids(_section(work, "studyday", "to_confirm"))) == to_confirm
    assert set(_ids(_section(work, "studyday", "waiting"))) == waiting
    rows = _section(work, "studyday", "places")["items"]
    assert {row["id"] for row in rows} == set(places)
    for row in rows:
        figures = places[row["id"]]
        assert row["left"] == max(figures["capacity"] - figures["taken"], 0)
        assert row["waiting"] == figures["waiting"]
        assert row["url"] == f"/events/{event_id}"


def test_the_administrator_sees_failed_jobs_and_reports_and_people_without_a_role(work_app):
    client = work_app.test_client()
    login_as(client, work_app, "administrator")
    database = work_app.extensions["concerto.db"]
    record_run(database.engine, "core.send_agendas", RuntimeError("SMTP down"))
    record_run(database.engine, "core.deliver_mail", None)
    with database.session() as db:
        record_report_failure(db, "vlaams", "jaarverslag", "no figures")
        nobody = User(display_name="Zoë Zonder Rol")
        db.add(nobody)
        db.flush()
        db.add(
            Identity(
                user_id=nobody.id,
                authority_code="cocof",
                issuer="https://example.org",
                subject="zonder-rol",
                role_codes=[],
                access_roles=[],
            )
        )
        db.commit()
        nobody_id = nobody.id
    work = _work(work_app, client, "cocom-beheer")
    assert "administration" in _groups(work)
    assert _section(work, "administration", "plugins")["items"] == []
    jobs = _section(work, "administration", "jobs")["items"]
    assert [job["id"] for job in jobs] == ["core.send_agendas"]
    assert "SMTP down" in jobs[0]["reason"] and jobs[0]["title"] == "Sending agendas"
    reports = _section(work, "administration", "reports")["items"]
    assert [r["id"] for r in reports] == ["vlaams/jaarverslag"]
    people = _section(work, "administration", "people")["items"]
    assert nobody_id in _ids({"items": people})
    assert _user_id(work_app, "cocom-beheer") not in _ids({"items": people})
    page = client.get("/work").get_data(as_text=True)
    assert "Sending agendas" in page and "Zoë Zonder Rol" in page
    assert "No plugin failed." in page


def test_a_coordinator_who_is_also_the_secretary_sees_each_of_her_sections(work_app):
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    grant(work_app, "vlaams", "vlaams-lotte", "secretary")
    work = _work(work_app, client, "vlaams-lotte")
    assert _groups(work) == ["coordinator", "committee", "secretariat", "studyday"]
    page = client.get("/work").get_data(as_text=True)
    for group in ("coordinator", "committee", "secretariat", "studyday"):
        assert f'<h2 id="work-{group}">' in page


def test_a_viewer_is_told_nothing_waits(work_app):
    client = work_app.test_client()
    login(client, "vlaams", PEOPLE["vlaams"]["viewer"])
    assert _work(work_app, client, PEOPLE["vlaams"]["viewer"])["sections"] == []
    page = client.get("/work").get_data(as_text=True)
    assert "Nothing waits for you" in page


def test_anonymous_callers_are_refused(work_app):
    client = work_app.test_client()
    answer = client.get("/api/v1/me/work")
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert (
        client.get("/api/v1/me/work", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    page = client.get("/work")
    assert page.status_code == 302 and "/login" in page.location


# --- landing and the menu -------------------------------------------------------------------


def test_a_login_lands_on_my_work_and_the_menu_links_it(work_app):
    client = work_app.test_client()
    start = client.get("/auth/vlaams/login", query_string={"login_hint": "vlaams-lotte"})
    back = urlsplit(follow_provider(start.location))
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/work"
    page = client.get("/work").get_data(as_text=True)
    # Lotte reads Dutch, the language her authority gave at the login.
    assert '<a href="/work" aria-current="page">Mijn werk</a>' in page
    # A login started from a page goes back there; the public home page stays as it is.
    other = work_app.test_client()
    assert urlsplit(login(other, "vlaams", "vlaams-bram", next_url="/meetings").location).path == (
        "/meetings"
    )
    anonymous = work_app.test_client().get("/").get_data(as_text=True)
    assert 'href="/work"' not in anonymous


def test_the_page_speaks_the_readers_language(work_app):
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte", language="nl")
    page = client.get("/work").get_data(as_text=True)
    assert "Mijn werk" in page and "Ontwerpen en teruggestuurde diensten" in page
    client.get("/language/fr")
    page = client.get("/work").get_data(as_text=True)
    assert "Mon travail" in page
    secret = api_token(work_app, "vlaams-lotte")
    answer = client.get(
        "/api/v1/me/work",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "fr"},
    ).get_json()
    assert _section(answer, "coordinator", "drafts")["title"] == "Brouillons et services renvoyés"


def test_invitation_replies_keep_their_links(work_app):
    """The reply shown is the one stored for the person's invitation (not another's)."""
    client = work_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    with work_app.extensions["concerto.db"].session() as db:
        for meeting in db.scalars(select(Meeting).where(Meeting.ends_at >= utcnow())):
            if not meeting.cancelled:
                meetings.invite(db, meeting)
        invitation = db.scalar(
            select(Invitation)
            .join(Meeting, Invitation.meeting_id == Meeting.id)
            .join(Membership, Invitation.membership_id == Membership.id)
            .where(Meeting.ends_at >= utcnow(), Membership.name != "Lotte Peeters")
        )
        invitation.reply = "attend"
        db.commit()
    section = _section(_work(work_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"], "Lotte is invited by her address"
    assert all(item["reply"] is None for item in section["items"])


def test_the_meeting_my_work_names_lets_me_reply_and_no_other_authority_claims_it(work_app):
    """My work says Lotte has not replied; the meeting it links to lets her reply (her
    membership is found by the address her authority's provider gave her, as My work finds
    it); someone of another authority with the same address gets nothing."""
    lotte = work_app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    with work_app.extensions["concerto.db"].session() as db:
        meeting = db.scalar(
            select(Meeting)
            .where(Meeting.starts_at >= utcnow(), Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at)
        )
        meetings.invite(db, meeting)
        db.commit()
        meeting_id = meeting.id
    section = _section(_work(work_app, lotte, "vlaams-lotte"), "coordinator", "meetings")
    assert [(i["id"], i["reply"]) for i in section["items"]] == [(meeting_id, None)]
    page = lotte.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'action="/meetings/{meeting_id}/reply"' in page
    answered = lotte.post(
        f"/meetings/{meeting_id}/reply",
        data={"csrf_token": csrf_token(lotte, f"/meetings/{meeting_id}"), "reply": "attend"},
    )
    assert answered.status_code == 302
    section = _section(_work(work_app, lotte, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"][0]["reply"] == "attend"

    # A COCOF person whose provider says Lotte's address: not her membership.
    camille = work_app.test_client()
    login(camille, "cocof", "cocof-camille")
    with work_app.extensions["concerto.db"].session() as db:
        db.execute(
            update(User)
            .where(User.id == _user_id(work_app, "cocof-camille"))
            .values(email="lotte@vlaams.demo.invalid")
        )
        db.commit()
    refused = camille.post(
        f"/meetings/{meeting_id}/reply",
        data={"csrf_token": csrf_token(camille, f"/meetings/{meeting_id}"), "reply": "excused"},
    )
    assert refused.status_code == 403
    assert (
        _section(_work(work_app, camille, "cocof-camille"), "coordinator", "meetings")["items"]
        == []
    )


def test_every_scheduled_job_of_the_core_is_named_in_words():
    from core.scheduler import CORE_JOBS
    from core.work.words import JOB_LABELS

    assert {f"core.{job['id']}" for job in CORE_JOBS} == set(JOB_LABELS)
