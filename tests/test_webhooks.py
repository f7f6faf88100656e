"""Webhooks (issue 23): other systems hear of the platform's changes, signed as Standard
Webhooks does, from the log of events through the scheduler.

A receiver runs on loopback in the test (a small threaded HTTP server); the configuration
allows loopback targets and plain http for it. Each test checks one promise: a change by page,
by API and by import arrives once each with a signature the receiver can check with its
secret; a 500 is retried and then delivered; a second run, a second scheduler process or a
restart sends nothing twice; private targets are refused unless allowed, also behind a name;
an endpoint failing for a day is switched off and its owner told once; a person can send a
message again and switch the endpoint on again; a coordinator never hears of another
authority's records that are not public.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update
from standardwebhooks import Webhook

from core.audit.services import acting_as
from core.clock import utcnow
from core.events.models import Event
from core.identity.models import Identity
from core.inventory import imports
from core.inventory.models import Service
from core.mail.models import OutboxMessage
from core.permissions import system
from core.webhooks import delivery as delivering
from core.webhooks import kinds, services, transport
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import make_app
from tests.logins import api_token, csrf_token, login, login_as

LOOPBACK = ["127.0.0.0/8", "::1/128"]


class Receiver:
    """An HTTP server on loopback that keeps every request it gets and answers each with the
    next status in ``answers`` (200 once they run out)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        {"headers": dict(self.headers.items()), "body": body, "path": self.path}
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"broken " * 200)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def messages(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def hook_app(database_url, providers):
    application = make_app(
        database_url,
        webhook_allow_http=True,
        webhook_allowed_networks=LOOPBACK,
        **providers.settings(),
    )
    yield application
    imports.queue_of(application).stop()  # the import's worker, before its database goes
    application.extensions["concerto.db"].engine.dispose()


def deliver(app) -> dict:
    """One run of the scheduled job's work, as the scheduler runs it."""
    with (
        app.app_context(),
        acting_as(system("job", "webhooks")),
        app.extensions["concerto.db"].session() as session,
    ):
        return delivering.deliver(session)


def register(client, url: str, kinds: list[str], **extra) -> tuple[int, str]:
    """Register through the page; returns the endpoint's id and the secret shown once."""
    answer = client.post(
        "/webhooks/new",
        data={"csrf_token": csrf_token(client, "/webhooks/new"), "url": url, "kinds": kinds}
        | extra,
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)[:2000]
    page = answer.get_data(as_text=True)
    secret = re.search(r'id="secret"[^>]*value="(whsec_[^"]+)"', page).group(1)
    endpoint_id = int(re.search(r'href="/webhooks/(\d+)"', page).group(1))
    return endpoint_id, secret


def independent_check(secret: str, headers: dict, body: bytes) -> bool:
    """The signature checked without the library: HMAC-SHA256 over "id.timestamp.body" with
    the secret's bytes, in base64 after "v1,"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


def lowered(headers: dict) -> dict:
    return {name.lower(): value for name, value in headers.items()}


def _vlaams_service(app, external_id: str) -> Service:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(
            select(Service).where(
                Service.authority_code == "vlaams", Service.external_id == external_id
            )
        )


def _wait_for_import(client, location: str) -> None:
    for _ in range(600):
        if "hx-trigger" not in client.get(location).get_data(as_text=True):
            return
        time.sleep(0.05)
    raise AssertionError("the import never ended")


def test_a_change_by_page_api_and_import_arrives_once_each_signed(hook_app, receiver):
    app = hook_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        before = db.scalar(select(func.max(Event.id)))
    endpoint_id, secret = register(
        lotte, receiver.url, ["service.created", "service.changed", "service.published"]
    )
    # By page: a new service.
    category = app.extensions["concerto.registry"].authorities["vlaams"].vocabulary[0].code
    created = lotte.post(
        "/services/new",
        data={
            "csrf_token": csrf_token(lotte, "/services/new"),
            "external_id": "VG-WH-PAGE",
            "category": category,
            "name_nl": "Webhook per pagina",
            "delivery": "group",
            "setting": "inside",
            "access": "on_request",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    # By API: a change to a published service.
    published = _vlaams_service(app, "VG-01")
    token = api_token(app, "vlaams-lotte", ["coordinator"])
    patched = app.test_client().patch(
        f"/api/v1/services/{published.id}",
        json={"name_en": "Changed by the API"},
        headers={"Authorization": f"Bearer {token}", "If-Match": f'"{published.version}"'},
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)[:2000]
    # By import: a new service in a file.
    csv = b"external_id,category,name_nl,name_fr,prisons\nVG-WH-IMPORT,sport,Import,Import,haren\n"
    uploaded = lotte.post(
        "/services/import",
        data={
            "csrf_token": csrf_token(lotte, "/services/import"),
            "file": (io.BytesIO(csv), "services.csv"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code in (302, 303), uploaded.get_data(as_text=True)[:2000]
    _wait_for_import(lotte, uploaded.location)
    by_page = _vlaams_service(app, "VG-WH-PAGE")
    by_import = _vlaams_service(app, "VG-WH-IMPORT")
    assert by_import is not None, "the import stored its row"

    counts = deliver(app)
    assert counts["failed"] == 0
    assert deliver(app)["made"] == 0, "a second run makes nothing new"

    with app.extensions["concerto.db"].session() as db:
        expected = db.scalars(
            select(Event.id)
            .where(
                Event.id > before,
                Event.authority_code == "vlaams",
                Event.kind.in_(["service.created", "service.changed", "service.published"]),
                Event.record_id.in_([by_page.id, published.id, by_import.id]),
            )
            .order_by(Event.id)
        ).all()
    messages = receiver.messages()
    received = sorted(message["data"]["event_id"] for message in messages)
    assert received == sorted(expected), "every event once, nothing twice"
    records = {(m["type"], m["data"]["record"]["id"]) for m in messages}
    assert ("service.created", by_page.id) in records
    assert ("service.changed", published.id) in records
    assert ("service.created", by_import.id) in records
    for request in receiver.requests:
        headers = lowered(request["headers"])
        # The library of the Standard Webhooks project, and an implementation of our own.
        verified = Webhook(secret).verify(request["body"], headers)
        assert verified["data"]["authority"] == "vlaams"
        assert independent_check(secret, headers, request["body"])
        assert headers["webhook-id"] == f"evt_{verified['data']['event_id']}"
        assert headers["content-type"] == "application/json"
    # A message signed with another secret does not pass.
    with pytest.raises(Exception, match="signature"):
        Webhook(services.new_secret()).verify(
            receiver.requests[0]["body"], lowered(receiver.requests[0]["headers"])
        )
    # No value of a changed field travels, only their names: readers fetch the record.
    assert "Changed by the API" not in json.dumps(messages)
    with app.extensions["concerto.db"].session() as db:
        states = db.scalars(
            select(WebhookDelivery.state).where(WebhookDelivery.endpoint_id == endpoint_id)
        ).all()
        assert states == ["delivered"] * len(expected)


def test_a_500_is_retried_later_and_then_delivered(hook_app, receiver):
    app = hook_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    endpoint_id, secret = register(lotte, receiver.url, ["need.created"])
    receiver.answers = [500]
    _signal_need(lotte, "Een nood voor de webhook")
    first = deliver(app)
    assert (first["made"], first["failed"], first["delivered"]) == (1, 1, 0)
    with app.extensions["concerto.db"].session() as db:
        delivery = db.scalar(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        wait = delivery.next_attempt_at - utcnow()
        assert delivery.state == "pending" and delivery.attempts == 1
        # A minute, less up to a quarter of jitter.
        assert timedelta(seconds=40) < wait <= timedelta(minutes=1)
        (attempt,) = delivery.attempt_log
        assert attempt.status_code == 500 and attempt.error == "status: 500"
        assert len(attempt.response_excerpt) <= transport.EXCERPT, "only an excerpt is kept"
    assert deliver(app)["delivered"] == 0, "not before its time"
    _make_due(app, endpoint_id)
    assert deliver(app)["delivered"] == 1
    with app.extensions["concerto.db"].session() as db:
        delivery = db.scalar(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        assert delivery.state == "delivered"
        assert [a.status_code for a in delivery.attempt_log] == [500, 200]
        assert all(a.duration_ms >= 0 for a in delivery.attempt_log)
    first_try, second_try = receiver.requests
    assert (
        lowered(first_try["headers"])["webhook-id"] == lowered(second_try["headers"])["webhook-id"]
    )
    assert first_try["body"] == second_try["body"]
    Webhook(secret).verify(second_try["body"], lowered(second_try["headers"]))
    assert deliver(app) == {"made": 0, "delivered": 0, "failed": 0, "skipped": 0}


def _signal_need(client, description: str) -> None:
    answer = client.post(
        "/needs/new",
        data={
            "csrf_token": csrf_token(client, "/needs/new"),
            "prison": "haren",
            "domain": "sport",
            "description_nl": description,
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]


def _make_due(app, endpoint_id: int) -> None:
    with app.extensions["concerto.db"].session() as db:
        db.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_two_scheduler_processes_and_a_restart_send_each_event_once(
    database_url, providers, receiver
):
    settings = dict(webhook_allow_http=True, webhook_allowed_networks=LOOPBACK)
    first = make_app(database_url, **settings, **providers.settings())
    second = make_app(database_url, **settings, **providers.settings())
    try:
        lotte = first.test_client()
        login(lotte, "vlaams", "vlaams-lotte")
        endpoint_id, _secret = register(lotte, receiver.url, ["need.created", "need.changed"])
        for number in range(4):
            _signal_need(lotte, f"Nood {number}")
        receiver.delay = 0.2  # the two processes' runs overlap while messages travel
        runs = [threading.Thread(target=deliver, args=(app,)) for app in (first, second)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(60)
        # A restart: a new process (app) runs the job again, and the job function itself.
        third = make_app(database_url, **settings, **providers.settings())
        deliver(third)
        import core.scheduler
        from core.webhooks.jobs import deliver_webhooks

        previous, core.scheduler._app = core.scheduler._app, third
        try:
            deliver_webhooks()
        finally:
            core.scheduler._app = previous
        third.extensions["concerto.db"].engine.dispose()
        ids = [lowered(request["headers"])["webhook-id"] for request in receiver.requests]
        assert len(ids) == 4 and len(set(ids)) == 4, ids
        with first.extensions["concerto.db"].session() as db:
            deliveries = db.scalars(
                select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            ).all()
            assert len(deliveries) == 4
            assert [len(d.attempt_log) for d in deliveries] == [1, 1, 1, 1]
    finally:
        first.extensions["concerto.db"].engine.dispose()
        second.extensions["concerto.db"].engine.dispose()


def test_private_targets_are_refused_unless_the_configuration_allows_them(
    database_url, providers, receiver, monkeypatch
):
    app = make_app(database_url, webhook_allow_http=True, **providers.settings())
    try:
        lotte = app.test_client()
        login(lotte, "vlaams", "vlaams-lotte")
        data = {"csrf_token": csrf_token(lotte, "/webhooks/new"), "kinds": ["need.created"]}
        for address in (
            "http://127.0.0.1:8080/hooks",
            "http://10.1.2.3/hooks",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hooks",
            "http://[::ffff:192.168.1.1]/hooks",
        ):
            refused = lotte.post("/webhooks/new", data=data | {"url": address})
            assert refused.status_code == 422, address
            assert "private or local network" in refused.get_data(as_text=True)
        # A name is resolved when a message leaves: one that resolves to loopback is refused
        # then, and the receiver hears nothing.
        endpoint_id, _secret = register(
            lotte, f"http://hooks.example.be:{receiver.port}/hooks", ["need.created"]
        )
        real = socket.getaddrinfo

        def resolving_to_loopback(host, *args, **kwargs):
            if host == "hooks.example.be":
                return real("127.0.0.1", *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(transport.socket, "getaddrinfo", resolving_to_loopback)
        _signal_need(lotte, "Een nood")
        assert deliver(app)["failed"] == 1
        assert receiver.requests == []
        with app.extensions["concerto.db"].session() as db:
            attempt = db.scalar(
                select(WebhookAttempt)
                .join(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
            )
            assert attempt.error.startswith("address: hooks.example.be -> 127.0.0.1")
            assert attempt.status_code is None
        page = lotte.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
        assert "private or local network" in page
    finally:
        app.extensions["concerto.db"].engine.dispose()
    # Allowed, the same name reaches the receiver at the address that was checked, with the
    # name in the Host header (nothing resolves it again).
    allowed = make_app(
        database_url,
        webhook_allow_http=True,
        webhook_allowed_networks=LOOPBACK,
        **providers.settings(),
    )
    try:
        _make_due(allowed, endpoint_id)
        assert deliver(allowed)["delivered"] == 1
        (request,) = receiver.requests
        assert lowered(request["headers"])["host"] == f"hooks.example.be:{receiver.port}"
    finally:
        allowed.extensions["concerto.db"].engine.dispose()


def test_addresses_are_checked_as_the_configuration_says():
    settings = {
        "webhook_allow_http": False,
        "webhook_allowed_networks": [],
        "webhook_timeout_seconds": 1,
    }
    allowed = transport.networks({"webhook_allowed_networks": ["10.0.0.0/8"]})
    assert not transport.address_allowed("127.0.0.1", [])
    assert not transport.address_allowed("::ffff:127.0.0.1", [])
    assert not transport.address_allowed("100.64.0.1", [])  # shared address space
    assert not transport.address_allowed("224.0.0.1", [])  # multicast
    assert not transport.address_allowed("fe80::1", [])
    assert transport.address_allowed("10.2.3.4", allowed)
    assert not transport.address_allowed("192.168.0.1", allowed)
    assert transport.address_allowed("8.8.8.8", [])
    # Plain http is refused before anything is resolved or sent.
    outcome = transport.post("http://8.8.8.8/", b"{}", {}, settings)
    assert outcome.error == "scheme: http" and outcome.status_code is None


def test_an_endpoint_failing_for_a_day_is_switched_off_and_its_owner_told_once(hook_app, receiver):
    app = hook_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    with app.extensions["concerto.db"].session() as db:
        # The owner reads Dutch: the e-mail is in Dutch, whatever the page was read in.
        db.scalar(
            select(Identity).where(Identity.subject == "vlaams-lotte")
        ).user.default_language = "nl"
    endpoint_id, _secret = register(lotte, receiver.url, ["need.created"])
    receiver.answers = [500] * 50
    _signal_need(lotte, "Een nood die niet aankomt")
    for _ in range(delivering.DISABLE_MIN_FAILURES):
        deliver(app)
        _make_due(app, endpoint_id)
    with app.extensions["concerto.db"].session() as db:
        endpoint = db.get(WebhookEndpoint, endpoint_id)
        assert endpoint.enabled, "failing for minutes is not failing for a day"
        assert endpoint.consecutive_failures == delivering.DISABLE_MIN_FAILURES
        # The failures began a day and a bit ago.
        endpoint.failing_since = utcnow() - timedelta(hours=25)
    deliver(app)
    with app.extensions["concerto.db"].session() as db:
        endpoint = db.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.enabled and endpoint.disabled_reason == "failures"
        mails = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "webhook_disabled")
        ).all()
        (mail,) = mails
        lotte_email = db.scalar(
            select(Identity).where(Identity.subject == "vlaams-lotte")
        ).user.email
        assert mail.recipient == lotte_email
        assert mail.language == "nl"
        assert receiver.url in mail.subject and "/webhooks/" in mail.body
        assert mail.subject.startswith("Uw webhook werd uitgeschakeld")
    sent = len(receiver.requests)
    _make_due(app, endpoint_id)
    deliver(app)
    assert len(receiver.requests) == sent, "nothing leaves for a switched-off endpoint"
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        # Told once, however often the job runs.
        assert delivering.disable_if_failing(db, endpoint_id) is False
        count = db.scalar(select(func.count()).where(OutboxMessage.kind == "webhook_disabled"))
        assert count == 1
    # Switched on again by its owner, the waiting message goes at once.
    receiver.answers = []
    answer = lotte.post(
        f"/webhooks/{endpoint_id}/switch",
        data={"csrf_token": csrf_token(lotte, f"/webhooks/{endpoint_id}"), "on": "1"},
    )
    assert answer.status_code == 302
    assert deliver(app)["delivered"] == 1
    with app.extensions["concerto.db"].session() as db:
        endpoint = db.get(WebhookEndpoint, endpoint_id)
        assert endpoint.enabled and endpoint.consecutive_failures == 0
        assert endpoint.failing_since is None


def test_a_person_sends_a_message_again_and_rotates_the_secret(hook_app, receiver):
    app = hook_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    endpoint_id, secret = register(lotte, receiver.url, ["need.created"])
    _signal_need(lotte, "Een nood")
    assert deliver(app)["delivered"] == 1
    with app.extensions["concerto.db"].session() as db:
        delivery_id = db.scalar(
            select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
    page = f"/webhooks/{endpoint_id}"
    assert f"/deliveries/{delivery_id}/redeliver" in lotte.get(page).get_data(as_text=True)
    rotated = lotte.post(f"{page}/secret", data={"csrf_token": csrf_token(lotte, page)})
    assert rotated.status_code == 200
    new_secret = re.search(r'value="(whsec_[^"]+)"', rotated.get_data(as_text=True)).group(1)
    assert new_secret != secret
    again = lotte.post(
        f"{page}/deliveries/{delivery_id}/redeliver", data={"csrf_token": csrf_token(lotte, page)}
    )
    assert again.status_code == 302
    assert deliver(app)["delivered"] == 1
    first, second = receiver.requests
    assert lowered(first["headers"])["webhook-id"] == lowered(second["headers"])["webhook-id"]
    Webhook(new_secret).verify(second["body"], lowered(second["headers"]))
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(second["body"], lowered(second["headers"]))
    # Another authority's coordinator reaches neither the page nor its buttons.
    camille = app.test_client()
    login(camille, "cocof", "cocof-camille")
    assert camille.get(page).status_code == 403
    refused = camille.post(
        f"{page}/deliveries/{delivery_id}/redeliver",
        data={"csrf_token": csrf_token(camille, "/webhooks")},
    )
    assert refused.status_code == 403
    assert "/webhooks/" + str(endpoint_id) not in camille.get("/webhooks").get_data(as_text=True)


def test_a_coordinator_never_hears_of_another_authoritys_records_that_are_not_public(
    hook_app, receiver
):
    app = hook_app
    camille = app.test_client()
    login(camille, "cocof", "cocof-camille")
    every_service_kind = [kind for kind in kinds.KINDS if kind.startswith("service.")]
    cocof_endpoint, _ = register(camille, receiver.url + "/cocof", every_service_kind)
    administrator = app.test_client()
    login_as(administrator, app, "administrator")
    everything, _ = register(administrator, receiver.url + "/all", every_service_kind)
    # A coordinator cannot ask for another authority, whatever the form sends.
    other, _ = register(camille, receiver.url + "/other", every_service_kind, authority="vlaams")
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    category = app.extensions["concerto.registry"].authorities["vlaams"].vocabulary[0].code
    assert (
        lotte.post(
            "/services/new",
            data={
                "csrf_token": csrf_token(lotte, "/services/new"),
                "external_id": "VG-WH-DRAFT",
                "category": category,
                "name_nl": "Een Vlaams ontwerp",
                "delivery": "group",
                "setting": "inside",
                "access": "on_request",
            },
        ).status_code
        == 302
    )
    with app.extensions["concerto.db"].session() as db:
        # Even an endpoint made behind the form's back, of another authority or of all.
        owner = db.scalar(select(Identity).where(Identity.subject == "cocof-camille"))
        for authority in ("vlaams", None):
            db.add(
                WebhookEndpoint(
                    url=receiver.url + f"/forged-{authority}",
                    kinds=every_service_kind,
                    authority_code=authority,
                    owner_user_id=owner.user_id,
                    owner_identity_id=owner.id,
                    secret=services.new_secret(),
                    cursor_tx=0,
                    cursor_id=0,
                    consecutive_failures=0,
                )
            )
        cocof_service = db.scalar(
            select(Service).where(Service.authority_code == "cocof").order_by(Service.id)
        )
        cocof_service.name_en = "Changed for COCOF"
    deliver(app)
    paths = [request["path"] for request in receiver.requests]
    assert "/hooks/all" in paths, "the administrator hears of the Flemish draft"
    assert not any(path.startswith("/hooks/forged") for path in paths)
    cocof_messages = [
        json.loads(r["body"])
        for r in receiver.requests
        if r["path"] in ("/hooks/cocof", "/hooks/other")
    ]
    assert cocof_messages, "the COCOF coordinator hears of COCOF's own change"
    assert {m["data"]["authority"] for m in cocof_messages} == {"cocof"}
    with app.extensions["concerto.db"].session() as db:
        assert db.get(WebhookEndpoint, other).authority_code == "cocof"
        assert db.get(WebhookEndpoint, cocof_endpoint).authority_code == "cocof"
        assert db.get(WebhookEndpoint, everything).authority_code is None


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong_in_the_readers_language(
    hook_app,
):
    app = hook_app
    lotte = app.test_client()
    login(lotte, "vlaams", "vlaams-lotte")
    lotte.get("/language/nl")
    answer = lotte.post(
        "/webhooks/new",
        data={
            "csrf_token": csrf_token(lotte, "/webhooks/new"),
            "url": "ftp://subsidies.example.be/hooks",
            "description": "Onze subsidieadministratie",
        },
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'value="ftp://subsidies.example.be/hooks"' in page
    assert 'value="Onze subsidieadministratie"' in page
    assert 'id="e-url"' in page and 'id="e-kinds"' in page
    assert "https://" in page and "Kies minstens" in page
    with app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1  # the demo's
    # A viewer and a member may not register webhooks at all.
    viewer = app.test_client()
    login(viewer, "vlaams", "vlaams-bram")
    assert viewer.get("/webhooks").status_code == 403
    assert viewer.get("/webhooks/new").status_code == 403


def test_waits_double_up_to_a_cap_with_jitter():
    no_jitter = [delivering.wait_after(n, chance=lambda: 0.0) for n in range(1, 12)]
    assert no_jitter[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(no_jitter) == delivering.MAX_WAIT
    most_jitter = delivering.wait_after(3, chance=lambda: 1.0)
    assert most_jitter == timedelta(minutes=3)
    total = sum(no_jitter + [delivering.MAX_WAIT] * (delivering.MAX_ATTEMPTS - 12), timedelta())
    assert total * 0.75 > timedelta(hours=24), "retries outlast the day before switching off"


def test_every_kind_of_change_has_words():
    from core.events.changes import CHANGE_KINDS

    assert set(kinds.KINDS) == set(CHANGE_KINDS)
    for kind in kinds.KINDS:
        assert kinds.kind_label(kind) != kind


def test_the_receivers_guide_checks_a_signature_as_the_platform_makes_it(app):
    """docs/webhooks.md's few lines of Python accept the platform's messages and refuse a
    changed body, another secret and an old timestamp."""
    from tests.conftest import ROOT

    guide = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    (code,) = [
        block for block in re.findall(r"```python\n(.*?)```", guide, re.S) if "def verify" in block
    ]
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the guide's own example
    verify = scope["verify"]
    secret = services.new_secret()
    body = b'{"type":"need.created","data":{"event_id":7}}'
    headers = delivering.signed_headers(secret, "evt_7", body, utcnow())
    assert verify(secret, headers, body)
    assert Webhook(secret).verify(body, headers)["data"]["event_id"] == 7
    assert not verify(secret, headers, body.replace(b"7", b"8"))
    assert not verify(services.new_secret(), headers, body)
    old = delivering.signed_headers(secret, "evt_7", body, utcnow() - timedelta(minutes=10))
    assert not verify(secret, old, body)


def test_an_administrator_chooses_one_authority_and_records_of_none_are_left_out(hook_app):
    """The form offers an administrator every kind before an authority is chosen; for one
    authority, meetings, decisions and goals (which belong to none) are left out, and a
    webhook that would hear of nothing at all is refused with the reason."""
    app = hook_app
    administrator = app.test_client()
    login_as(administrator, app, "administrator")
    endpoint_id, _secret = register(
        administrator, "https://hooks.example.be/one", kinds.KINDS, authority="cocof"
    )
    with app.extensions["concerto.db"].session() as db:
        endpoint = db.get(WebhookEndpoint, endpoint_id)
        assert endpoint.authority_code == "cocof"
        assert {kind.split(".")[0] for kind in endpoint.kinds} == set(kinds.OF_AN_AUTHORITY)
    refused = administrator.post(
        "/webhooks/new",
        data={
            "csrf_token": csrf_token(administrator, "/webhooks/new"),
            "url": "https://hooks.example.be/meetings",
            "authority": "cocof",
            "kinds": ["meeting.changed"],
        },
    )
    assert refused.status_code == 422
    assert "belong to no authority" in refused.get_data(as_text=True)


def test_delivered_messages_are_forgotten_after_a_while_and_the_rest_kept(hook_app):
    app = hook_app
    with app.app_context(), app.extensions["concerto.db"].session() as db:
        kept = {d.id: d.state for d in db.scalars(select(WebhookDelivery))}
        assert set(kept.values()) == {"delivered", "pending"}, "the demo's webhook has both"
        assert delivering.prune(db) == 0, "recent ones stay"
        later = utcnow() + delivering.KEEP_DELIVERED + timedelta(days=1)
        assert delivering.prune(db, now=later) == list(kept.values()).count("delivered")
        left = db.scalars(select(WebhookDelivery.state)).all()
        assert left == ["pending"]
        orphans = db.scalar(
            select(func.count())
            .select_from(WebhookAttempt)
            .where(~WebhookAttempt.delivery_id.in_(select(WebhookDelivery.id)))
        )
        assert orphans == 0, "their attempts went with them"


def test_a_network_that_is_not_one_stops_the_start_up():
    from core.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="webhook_allowed_networks"):
        load_config({"webhook_allowed_networks": ["10.0.0.0/8", "the office"]}, environ={})
    assert load_config({"webhook_allowed_networks": ["10.0.0.0/8", "::1"]}, environ={})
