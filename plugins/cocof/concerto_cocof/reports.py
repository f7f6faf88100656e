"""The French Community Commission's report for its Action sociale administration, in
French, as ODS: its services and the organisations behind them, the languages offered, and
the waiting lists."""

from __future__ import annotations

from collections import Counter

from core.reports import data, writers

CODE = "cocof"
LANGUAGE_NAMES = {"nl": "néerlandais", "fr": "français", "en": "anglais", "ar": "arabe",
                  "tr": "turc", "es": "espagnol", "pt": "portugais", "ro": "roumain",
                  "pl": "polonais", "ru": "russe", "de": "allemand"}  # fmt: skip


def report(session, year: int, language: str) -> bytes:
    domains = data.domains(session, "fr")
    prisons = data.prisons(session, "fr", year)  # open in the year only
    services = data.services_of(session, CODE, year)
    none = [("p", f"Aucune donnée : aucun service publié en {year}.")]
    offer = [
        ("h", f"Services de la Cocof en {year}"),
        *(
            [
                (
                    "table",
                    [["Service", "Organisation", "Domaine", "Prisons", "Langues"]]
                    + [
                        [
                            data.service_name(s, "fr"),
                            s.organization.name if s.organization else "",
                            domains.get(s.domain_code, s.domain_code),
                            ", ".join(data.places(s, prisons)),
                            ", ".join(LANGUAGE_NAMES.get(c, c) for c in s.languages or []),
                        ]
                        for s in services
                    ],
                )
            ]
            if services
            else none
        ),
    ]
    organisations = Counter(s.organization.name for s in services if s.organization)
    by_organisation = [
        ("h", "Organisations"),
        ("table", [["Organisation", "Services"], *map(list, sorted(organisations.items()))])
        if organisations
        else none[0],
    ]
    languages = Counter(code for s in services for code in s.languages or [])
    by_language = [
        ("h", "Langues proposées"),
        ("table", [["Langue", "Services"]]
         + [[LANGUAGE_NAMES.get(c, c), n] for c, n in languages.most_common()])
        if languages
        else none[0],
    ]  # fmt: skip
    waiting = [s for s in services if s.waiting_list]
    waiting_lists = [
        ("h", "Listes d'attente"),
        ("table", [["Service", "Attente habituelle (jours)"]]
         + [[data.service_name(s, "fr"), s.typical_wait_days] for s in waiting])
        if waiting
        else ("p", "Aucun service n'a de liste d'attente."),
    ]  # fmt: skip
    return writers.ods(
        [
            ("Services", offer),
            ("Organisations", by_organisation),
            ("Langues", by_language),
            ("Listes d'attente", waiting_lists),
        ]
    )


REPORTS = [
    {
        "code": "rapport_action_sociale",
        "labels": {
            "nl": "Verslag Action sociale (in het Frans)",
            "fr": "Rapport Action sociale",
            "en": "Social action report (in French)",
        },
        "extension": "ods",
        "media_type": "application/vnd.oasis.opendocument.spreadsheet",
        "languages": ["fr"],
        "render": report,
    }
]
