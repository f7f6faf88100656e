"""The authorization matrix: every write route of the platform, by every role, on the
person's own authority and on another's, through pages and through the API with a token.
Only what the rules allow succeeds, and what is refused leaves the data as it was.

Later features add their write routes to ``WRITES``; the matrix grows with them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.clock import today as brussels_today
from core.goals.models import (
    AnnualPlan,
    AnnualPlanItem,
    Evaluation,
    Goal,
    GoalLink,
    Indicator,
    IndicatorValue,
    Plan,
    PlanAction,
)
from core.identity.models import ApiToken, Identity, PlatformRole
from core.identity.services import create_token
from core.inventory.models import Need, Organization, Service, Snapshot
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    AgendaItem,
    Body,
    Decision,
    Meeting,
    Membership,
    Minutes,
    Remark,
    RemarkRound,
)
from core.reference.models import Authority
from core.signals.models import Signal
from core.studyday.models import Registration, StudyDay, Workshop, WorkshopReport
from tests.conftest import FIVE, make_app
from tests.logins import PEOPLE, csrf_token, login_as


@dataclass(frozen=True)
class Who:
    label: str  # also the host name of the website each person writes, so it is a slug
    login: object  # what tests.logins.login_as takes; None for an anonymous visitor
    authority: str | None
    roles: frozenset[str]

    @property
    def other(self) -> str:
        return next(code for code in FIVE if code != (self.authority or "cocom"))


EVERYONE = [
    Who("anonymous", None, None, frozenset()),
    *[
        Who(f"{code}-{role}", (code, role), code, frozenset({role}))
        for code in FIVE
        for role in ("coordinator", "member", "viewer")
    ],
    # Seed 000's network managers read the platform and review their own province's
    # placement sites: no Flemish coordinator's right comes with the role.
    Who(
        "vlaams-network-manager",
        ("vlaams", "network_manager"),
        "vlaams",
        frozenset({"viewer", "netwerkbeheerder_brussel"}),
    ),
    Who(
        "vlaams-network-manager-antwerpen",
        ("vlaams", "network_manager_antwerpen"),
        "vlaams",
        frozenset({"viewer", "netwerkbeheerder_antwerpen"}),
    ),
    Who("secretary", "secretary", "cocom", frozenset({"member", "secretary"})),
    Who("administrator", "administrator", "cocom", frozenset({"member", "administrator"})),
]


@dataclass(frozen=True)
class Write:
    name: str
    allowed: Callable[[Who], bool]
    attempt: Callable  # (client, app, who, csrf) -> response
    changed: Callable  # (app, who) -> bool, whether the write took effect


def _profile_website(app, code: str) -> str | None:
    with app.extensions["concerto.db"].session() as db:
        return db.get(Authority, code).website


def _edit_profile(target: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        code = target(who)
        with app.extensions["concerto.db"].session() as db:
            version = db.get(Authority, code).version
        return client.post(
            f"/authorities/{code}/edit",
            data={"csrf_token": csrf, "version": version, "website": f"https://{who.label}.be"}
            | {name: "" for name in ("contact_email", "description_nl", "description_fr")},
        )

    return attempt


def _patch_profile(target: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        code = target(who)
        token = getattr(client, "api_token", None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        current = client.get(f"/api/v1/authorities/{code}")
        headers["If-Match"] = current.headers["ETag"]
        return client.patch(
            f"/api/v1/authorities/{code}",
            json={"website": f"https://api-{who.label}.be"},
            headers=headers,
        )

    return attempt


def _website_is(prefix: str, target: Callable[[Who], str]):
    def changed(app, who):
        return _profile_website(app, target(who)) == f"https://{prefix}{who.label}.be"

    return changed


def _own(who: Who) -> str:
    return who.authority or "cocom"


def _other(who: Who) -> str:
    return who.other


def _is_coordinator(who: Who) -> bool:
    return "coordinator" in who.roles


def _grant_self_secretary(client, app, who, csrf):
    user_id = getattr(client, "user_id", None) or 1
    return client.post(
        f"/admin/users/{user_id}/roles",
        data={"csrf_token": csrf, "role": "secretary", "grant": "1"},
    )


def _self_is_secretary(app, who):
    if who.login is None or "secretary" in who.roles:
        return False
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(PlatformRole).where(PlatformRole.role == "secretary")) is not None


def _create_token(client, app, who, csrf):
    return client.post(
        "/account/tokens",
        data={
            "csrf_token": csrf,
            "name": "matrix",
            # Tokens carry platform roles (not platform-wide ones, nor an authority's own codes).
            "roles": sorted(who.roles & {"coordinator", "member", "viewer"}) or ["viewer"],
            "expires_days": "5",
        },
    )


def _token_exists(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(ApiToken).where(ApiToken.name == "matrix")) is not None


def _make_feed_address(client, app, who, csrf):
    return client.post("/account/feed", data={"csrf_token": csrf})


def _feed_address_exists(app, who):
    from core.feeds.models import FeedToken

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(FeedToken)) > 0


FIRST_SERVICE = {
    "cocom": "CC-01",
    "vlaams": "VG-01",
    "federatie_wb": "FW-01",
    "cocof": "CF-01",
    "justitie": "JU-01",
}
# Edited on the page, so the API's edit of the first one does not count for it.
SECOND_SERVICE = {code: external_id[:-1] + "2" for code, external_id in FIRST_SERVICE.items()}


def _service(app, authority: str, external_id: str | None = None) -> Service:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(Service).where(
                Service.authority_code == authority,
                Service.external_id == (external_id or FIRST_SERVICE[authority]),
            )
        )


def _patch_service(target: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        service = _service(app, target(who))
        token = getattr(client, "api_token", None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.patch(
            f"/api/v1/services/{service.id}",
            json={"name_en": f"edited by {who.label}"},
            headers=headers | {"If-Match": f'"{service.version}"'},
        )

    return attempt


def _post_service_edit(target: Callable[[Who], str], services: dict[str, str] = FIRST_SERVICE):
    def attempt(client, app, who, csrf):
        service = _service(app, target(who), services[target(who)])
        with app.extensions["concerto.db"].session() as db:
            locations = db.get(Service, service.id).locations
            # The whole form as the edit page sends it, with its places per prison.
            places = {
                key: value
                for location in locations
                for key, value in {
                    f"loc_{location.prison_code}": "1",
                    f"loc_{location.prison_code}_schedule": location.schedule or "",
                    f"loc_{location.prison_code}_places": location.places or "",
                }.items()
            }
        return client.post(
            f"/services/{service.id}/edit",
            data={
                "csrf_token": csrf,
                "version": service.version,
                "category": service.category,
                "name_nl": service.name_nl,
                "name_fr": service.name_fr,
                "name_en": f"edited by {who.label}",
                "delivery": service.delivery,
                "setting": service.setting,
                "access": service.access,
                "target_groups": service.target_groups,
                "languages": service.languages,
                **places,
            },
        )

    return attempt


def _service_edited(target: Callable[[Who], str], services: dict[str, str] = FIRST_SERVICE):
    def changed(app, who):
        service = _service(app, target(who), services[target(who)])
        return (service.pending or {}).get("name_en") == f"edited by {who.label}"

    return changed


def _approve_waiting(client, app, who, csrf):
    service = _service(app, "vlaams", "VG-21")
    return client.post(f"/services/{service.id}/approve", data={"csrf_token": csrf})


def _waiting_was_approved(app, who):
    return _service(app, "vlaams", "VG-21").state == "published"


def _freeze(client, app, who, csrf):
    return client.post("/snapshots", data={"csrf_token": csrf, "year": "2030"})


def _frozen(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Snapshot).where(Snapshot.year == 2030)) is not None


def _create_service(client, app, who, csrf):
    category = app.extensions["concerto.registry"].authorities[_own(who)].vocabulary[0].code
    return client.post(
        "/services/new",
        data={
            "csrf_token": csrf,
            "external_id": f"M-{who.label}",
            "category": category,
            "name_nl": "Matrix",
            "delivery": "group",
            "setting": "inside",
            "access": "on_request",
        },
    )


def _service_created(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service).where(Service.external_id == f"M-{who.label}")) is not None


def _signal_need(client, app, who, csrf):
    return client.post(
        "/needs/new",
        data={
            "csrf_token": csrf,
            "prison": "haren",
            "domain": "sport",
            "description_nl": f"need of {who.label}",
        },
    )


def _need_signalled(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Need).where(Need.description_nl == f"need of {who.label}")) is not None
        )


def _close_cocom_need(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        need = db.scalar(select(Need).where(Need.authority_code == "cocom").order_by(Need.id))
    return client.post(
        f"/needs/{need.id}",
        data={
            "csrf_token": csrf,
            "prison": need.prison_code,
            "domain": need.domain_code,
            "description_nl": need.description_nl,
            "status": "closed",
        },
    )


def _cocom_need_closed(app, who):
    with app.extensions["concerto.db"].session() as db:
        need = db.scalar(select(Need).where(Need.authority_code == "cocom").order_by(Need.id))
        return need.status == "closed"


def _add_organization(client, app, who, csrf):
    return client.post(
        "/organizations/new",
        data={"csrf_token": csrf, "external_id": f"ORG-{who.label}", "name": f"Org {who.label}"},
    )


def _organization_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Organization).where(Organization.name == f"Org {who.label}"))
            is not None
        )


def _rename_other_organization(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        other = db.scalar(
            select(Organization)
            .where(Organization.authority_code != _own(who))
            .order_by(Organization.id)
        )
    return client.post(
        f"/organizations/{other.id}/edit",
        data={"csrf_token": csrf, "name": f"renamed by {who.label}"},
    )


def _other_organization_renamed(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Organization).where(Organization.name == f"renamed by {who.label}"))
            is not None
        )


def _is_secretariat(who: Who) -> bool:
    return bool(who.roles & {"secretary", "administrator"})


def _committee_body(app):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Body).where(Body.code == "overlegcomite"))


def _plan_meeting(client, app, who, csrf):
    return client.post(
        f"/bodies/{_committee_body(app).id}/meetings/new",
        data={
            "csrf_token": csrf,
            "date": "2031-05-06",
            "start_time": "10:00",
            "duration_minutes": "60",
            "place_kind": "office",
            "place_text": f"room of {who.label}",
        },
    )


def _meeting_planned(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Meeting).where(Meeting.place_text == f"room of {who.label}"))
            is not None
        )


def _create_body(client, app, who, csrf):
    return client.post(
        "/bodies/new",
        data={
            "csrf_token": csrf,
            "owner": "",  # the committee
            "code": "matrix_group",
            "kind": "working_group",
            "name_nl": f"groep {who.label}",
            "name_fr": f"groupe {who.label}",
        },
    )


def _body_created(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Body).where(Body.code == "matrix_group")) is not None


# Bodies owned by an authority (issue 24): the Flemish plugin ships the Gemengde Commissie;
# its coordinators keep it and what is under it, nobody else (not the secretariat).
FLEMISH_BODY = "vlaams_gemengde_commissie"


def _is_flemish_coordinator(who: Who) -> bool:
    return "coordinator" in who.roles and who.authority == "vlaams"


def _flemish_body(app) -> Body:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Body).where(Body.code == FLEMISH_BODY))


def _flemish_meeting(app) -> Meeting:
    """A planned meeting of the Gemengde Commissie (the shipped data holds none)."""
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == FLEMISH_BODY))
        found = db.scalar(select(Meeting).where(Meeting.body_id == body.id))
        if found is None:
            found, _clashes = meetings.create_meeting(
                db,
                body,
                {
                    "date": "2031-09-09",
                    "start_time": "10:00",
                    "duration_minutes": "90",
                    "place_kind": "office",
                    "place_text": "Brussel",
                },
            )
            db.commit()
        return found


def _create_own_body(client, app, who, csrf):
    return client.post(
        "/bodies/new",
        data={
            "csrf_token": csrf,
            "owner": _own(who),
            "code": "own_matrix_group",
            "kind": "working_group",
            "name_nl": f"eigen groep {who.label}",
        },
    )


def _own_body_created(app, who):
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == "own_matrix_group"))
        return body is not None and body.authority_code == _own(who)


def _edit_flemish_body(client, app, who, csrf):
    return client.post(
        f"/bodies/{_flemish_body(app).id}/edit",
        data={"csrf_token": csrf, "kind": "committee", "name_nl": f"commissie {who.label}"},
    )


def _flemish_body_renamed(app, who):
    return _flemish_body(app).name_nl == f"commissie {who.label}"


def _add_flemish_member(client, app, who, csrf):
    return client.post(
        f"/bodies/{_flemish_body(app).id}/members/new",
        data={
            "csrf_token": csrf,
            "name": f"lid {who.label}",
            "role": "member",
            "authority": "vlaams",
            "language": "nl",
            "starts_on": "2026-01-01",
        },
    )


def _flemish_member_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Membership).where(Membership.name == f"lid {who.label}")) is not None
        )


def _plan_flemish_meeting(prefix: str):
    def attempt(client, app, who, csrf):
        values = {
            "date": "2031-05-13",
            "start_time": "10:00",
            "duration_minutes": "60",
            "place_kind": "office",
            "place_text": f"{prefix} flemish room of {who.label}",
        }
        if prefix == "api":
            return _api(client, "POST", "/api/v1/meetings", {"body": FLEMISH_BODY, **values})
        return client.post(
            f"/bodies/{_flemish_body(app).id}/meetings/new", data={"csrf_token": csrf, **values}
        )

    return attempt


def _flemish_meeting_planned(prefix: str):
    def changed(app, who):
        place = f"{prefix} flemish room of {who.label}"
        with app.extensions["concerto.db"].session() as db:
            return db.scalar(select(Meeting).where(Meeting.place_text == place)) is not None

    return changed


def _add_flemish_agenda_item(client, app, who, csrf):
    meeting = _flemish_meeting(app)
    return _api(
        client,
        "POST",
        f"/api/v1/meetings/{meeting.id}/agenda",
        {"title_nl": f"api punt van {who.label}", "purpose": "information"},
    )


def _flemish_agenda_item_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        title = f"api punt van {who.label}"
        return db.scalar(select(AgendaItem).where(AgendaItem.title_nl == title)) is not None


def _first_planned(app) -> Meeting:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Meeting).where(Meeting.state == "planned").order_by(Meeting.id))


def _add_agenda_item(client, app, who, csrf):
    return client.post(
        f"/meetings/{_first_planned(app).id}/items",
        data={"csrf_token": csrf, "title_nl": f"punt van {who.label}", "purpose": "information"},
    )


def _agenda_item_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(AgendaItem).where(AgendaItem.title_nl == f"punt van {who.label}"))
            is not None
        )


def _invite(client, app, who, csrf):
    return client.post(f"/meetings/{_first_planned(app).id}/invite", data={"csrf_token": csrf})


def _invited(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(OutboxMessage)) > 0


def _vlaams_action(app) -> ActionItem:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(ActionItem).where(ActionItem.authority_code == "vlaams").order_by(ActionItem.id)
        )


def _note_on_vlaams_action(client, app, who, csrf):
    action = _vlaams_action(app)
    return client.post(
        f"/actions/{action.id}",
        data={
            "csrf_token": csrf,
            "version": action.version,
            "status": action.status,
            "note": f"page note by {who.label}",
        },
    )


def _patch_vlaams_action(client, app, who, csrf):
    action = _vlaams_action(app)
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(
        f"/api/v1/actions/{action.id}",
        json={"note": f"api note by {who.label}"},
        headers=headers | {"If-Match": f'"{action.version}"'},
    )


def _action_noted(prefix: str):
    def changed(app, who):
        return _vlaams_action(app).note == f"{prefix} note by {who.label}"

    return changed


def _approve_last_minutes(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        held = db.scalar(
            select(Meeting)
            .where(Meeting.state == "held", Meeting.series_id.is_not(None))
            .order_by(Meeting.starts_at.desc())
        )
        minutes = meetings.latest_minutes(db, held) or meetings.start_minutes(db, held)
        approving = db.scalar(select(Meeting).where(Meeting.title_nl == "Bijzondere vergadering"))
    return client.post(
        f"/minutes/{minutes.id}/approve",
        data={"csrf_token": csrf, "meeting": approving.id},
    )


def _last_minutes_approved(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(
                select(func.count()).where(
                    Minutes.approved_in_meeting_id
                    == db.scalar(
                        select(Meeting.id).where(Meeting.title_nl == "Bijzondere vergadering")
                    )
                )
            )
            > 0
        )


# The round of remarks on draft minutes (issue 21): the demo's working-group draft is out for
# remarks; of the people logging in here, Lotte (the Flemish coordinator) and Julien (the COCOF
# member) were present. Leaving a remark is theirs, whatever their role; sending and marking
# are the secretariat's.
PRESENT = ("vlaams-coordinator", "cocof-member")


def _is_present(who: Who) -> bool:
    return who.label in PRESENT


def _draft_out_for_remarks(app) -> Minutes:
    with app.extensions["concerto.db"].session() as db:
        minutes = db.scalar(
            select(Minutes).join(RemarkRound).where(Minutes.state == "draft").order_by(Minutes.id)
        )
        minutes.meeting.items  # noqa: B018 (loaded for after the session)
        return minutes


def _round_ends() -> date:
    """A closing day other than the demo's (a week from today)."""
    return brussels_today() + timedelta(days=30)


