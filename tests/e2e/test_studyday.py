"""The study day in the browser, as in the demo: a newcomer opens this year's study day,
registers as a guest in French for two workshops, confirms by the link in the outbox, lands
on the waiting list of the full one, is offered the place when someone cancels and takes it,
and after the day downloads a certificate; the organisers check her in on a phone-sized
screen and export the attendance list. Every page passes axe."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from core.studyday.models import Registration, StudyDay, Workshop, WorkshopChoice
from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

FULL = "Le lien entre l'intérieur et l'extérieur"
FREE = "Le trajet du détenu"


def _db(app):
    return app.extensions["concerto.db"].session()


def _newcomer(app) -> Registration:
    with _db(app) as db:
        found = db.scalar(select(Registration).where(Registration.email == "nina@example.be"))
        found.states = {c.workshop.title_fr: c.state for c in found.choices}
        return found


def test_a_newcomer_registers_waits_gets_the_place_and_a_certificate(browser, live_app):
    app, base = live_app
    guest = browser.new_context(locale="fr-BE").new_page()
    guest.goto(f"{base}/language/fr")
    guest.goto(f"{base}/events")
    assert run_axe(guest) == []
    guest.locator(".card a").first.click()
    assert run_axe(guest) == []
    event_id = int(re.search(r"/events/(\d+)", guest.url).group(1))

    guest.get_by_label(re.compile(r"^Nom")).fill("Nina Kowalski")
    guest.get_by_label("Adresse e-mail").fill("nina@example.be")
    guest.get_by_label("Organisation, service ou prison").fill("Service d'aide aux détenus")
    guest.get_by_label("Langue des messages et de l'attestation").select_option("fr")
    guest.get_by_label(re.compile(re.escape(FULL))).check()
    guest.get_by_label(re.compile(re.escape(FREE))).focus()
    guest.keyboard.press("Space")  # the keyboard ticks a workshop too
    guest.get_by_role("button", name="S'inscrire").click()
    assert "Consultez vos e-mails" in guest.locator("h1").inner_text()
    assert run_axe(guest) == []

    # The confirmation e-mail, read in the outbox the way the demo shows it.
    organiser = browser.new_context(
        locale="nl-BE", viewport={"width": 390, "height": 844}
    ).new_page()
    browser_login(organiser, live_app, "secretary")
    organiser.goto(f"{base}/language/en")
    organiser.goto(f"{base}/outbox")
    organiser.get_by_role("link", name=re.compile("Veuillez confirmer")).first.click()
    body = organiser.locator("pre.mail").inner_text()
    link = re.search(r"/studyday/r/[A-Za-z0-9_-]+", body).group(0)

    guest.goto(base + link)
    assert run_axe(guest) == []
    guest.get_by_role("button", name="Confirmer mon inscription").click()
    assert "confirmée" in guest.locator(".messages").inner_text()
    assert "sur la liste d'attente" in guest.locator("#choices").inner_text()
    assert _newcomer(app).states == {FULL: "waiting", FREE: "confirmed"}

    # Someone in the full workshop cancels; the organiser does it on their behalf.
    with _db(app) as db:
        leaving = db.scalar(
            select(Registration)
            .join(WorkshopChoice)
            .join(Workshop)
            .where(Workshop.title_fr == FULL, WorkshopChoice.state == "confirmed")
            .order_by(Registration.id)
        )
    organiser.goto(f"{base}/events/{event_id}/registrations")
    assert run_axe(organiser) == []
    organiser.get_by_role("button", name=re.compile(rf"Cancel\W+{leaving.name}")).click()
    assert "waiting list was offered" in organiser.locator(".messages").inner_text()

    guest.goto(base + link)
    assert "une place est proposée" in guest.locator("#choices").inner_text()
    assert run_axe(guest) == []
    guest.get_by_role("button", name="Prendre la place").click()
    assert _newcomer(app).states == {FULL: "confirmed", FREE: "confirmed"}

    # On the day: check-in on a phone-sized screen, from the keyboard.
    organiser.goto(f"{base}/events/{event_id}/check-in")
    assert run_axe(organiser) == []
    organiser.get_by_label("Name, e-mail or organisation").fill("kowalski")
    organiser.keyboard.press("Enter")
    organiser.get_by_role("button", name=re.compile(r"Mark present\W+Nina Kowalski")).click()
    assert "Nina Kowalski is marked present." in organiser.locator(".messages").inner_text()
    assert run_axe(organiser) == []

    with _db(app) as db:
        day = db.scalar(select(StudyDay).where(StudyDay.id == event_id))
        held_on = day.held_on
        db.execute(
            update(StudyDay)
            .where(StudyDay.id == day.id)
            .values(held_on=held_on - timedelta(days=20))
        )
    try:
        guest.goto(base + link)
        assert run_axe(guest) == []
        certificate = guest.get_by_role("link", name=re.compile("attestation de présence"))
        pdf = PdfReader(
            io.BytesIO(guest.request.get(base + certificate.get_attribute("href")).body())
        )
        text = pdf.pages[0].extract_text()
        assert "Attestation de présence" in text and "Nina Kowalski" in text

        organiser.goto(f"{base}/events/{event_id}/registrations")
        export = organiser.get_by_role("link", name="Attendance list (XLSX)")
        sheet = load_workbook(
            io.BytesIO(organiser.request.get(base + export.get_attribute("href")).body())
        ).active
        rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
        assert rows["Nina Kowalski"][6]  # the time she was checked in
        assert leaving.name not in rows
    finally:
        with _db(app) as db:
            db.execute(update(StudyDay).where(StudyDay.id == event_id).values(held_on=held_on))
