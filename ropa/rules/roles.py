"""Role logic: who decides purposes and means (Art. 4(7), 4(8), 28, 30(2))."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts, words


# Art. 28(10), 30(2): a "processor" choosing its own basis or purposes is a controller; high: role is wrong.
@rule(
    "role.processor_own_purposes",
    "high",
    "Art. 28(10), 30(1)(a), 30(2)(a)-(b)",
    texts(
        "Activity {activity} is recorded as processing on behalf of others, yet it states its own "
        "purposes and legal basis ({bases}).",
        "Aktiviteten {activity} er registreret som databehandling for andre, men angiver egne formål og "
        "behandlingsgrundlag ({bases}).",
        "Aktiviteten {activity} er registrert som databehandling for andre, men angir egne formål og "
        "behandlingsgrunnlag ({bases}).",
    ),
    texts(
        "Decide the role: if the entity sets the purposes it is the controller (record it so); otherwise "
        "record the controllers it acts for and remove its own bases.",
        "Afklar rollen: fastlægger enheden formålene, er den dataansvarlig (registrér det); ellers angiv de "
        "dataansvarlige, den handler for, og fjern egne grundlag.",
        "Avklar rollen: fastsetter enheten formålene, er den "
        "behandlingsansvarlig (registrer det); ellers angi "
        "de behandlingsansvarlige den handler for, og fjern egne grunnlag.",
    ),
)
def processor_own_purposes(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.role != "processor":
            continue  # a processor entity may still be controller of some activities (e.g. its own staff)
        bases = sorted({b for p in a.purposes for b in p.legal_bases})
        interests = any(p.legitimate_interest for p in a.purposes)
        if bases or interests or (a.purposes and not a.controllers_served):
            shown: list[Term | str] = [Term("legal_basis", b) for b in bases] or ["-"]
            yield hit("activity", a.key, "role", activity=a.key, bases=shown)


# Art. 30(2)(a)-(b): a processor names each controller it acts for; medium: an Art. 30 element is missing.
@rule(
    "role.processor_without_controllers",
    "medium",
    "Art. 30(2)(a), 30(2)(b)",
    texts(
        "Activity {activity} is carried out as a processor but names no controller it acts for.",
        "Aktiviteten {activity} udføres som databehandler, men angiver ingen dataansvarlig.",
        "Aktiviteten {activity} utføres som databehandler, men angir ingen behandlingsansvarlig.",
    ),
    texts(
        "Record each controller (name, contact) and the categories of processing done for it.",
        "Angiv hver dataansvarlig (navn, kontakt) og kategorierne af behandling for denne.",
        "Angi hver behandlingsansvarlig (navn, kontakt) og kategoriene av behandling for denne.",
    ),
)
def processor_without_controllers(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.role == "processor" and not any(c.categories_of_processing for c in a.controllers_served):
            yield hit("activity", a.key, "controllers_served", activity=a.key)


# Art. 26(1)-(2): joint controllers determine their responsibilities in an arrangement whose essence is made
# available; medium: the record does not show it, no unlawful processing is shown.
@rule(
    "joint_controller.no_arrangement",
    "medium",
    "Art. 26(1), 26(2), 30(1)(a)",
    texts(
        "{record} names {controller} as a joint controller without a reference to the arrangement "
        "between them.",
        "{record} angiver {controller} som fælles dataansvarlig uden henvisning til ordningen mellem dem.",
        "{record} angir {controller} som felles behandlingsansvarlig uten henvisning til avtalen mellom dem.",
    ),
    texts(
        "Record the Art. 26 arrangement (its reference), which sets out each controller's responsibilities.",
        "Angiv ordningen efter art. 26 (dens reference), som fastlægger hver dataansvarligs ansvar.",
        "Angi avtalen etter art. 26 (referansen), som fastsetter hver behandlingsansvarligs ansvar.",
    ),
)
def joint_no_arrangement(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for i, j in enumerate(entity.joint_controllers):
        if not j.arrangement_ref:
            field = f"joint_controllers[{i}].arrangement_ref"
            yield hit("entity", entity.key, field, record=entity.legal_name, controller=j.contact.name)
    for a in entity.activities:
        for i, c in enumerate(a.joint_controllers):
            if not c.arrangement_ref:
                field = f"joint_controllers[{i}].arrangement_ref"
                record = words(a.key, f"Activity {a.key}", f"Aktiviteten {a.key}", f"Aktiviteten {a.key}")
                yield hit("activity", a.key, field, record=record, controller=c.controller.name)


RULES = [processor_own_purposes, processor_without_controllers, joint_no_arrangement]
