"""Webhooks (issue 23), delivered: other systems hear of the platform's changes, signed as
Standard Webhooks does, from the log of events through the scheduler. A change by page, by API
and by import arrives once each with a signature the receiver can check with its secret (and
without the library); a 500 is retried later and then delivered, with waits that double up to
a cap; a second run, a second scheduler process or a restart sends nothing twice; an endpoint
failing for a day is switched off and its owner told once; a person sends a message again and
rotates the secret; delivered messages are forgotten after a while.

A receiver runs on loopback (tests/webhook_receiver.py); the configuration allows loopback
targets and plain http for it. Where an endpoint may point and what it hears:
tests/test_webhooks_endpoints.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from core.clock import utcnow
from core.events.models import Event
from core.identity.models import Identity
from core.inventory.models import Service
from core.mail.models import OutboxMessage
from core.webhooks import delivery as delivering
from core.webhooks import services, transport
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import make_app
from tests.logins import api_token, csrf_token, login
from tests.webhook_receiver import (
    LOOPBACK,
    _make_due,
    _signal_need,
    deliver,
    lowered,
    register,
)


def independent_check(secret: str, headers: dict, body: bytes) -> bool:
    """The signature checked without the library: HMAC-SHA256 over "id.timestamp.body" with
    the secret's bytes, in base64 after "v1,"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


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


def test_waits_double_up_to_a_cap_with_jitter():
    no_jitter = [delivering.wait_after(n, chance=lambda: 0.0) for n in range(1, 12)]
    assert no_jitter[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(no_jitter) == delivering.MAX_WAIT
    most_jitter = delivering.wait_after(3, chance=lambda: 1.0)
    assert most_jitter == timedelta(minutes=3)
    total = sum(no_jitter + [delivering.MAX_WAIT] * (delivering.MAX_ATTEMPTS - 12), timedelta())
    assert total * 0.75 > timedelta(hours=24), "retries outlast the day before switching off"


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
