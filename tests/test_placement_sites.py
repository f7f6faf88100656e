"""Placement sites for community service (seed 000), in the Flemish Community's plugin: an
organisation applies on a public form, only the legal forms the seed names are accepted and
the three duties must be accepted; the network manager approves (a service of its own
type in the inventory) or refuses with a reason, and the applicant is told by e-mail."""

from __future__ import annotations

from sqlalchemy import select

from core.inventory.models import Service
from core.mail.models import OutboxMessage
from tests.logins import csrf_token, login, login_as

FORM = "/vlaams/placement-sites/apply"


def _application(**changes) -> dict:
    return {
        "organisation": "Sportclub De Pijl",
        "legal_form": "non_profit",
        "kbo_number": "",
        "province": "brussel",
        "address": "Kanaalstraat 1, 1000 Brussel",
        "contact_name": "Ann Peeters",
        "contact_email": "ann@depijl.example",
        "language": "fr",
        "supervision": "Een vaste begeleider is elke dag aanwezig.",
        "work_offered": "Onderhoud van de sportvelden.",
        "daily_supervision": "1",
        "useful_work": "1",
        "hours_checked": "1",
        **changes,
    }


def _sites(app):
    from concerto_vlaams.placements import placement_sites

    with app.extensions["concerto.db"].session() as db:
        return [dict(r._mapping) for r in db.execute(select(placement_sites))]


def test_only_the_legal_forms_of_the_seed_may_apply_and_the_duties_must_be_accepted(app, client):
    client.get("/language/en")
    csrf = csrf_token(client, FORM)
    refused = client.post(
        FORM,
        data={
            "csrf_token": csrf,
            **_application(legal_form="bvba", useful_work="", kbo_number="12"),
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert (
        'id="e-legal_form"' in page and 'id="e-useful_work"' in page and 'id="e-kbo_number"' in page
    )
    assert "non-profit association" in page
    assert _sites(app) == []
    accepted = client.post(FORM, data={"csrf_token": csrf, **_application()})
    assert accepted.status_code == 201
    (site,) = _sites(app)
    assert site["state"] == "submitted" and site["legal_form"] == "non_profit"


def test_the_network_manager_approves_or_refuses_and_the_applicant_is_told(app, client):
    csrf = csrf_token(client, FORM)
    client.post(FORM, data={"csrf_token": csrf, **_application()})
    client.post(
        FORM,
        data={
            "csrf_token": csrf,
            **_application(organisation="Bad Idea", contact_email="x@y.example"),
        },
    )
    first, second = sorted(_sites(app), key=lambda s: s["id"])
    assert client.get("/vlaams/placement-sites").status_code in (302, 401)
    login_as(client, app, ("cocof", "coordinator"))
    assert client.get(f"/vlaams/placement-sites/{first['id']}").status_code == 403

    # A Flemish coordinator reads the applications; only Brussels' network manager reviews
    # those of Brussels (Antwerp's neither).
    login_as(client, app, ("vlaams", "coordinator"))
    listing = client.get("/vlaams/placement-sites?province=brussel").get_data(as_text=True)
    assert "Sportclub De Pijl" in listing and "Bad Idea" in listing
    path = f"/vlaams/placement-sites/{first['id']}"
    assert "The network manager of Brussels reviews" in client.get(path).get_data(as_text=True)
    csrf = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": csrf, "decision": "approve"}).status_code == 403
    antwerp = app.test_client()
    login(antwerp, "vlaams", "vlaams-koen")
    refused = antwerp.post(
        path, data={"csrf_token": csrf_token(antwerp, path), "decision": "approve"}
    )
    assert refused.status_code == 403
    assert all(s["state"] == "submitted" for s in _sites(app))

    client = app.test_client()
    login_as(client, app, ("vlaams", "network_manager"))
    # The manager of one province starts with that province's applications.
    listing = client.get("/vlaams/placement-sites").get_data(as_text=True)
    assert "You review the applications of: Brussels." in listing
    assert "Sportclub De Pijl" in listing and "Bad Idea" in listing
    path = f"/vlaams/placement-sites/{second['id']}"
    csrf = csrf_token(client, path)
    no_reason = client.post(path, data={"csrf_token": csrf, "decision": "refuse", "reason": ""})
    assert no_reason.status_code == 422
    client.post(path, data={"csrf_token": csrf, "decision": "refuse", "reason": "Geen begeleiding"})
    path = f"/vlaams/placement-sites/{first['id']}"
    client.post(path, data={"csrf_token": csrf, "decision": "approve"})
    again = client.post(path, data={"csrf_token": csrf, "decision": "refuse", "reason": "x"})
    assert "already been reviewed" in client.get(again.location).get_data(as_text=True)

    states = {s["organisation"]: s for s in _sites(app)}
    assert states["Bad Idea"]["state"] == "refused"
    assert states["Sportclub De Pijl"]["state"] == "approved"
    with app.extensions["concerto.db"].session() as db:
        service = db.get(Service, states["Sportclub De Pijl"]["service_id"])
        assert service.category == "prestatieplaats" and service.authority_code == "vlaams"
        assert service.domain_code == "labour_market" and service.state == "submitted"
        service_id = service.id
        mails = {
            m.recipient: m
            for m in db.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "placement_site_review")
            )
        }
    assert "Geen begeleiding" in mails["x@y.example"].body
    assert mails["ann@depijl.example"].language == "fr"
    assert "lieu de prestation" in mails["ann@depijl.example"].subject

    # The committee publishes it like every service: the public finds it under its own type,
    # with no prison (it is outside), and not in the prisons' coverage matrix.
    member, public = app.test_client(), app.test_client()
    login_as(member, app, ("cocof", "member"))
    assert "Sportclub De Pijl" in member.get("/services/review").get_data(as_text=True)
    approved = member.post(
        f"/services/{service_id}/approve", data={"csrf_token": csrf_token(member)}
    )
    assert approved.status_code == 302
    public.get("/language/nl")
    page = public.get(f"/services/{service_id}").get_data(as_text=True)
    assert "Prestatieplaats: Sportclub De Pijl" in page
    assert "Prestatieplaats voor werkstraffen" in page