def _send_for_remarks(client, app, who, csrf):
    minutes = _draft_out_for_remarks(app)
    return client.post(
        f"/meetings/{minutes.meeting_id}/minutes",
        data={
            "csrf_token": csrf,
            "version": minutes.version,
            "intent": "send_remarks",
            "remarks_until": _round_ends().isoformat(),
        },
    )


def _sent_for_remarks(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(RemarkRound.closes_on).order_by(RemarkRound.id)) == _round_ends()


def _varia(app) -> int:
    """The last item of the draft's agenda, on which nobody has remarked yet."""
    minutes = _draft_out_for_remarks(app)
    return max(item.id for item in minutes.meeting.items)


def _remark_on_the_page(client, app, who, csrf):
    item = _varia(app)
    return client.post(
        f"/minutes/{_draft_out_for_remarks(app).id}/remarks",
        data={
            "csrf_token": csrf,
            f"text_{item}": f"page remark by {who.label}",
            f"language_{item}": "nl",
        },
    )


def _remark_by_api(client, app, who, csrf):
    token = getattr(client, "api_token", None)
    return client.post(
        f"/api/v1/minutes/{_draft_out_for_remarks(app).id}/remarks",
        json={"language": "fr", "text": f"api remark by {who.label}"},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def _remarked(prefix: str):
    def changed(app, who):
        with app.extensions["concerto.db"].session() as db:
            return (
                db.scalar(select(Remark).where(Remark.text == f"{prefix} remark by {who.label}"))
                is not None
            )

    return changed


def _waiting_remark(app) -> Remark:
    """The demo's remark the secretariat has not marked yet (Julien's)."""
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Remark).where(Remark.author_name == "Julien Lambert"))


