"""Processors and recipients (Art. 28, Art. 30(1)(d))."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts
from ropa.rules.words import fields

PROCESSOR_KINDS = frozenset({"processor", "sub_processor"})
# Service kinds and data categories that mean the vendor pursues purposes of its own (Fashion ID, C-40/17).
OWN_PURPOSE_SERVICES = frozenset({"advertising"})
OWN_PURPOSE_CATEGORIES = frozenset({"advertising_preferences"})


# Art. 28(3), 30(1)(d): a processor needs a legal entity and a contract; medium: not shown, not proven absent.
@rule(
    "processor.no_contract",
    "medium",
    "Art. 28(3), 30(1)(d)",
    texts(
        "Processor recipient {recipient} lacks: {missing}.",
        "Databehandleren {recipient} mangler: {missing}.",
        "Databehandleren {recipient} mangler: {missing}.",
    ),
    texts(
        "Name the processor's legal entity and link the Art. 28 data processing agreement.",
        "Angiv databehandlerens juridiske enhed og henvis til databehandleraftalen (art. 28).",
        "Angi databehandlerens juridiske enhet og henvis til databehandleravtalen (art. 28).",
    ),
)
def no_contract(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    processors = {p.key: p for p in entity.processors}
    for r in entity.recipients:
        if r.kind not in PROCESSOR_KINDS:
            continue
        p = processors.get(r.processor) if r.processor else None
        missing = []
        if p is None or p.legal_name is None:
            missing.append("legal_name")
        if p is None or p.contract is None or not (p.contract.reference or p.contract.link):
            missing.append("contract")
        if missing:
            yield hit("recipient", r.key, "processor", recipient=r.key, missing=fields(missing))


# Art. 30(1)(d): the categories of recipients are stated, not given as examples; low: a wording defect.
@rule(
    "recipient.non_exhaustive",
    "low",
    "Art. 30(1)(d)",
    texts(
        "Recipient {recipient} is listed as an example ('such as'): the list of recipients is open-ended.",
        "Modtageren {recipient} er nævnt som eksempel ('så som'): listen over modtagere er ikke udtømmende.",
        "Mottakeren {recipient} er nevnt som eksempel ('som'): listen over mottakere er ikke uttømmende.",
    ),
    texts(
        "Record every recipient or category of recipients.",
        "Angiv alle modtagere eller kategorier af modtagere.",
        "Angi alle mottakere eller kategorier av mottakere.",
    ),
)
def non_exhaustive(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for r in entity.recipients:
        if r.non_exhaustive:
            yield hit("recipient", r.key, "non_exhaustive", recipient=r.key)


# Art. 28(10), 26: a "processor" with own advertising purposes is a controller; high: disclosed without basis.
@rule(
    "recipient.own_purposes",
    "high",
    "Art. 28(10), 26, 30(1)(d)",
    texts(
        "Recipient {recipient} is recorded as a processor but pursues purposes of its own ({evidence}).",
        "Modtageren {recipient} er registreret som databehandler, men forfølger egne formål ({evidence}).",
        "Mottakeren {recipient} er registrert som databehandler, men forfølger egne formål ({evidence}).",
    ),
    texts(
        "Verify the facts; record the recipient as (joint) controller with an Art. 26 arrangement and a "
        "legal basis, or stop the disclosure for those purposes.",
        "Kontrollér fakta; registrér modtageren som (fælles) dataansvarlig med en aftale efter art. 26 og "
        "et behandlingsgrundlag, eller ophør med videregivelsen til de formål.",
        "Kontroller fakta; registrer mottakeren som (felles) "
        "behandlingsansvarlig med en avtale etter art. 26 "
        "og et behandlingsgrunnlag, eller stans utleveringen til de formålene.",
    ),
)
def own_purposes(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    processors = {p.key: p for p in entity.processors}
    for r in entity.recipients:
        if r.kind not in PROCESSOR_KINDS:
            continue
        p = processors.get(r.processor) if r.processor else None
        evidence = [
            Term("service_kind", k)
            for k in sorted(OWN_PURPOSE_SERVICES.intersection(p.service_kinds if p else []))
        ]
        evidence += [
            Term("data_category", c) for c in sorted(OWN_PURPOSE_CATEGORIES.intersection(r.data_categories))
        ]
        if evidence:
            yield hit("recipient", r.key, "kind", recipient=r.key, evidence=evidence)


# Art. 28(3), 30(1)(e), 44: where a processor processes decides whether a transfer takes place; medium: the
# transfer status is unknown, an Art. 30(1)(e) element cannot be completed, no transfer is shown.
@rule(
    "processor.location_unrecorded",
    "medium",
    "Art. 28(3), 30(1)(e), 44",
    texts(
        "Processor recipient {recipient}: where the data are processed is not recorded, so whether they "
        "leave the EU/EEA is unknown.",
        "Databehandleren {recipient}: hvor oplysningerne behandles, er ikke angivet, så det vides ikke, om "
        "de overføres ud af EU/EØS.",
        "Databehandleren {recipient}: hvor opplysningene behandles, er ikke angitt, så det er ukjent om de "
        "overføres ut av EU/EØS.",
    ),
    texts(
        "Record the processor's country and the countries where it (and its sub-processors) process the "
        "data; record a transfer with its basis for any outside the EU/EEA.",
        "Angiv databehandlerens land og de lande, hvor den (og dens underdatabehandlere) behandler "
        "oplysningerne; registrér en overførsel med grundlag for dem uden for EU/EØS.",
        "Angi databehandlerens land og landene der den (og underdatabehandlerne) behandler opplysningene; "
        "registrer en overføring med grunnlag for dem utenfor EU/EØS.",
    ),
)
def location_unrecorded(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    processors = {p.key: p for p in entity.processors}
    named = {t.recipient for t in entity.transfers}  # a transfer record states where that recipient's data go
    for r in entity.recipients:
        if r.kind not in PROCESSOR_KINDS or r.key in named or r.country or r.in_third_country is not None:
            continue
        p = processors.get(r.processor) if r.processor else None
        if p is None or not (p.country or p.data_locations):
            yield hit("recipient", r.key, "processor", recipient=r.key)


RULES = [no_contract, non_exhaustive, own_purposes, location_unrecorded]
