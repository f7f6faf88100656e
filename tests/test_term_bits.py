"""The search's terms kept by each process (core.inventory.term_bits) answer every search as
the database's full-text index does, on SQLite and PostgreSQL; a committed change shows at
once, read again alone, a rolled-back one never; many changes read everything again; and a
bitmap's ids come back the same whether few or many."""

from __future__ import annotations

import random
import tomllib
from array import array
from pathlib import Path

import pytest
from sqlalchemy import select

from core.inventory import facet_bits, lexicon, search, term_bits
from core.inventory.finding import Filters
from core.inventory.models import Service
from core.inventory.synthetic import seed_synthetic
from tests.conftest import make_app

QUERIES = tomllib.loads((Path(__file__).with_name("search_queries.toml")).read_text("utf-8"))
# Beside the everyday searches: a phrase synonym, words typed together, a word with a digit,
# a beginning of many words, codes' words, a word nobody wrote.
MORE = [
    "formation professionnelle",
    "community service",
    "drug preventie vrouwen",
    "3",
    "a",
    "wer",
    "haren frans",
    "zzzonbekendzz",
]


@pytest.fixture
def terms_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    term_bits.clear()
    yield application
    term_bits.clear()
    application.extensions["concerto.db"].engine.dispose()


def _vocabulary(app):
    return lexicon.vocabulary_of(app.extensions["concerto.registry"])


def _answers(session, vocabulary, query: str, ranked: bool) -> tuple:
    expansion = Filters(query=query, vocabulary=vocabulary).expansion(session)
    kept = term_bits.look_up(session, expansion, ranked=ranked)
    asked = search.look_up(session, expansion, ranked=ranked)
    return kept, asked


def _finds(app, query: str) -> set[int]:
    """The services the kept terms find for ``query``, checked against the database's
    answer (names as typed and with synonyms too)."""
    with app.extensions["concerto.db"].session() as session:
        kept, asked = _answers(session, _vocabulary(app), query, ranked=True)
        assert (kept.bitmap, kept.names_as_typed, kept.names) == (
            asked.bitmap,
            asked.names_as_typed,
            asked.names,
        ), query
        return set(kept.service_ids)


def test_the_kept_terms_answer_every_search_as_the_database_does(terms_app):
    database = terms_app.extensions["concerto.db"]
    with terms_app.app_context(), database.session() as session:
        seed_synthetic(session, terms_app.extensions["concerto.registry"], 300)
        session.commit()
    vocabulary = _vocabulary(terms_app)
    queries = [item["q"] for lang in ("nl", "fr", "en") for item in QUERIES[lang]] + MORE
    found = named = 0
    with database.session() as session:
        for query in queries:
            for ranked in (True, False):
                kept, asked = _answers(session, vocabulary, query, ranked)
                assert (kept.bitmap, kept.names_as_typed, kept.names) == (
                    asked.bitmap,
                    asked.names_as_typed,
                    asked.names,
                ), (query, ranked)
                found += kept.bitmap.bit_count()
                named += kept.names_as_typed.bit_count()
        terms = term_bits.kept(session)
    assert found > 1000 and named > 50  # the searches found something to compare
    # Both kinds of posting were asked: common terms as bitmaps, rare ones as ids.
    kinds = {type(posting) for posting in terms.documents.postings.values()}
    assert kinds == {int, array}


def test_a_committed_change_shows_at_once_and_a_rolled_back_one_never(terms_app):
    database = terms_app.extensions["concerto.db"]
    with database.session() as session:
        service = session.scalars(select(Service).order_by(Service.id)).first()
        ident, old_word = service.id, search.words(service.name_nl)[0]
    assert ident in _finds(terms_app, old_word)
    assert not _finds(terms_app, "zonnebloemveld")  # the terms are kept from here on

    with database.session() as writer:
        service = writer.get(Service, ident)
        service.name_nl = "Zonnebloemveld"
        writer.flush()
        search.index(writer, service)
        # Its own transaction sees what it wrote (asked of the database).
        expansion = Filters(query="zonnebloemveld", vocabulary=_vocabulary(terms_app))
        assert term_bits.look_up(writer, expansion.expansion(writer)).service_ids == [ident]
    assert _finds(terms_app, "zonnebloemveld") == {ident}
    _finds(terms_app, old_word)  # as the database answers: the old name no longer holds it
    with database.session() as session:
        kept = term_bits.kept(session)
        assert ident in kept.recent  # read again alone, not everything
        assert kept.documents.postings  # the large index is the one read before

    with database.session() as writer:
        service = writer.get(Service, ident)
        service.name_nl = "Maanlichtveld"
        writer.flush()
        search.index(writer, service)
        writer.rollback()
    assert not _finds(terms_app, "maanlichtveld")
    assert _finds(terms_app, "zonnebloemveld") == {ident}


def test_many_changes_read_every_document_again(terms_app, monkeypatch):
    database = terms_app.extensions["concerto.db"]
    monkeypatch.setattr(term_bits, "RECENT_AT_LEAST", 2)
    monkeypatch.setattr(term_bits, "RECENT_SHARE", 10**9)
    assert not _finds(terms_app, "kwartsveld")
    with database.session() as writer:
        services = writer.scalars(select(Service).order_by(Service.id).limit(3)).all()
        for service in services:
            service.name_nl = f"Kwartsveld {service.id}"
        writer.flush()
        search.index_many(writer, services)
        changed = {service.id for service in services}
    assert _finds(terms_app, "kwartsveld") == changed
    with database.session() as session:
        kept = term_bits.kept(session)
        assert kept.recent == {} and not kept.changed  # everything was read again


@pytest.mark.parametrize("count", [0, 1, 7, 300, 5000, 40000])
def test_a_bitmap_gives_back_its_ids_whether_few_or_many(count):
    ids = sorted(random.Random(count).sample(range(50_000), count))
    assert facet_bits.members(facet_bits.of(ids)) == ids
