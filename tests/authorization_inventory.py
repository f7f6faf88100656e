"""The authorization matrix's writes on the inventory: services (page and API),
organisations, needs, the frozen state of affairs, and keeping the inventory true
(confirming, duplicates, error reports).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from core.inventory.models import Need, Organization, Service, Snapshot
from tests.authorization_people import (
    Who,
    Write,
    is_coordinator,
    is_secretariat,
    other_authority,
    own_authority,
)

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
    category = (
        app.extensions["concerto.registry"].authorities[own_authority(who)].vocabulary[0].code
    )
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
            .where(Organization.authority_code != own_authority(who))
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
        is_secretariat(who) or ("coordinator" in who.roles and who.authority == authority)
    )


INVENTORY_WRITES = [
    Write(
        "create a service for own authority (page)",
        is_coordinator,
        _create_service,
        _service_created,
    ),
    Write(
        "edit own authority's service (page)",
        is_coordinator,
        _post_service_edit(own_authority, SECOND_SERVICE),
        _service_edited(own_authority, SECOND_SERVICE),
    ),
    Write(
        "edit own authority's service (API token)",
        is_coordinator,
        _patch_service(own_authority),
        _service_edited(own_authority),
    ),
    Write(
        "edit another authority's service (page)",
        lambda who: False,
        _post_service_edit(other_authority),
        _service_edited(other_authority),
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
        is_coordinator,
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
]


KEEPING_TRUE_WRITES = [
    Write(
        "confirm own authority's service is still true (page)",
        is_coordinator,
        _confirm(own_authority, _third_service),
        _confirmed(own_authority, _third_service),
    ),
    Write(
        "confirm another authority's service is still true (page)",
        lambda who: False,
        _confirm(other_authority, _others_third_service),
        _confirmed(other_authority, _others_third_service),
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
]
