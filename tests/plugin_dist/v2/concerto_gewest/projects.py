"""Version 2: each project also points at the prison in the shared reference data
(``prison_code``), which migration gewest_0002 fills in from the free text of version 1."""

from flask import Blueprint, render_template
from sqlalchemy import Column, Integer, String, Table, select

from core.db import Base, db_session
from core.i18n import current_language

projects = Table(
    "gewest_projects",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("prison", String(200), nullable=False),
    Column("prison_code", String(32)),
    Column("title", String(200), nullable=False),
    Column("participants", Integer, nullable=False),
    extend_existing=True,
)

TEXTS = {
    "title": {"nl": "Projecten van het Gewest", "fr": "Projets de la Région", "en": "Projects"},
    "year": {"nl": "Jaar", "fr": "Année", "en": "Year"},
    "prison": {"nl": "Gevangenis", "fr": "Prison", "en": "Prison"},
    "project": {"nl": "Project", "fr": "Projet", "en": "Project"},
    "participants": {"nl": "Deelnemers", "fr": "Participants", "en": "Participants"},
    "none": {"nl": "Nog geen projecten.", "fr": "Pas encore de projets.", "en": "No projects yet."},
}

blueprint = Blueprint("gewest_projects", __name__, url_prefix="/gewest")


@blueprint.get("/projects")
def listing():
    from core.reports import data

    session = db_session()
    rows = session.execute(select(projects).order_by(projects.c.year, projects.c.id))
    return render_template(
        "gewest/projects.html",
        rows=rows.mappings().all(),
        prisons=data.prisons(session, current_language()),
        t=TEXTS,
    )


def _overview(session, year, language):
    """Services per domain and the projects of the year per prison, as CSV."""
    from collections import Counter

    from core.reports import data, writers

    counts = Counter(s.domain_code for s in data.services_of(session, "gewest", year))
    names = data.domains(session, language)
    prisons = data.prisons(session, language)
    found = session.execute(select(projects).where(projects.c.year == year)).mappings()
    return writers.csv_table(
        [
            ["domain", "services"],
            *([names[domain], count] for domain, count in sorted(counts.items())),
            ["prison", "project", "participants"],
            *(
                [prisons.get(row["prison_code"], row["prison"]), row["title"], row["participants"]]
                for row in found
            ),
        ]
    )


REPORTS = [
    {
        "code": "overzicht",
        "labels": {"nl": "Overzicht", "fr": "Aperçu", "en": "Overview"},
        "extension": "csv",
        "media_type": "text/csv",
        "languages": ["fr", "nl"],
        "render": _overview,
    }
]
