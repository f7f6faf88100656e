"""My work (issue 21) of the committee and those who run it, on SQLite and PostgreSQL: a member
never sees their own edit to review and sees minutes to approve and what is assigned to their
authority; the secretary sees what each meeting lacks and overdue actions by authority; the
organiser, registrations to confirm, waiting lists and places; the administrator, failed jobs
and reports and people without a role; a person with several roles sees each of their
sections, a viewer is told nothing waits, and anonymous callers are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.identity.models import Identity, User
from core.inventory.models import Service, ServiceVersion
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Decision,
    Meeting,
    Minutes,
)
from core.reports.services import _record as record_report_failure
from core.scheduler import record_run
from core.studyday import services as studyday
from core.studyday.models import Registration, StudyDay
from tests.logins import PEOPLE, SECRETARY, api_token, grant, login, login_as
from tests.work_sections import _groups, _ids, _section, _today, _user_id, _work

# --- committee member -----------------------------------------------------------------------


def test_a_member_never_sees_their_own_edit_to_review(any_app):
    julien, marc = any_app.test_client(), any_app.test_client()
    login(julien, "cocof", "cocof-julien")
    login(marc, "cocom", "cocom-marc")
    julien_id = _user_id(any_app, "cocof-julien")
    with any_app.extensions["concerto.db"].session() as db:
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
    work = _work(any_app, julien, "cocof-julien")
    assert _groups(work) == ["committee"]
    review = _section(work, "committee", "review")
    assert set(_ids(review)) == all_waiting - {own_id}
    others = _section(_work(any_app, marc, "cocom-marc"), "committee", "review")
    assert set(_ids(others)) == all_waiting
    page = julien.get("/work").get_data(as_text=True)
    assert f'href="/services/{own_id}"' not in page


def test_a_member_sees_minutes_to_approve_and_what_is_assigned_to_their_authority(any_app):
    client = any_app.test_client()
    login(client, "cocof", "cocof-julien")
    now = utcnow()
    today = _today()
    with any_app.extensions["concerto.db"].session() as db:
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
    work = _work(any_app, client, "cocof-julien")
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


def test_the_secretary_sees_what_each_meeting_lacks_and_overdue_actions_by_authority(any_app):
    client = any_app.test_client()
    login_as(client, any_app, "secretary")
    now = utcnow()
    today = _today()
    with any_app.extensions["concerto.db"].session() as db:
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
    secret = api_token(any_app, SECRETARY[1])
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


def test_the_organiser_sees_registrations_to_confirm_waiting_lists_and_places(any_app):
    client = any_app.test_client()
    login_as(client, any_app, "secretary")
    today = _today()
    with any_app.extensions["concerto.db"].session() as db:
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
    work = _work(any_app, client, SECRETARY[1])
    assert set(_ids(_section(work, "studyday", "to_confirm"))) == to_confirm
    assert set(_ids(_section(work, "studyday", "waiting"))) == waiting
    rows = _section(work, "studyday", "places")["items"]
    assert {row["id"] for row in rows} == set(places)
    for row in rows:
        figures = places[row["id"]]
        assert row["left"] == max(figures["capacity"] - figures["taken"], 0)
        assert row["waiting"] == figures["waiting"]
        assert row["url"] == f"/events/{event_id}"


def test_the_administrator_sees_failed_jobs_and_reports_and_people_without_a_role(any_app):
    client = any_app.test_client()
    login_as(client, any_app, "administrator")
    database = any_app.extensions["concerto.db"]
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
    work = _work(any_app, client, "cocom-beheer")
    assert "administration" in _groups(work)
    assert _section(work, "administration", "plugins")["items"] == []
    jobs = _section(work, "administration", "jobs")["items"]
    assert [job["id"] for job in jobs] == ["core.send_agendas"]
    assert "SMTP down" in jobs[0]["reason"] and jobs[0]["title"] == "Sending agendas"
    reports = _section(work, "administration", "reports")["items"]
    assert [r["id"] for r in reports] == ["vlaams/jaarverslag"]
    people = _section(work, "administration", "people")["items"]
    assert nobody_id in _ids({"items": people})
    assert _user_id(any_app, "cocom-beheer") not in _ids({"items": people})
    page = client.get("/work").get_data(as_text=True)
    assert "Sending agendas" in page and "Zoë Zonder Rol" in page
    assert "No plugin failed." in page


def test_a_coordinator_who_is_also_the_secretary_sees_each_of_her_sections(any_app):
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    grant(any_app, "vlaams", "vlaams-lotte", "secretary")
    work = _work(any_app, client, "vlaams-lotte")
    assert _groups(work) == ["coordinator", "committee", "secretariat", "studyday"]
    page = client.get("/work").get_data(as_text=True)
    for group in ("coordinator", "committee", "secretariat", "studyday"):
        assert f'<h2 id="work-{group}">' in page


def test_a_viewer_is_told_nothing_waits(any_app):
    client = any_app.test_client()
    login(client, "vlaams", PEOPLE["vlaams"]["viewer"])
    assert _work(any_app, client, PEOPLE["vlaams"]["viewer"])["sections"] == []
    page = client.get("/work").get_data(as_text=True)
    assert "Nothing waits for you" in page


def test_anonymous_callers_are_refused(any_app):
    client = any_app.test_client()
    answer = client.get("/api/v1/me/work")
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert (
        client.get("/api/v1/me/work", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    page = client.get("/work")
    assert page.status_code == 302 and "/login" in page.location
