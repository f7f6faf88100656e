"""vlaams_staffing: the function becomes a choice from the fixed list of table 2 of the
Flemish plan (seed 002), the prison may be left out for a figure of all prisons together,
and FTE keep three decimals (the plan writes 0,825 and 2,775)

A function typed before the list existed is stored as the list's code when it names one of
its functions (spelling, accents, singular or plural aside); any other text stays exactly as
typed, and the figures page shows it marked as outside the list. Nothing is lost: the
downgrade writes each code back as the list's Dutch words, and a figure of all prisons
together gets an empty prison code, since the older schema requires one.

Revision ID: vlaams_0003
Revises: vlaams_0002
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "vlaams_0003"
down_revision = "vlaams_0002"
branch_labels = None
depends_on = None

# The list as it stood when this revision was written (a migration never follows later
# changes of the code): code, the plan's Dutch words, other ways people wrote the function.
FUNCTIONS = [
    ("beleidscoordinator", "Beleidscoördinator", ["beleidscoordinator vlaamse gemeenschap"]),
    ("organisatieondersteuner", "Organisatieondersteuner", []),
    ("onderwijscoordinator", "Onderwijscoördinator", []),
    ("sportfunctionaris_dra", "Sportfunctionaris DRA", ["sportfunctionaris"]),
    ("cultuurcoordinator_dra", "Cultuurcoördinator DRA", ["cultuurcoordinator"]),
    ("ondersteuning_justitiepersoneel", "Ondersteuning door Justitiepersoneel", []),
    ("trajectbegeleider", "Trajectbegeleiders", []),
    ("medewerker_cgg", "Medewerkers CGG", []),
    ("medewerker_cap", "Medewerker CAP", []),
    ("detentieconsulent_vdab", "Detentieconsulent VDAB", []),
    (
        "bibliotheekmedewerker",
        "Gevangenisbibliotheekmedewerkers",
        ["bibliotheekmedewerker", "bibliothecaris"],
    ),
    ("sociaal_cultureel_werker", "Sociaal-cultureel werker", ["socioculturele werker"]),
]


def normalised(text: str) -> str:
    """Lower case, without accents, separators or a plural ending on any word."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    return " ".join(w[:-1] if len(w) > 4 and w.endswith("s") else w for w in words)


def code_for(text: str) -> str | None:
    wanted = normalised(text)
    for code, dutch, others in FUNCTIONS:
        if wanted in {
            normalised(code.replace("_", " ")),
            normalised(dutch),
            *map(normalised, others),
        }:
            return code
    return None


staffing = sa.table(
    "vlaams_staffing",
    sa.column("id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("prison_code", sa.String),
    sa.column("function", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("vlaams_staffing") as batch:
        batch.alter_column("prison_code", existing_type=sa.String(32), nullable=True)
        batch.alter_column(
            "fte", existing_type=sa.Numeric(6, 2), type_=sa.Numeric(7, 3), existing_nullable=False
        )
    connection = op.get_bind()
    # A downgrade wrote an empty prison code for a figure of all prisons together.
    connection.execute(
        staffing.update().where(staffing.c.prison_code == "").values(prison_code=None)
    )
    rows = connection.execute(
        sa.select(
            staffing.c.id, staffing.c.year, staffing.c.prison_code, staffing.c.function
        ).order_by(staffing.c.id)
    ).all()
    taken = {(row.year, row.prison_code, row.function) for row in rows}
    for row in rows:
        code = code_for(row.function)
        if code is None or code == row.function:
            continue
        # Two texts naming one function in the same prison and year (Trajectbegeleider and
        # Trajectbegeleiders): the first becomes the code, the other stays as typed.
        if (row.year, row.prison_code, code) in taken:
            continue
        connection.execute(staffing.update().where(staffing.c.id == row.id).values(function=code))
        taken.discard((row.year, row.prison_code, row.function))
        taken.add((row.year, row.prison_code, code))


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(staffing.c.id, staffing.c.year, staffing.c.prison_code, staffing.c.function)
    ).all()
    taken = {(row.year, row.prison_code or "", row.function) for row in rows}
    dutch = {code: words for code, words, _ in FUNCTIONS}
    for row in rows:
        values = {}
        if row.prison_code is None:
            values["prison_code"] = ""
        words = dutch.get(row.function)
        if words and (row.year, row.prison_code or "", words) not in taken:
            values["function"] = words
        if values:
            connection.execute(staffing.update().where(staffing.c.id == row.id).values(**values))
    # FTE keep their third decimal: narrowing the column back would round 0,825 to 0,83.
    with op.batch_alter_table("vlaams_staffing") as batch:
        batch.alter_column("prison_code", existing_type=sa.String(32), nullable=False)
