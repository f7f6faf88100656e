"""Every write of a business record is audited (issue 18, point 5): every table of the core
and the plugins is either audited (a model with ``__audited__``, a link table of an audited
model, a plugin's figure table, a table written through ``core.audit.services.record``) or
named below as not being a business record. The figures page needs the version it was read
at and an explicit tick to empty a year, and it and the placement-site form write audit rows."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.db import Base
from core.reports.figures import rows_of
from tests.logins import csrf_token, login_as

# Tables that hold no business record of their own; each says why it is not audited.
NOT_BUSINESS_RECORDS = {
    "audit_log": "the audit log itself, only ever inserted into",
    "browser_sessions": "login sessions; logins and roles are audited on users and identities",
    "outbox": "outgoing e-mail and its delivery state, shown on /outbox; the deed that queued "
    "a message is audited where it happened",
    "events": "what happened, for the notifier (core.notifications); the change itself is "
    "audited where it happened",
    "digest_entries": "events waiting for a person's digest (core.notifications)",
    "event_readers": "where each reader of the log of events is (a plugin's event hook) and "
    "how its deliveries went (core.events.hooks)",
    "webhook_deliveries": "an event to send to a webhook and its state (core.webhooks); "
    "registering and changing the webhook itself is audited",
    "webhook_attempts": "each attempt at sending a webhook's message, shown on its page",
    "import_jobs": "progress of an upload; the records an import writes are audited themselves",
    "job_runs": "when each scheduled job last ran (health)",
    "scheduler_lease": "which scheduler process holds the lease (health)",
    "rate_limits": "rate-limit counters",
    "report_failures": "why a report could not be made, for the administrator",
    "inventory_generation": "a counter that tells caches the inventory changed",
    "hsds_documents": "each published service's HSDS document as last built, kept for the "
    "export (core.inventory.hsds_store); rebuilt from the audited services",
    "service_stamps": "a counter per service that database triggers move on at every write, "
    "telling the export which stored documents are out of date",
    "verification_campaigns": "when each authority was asked to confirm its services, once a "
    "year (core.inventory.verification); the confirmations themselves are audited",
    "service_versions": "the history of services, written with every audited change of a "
    "service and itself the record of who changed what",
    "prisons": "reference vocabulary from the seed, written by migrations only",
    "domains": "reference vocabulary from the seed, written by migrations only",
    "target_groups": "reference vocabulary from the seed, written by migrations only",
}


def _audited_tables(app) -> dict[str, str]:
    mapped = {mapper.local_table.name: mapper for mapper in Base.registry.mappers}
    audited: dict[str, str] = {}
    for name, mapper in mapped.items():
        if getattr(mapper.class_, "__audited__", False):
            audited[name] = "model"
            for relationship in mapper.relationships:
                if relationship.secondary is not None:
                    audited[relationship.secondary.name] = f"links of {name}"
    for authority in app.extensions["concerto.registry"].authorities.values():
        for figures in authority.figure_tables:
            audited[figures.table.name] = "figure table (core.reports.figures.save_rows)"
    for name, table in Base.metadata.tables.items():
        if table.info.get("audited"):
            audited[name] = table.info["audited"]
    return audited


def test_every_table_is_audited_or_named_as_not_a_business_record(app):
    audited = _audited_tables(app)
    # The Region's test plugin (tests/plugin_dist) is not one of the platform's: other tests
    # import it into the same process (one worker runs many files), adding its table.
    tables = {name for name in Base.metadata.tables if not name.startswith("gewest_")}
    assert "vlaams_staffing" in tables and "vlaams_placement_sites" in tables, "plugins loaded"
    unaudited = sorted(tables - set(audited) - set(NOT_BUSINESS_RECORDS))
    assert unaudited == [], f"written without audit rows: {unaudited}"
    assert sorted(set(NOT_BUSINESS_RECORDS) & set(audited)) == []
    assert sorted(set(NOT_BUSINESS_RECORDS) - tables) == [], "the list names tables that exist"


def _entries(app, table_name: str, record_id: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.table_name == table_name)
    if record_id is not None:
        query = query.where(AuditEntry.record_id == record_id)
    with app.extensions["concerto.db"].session() as db:
        return list(db.scalars(query.order_by(AuditEntry.id)))


PATH = "/authorities/vlaams/figures/staffing/2031"
ROW = {"rows": "1", "r1-prison_code": "haren", "r1-function": "trajectbegeleider", "r1-fte": "2"}


def _stored(app) -> list[dict]:
    from concerto_vlaams.reports import STAFFING

    with app.extensions["concerto.db"].session() as db:
        return rows_of(db, STAFFING, 2031)


def _read_as(client) -> str:
    return client.get(PATH).get_data(as_text=True).split('name="read_as" value="')[1].split('"')[0]


def test_figures_need_their_version_and_a_tick_to_empty_a_year_and_are_audited(any_app):
    app, client = any_app, any_app.test_client()
    login_as(client, app, ("vlaams", "coordinator"))
    client.get("/language/nl")
    csrf = csrf_token(client, PATH)
    saved = client.post(PATH, data={"csrf_token": csrf, "read_as": _read_as(client), **ROW})
    assert saved.status_code == 302
    assert _stored(app) == [
        {"prison_code": "haren", "function": "trajectbegeleider", "fte": Decimal("2")}
    ]
    (created,) = _entries(app, "vlaams_staffing", "2031")
    assert (created.action, created.record_id, created.before) == ("create", "2031", None)
    assert [row["function"] for row in created.after["rows"]] == ["trajectbegeleider"]
    assert created.authority_code == "vlaams" and created.channel == "page"

    # Without the version it was read at, nothing is saved, with a message in the reader's
    # language.
    blind = client.post(PATH, data={"csrf_token": csrf, **dict(ROW, **{"r1-fte": "9"})})
    assert blind.status_code == 400
    assert "Er werd niets bewaard" in blind.get_data(as_text=True)
    assert _stored(app)[0]["fte"] == Decimal("2")

    # A form with only the CSRF token (and the version) does not wipe the year ...
    empty = client.post(PATH, data={"csrf_token": csrf, "read_as": _read_as(client)})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert "Alle rijen van dit jaar verwijderen" in page and 'id="remove_all"' in page
    assert len(_stored(app)) == 1
    # ... unless asked explicitly, and that is audited too.
    wiped = client.post(
        PATH, data={"csrf_token": csrf, "read_as": _read_as(client), "remove_all": "1"}
    )
    assert wiped.status_code == 302
    assert _stored(app) == []
    created, deleted = _entries(app, "vlaams_staffing", "2031")
    assert deleted.action == "delete" and deleted.after is None
    assert deleted.before["rows"][0]["function"] == "trajectbegeleider"


def test_placement_site_applications_and_reviews_are_audited(app, client):
    from tests.test_placement_sites import FORM, _application

    assert (
        client.post(
            FORM, data={"csrf_token": csrf_token(client, FORM), **_application()}
        ).status_code
        == 201
    )
    (created,) = _entries(app, "vlaams_placement_sites")
    assert created.action == "create" and created.channel == "page" and created.user_id is None
    assert created.after["organisation"] == "Sportclub De Pijl"
    assert created.after["state"] == "submitted"

    login_as(client, app, ("vlaams", "network_manager"))
    path = f"/vlaams/placement-sites/{created.record_id}"
    client.post(path, data={"csrf_token": csrf_token(client, path), "decision": "approve"})
    _, reviewed = _entries(app, "vlaams_placement_sites")
    assert reviewed.action == "update" and reviewed.user_id is not None
    assert reviewed.before["state"] == "submitted" and reviewed.after["state"] == "approved"
    assert reviewed.after["service_id"] is not None


def test_a_needs_services_are_audited_on_the_need(app):
    from core.audit.services import acting_as
    from core.inventory.models import Need, Service
    from core.permissions import system

    with app.extensions["concerto.db"].session() as db, acting_as(system("cli", "test")):
        need = db.scalars(select(Need).order_by(Need.id)).first()
        before = sorted(str(service.id) for service in need.services)
        extra = db.scalars(select(Service).where(Service.id.not_in(before or [0]))).first()
        need.services.append(extra)
        db.commit()
        entry = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "needs", AuditEntry.record_id == str(need.id))
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry.before["services"] == sorted(before)
    assert entry.after["services"] == sorted([*before, str(extra.id)])


def test_a_created_record_is_audited_with_its_id_and_a_removed_place_is_audited(app):
    """A record created in a flush is named by its id (not "?"), and a service's place taken
    off its list (deleted by the flush's cascade, never in session.deleted) has its own
    audit row, through the form as through every other way of writing."""
    from tests.test_service_history import FIRST

    client = app.test_client()
    login_as(client, app, ("vlaams", "coordinator"))
    data = {**FIRST, "loc_haren": "1", "loc_haren_places": "3"}
    created = client.post(
        "/services/new", data={"csrf_token": csrf_token(client, "/services/new"), **data}
    )
    assert created.status_code == 302
    service_id = created.location.rsplit("/", 1)[1]
    [create] = [e for e in _entries(app, "services") if e.action == "create"][-1:]
    assert create.record_id == service_id
    places = [e for e in _entries(app, "service_locations") if e.action == "create"][-2:]
    assert all(e.record_id.isdigit() for e in places)
    assert not [e for e in _entries(app, "services", "?")], "no record named ?"

    from core.inventory.models import Service

    with app.extensions["concerto.db"].session() as db:
        service = db.get(Service, int(service_id))
        haren = next(loc for loc in service.locations if loc.prison_code == "haren")
        haren_id = str(haren.id)
        service.locations.remove(haren)  # as an update of a draft's places does
    [removed] = [e for e in _entries(app, "service_locations", haren_id) if e.action == "delete"]
    assert removed.before["prison_code"] == "haren" and removed.after is None
