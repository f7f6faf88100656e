"""Terms as the plans write them (issue 20): every term that the Flemish plan 2015-2020
(seed 002) and the Brussels plan (seed 004) write is read into the dates it says and shown back
in Dutch, French and English; ranges between any two points run forwards, whatever language
and separator; a term that cannot be read is refused with a reason, at the field, in the
reader's language, with what can be written; an action is saved without a term, and one still
to be determined is never overdue; the typed text is kept whole. On SQLite and PostgreSQL
where the database is involved."""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from core.goals import services as plans
from core.goals import terms
from core.goals.models import Goal, Plan, PlanAction
from tests.conftest import make_app
from tests.forms import check_summary, read
from tests.logins import api_token, csrf_token, login_as

PLAN = "brussels_2014_2019"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Every term cell of seed 002's tables (TE ZETTEN STAPPEN / WIE / TERMIJN), each way it is
# written once, as the text layer of the PDF gives it with its line breaks as spaces; then the
# terms its goals, milestones and steps write in their text. Each row: as written, the kind
# read, the first and last day, and the words shown back in nl, fr and en.
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

SEED_002 = [
    (
        "Najaar 2015",
        "season",
        date(2015, 9, 1),
        date(2015, 11, 30),
        "najaar 2015",
        "automne 2015",
        "autumn 2015",
    ),
    (
        "Juni 2015",
        "month",
        date(2015, 6, 1),
        date(2015, 6, 30),
        "juni 2015",
        "juin 2015",
        "June 2015",
    ),
    (
        "September 2015",
        "month",
        date(2015, 9, 1),
        date(2015, 9, 30),
        "september 2015",
        "septembre 2015",
        "September 2015",
    ),
    (
        "December 2015",
        "month",
        date(2015, 12, 1),
        date(2015, 12, 31),
        "december 2015",
        "décembre 2015",
        "December 2015",
    ),
    (
        "Voorjaar 2016",
        "season",
        date(2016, 3, 1),
        date(2016, 5, 31),
        "voorjaar 2016",
        "printemps 2016",
        "spring 2016",
    ),
    (
        "November 2015",
        "month",
        date(2015, 11, 1),
        date(2015, 11, 30),
        "november 2015",
        "novembre 2015",
        "November 2015",
    ),
    (
        "1 januari 2016",
        "day",
        date(2016, 1, 1),
        date(2016, 1, 1),
        "1 januari 2016",
        "1er janvier 2016",
        "1 January 2016",
    ),
    (
        "Najaar 2016",
        "season",
        date(2016, 9, 1),
        date(2016, 11, 30),
        "najaar 2016",
        "automne 2016",
        "autumn 2016",
    ),
    (
        "Voorjaar 2018",
        "season",
        date(2018, 3, 1),
        date(2018, 5, 31),
        "voorjaar 2018",
        "printemps 2018",
        "spring 2018",
    ),
    (
        "Voorjaar 2017",
        "season",
        date(2017, 3, 1),
        date(2017, 5, 31),
        "voorjaar 2017",
        "printemps 2017",
        "spring 2017",
    ),
    (
        "Najaar 2017",
        "season",
        date(2017, 9, 1),
        date(2017, 11, 30),
        "najaar 2017",
        "automne 2017",
        "autumn 2017",
    ),
    (
        "Najaar 2018",
        "season",
        date(2018, 9, 1),
        date(2018, 11, 30),
        "najaar 2018",
        "automne 2018",
        "autumn 2018",
    ),
    (
        "Half 2016",
        "part",
        date(2016, 5, 1),
        date(2016, 8, 31),
        "midden 2016",
        "mi-2016",
        "mid-2016",
    ),
    (
        "Eind 2016",
        "part",
        date(2016, 10, 1),
        date(2016, 12, 31),
        "eind 2016",
        "fin 2016",
        "end of 2016",
    ),
    (
        "Eind 2017",
        "part",
        date(2017, 10, 1),
        date(2017, 12, 31),
        "eind 2017",
        "fin 2017",
        "end of 2017",
    ),
    (
        "Eind 2018",
        "part",
        date(2018, 10, 1),
        date(2018, 12, 31),
        "eind 2018",
        "fin 2018",
        "end of 2018",
    ),
    (
        "Half 2019",
        "part",
        date(2019, 5, 1),
        date(2019, 8, 31),
        "midden 2019",
        "mi-2019",
        "mid-2019",
    ),
    (
        "Eind 2019",
        "part",
        date(2019, 10, 1),
        date(2019, 12, 31),
        "eind 2019",
        "fin 2019",
        "end of 2019",
    ),
    (
        "Half 2020",
        "part",
        date(2020, 5, 1),
        date(2020, 8, 31),
        "midden 2020",
        "mi-2020",
        "mid-2020",
    ),
    ("2015", "year", date(2015, 1, 1), date(2015, 12, 31), "2015", "2015", "2015"),
    (
        "Najaar 2015 - 2018",
        "range",
        date(2015, 9, 1),
        date(2018, 12, 31),
        "najaar 2015 – 2018",
        "automne 2015 – 2018",
        "autumn 2015 – 2018",
    ),
    (
        "Najaar 2015 - voorjaar 2017/2018",
        "range",
        date(2015, 9, 1),
        date(2018, 5, 31),
        "najaar 2015 – voorjaar 2017 of 2018",
        "automne 2015 – printemps 2017 ou 2018",
        "autumn 2015 – spring 2017 or 2018",
    ),
    (
        "Najaar 2016- voorjaar 2018",
        "range",
        date(2016, 9, 1),
        date(2018, 5, 31),
        "najaar 2016 – voorjaar 2018",
        "automne 2016 – printemps 2018",
        "autumn 2016 – spring 2018",
    ),
    (
        "Voorjaar 2016 – voorjaar 2017",
        "range",
        date(2016, 3, 1),
        date(2017, 5, 31),
        "voorjaar 2016 – voorjaar 2017",
        "printemps 2016 – printemps 2017",
        "spring 2016 – spring 2017",
    ),
    (
        "Najaar 2017 – voorjaar 2018",
        "range",
        date(2017, 9, 1),
        date(2018, 5, 31),
        "najaar 2017 – voorjaar 2018",
        "automne 2017 – printemps 2018",
        "autumn 2017 – spring 2018",
    ),
    ("2016", "year", date(2016, 1, 1), date(2016, 12, 31), "2016", "2016", "2016"),
    (
        "2017- 2018",
        "range",
        date(2017, 1, 1),
        date(2018, 12, 31),
        "2017-2018",
        "2017-2018",
        "2017-2018",
    ),
    (
        "Vanaf januari 2015.",
        "from",
        date(2015, 1, 1),
        None,
        "vanaf januari 2015",
        "à partir de janvier 2015",
        "from January 2015",
    ),
    (
        "Opstart vanaf midden 2015.",
        "from",
        date(2015, 5, 1),
        None,
        "vanaf midden 2015",
        "à partir de mi-2015",
        "from mid-2015",
    ),
    (
        EARLIEST_2016,
        "from",
        date(2016, 1, 1),
        None,
        "vanaf begin 2016",
        "à partir de début 2016",
        "from early 2016",
    ),
    (
        "Uiterlijk tegen midden 2015",
        "by",
        None,
        date(2015, 8, 31),
        "uiterlijk midden 2015",
        "au plus tard mi-2015",
        "by mid-2015",
    ),
    (
        "Tegen het najaar 2015",
        "by",
        None,
        date(2015, 11, 30),
        "uiterlijk najaar 2015",
        "au plus tard en automne 2015",
        "by autumn 2015",
    ),
    (
        "Vanaf begin 2016.",
        "from",
        date(2016, 1, 1),
        None,
        "vanaf begin 2016",
        "à partir de début 2016",
        "from early 2016",
    ),
    (
        "2015-2019",
        "range",
        date(2015, 1, 1),
        date(2019, 12, 31),
        "2015-2019",
        "2015-2019",
        "2015-2019",
    ),
    (
        "Voorjaar 2015",
        "season",
        date(2015, 3, 1),
        date(2015, 5, 31),
        "voorjaar 2015",
        "printemps 2015",
        "spring 2015",
    ),
    (
        "Najaar 2015- voorjaar 2016",
        "range",
        date(2015, 9, 1),
        date(2016, 5, 31),
        "najaar 2015 – voorjaar 2016",
        "automne 2015 – printemps 2016",
        "autumn 2015 – spring 2016",
    ),
    (
        "Voorjaar 2016- najaar 2016",
        "range",
        date(2016, 3, 1),
        date(2016, 11, 30),
        "voorjaar 2016 – najaar 2016",
        "printemps 2016 – automne 2016",
        "spring 2016 – autumn 2016",
    ),
    (
        "2015 - 2019",
        "range",
        date(2015, 1, 1),
        date(2019, 12, 31),
        "2015-2019",
        "2015-2019",
        "2015-2019",
    ),
    (
        "Eind 2015",
        "part",
        date(2015, 10, 1),
        date(2015, 12, 31),
        "eind 2015",
        "fin 2015",
        "end of 2015",
    ),
    (
        "1ste semester 2016",
        "half",
        date(2016, 1, 1),
        date(2016, 6, 30),
        "1ste semester 2016",
        "1er semestre 2016",
        "first half of 2016",
    ),
    (
        "Midden 2016",
        "part",
        date(2016, 5, 1),
        date(2016, 8, 31),
        "midden 2016",
        "mi-2016",
        "mid-2016",
    ),
    (
        "2015-2020",
        "range",
        date(2015, 1, 1),
        date(2020, 12, 31),
        "2015-2020",
        "2015-2020",
        "2015-2020",
    ),
    (
        "2018- 2020",
        "range",
        date(2018, 1, 1),
        date(2020, 12, 31),
        "2018-2020",
        "2018-2020",
        "2018-2020",
    ),
    (
        "2015-2016",
        "range",
        date(2015, 1, 1),
        date(2016, 12, 31),
        "2015-2016",
        "2015-2016",
        "2015-2016",
    ),
    (
        "2016-2017",
        "range",
        date(2016, 1, 1),
        date(2017, 12, 31),
        "2016-2017",
        "2016-2017",
        "2016-2017",
    ),
    (
        "2018-2019",
        "range",
        date(2018, 1, 1),
        date(2019, 12, 31),
        "2018-2019",
        "2018-2019",
        "2018-2019",
    ),
    (
        "Afgerond najaar2015",
        "season",
        date(2015, 9, 1),
        date(2015, 11, 30),
        "najaar 2015",
        "automne 2015",
        "autumn 2015",
    ),
    (
        "Nog te bepalen",
        "undetermined",
        None,
        None,
        "nog te bepalen",
        "à déterminer",
        "to be determined",
    ),
    (
        "Voorbereiding: 2015- 2016 Begin van uitvoering: vanaf voorjaar 2017",
        "several",
        date(2015, 1, 1),
        None,
        "2015-2016; vanaf voorjaar 2017",
        "2015-2016; à partir du printemps 2017",
        "2015-2016; from spring 2017",
    ),
    (
        "Gedragen nota met actievoorstellen: eind 2016",
        "part",
        date(2016, 10, 1),
        date(2016, 12, 31),
        "eind 2016",
        "fin 2016",
        "end of 2016",
    ),
    (
        "Event voorjaar 2017",
        "season",
        date(2017, 3, 1),
        date(2017, 5, 31),
        "voorjaar 2017",
        "printemps 2017",
        "spring 2017",
    ),
    (
        INVENTARIS,
        "several",
        date(2016, 5, 1),
        None,
        "midden 2016; vanaf voorjaar 2017",
        "mi-2016; à partir du printemps 2017",
        "mid-2016; from spring 2017",
    ),
    (
        CONCREET,
        "several",
        date(2017, 5, 1),
        None,
        "midden 2017; vanaf midden 2017; 2019",
        "mi-2017; à partir de mi-2017; 2019",
        "mid-2017; from mid-2017; 2019",
    ),
    (
        ACTIVATION,
        "several",
        date(2014, 1, 1),
        None,
        "2015-2019; 2014 – midden 2015; vanaf midden 2015",
        "2015-2019; 2014 – mi-2015; à partir de mi-2015",
        "2015-2019; 2014 – mid-2015; from mid-2015",
    ),
    (
        "Juni 2017",
        "month",
        date(2017, 6, 1),
        date(2017, 6, 30),
        "juni 2017",
        "juin 2017",
        "June 2017",
    ),
    (
        "September 2019",
        "month",
        date(2019, 9, 1),
        date(2019, 9, 30),
        "september 2019",
        "septembre 2019",
        "September 2019",
    ),
    ("Doorlopend", "ongoing", None, None, "doorlopend", "en continu", "ongoing"),
    (
        "December 2019",
        "month",
        date(2019, 12, 1),
        date(2019, 12, 31),
        "december 2019",
        "décembre 2019",
        "December 2019",
    ),
    (
        "December 2016",
        "month",
        date(2016, 12, 1),
        date(2016, 12, 31),
        "december 2016",
        "décembre 2016",
        "December 2016",
    ),
    (
        "TEGEN 2019",
        "by",
        None,
        date(2019, 12, 31),
        "uiterlijk 2019",
        "au plus tard en 2019",
        "by 2019",
    ),
    (
        "TEGEN 2018",
        "by",
        None,
        date(2018, 12, 31),
        "uiterlijk 2018",
        "au plus tard en 2018",
        "by 2018",
    ),
    (
        "TEGEN 2020",
        "by",
        None,
        date(2020, 12, 31),
        "uiterlijk 2020",
        "au plus tard en 2020",
        "by 2020",
    ),
    ("VANAF 2020", "from", date(2020, 1, 1), None, "vanaf 2020", "à partir de 2020", "from 2020"),
    (
        "TEGEN 2017",
        "by",
        None,
        date(2017, 12, 31),
        "uiterlijk 2017",
        "au plus tard en 2017",
        "by 2017",
    ),
    (
        "TEGEN EIND 2016",
        "by",
        None,
        date(2016, 12, 31),
        "uiterlijk eind 2016",
        "au plus tard fin 2016",
        "by the end of 2016",
    ),
    (
        "TEGEN EIND 2017",
        "by",
        None,
        date(2017, 12, 31),
        "uiterlijk eind 2017",
        "au plus tard fin 2017",
        "by the end of 2017",
    ),
    ("IN 2015", "year", date(2015, 1, 1), date(2015, 12, 31), "2015", "2015", "2015"),
    (
        "TEGEN EIND 2019",
        "by",
        None,
        date(2019, 12, 31),
        "uiterlijk eind 2019",
        "au plus tard fin 2019",
        "by the end of 2019",
    ),
    (
        "Tegen juni 2017",
        "by",
        None,
        date(2017, 6, 30),
        "uiterlijk juni 2017",
        "au plus tard en juin 2017",
        "by June 2017",
    ),
    (
        "Tegen september 2019",
        "by",
        None,
        date(2019, 9, 30),
        "uiterlijk september 2019",
        "au plus tard en septembre 2019",
        "by September 2019",
    ),
    (
        "eind 2015",
        "part",
        date(2015, 10, 1),
        date(2015, 12, 31),
        "eind 2015",
        "fin 2015",
        "end of 2015",
    ),
    (
        "in de periode 2015-2019",
        "range",
        date(2015, 1, 1),
        date(2019, 12, 31),
        "2015-2019",
        "2015-2019",
        "2015-2019",
    ),
    (
        "tegen midden 2016",
        "by",
        None,
        date(2016, 8, 31),
        "uiterlijk midden 2016",
        "au plus tard mi-2016",
        "by mid-2016",
    ),
    (
        "2014 – 2019",
        "range",
        date(2014, 1, 1),
        date(2019, 12, 31),
        "2014-2019",
        "2014-2019",
        "2014-2019",
    ),
    (
        "2008-2012/13",
        "range",
        date(2008, 1, 1),
        date(2013, 12, 31),
        "2008-2012 of 2013",
        "2008-2012 ou 2013",
        "2008-2012 or 2013",
    ),
    (
        "(2020-2025)",
        "range",
        date(2020, 1, 1),
        date(2025, 12, 31),
        "2020-2025",
        "2020-2025",
        "2020-2025",
    ),
]
# Seed 004 has no table of actions; it writes the terms of the plan's own phases (in Dutch
# and in French, with their labels), the plan's period and the dates of its history.
SEED_004 = [
    (
        "januari 2012",
        "month",
        date(2012, 1, 1),
        date(2012, 1, 31),
        "januari 2012",
        "janvier 2012",
        "January 2012",
    ),
    (
        "janvier 2012",
        "month",
        date(2012, 1, 1),
        date(2012, 1, 31),
        "januari 2012",
        "janvier 2012",
        "January 2012",
    ),
    (
        "30/04/2013",
        "day",
        date(2013, 4, 30),
        date(2013, 4, 30),
        "30 april 2013",
        "30 avril 2013",
        "30 April 2013",
    ),
    (
        "juni 2013 – maart 2014",
        "range",
        date(2013, 6, 1),
        date(2014, 3, 31),
        "juni 2013 – maart 2014",
        "juin 2013 – mars 2014",
        "June 2013 – March 2014",
    ),
    (
        "juin 2013-mars 2014",
        "range",
        date(2013, 6, 1),
        date(2014, 3, 31),
        "juni 2013 – maart 2014",
        "juin 2013 – mars 2014",
        "June 2013 – March 2014",
    ),
    (
        "april 2014",
        "month",
        date(2014, 4, 1),
        date(2014, 4, 30),
        "april 2014",
        "avril 2014",
        "April 2014",
    ),
    (
        "avril 2014",
        "month",
        date(2014, 4, 1),
        date(2014, 4, 30),
        "april 2014",
        "avril 2014",
        "April 2014",
    ),
    (
        "september 2014- september 2015",
        "range",
        date(2014, 9, 1),
        date(2015, 9, 30),
        "september 2014 – september 2015",
        "septembre 2014 – septembre 2015",
        "September 2014 – September 2015",
    ),
    (
        "septembre 2014-septembre 2019",
        "range",
        date(2014, 9, 1),
        date(2019, 9, 30),
        "september 2014 – september 2019",
        "septembre 2014 – septembre 2019",
        "September 2014 – September 2019",
    ),
    (
        "2014-2019",
        "range",
        date(2014, 1, 1),
        date(2019, 12, 31),
        "2014-2019",
        "2014-2019",
        "2014-2019",
    ),
    (
        "maart 2014",
        "month",
        date(2014, 3, 1),
        date(2014, 3, 31),
        "maart 2014",
        "mars 2014",
        "March 2014",
    ),
    (
        "mars 2014",
        "month",
        date(2014, 3, 1),
        date(2014, 3, 31),
        "maart 2014",
        "mars 2014",
        "March 2014",
    ),
    (
        "april 2013",
        "month",
        date(2013, 4, 1),
        date(2013, 4, 30),
        "april 2013",
        "avril 2013",
        "April 2013",
    ),
    (
        "avril 2013",
        "month",
        date(2013, 4, 1),
        date(2013, 4, 30),
        "april 2013",
        "avril 2013",
        "April 2013",
    ),
    (
        "22 december 2005",
        "day",
        date(2005, 12, 22),
        date(2005, 12, 22),
        "22 december 2005",
        "22 décembre 2005",
        "22 December 2005",
    ),
    (
        "22 décembre 2005",
        "day",
        date(2005, 12, 22),
        date(2005, 12, 22),
        "22 december 2005",
        "22 décembre 2005",
        "22 December 2005",
    ),
    (
        "3 juli 2008",
        "day",
        date(2008, 7, 3),
        date(2008, 7, 3),
        "3 juli 2008",
        "3 juillet 2008",
        "3 July 2008",
    ),
    (
        "3 juillet 2008",
        "day",
        date(2008, 7, 3),
        date(2008, 7, 3),
        "3 juli 2008",
        "3 juillet 2008",
        "3 July 2008",
    ),
    (
        "12 januari 2005",
        "day",
        date(2005, 1, 12),
        date(2005, 1, 12),
        "12 januari 2005",
        "12 janvier 2005",
        "12 January 2005",
    ),
    (
        "12 janvier 2005",
        "day",
        date(2005, 1, 12),
        date(2005, 1, 12),
        "12 januari 2005",
        "12 janvier 2005",
        "12 January 2005",
    ),
    ("sinds 2005", "from", date(2005, 1, 1), None, "vanaf 2005", "à partir de 2005", "from 2005"),
    ("Depuis 2005", "from", date(2005, 1, 1), None, "vanaf 2005", "à partir de 2005", "from 2005"),
    ("in 2012", "year", date(2012, 1, 1), date(2012, 12, 31), "2012", "2012", "2012"),
    ("en 2012", "year", date(2012, 1, 1), date(2012, 12, 31), "2012", "2012", "2012"),
    (
        "Exploratiefase (januari 2012)",
        "month",
        date(2012, 1, 1),
        date(2012, 1, 31),
        "januari 2012",
        "janvier 2012",
        "January 2012",
    ),
    (
        "Phase d’exploration(janvier 2012)",
        "month",
        date(2012, 1, 1),
        date(2012, 1, 31),
        "januari 2012",
        "janvier 2012",
        "January 2012",
    ),
    (
        "Consultatiefase (30/04/2013)",
        "day",
        date(2013, 4, 30),
        date(2013, 4, 30),
        "30 april 2013",
        "30 avril 2013",
        "30 April 2013",
    ),
    (
        "Phase de consultation (30/04/2013)",
        "day",
        date(2013, 4, 30),
        date(2013, 4, 30),
        "30 april 2013",
        "30 avril 2013",
        "30 April 2013",
    ),
    (
        "Synthesefase (juni 2013 – maart 2014)",
        "range",
        date(2013, 6, 1),
        date(2014, 3, 31),
        "juni 2013 – maart 2014",
        "juin 2013 – mars 2014",
        "June 2013 – March 2014",
    ),
    (
        "Phase de synthèse (juin 2013-mars 2014)",
        "range",
        date(2013, 6, 1),
        date(2014, 3, 31),
        "juni 2013 – maart 2014",
        "juin 2013 – mars 2014",
        "June 2013 – March 2014",
    ),
    (
        "Goedkeuringsfase (april 2014)",
        "month",
        date(2014, 4, 1),
        date(2014, 4, 30),
        "april 2014",
        "avril 2014",
        "April 2014",
    ),
    (
        "Phase d’approbation (avril 2014)",
        "month",
        date(2014, 4, 1),
        date(2014, 4, 30),
        "april 2014",
        "avril 2014",
        "April 2014",
    ),
    (
        "Implementatiefase (september 2014- september 2015)",
        "range",
        date(2014, 9, 1),
        date(2015, 9, 30),
        "september 2014 – september 2015",
        "septembre 2014 – septembre 2015",
        "September 2014 – September 2015",
    ),
    (
        "Phase d’implantation (septembre 2014-septembre 2019)",
        "range",
        date(2014, 9, 1),
        date(2019, 9, 30),
        "september 2014 – september 2019",
        "septembre 2014 – septembre 2019",
        "September 2014 – September 2019",
    ),
]

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