def _mark_on_the_page(client, app, who, csrf):
    minutes, remark = _draft_out_for_remarks(app), _waiting_remark(app)
    return client.post(
        f"/meetings/{minutes.meeting_id}/minutes",
        data={
            "csrf_token": csrf,
            "version": minutes.version,
            f"handling_{remark.id}": "not_taken_in",
            f"reason_{remark.id}": f"page reason {who.label}",
            f"remark_version_{remark.id}": remark.version,
        },
    )


def _mark_by_api(client, app, who, csrf):
    remark = _waiting_remark(app)
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.put(
        f"/api/v1/remarks/{remark.id}/handling",
        json={"handling": "not_taken_in", "reason": f"api reason {who.label}"},
        headers=headers | {"If-Match": f'"{remark.version}"'},
    )


def _marked(prefix: str):
    def changed(app, who):
        return _waiting_remark(app).reason == f"{prefix} reason {who.label}"

    return changed


def _operational_goal(app, code: str = "4.3", plan: str = "brussels_2014_2019") -> Goal:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Goal).join(Plan).where(Plan.code == plan, Goal.code == code))


def _add_plan_action(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app).id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": f"actie van {who.label}",
            "term": "najaar 2026",
            "status": "planned",
            "authority": "cocom",
        },
    )


def _plan_action_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(PlanAction).where(PlanAction.title_nl == f"actie van {who.label}"))
            is not None
        )


def _vlaams_plan_action(app) -> PlanAction:
    """A step of the Flemish plan 2015-2020, which the Flemish plugin ships (issue 24)."""
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(PlanAction).where(PlanAction.authority_code == "vlaams").order_by(PlanAction.id)
        )


# The Flemish plan is the Flemish Community's (issue 24): its coordinators keep it, its goals,
# their steps and links to other plans' goals; the secretariat keeps the committee's plan.
FLEMISH_PLAN = "vlaams_2015_2020"


def _import_flemish_goals(client, app, who, csrf):
    import io

    text = "code,kind,title_nl\n" + f"20,goal,vlaams geïmporteerd {who.label}\n"
    return client.post(
        f"/plans/{FLEMISH_PLAN}/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(text.encode()), "goals.csv")},
        content_type="multipart/form-data",
    )


def _flemish_goal_imported(app, who):
    return _first(app, Goal, Goal.title_nl == f"vlaams geïmporteerd {who.label}") is not None


def _add_flemish_step(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app, '7', FLEMISH_PLAN).id}/actions/new",
        data={
            "csrf_token": csrf,
            "title_nl": f"stap van {who.label}",
            "lead_text": "VAPH",
            "term": "najaar 2026",
            "status": "planned",
            "milestone_nl": "klaar",
        },
    )


def _flemish_step_added(app, who):
    return _first(app, PlanAction, PlanAction.title_nl == f"stap van {who.label}") is not None


def _flemish_indicator(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app, '4', FLEMISH_PLAN).id}/indicators",
        data={"csrf_token": csrf, "name_nl": f"vlaamse indicator van {who.label}"},
    )


def _flemish_indicator_added(app, who):
    return (
        _first(app, Indicator, Indicator.name_nl == f"vlaamse indicator van {who.label}")
        is not None
    )


def _link(source: tuple[str, str], target: tuple[str, str]):
    def attempt(client, app, who, csrf):
        return client.post(
            f"/goals/{_operational_goal(app, source[1], source[0]).id}/links",
            data={
                "csrf_token": csrf,
                "target_id": _operational_goal(app, target[1], target[0]).id,
                "note": f"bijdrage {source[0]} van {who.label}",
            },
        )

    return attempt


def _linked(plan: str):
    def changed(app, who):
        note = f"bijdrage {plan} van {who.label}"
        return _first(app, GoalLink, GoalLink.note == note) is not None

    return changed


def _unlink_flemish(client, app, who, csrf):
    link = _first(app, GoalLink)  # the demo's Flemish goal 1 contributing to 3.2
    return client.post(f"/goal-links/{link.id}/delete", data={"csrf_token": csrf})


def _flemish_unlinked(app, who):
    return _first(app, GoalLink) is None or _first(app, GoalLink).note != (
        "Het hulp- en dienstverleningsplan ondersteunt het detentietraject."
    )


def _edit_vlaams_plan_action(client, app, who, csrf):
    action = _vlaams_plan_action(app)
    return client.post(
        f"/plan-actions/{action.id}",
        data={
            "csrf_token": csrf,
            "version": action.version,
            "title_nl": action.title_nl,
            "term": action.term_text,
            "status": action.status,
            "progress": "",
            "weight": action.weight,
            "lead_text": f"page lead {who.label}",
        },
    )


def _patch_vlaams_plan_action(client, app, who, csrf):
    action = _vlaams_plan_action(app)
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(
        f"/api/v1/plan-actions/{action.id}",
        json={"lead_text": f"api lead {who.label}"},
        headers=headers | {"If-Match": f'"{action.version}"'},
    )


def _plan_action_led_by(prefix: str):
    def changed(app, who):
        return _vlaams_plan_action(app).lead_text == f"{prefix} lead {who.label}"

    return changed


def _move_goal(client, app, who, csrf):
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    goal = _operational_goal(app, "6.2")
    target = _operational_goal(app, "5")
    return client.patch(f"/api/v1/goals/{goal.id}", json={"parent_id": target.id}, headers=headers)


def _goal_moved(app, who):
    return _operational_goal(app, "6.2").parent_id == _operational_goal(app, "5").id


def _create_plan(client, app, who, csrf):
    return client.post(
        "/plans/new",
        data={
            "csrf_token": csrf,
            "code": "matrix_plan",
            "start_year": "2030",
            "end_year": "2034",
            "title_nl": f"plan van {who.label}",
            "title_fr": f"plan de {who.label}",
        },
    )


def _plan_created(app, who):
    from core.goals.models import Plan

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Plan).where(Plan.code == "matrix_plan")) is not None


def _add_indicator(client, app, who, csrf):
    return client.post(
        f"/goals/{_operational_goal(app).id}/indicators",
        data={"csrf_token": csrf, "name_nl": f"indicator van {who.label}", "source": "open_needs"},
    )


def _indicator_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(Indicator).where(Indicator.name_nl == f"indicator van {who.label}"))
            is not None
        )


def _committee_action_id(db) -> int:
    """The first action of the committee's plan (the Flemish plan's steps come before it)."""
    return db.scalar(
        select(PlanAction.id)
        .join(Goal, PlanAction.goal_id == Goal.id)
        .join(Plan, Goal.plan_id == Plan.id)
        .where(Plan.code == "brussels_2014_2019")
        .order_by(PlanAction.id)
    )


def _plan_the_year(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        action_id = _committee_action_id(db)
    return client.post(
        "/plans/brussels_2014_2019/years/2031/items",
        data={"csrf_token": csrf, "action_id": action_id, "owner": who.label},
    )


def _year_planned(app, who):
    with app.extensions["concerto.db"].session() as db:
        return (
            db.scalar(select(AnnualPlanItem).where(AnnualPlanItem.owner == who.label)) is not None
        )


def _api(client, method: str, path: str, body: dict):
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(path, method=method, json=body, headers=headers)


def _first(app, model, *where):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(model).where(*where).order_by(model.id))


def _approved_decision_id(app) -> int:
    return _first(app, Decision).id


def _annual_2032(app, year: int = 2032):
    """An annual plan with one action, made directly, for the steps that follow it."""
    from core.goals import yearly as cycle

    with app.extensions["concerto.db"].session() as db:
        plan = db.scalar(select(Plan).where(Plan.code == "brussels_2014_2019"))
        annual = cycle.annual_plan(db, plan, year, create=True)
        if not annual.items:
            cycle.add_item(db, annual, {"action_id": _committee_action_id(db)})
        return annual.id


def _adopt(channel: str):
    def attempt(client, app, who, csrf):
        _annual_2032(app)
        path = "/plans/brussels_2014_2019/years/2032/adopt"
        if channel == "api":
            return _api(
                client, "POST", f"/api/v1{path}", {"decision_id": _approved_decision_id(app)}
            )
        return client.post(
            path, data={"csrf_token": csrf, "decision_id": _approved_decision_id(app)}
        )

    return attempt


def _adopted(app, who):
    annual = _first(app, AnnualPlan, AnnualPlan.year == 2032)
    return annual is not None and annual.adopted_at is not None


def _remove_annual_item(client, app, who, csrf):
    item = _first(app, AnnualPlanItem, AnnualPlanItem.annual_plan_id == _annual_2032(app, 2034))
    return client.post(f"/annual-items/{item.id}/delete", data={"csrf_token": csrf})


