"""My work (issue 21) of a coordinator, on SQLite and PostgreSQL: only her authority's drafts,
returned and waiting services; reported errors and services to confirm once asked; draft
minutes waiting for the remarks of those present; her actions, overdue first with their
terms; her next meetings with her reply; another person's membership is not hers. The
committee's and the secretariat's sections are in test_work_committee.py, the landing and the
menu in test_work_landing.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.clock import utcnow
from core.goals import services as plans
from core.goals.models import Goal, Plan, PlanAction
from core.identity.models import User
from core.inventory.models import Service
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Meeting,
    Membership,
)
from tests.logins import PEOPLE, login
from tests.work_sections import _groups, _ids, _section, _today, _user_id, _work

# --- coordinator ----------------------------------------------------------------------------


def test_a_coordinator_sees_only_her_authoritys_drafts_returned_and_waiting_services(any_app):
    client = any_app.test_client()
    with any_app.extensions["concerto.db"].session() as db:
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
    work = _work(any_app, client, "vlaams-lotte", ["coordinator"])
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


def test_a_coordinator_sees_reported_errors_and_the_services_to_confirm_once_asked(any_app):
    from core.inventory import error_reports, verification
    from core.permissions import ANONYMOUS

    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    work = _work(any_app, client, "vlaams-lotte")
    reports = _section(work, "coordinator", "reports")
    assert not any(s["key"] == "to_confirm" for s in work["sections"]), "not before the request"
    year = _today().year
    with any_app.app_context(), any_app.extensions["concerto.db"].session() as db:
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
    work = _work(any_app, client, "vlaams-lotte")
    reported = _section(work, "coordinator", "reports")
    assert _ids(reported) == _ids(reports) + [report_id], "her authority's only, the newest last"
    item = next(i for i in reported["items"] if i["id"] == report_id)
    assert item["text"] == "Verhuisd naar blok B." and item["url"].endswith(f"#r{report_id}")
    assert set(_ids(_section(work, "coordinator", "to_confirm"))) == waiting and waiting
    page = client.get("/work").get_data(as_text=True)
    assert "Verhuisd naar blok B." in page and "Pas le bon numéro." not in page


def test_those_present_find_the_draft_minutes_waiting_for_their_remarks(any_app):
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    login(any_app.test_client(), "federatie_wb", "federatie_wb-sarah")
    work = _work(any_app, client, "vlaams-lotte")
    asked = _section(work, "coordinator", "remarks")  # her first group: she coordinates
    with any_app.extensions["concerto.db"].session() as db:
        from core.meetings.models import Minutes, RemarkRound

        out = db.scalar(select(Minutes.id).join(RemarkRound).where(Minutes.state == "draft"))
    assert _ids(asked, "remarks") == [out], "the demo's round, where she was present"
    item = asked["items"][0]
    assert item["url"] == f"/minutes/{out}/remarks" and item["remarks_left"] == 1
    assert item["closes_on"] >= _today().isoformat()
    # Someone who was not present is not asked (and a viewer's work has no such section).
    sarah = _work(any_app, any_app.test_client(), "federatie_wb-sarah")
    assert not any(s["key"] == "remarks" and s["items"] for s in sarah["sections"])


def test_a_coordinators_actions_come_overdue_first_with_their_terms(any_app):
    client = any_app.test_client()
    today = _today()
    with any_app.extensions["concerto.db"].session() as db:
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
            any_app.config["CONCERTO"]["action_statuses"],
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
    section = _section(_work(any_app, client, "vlaams-lotte"), "coordinator", "actions")
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


def test_a_coordinator_sees_her_next_meetings_with_her_reply(any_app):
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    user_id = _user_id(any_app, "vlaams-lotte")
    with any_app.extensions["concerto.db"].session() as db:
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
    section = _section(_work(any_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert _ids(section) == expected
    replies = {item["id"]: item["reply"] for item in section["items"]}
    assert replies[first] == "excused"
    page = client.get("/work").get_data(as_text=True)
    assert "you are excused" in page


def test_another_persons_membership_is_not_mine(any_app):
    client = any_app.test_client()
    login(client, "vlaams", "vlaams-lotte")
    with any_app.extensions["concerto.db"].session() as db:
        # Lotte's membership linked to someone else's account: no longer hers by address.
        other = db.scalar(select(User.id).where(User.id != _user_id(any_app, "vlaams-lotte")))
        if other is None:
            other_user = User(display_name="Someone else")
            db.add(other_user)
            db.flush()
            other = other_user.id
        db.execute(
            update(Membership).where(Membership.name == "Lotte Peeters").values(user_id=other)
        )
        db.commit()
    section = _section(_work(any_app, client, "vlaams-lotte"), "coordinator", "meetings")
    assert section["items"] == [] and section["count"] == 0
    assert "You are not invited to any coming meeting." in client.get("/work").get_data(
        as_text=True
    )