def _seed_text(number: str) -> str:
    found = list(SEEDS.glob(f"{number}_*.txt"))
    if not found:
        pytest.skip("the seeds are not next to the checkout")
    return " ".join(found[0].read_text(encoding="utf-8").split())


@pytest.mark.parametrize("number,rows", [("002", SEED_002), ("004", SEED_004)])
def test_the_listed_terms_are_the_seeds_own_words(number, rows):
    seed = _seed_text(number)
    for row in rows:
        pieces = CONCREET_PIECES if row[0] == CONCREET else (row[0],)
        for piece in pieces:
            assert piece in seed, f"not in seed {number}: {piece!r}"


@pytest.mark.parametrize("number", ["002", "004"])
def test_every_season_part_or_month_with_its_year_in_the_seeds_is_read(number):
    """Beyond the listed cells: wherever a seed writes a season, a part of a year or a month
    before a year, in Dutch or French, that is a term the platform reads."""
    words = "|".join(
        sorted({*terms.SEASONS, *terms.PARTS, *terms.MONTHS} - {"mi"}, key=len, reverse=True)
    )
    plain = terms.tokens_of(_seed_text(number))
    found = re.findall(rf"\b(?:{words}) 20[0-9]{{2}}\b", " ".join(plain))
    assert len(found) > (40 if number == "002" else 10)
    for written in found:
        term = terms.parse(written)
        assert term.kind in ("season", "part", "month") and term.complete, written


