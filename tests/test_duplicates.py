"""Likely duplicates (issue 23, duplicates): the comparison measured on pairs written as
people write them, then on submission, on the review page and side by side, on SQLite and
PostgreSQL; a reviewer's "not a duplicate" is remembered, audited and never proposed again,
and only someone who may review can give it.

Measured on the pairs of tests/duplicate_pairs.py (the first test prints the figures):

- the 44 pairs the weights and the threshold were chosen on (22 duplicates, 22 near-misses):
  precision 1.00, recall 1.00;
- 18 pairs written afterwards and not used to choose them (9 and 9): precision 1.00, recall
  0.89 as first measured (8 of 9 duplicates: "Préparation au CEB" against "Préparation au
  Certificat d'études de base (CEB)" was missed); after teaching the comparison that a name
  spelling out its own initialism says it once, 1.00 and 1.00, but those pairs are no longer
  unseen. The figures are optimistic for names unlike these.

Speed (bench/HISTORY.md, "likely duplicates"): at 50,000 synthetic services, one submission
is checked in 12 ms on SQLite and 143 ms on PostgreSQL the first time; a review queue of 20
of the synthetic services, whose names share their words with thousands of others, in about
2 s the first time; a page shown again before anything changed in 1 to 3 ms.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.inventory import duplicates
from core.inventory.models import DuplicateDismissal, Service
from tests.conftest import make_app
from tests.duplicate_pairs import (
    DUPLICATES,
    HELD_OUT_DUPLICATES,
    HELD_OUT_NOT_DUPLICATES,
    NOT_DUPLICATES,
)
from tests.logins import csrf_token, login

# --- the comparison, measured ----------------------------------------------------------------


def _entry(ident: int, side) -> duplicates.Entry:
    nl, fr, prisons, domain, kbo = side
    return duplicates.Entry(
        id=ident,
        authority="test",
        domain=domain,
        prisons=frozenset(prisons),
        kbo=kbo,
        names={"nl": nl, "fr": fr},
    )


def _measure(true_pairs, false_pairs) -> tuple[float, float, list[str]]:
    found = {"tp": 0, "fp": 0, "fn": 0}
    wrong = []
    for label, pairs in ((True, true_pairs), (False, false_pairs)):
        for first, second in pairs:
            likely, score = duplicates.likely_duplicates(_entry(1, first), _entry(2, second))
            if likely and label:
                found["tp"] += 1
            elif likely:
                found["fp"] += 1
                wrong.append(f"not a duplicate, found ({score:.2f}): {first[0]} / {second[0]}")
            elif label:
                found["fn"] += 1
                wrong.append(f"a duplicate, missed ({score:.2f}): {first[0]} / {second[0]}")
    precision = found["tp"] / ((found["tp"] + found["fp"]) or 1)
    recall = found["tp"] / (found["tp"] + found["fn"])
    return precision, recall, wrong


def test_precision_and_recall_on_the_pairs_kept_in_the_tests(capsys):
    tuned = _measure(DUPLICATES, NOT_DUPLICATES)
    unseen = _measure(HELD_OUT_DUPLICATES, HELD_OUT_NOT_DUPLICATES)
    every = _measure(DUPLICATES + HELD_OUT_DUPLICATES, NOT_DUPLICATES + HELD_OUT_NOT_DUPLICATES)
    with capsys.disabled():  # in the test output, whether or not it is captured
        for title, (precision, recall, wrong) in (
            ("pairs the comparison was tuned on", tuned),
            ("pairs written afterwards", unseen),
            ("all pairs", every),
        ):
            print(f"\nduplicates, {title}: precision {precision:.2f}, recall {recall:.2f}")
            for line in wrong:
                print("   ", line)
    precision, recall, wrong = every
    assert (
        len(DUPLICATES + HELD_OUT_DUPLICATES) + len(NOT_DUPLICATES + HELD_OUT_NOT_DUPLICATES) >= 40
    )
    assert precision >= 0.9 and recall >= 0.9, wrong


def test_accents_case_word_order_and_abbreviations_do_not_hide_a_duplicate():
    base = ("Psychosociale begeleiding", "Accompagnement psychosocial", ("haren",), "x", None)
    for nl, fr in [
        ("PSYCHOSOCIALE BEGELEIDING", "ACCOMPAGNEMENT PSYCHOSOCIAL"),
        ("Begeleiding, psychosociale", "Psychosocial : accompagnement"),
        ("Psych. begeleiding", "Accomp. psychosocial"),
        ("Psychosociale begeleiding", "Accompagnément psychosocïal"),
    ]:
        likely, score = duplicates.likely_duplicates(
            _entry(1, base), _entry(2, (nl, fr, ("haren",), "x", None))
        )
        assert likely, (nl, fr, score)


def test_different_numbers_a_different_prison_or_domain_are_never_duplicates():
    group = ("Groep 1: sport", "Groupe 1 : sport", ("haren",), "sport", None)
    same_words = ("Groep 1: sport", "Groupe 1 : sport")
    assert not duplicates.likely_duplicates(
        _entry(1, group),
        _entry(2, ("Groep 2: sport", "Groupe 2 : sport", ("haren",), "sport", None)),
    )[0]
    assert not duplicates.likely_duplicates(
        _entry(1, group), _entry(2, (*same_words, ("sint_gillis",), "sport", None))
    )[0]
    assert not duplicates.likely_duplicates(
        _entry(1, group), _entry(2, (*same_words, ("haren",), "education", None))
    )[0]
    # The same organisation (KBO/BCE) makes them comparable wherever and however classed.
    assert duplicates.likely_duplicates(
        _entry(1, (*same_words, ("haren",), "sport", "0412345641")),
        _entry(2, (*same_words, ("sint_gillis",), "education", "0412345641")),
    )[0]


# --- in the platform -------------------------------------------------------------------------


@pytest.fixture
def dup_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _service(app, external_id: str) -> Service:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service).where(Service.external_id == external_id))


def _dismissals(app) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(func.count()).select_from(DuplicateDismissal))


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def test_submitting_a_likely_duplicate_tells_the_coordinator_without_refusing(dup_app):
    """The French Community's coordinator submits the Flemish library of Haren again, in
    other words: the service is submitted, with a notice listing the Flemish one."""
    flemish = _service(dup_app, "VG-07")  # Bibliotheek Haren / Bibliothèque de Haren
    camille = dup_app.test_client()
    login(camille, "federatie_wb", "federatie_wb-sarah")
    category = dup_app.extensions["concerto.registry"].authorities["federatie_wb"].vocabulary
    term = next(t for t in category if t.domain == flemish.domain_code)
    created = camille.post(
        "/services/new",
        data={
            "csrf_token": csrf_token(camille, "/services/new"),
            "external_id": "FW-LIB",
            "category": term.code,
            "name_nl": "Bibliotheek (Haren)",
            "name_fr": "BIBLIOTHEQUE DE HAREN",
            "delivery": "individual",
            "setting": "inside",
            "access": "on_request",
            "loc_haren": "1",
        },
    )
    assert created.status_code == 302, _text(created)[:500]
    new_id = int(created.location.rsplit("/", 1)[1])
    submitted = camille.post(
        f"/services/{new_id}/submit",
        data={"csrf_token": csrf_token(camille, f"/services/{new_id}")},
        follow_redirects=True,
    )
    page = _text(submitted)
    assert "The service was submitted to the committee." in page
    assert "looks like 1 other service in the inventory" in page
    assert "Haren library (Flemish Community): 100% alike, same prison and domain" in page
    assert f"/services/{new_id}/compare/{flemish.id}" in submitted.get_data(as_text=True)
    assert _service(dup_app, "FW-LIB").state == "submitted"


def test_the_reviewer_sees_likely_duplicates_and_compares_them_side_by_side_in_words(dup_app):
    """The demo's bicycle repair training, submitted by the Flemish Community and by COCOF:
    the review page proposes each as the other's likely duplicate with its score; the
    comparison reads in the reviewer's language, in words, never in codes."""
    flemish, cocof = _service(dup_app, "VG-21"), _service(dup_app, "CF-13")
    julien = dup_app.test_client()
    login(julien, "cocof", "cocof-julien", language="fr")
    review = julien.get("/services/review")
    html = review.get_data(as_text=True)
    assert f"/services/{flemish.id}/compare/{cocof.id}" in html
    assert f"/services/{cocof.id}/compare/{flemish.id}" in html
    assert re.search(r"ressemblance de \d+\s*%", _text(review)), _text(review)[:3000]
    compare = julien.get(f"/services/{flemish.id}/compare/{cocof.id}")
    assert compare.status_code == 200
    words = _text(compare)
    assert "Deux services comparés" in words
    assert (
        "Formation de réparateur de vélos" in words and "Formation en réparation de vélos" in words
    )
    assert "Réinsertion socioprofessionnelle" in words  # the domain, in words
    assert "Haren" in words and "Pas un doublon" in words
    for code in ("labour_market", "formation_professionnelle", "beroepsopleiding", "sentenced"):
        assert code not in words, code


