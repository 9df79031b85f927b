"""The CNIL's model register ("modèle de registre simplifié", registre-traitement-simplifie.ods, July
2019): the organisation and its list of activities (sheet "2 - Liste des traitements"), then a
"fiche de registre" per activity (a copy of sheet "3 - Modèle de fiche de registre"), each a column
of labels with the answers beside them.

The checklist labels are those of the CNIL's file as a public copy of its content.xml quotes them;
the other labels are not all confirmed: see tests/fixtures/templates/README.md. The built-in
vocabularies carry no French labels, so the French wording of each term the model names is given
here (``terms``); the checklist rows of the model (data categories, security measures) name their
term by their label.
"""

from ropa.porting.templates.spec import Template

_CATEGORY_ROWS = {
    # The two checklists of the model's fiche (sheet "3 - Modèle de fiche de registre" of
    # registre-traitement-simplifie.ods), as published, its "adress IP" included.
    "État civil, identité, données d'identification, images…": "category:name",
    "Vie personnelle (habitudes de vie, situation familiale, etc.)": "category:other",
    (
        "Informations d'ordre économique et financier "
        "(revenus, situation financière, situation fiscale, etc.)"
    ): "category:financial",
    "Données de connexion (adress IP, logs, etc.)": "category:log_data",
    "Données de localisation (déplacements, données GPS, GSM, etc.)": "category:location",
    "Numéro de Sécurité Sociale (ou NIR)": "category:national_id",
    "Données révélant l'origine raciale ou ethnique": "category:racial_ethnic_origin",
    "Données révélant les opinions politiques": "category:political_opinions",
    "Données révélant les convictions religieuses ou philosophiques": "category:religious_beliefs",
    "Données révélant l'appartenance syndicale": "category:trade_union_membership",
    "Données génétiques": "category:genetic",
    "Données biométriques aux fins d'identifier une personne physique de manière unique": (
        "category:biometric"
    ),
    "Données concernant la santé": "category:health",
    "Données concernant la vie sexuelle ou l'orientation sexuelle": "category:sex_life_orientation",
    "Données relatives à des condamnations pénales ou infractions": "category:criminal_offences",
    # The same rows as a copy corrects them, and the rows of the CNIL's earlier PDF model
    # (registre_rgpd_basique.pdf), which the .ods dropped.
    "État civil, identité, données d'identification, images": "category:name",
    "Données de connexion (adresse IP, logs, etc.)": "category:log_data",
    (
        "Vie professionnelle (ex. CV, situation professionnelle, scolarité, formation, distinctions, "
        "diplômes, etc.)"
    ): "category:employer_and_role",
}
_MEASURE_ROWS = {
    "Contrôle d'accès des utilisateurs": "measure:access_control",
    "Mesures de traçabilité": "measure:logging_traceability",
    "Mesures de protection des logiciels": "measure:software_protection",
    "Sauvegarde des données": "measure:backup",
    "Chiffrement des données": "measure:encryption_at_rest",
    "Contrôle des sous-traitants": "measure:processor_control",
    "Autres mesures": "security",
}

MODEL = Template(
    id="cnil-registre",
    title="CNIL : modèle de registre des activités de traitement",
    authority="Commission nationale de l'informatique et des libertés (France)",
    language="fr",
    country="FR",
    role="controller",
    style="fiche",
    sheet="2 - Liste des traitements",
    boilerplate=(
        "Registre des activités de traitement",
        "Coordonnées du responsable de l'organisme",
        "Fiche de registre",
        "Acteurs",
        "Finalité(s) du traitement effectué",
        "Catégories de données personnelles concernées",
        "Données sensibles",
        "Destinataires",
        "Transferts des données hors UE",
        "Mesures de sécurité",
    ),
    header={
        "Nom de l'organisme": "entity_name",
        "Numéro SIRET": "registration",
        "Adresse": "entity_address",
        "Téléphone": "entity_phone",
        "Courriel": "entity_email",
        "Délégué à la protection des données": "dpo",
        "Représentant": "representative",
    },
    columns={
        "N° / REF": "key",
        "N° / RÉF": "key",
        "Nom / sigle": "name",
        "Nom du traitement": "name",
        "Date de création de la fiche": "notes",
        "Mise à jour de la fiche": "notes",
        "Responsable(s) conjoint(s)": "joint_controllers",
        "Nom du logiciel ou de l'application": "system",
        "Finalité principale": "purpose",
        "Sous-finalité 1": "purpose_sub",
        "Sous-finalité 2": "purpose_sub",
        "Sous-finalité 3": "purpose_sub",
        "Sous-finalité 4": "purpose_sub",
        "Sous-finalité 5": "purpose_sub",
        "Catégories de personnes concernées": "data_subjects",
        **_CATEGORY_ROWS,
        "Durées de conservation": "retention",
        "Destinataires internes": "recipients_internal",
        "Organismes externes": "recipients",
        "Sous-traitants": "processors",
        "Transferts hors UE : pays": "transfer_countries",
        "Transferts hors UE : type de garanties": "transfer_safeguards",
        "Lien vers la documentation": "transfer_documentation",
        **_MEASURE_ROWS,
    },
    terms={
        "data_subject_category": {
            "Salariés": "employee",
            "Clients": "customer",
            "Prospects": "prospect",
            "Candidats": "job_applicant",
            "Fournisseurs": "supplier_contact",
            "Usagers du portail": "portal_user",
            "Visiteurs du site": "website_visitor",
            "Locataires": "tenant",
            "Patients": "patient",
        },  # fmt: skip
        "recipient_kind": {
            "Service des ressources humaines": "internal",
            "Service informatique": "internal",
            "Administration fiscale": "public_authority",
            "Sous-traitant": "processor",
        },  # fmt: skip
        "legal_basis": {
            "Consentement": "art6_1_a",
            "Contrat": "art6_1_b",
            "Obligation légale": "art6_1_c",
            "Sauvegarde des intérêts vitaux": "art6_1_d",
            "Mission d'intérêt public": "art6_1_e",
            "Intérêt légitime": "art6_1_f",
        },  # fmt: skip
        "transfer_mechanism": {
            "Clauses contractuelles types": "scc_unspecified",
            "Décision d'adéquation": "adequacy",
            "Règles d'entreprise contraignantes": "bcr",
        },  # fmt: skip
    },
)
