"""Pairs of services as coordinators write them, each marked as the same offer recorded twice
or not, for measuring core.inventory.duplicates (tests/test_duplicates.py).

A side is (Dutch name, French name, prisons, domain, KBO number or None). The duplicates are
written differently in each language, with and without accents, in other cases, with
abbreviations, initialisms and another word order; the near-misses share words but differ in
what is offered, for whom, where or in which domain. Some are hard on purpose (two services
of the same organisation, names that share all but one word).
"""

from __future__ import annotations

H, S, HS = ("haren",), ("sint_gillis",), ("haren", "sint_gillis")
KBO_CAW = "0412345641"
KBO_RELAIS = "0456789012"
KBO_ASSUETUDES = "0834567863"
KBO_REGIE = "0267890145"

DUPLICATES = [
    (
        ("Nederlands tweede taal (CVO)", "Néerlandais langue seconde (CVO)", H, "education", None),
        (
            "NT2: Nederlands als tweede taal",
            "Cours de néerlandais, langue seconde",
            H,
            "education",
            None,
        ),
    ),
    (
        ("Drughulpverlening (CAD)", "Aide en matière de drogues (CAD)", H, "drugs", None),
        ("CAD drughulp", "Aide drogues CAD", H, "drugs", None),
    ),
    (
        (
            "Voorbereiding van de invrijheidstelling",
            "Préparation à la libération",
            S,
            "social_psychological",
            None,
        ),
        (
            "Voorbereiding op de vrijlating",
            "PREPARATION A LA LIBERATION",
            HS,
            "social_psychological",
            None,
        ),
    ),
    (
        (
            "Centrum Algemeen Welzijnswerk: onthaal nieuwkomers",
            "Centre d'action sociale : accueil des nouveaux arrivants",
            H,
            "social_psychological",
            None,
        ),
        (
            "CAW onthaal nieuwkomers",
            "Accueil des nouveaux arrivants (CAW)",
            H,
            "social_psychological",
            None,
        ),
    ),
    (
        ("Theaterwerkplaats", "Atelier théâtre", H, "creative_sociocultural", None),
        ("Werkplaats theater", "Théâtre - atelier", H, "creative_sociocultural", None),
    ),
    (
        ("Sportanimatie en fitness", "Animation sportive et fitness", H, "sport", None),
        ("Fitness en sportanimatie", "Fitness et animation sportive", HS, "sport", None),
    ),
    (
        ("Gezondheidsvoorlichting", "Information santé", H, "health_prevention", None),
        ("Voorlichting over gezondheid", "Informations santé", H, "health_prevention", None),
    ),
    (
        (
            "Bemiddeling tussen dader en slachtoffer",
            "Médiation auteur-victime",
            HS,
            "restorative",
            None,
        ),
        (
            "Dader-slachtofferbemiddeling",
            "Médiation entre auteur et victime",
            H,
            "restorative",
            None,
        ),
    ),
    (
        ("Opleiding keukenmedewerker", "Formation d'aide-cuisinier", H, "labour_market", None),
        ("Keukenmedewerker: opleiding", "Formation aide cuisinier", H, "labour_market", None),
    ),
    (
        (
            "Psychosociale begeleiding",
            "Accompagnement psychosocial",
            HS,
            "social_psychological",
            None,
        ),
        ("Psych. begeleiding", "Accompagnement psycho-social", S, "social_psychological", None),
    ),
    (
        (
            "Basiseducatie: lezen, schrijven, rekenen",
            "Éducation de base : lire, écrire, calculer",
            H,
            "education",
            None,
        ),
        (
            "Lezen, schrijven en rekenen (basiseducatie)",
            "Education de base: lire ecrire calculer",
            H,
            "education",
            None,
        ),
    ),
    (
        ("Bibliotheek Haren", "Bibliothèque de Haren", H, "creative_sociocultural", None),
        ("Bibliotheek", "Bibliothèque", H, "creative_sociocultural", None),
    ),
    (
        (
            "Gespreksgroepen samenleven",
            "Groupes de parole vivre ensemble",
            S,
            "social_skills",
            None,
        ),
        (
            "Groupes de parole « Vivre ensemble »",
            "Groupes de parole - vivre ensemble",
            S,
            "social_skills",
            None,
        ),
    ),
    (
        ("Begeleiding bij verslaving", "Accompagnement des assuétudes", HS, "drugs", None),
        ("Verslavingsbegeleiding", "ASSUÉTUDES – ACCOMPAGNEMENT", H, "drugs", None),
    ),
    (
        (
            "Opvolging na vrijlating bij verslaving",
            "Suivi post-libération en assuétudes",
            H,
            "drugs",
            None,
        ),
        ("Opvolging na vrijl. (verslaving)", "Suivi post-lib. assuétudes", H, "drugs", None),
    ),
    (
        # The same organisation, classed in another domain by the second authority.
        (
            "Relais kinderen-ouders",
            "Relais Enfants-Parents",
            HS,
            "social_psychological",
            KBO_RELAIS,
        ),
        ("Relais ouders-kinderen", "Relais parents-enfants", H, "social_skills", KBO_RELAIS),
    ),
    (
        ("Islamconsulent", "Conseiller islamique", HS, "social_psychological", None),
        ("Islamitisch consulent", "Conseiller en islam", H, "social_psychological", None),
    ),
    (
        ("Muziekatelier", "Atelier musique", H, "creative_sociocultural", None),
        ("Muziek atelier", "Atelier de musique", H, "creative_sociocultural", None),
    ),
    (
        (
            "Videogesprekken met familie",
            "Visioconférences familiales",
            H,
            "social_psychological",
            None,
        ),
        (
            "Videogesprek met de familie",
            "Visioconférence avec les familles",
            H,
            "social_psychological",
            None,
        ),
    ),
    (
        ("Katholieke aalmoezenier", "Aumônerie catholique", HS, "social_psychological", None),
        ("Aalmoezenier (katholiek)", "Aumônier catholique", S, "social_psychological", None),
    ),
    (
        (
            "Sociale hulp aan justitiabelen",
            "Aide sociale aux justiciables",
            HS,
            "social_psychological",
            None,
        ),
        (
            "Sociaal hulp justitiabelen",
            "Aide sociale justiciables",
            HS,
            "social_psychological",
            None,
        ),
    ),
    (
        ("Tandzorg", "Soins dentaires", H, "health_prevention", None),
        ("Tandheelkundige zorg", "Soins dentaires (dentiste)", H, "health_prevention", None),
    ),
]