@pytest.mark.parametrize(
    "written,kind,start,end,nl,fr,en", EVERY_TERM, ids=[row[0][:40] for row in EVERY_TERM]
)
def test_every_term_the_seeds_write_is_read_and_shown_back(written, kind, start, end, nl, fr, en):
    term = terms.parse(written)
    assert (term.kind, term.start, term.end) == (kind, start, end)
    assert [terms.show(term, lang) for lang in ("nl", "fr", "en")] == [nl, fr, en]
    assert term.complete == (written not in PARTLY_READ)
    # What is stored reads back the same.
    assert terms.from_dict(term.as_dict()) == term
    # The words shown back, typed again in any of the three languages, say the same dates.
    for lang in ("nl", "fr", "en"):
        again = terms.parse(terms.show(term, lang))
        assert (again.start, again.end) == (start, end), (lang, terms.show(term, lang))


def test_a_term_is_shown_in_the_readers_language_not_the_one_it_was_typed_in():
    typed_in_french = terms.parse("à partir de l'automne 2015")
    assert typed_in_french.language == "fr"
    assert terms.show(typed_in_french, "nl") == "vanaf najaar 2015"
    assert terms.show(typed_in_french, "en") == "from autumn 2015"
    typed_in_dutch = terms.parse("Uiterlijk tegen 1 januari 2016")
    assert typed_in_dutch.language == "nl"
    assert terms.show(typed_in_dutch, "fr") == "au plus tard le 1er janvier 2016"
    assert terms.show(None, "fr") == "sans échéance"


