"""Outside partners (issue 24, goal 5.2): the register (who keeps it, what it refuses, the
form keeping what was typed), a partner as a member of a body, as the owner of an action item
(told at the partner's address, in its language), counted apart in the attendance figures,
and the migration keeping every invitation and attendance row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from core.audit.services import acting_as
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    Attendance,
    Body,
    Meeting,
    Membership,
    Minutes,
)
from core.notifications.services import notify_pending
from core.partners.models import Partner
from core.permissions import system
from tests.forms import check_summary
from tests.logins import csrf_token, login_as


def _db(app):
    return app.extensions["concerto.db"].session()


def _client(app, who, language="en"):
    client = app.test_client()
    login_as(client, app, who)
    client.get(f"/language/{language}")
    client.csrf = csrf_token(client, "/partners")
    return client


def _partner(db, name_nl: str) -> Partner:
    return db.scalar(select(Partner).where(Partner.name_nl == name_nl))


NEW = {
    "name_nl": "Hogeschool Brussel",
    "name_fr": "",
    "kind": "university",
    "contact_name": "Ann Peeters",
    "email": "ann.peeters@example.be",
    "language": "nl",
    "notes": "Stages in de gevangenis.",
}


def test_a_coordinator_adds_and_changes_a_partner_that_everyone_logged_in_reads(any_app):
    lotte = _client(any_app, ("vlaams", "coordinator"))
    response = lotte.post("/partners/new", data={"csrf_token": lotte.csrf, **NEW})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with _db(any_app) as db:
        added = _partner(db, "Hogeschool Brussel")
        assert (added.kind, added.contact_name, added.language) == (
            "university",
            "Ann Peeters",
            "nl",
        )
        assert added.name_fr is None  # one name is enough
        partner_id, version = added.id, added.version
    secretariat = _client(any_app, "secretary")
    changed = secretariat.post(
        f"/partners/{partner_id}/edit",
        data={"csrf_token": secretariat.csrf, **NEW, "name_fr": "Haute école de Bruxelles"}
        | {"version": version, "language": "fr"},
    )
    assert changed.status_code == 302
    reader = _client(any_app, ("cocof", "viewer"), "fr")
    page = reader.get("/partners").get_data(as_text=True)
    assert "Haute école de Bruxelles" in page
    assert "université ou haute école" in page  # the kind in words, in the reader's language
    assert "ann.peeters@example.be" in page
    assert "/partners/new" not in page, "a viewer is not offered to add"
    for path in ("/partners/new", f"/partners/{partner_id}/edit"):
        assert reader.get(path).status_code == 403
    refused = reader.post(
        "/partners/new", data={"csrf_token": reader.csrf, **NEW} | {"name_nl": "X"}
    )
    assert refused.status_code == 403
    with _db(any_app) as db:
        assert _partner(db, "X") is None
    anonymous = any_app.test_client().get("/partners")
    assert anonymous.status_code == 302 and "login" in anonymous.headers["Location"]


def test_a_refused_partner_keeps_what_was_typed_and_says_why_at_each_field(any_app):
    client = _client(any_app, "secretary", "fr")
    typed = {
        "name_nl": "",
        "name_fr": "",
        "kind": "",
        "contact_name": "Jeanne Martin",
        "email": "jeanne.martin@",
        "language": "fr",
        "notes": "Permanence le mardi.",
    }
    response = client.post("/partners/new", data={"csrf_token": client.csrf, **typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = check_summary(html)
    linked = {href for href, _text in page.links}
    assert linked == {"#f-name_nl", "#f-kind", "#f-email"}
    assert "Donnez le nom du partenaire en néerlandais ou en français." in html
    assert page.values["contact_name"] == ["Jeanne Martin"]
    assert page.values["email"] == ["jeanne.martin@"]
    assert "Permanence le mardi." in html
    duplicate = client.post(
        "/partners/new",
        data={"csrf_token": client.csrf, **NEW, "name_nl": "OCMW Brussel"},
    )
    assert duplicate.status_code == 422
    assert "#f-name_nl" in {
        href for href, _t in check_summary(duplicate.get_data(as_text=True)).links
    }
    with _db(any_app) as db:
        assert (
            db.scalar(
                select(func.count()).select_from(Partner).where(Partner.name_nl == "OCMW Brussel")
            )
            == 1
        )
        assert db.scalar(select(Partner).where(Partner.contact_name == "Jeanne Martin")) is None


def test_a_partner_sits_in_a_body_through_its_contact_person(any_app):
    client = _client(any_app, "secretary")
    with _db(any_app) as db:
        vdab = _partner(db, "VDAB Brussel")
        body = db.scalar(select(Body).where(Body.code == "stuurgroep"))
        vdab_id, body_id = vdab.id, body.id
    form = client.get(f"/bodies/{body_id}/members/new").get_data(as_text=True)
    assert 'label="Outside partners"' in form and f'value="partner:{vdab_id}"' in form
    response = client.post(
        f"/bodies/{body_id}/members/new",
        data={
            "csrf_token": client.csrf,
            "name": "",
            "email": "",
            "language": "fr",
            "role": "member",
            "authority": f"partner:{vdab_id}",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with _db(any_app) as db:
        member = db.scalar(select(Membership).where(Membership.partner_id == vdab_id))
        assert member.authority_code is None
        # The contact person, at the partner's address and in its language.
        assert (member.name, member.email, member.language) == (
            "An Wouters",
            "an.wouters@vdab.demo.invalid",
            "nl",
        )
    page = client.get(f"/bodies/{body_id}").get_data(as_text=True)
    assert "An Wouters" in page and "VDAB Brussel" in page
    # Both at once, or neither, is refused at the field, and nothing is stored.
    with _db(any_app) as db, pytest.raises(meetings.Invalid) as both:
        meetings.add_membership(
            db,
            db.get(Body, body_id),
            {"name": "X", "role": "member", "starts_on": "2026-01-01"}
            | {"authority": "vlaams", "partner": str(vdab_id)},
        )
    assert both.value.errors == {"authority": "one_of"}
    missing = client.post(
        f"/bodies/{body_id}/members/new",
        data={"csrf_token": client.csrf, "name": "Nobody", "role": "member"}
        | {"authority": "partner:999999", "starts_on": "2026-01-01", "language": "nl"},
    )
    assert missing.status_code == 422
    assert "#f-authority" in {
        href for href, _t in check_summary(missing.get_data(as_text=True)).links
    }


def test_an_action_owned_by_a_partner_is_told_at_its_address_in_its_language(any_app):
    with any_app.app_context(), _db(any_app) as db:
        notify_pending(db, limit=100_000)  # what the demo left
        start = db.scalar(select(func.max(OutboxMessage.id))) or 0
    client = _client(any_app, "secretary")
    with _db(any_app) as db:
        actiris = db.scalar(select(Partner).where(Partner.name_nl == "Actiris"))
        vub = _partner(db, "Vrije Universiteit Brussel, vakgroep criminologie")
        minutes = db.scalar(select(Minutes).where(Minutes.state == "draft").order_by(Minutes.id))
        meeting_id, version = minutes.meeting_id, minutes.version
        actiris_id, vub_id = actiris.id, vub.id
    editor = client.get(f"/meetings/{meeting_id}/minutes").get_data(as_text=True)
    assert f'value="partner:{actiris_id}"' in editor
    response = client.post(
        f"/meetings/{meeting_id}/minutes",
        data={
            "csrf_token": client.csrf,
            "version": version,
            "intent": "action",
            "action_title_fr": "Présenter les offres d'emploi aux services",
            "action_authority": f"partner:{actiris_id}",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    secretariat = system("job", "secretariat")
    with any_app.app_context(), _db(any_app) as db, acting_as(secretariat):
        drafted = db.get(Minutes, minutes.id)
        meetings.add_action(
            db,
            drafted,
            {
                "title_nl": "Onderzoeksvoorstel bezorgen",
                "owner_name": "Prof. Jan Claes",
                "owner_email": "jan.claes@example.be",
                "authority": f"partner:{vub_id}",
            },
        )
    with any_app.app_context(), _db(any_app) as db:
        notify_pending(db, limit=100_000)
        told = sorted(
            (m.kind, m.recipient, m.language)
            for m in db.scalars(select(OutboxMessage).where(OutboxMessage.id > start))
        )
        owned = db.scalar(select(ActionItem).where(ActionItem.partner_id == actiris_id))
        assert (owned.owner_name, owned.authority_code) == ("Youssef Benali", None)
    assert told == [
        ("action_assigned", "jan.claes@example.be", "nl"),  # another person named: VUB's language
        ("action_assigned", "youssef.benali@actiris.demo.invalid", "fr"),
    ]
    register = client.get("/actions").get_data(as_text=True)
    assert "Youssef Benali" in register and "Actiris" in register
    action_page = client.get(f"/actions/{owned.id}").get_data(as_text=True)
    assert "Youssef Benali (Actiris)" in action_page


def test_partners_are_counted_apart_in_the_attendance_figures(any_app):
    client = _client(any_app, ("vlaams", "viewer"))
    with _db(any_app) as db:
        body = db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))
        ocmw = _partner(db, "OCMW Brussel")
        held = db.scalar(
            select(Meeting)
            .join(Minutes, Minutes.meeting_id == Meeting.id)
            .where(Meeting.body_id == body.id)
        )
        year = meetings.in_brussels(held.starts_at).year
        row = db.scalar(select(Attendance).where(Attendance.partner_id == ocmw.id))
        assert row is not None and row.presence == "present", "the demo's partner attended"
        by_authority = meetings.attendance_by_authority(db, body.id, year)
        by_partner = meetings.attendance_by_partner(db, body.id, year)
        body_id = body.id
        ocmw_id = ocmw.id
    assert None not in by_authority
    assert by_partner == {ocmw_id: {"present": 1, "excused": 0, "absent": 0, "meetings": 1}}
    assert sum(c["present"] for c in by_authority.values()) >= 1
    page = client.get(f"/bodies/{body_id}/attendance?year={year}").get_data(as_text=True)
    apart = page.split('id="partners"', 1)
    assert len(apart) == 2, "the partners have a table of their own"
    assert "OCMW Brussel" in apart[1] and "OCMW Brussel" not in apart[0]
    assert "Attendance of outside partners in" in apart[1]
    minutes_page = client.get(f"/meetings/{held.id}").get_data(as_text=True)
    assert "OCMW Brussel" in minutes_page


def test_the_migration_keeps_every_invitation_and_attendance_row_of_the_authorities(any_app):
    """On SQLite the members' table is rebuilt both ways: dropping the old one would take
    every invitation along and unlink the attendance, unless they are put back."""
    from core.db import CORE_HISTORY, downgrade, upgrade

    engine = any_app.extensions["concerto.db"].engine
    authorities_only = {
        "invitations": "SELECT count(*) FROM invitations WHERE membership_id IN "
        "(SELECT id FROM memberships WHERE partner_id IS NULL)",
        "linked attendance": "SELECT count(*) FROM attendance "
        "WHERE membership_id IS NOT NULL AND partner_id IS NULL",
        "memberships": "SELECT count(*) FROM memberships WHERE partner_id IS NULL",
        "actions": "SELECT count(*) FROM action_items WHERE partner_id IS NULL",
        "remarks linked": "SELECT count(*) FROM minutes_remarks WHERE membership_id IS NOT NULL",
    }

    def counts(queries) -> dict[str, int]:
        with engine.connect() as connection:
            return {key: connection.execute(text(sql)).scalar() for key, sql in queries.items()}

    before = counts(authorities_only)
    assert min(before.values()) > 0, before
    with _db(any_app) as db:
        assert db.scalar(select(func.count()).where(Membership.partner_id.is_not(None))) > 0
    downgrade(engine, CORE_HISTORY, "0029")
    # Back before partners: what acted for one went with the register, the rest stayed.
    old = {key: sql.replace(" AND partner_id IS NULL", "") for key, sql in authorities_only.items()}
    old = {key: sql.replace(" WHERE partner_id IS NULL", "") for key, sql in old.items()}
    old["invitations"] = "SELECT count(*) FROM invitations"
    assert counts(old) == before
    upgrade(engine, CORE_HISTORY)
    assert counts(authorities_only) == before
    with _db(any_app) as db:
        assert db.scalar(select(func.count()).select_from(Partner)) == 0
        assert db.scalar(select(func.count()).where(Membership.authority_code.is_(None))) == 0


def test_a_plan_step_involves_partners_by_name(any_app):
    from core.goals.models import Goal, Plan, PlanAction

    client = _client(any_app, "secretary", "fr")
    with _db(any_app) as db:
        step = db.scalar(
            select(PlanAction)
            .join(Goal, PlanAction.goal_id == Goal.id)
            .join(Plan, Goal.plan_id == Plan.id)
            .where(Plan.code == "brussels_2014_2019", PlanAction.parent_id.is_not(None))
            .order_by(PlanAction.id)
        )
        justice = _partner(db, "Justitiehuis Brussel")
        step_id, goal_id, version = step.id, step.goal_id, step.version
        justice_id = justice.id
        words = list(step.involved)
    form = client.get(f"/plan-actions/{step_id}").get_data(as_text=True)
    assert "Maison de justice de Bruxelles" in form
    response = client.post(
        f"/plan-actions/{step_id}",
        data={
            "csrf_token": client.csrf,
            "version": version,
            "involved": "; ".join(words + ["Vormingplus"]),
            "involved_partners_shown": "1",
            "involved_partners": [str(justice_id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with _db(any_app) as db:
        saved = db.get(PlanAction, step_id).involved
    assert saved == [*words, "Vormingplus", f"partner:{justice_id}"]
    page = client.get(f"/goals/{goal_id}").get_data(as_text=True)
    assert "Maison de justice de Bruxelles" in page
    assert f"partner:{justice_id}" not in page, "a partner is named, never coded"
    wrong = client.post(
        f"/plan-actions/{step_id}",
        data={
            "csrf_token": client.csrf,
            "version": version + 1,
            "involved": "Vormingplus",
            "involved_partners_shown": "1",
            "involved_partners": ["999999"],
        },
    )
    assert wrong.status_code == 422
    refused = check_summary(wrong.get_data(as_text=True))
    assert "#f-involved_partners" in {href for href, _t in refused.links}
    assert refused.values["involved"] == ["Vormingplus"]
    with _db(any_app) as db:
        assert db.get(PlanAction, step_id).involved == saved
