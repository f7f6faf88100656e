"""What the webhook tests share (tests/test_webhooks_delivery.py, tests/test_webhooks_endpoints.py):
a receiver on loopback (a small threaded HTTP server that keeps every request and answers with
the statuses it is given), the loopback networks the tests' configuration allows, one run of
the scheduled delivery, an endpoint registered through the page, and a change to hear of (a
need signalled through the page)."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import update

from core.audit.services import acting_as
from core.clock import utcnow
from core.permissions import system
from core.webhooks import delivery as delivering
from core.webhooks.models import WebhookDelivery
from tests.logins import csrf_token

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


def lowered(headers: dict) -> dict:
    return {name.lower(): value for name, value in headers.items()}


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