@pytest.mark.parametrize(
    "written,reason",
    [
        ("binnenkort", "unknown"),
        ("bientôt", "unknown"),
        ("soon", "unknown"),
        ("najaar", "unknown"),  # a season without its year
        ("somer 2016", "unknown"),  # a season mistyped is not the whole year
        ("Kerst 2016", "unknown"),
        ("Voorjaar 2O16", "unknown"),
        ("2016 zomer", "unknown"),
        ("vanaf", "unknown"),
        ("tegen eind", "unknown"),
        ("eind 2016; zomer", "unknown"),
        ("3de semester 2016", "number"),
        ("Q5 2016", "number"),
        ("1999", "year"),
        ("najaar 2150", "year"),
        ("31 februari 2016", "date"),
        ("30/02/2016", "date"),
        ("2019-2015", "backwards"),
        ("najaar 2016 - voorjaar 2016", "backwards"),
        ("voorjaar 2017/2016", "backwards"),
        ("van 2015 tot 2013", "backwards"),
        ("", "unknown"),
    ],
)
def test_terms_that_cannot_be_read_are_refused_with_their_reason(written, reason):
    with pytest.raises(terms.TermError) as refused:
        terms.parse(written)
    assert refused.value.reason == reason


# --- ranges between any two points, in any language ------------------------------------------

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
SEASON_WORDS = {
    "nl": {"voorjaar": 3, "lente": 3, "zomer": 6, "najaar": 9, "herfst": 9, "winter": 12},
    "fr": {"printemps": 3, "été": 6, "automne": 9, "hiver": 12},
    "en": {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12},
}
PART_WORDS = {
    "nl": {"begin {}": (1, 3), "midden {}": (5, 8), "half {}": (5, 8), "eind {}": (10, 12)},
    "fr": {"début {}": (1, 3), "mi-{}": (5, 8), "fin {}": (10, 12)},
    "en": {"early {}": (1, 3), "mid-{}": (5, 8), "end of {}": (10, 12)},
}
HALVES = {"nl": ["1ste semester {}", "2de semester {}"], "fr": ["1er semestre {}",
          "2e semestre {}"], "en": ["first half of {}", "second half of {}"]}  # fmt: skip


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@st.composite
def points(draw) -> tuple[str, date, date]:
    """A point written as a plan in one of the three languages writes it, with the first
    and last day it means (worked out here, not by the parser)."""
    lang = draw(st.sampled_from(["nl", "fr", "en"]))
    year = draw(st.integers(2000, 2098))
    kind = draw(st.sampled_from(["year", "season", "part", "half", "month", "day"]))
    if kind == "year":
        return str(year), date(year, 1, 1), date(year, 12, 31)
    if kind == "season":
        word, first = draw(st.sampled_from(sorted(SEASON_WORDS[lang].items())))
        if first == 12:
            return f"{word} {year}", date(year, 12, 1), _last_day(year + 1, 2)
        return f"{word} {year}", date(year, first, 1), _last_day(year, first + 2)
    if kind == "part":
        pattern, (first, last) = draw(st.sampled_from(sorted(PART_WORDS[lang].items())))
        return pattern.format(year), date(year, first, 1), _last_day(year, last)
    if kind == "half":
        number = draw(st.integers(1, 2))
        first = 1 + 6 * (number - 1)
        return (
            HALVES[lang][number - 1].format(year),
            date(year, first, 1),
            _last_day(year, first + 5),
        )
    month = draw(st.integers(1, 12))
    if kind == "month":
        return f"{MONTHS[lang][month - 1]} {year}", date(year, month, 1), _last_day(year, month)
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    shown_day = "1er" if lang == "fr" and day == 1 else str(day)
    written = f"{shown_day} {MONTHS[lang][month - 1]} {year}"
    return written, date(year, month, day), date(year, month, day)


