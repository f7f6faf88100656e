"""The authorization matrix's writes on the smaller registers: the Flemish Community's
staffing figures and placement sites, rooms, signals and outside partners.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.inventory.models import Service
from core.meetings.models import (
    ActionItem,
    Body,
    Meeting,
    Membership,
    Minutes,
)
from core.signals.models import Signal
from tests.authorization_people import (
    Who,
    Write,
    is_secretariat,
    other_authority,
    own_authority,
)


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


FLEMISH_WRITES = [
    Write(
        "enter the Flemish Community's staffing figures (page)",
        lambda who: (
            is_secretariat(who) or ("coordinator" in who.roles and who.authority == "vlaams")
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
]


ROOM_WRITES = [
    Write(
        "add a room to a prison (page)",
        _room_keeper,
        _add_room,
        _room_added,
    ),
    Write(
        "book a room for a service of one's own authority (page)",
        _room_keeper,
        _book_room(own_authority, "2031-03-04"),
        _room_booked("2031-03-04"),
    ),
    Write(
        "book a room for another authority's service (page)",
        lambda who: bool(who.roles & {"secretary", "administrator"}),
        _book_room(other_authority, "2031-03-05"),
        _room_booked("2031-03-05"),
    ),
]


SIGNAL_WRITES = [
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


PARTNER_WRITES = [
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
