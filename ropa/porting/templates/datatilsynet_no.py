"""Datatilsynet (Norway): "Mal for protokoll over behandlingsaktiviteter", for behandlingsansvarlige
(personvernforordningen artikkel 30 nr. 1) and for databehandlere (artikkel 30 nr. 2).

The orange (obligatory) columns follow the article's wording as Datatilsynet gives it
(https://www.datatilsynet.no/rettigheter-og-plikter/virksomhetenes-plikter/protokoll-over-
behandlingsaktiviteter/); the green (optional) ones come after. See
tests/fixtures/templates/README.md for what was read where.
"""

from ropa.porting.templates.spec import Template

_HEADER = {
    "Virksomhetens navn": "entity_name",
    "Organisasjonsnummer": "registration",
    "Kontaktopplysninger": "entity_contact",
    "Personvernombud": "dpo",
    "Representant": "representative",
}
_TRANSFERS = {
    "Overføring til tredjestat eller internasjonal organisasjon": "transfer_countries",
    "Dokumentasjon av nødvendige garantier": "transfer_safeguards",
    "Generell beskrivelse av tekniske og organisatoriske sikkerhetstiltak": "security",
}

_BOILERPLATE = ("Protokoll over behandlingsaktiviteter", "Obligatoriske felt (artikkel 30)", "Valgfrie felt")

CONTROLLER = Template(
    id="no-behandlingsansvarlig",
    title="Datatilsynet: protokoll over behandlingsaktiviteter (behandlingsansvarlig)",
    authority="Datatilsynet (Norway)",
    language="nb",
    country="NO",
    role="controller",
    style="table",
    sheet="Protokoll",
    boilerplate=_BOILERPLATE,
    header=_HEADER,
    columns={
        "Nr.": "key",
        "Behandlingsaktivitet": "name",
        "Formålet med behandlingen": "purpose",
        "Kategorier av registrerte": "data_subjects",
        "Kategorier av personopplysninger": "data_categories",
        "Kategorier av mottakere": "recipients",
        **_TRANSFERS,
        "Planlagte tidsfrister for sletting": "retention",
        "Felles behandlingsansvarlig": "joint_controllers",
        "Behandlingsgrunnlag": "legal_bases",
        "Behandlingsgrunnlag for særlige kategorier av personopplysninger": "special_condition",
        "Databehandler": "processors",
        "System": "system",
        "Ansvarlig enhet": "business_function",
        "Er det gjennomført vurdering av personvernkonsekvenser (DPIA)?": "dpia_required",
        "Kommentarer": "notes",
    },
    terms={
        "data_subject_category": {
            "Brukere av portalen": "portal_user",
            "Ansatte hos kunder": "invited_employee",
        },
        "recipient_kind": {"Databehandlere": "processor", "Offentlige myndigheter": "public_authority"},
    },
)

PROCESSOR = Template(
    id="no-databehandler",
    title="Datatilsynet: protokoll over behandlingsaktiviteter (databehandler)",
    authority="Datatilsynet (Norway)",
    language="nb",
    country="NO",
    role="processor",
    style="table",
    sheet="Protokoll",
    boilerplate=_BOILERPLATE,
    header=_HEADER,
    columns={
        "Nr.": "key",
        "Navn og kontaktopplysninger til behandlingsansvarlig": "controller_served",
        "Kategorier av behandling": "categories_of_processing",
        **_TRANSFERS,
        "Underdatabehandlere": "processors",
        "Kommentarer": "notes",
    },
    key_prefix="PP",
)