SEPARATORS = ["-", " - ", " – ", "– ", "—", " tot ", " à ", " to ", " until "]


@settings(max_examples=400, deadline=None)
@given(points(), points(), st.sampled_from(SEPARATORS))
def test_a_range_between_any_two_points_runs_from_the_first_to_the_last(first, last, separator):
    (a, a_start, a_end), (b, b_start, b_end) = first, last
    written = f"{a}{separator}{b}"
    if b_start < a_start or b_end < a_end:
        with pytest.raises(terms.TermError) as refused:
            terms.parse(written)
        assert refused.value.reason == "backwards"
        return
    term = terms.parse(written)
    assert (term.kind, term.start, term.end, term.complete) == ("range", a_start, b_end, True)
    for lang in ("nl", "fr", "en"):
        again = terms.parse(terms.show(term, lang))
        assert (again.kind, again.start, again.end) == ("range", a_start, b_end)


@settings(max_examples=200, deadline=None)
@given(points(), st.sampled_from(["vanaf ", "à partir de ", "from "]))
def test_from_a_point_on_has_a_start_and_no_end(point, prefix):
    written, start, _end = point
    term = terms.parse(prefix + written)
    assert (term.kind, term.start, term.end) == ("from", start, None)


@settings(max_examples=200, deadline=None)
@given(points(), st.sampled_from(["tegen ", "uiterlijk tegen ", "au plus tard ", "d'ici ", "by "]))
def test_by_a_point_has_an_end_and_no_start(point, prefix):
    written, _start, end = point
    term = terms.parse(prefix + written)
    assert (term.kind, term.start, term.end) == ("by", None, end)


