"""The terms the seed documents write, for tests/test_plan_terms_read.py and
tests/test_plan_terms_stored.py: the table of every term (tests/data/plan_terms.toml, each row
as written, the kind read, the first and last day, and the words shown back in nl, fr and en),
the longest cells by name, and which cells say more than their term."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

PLAN = "brussels_2014_2019"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# One cell of seed 002 is cut by the text of the next column on the page (table of goal 16,
# step 11): these are its pieces, typed as one term.
CONCREET_PIECES = (
    "Concreet en gedragen voorstel: medio 2017",
    "Implementatie voorbereiden: vanaf medio 2017. Doelstelling: realisatie van een andere "
    "aanpak in 2019.",
)
CONCREET = " ".join(CONCREET_PIECES)

# The longest cells of seed 002's term column: a reason after the term (goal 6, step 3), two
# dated parts with their labels (goal 16, steps 10 and 12).
EARLIEST_2016 = (
    "Ten vroegste vanaf begin 2016 gelet op het feit dat deze nieuwe diensten eerst nog op VL "
    "niveau moeten geïntegreerd worden."
)
INVENTARIS = (
    "Inventaris van de knelpunten + oplossingsvoorstellen: gemeenschappelijke nota "
    "departement en VDAB midden 2016. Projectvoorstel concretiseren en opstarten: vanaf "
    "voorjaar 2017"
)
ACTIVATION = (
    "2015-2019 2014-midden 2015: aandacht voor gedetineerden voorzien in het nieuwe VAPA; "
    "gegarandeerde toegang voor (ex-) gedetineerden voorzien in de armoedetrajecten en in de "
    "W²-trajecten. Vanaf midden 2015: opvolgen/monitoren"
)


def _rows(table: list[list]) -> list[tuple[str, str, date | None, date | None, str, str, str]]:
    """The TOML file writes "" for a day the term does not have (no start, no end)."""
    return [
        (written, kind, start or None, end or None, nl, fr, en)
        for written, kind, start, end, nl, fr, en in table
    ]


_TABLES = tomllib.loads(
    (Path(__file__).parent / "data" / "plan_terms.toml").read_text(encoding="utf-8")
)
SEED_002 = _rows(_TABLES["seed_002"])
SEED_004 = _rows(_TABLES["seed_004"])

# Cells that say more than their term (a label, a reason, a note): the term is read, the rest
# is kept as typed and marked as not read.
PARTLY_READ = {
    EARLIEST_2016,
    "Afgerond najaar2015",
    "Voorbereiding: 2015- 2016 Begin van uitvoering: vanaf voorjaar 2017",
    "Gedragen nota met actievoorstellen: eind 2016",
    "Event voorjaar 2017",
    INVENTARIS,
    CONCREET,
    ACTIVATION,
    "in de periode 2015-2019",
} | {row[0] for row in SEED_004 if "fase" in row[0] or "Phase" in row[0]}
EVERY_TERM = SEED_002 + SEED_004