NOT_DUPLICATES = [
    (
        ("Taalles Nederlands", "Cours de néerlandais", H, "education", None),
        ("Taalles Frans", "Cours de français", H, "education", None),
    ),
    (
        ("Sportlessen voor vrouwen", "Cours de sport pour femmes", H, "sport", None),
        ("Sportlessen voor mannen", "Cours de sport pour hommes", H, "sport", None),
    ),
    (
        # The same words in another prison: another offer.
        ("Bibliotheek", "Bibliothèque", H, "creative_sociocultural", None),
        ("Bibliotheek", "Bibliothèque", S, "creative_sociocultural", None),
    ),
    (
        # The same words in another domain.
        ("Begeleiding naar werk", "Accompagnement vers l'emploi", H, "labour_market", None),
        ("Begeleiding naar werk", "Accompagnement vers l'emploi", H, "social_psychological", None),
    ),
    (
        (
            "Groep 1: sociale vaardigheden",
            "Groupe 1 : compétences sociales",
            H,
            "social_skills",
            None,
        ),
        (
            "Groep 2: sociale vaardigheden",
            "Groupe 2 : compétences sociales",
            H,
            "social_skills",
            None,
        ),
    ),
    (
        (
            "Drughulp en harm reduction",
            "Aide en matière de drogues et réduction des risques",
            HS,
            "drugs",
            None,
        ),
        (
            "Substitutiebehandeling: begeleiding",
            "Accompagnement des traitements de substitution",
            H,
            "drugs",
            None,
        ),
    ),
    (
        # Two services of one organisation.
        (
            "Opvolging na vrijlating bij verslaving",
            "Suivi post-libération en assuétudes",
            H,
            "drugs",
            KBO_ASSUETUDES,
        ),
        (
            "Begeleiding bij verslaving",
            "Accompagnement des assuétudes",
            HS,
            "drugs",
            KBO_ASSUETUDES,
        ),
    ),
    (
        ("Opleiding fietshersteller", "Formation de réparateur de vélos", H, "labour_market", None),
        ("Opleiding tot heftruckchauffeur", "Formation de cariste", H, "labour_market", None),
    ),
    (
        (
            "Psychosociale hulp aan gedetineerden",
            "Aide psychosociale aux détenus",
            HS,
            "social_psychological",
            None,
        ),
        ("Psychosociale dienst", "Service psychosocial", HS, "social_psychological", None),
    ),
    (
        (
            "Preventie van infectieziekten",
            "Prévention des maladies infectieuses",
            HS,
            "health_prevention",
            None,
        ),
        ("Preventie en vaccinatie", "Prévention et vaccination", HS, "health_prevention", None),
    ),
    (
        (
            "Onthaal van nieuwe gedetineerden",
            "Accueil des nouveaux détenus",
            H,
            "social_psychological",
            None,
        ),
        (
            "Onthaal en sociale hulp aan gedetineerden",
            "Accueil et aide sociale aux détenus",
            HS,
            "social_psychological",
            None,
        ),
    ),
    (
        (
            "Sociale hulp aan justitiabelen",
            "Aide sociale aux justiciables",
            HS,
            "social_skills",
            None,
        ),
        (
            "Training sociale vaardigheden",
            "Formation aux compétences sociales",
            H,
            "social_skills",
            None,
        ),
    ),
    (
        ("Schrijfatelier", "Atelier d'écriture", S, "creative_sociocultural", None),
        ("Muziekatelier", "Atelier musique", S, "creative_sociocultural", None),
    ),
    (
        ("Leesclub", "Club de lecture", H, "creative_sociocultural", None),
        ("Filmclub", "Ciné-club", H, "creative_sociocultural", None),
    ),
    (
        (
            "Taallessen Frans en Nederlands",
            "Cours de langues français et néerlandais",
            S,
            "education",
            None,
        ),
        ("Nederlands tweede taal (CVO)", "Néerlandais langue seconde (CVO)", HS, "education", None),
    ),
    (
        (
            "Individuele psychologische begeleiding",
            "Accompagnement psychologique individuel",
            H,
            "social_psychological",
            None,
        ),
        (
            "Psychologische groepsbegeleiding",
            "Accompagnement psychologique en groupe",
            H,
            "social_psychological",
            None,
        ),
    ),
    (
        # Two services of one organisation.
        (
            "Werk in de ateliers (Cellmade)",
            "Travail en atelier (Cellmade)",
            H,
            "labour_market",
            KBO_REGIE,
        ),
        (
            "Huishoudelijk werk (fatiks)",
            "Travail domestique (servants)",
            HS,
            "labour_market",
            KBO_REGIE,
        ),
    ),
    (
        ("Sportanimatie en fitness", "Animation sportive et fitness", H, "sport", None),
        ("Sportanimatie en fitness", "Animation sportive et fitness", S, "sport", None),
    ),
    (
        ("Yoga voor vrouwen", "Yoga pour femmes", H, "sport", None),
        ("Yoga voor mannen", "Yoga pour hommes", H, "sport", None),
    ),
    (
        ("Herstelconsulent", "Consultant en justice réparatrice", H, "restorative", None),
        ("Herstelbemiddeling", "Médiation réparatrice", H, "restorative", None),
    ),
    (
        ("Gezondheidsateliers", "Ateliers santé", H, "health_prevention", None),
        ("Gezondheidsvoorlichting", "Information santé", H, "health_prevention", None),
    ),
    (
        (
            "Bezoekbegeleiding ouders en kinderen",
            "Accompagnement des visites parents-enfants",
            H,
            "social_psychological",
            KBO_CAW,
        ),
        ("Onthaal van bezoekers", "Accueil des visiteurs", H, "social_psychological", KBO_CAW),
    ),
]