def _annual_item_removed(app, who):
    annual = _first(app, AnnualPlan, AnnualPlan.year == 2034)
    return _first(app, AnnualPlanItem, AnnualPlanItem.annual_plan_id == annual.id) is None


def _set_value(channel: str):
    def attempt(client, app, who, csrf):
        indicator = _first(app, Indicator, Indicator.source == "published_services")
        if channel == "api":
            return _api(
                client,
                "PUT",
                f"/api/v1/indicators/{indicator.id}/values/2031",
                {"target": len(who.label)},
            )
        return client.post(
            f"/indicators/{indicator.id}/values",
            data={"csrf_token": csrf, "year": "2031", "target": len(who.label)},
        )

    return attempt


def _value_set(app, who):
    value = _first(app, IndicatorValue, IndicatorValue.year == 2031)
    return value is not None and value.target == len(who.label)


def _evaluate(channel: str):
    def attempt(client, app, who, csrf):
        goal = _operational_goal(app, "2.1")
        body = {
            "year": "2030",
            "rating": "partly",
            "assessment_nl": f"evaluatie {channel} {who.label}",
        }
        if channel == "api":
            return _api(client, "POST", f"/api/v1/goals/{goal.id}/evaluations", body)
        return client.post(f"/goals/{goal.id}/evaluations", data={"csrf_token": csrf, **body})

    return attempt


def _evaluated(channel: str):
    def changed(app, who):
        return (
            _first(app, Evaluation, Evaluation.assessment_nl == f"evaluatie {channel} {who.label}")
            is not None
        )

    return changed


def _approve_evaluation(channel: str):
    def attempt(client, app, who, csrf):
        from core.goals import yearly as cycle

        goal = _operational_goal(app, "3.1")
        with app.extensions["concerto.db"].session() as db:
            found = cycle.evaluate(
                db,
                db.get(Goal, goal.id),
                {
                    "year": 2029 if channel == "page" else 2028,
                    "rating": "achieved",
                    "assessment_fr": "ok",
                },
            )
            evaluation_id = found.id
        body = {"decision_id": _approved_decision_id(app)}
        if channel == "api":
            return _api(client, "POST", f"/api/v1/evaluations/{evaluation_id}/approve", body)
        return client.post(
            f"/evaluations/{evaluation_id}/approve", data={"csrf_token": csrf, **body}
        )

    return attempt


def _evaluation_approved(year: int):
    def changed(app, who):
        found = _first(app, Evaluation, Evaluation.year == year)
        return found is not None and found.approved_at is not None

    return changed


def _import_goals(client, app, who, csrf):
    import io

    text = "code;parent;kind;title_nl;title_fr\n" + f"9;;result;geïmporteerd {who.label};importé\n"
    return client.post(
        "/plans/brussels_2014_2019/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(text.encode()), "goals.csv")},
        content_type="multipart/form-data",
    )


def _goals_imported(app, who):
    return _first(app, Goal, Goal.title_nl == f"geïmporteerd {who.label}") is not None


def _api_add_plan_action(client, app, who, csrf):
    return _api(
        client,
        "POST",
        f"/api/v1/goals/{_operational_goal(app).id}/actions",
        {"title_nl": f"api-actie van {who.label}", "term": "eind 2026", "authority": "cocom"},
    )


def _api_plan_action_added(app, who):
    return _first(app, PlanAction, PlanAction.title_nl == f"api-actie van {who.label}") is not None


def _api_add_indicator(client, app, who, csrf):
    return _api(
        client,
        "POST",
        f"/api/v1/goals/{_operational_goal(app).id}/indicators",
        {"name_fr": f"api indicateur {who.label}"},
    )


def _api_indicator_added(app, who):
    return _first(app, Indicator, Indicator.name_fr == f"api indicateur {who.label}") is not None


def _api_plan_the_year(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        action_id = _committee_action_id(db)
    return _api(
        client,
        "POST",
        "/api/v1/plans/brussels_2014_2019/years/2033/items",
        {"action_id": action_id, "owner": f"api {who.label}"},
    )


def _api_year_planned(app, who):
    return _first(app, AnnualPlanItem, AnnualPlanItem.owner == f"api {who.label}") is not None


def _next_study_day(app) -> StudyDay:
    return _first(app, StudyDay, StudyDay.kind == "study_day", StudyDay.held_on >= date.today())


def _study_year(app) -> int:
    return _next_study_day(app).year


def _plan_study_day(client, app, who, csrf):
    return client.post(
        "/events/new",
        data={
            "csrf_token": csrf,
            "kind": "study_day",
            "title_nl": f"Studiedag van {who.label}",
            "title_fr": "Journée d'étude",
            "held_on": "2035-11-20",
            "opens_on": "2035-09-01",
            "closes_on": "2035-11-10",
            "venue": "Brussel",
            "capacity": "100",
        },
    )


def _study_day_planned(app, who):
    return _first(app, StudyDay, StudyDay.title_nl == f"Studiedag van {who.label}") is not None


def _plan_training(client, app, who, csrf):
    return client.post(
        "/events/new",
        data={
            "csrf_token": csrf,
            "kind": "training",
            "audience": "both",
            "title_nl": f"Vorming van {who.label}",
            "title_fr": "Formation",
            "held_on": "2035-03-20",
            "opens_on": "2035-02-01",
            "closes_on": "2035-03-10",
            "venue": "Haren",
            "capacity": "20",
        },
    )


def _training_planned(app, who):
    found = _first(app, StudyDay, StudyDay.title_nl == f"Vorming van {who.label}")
    # A coordinator's training is their authority's; the secretariat's the committee's.
    expected = who.authority if "coordinator" in who.roles else None
    return found is not None and found.kind == "training" and found.authority_code == expected


def _training_of(authority: str | None):
    def find(app) -> StudyDay:
        return _first(
            app,
            StudyDay,
            StudyDay.kind == "training",
            StudyDay.authority_code.is_(None)
            if authority is None
            else StudyDay.authority_code == authority,
        )

    return find


def _edit_training(find):
    def attempt(client, app, who, csrf):
        training = find(app)
        return client.post(
            f"/events/{training.id}/edit",
            data={
                "csrf_token": csrf,
                "kind": "training",
                "audience": training.audience,
                "title_nl": f"Vorming bewerkt door {who.label}",
                "title_fr": training.title_fr,
                "held_on": training.held_on.isoformat(),
                "opens_on": f"{training.held_on.year - 1}-12-01",
                "closes_on": training.held_on.isoformat(),
                "venue": training.venue,
                "capacity": "60",
            },
        )

    return attempt


def _training_edited(find):
    def changed(app, who):
        return find(app).title_nl == f"Vorming bewerkt door {who.label}"

    return changed


def _absent_at_flemish_training(app) -> Registration:
    training = _training_of("vlaams")(app)
    return _first(
        app,
        Registration,
        Registration.study_day_id == training.id,
        Registration.state == "confirmed",
        Registration.present_at.is_(None),
    )


def _check_in_at_flemish_training(client, app, who, csrf):
    registration = _absent_at_flemish_training(app)
    return client.post(
        f"/registrations/{registration.id}/check-in", data={"csrf_token": csrf, "present": "1"}
    )


def _checked_in_at_flemish_training(app, who):
    training = _training_of("vlaams")(app)
    with app.extensions["concerto.db"].session() as db:
        present = db.scalar(
            select(func.count()).where(
                Registration.study_day_id == training.id, Registration.present_at.is_not(None)
            )
        )
    return present > 12  # the demo marks twelve of its fifteen present


def _keeps_flemish_events(who: Who) -> bool:
    return _is_secretariat(who) or (_is_coordinator(who) and who.authority == "vlaams")


def _add_session(client, app, who, csrf):
    return client.post(
        f"/events/{_next_study_day(app).id}/sessions/new",
        data={
            "csrf_token": csrf,
            "kind": "workshop",
            "title_nl": f"sessie {who.label}",
            "title_fr": "séance",
            "starts": "16:00",
            "ends": "17:00",
            "capacity": "20",
            "language": "nl",
        },
    )


def _session_added(app, who):
    return _first(app, Workshop, Workshop.title_nl == f"sessie {who.label}") is not None


def _edit_study_day(client, app, who, csrf):
    day = _next_study_day(app)
    return client.post(
        f"/events/{day.id}/edit",
        data={
            "csrf_token": csrf,
            "title_nl": f"Studiedag bewerkt door {who.label}",
            "title_fr": "Journée d'étude",
            "held_on": day.held_on.isoformat(),
            "opens_on": f"{day.year}-01-01",
            "closes_on": day.held_on.isoformat(),
            "venue": "Brussel",
            "capacity": "150",
        },
    )


def _study_day_edited(app, who):
    return (
        _first(app, StudyDay, StudyDay.title_nl == f"Studiedag bewerkt door {who.label}")
        is not None
    )


def _edit_session(client, app, who, csrf):
    return client.post(
        "/workshops/2/edit",
        data={
            "csrf_token": csrf,
            "kind": "workshop",
            "title_nl": f"bewerkt door {who.label}",
            "title_fr": "atelier",
            "starts": "10:00",
            "ends": "11:30",
            "capacity": "40",
            "language": "bilingual",
        },
    )


def _session_edited(app, who):
    return _first(app, Workshop, Workshop.title_nl == f"bewerkt door {who.label}") is not None


def _register_on_the_page(client, app, who, csrf):
    return client.post(
        f"/events/{_next_study_day(app).id}/register",
        data={
            "csrf_token": csrf or _anonymous_csrf(client, app),
            "name": f"matrix {who.label}",
            "email": f"{who.label}@matrix.example",
            "language": "fr",
        },
    )


def _anonymous_csrf(client, app):
    return csrf_token(client, f"/events/{_next_study_day(app).id}")


def _registered_on_the_page(app, who):
    return _first(app, Registration, Registration.name == f"matrix {who.label}") is not None


def _register_by_api(client, app, who, csrf):
    # The page's registration above used the person's own address: set it aside first.
    with app.extensions["concerto.db"].session() as db:
        for registration in db.scalars(
            select(Registration).where(Registration.name == f"matrix {who.label}")
        ):
            registration.state = "cancelled"
    return _api(
        client,
        "POST",
        f"/api/v1/study-days/{_study_year(app)}/registrations",
        {"organisation": f"api {who.label}"},
    )


def _registered_by_api(app, who):
    return _first(app, Registration, Registration.organisation == f"api {who.label}") is not None


def _demo_registration(app) -> Registration:
    return _first(app, Registration, Registration.email == "deelnemer2@federatie_wb.demo.invalid")


def _organiser_cancels(channel: str):
    def attempt(client, app, who, csrf):
        registration = _demo_registration(app)
        path = f"/registrations/{registration.id}/cancel"
        if channel == "api":
            return _api(client, "POST", f"/api/v1{path}", {})
        return client.post(path, data={"csrf_token": csrf})

    return attempt


def _demo_registration_cancelled(app, who):
    return _demo_registration(app).state == "cancelled"


def _check_in(channel: str):
    def attempt(client, app, who, csrf):
        registration = _demo_registration(app)
        path = f"/registrations/{registration.id}/check-in"
        if channel == "api":
            return _api(client, "POST", f"/api/v1{path}", {"present": True})
        return client.post(path, data={"csrf_token": csrf, "present": "1"})

    return attempt


def _checked_in(app, who):
    return _demo_registration(app).present_at is not None


def _write_report(client, app, who, csrf):
    return client.post(
        "/workshops/3/report", data={"csrf_token": csrf, "text_nl": f"verslag {who.label}"}
    )


def _report_written(app, who):
    report = _first(app, WorkshopReport, WorkshopReport.workshop_id == 3)
    return report is not None and report.text_nl == f"verslag {who.label}"


def _cancel_without_the_link(client, app, who, csrf):
    return client.post(
        "/studyday/r/guessed-link/cancel", data={"csrf_token": csrf or _anonymous_csrf(client, app)}
    )


def _anyone_cancelled(app, who):
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).where(Registration.state == "cancelled")) > 0