def test_not_a_duplicate_is_remembered_audited_and_never_proposed_again(dup_app):
    flemish, cocof = _service(dup_app, "VG-21"), _service(dup_app, "CF-13")
    julien = dup_app.test_client()
    login(julien, "cocof", "cocof-julien")
    path = f"/services/{flemish.id}/compare/{cocof.id}"
    answer = julien.post(f"{path}/not-a-duplicate", data={"csrf_token": csrf_token(julien, path)})
    assert answer.status_code == 302
    assert _dismissals(dup_app) == 1
    with dup_app.extensions["concerto.db"].session() as db:
        kept = db.scalar(select(DuplicateDismissal))
        assert (kept.first_id, kept.second_id) == tuple(sorted((flemish.id, cocof.id)))
        assert kept.score >= 70
        audited = db.scalar(
            select(AuditEntry).where(
                AuditEntry.table_name == "duplicate_dismissals", AuditEntry.action == "create"
            )
        )
        assert audited is not None and "Julien" in audited.actor
    review = julien.get("/services/review").get_data(as_text=True)
    assert f"/compare/{cocof.id}" not in review and f"/compare/{flemish.id}" not in review
    shown = _text(julien.get(path))
    assert "marked them as not duplicates" in shown and "Not a duplicate" not in shown
    # Marked from the other side, or again: refused, still one row.
    again = julien.post(
        f"/services/{cocof.id}/compare/{flemish.id}/not-a-duplicate",
        data={"csrf_token": csrf_token(julien, path)},
        follow_redirects=True,
    )
    assert "already marked these two services as not duplicates" in _text(again)
    assert _dismissals(dup_app) == 1