# Written after the weights and the threshold were chosen on the pairs above, and not used to
# choose them: how the comparison does on pairs it was not tuned on.
HELD_OUT_DUPLICATES = [
    (
        ("Schrijfatelier", "Atelier d'écriture", S, "creative_sociocultural", None),
        (
            "Atelier creatief schrijven",
            "Atelier d'écriture créative",
            S,
            "creative_sociocultural",
            None,
        ),
    ),
    (
        (
            "Trajectbegeleiding naar werk (VDAB)",
            "Accompagnement vers l'emploi (VDAB)",
            HS,
            "labour_market",
            None,
        ),
        ("VDAB-trajectbegeleiding werk", "Accompagnement emploi VDAB", H, "labour_market", None),
    ),
    (
        ("Herstelgerichte groepen", "Groupes de réparation", H, "restorative", None),
        ("Groepen herstelgericht werken", "Groupes réparateurs", H, "restorative", None),
    ),
    (
        ("Ciné-club", "Ciné-club", H, "creative_sociocultural", None),
        ("Filmclub", "Cineclub", H, "creative_sociocultural", None),
    ),
    (
        (
            "Administratieve hulp: documenten en rechten",
            "Aide administrative : documents et droits",
            HS,
            "social_psychological",
            None,
        ),
        (
            "Hulp bij administratie en documenten",
            "Aide administrative (documents, droits sociaux)",
            H,
            "social_psychological",
            None,
        ),
    ),
    (
        (
            "Infolijn voor familie",
            "Ligne d'information pour les familles",
            HS,
            "social_psychological",
            None,
        ),
        ("Informatielijn families", "Ligne info familles", HS, "social_psychological", None),
    ),
    (
        (
            "Zorgteam voor geïnterneerden",
            "Équipe de soins pour internés",
            H,
            "social_psychological",
            None,
        ),
        ("Zorgteam geinterneerden", "Equipe soins internés", H, "social_psychological", None),
    ),
    (
        ("Getuigschrift basisonderwijs (CEB)", "Préparation au CEB", H, "education", None),
        (
            "Voorbereiding CEB",
            "Préparation au Certificat d'études de base (CEB)",
            H,
            "education",
            None,
        ),
    ),
    (
        ("Protestantse aalmoezenier", "Aumônerie protestante", H, "social_psychological", None),
        ("Aalmoezenier protestants", "Aumônier protestant", H, "social_psychological", None),
    ),
]

