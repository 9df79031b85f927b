"""Datatilsynet (Denmark): the "fortegnelse" of a dataansvarlig (databeskyttelsesforordningens
artikel 30, stk. 1), its headings in the wording of the Danish text of the regulation.

Datatilsynet asks for no particular format; its template and guidance ("Vejledning om
fortegnelse") follow the article's litras a-g. See tests/fixtures/templates/README.md.
"""

from ropa.porting.templates.spec import Template

CONTROLLER = Template(
    id="dk-fortegnelse",
    title="Datatilsynet: fortegnelse over behandlingsaktiviteter (dataansvarlig)",
    authority="Datatilsynet (Denmark)",
    language="da",
    country="DK",
    role="controller",
    style="table",
    sheet="Fortegnelse",
    boilerplate=("Fortegnelse over behandlingsaktiviteter", "Den dataansvarlige"),
    header={
        "Navn og kontaktoplysninger på den dataansvarlige": "entity",
        "CVR-nr.": "registration",
        "Databeskyttelsesrådgiver": "dpo",
        "Repræsentant": "representative",
    },
    columns={
        "Behandlingsaktivitet": "name",
        "Formålene med behandlingen": "purpose",
        "Kategorier af registrerede": "data_subjects",
        "Kategorier af personoplysninger": "data_categories",
        "Kategorier af modtagere": "recipients",
        "Overførsler til tredjelande eller internationale organisationer": "transfer_countries",
        "Dokumentation for passende garantier": "transfer_safeguards",
        "De forventede tidsfrister for sletning": "retention",
        "Generel beskrivelse af de tekniske og organisatoriske sikkerhedsforanstaltninger": "security",
        "Behandlingsgrundlag": "legal_bases",
        "Fælles dataansvarlig": "joint_controllers",
        "Bemærkninger": "notes",
    },
    terms={
        "data_subject_category": {"Brugere af portalen": "portal_user"},
        "recipient_kind": {"Databehandlere": "processor", "Samarbejdspartnere": "processor"},
    },
)