def test_only_someone_who_may_review_marks_not_a_duplicate(dup_app):
    """Two published Flemish services of Haren's social aid (comparable, not alike): their
    coordinator reads the comparison but may not judge it, nor may a visitor; the unpublished
    pair of the review is not even shown to exist for them."""
    first, second = _service(dup_app, "VG-01"), _service(dup_app, "VG-02")
    path = f"/services/{first.id}/compare/{second.id}"
    lotte = dup_app.test_client()  # the Flemish coordinator: she edits, she does not review
    login(lotte, "vlaams", "vlaams-lotte")
    page = lotte.get(path)
    assert page.status_code == 200 and "Not a duplicate" not in _text(page)
    refused = lotte.post(f"{path}/not-a-duplicate", data={"csrf_token": csrf_token(lotte, path)})
    assert refused.status_code == 403
    stranger = dup_app.test_client()
    assert "Not a duplicate" not in _text(stranger.get(path))
    token = csrf_token(stranger, f"/services/{first.id}")  # its form to report an error
    sent = stranger.post(f"{path}/not-a-duplicate", data={"csrf_token": token})
    assert sent.status_code == 302 and "/login" in sent.location  # asked to log in first
    hidden = f"/services/{_service(dup_app, 'VG-21').id}/compare/{_service(dup_app, 'CF-13').id}"
    assert lotte.get(hidden).status_code == 404 and stranger.get(hidden).status_code == 404
    assert _dismissals(dup_app) == 0


def test_finding_duplicates_costs_the_same_statements_for_a_larger_inventory(dup_app):
    """Candidates are read in one query whatever their number (and kept until the inventory
    changes): the review queue's cost in statements does not grow with the inventory."""
    from sqlalchemy import event

    from core.inventory.synthetic import seed_synthetic

    def statements(services) -> int:
        engine = dup_app.extensions["concerto.db"].engine
        counted = []

        def count(*_args):
            counted.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with dup_app.extensions["concerto.db"].session() as db:
                waiting = db.scalars(select(Service).where(Service.id.in_(services))).all()
                duplicates._find(db, waiting)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    waiting = [_service(dup_app, "VG-21").id, _service(dup_app, "CF-13").id]
    before = statements(waiting)
    with dup_app.app_context(), dup_app.extensions["concerto.db"].session() as db:
        seed_synthetic(db, dup_app.extensions["concerto.registry"], 300)
        db.commit()
    assert statements(waiting) == before
