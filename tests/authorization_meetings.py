"""The authorization matrix's writes on bodies and meetings: the committee's and the
Flemish Community's bodies, meetings, agenda items, invitations, minutes and their remarks,
and the actions of minutes.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.clock import today as brussels_today
from core.mail.models import OutboxMessage
from core.meetings import services as meetings
from core.meetings.models import (
    ActionItem,
    AgendaItem,
    Body,
    Meeting,
    Membership,
    Minutes,
    Remark,
    RemarkRound,
)
from tests.authorization_people import (
    Who,
    Write,
    api_request,
    is_coordinator,
    is_secretariat,
    own_authority,
)


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
            "owner": own_authority(who),
            "code": "own_matrix_group",
            "kind": "working_group",
            "name_nl": f"eigen groep {who.label}",
        },
    )


def _own_body_created(app, who):
    with app.extensions["concerto.db"].session() as db:
        body = db.scalar(select(Body).where(Body.code == "own_matrix_group"))
        return body is not None and body.authority_code == own_authority(who)


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
            return api_request(client, "POST", "/api/v1/meetings", {"body": FLEMISH_BODY, **values})
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
    return api_request(
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


MEETING_WRITES = [
    Write("create a body (page)", is_secretariat, _create_body, _body_created),
    Write(
        "create a body of one's own authority (page)",
        is_coordinator,
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
    Write("plan a meeting (page)", is_secretariat, _plan_meeting, _meeting_planned),
    Write("add an agenda item (page)", is_secretariat, _add_agenda_item, _agenda_item_added),
    Write("send invitations (page)", is_secretariat, _invite, _invited),
    Write(
        "approve minutes at the next meeting (page)",
        is_secretariat,
        _approve_last_minutes,
        _last_minutes_approved,
    ),
    Write(
        "send draft minutes for remarks (page)",
        is_secretariat,
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
    Write("mark a remark not taken in (page)", is_secretariat, _mark_on_the_page, _marked("page")),
    Write("mark a remark not taken in (API token)", is_secretariat, _mark_by_api, _marked("api")),
    Write(
        "update an action of the Flemish Community (page)",
        lambda who: (
            is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
        ),
        _note_on_vlaams_action,
        _action_noted("page"),
    ),
    Write(
        "update an action of the Flemish Community (API token)",
        lambda who: (
            is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
        ),
        _patch_vlaams_action,
        _action_noted("api"),
    ),
]