def _staffing_marker(who) -> Decimal:
    """FTE that tell who saved the row: the function is a choice from a fixed list now."""
    return Decimal(zlib.crc32(who.label.encode()) % 100_000) / 1000


def _enter_staffing(client, app, who, csrf):
    from concerto_vlaams.reports import STAFFING

    from core.reports.figures import fingerprint, rows_of

    with app.extensions["concerto.db"].session() as db:
        read_as = fingerprint(rows_of(db, STAFFING, 2030))  # the page's version check
    return client.post(
        "/authorities/vlaams/figures/staffing/2030",
        data={
            "csrf_token": csrf,
            "read_as": read_as,
            "rows": "1",
            "r1-prison_code": "haren",
            "r1-function": "trajectbegeleider",
            "r1-fte": str(_staffing_marker(who)),
        },
    )


def _staffing_entered(app, who):
    from concerto_vlaams.reports import staffing

    with app.extensions["concerto.db"].session() as db:
        return (
            db.execute(staffing.select().where(staffing.c.fte == _staffing_marker(who))).first()
            is not None
        )


def _review_placement_site(province: str):
    def attempt(client, app, who, csrf):
        from concerto_vlaams import placements

        with app.extensions["concerto.db"].session() as db:
            site_id = placements.apply(
                db,
                {
                    "organisation": f"prestatieplaats {province} {who.label}",
                    "legal_form": "non_profit",
                    "province": province,
                    "address": province,
                    "contact_name": "X",
                    "contact_email": "x@example.be",
                    "supervision": "elke dag",
                    "work_offered": "onderhoud",
                    "daily_supervision": "1",
                    "useful_work": "1",
                    "hours_checked": "1",
                },
            )
        return client.post(
            f"/vlaams/placement-sites/{site_id}", data={"csrf_token": csrf, "decision": "approve"}
        )

    return attempt


def _placement_site_approved(province: str):
    def changed(app, who):
        from concerto_vlaams.placements import placement_sites

        with app.extensions["concerto.db"].session() as db:
            return (
                db.scalar(
                    select(placement_sites.c.state).where(
                        placement_sites.c.organisation == f"prestatieplaats {province} {who.label}"
                    )
                )
                == "approved"
            )

    return changed


def _register_webhook(client, app, who, csrf):
    return client.post(
        "/webhooks/new",
        data={
            "csrf_token": csrf,
            "url": f"https://{who.label}.hooks.example.be/concerto",
            "kinds": ["service.changed"],
        },
    )


def _webhook_registered(app, who):
    from core.webhooks.models import WebhookEndpoint

    with app.extensions["concerto.db"].session() as db:
        url = f"https://{who.label}.hooks.example.be/concerto"
        return db.scalar(select(WebhookEndpoint).where(WebhookEndpoint.url == url)) is not None


def _flemish_webhook(app):
    from core.webhooks.models import WebhookEndpoint

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.authority_code == "vlaams")
            .order_by(WebhookEndpoint.id)
        )


def _switch_on_flemish_webhook(client, app, who, csrf):
    endpoint = _flemish_webhook(app)
    return client.post(f"/webhooks/{endpoint.id}/switch", data={"csrf_token": csrf, "on": "1"})


def _flemish_webhook_on(app, who):
    return _flemish_webhook(app).enabled


def _rotate_flemish_secret(client, app, who, csrf):
    endpoint = _flemish_webhook(app)
    return client.post(f"/webhooks/{endpoint.id}/secret", data={"csrf_token": csrf})


def _flemish_secret_rotated(app, who):
    return _flemish_webhook(app).secret_rotated_at is not None


def _keeps_flemish_webhooks(who: Who) -> bool:
    return "administrator" in who.roles or (
        "coordinator" in who.roles and who.authority == "vlaams"
    )


# Keeping the inventory true (issue 23): confirming a service, marking two services as not
# duplicates (the demo's bicycle repair training, submitted twice), reporting an error on a
# published service (anyone, without logging in) and closing a report (the service's
# authority's coordinators and the secretariat).
def _confirm(authority: Callable[[Who], str], external_id: Callable[[Who], str]):
    def attempt(client, app, who, csrf):
        service = _service(app, authority(who), external_id(who))
        return client.post(f"/services/{service.id}/confirm", data={"csrf_token": csrf})

    return attempt


def _confirmed(authority: Callable[[Who], str], external_id: Callable[[Who], str]):
    def changed(app, who):
        from core.inventory.models import ServiceAssurance

        service = _service(app, authority(who), external_id(who))
        with app.extensions["concerto.db"].session() as db:
            return db.get(ServiceAssurance, service.id).how == "confirmed"

    return changed


def _third_service(who: Who) -> str:
    return FIRST_SERVICE[who.authority or "cocom"][:-1] + "3"


def _others_third_service(who: Who) -> str:
    return FIRST_SERVICE[who.other][:-1] + "3"


def _dismiss_twins(client, app, who, csrf):
    first, second = _service(app, "vlaams", "VG-21"), _service(app, "cocof", "CF-13")
    return client.post(
        f"/services/{first.id}/compare/{second.id}/not-a-duplicate", data={"csrf_token": csrf}
    )


def _twins_dismissed(app, who):
    from core.inventory.models import DuplicateDismissal

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(DuplicateDismissal)) > 0


def _report_error(client, app, who, csrf):
    from tests.logins import csrf_token

    service = _service(app, "justitie", "JU-04")
    path = f"/services/{service.id}"
    return client.post(
        f"{path}/report",
        data={"csrf_token": csrf_token(client, path), "text": f"Fout gezien door {who.label}."},
    )


def _error_reported(app, who):
    from core.inventory.models import ErrorReport

    with app.extensions["concerto.db"].session() as db:
        text = f"Fout gezien door {who.label}."
        return db.scalar(select(func.count()).where(ErrorReport.text == text)) > 0


def _close_report(external_id: str):
    def attempt(client, app, who, csrf):
        from core.inventory.models import ErrorReport

        with app.extensions["concerto.db"].session() as db:
            report = db.scalar(
                select(ErrorReport).join(Service).where(Service.external_id == external_id)
            )
        return client.post(f"/error-reports/{report.id}/close", data={"csrf_token": csrf})

    return attempt


def _report_closed(external_id: str):
    def changed(app, who):
        from core.inventory.models import ErrorReport

        with app.extensions["concerto.db"].session() as db:
            report = db.scalar(
                select(ErrorReport).join(Service).where(Service.external_id == external_id)
            )
            return report.status == "closed"

    return changed


def _handles_reports_of(authority: str) -> Callable[[Who], bool]:
    return lambda who: (
        _is_secretariat(who) or ("coordinator" in who.roles and who.authority == authority)
    )