HELD_OUT_NOT_DUPLICATES = [
    (
        ("Protestantse aalmoezenier", "Aumônerie protestante", H, "social_psychological", None),
        ("Katholieke aalmoezenier", "Aumônerie catholique", H, "social_psychological", None),
    ),
    (
        (
            "Opleiding informatica voor beginners",
            "Formation informatique pour débutants",
            H,
            "labour_market",
            None,
        ),
        (
            "Opleiding informatica voor gevorderden",
            "Formation informatique avancée",
            H,
            "labour_market",
            None,
        ),
    ),
    (
        ("Lessen Arabisch", "Cours d'arabe", H, "education", None),
        ("Lessen Turks", "Cours de turc", H, "education", None),
    ),
    (
        ("Voorlichting over drugs", "Information sur les drogues", H, "drugs", None),
        ("Drugvrije afdeling", "Section sans drogues", H, "drugs", None),
    ),
    (
        ("Bezoek van vrijwilligers", "Visites de bénévoles", S, "social_psychological", None),
        (
            "Bezoekbegeleiding ouders en kinderen",
            "Accompagnement des visites parents-enfants",
            S,
            "social_psychological",
            None,
        ),
    ),
    (
        ("Fitness voor beklaagden", "Fitness pour prévenus", H, "sport", None),
        ("Fitness voor veroordeelden", "Fitness pour condamnés", H, "sport", None),
    ),
    (
        ("Kookatelier", "Atelier cuisine", H, "labour_market", None),
        ("Opleiding keukenmedewerker", "Formation d'aide-cuisinier", H, "labour_market", None),
    ),
    (
        ("Tandzorg", "Soins dentaires", H, "health_prevention", None),
        ("Oogzorg", "Soins des yeux", H, "health_prevention", None),
    ),
    (
        (
            "Gespreksgroep voor vrouwen",
            "Groupe de parole pour femmes",
            H,
            "social_psychological",
            None,
        ),
        (
            "Gespreksgroep voor naasten",
            "Groupe de parole pour les proches",
            H,
            "social_psychological",
            None,
        ),
    ),
]
