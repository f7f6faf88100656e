"""The Common Community Commission's own figures: the subsidies it grants to the organisations
behind justice welfare services, per year, entered on the core's figures page into the table
``cocom_subsidies`` (created by the plugin's first migration) and reported, in Dutch and
French side by side, in its bilingual report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Numeric, String, Table

from concerto_cocom.words import _l
from core.db import Base
from core.inventory.organizations import normalise_kbo
from core.reports.figures import FigureColumn, FigureTable

subsidies = Table(
    "cocom_subsidies",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("organisation", String(200), nullable=False),
    Column("company_number", String(12)),  # the ten digits of the KBO/BCE number
    Column("amount_eur", Numeric(12, 2), nullable=False),
    extend_existing=True,
)


def _company_number(value: str) -> tuple[Any, Any]:
    """A KBO/BCE number written any usual way, stored as its ten digits when its check
    digits hold."""
    digits = normalise_kbo(value)
    if digits is None:
        return None, _l(
            "Give the organisation's ten-digit company number, such as 0412.345.614; the last "
            "two digits check the others, so a typing error shows."
        )
    return digits, None


def company_number_shown(digits: str | None) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if digits else ""


def _demo_number(base: str) -> str:
    return f"{base}{97 - int(base) % 97:02d}"


# Fictional amounts for the demo's organisations (core/inventory/data/demo-organizations.csv).
DEMO_SUBSIDIES = {
    2026: [
        (
            "Centre d'accueil social des prisons bruxelloises / Sociaal onthaal Brusselse "
            "gevangenissen",
            _demo_number("05456789"),
            "412500.00",
        ),
        ("Bemiddeling Brussel / Médiation Bruxelles", _demo_number("07123450"), "86250.50"),
    ]
}

SUBSIDIES = FigureTable(
    code="subsidies",
    labels={
        "nl": "Subsidies per organisatie",
        "fr": "Subsides par organisation",
        "en": "Subsidies per organisation",
    },
    description={
        "nl": "De subsidies die de GGC dit jaar toekende aan de organisaties achter de diensten "
        "justitieel welzijnswerk, met hun ondernemingsnummer.",
        "fr": "Les subsides que la COCOM a octroyés cette année aux organisations qui portent "
        "les services d'aide aux justiciables, avec leur numéro d'entreprise.",
        "en": "The subsidies COCOM granted this year to the organisations behind the justice "
        "welfare services, with their company number.",
    },
    table=subsidies,
    columns=[
        FigureColumn(
            "organisation",
            "text",
            {"nl": "Organisatie", "fr": "Organisation", "en": "Organisation"},
        ),
        FigureColumn(
            "company_number",
            "text",
            {"nl": "Ondernemingsnummer", "fr": "Numéro d'entreprise", "en": "Company number"},
            required=False,
            parse=_company_number,
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
    key=("organisation",),
    demo_rows={
        year: [
            {"organisation": o, "company_number": n, "amount_eur": Decimal(a)} for o, n, a in rows
        ]
        for year, rows in DEMO_SUBSIDIES.items()
    },
)


def amount_shown(amount: Decimal, language: str) -> str:
    """Euros as a Dutch or French reader writes them: 412.500,00 and 412 500,00 (with a
    non-breaking space, so that a narrow column does not split the number)."""
    whole, cents = f"{amount:,.2f}".split(".")
    return whole.replace(",", "." if language == "nl" else "\u00a0") + "," + cents


def subsidy_blocks(session, year: int, words: dict[str, str]) -> list[tuple]:
    rows = (
        session.execute(
            subsidies.select().where(subsidies.c.year == year).order_by(subsidies.c.organisation)
        )
        .mappings()
        .all()
    )
    language = words["language"]
    blocks: list[tuple] = [("h", words["subsidies"])]
    if not rows:
        blocks.append(("p", words["none"]))
        return blocks
    table = [[words["organisation"], words["company_number"], words["amount"]]]
    table += [
        [r["organisation"], company_number_shown(r["company_number"]),
         amount_shown(r["amount_eur"], language)]
        for r in rows
    ]  # fmt: skip
    table.append([words["total"], "", amount_shown(sum(r["amount_eur"] for r in rows), language)])
    blocks.append(("table", table))
    return blocks
