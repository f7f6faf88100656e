"""The Flemish Community's own figures for its jaarverslag, as the Flemish strategic plan
2015-2020 (seed 002) reports them, each entered per year on the core's figures page:

- staffing in full-time equivalents per function, from the fixed list of the plan's table 2,
  per prison or for all prisons together (the plan's table covers them all at once);
- reach and participants per service (one of the Flemish Community's own services), with
  the care periods (zorgperiodes) by which the mental health centres (CGG) count their work;
- the budget per policy domain, line by line as the plan's budget overview lists it.

Each table is the plugin's own (``vlaams_*``), created by its own migrations."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Numeric, String, Table, select

from concerto_vlaams.words import _l
from core.db import Base
from core.i18n import pick
from core.inventory.models import Service
from core.reports.figures import FigureColumn, FigureTable

PRISON = {"nl": "Gevangenis", "fr": "Prison", "en": "Prison"}
ALL_PRISONS = {
    "nl": "Alle gevangenissen samen",
    "fr": "Toutes les prisons ensemble",
    "en": "All prisons together",
}

# --- staffing (seed 002, table 2) ------------------------------------------------------------

staffing = Table(
    "vlaams_staffing",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    # No prison: a figure for all prisons together, as table 2 of the plan gives them.
    Column("prison_code", String(32)),
    # A code of FUNCTIONS; a text typed before the list existed is kept as it was.
    Column("function", String(120), nullable=False),
    Column("fte", Numeric(7, 3), nullable=False),  # the plan writes 0,825 and 2,775 FTE
    extend_existing=True,
)

# The functions of table 2 ("Personeelsinzet 2014"), in its order, the Dutch as it writes them.
FUNCTIONS: dict[str, dict[str, str]] = {
    "beleidscoordinator": {
        "nl": "Beleidscoördinator",
        "fr": "Coordinateur politique",
        "en": "Policy coordinator",
    },
    "organisatieondersteuner": {
        "nl": "Organisatieondersteuner",
        "fr": "Chargé de soutien à l'organisation",
        "en": "Organisation support officer",
    },
    "onderwijscoordinator": {
        "nl": "Onderwijscoördinator",
        "fr": "Coordinateur de l'enseignement",
        "en": "Education coordinator",
    },
    "sportfunctionaris_dra": {
        "nl": "Sportfunctionaris DRA",
        "fr": "Responsable sportif DRA",
        "en": "Sports officer (DRA)",
    },
    "cultuurcoordinator_dra": {
        "nl": "Cultuurcoördinator DRA",
        "fr": "Coordinateur culturel DRA",
        "en": "Culture coordinator (DRA)",
    },
    "ondersteuning_justitiepersoneel": {
        "nl": "Ondersteuning door Justitiepersoneel",
        "fr": "Soutien par le personnel de la Justice",
        "en": "Support by Justice staff",
    },
    "trajectbegeleider": {
        "nl": "Trajectbegeleiders",
        "fr": "Accompagnateurs de trajet",
        "en": "Pathway counsellors",
    },
    "medewerker_cgg": {
        "nl": "Medewerkers CGG",
        "fr": "Collaborateurs CGG (santé mentale)",
        "en": "Mental health centre (CGG) staff",
    },
    "medewerker_cap": {
        "nl": "Medewerker CAP",
        "fr": "Collaborateur CAP",
        "en": "CAP staff member",
    },
    "detentieconsulent_vdab": {
        "nl": "Detentieconsulent VDAB",
        "fr": "Consultant détention VDAB",
        "en": "VDAB detention consultant",
    },
    "bibliotheekmedewerker": {
        "nl": "Gevangenisbibliotheekmedewerkers",
        "fr": "Collaborateurs de la bibliothèque de la prison",
        "en": "Prison library staff",
    },
    "sociaal_cultureel_werker": {
        "nl": "Sociaal-cultureel werker",
        "fr": "Travailleur socioculturel",
        "en": "Socio-cultural worker",
    },
}

# The demo's 2026 staffing in the Brussels prisons open in that year (Vorst and Berkendael
# closed in 2022, their teams moved to Haren), and the plan's own 2014 table for all prisons.
DEMO_STAFFING = [
    ("sint_gillis", "beleidscoordinator", "1"),
    ("sint_gillis", "trajectbegeleider", "3.5"),
    ("sint_gillis", "medewerker_cgg", "1.2"),
    ("sint_gillis", "bibliotheekmedewerker", "0.5"),
    ("haren", "beleidscoordinator", "2"),
    ("haren", "trajectbegeleider", "7.6"),
    ("haren", "detentieconsulent_vdab", "0.8"),
    ("haren", "sportfunctionaris_dra", "0.5"),
]
PLAN_STAFFING_2014 = [
    ("beleidscoordinator", "17"),
    ("organisatieondersteuner", "16.85"),
    ("onderwijscoordinator", "10.35"),
    ("sportfunctionaris_dra", "5.1"),
    ("cultuurcoordinator_dra", "0.825"),
    ("ondersteuning_justitiepersoneel", "12.9"),
    ("trajectbegeleider", "62.1"),
    ("medewerker_cgg", "17.9"),
    ("medewerker_cap", "1.5"),
    ("detentieconsulent_vdab", "10.85"),
    ("bibliotheekmedewerker", "6.2"),
    ("sociaal_cultureel_werker", "2.775"),
]

STAFFING = FigureTable(
    code="staffing",
    labels={
        "nl": "Personeelsinzet in voltijdse equivalenten",
        "fr": "Effectifs en équivalents temps plein",
        "en": "Staffing in full-time equivalents",
    },
    description={
        "nl": "Voltijdse equivalenten per functie uit de vaste lijst van tabel 2 van het Vlaams "
        "strategisch plan, per gevangenis, of voor alle gevangenissen samen als het cijfer niet "
        "per gevangenis is opgesplitst.",
        "fr": "Équivalents temps plein par fonction, selon la liste fixe du tableau 2 du plan "
        "stratégique flamand, par prison, ou pour toutes les prisons ensemble quand le chiffre "
        "n'est pas ventilé par prison.",
        "en": "Full-time equivalents per function, from the fixed list of table 2 of the Flemish "
        "strategic plan, per prison, or for all prisons together when the figure is not split "
        "per prison.",
    },
    table=staffing,
    columns=[
        FigureColumn("prison_code", "prison", PRISON, all_prisons=ALL_PRISONS),
        FigureColumn(
            "function",
            "choice",
            {"nl": "Functie", "fr": "Fonction", "en": "Function"},
            choices=FUNCTIONS,
        ),
        FigureColumn("fte", "decimal", {"nl": "VTE", "fr": "ETP", "en": "FTE"}, 0, 200, places=3),
    ],
    demo_rows={
        2014: [
            {"prison_code": "*", "function": f, "fte": Decimal(v)} for f, v in PLAN_STAFFING_2014
        ],
        2026: [{"prison_code": p, "function": f, "fte": Decimal(v)} for p, f, v in DEMO_STAFFING],
    },
)


def function_name(code: str) -> str:
    """A function in Dutch as the jaarverslag writes it; a text typed before the list existed
    as it was typed, marked as outside the list."""
    if code in FUNCTIONS:
        return FUNCTIONS[code]["nl"]
    return f"{code} (vrije tekst, niet uit de lijst)"


def staffing_blocks(session, year: int, prisons: dict[str, str]) -> list[tuple]:
    """FTE per function (rows, in the list's order) and prison (columns: the prisons open in
    the year, then all prisons together), with totals both ways."""
    fte: dict[str, dict[str | None, Decimal]] = defaultdict(dict)
    for row in session.execute(staffing.select().where(staffing.c.year == year)).mappings():
        if row["prison_code"] is None or row["prison_code"] in prisons:
            fte[row["function"]][row["prison_code"]] = row["fte"]
    columns: list[str | None] = [p for p in prisons if any(p in row for row in fte.values())]
    if any(None in row for row in fte.values()):
        columns.append(None)
    blocks: list[tuple] = [("h", f"Personeelsinzet {year} in VTE")]
    if not fte:
        blocks.append(("p", f"Geen gegevens: de personeelsinzet voor {year} is niet ingevuld."))
        return blocks
    order = list(FUNCTIONS) + sorted(f for f in fte if f not in FUNCTIONS)
    header = ["Functie", *(prisons[p] if p else ALL_PRISONS["nl"] for p in columns), "Totaal"]
    rows = [
        [function_name(f), *(fte[f].get(p, Decimal(0)) for p in columns), sum(fte[f].values())]
        for f in order
        if f in fte
    ]
    totals = ["Totaal", *(sum(r[i + 1] for r in rows) for i in range(len(columns)))]
    blocks.append(("table", [header, *rows, [*totals, sum(totals[1:])]]))
    return blocks


# --- reach and participants per service ------------------------------------------------------

reach = Table(
    "vlaams_reach",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("service_id", Integer, nullable=False),  # one of the Flemish Community's services
    Column("reached", Integer),
    Column("participants", Integer),
    Column("care_periods", Integer),
    extend_existing=True,
)


def _reach_check(row: dict[str, Any]) -> dict[str, Any]:
    figures = (row["reached"], row["participants"], row["care_periods"])
    if all(value is None for value in figures):
        return {"reached": _l("Give at least one figure for this service.")}
    reached, participants = row["reached"], row["participants"]
    if reached is not None and participants is not None and participants > reached:
        return {
            "participants": _l(
                "There cannot be more participants than detainees reached: every "
                "participant was reached."
            )
        }
    return {}


# The demo's 2026 reach, by the demo services' identifiers (see core.inventory.demo).
DEMO_REACH = [
    ("VG-01", 420, 310, None),
    ("VG-03", 95, 64, None),
    ("VG-07", 780, 640, None),
    ("VG-09", 260, 190, None),
    ("VG-11", 180, 120, None),
    ("VG-14", 150, 88, 120),
]


def _demo_reach(session) -> dict[int, list[dict[str, Any]]]:

    ids = dict(
        session.execute(
            select(Service.external_id, Service.id).where(Service.authority_code == "vlaams")
        ).all()
    )
    return {
        2026: [
            {"service_id": str(ids[ext]), "reached": r, "participants": p, "care_periods": c}
            for ext, r, p, c in DEMO_REACH
            if ext in ids
        ]
    }


REACH = FigureTable(
    code="reach",
    labels={
        "nl": "Bereik en deelnemers per dienst",
        "fr": "Portée et participants par service",
        "en": "Reach and participants per service",
    },
    description={
        "nl": "Per dienst van de Vlaamse Gemeenschap: hoeveel verschillende gedetineerden de "
        "dienst dit jaar bereikte, hoeveel van hen eraan deelnamen, en voor een centrum "
        "geestelijke gezondheidszorg (CGG) het aantal opgestarte zorgperiodes. Laat open wat "
        "niet geteld werd.",
        "fr": "Par service de la Communauté flamande\u00a0: combien de détenus différents le "
        "service a atteints cette année, combien d'entre eux y ont participé et, pour un centre "
        "de santé mentale (CGG), le nombre de périodes de soins entamées. Laissez vide ce qui "
        "n'a pas été compté.",
        "en": "Per service of the Flemish Community: how many different detainees the service "
        "reached this year, how many of them took part, and for a mental health centre (CGG) "
        "the number of care periods started. Leave empty what was not counted.",
    },
    table=reach,
    columns=[
        FigureColumn("service_id", "service", {"nl": "Dienst", "fr": "Service", "en": "Service"}),
        FigureColumn(
            "reached",
            "integer",
            {"nl": "Bereikte gedetineerden", "fr": "Détenus atteints", "en": "Detainees reached"},
            0,
            100000,
            required=False,
        ),
        FigureColumn(
            "participants",
            "integer",
            {"nl": "Deelnemers", "fr": "Participants", "en": "Participants"},
            0,
            100000,
            required=False,
        ),
        FigureColumn(
            "care_periods",
            "integer",
            {
                "nl": "Zorgperiodes (CGG)",
                "fr": "Périodes de soins (CGG)",
                "en": "Care periods (CGG)",
            },
            0,
            100000,
            required=False,
        ),
    ],
    check=_reach_check,
    demo_rows=_demo_reach,
)


def reach_blocks(session, year: int) -> list[tuple]:

    blocks: list[tuple] = [("h", f"Bereik en deelnemers per dienst in {year}")]
    rows = session.execute(reach.select().where(reach.c.year == year)).mappings().all()
    if not rows:
        blocks.append(("p", f"Geen gegevens: het bereik voor {year} is niet ingevuld."))
        return blocks
    services = {
        s.id: str(pick(s.texts("name"), "nl"))
        for s in session.scalars(
            select(Service).where(Service.id.in_([r["service_id"] for r in rows]))
        )
    }
    named = sorted(rows, key=lambda r: services.get(r["service_id"], "").casefold())
    names = ["reached", "participants", "care_periods"]
    table = [["Dienst", "Bereikte gedetineerden", "Deelnemers", "Zorgperiodes (CGG)"]]
    table += [
        [services.get(r["service_id"], "Onbekende dienst"), *(r[n] for n in names)] for r in named
    ]
    totals = [sum(r[n] for r in rows if r[n] is not None) for n in names]
    table.append(["Totaal", *totals])
    blocks.append(("table", table))
    blocks.append(
        (
            "p",
            "Een gedetineerde die verscheidene diensten gebruikt, telt bij elk van die "
            "diensten: het totaal telt dus bereik per dienst, geen verschillende personen.",
        )
    )
    return blocks


# --- budget per policy domain (seed 002, "Budgettair overzicht") -------------------------------

budget = Table(
    "vlaams_budget",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("policy_domain", String(32), nullable=False),
    Column("item", String(300), nullable=False),
    Column("regulation", String(1000)),
    Column("budget_allocation", String(100)),
    Column("note", String(300)),
    Column("amount_eur", Numeric(14, 2), nullable=False),
    extend_existing=True,
)

# The policy domains of the plan's budget overview, in its order.
POLICY_DOMAINS: dict[str, dict[str, str]] = {
    "welzijn": {"nl": "Welzijn", "fr": "Bien-être", "en": "Welfare"},
    "gezondheid": {"nl": "Gezondheid", "fr": "Santé", "en": "Health"},
    "onderwijs": {"nl": "Onderwijs", "fr": "Enseignement", "en": "Education"},
    "werk": {"nl": "Werk", "fr": "Emploi", "en": "Work"},
    "cultuur_sport": {
        "nl": "Cultuur en sport",
        "fr": "Culture et sport",
        "en": "Culture and sport",
    },
}

# The demo's 2026 budget: the lines of the plan's 2015 overview, indexed (fictional amounts).
DEMO_BUDGET = [
    ("welzijn", "Coördinatie personeel", "GBO/GA-D-2-Z/LO – ESR 11", "1298400"),
    ("welzijn", "Subsidiëring Justitieel Welzijnswerk", "GBO/1GC-D-2-D/WT ba GC020", "5866000"),
    (
        "gezondheid",
        "Subsidie CGG voor forensische teams",
        "GE0/1GD-D-2-AC/WT ba 1 GD 331",
        "1255000",
    ),
    ("onderwijs", "Onderwijsaanbod binnen de muren", "", "2238700"),
    ("werk", "VDAB-detentieconsulenten", "JBO JD1304140", "960800"),
    ("cultuur_sport", "De Rode Antraciet", "HC0/1HD-I-2-AE/WT", "1329700"),
]


BUDGET = FigureTable(
    code="budget",
    labels={
        "nl": "Budget per beleidsdomein",
        "fr": "Budget par domaine politique",
        "en": "Budget per policy domain",
    },
    description={
        "nl": "Eén rij per begrotingspost, zoals het budgettair overzicht van het Vlaams "
        "strategisch plan ze opsomt, met het bedrag in euro.",
        "fr": "Une ligne par poste budgétaire, comme les énumère l'aperçu budgétaire du plan "
        "stratégique flamand, avec le montant en euros.",
        "en": "One row per budget item, as the budget overview of the Flemish strategic plan "
        "lists them, with the amount in euros.",
    },
    table=budget,
    columns=[
        FigureColumn(
            "policy_domain",
            "choice",
            {"nl": "Beleidsdomein", "fr": "Domaine politique", "en": "Policy domain"},
            choices=POLICY_DOMAINS,
        ),
        FigureColumn("item", "text", {"nl": "Post", "fr": "Poste", "en": "Item"}),
        FigureColumn(
            "regulation",
            "text",
            {
                "nl": "Verwijzing naar regelgeving",
                "fr": "Base réglementaire",
                "en": "Legal basis",
            },
            required=False,
        ),
        FigureColumn(
            "budget_allocation",
            "text",
            {"nl": "Basisallocatie", "fr": "Allocation de base", "en": "Budget line"},
            required=False,
        ),
        FigureColumn(
            "note", "text", {"nl": "Toelichting", "fr": "Précision", "en": "Note"}, required=False
        ),
        FigureColumn(
            "amount_eur",
            "decimal",
            {"nl": "Bedrag (euro)", "fr": "Montant (euros)", "en": "Amount (euros)"},
            0,
            1_000_000_000,
            places=2,
        ),
    ],
    key=("policy_domain", "item"),
    demo_rows={
        2026: [
            {"policy_domain": d, "item": i, "budget_allocation": b, "amount_eur": Decimal(a)}
            for d, i, b, a in DEMO_BUDGET
        ]
    },
)


def budget_blocks(session, year: int) -> list[tuple]:
    """The budget lines per policy domain, in the plan's order, each domain with its total."""
    blocks: list[tuple] = [("h", f"Budget {year} per beleidsdomein")]
    rows = session.execute(budget.select().where(budget.c.year == year)).mappings().all()
    if not rows:
        blocks.append(("p", f"Geen gegevens: het budget voor {year} is niet ingevuld."))
        return blocks
    table = [
        ["Beleidsdomein", "Post", "Verwijzing naar regelgeving", "Basisallocatie", "Toelichting",
         "Bedrag (euro)"]
    ]  # fmt: skip
    order = list(POLICY_DOMAINS) + sorted({r["policy_domain"] for r in rows} - set(POLICY_DOMAINS))
    for domain in order:
        lines = [r for r in rows if r["policy_domain"] == domain]
        if not lines:
            continue
        name = POLICY_DOMAINS.get(domain, {}).get("nl", domain)
        for line in sorted(lines, key=lambda r: r["id"]):
            table.append(
                [name, line["item"], line["regulation"], line["budget_allocation"], line["note"],
                 line["amount_eur"]]
            )  # fmt: skip
        table.append(
            [f"Totaal {name}", None, None, None, None, sum(r["amount_eur"] for r in lines)]
        )
    table.append(["Totaal", None, None, None, None, sum(r["amount_eur"] for r in rows)])
    blocks.append(("table", table))
    return blocks
