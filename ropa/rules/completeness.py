"""Completeness of the Art. 30(1)(a)-(g) and 30(2)(a)-(d) elements, per entity and per activity."""

from collections.abc import Iterator

from ropa.activities.schemas import Purpose
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.model import Context, Hit, hit, rule, texts
from ropa.rules.words import FIELDS, purpose


# Art. 30(1)(a), 30(2)(a): name and contact details; medium, as an Art. 30 element is missing.
@rule(
    "completeness.contact",
    "medium",
    "Art. 30(1)(a), 30(2)(a)",
    texts(
        "{name} has no contact details (address, e-mail or telephone) in the record.",
        "{name} har ingen kontaktoplysninger (adresse, e-mail eller telefon) i fortegnelsen.",
        "{name} har ingen kontaktopplysninger (adresse, e-post eller telefon) i protokollen.",
    ),
    texts(
        "Record how the entity is reached: its postal address, an e-mail address or a telephone number.",
        "Angiv, hvordan enheden kontaktes: postadresse, e-mailadresse eller telefonnummer.",
        "Angi hvordan enheten kontaktes: postadresse, e-postadresse eller telefonnummer.",
    ),
)
def contact(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    # Any one of address, e-mail or telephone is a contact detail; a country alone is not an address.
    a = entity.address
    address = a is not None and any((a.street, a.postal_code, a.city))
    if not (address or entity.email or entity.phone):
        yield hit("entity", entity.key, "address", name=entity.legal_name)


# Art. 30(1)(b), 30(1)(c), 30(2)(b): purposes, data subjects, data categories; medium: an element is missing.
@rule(
    "completeness.activity",
    "medium",
    "Art. 30(1)(b), 30(1)(c)",
    texts(
        "Activity {activity} does not record its {element}.",
        "Aktiviteten {activity} angiver ikke {element}.",
        "Aktiviteten {activity} angir ikke {element}.",
    ),
    texts(
        "Complete the missing element ({element}) of the activity.",
        "Udfyld det manglende element ({element}) for aktiviteten.",
        "Fyll ut det manglende elementet ({element}) for aktiviteten.",
    ),
)
def activity_elements(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        missing = {
            "purposes": a.role != "processor" and not a.purposes,
            "data_subjects": not a.data_subjects,
            "data_categories": not a.data_categories,
        }
        for element, absent in missing.items():
            if absent:
                yield hit("activity", a.key, element, activity=a.key, element=FIELDS[element])


# Art. 30(1)(g), 30(2)(d), 32(1): a description of the security measures; medium: an element is missing.
@rule(
    "completeness.security",
    "medium",
    "Art. 30(1)(g), 30(2)(d)",
    texts(
        "Activity {activity} describes no technical or organisational security measures.",
        "Aktiviteten {activity} beskriver ingen tekniske eller organisatoriske sikkerhedsforanstaltninger.",
        "Aktiviteten {activity} beskriver ingen tekniske eller organisatoriske sikkerhetstiltak.",
    ),
    texts(
        "List the Art. 32 measures (access control, logging, encryption, backup ...) for the activity.",
        "Angiv foranstaltningerne efter art. 32 (adgangskontrol, logning, kryptering, backup ...).",
        "Angi tiltakene etter art. 32 (tilgangskontroll, logging, kryptering, sikkerhetskopi ...).",
    ),
)
def security(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.security is None or not a.security.measures:
            yield hit("activity", a.key, "security", activity=a.key)


# Art. 6(1), 30(1)(b): each purpose of a controller needs a legal basis; high: without one it is unlawful.
@rule(
    "purpose.no_legal_basis",
    "high",
    "Art. 6(1), 30(1)(b)",
    texts(
        "Activity {activity} has a purpose without a legal basis: {purpose}.",
        "Aktiviteten {activity} har et formål uden behandlingsgrundlag: {purpose}.",
        "Aktiviteten {activity} har et formål uten behandlingsgrunnlag: {purpose}.",
    ),
    texts(
        "Record the Art. 6(1) basis of the purpose, or stop the processing for it.",
        "Angiv grundlaget efter art. 6, stk. 1, for formålet, eller ophør med behandlingen.",
        "Angi grunnlaget etter art. 6 nr. 1 for formålet, eller stans behandlingen.",
    ),
)
def no_legal_basis(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a, i, p in _controller_purposes(entity):
        # a basis stated as a law only is a basis: purpose.basis_point_unstated asks for its Art. 6(1) point
        if not p.legal_bases and not p.national_bases:
            yield hit("activity", a.key, f"purposes[{i}].legal_bases", activity=a.key, purpose=purpose(p))


# Art. 6(1), 6(3), 30(1)(b): a basis laid down by law serves an Art. 6(1) point ((c) or (e)) that the record
# names; low: the basis is stated, only the point is missing, nothing is shown to be unlawful.
@rule(
    "purpose.basis_point_unstated",
    "low",
    "Art. 6(1), 6(3), 30(1)(b)",
    texts(
        "Activity {activity} states the basis of a purpose as law ({acts}) without the Art. 6(1) point "
        "it serves: {purpose}.",
        "Aktiviteten {activity} angiver grundlaget for et formål som lov ({acts}) uden det punkt i art. 6, "
        "stk. 1, som loven opfylder: {purpose}.",
        "Aktiviteten {activity} angir grunnlaget for et formål som lov ({acts}) uten bokstaven i "
        "art. 6 nr. 1 som loven oppfyller: {purpose}.",
    ),
    texts(
        "Name the Art. 6(1) point the law serves, usually (c) (a legal obligation) or (e) (a public task).",
        "Angiv det punkt i art. 6, stk. 1, som loven opfylder, som regel litra c (retlig forpligtelse) eller "
        "litra e (opgave i samfundets interesse eller myndighedsudøvelse).",
        "Angi bokstaven i art. 6 nr. 1 som loven oppfyller, som regel bokstav c (rettslig forpliktelse) "
        "eller bokstav e (oppgave i allmennhetens interesse eller utøvelse av offentlig myndighet).",
    ),
)
def basis_point_unstated(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a, i, p in _controller_purposes(entity):
        if p.national_bases and not p.legal_bases and all(n.point is None for n in p.national_bases):
            acts = [n.act for n in p.national_bases]
            yield hit(
                "activity",
                a.key,
                f"purposes[{i}].national_bases",
                activity=a.key,
                purpose=purpose(p),
                acts=acts,
            )


def _controller_purposes(entity: EntityIn) -> Iterator[tuple[ActivityIn, int, Purpose]]:
    """Each purpose whose basis this register must state: a processor's is its controller's."""
    for a in entity.activities:
        if a.role == "processor" and a.controllers_served:
            continue  # the basis is the controller's, recorded in its own register
        for i, p in enumerate(a.purposes):
            yield a, i, p


RULES = [contact, activity_elements, security, no_legal_basis, basis_point_unstated]