# --- signals (issue 24) ------------------------------------------------------------------


def _writes_signals(who: Who) -> bool:
    return bool(who.roles & {"coordinator", "secretary", "administrator"})


def _keeps_cocom_signals(who: Who) -> bool:
    secretariat = bool(who.roles & {"secretary", "administrator"})
    return secretariat or (who.authority == "cocom" and "coordinator" in who.roles)


def _add_signal(client, app, who, csrf):
    return client.post(
        "/signals/new",
        data={"csrf_token": csrf, "title_nl": f"signal of {who.label}", "addressee_kind": "sector"},
    )


def _add_signal_api(client, app, who, csrf):
    token = getattr(client, "api_token", None)
    return client.post(
        "/api/v1/signals",
        json={"title_nl": f"api signal of {who.label}", "addressee_kind": "minister"},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def _signal_added(prefix: str):
    def changed(app, who):
        with app.extensions["concerto.db"].session() as db:
            title = f"{prefix}signal of {who.label}"
            return db.scalar(select(Signal.id).where(Signal.title_nl == title)) is not None

    return changed


def _cocom_signal(db) -> Signal:
    return db.scalar(select(Signal).where(Signal.title_nl == "Geen woning bij de vrijlating"))


def _change_cocom_signal(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        signal = _cocom_signal(db)
    return client.post(
        f"/signals/{signal.id}",
        data={"csrf_token": csrf, "version": signal.version, "addressee": f"by {who.label}"},
    )


def _patch_cocom_signal(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        signal = _cocom_signal(db)
    token = getattr(client, "api_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(
        f"/api/v1/signals/{signal.id}",
        json={"addressee": f"api by {who.label}"},
        headers={**headers, "If-Match": f'"{signal.version}"'},
    )


def _cocom_signal_addressed(prefix: str):
    def changed(app, who):
        with app.extensions["concerto.db"].session() as db:
            return _cocom_signal(db).addressee == f"{prefix}by {who.label}"

    return changed


def _published_signal(db) -> Signal:
    return db.scalar(select(Signal).where(Signal.title_nl == "Lange wachttijden bij het bezoek"))


def _withdraw_signal(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        signal = _published_signal(db)
    return client.post(
        f"/signals/{signal.id}/publish",
        data={"csrf_token": csrf, "version": signal.version, "step": "withdraw"},
    )


def _signal_withdrawn(app, who):
    with app.extensions["concerto.db"].session() as db:
        return _published_signal(db).published_at is None


def _room_keeper(who: Who) -> bool:
    """Rooms (issue 24): the secretariat and every coordinator."""
    return bool(who.roles & {"coordinator", "secretary", "administrator"})


def _add_room(client, app, who, csrf):
    return client.post(
        "/rooms/new",
        data={
            "csrf_token": csrf,
            "prison_code": "haren",
            "name_nl": f"Zaal {who.label}",
            "capacity": "6",
            "signage_languages": ["nl", "fr"],
        },
    )


def _room_added(app, who):
    from core.rooms.models import Room

    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Room).where(Room.name_nl == f"Zaal {who.label}")) is not None


def _haren_service(app, authority: str) -> int:
    from core.inventory.models import ServiceLocation

    with app.extensions["concerto.db"].session() as db:
        found = db.scalar(
            select(Service.id)
            .join(ServiceLocation, ServiceLocation.service_id == Service.id)
            .where(ServiceLocation.prison_code == "haren", Service.authority_code == authority)
            .order_by(Service.id)
        )
    assert found is not None, authority
    return found


def _book_room(authority: Callable[[Who], str], day: str):
    def attempt(client, app, who, csrf):
        return client.post(
            "/rooms/2/book",
            data={
                "csrf_token": csrf,
                "service_id": _haren_service(app, authority(who)),
                "kind": "once",
                "day": day,
                "starts": "08:00",
                "ends": "09:00",
            },
        )

    return attempt


def _room_booked(day: str):
    def changed(app, who):
        from core.rooms.models import RoomBooking

        with app.extensions["concerto.db"].session() as db:
            return (
                db.scalar(
                    select(RoomBooking).where(
                        RoomBooking.room_id == 2, RoomBooking.first_day == date.fromisoformat(day)
                    )
                )
                is not None
            )

    return changed


WRITES = [
    Write(
        "edit own authority's profile (page)",
        _is_coordinator,
        _edit_profile(_own),
        _website_is("", _own),
    ),
    Write(
        "edit another authority's profile (page)",
        lambda who: False,
        _edit_profile(_other),
        _website_is("", _other),
    ),
    Write(
        "edit own authority's profile (API token)",
        _is_coordinator,
        _patch_profile(_own),
        _website_is("api-", _own),
    ),
    Write(
        "edit another authority's profile (API token)",
        lambda who: False,
        _patch_profile(_other),
        _website_is("api-", _other),
    ),
    Write(
        "give a platform role (page)",
        lambda who: "administrator" in who.roles,
        _grant_self_secretary,
        _self_is_secretary,
    ),
    Write(
        "create a service for own authority (page)",
        _is_coordinator,
        _create_service,
        _service_created,
    ),
    Write(
        "edit own authority's service (page)",
        _is_coordinator,
        _post_service_edit(_own, SECOND_SERVICE),
        _service_edited(_own, SECOND_SERVICE),
    ),
    Write(
        "edit own authority's service (API token)",
        _is_coordinator,
        _patch_service(_own),
        _service_edited(_own),
    ),
    Write(
        "edit another authority's service (page)",
        lambda who: False,
        _post_service_edit(_other),
        _service_edited(_other),
    ),
    Write(
        "approve and publish a submitted service (page)",
        lambda who: bool(who.roles & {"member", "secretary", "administrator"}),
        _approve_waiting,
        _waiting_was_approved,
    ),
    Write(
        "freeze a state of affairs (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _freeze,
        _frozen,
    ),
    Write(
        "add an organisation for own authority (page)",
        _is_coordinator,
        _add_organization,
        _organization_added,
    ),
    Write(
        "rename another authority's organisation (page)",
        lambda who: False,
        _rename_other_organization,
        _other_organization_renamed,
    ),
    Write(
        "signal a need (page)",
        lambda who: bool(who.roles & {"coordinator", "member", "secretary", "administrator"}),
        _signal_need,
        _need_signalled,
    ),
    Write(
        "change a need signalled by COCOM (page)",
        lambda who: (
            bool(who.roles & {"secretary", "administrator"})
            or ("coordinator" in who.roles and who.authority == "cocom")
        ),
        _close_cocom_need,
        _cocom_need_closed,
    ),
    Write("create a body (page)", _is_secretariat, _create_body, _body_created),
    Write(
        "create a body of one's own authority (page)",
        _is_coordinator,
        _create_own_body,
        _own_body_created,
    ),
    Write(
        "edit the Flemish Gemengde Commissie (page)",
        _is_flemish_coordinator,
        _edit_flemish_body,
        _flemish_body_renamed,
    ),
    Write(
        "add a member to a Flemish body (page)",
        _is_flemish_coordinator,
        _add_flemish_member,
        _flemish_member_added,
    ),
    Write(
        "plan a meeting of a Flemish body (page)",
        _is_flemish_coordinator,
        _plan_flemish_meeting("page"),
        _flemish_meeting_planned("page"),
    ),
    Write(
        "plan a meeting of a Flemish body (API token)",
        _is_flemish_coordinator,
        _plan_flemish_meeting("api"),
        _flemish_meeting_planned("api"),
    ),
    Write(
        "add an agenda item to a Flemish meeting (API token)",
        _is_flemish_coordinator,
        _add_flemish_agenda_item,
        _flemish_agenda_item_added,
    ),
    Write("plan a meeting (page)", _is_secretariat, _plan_meeting, _meeting_planned),
    Write("add an agenda item (page)", _is_secretariat, _add_agenda_item, _agenda_item_added),
    Write("send invitations (page)", _is_secretariat, _invite, _invited),
    Write(
        "approve minutes at the next meeting (page)",
        _is_secretariat,
        _approve_last_minutes,
        _last_minutes_approved,
    ),
    Write(
        "send draft minutes for remarks (page)",
        _is_secretariat,
        _send_for_remarks,
        _sent_for_remarks,
    ),
    Write(
        "leave a remark on draft minutes one was present for (page)",
        _is_present,
        _remark_on_the_page,
        _remarked("page"),
    ),
    Write(
        "leave a remark on draft minutes one was present for (API token)",
        _is_present,
        _remark_by_api,
        _remarked("api"),
    ),
    Write("mark a remark not taken in (page)", _is_secretariat, _mark_on_the_page, _marked("page")),
    Write("mark a remark not taken in (API token)", _is_secretariat, _mark_by_api, _marked("api")),
    Write(
        "update an action of the Flemish Community (page)",
        lambda who: (
            _is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
        ),
        _note_on_vlaams_action,
        _action_noted("page"),
    ),
    Write(
        "update an action of the Flemish Community (API token)",
        lambda who: (
            _is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
        ),
        _patch_vlaams_action,
        _action_noted("api"),
    ),
    Write(
        "add an action to the strategic plan (page)",
        lambda who: _is_secretariat(who) or "coordinator" in who.roles,
        _add_plan_action,
        _plan_action_added,
    ),
    Write(
        "update a step of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _edit_vlaams_plan_action,
        _plan_action_led_by("page"),
    ),
    Write(
        "update a step of the Flemish plan (API token)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _patch_vlaams_plan_action,
        _plan_action_led_by("api"),
    ),
    Write(
        "import goals into the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _import_flemish_goals,
        _flemish_goal_imported,
    ),
    Write(
        "add a step with a milestone to a goal of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _add_flemish_step,
        _flemish_step_added,
    ),
    Write(
        "add an indicator to a goal of the Flemish plan (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _flemish_indicator,
        _flemish_indicator_added,
    ),
    Write(
        "say a Flemish goal contributes to a Brussels goal (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _link((FLEMISH_PLAN, "14"), ("brussels_2014_2019", "1.2")),
        _linked(FLEMISH_PLAN),
    ),
    Write(
        "say a Brussels goal contributes to a Flemish goal (page)",
        _is_secretariat,
        _link(("brussels_2014_2019", "6.1"), (FLEMISH_PLAN, "5")),
        _linked("brussels_2014_2019"),
    ),
    Write(
        "take away a Flemish goal's contribution (page)",
        lambda who: "coordinator" in who.roles and who.authority == "vlaams",
        _unlink_flemish,
        _flemish_unlinked,
    ),
    Write("move a goal in the plan (API token)", _is_secretariat, _move_goal, _goal_moved),
    Write("add an indicator to a goal (page)", _is_secretariat, _add_indicator, _indicator_added),
    Write("plan an action for a year (page)", _is_secretariat, _plan_the_year, _year_planned),
    # a coordinator's new plan is their authority's own (issue 24)
    Write(
        "create a plan (page)",
        lambda who: _is_secretariat(who) or "coordinator" in who.roles,
        _create_plan,
        _plan_created,
    ),
    Write("adopt an annual plan (page)", _is_secretariat, _adopt("page"), _adopted),
    Write(
        "take an action out of an annual plan (page)",
        _is_secretariat,
        _remove_annual_item,
        _annual_item_removed,
    ),
    Write("enter an indicator's figures (page)", _is_secretariat, _set_value("page"), _value_set),
    Write("write an evaluation (page)", _is_secretariat, _evaluate("page"), _evaluated("page")),
    Write(
        "approve an evaluation (page)",
        _is_secretariat,
        _approve_evaluation("page"),
        _evaluation_approved(2029),
    ),
    Write("import goals (page)", _is_secretariat, _import_goals, _goals_imported),
    Write(
        "add an action to the strategic plan (API token)",
        lambda who: _is_secretariat(who) or "coordinator" in who.roles,
        _api_add_plan_action,
        _api_plan_action_added,
    ),
    Write(
        "add an indicator (API token)", _is_secretariat, _api_add_indicator, _api_indicator_added
    ),
    Write(
        "plan an action for a year (API token)",
        _is_secretariat,
        _api_plan_the_year,
        _api_year_planned,
    ),
    Write(
        "enter an indicator's figures (API token)", _is_secretariat, _set_value("api"), _value_set
    ),
    Write("write an evaluation (API token)", _is_secretariat, _evaluate("api"), _evaluated("api")),
    Write("adopt an annual plan (API token)", _is_secretariat, _adopt("api"), _adopted),
    Write(
        "approve an evaluation (API token)",
        _is_secretariat,
        _approve_evaluation("api"),
        _evaluation_approved(2028),
    ),
    Write(
        "cancel a registration without its private link (page)",
        lambda who: False,
        _cancel_without_the_link,
        _anyone_cancelled,
    ),
    Write("plan a study day (page)", _is_secretariat, _plan_study_day, _study_day_planned),
    Write(
        "plan a reciprocal training (page)",
        lambda who: _is_secretariat(who) or _is_coordinator(who),
        _plan_training,
        _training_planned,
    ),
    Write(
        "edit the Flemish coordinator's training (page)",
        _keeps_flemish_events,
        _edit_training(_training_of("vlaams")),
        _training_edited(_training_of("vlaams")),
    ),
    Write(
        "edit a training of the committee (page)",
        _is_secretariat,
        _edit_training(_training_of(None)),
        _training_edited(_training_of(None)),
    ),
    Write(
        "check a participant in at the Flemish training (page)",
        _keeps_flemish_events,
        _check_in_at_flemish_training,
        _checked_in_at_flemish_training,
    ),
    Write("add a study-day session (page)", _is_secretariat, _add_session, _session_added),
    Write("edit the study day (page)", _is_secretariat, _edit_study_day, _study_day_edited),
    Write("edit a study-day session (page)", _is_secretariat, _edit_session, _session_edited),
    Write(
        "register for the study day (page, guests too)",
        lambda who: True,
        _register_on_the_page,
        _registered_on_the_page,
    ),
    Write(
        "register oneself for the study day (API token)",
        lambda who: who.login is not None,
        _register_by_api,
        _registered_by_api,
    ),
    Write("check a participant in (page)", _is_secretariat, _check_in("page"), _checked_in),
    Write("check a participant in (API token)", _is_secretariat, _check_in("api"), _checked_in),
    Write("write a workshop report (page)", _is_secretariat, _write_report, _report_written),
    Write(
        "cancel someone's registration as organiser (page)",
        _is_secretariat,
        _organiser_cancels("page"),
        _demo_registration_cancelled,
    ),
    Write(
        "cancel someone's registration as organiser (API token)",
        _is_secretariat,
        _organiser_cancels("api"),
        _demo_registration_cancelled,
    ),
    Write(
        "enter the Flemish Community's staffing figures (page)",
        lambda who: (
            _is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
        ),
        _enter_staffing,
        _staffing_entered,
    ),
    # Only the province's own network manager: not another province's, nor the Flemish
    # coordinators, nor the secretariat.
    Write(
        "approve a placement site application in Brussels (page)",
        lambda who: "netwerkbeheerder_brussel" in who.roles,
        _review_placement_site("brussel"),
        _placement_site_approved("brussel"),
    ),
    Write(
        "approve a placement site application in Antwerp (page)",
        lambda who: "netwerkbeheerder_antwerpen" in who.roles,
        _review_placement_site("antwerpen"),
        _placement_site_approved("antwerpen"),
    ),
    # Webhooks (issue 23): administrators keep every one, coordinators their authority's.
    Write(
        "register a webhook (page)",
        lambda who: "administrator" in who.roles or "coordinator" in who.roles,
        _register_webhook,
        _webhook_registered,
    ),
    Write(
        "switch on the Flemish Community's webhook (page)",
        _keeps_flemish_webhooks,
        _switch_on_flemish_webhook,
        _flemish_webhook_on,
    ),
    Write(
        "give the Flemish Community's webhook a new secret (page)",
        _keeps_flemish_webhooks,
        _rotate_flemish_secret,
        _flemish_secret_rotated,
    ),
    Write(
        "confirm own authority's service is still true (page)",
        _is_coordinator,
        _confirm(_own, _third_service),
        _confirmed(_own, _third_service),
    ),
    Write(
        "confirm another authority's service is still true (page)",
        lambda who: False,
        _confirm(_other, _others_third_service),
        _confirmed(_other, _others_third_service),
    ),
    Write(
        "mark two services as not duplicates (page)",
        lambda who: bool(who.roles & {"member", "secretary", "administrator"}),
        _dismiss_twins,
        _twins_dismissed,
    ),
    Write(
        "report an error on a published service (page, no login)",
        lambda who: True,
        _report_error,
        _error_reported,
    ),
    Write(
        "close an error report on a Flemish service (page)",
        _handles_reports_of("vlaams"),
        _close_report("VG-09"),
        _report_closed("VG-09"),
    ),
    Write(
        "close an error report on a COCOF service (page)",
        _handles_reports_of("cocof"),
        _close_report("CF-08"),
        _report_closed("CF-08"),
    ),
    Write(
        "add a room to a prison (page)",
        _room_keeper,
        _add_room,
        _room_added,
    ),
    Write(
        "book a room for a service of one's own authority (page)",
        _room_keeper,
        _book_room(_own, "2031-03-04"),
        _room_booked("2031-03-04"),
    ),
    Write(
        "book a room for another authority's service (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _book_room(_other, "2031-03-05"),
        _room_booked("2031-03-05"),
    ),
    Write(
        "create a personal API token (page)",
        lambda who: who.login is not None,
        _create_token,
        _token_exists,
    ),
    Write(
        "make a private feed address (page)",
        lambda who: bool(who.roles & {"member", "secretary", "administrator"}),
        _make_feed_address,
        _feed_address_exists,
    ),
    # The register of signals (issue 24): coordinators and the secretariat write; COCOM's
    # signal is kept by COCOM's coordinators and the secretariat; the secretariat publishes.
    Write("add a signal (page)", _writes_signals, _add_signal, _signal_added("")),
    Write("add a signal (API)", _writes_signals, _add_signal_api, _signal_added("api ")),
    Write(
        "change COCOM's signal (page)",
        _keeps_cocom_signals,
        _change_cocom_signal,
        _cocom_signal_addressed(""),
    ),
    Write(
        "change COCOM's signal (API)",
        _keeps_cocom_signals,
        _patch_cocom_signal,
        _cocom_signal_addressed("api "),
    ),
    Write(
        "withdraw a published signal (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _withdraw_signal,
        _signal_withdrawn,
    ),
]


# --- outside partners (issue 24, goal 5.2) -------------------------------------------------


def _keeps_partners(who: Who) -> bool:
    """The register of outside partners: the secretariat and every authority's coordinators
    (a partner belongs to no authority)."""
    return bool(who.roles & {"coordinator", "secretary", "administrator"})


def _partner_named(db, name_nl: str):
    from core.partners.models import Partner

    return db.scalar(select(Partner).where(Partner.name_nl == name_nl))


def _add_partner(client, app, who, csrf):
    return client.post(
        "/partners/new",
        data={
            "csrf_token": csrf,
            "name_nl": f"partner {who.label}",
            "kind": "other",
            "contact_name": "Contact",
            "email": f"{who.label}@example.be",
            "language": "nl",
        },
    )


def _partner_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        return _partner_named(db, f"partner {who.label}") is not None


def _change_partner(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        actiris = _partner_named(db, "Actiris")
        fields = ("name_nl", "name_fr", "kind", "contact_name", "email", "language")
        data = {name: getattr(actiris, name) or "" for name in fields}
        version = actiris.version
    return client.post(
        f"/partners/{actiris.id}/edit",
        data={**data, "csrf_token": csrf, "version": version, "notes": f"by {who.label}"},
    )


def _partner_changed(app, who):
    with app.extensions["concerto.db"].session() as db:
        return _partner_named(db, "Actiris").notes == f"by {who.label}"


def _working_group(db) -> Body:
    return db.scalar(select(Body).where(Body.code == "werkgroep_gezondheid"))


def _add_partner_member(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        body_id = _working_group(db).id
        vdab_id = _partner_named(db, "VDAB Brussel").id
    return client.post(
        f"/bodies/{body_id}/members/new",
        data={
            "csrf_token": csrf,
            "name": f"partner member {who.label}",
            "role": "member",
            "authority": f"partner:{vdab_id}",
            "language": "nl",
            "starts_on": "2026-01-01",
        },
    )


def _partner_member_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        found = db.scalar(
            select(Membership).where(Membership.name == f"partner member {who.label}")
        )
        return found is not None and found.partner_id is not None


def _add_partner_action(client, app, who, csrf):
    with app.extensions["concerto.db"].session() as db:
        minutes_id = db.scalar(
            select(Minutes.id)
            .join(Meeting, Minutes.meeting_id == Meeting.id)
            .where(Meeting.body_id == _working_group(db).id, Minutes.state == "draft")
        )
        actiris_id = _partner_named(db, "Actiris").id
    return client.post(
        f"/minutes/{minutes_id}/actions",
        data={
            "csrf_token": csrf,
            "title_nl": f"partneractie {who.label}",
            "authority": f"partner:{actiris_id}",
        },
    )


def _partner_action_added(app, who):
    with app.extensions["concerto.db"].session() as db:
        found = db.scalar(
            select(ActionItem).where(ActionItem.title_nl == f"partneractie {who.label}")
        )
        return found is not None and found.partner_id is not None


WRITES += [
    Write("add an outside partner (page)", _keeps_partners, _add_partner, _partner_added),
    Write("change an outside partner (page)", _keeps_partners, _change_partner, _partner_changed),
    # The committee's working group is kept by the secretariat (meetings.manage).
    Write(
        "add an outside partner to the committee's working group (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _add_partner_member,
        _partner_member_added,
    ),
    Write(
        "give an outside partner an action of the working group's minutes (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _add_partner_action,
        _partner_action_added,
    ),
]


def _prepare(client, app, who: Who) -> str:
    """Log in, remember the user id, and give the client an API token with all the person's
    authority roles, made through the service the token page uses."""
    if who.login is None:
        return ""
    login_as(client, app, who.login)
    with app.extensions["concerto.db"].session() as db:
        subject = (
            PEOPLE[who.login[0]][who.login[1]]
            if isinstance(who.login, tuple)
            else {"secretary": "cocom-secretariaat", "administrator": "cocom-beheer"}[who.login]
        )
        identity = db.scalar(select(Identity).where(Identity.subject == subject))
        client.user_id = identity.user_id
        client.api_token, _token = create_token(
            db, identity, "matrix-api", list(identity.access_roles), 1
        )
    return csrf_token(client, "/")


@pytest.mark.parametrize("who", EVERYONE, ids=lambda who: who.label)
def test_only_what_the_rules_allow_succeeds(database_url, providers, who):
    app = make_app(database_url, **providers.settings())
    try:
        client = app.test_client()
        csrf = _prepare(client, app, who)
        outcomes = {}
        for write in WRITES:
            response = write.attempt(client, app, who, csrf)
            outcomes[write.name] = (
                response.status_code,
                write.changed(app, who),
                write.allowed(who),
            )
        wrong = {
            name: f"status {status}, changed={changed}, should be allowed={allowed}"
            for name, (status, changed, allowed) in outcomes.items()
            if changed != allowed or (not allowed and status < 300)
        }
        assert wrong == {}
        for name, (status, _changed, allowed) in outcomes.items():
            if not allowed:
                # 404: an unpublished record of another authority is not even shown to exist.
                expected = {401, 403, 404} if who.login else {302, 400, 401, 404}
                assert status in expected, f"{name}: {status}"
    finally:
        app.extensions["concerto.db"].engine.dispose()


def test_a_network_manager_reads_and_reviews_only_their_own_province(database_url, providers):
    """Seed 000: the network manager of a province reviews that province's placement sites.
    Antwerp's manager neither sees Brussels' applications in the list nor opens one, and
    holds none of a Flemish coordinator's rights; a Flemish coordinator reads every
    province's applications but reviews none."""
    from concerto_vlaams import placements

    from core.identity.demo import login_choices
    from core.identity.services import principal_for
    from core.permissions import can

    app = make_app(database_url, **providers.settings())
    try:
        with app.extensions["concerto.db"].session() as db:
            sites = {
                province: placements.apply(
                    db,
                    {
                        "organisation": f"Vzw {province}",
                        "legal_form": "non_profit",
                        "province": province,
                        "address": province,
                        "contact_name": "X",
                        "contact_email": "x@example.be",
                        "supervision": "elke dag",
                        "work_offered": "onderhoud",
                        "daily_supervision": "1",
                        "useful_work": "1",
                        "hours_checked": "1",
                    },
                )
                for province in ("antwerpen", "brussel")
            }
        antwerp = app.test_client()
        login_as(antwerp, app, ("vlaams", "network_manager_antwerpen"))
        listing = antwerp.get("/vlaams/placement-sites?province=brussel&state=all")
        assert listing.status_code == 200
        page = listing.get_data(as_text=True)
        assert "Vzw antwerpen" in page and "Vzw brussel" not in page
        assert "You review the applications of: Antwerp." in page
        # The province filter offers only Antwerp.
        assert 'value="antwerpen"' in page and 'value="brussel"' not in page
        assert antwerp.get(f"/vlaams/placement-sites/{sites['brussel']}").status_code == 403
        own = antwerp.get(f"/vlaams/placement-sites/{sites['antwerpen']}")
        assert own.status_code == 200 and 'value="approve"' in own.get_data(as_text=True)
        # Nothing of a coordinator's (the matrix above tries each write): not even the form.
        assert antwerp.get("/services/new").status_code == 403

        coordinator = app.test_client()
        login_as(coordinator, app, ("vlaams", "coordinator"))
        page = coordinator.get("/vlaams/placement-sites?state=all").get_data(as_text=True)
        assert "Vzw antwerpen" in page and "Vzw brussel" in page
        brussels = coordinator.get(f"/vlaams/placement-sites/{sites['brussel']}")
        assert brussels.status_code == 200
        assert 'value="approve"' not in brussels.get_data(as_text=True)

        # The rule itself, for a person holding both provinces' roles and for a token.
        with app.extensions["concerto.db"].session() as db:
            identity = db.scalar(select(Identity).where(Identity.subject == "vlaams-koen"))
            registry = app.extensions["concerto.registry"]
            page_principal = principal_for(identity, "page", registry=registry)
            assert can(page_principal, placements.REVIEW, "antwerpen")
            assert not can(page_principal, placements.REVIEW, "brussel")
            assert not can(page_principal, placements.REVIEW)  # not "anywhere"
            assert not can(page_principal, "inventory.edit", "vlaams")
            assert not can(page_principal, "figures.edit", "vlaams")
            assert not can(page_principal, "plan.add_action")
            # An API token carries platform roles only, never the page login's grants.
            _secret, token = create_token(db, identity, "manager", ["viewer"], 1)
            by_token = principal_for(identity, "api", token=token, registry=registry)
            assert not can(by_token, placements.REVIEW, "antwerpen")
        # The demo's login page names the duty beside the reader's rights.
        people = registry.authorities["vlaams"].oidc_defaults["demo_users"]
        koen = next(user for user in people if user["sub"] == "vlaams-koen")
        provider = SimpleNamespace(authority="vlaams", users={"vlaams-koen": koen})
        (choice,) = login_choices(registry, [provider])["vlaams"]
        assert choice["roles"] == ["viewer"]
        assert [duty["en"] for duty in choice["duties"]] == [
            "Community service network manager, Antwerpen"
        ]
    finally:
        app.extensions["concerto.db"].engine.dispose()
