"""Webhook endpoints (issue 23): where they may point and what they hear. Private targets are
refused unless the configuration allows them, also behind a name, and addresses are checked as
the configuration says (a network that is not one stops the start-up); a coordinator never
hears of another authority's records that are not public, and an administrator chooses one
authority with none left out; the form keeps what was typed and says what is wrong in the
reader's language; every kind of change has words; the receivers' guide checks a signature as
the platform makes it. Delivery itself: tests/test_webhooks_delivery.py."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from core.clock import utcnow
from core.identity.models import Identity
from core.inventory.models import Service
from core.webhooks import delivery as delivering
from core.webhooks import kinds, services, transport
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import make_app
from tests.logins import csrf_token, login, login_as
from tests.webhook_receiver import (
    LOOPBACK,
    _make_due,
    _signal_need,
    deliver,
    lowered,
    register,
)


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


def test_a_network_that_is_not_one_stops_the_start_up():
    from core.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="webhook_allowed_networks"):
        load_config({"webhook_allowed_networks": ["10.0.0.0/8", "the office"]}, environ={})
    assert load_config({"webhook_allowed_networks": ["10.0.0.0/8", "::1"]}, environ={})