# --- stored, on SQLite and PostgreSQL --------------------------------------------------------


@pytest.fixture
def terms_app(database_url, providers):
    application = make_app(database_url, **providers.settings())
    yield application
    application.extensions["concerto.db"].engine.dispose()


def _goal(db, code: str) -> Goal:
    return db.scalar(select(Goal).join(Plan).where(Plan.code == PLAN, Goal.code == code))


def test_every_seed_term_is_stored_as_typed_with_the_dates_it_reads(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    made = {}
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        for row in EVERY_TERM:
            action = plans.create_action(
                db, goal, {"title_nl": row[0][:50], "term": row[0], "authority": "vlaams"},
                statuses,
            )  # fmt: skip
            made[action.id] = row
        db.commit()
    with terms_app.extensions["concerto.db"].session() as db:
        for action_id, (written, kind, start, end, *_words) in made.items():
            action = db.get(PlanAction, action_id)
            assert action.term_text == written  # the whole text, the longest too
            read_back = terms.from_dict(action.term)
            assert (read_back.kind, read_back.start, read_back.end) == (kind, start, end)
            if kind == "undetermined":
                assert (action.starts_on, action.ends_on) == (None, None)
            elif read_back.open_ended:  # runs on: the plan's end is its end
                begins = start or date(2014, 1, 1)
                assert (action.starts_on, action.ends_on) == (
                    begins,
                    max(date(2019, 12, 31), begins),
                )
            else:
                assert (action.starts_on, action.ends_on) == (start, end)


def test_an_action_without_a_term_or_still_to_be_determined_is_never_overdue(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        plan = goal.plan
        ids = {}
        for written in ("", None, "Nog te bepalen", "à déterminer", "Tegen het najaar 2015",
                        "Vanaf begin 2016"):  # fmt: skip
            values = {"title_nl": f"actie {written}", "authority": "vlaams", "status": "started"}
            if written is not None:
                values["term"] = written
            ids[written] = plans.create_action(db, goal, values, statuses).id
        db.commit()
        none = db.get(PlanAction, ids[""])
        assert (none.term_text, none.term, none.starts_on, none.ends_on) == ("", {}, None, None)
        assert db.get(PlanAction, ids[None]).term_text == ""
        late = {a.id for a in plans.dashboard(db, plan, date(2026, 6, 1))["overdue"]}
        assert ids["Tegen het najaar 2015"] in late
        assert ids["Vanaf begin 2016"] in late  # open-ended: due when the plan ended
        assert not late & {ids[""], ids[None], ids["Nog te bepalen"], ids["à déterminer"]}
        # A term is cleared by saving it empty.
        dated = db.get(PlanAction, ids["Tegen het najaar 2015"])
        plans.update_action(db, dated, {"term": ""}, statuses, None)
        assert (dated.term_text, dated.term, dated.ends_on) == ("", {}, None)


def test_a_term_too_long_or_with_control_characters_is_refused_and_nothing_is_cut(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        for written, code in (("najaar 2015 " + "x" * 300, "length"),
                              ("najaar\t2015", "one_line"), (2015, "type")):  # fmt: skip
            with pytest.raises(plans.Invalid) as refused:
                plans.create_action(
                    db, goal, {"title_nl": "x", "authority": "vlaams", "term": written}, statuses
                )
            assert refused.value.errors == {"term": code}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_form_saves_the_plans_terms_and_shows_them_in_the_readers_words(terms_app, language):
    client = terms_app.test_client()
    login_as(client, terms_app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
    csrf = csrf_token(client, f"/goals/{goal_id}/actions/new")
    long_term = EARLIEST_2016
    saved = {}
    for title, written in (("Zonder termijn", ""), ("Met reden", long_term),
                           ("Open", "Najaar 2015 - voorjaar 2017/2018")):  # fmt: skip
        made = client.post(
            f"/goals/{goal_id}/actions/new",
            data={"csrf_token": csrf, "title_nl": title, "term": written, "status": "planned"},
        )
        assert made.status_code == 302, made.get_data(as_text=True)[:500]
        with terms_app.extensions["concerto.db"].session() as db:
            saved[title] = db.scalar(select(PlanAction.id).where(PlanAction.title_nl == title))
    page = client.get(f"/goals/{goal_id}").get_data(as_text=True)
    words = {"nl": ("geen termijn", "vanaf begin 2016", "najaar 2015 – voorjaar 2017 of 2018"),
             "fr": ("sans échéance", "à partir de début 2016",
                    "automne 2015 – printemps 2017 ou 2018")}[language]  # fmt: skip
    for shown in words:
        assert shown in page, shown
    # The action's page keeps the text as typed, in its own language, and says what it read.
    form = client.get(f"/plan-actions/{saved['Met reden']}").get_data(as_text=True)
    assert read(form).values["term"] == [long_term]
    read_as = read(form).elements["term-read"].text
    assert words[1] in read_as and "01/01/2016" in read_as
    none = read(client.get(f"/plan-actions/{saved['Zonder termijn']}").get_data(as_text=True))
    assert none.values["term"] == [""]
    assert {"nl": "nooit te laat", "fr": "jamais en retard"}[language] in none.elements[
        "term-read"
    ].text


def test_a_reader_sees_the_term_in_words_and_the_plans_text_when_it_says_more(terms_app):
    statuses = terms_app.config["CONCERTO"]["action_statuses"]
    with terms_app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        ids = {
            written: plans.create_action(
                db, goal, {"title_nl": f"actie {n}", "term": written, "authority": "vlaams"},
                statuses,
            ).id
            for n, written in enumerate(("Najaar 2015 - voorjaar 2017/2018", EARLIEST_2016))
        }  # fmt: skip
        db.commit()
    client = terms_app.test_client()  # no one logged in: the facts, not the form
    client.get("/language/fr")
    page = client.get(f"/plan-actions/{ids[EARLIEST_2016]}").get_data(as_text=True)
    assert "à partir de début 2016" in page
    assert f'<span lang="nl">{EARLIEST_2016}</span>' in page.replace("&#39;", "'")
    assert "du 01/01/2016 au 31/12/2019" in page
    ranged = client.get(f"/plan-actions/{ids['Najaar 2015 - voorjaar 2017/2018']}")
    text = ranged.get_data(as_text=True)
    assert "automne 2015 – printemps 2017 ou 2018" in text and 'lang="nl">Najaar 2015' in text
    client.get("/language/nl")  # the reader's own language, all of it read: said once
    text = client.get(f"/plan-actions/{ids['Najaar 2015 - voorjaar 2017/2018']}").get_data(
        as_text=True
    )
    assert "najaar 2015 – voorjaar 2017 of 2018" in text and "Najaar 2015 -" not in text


@pytest.mark.parametrize(
    "language,written,message",
    [
        ("nl", "somer 2016", "Deze termijn kan niet gelezen worden"),
        ("fr", "bientôt", "Cette échéance ne peut pas être lue"),
        ("nl", "2019-2015", "Deze termijn eindigt voor hij begint"),
        ("fr", "31 février 2016", "Ce jour n"),
        ("fr", "3e semestre 2016", "deux semestres"),
        ("nl", "najaar 1999", "tussen 2000 en 2100"),
    ],
)
def test_a_term_that_cannot_be_read_is_refused_at_the_field_in_the_readers_language(
    terms_app, language, written, message
):
    client = terms_app.test_client()
    login_as(client, terms_app, ("vlaams", "coordinator"))
    client.get(f"/language/{language}")
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
        before = db.scalar(select(PlanAction.id).order_by(PlanAction.id.desc()))
    refused = client.post(
        f"/goals/{goal_id}/actions/new",
        data={
            "csrf_token": csrf_token(client, f"/goals/{goal_id}/actions/new"),
            "title_nl": "Iets",
            "term": written,
            "status": "planned",
        },
    )
    assert refused.status_code == 422
    page = check_summary(refused.get_data(as_text=True))
    assert [href for href, _text in page.links] == ["#f-term"]
    assert message in page.elements["e-term"].text
    assert page.values["term"] == [written]  # nothing typed is lost
    if message.startswith(("Deze termijn kan", "Cette échéance ne")):  # says what can be written
        examples = {"nl": "najaar 2026 - voorjaar 2027", "fr": "à partir de début 2027"}[language]
        assert examples in page.elements["e-term"].text
    with terms_app.extensions["concerto.db"].session() as db:
        assert db.scalar(select(PlanAction.id).order_by(PlanAction.id.desc())) == before


def test_the_api_takes_an_action_without_a_term_and_says_what_a_term_reads(terms_app):
    client = terms_app.test_client()
    login_as(client, terms_app, ("cocof", "coordinator"))
    headers = {"Authorization": f"Bearer {api_token(terms_app, 'cocof-camille', ['coordinator'])}"}
    with terms_app.extensions["concerto.db"].session() as db:
        goal_id = _goal(db, "4.3").id
    bare = client.post(f"/api/v1/goals/{goal_id}/actions", json={"title_fr": "Sans"},
                       headers=headers)  # fmt: skip
    assert bare.status_code == 201, bare.get_json()
    assert bare.get_json()["term"] == {
        "written": None, "shown": "no term", "kind": None, "starts_on": None, "ends_on": None,
    }  # fmt: skip
    later = client.post(
        f"/api/v1/goals/{goal_id}/actions",
        json={"title_fr": "Plus tard", "term": "Nog te bepalen"},
        headers=headers | {"Accept-Language": "fr"},
    ).get_json()
    assert later["term"]["kind"] == "undetermined" and later["term"]["ends_on"] is None
    ranged = client.post(
        f"/api/v1/goals/{goal_id}/actions",
        json={"title_fr": "Période", "term": "Najaar 2015 - voorjaar 2017/2018"},
        headers=headers,
    ).get_json()["term"]
    assert (ranged["starts_on"], ranged["ends_on"], ranged["kind"]) == (
        "2015-09-01", "2018-05-31", "range")  # fmt: skip
    wrong = client.post(f"/api/v1/goals/{goal_id}/actions",
                        json={"title_fr": "x", "term": "2019-2015"}, headers=headers)  # fmt: skip
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["field"] == "term"


def test_migration_0016_keeps_the_terms_both_ways(database_url):
    """Upgrading widens the term on PostgreSQL (SQLite keeps any length); going back refuses
    while a term is longer than the old column, so that nothing typed is cut."""
    from core import create_app
    from core.db import CORE_HISTORY, downgrade, upgrade
    from tests.conftest import app_config

    app = create_app(app_config(database_url))
    engine = app.extensions["concerto.db"].engine
    long_term = EARLIEST_2016
    statuses = app.config["CONCERTO"]["action_statuses"]
    with app.extensions["concerto.db"].session() as db:
        goal = _goal(db, "5.1")
        action_id = plans.create_action(
            db, goal, {"title_nl": "lang", "term": long_term, "authority": "vlaams"}, statuses
        ).id
        db.commit()

    def stored() -> list[tuple]:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT id, term_text, starts_on, ends_on FROM plan_actions ORDER BY id")))  # fmt: skip

    before = stored()
    with pytest.raises(RuntimeError, match="longer than 100 characters"):
        downgrade(engine, CORE_HISTORY, "0015")
    assert stored() == before
    with engine.begin() as connection:
        # Also the seed's longest terms, in the Flemish plan its plugin ships (issue 24).
        connection.execute(
            text(
                "UPDATE plan_actions SET term_text = 'Vanaf begin 2016.' "
                "WHERE id = :id OR LENGTH(term_text) > 100"
            ),
            {"id": action_id},
        )
    before = stored()
    downgrade(engine, CORE_HISTORY, "0015")
    assert stored() == before
    upgrade(engine, CORE_HISTORY)
    assert stored() == before
    if engine.dialect.name == "postgresql":
        columns = {c["name"]: c for c in inspect(engine).get_columns("plan_actions")}
        assert columns["term_text"]["type"].length == 300
    engine.dispose()
